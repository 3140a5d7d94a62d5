//! "Send invoice" as the POS does it, against the release `settle` binary with
//! a real SMTP server: prints how fast the request is answered (the email is
//! only queued on the request path) and how long a queued invoice takes to be
//! accepted by the SMTP server. Run by `scripts/bench`, which builds the release
//! binary and starts the SMTP server (SETTLE_BIN, BENCH_SMTP_PORT).
use app::orders::api::SendOrder;
use app::orders::create::{CartLine, NewOrderRequest, PaymentChoice};
use leptos::server_fn::ServerFn;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SENDS: usize = 200;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let bin = std::env::var("SETTLE_BIN").unwrap_or_else(|_| "target/release/settle".into());
    let smtp_port: u16 = std::env::var("BENCH_SMTP_PORT")?.parse()?;
    let dir = std::env::temp_dir().join(format!("settle-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db_url = format!("sqlite://{}?mode=rwc", dir.join("bench.db").display());
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let env = |cmd: &mut Command| {
        cmd.env("DATABASE_URL", &db_url)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}"))
            .env("RUST_LOG", "warn");
    };
    let mut seed = Command::new(&bin);
    env(seed.arg("seed").stdout(Stdio::null()));
    anyhow::ensure!(seed.status()?.success(), "settle seed failed");
    let mut add = Command::new(&bin);
    env(add
        .args(["staff", "add", "bench@example.com", "--name", "Bench"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null()));
    let mut child = add.spawn()?;
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), b"quiet lake morning 42\n")?;
    anyhow::ensure!(child.wait()?.success(), "settle staff add failed");
    let mut serve = Command::new(&bin);
    env(serve
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(Stdio::null()));
    let mut server = serve.spawn()?;

    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    for _ in 0..100 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let res = client
        .post(format!("{base}/login"))
        .form(&[
            ("email", "bench@example.com"),
            ("password", "quiet lake morning 42"),
        ])
        .send()
        .await?;
    anyhow::ensure!(
        res.headers().get("location").is_some_and(|l| l == "/"),
        "sign-in failed"
    );

    let db = sea_orm::Database::connect(&db_url).await?;
    let mug = app::catalog::model::Entity::find()
        .filter(app::catalog::model::Column::Sku.eq("MUG-01"))
        .one(&db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo product missing"))?
        .id;
    let url = format!("{base}{}", <SendOrder as ServerFn>::PATH);
    let mut answered = Vec::with_capacity(SENDS);
    for i in 0..SENDS {
        let order = NewOrderRequest {
            lines: vec![CartLine {
                product_id: mug,
                quantity: 1 + (i % 5) as u32,
            }],
            fees: vec![],
            discount_minor: 0,
            customer_id: None,
            invoice_email: format!("guest{i}@example.com"),
            save_to_billing: false,
            payment: PaymentChoice::EmailInvoice,
            due_date: String::new(),
            note: String::new(),
        };
        let started = Instant::now();
        let res = client
            .post(&url)
            .json(&serde_json::json!({ "order": order }))
            .send()
            .await?;
        let status = res.status();
        let body = res.text().await?;
        answered.push(started.elapsed());
        anyhow::ensure!(
            status.is_success() && body.contains("Created"),
            "send {i} failed: {status} {body}"
        );
    }

    // Wait for the worker to deliver everything, then read queued → accepted.
    let deadline = Instant::now() + Duration::from_secs(60);
    let rows = loop {
        let rows = app::email::model::Entity::find().all(&db).await?;
        if rows.len() == SENDS && rows.iter().all(|r| r.status == "sent") {
            break rows;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "not all invoices were delivered within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);

    let mut delivery: Vec<Duration> = rows
        .iter()
        .filter_map(|r| r.sent_at.map(|s| (s - r.created_at).unsigned_abs()))
        .collect();
    answered.sort();
    delivery.sort();
    println!("Send invoice over HTTP ({SENDS} sends, one at a time, release build, SQLite):");
    println!(
        "  answered        p50 {}  p99 {}  max {}",
        ms(percentile(&answered, 0.5)),
        ms(percentile(&answered, 0.99)),
        ms(*answered.last().unwrap())
    );
    println!(
        "  queued→accepted p50 {}  p99 {}  max {}",
        ms(percentile(&delivery, 0.5)),
        ms(percentile(&delivery, 0.99)),
        ms(*delivery.last().unwrap())
    );
    Ok(())
}
