//! The `settle` binary as an operator uses it: exit codes, one-line errors,
//! passwords from standard input, the demo seed.

use std::io::Write;
use std::process::{Command, Output, Stdio};

struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new() -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "settle-cli-{}-{}",
            std::process::id(),
            rand::random::<u64>()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
    fn db_url(&self) -> String {
        format!("sqlite://{}?mode=rwc", self.0.join("settle.db").display())
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `settle` in an empty directory (no stray .env) with a clean environment.
fn settle(scratch: &Scratch, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
    run_settle(&scratch.0, &scratch.db_url(), args, env, stdin)
}

/// Runs `settle` in `dir` against `database_url`, with a clean environment
/// and `stdin` on standard input.
pub(crate) fn run_settle(
    dir: &std::path::Path,
    database_url: &str,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: &str,
) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_settle"));
    cmd.args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    cmd.env("DATABASE_URL", database_url);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).trim().to_owned()
}

#[test]
fn staff_add_reads_the_password_from_stdin_and_refuses_bad_input() {
    let s = Scratch::new();
    let ok = settle(
        &s,
        &[
            "staff",
            "add",
            "Pat@Example.com",
            "--name",
            "Pat",
            "--admin",
        ],
        &[],
        "a fine long passphrase\n",
    );
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("Added Pat <pat@example.com> as admin."));

    let dup = settle(
        &s,
        &["staff", "add", "pat@example.COM", "--name", "Pat Again"],
        &[],
        "another fine passphrase\n",
    );
    assert_eq!(dup.status.code(), Some(1));
    assert_eq!(
        stderr(&dup),
        "settle: a staff account with the email pat@example.com already exists"
    );

    for (password, why) in [
        ("\n", "the password is empty"),
        ("short\n", "at least 12 characters"),
        ("aaaaaaaaaaaaaaaa\n", "too easy to guess"),
    ] {
        let out = settle(
            &s,
            &["staff", "add", "new@example.com", "--name", "New"],
            &[],
            password,
        );
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(
            err.starts_with("settle: password refused: ") && err.contains(why),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1);
    }
    let long = format!("{}\n", "x1y2z3".repeat(300));
    let out = settle(
        &s,
        &["staff", "add", "new@example.com", "--name", "New"],
        &[],
        &long,
    );
    assert!(
        stderr(&out).contains("at most 1024 bytes"),
        "{}",
        stderr(&out)
    );

    let out = settle(
        &s,
        &["staff", "add", "bad\u{7}@example.com", "--name", "New"],
        &[],
        "a fine long passphrase\n",
    );
    assert_eq!(
        stderr(&out),
        "settle: invalid email: an email address cannot contain spaces or control characters"
    );
    let out = settle(
        &s,
        &["staff", "add", "new@example.com", "--name", "  "],
        &[],
        "a fine long passphrase\n",
    );
    assert_eq!(stderr(&out), "settle: invalid name: the name is empty");
}

#[test]
fn invalid_configuration_names_the_variable_and_changes_nothing() {
    let s = Scratch::new();
    for (var, value) in [
        ("SETTLE_LOG_FORMAT", "xml"),
        ("LEPTOS_SITE_ADDR", "localhost"),
        ("SETTLE_PUBLIC_URL", "ftp://shop.example"),
        ("DATABASE_URL", "mysql://localhost/settle"),
        ("SMTP_URL", "http://mail.example"),
        ("MAIL_FROM", "not an address"),
        ("STRIPE_SECRET_KEY", "sk_test_123"),
        ("STRIPE_API_BASE", "not a url"),
        ("SETTLE_METRICS_ADDR", "localhost:9100"),
        ("SETTLE_METRICS_ADDR", "127.0.0.1:3000"),
        ("SETTLE_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/33"),
    ] {
        let out = settle(&s, &["migrate"], &[(var, value)], "");
        assert_eq!(out.status.code(), Some(1), "{var}");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        let named = if var == "STRIPE_SECRET_KEY" {
            "STRIPE_PUBLISHABLE_KEY"
        } else {
            var
        };
        assert!(
            err.starts_with(&format!("settle: invalid {named}: ")),
            "{err}"
        );
    }
    assert!(!s.0.join("settle.db").exists(), "nothing was created");

    // The bad entry of a list is named, not just the variable.
    let out = settle(
        &s,
        &["migrate"],
        &[("SETTLE_TRUSTED_PROXIES", "127.0.0.1, proxy.internal, ::1")],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("settle: invalid SETTLE_TRUSTED_PROXIES: \"proxy.internal\" is not an address or CIDR range"),
        "{err}"
    );
}

