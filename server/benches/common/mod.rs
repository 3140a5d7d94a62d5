//! What the benches share: the release `settle` binary started on a fresh
//! database (SQLite, or a PostgreSQL URL given) with a demo store and a
//! signed-in staff client, the POS's **Send invoice** request, and the
//! figures' formatting.
#![allow(dead_code)] // each bench uses part of it

use app::orders::create::{CartLine, NewOrderRequest, PaymentChoice};
use leptos::server_fn::ServerFn;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

const EMAIL: &str = "bench@example.com";
const PASSWORD: &str = "quiet lake morning 42";

/// A running `settle serve` (killed and its database removed on drop).
pub struct Settle {
    pub base: String,
    pub db_url: String,
    /// Signed in as a cashier-level staff member.
    pub client: reqwest::Client,
    /// That client's session cookie (`name=value`), for load generators.
    pub cookie: String,
    dir: std::path::PathBuf,
    server: Child,
}

impl Settle {
    /// Seeds, adds the bench's staff account and serves, with `env` on top of
    /// the database, address and public URL (`SETTLE_BIN` picks the binary).
    pub async fn start(name: &str, env: &[(&str, String)]) -> anyhow::Result<Settle> {
        Self::start_on(name, None, env).await
    }

    /// The same over `db_url` (an empty database), or a new SQLite file when `None`.
    pub async fn start_on(
        name: &str,
        db_url: Option<&str>,
        env: &[(&str, String)],
    ) -> anyhow::Result<Settle> {
        let bin = std::env::var("SETTLE_BIN").unwrap_or_else(|_| "target/release/settle".into());
        let dir = std::env::temp_dir().join(format!("settle-bench-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let db_url = db_url
            .map(str::to_owned)
            .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", dir.join("bench.db").display()));
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let base = format!("http://127.0.0.1:{port}");
        let command = |args: &[&str]| {
            let mut cmd = Command::new(&bin);
            cmd.args(args)
                .env("DATABASE_URL", &db_url)
                .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
                .env("SETTLE_PUBLIC_URL", &base)
                .env("RUST_LOG", "warn")
                .stdout(Stdio::null());
            for (k, v) in env {
                cmd.env(k, v);
            }
            cmd
        };
        anyhow::ensure!(command(&["seed"]).status()?.success(), "settle seed failed");
        let mut add = command(&["staff", "add", EMAIL, "--name", "Bench"])
            .stdin(Stdio::piped())
            .spawn()?;
        if let Some(mut stdin) = add.stdin.take() {
            std::io::Write::write_all(&mut stdin, format!("{PASSWORD}\n").as_bytes())?;
        }
        anyhow::ensure!(add.wait()?.success(), "settle staff add failed");
        let log = std::fs::File::create(dir.join("settle.log"))?;
        let server = command(&["serve"]).stderr(log).spawn()?;

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
            .form(&[("email", EMAIL), ("password", PASSWORD)])
            .send()
            .await?;
        anyhow::ensure!(
            res.headers().get("location").is_some_and(|l| l == "/"),
            "sign-in failed"
        );
        let cookie = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("settle_session="))
            .and_then(|v| v.split(';').next())
            .unwrap_or_default()
            .to_owned();
        Ok(Settle {
            base,
            db_url,
            client,
            cookie,
            dir,
            server,
        })
    }
}

impl Settle {
    pub fn pid(&self) -> u32 {
        self.server.id()
    }

    /// What the server wrote to stderr (its log) so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("settle.log")).unwrap_or_default()
    }
}

impl Drop for Settle {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The demo store's mug (made by `settle seed`).
pub async fn demo_mug(db: &DatabaseConnection) -> anyhow::Result<i32> {
    Ok(app::catalog::model::Entity::find()
        .filter(app::catalog::model::Column::Sku.eq("MUG-01"))
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo product missing"))?
        .id)
}

/// Where the POS posts **Send invoice**.
pub fn send_invoice_path() -> &'static str {
    <app::pos::api::SendOrder as ServerFn>::PATH
}

/// **Send invoice**'s JSON body as the POS island posts it: `quantity` of
/// `product` invoiced to `email`.
pub fn send_invoice_body(product: i32, quantity: u32, email: &str) -> serde_json::Value {
    let order = NewOrderRequest {
        lines: vec![CartLine {
            product_id: product,
            quantity,
        }],
        fees: vec![],
        discount_minor: 0,
        discount_percent_bp: None,
        customer_id: None,
        invoice_email: email.into(),
        save_to_billing: false,
        payment: PaymentChoice::EmailInvoice,
        due_date: String::new(),
        note: String::new(),
        expected_total_minor: None,
        tendered_minor: None,
        deposit_minor: None,
        deposit_percent_bp: None,
        deposit_due: String::new(),
        language: None,
    };
    serde_json::json!({ "order": order })
}
