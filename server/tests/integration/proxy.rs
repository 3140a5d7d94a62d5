//! Settle behind Debian's nginx, configured by the very file the README
//! quotes (`deploy/nginx/settle.conf`, placeholders filled as envsubst
//! would): TLS with a self-signed certificate, the http → https redirect,
//! HSTS and `Secure` session cookies, client addresses reaching the pay
//! page's throttle (and forged forwarding headers not), the pay link in the
//! invoice email on the public https address, `/healthz` and `/pkg/` through
//! the proxy.
//!
//! Without nginx this skips with a message, except under `scripts/test`,
//! which sets `SETTLE_REQUIRE_NGINX=1` (and installs nginx) so it fails.
use crate::common::doubles::{free_port, workspace_root, SmtpSink};
use crate::common::process::SettleProcess;
use crate::common::{self, location, mime_parts, Backend};
use crate::scale::{send_invoice, store, wait_until};
use crate::stripe::CASHIER;
use app::orders::model::order;
use app::orders::OrderKey;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The placeholders of `deploy/nginx/settle.conf`, as the README lists them.
const PLACEHOLDERS: [&str; 7] = [
    "SETTLE_UPSTREAM",
    "SETTLE_LISTEN_HTTP",
    "SETTLE_LISTEN_HTTPS",
    "SETTLE_SERVER_NAME",
    "SETTLE_PUBLIC_URL",
    "SETTLE_TLS_CERT",
    "SETTLE_TLS_KEY",
];

fn nginx_template() -> String {
    let path = workspace_root().join("deploy/nginx/settle.conf");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// What `envsubst '${SETTLE_UPSTREAM} …'` makes of the template: only the
/// listed `${NAME}`s are replaced, nginx's own `$variables` are left alone.
fn render(template: &str, values: &[(&str, String)]) -> String {
    let mut out = template.to_owned();
    for name in PLACEHOLDERS {
        let value = values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no value for {name}"));
        out = out.replace(&format!("${{{name}}}"), value);
    }
    let left: Vec<&str> = out
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && l.contains("${"))
        .collect();
    assert!(
        left.is_empty(),
        "placeholders the README does not list: {left:?}"
    );
    out
}