#[test]
fn a_database_that_cannot_be_opened_is_one_clear_line() {
    let s = Scratch::new();
    let out = settle(
        &s,
        &["migrate"],
        &[(
            "DATABASE_URL",
            "sqlite:///nonexistent-dir/settle.db?mode=rwc",
        )],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("settle: cannot open the database at sqlite:///nonexistent-dir/settle.db"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);

    let out = settle(
        &s,
        &["migrate"],
        &[("DATABASE_URL", "postgres://nobody:secret@127.0.0.1:1/none")],
        "",
    );
    let err = stderr(&out);
    assert!(
        err.starts_with(
            "settle: cannot open the database at postgres://nobody:***@127.0.0.1:1/none"
        ),
        "{err}"
    );
    assert!(
        !err.contains("secret"),
        "passwords never reach the terminal"
    );
}

#[test]
fn a_failing_migration_leaves_the_schema_as_it_was() {
    let s = Scratch::new();
    // A stray table that collides with one the first migration creates late.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sea_orm::ConnectionTrait;
        let db = sea_orm::Database::connect(s.db_url()).await.unwrap();
        db.execute_unprepared("CREATE TABLE stripe_events (x INTEGER)")
            .await
            .unwrap();
        db.close().await.unwrap();
    });
    let out = settle(&s, &["migrate"], &[], "");
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("settle: database migration failed (nothing was changed): "),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);
    rt.block_on(async {
        use sea_orm::ConnectionTrait;
        let db = sea_orm::Database::connect(s.db_url()).await.unwrap();
        let res = db.execute_unprepared("SELECT COUNT(*) FROM staff").await;
        assert!(
            res.is_err(),
            "the tables created before the failure were rolled back"
        );
    });
}

#[test]
fn seed_prints_the_admin_login_once() {
    let s = Scratch::new();
    let first = settle(&s, &["seed"], &[], "");
    assert!(first.status.success(), "{}", stderr(&first));
    let stdout = String::from_utf8_lossy(&first.stdout).to_string();
    let password = stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("password: "))
        .expect("a printed password")
        .trim()
        .to_owned();
    assert!(stdout.contains("email:    admin@example.com"));

    let second = settle(&s, &["seed"], &[], "");
    assert!(second.status.success());
    let again = String::from_utf8_lossy(&second.stdout);
    assert!(again.contains("already has data") && !again.contains(&password));

    // The printed password signs in; the demo has products at two tax rates and three customers.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sea_orm::{EntityTrait, PaginatorTrait};
        let db = server::db::connect(&s.db_url()).await.unwrap();
        let throttle = app::staff::ssr::throttle::SignInThrottle::default();
        let passwords = app::staff::ssr::password::PasswordGate::new();
        let who = app::staff::ssr::authenticate(
            &db,
            &throttle,
            &passwords,
            "admin@example.com",
            &password,
            std::net::IpAddr::from([127, 0, 0, 1]).into(),
        )
        .await
        .unwrap();
        assert_eq!(who.role, app::staff::Role::Admin);
        assert!(
            app::catalog::model::Entity::find()
                .count(&db)
                .await
                .unwrap()
                >= 10
        );
        assert_eq!(
            app::customers::model::Entity::find()
                .count(&db)
                .await
                .unwrap(),
            3
        );
        let rates: std::collections::BTreeSet<i32> = app::settings::ssr::tax_rate::Entity::find()
            .all(&db)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.rate_ppm)
            .filter(|r| *r > 0)
            .collect();
        assert_eq!(rates.len(), 2);
    });
}

/// `settle seed --language fr`: the Paris store (EUR, French VAT, French
/// texts, prices with tax) with one English customer; the store's language
/// is a `settings set` key that refuses what Settle does not speak.
#[test]
fn seed_in_french_makes_the_french_store_and_language_is_a_setting() {
    let s = Scratch::new();
    let refused = settle(&s, &["seed", "--language", "de"], &[], "");
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("en or fr"),
        "{}",
        stderr(&refused)
    );
    let seeded = settle(&s, &["seed", "--language", "fr"], &[], "");
    assert!(seeded.status.success(), "{}", stderr(&seeded));
    let shown = settle(&s, &["settings", "show"], &[], "");
    let shown = String::from_utf8_lossy(&shown.stdout).to_string();
    for line in [
        "name:               Café du Coin",
        "currency:           EUR",
        "time-zone:          Europe/Paris",
        "prices-include-tax: yes",
        "language:           fr",
    ] {
        assert!(shown.contains(line), "{line} in {shown}");
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sea_orm::EntityTrait;
        let db = server::db::connect(&s.db_url()).await.unwrap();
        let store = app::settings::ssr::store(&db).await.unwrap();
        assert_eq!(store.invoice_heading, "Votre facture");
        assert!(store.invoice_subject.contains("{order_number}"));
        let policy = app::reminders::Policy::from_json(&store.reminder_policy).unwrap();
        assert!(policy.enabled);
        assert_eq!(policy.steps[0].heading, "Petit rappel");
        let mut rates: Vec<i32> = app::settings::ssr::tax_rate::Entity::find()
            .all(&db)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.rate_ppm)
            .collect();
        rates.sort();
        assert_eq!(rates, [21_000, 55_000, 100_000, 200_000]);
        let languages: Vec<String> = app::customers::model::Entity::find()
            .all(&db)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.preferred_language)
            .collect();
        assert_eq!(languages.iter().filter(|l| *l == "fr").count(), 2);
        assert_eq!(languages.iter().filter(|l| *l == "en").count(), 1);
    });

    let unknown = settle(&s, &["settings", "set", "language=de"], &[], "");
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        stderr(&unknown).contains("nothing was saved") && stderr(&unknown).contains("language"),
        "{}",
        stderr(&unknown)
    );
    let english = settle(&s, &["settings", "set", "language=en"], &[], "");
    assert!(english.status.success(), "{}", stderr(&english));
    let shown = settle(&s, &["settings", "show"], &[], "");
    assert!(String::from_utf8_lossy(&shown.stdout).contains("language:           en"));
}

#[test]
fn a_dotenv_file_is_read_and_the_environment_wins() {
    let s = Scratch::new();
    std::fs::write(s.0.join(".env"), "SETTLE_LOG_FORMAT=yaml\n").unwrap();
    let out = settle(&s, &["migrate"], &[], "");
    assert_eq!(
        stderr(&out),
        "settle: invalid SETTLE_LOG_FORMAT: \"yaml\" is neither text nor json"
    );
    let out = settle(&s, &["migrate"], &[("SETTLE_LOG_FORMAT", "text")], "");
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn json_logs_are_one_object_per_line() {
    let s = Scratch::new();
    let out = settle(
        &s,
        &["migrate"],
        &[("SETTLE_LOG_FORMAT", "json"), ("RUST_LOG", "info")],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let logs = String::from_utf8_lossy(&out.stderr);
    assert!(logs.lines().count() > 0, "migrations log what they apply");
    for line in logs.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(
            v.get("level").is_some() && v.get("timestamp").is_some(),
            "{line}"
        );
    }
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "The database is up to date."
    );
}

#[test]
fn serve_answers_health_and_stops_cleanly_on_sigterm() {
    let s = Scratch::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_settle"))
        .arg("serve")
        .current_dir(&s.0)
        .env_clear()
        .env("DATABASE_URL", s.db_url())
        .env("LEPTOS_SITE_ADDR", &addr)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let healthy = rt.block_on(async {
        for _ in 0..100 {
            if let Ok(res) = reqwest::get(format!("http://{addr}/healthz")).await {
                return res.status().as_u16();
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        0
    });
    assert_eq!(healthy, 200);
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "settle did not stop within 10 s of SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(status.success(), "a graceful stop exits 0");
    let mut logs = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut logs).unwrap();
    assert!(
        logs.contains("shutting down") && logs.contains("Settle stopped"),
        "{logs}"
    );
    assert!(
        logs.contains("no staff accounts yet"),
        "a fresh install says how to add the first account"
    );
}

#[test]
fn import_products_prints_a_report_per_row() {
    let s = Scratch::new();
    let seeded = settle(&s, &["seed"], &[], "");
    assert!(seeded.status.success());
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/woocommerce-products.csv");
    let out = settle(
        &s,
        &["import", "products", fixture.to_str().unwrap()],
        &[],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("6 imported, 0 updated, 0 unchanged, 4 skipped, 0 with errors"),
        "{report}"
    );
    assert!(report.contains("skipped: grouped product"), "{report}");

    let bad = s.0.join("bad.csv");
    std::fs::write(
        &bad,
        "Type,SKU,Name,Regular price\nsimple,x-1,Fine,1.00\nsimple,x-2,Broken,abc\n",
    )
    .unwrap();
    let out = settle(&s, &["import", "products", bad.to_str().unwrap()], &[], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("line     3"),
        "each row is reported by line"
    );
    assert_eq!(stderr(&out), "settle: 1 row(s) were not imported because of errors (listed above); the other rows were saved");

    let out = settle(&s, &["import", "products", "/nonexistent.csv"], &[], "");
    assert!(
        stderr(&out).starts_with("settle: cannot read /nonexistent.csv: "),
        "{}",
        stderr(&out)
    );
}