/// `nginx` on PATH or where Debian puts it (/usr/sbin is not on every PATH).
fn find_program(name: &str, extra: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(extra.iter().map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// nginx and openssl, or `None` (with the reason printed) when this test
/// may skip; under `scripts/test` a missing one is a failure.
fn prerequisites() -> Option<(PathBuf, PathBuf)> {
    let nginx = find_program("nginx", &["/usr/sbin", "/usr/local/sbin"]);
    let openssl = find_program("openssl", &["/usr/bin"]);
    match (nginx, openssl) {
        (Some(n), Some(o)) => Some((n, o)),
        (n, _) => {
            let missing = if n.is_none() { "nginx" } else { "openssl" };
            assert!(
                std::env::var_os("SETTLE_REQUIRE_NGINX").is_none(),
                "{missing} is not installed: `scripts/setup test` installs it"
            );
            eprintln!(
                "SKIPPED: {missing} is not installed, so Settle is not tested behind nginx \
                 (`scripts/setup test` installs it; `scripts/test` requires it)"
            );
            None
        }
    }
}

/// A self-signed certificate for 127.0.0.1: (certificate, key).
fn self_signed(openssl: &Path, dir: &Path) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let out = Command::new(openssl)
        .args(["req", "-x509", "-nodes", "-days", "2"])
        .args(["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"])
        .args([
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("running openssl");
    assert!(
        out.status.success(),
        "openssl req failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (cert, key)
}

/// nginx in the foreground, one process (killing it leaves no worker
/// behind), everything it writes under `dir`, so no root is needed.
struct Nginx {
    child: Child,
    dir: PathBuf,
}

impl Nginx {
    async fn start(program: &Path, dir: &Path, site_conf: &str, https_port: u16) -> Nginx {
        let temp = dir.join("temp");
        std::fs::create_dir_all(&temp).expect("nginx temp directory");
        std::fs::write(dir.join("settle.conf"), site_conf).expect("writing settle.conf");
        // What Debian's /etc/nginx/nginx.conf wraps around conf.d/, with its
        // compiled-in temp paths (under /var/lib/nginx) moved here.
        let main = format!(
            "events {{}}\n\
             http {{\n\
             include /etc/nginx/mime.types;\n\
             access_log off;\n\
             client_body_temp_path {t}/client_body;\n\
             proxy_temp_path {t}/proxy;\n\
             fastcgi_temp_path {t}/fastcgi;\n\
             uwsgi_temp_path {t}/uwsgi;\n\
             scgi_temp_path {t}/scgi;\n\
             include {d}/settle.conf;\n\
             }}\n",
            t = temp.display(),
            d = dir.display(),
        );
        std::fs::write(dir.join("nginx.conf"), main).expect("writing nginx.conf");
        let log = std::fs::File::create(dir.join("nginx.log")).expect("nginx log");
        let child = Command::new(program)
            .arg("-p")
            .arg(dir)
            .arg("-e")
            .arg("stderr")
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .arg("-g")
            .arg(format!(
                "daemon off; master_process off; pid {};",
                dir.join("nginx.pid").display()
            ))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("nginx log"))
            .stderr(log)
            .spawn()
            .expect("starting nginx");
        let mut nginx = Nginx {
            child,
            dir: dir.to_owned(),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", https_port)).is_err() {
            if let Ok(Some(status)) = nginx.child.try_wait() {
                panic!("nginx exited ({status}):\n{}", nginx.log());
            }
            assert!(
                Instant::now() < deadline,
                "nginx did not listen:\n{}",
                nginx.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        nginx
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("nginx.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser at `ip` (any 127/8 address: Linux routes them all to lo), for
/// a certificate it was told to accept.
fn browser_at(ip: &str) -> reqwest::Client {
    let ip: IpAddr = ip.parse().expect("a loopback address");
    reqwest::Client::builder()
        .local_address(ip)
        .danger_accept_invalid_certs(true)
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("building a client")
}

fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The test's scratch directory, removed afterwards.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn behind_nginx_clients_links_and_cookies_are_as_the_public_sees_them(backend: Backend) {
    let Some((nginx_program, openssl)) = prerequisites() else {
        return;
    };
    let scratch = Scratch(std::env::temp_dir().join(format!(
        "settle-nginx-{}-{}",
        std::process::id(),
        rand::random::<u64>()
    )));
    let dir = &scratch.0;
    // A built site of one stylesheet: what pages link under `/pkg/{version}/`.
    let site = dir.join("site");
    std::fs::create_dir_all(site.join("pkg")).expect("site directory");
    let css = "body { font-family: system-ui, sans-serif; margin: 0; padding: 0; }\n".repeat(20);
    std::fs::write(site.join("pkg/settle.css"), &css).expect("writing the stylesheet");

    let (http_port, https_port) = (free_port(), free_port());
    let public = format!("https://127.0.0.1:{https_port}");
    let (test_db, db) = store(backend).await;
    let sink = SmtpSink::start(&[]);
    let settle = SettleProcess::start(
        &test_db.url,
        &[
            ("SMTP_URL", format!("smtp://127.0.0.1:{}", sink.port)),
            ("SETTLE_PUBLIC_URL", public.clone()),
            ("SETTLE_TRUSTED_PROXIES", "127.0.0.1".into()),
            ("LEPTOS_SITE_ROOT", site.display().to_string()),
        ],
    )
    .await;
    let (cert, key) = self_signed(&openssl, dir);
    let upstream = settle.url("").trim_start_matches("http://").to_owned();
    let conf = render(
        &nginx_template(),
        &[
            ("SETTLE_UPSTREAM", upstream),
            ("SETTLE_LISTEN_HTTP", format!("127.0.0.1:{http_port}")),
            ("SETTLE_LISTEN_HTTPS", format!("127.0.0.1:{https_port}")),
            ("SETTLE_SERVER_NAME", "127.0.0.1".into()),
            ("SETTLE_PUBLIC_URL", public.clone()),
            ("SETTLE_TLS_CERT", cert.display().to_string()),
            ("SETTLE_TLS_KEY", key.display().to_string()),
        ],
    );
    let nginx = Nginx::start(&nginx_program, dir, &conf, https_port).await;
    let ada = browser_at("127.0.0.2");

    // /healthz passes through, over TLS, with HSTS.
    let res = ada.get(format!("{public}/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200, "nginx log:\n{}", nginx.log());
    assert!(
        header(&res, "strict-transport-security").starts_with("max-age="),
        "HSTS on https answers"
    );
    assert!(res.text().await.unwrap().contains("\"ok\""));

    // Plain http is sent to the same path on the public https address.
    let res = ada
        .get(format!("http://127.0.0.1:{http_port}/orders?page=2"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 301);
    assert_eq!(location(&res), format!("{public}/orders?page=2"));

    // Pages are never stored (they carry customers' and the shop's data).
    let res = ada.get(format!("{public}/login")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "cache-control"), "no-store");
    let page = res.text().await.unwrap();
    // The stylesheet they link is named by its content: kept a year,
    // compressed, through the proxy.
    let css_path = page
        .split("<link ")
        .skip(1)
        .map(|tag| tag.split('>').next().unwrap_or_default())
        .find(|tag| tag.contains(r#"rel="stylesheet""#))
        .and_then(|tag| tag.split(r#"href=""#).nth(1))
        .and_then(|rest| rest.split('"').next())
        .expect("the page links its stylesheet")
        .to_owned();
    assert!(
        css_path.starts_with("/pkg/") && css_path.ends_with("/settle.css") && css_path.len() > 20,
        "/pkg/{{version}}/settle.css: {css_path}"
    );
    let res = ada
        .get(format!("{public}{css_path}"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "nginx log:\n{}", nginx.log());
    assert!(header(&res, "content-type").starts_with("text/css"));
    assert_eq!(
        header(&res, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(header(&res, "content-encoding"), "gzip");
    assert_eq!(header(&res, "x-content-type-options"), "nosniff");
    // A path of another release is not found, and that answer is not kept.
    let res = ada
        .get(format!("{public}/pkg/0123456789abcdef/settle.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(header(&res, "cache-control"), "no-store");

    // Signing in as a browser does (its Origin carries the port): the session
    // cookie is Secure and HttpOnly, and works through the proxy.
    let cashier = browser_at("127.0.0.4");
    let res = cashier
        .post(format!("{public}/login"))
        .header("origin", &public)
        .form(&[("email", CASHIER.0), ("password", CASHIER.1), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        (res.status().as_u16(), location(&res)),
        (303, "/".to_owned()),
        "the cross-site check sees the same host as the browser"
    );
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("settle_session="))
        .unwrap_or_default()
        .to_owned();
    let attributes: Vec<String> = cookie
        .split(';')
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    assert!(
        attributes.iter().any(|a| a == "secure") && attributes.iter().any(|a| a == "httponly"),
        "session cookie: {cookie:?}"
    );
    let res = cashier
        .get(format!("{public}/orders"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "signed in through nginx");
    assert!(!header(&res, "strict-transport-security").is_empty());

    // An invoice sent from the POS through nginx: its email links to the
    // public https address.
    let mug = common::product_id(&db, "MUG-01").await;
    let number = send_invoice(&cashier, &public, mug, "ada@example.com")
        .await
        .unwrap();
    wait_until("the invoice email", Duration::from_secs(30), async || {
        !sink.messages().is_empty()
    })
    .await;
    let o = order::Entity::find()
        .filter(order::Column::Number.eq(number))
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    let link = format!("{public}/pay/{number}?key={}", o.order_key.encode());
    let (text, html) = mime_parts(&sink.messages()[0]);
    assert!(
        text.contains(&link) && html.contains(&link),
        "the pay link {link} in:\n{text}"
    );

    // Each client address has its own throttle: Ada's wrong keys lock Ada
    // out of wrong keys, not Bea, and not Ada's own right link.
    let wrong = format!(
        "{public}/pay/{number}?key={}",
        OrderKey::generate().encode()
    );
    for _ in 0..app::payments::pay::ssr::WRONG_KEYS_PER_ADDRESS {
        let res = ada.get(&wrong).send().await.unwrap();
        assert_eq!(res.status(), 404);
    }
    let res = ada.get(&wrong).send().await.unwrap();
    assert_eq!(res.status(), 429, "Ada's address reached the throttle");
    // Headers Ada writes herself do not move her to another address.
    let res = ada
        .get(&wrong)
        .header("x-forwarded-for", "203.0.113.1")
        .header("forwarded", "for=203.0.113.1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429, "a forged X-Forwarded-For is overwritten");
    let bea = browser_at("127.0.0.3");
    let res = bea.get(&wrong).send().await.unwrap();
    assert_eq!(res.status(), 404, "Bea is not throttled for Ada's guesses");
    // …nor can Bea claim to be Ada.
    let res = bea
        .get(&wrong)
        .header("x-forwarded-for", "127.0.0.2")
        .header("forwarded", "for=127.0.0.2")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = ada.get(&link).send().await.unwrap();
    assert_eq!(res.status(), 200, "a right key is never throttled");

    settle.assert_no_panic();
    drop(nginx);
}

both_backends!(behind_nginx_clients_links_and_cookies_are_as_the_public_sees_them);

/// "The README's deployment section is what the test runs": the file above
/// is quoted whole in the README, with every placeholder it uses.
#[test]
fn the_readme_quotes_the_nginx_config_the_test_runs() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).expect("README.md");
    let template = nginx_template();
    assert!(
        readme.contains(&template),
        "README.md must quote deploy/nginx/settle.conf exactly (copy it into the nginx block)"
    );
    for name in PLACEHOLDERS {
        assert!(
            template.contains(&format!("${{{name}}}")),
            "{name} is listed but unused"
        );
        assert!(
            readme.contains(&format!("{name}=")),
            "the README's envsubst example sets {name}"
        );
    }
}
