//! Test helpers: the real router on port 0 over a fresh database, SQLite or
//! PostgreSQL. Every storage-touching test runs on both (see `both_backends!`).
#![allow(dead_code)]

use app::staff::ssr::password::PasswordGate;
use rand::Rng;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use server::config::{Config, LogFormat};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::oneshot;

pub mod doubles;
pub mod fault;
pub mod process;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database that exists for one test and is removed afterwards.
pub struct TestDb {
    pub url: String,
    backend: Backend,
    sqlite_dir: Option<PathBuf>,
    pg_name: Option<String>,
}

fn unique_suffix() -> String {
    let n: u64 = rand::rng().random();
    format!("{}_{n:016x}", std::process::id())
}

/// PostgreSQL server used by the tests; every machine of this project has one.
pub fn postgres_admin_url() -> String {
    std::env::var("SETTLE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("settle-test-{}", unique_suffix()));
                std::fs::create_dir_all(&dir).expect("creating a temporary directory");
                let url = format!("sqlite://{}?mode=rwc", dir.join("settle.db").display());
                TestDb {
                    url,
                    backend,
                    sqlite_dir: Some(dir),
                    pg_name: None,
                }
            }
            Backend::Postgres => {
                let admin = postgres_admin_url();
                let name = format!("settle_test_{}", unique_suffix());
                let conn = Database::connect(&admin).await.unwrap_or_else(|e| {
                    panic!("PostgreSQL is not reachable at {admin} ({e}); start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`")
                });
                conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("creating a test database");
                conn.close().await.ok();
                let base = admin
                    .rsplit_once('/')
                    .map(|(b, _)| b.to_owned())
                    .unwrap_or(admin);
                TestDb {
                    url: format!("{base}/{name}"),
                    backend,
                    sqlite_dir: None,
                    pg_name: Some(name),
                }
            }
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Connected and migrated, as the server would leave it.
    pub async fn connect(&self) -> DatabaseConnection {
        let db = server::db::connect(&self.url)
            .await
            .expect("connecting to the test database");
        server::db::migrate(&db)
            .await
            .expect("migrating the test database");
        db
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(dir) = self.sqlite_dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some(name) = self.pg_name.take() {
            // Drop runs outside any runtime we may block on: use a thread of its own.
            let admin = postgres_admin_url();
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                rt.block_on(async {
                    let conn = Database::connect(&admin).await.ok()?;
                    conn.execute_unprepared(&format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    ))
                    .await
                    .ok()?;
                    conn.close().await.ok()
                })
            })
            .join();
        }
    }
}

pub fn test_config(database_url: &str) -> Config {
    Config {
        database_url: database_url.to_owned(),
        site_addr: "127.0.0.1:0".parse().expect("static address"),
        public_url: "http://127.0.0.1:3000".into(),
        smtp_url: None,
        mail_from: "Settle <invoices@localhost>".into(),
        stripe: None,
        stripe_api_base: "https://api.stripe.com".into(),
        stripe_js_url: "https://js.stripe.com/v3/".into(),
        log_format: LogFormat::Text,
        site_root: "target/site".into(),
        metrics_addr: None,
        trusted_proxies: Default::default(),
    }
}

/// The test config's `SETTLE_TRUSTED_PROXIES`, as an operator would write it.
pub fn trust(config: &mut Config, list: &str) {
    config.trusted_proxies =
        app::proxy::TrustedProxies::parse(list).expect("a valid trusted proxy list");
}

/// A running Settle on a random port with its own database.
pub struct TestApp {
    pub addr: SocketAddr,
    pub db: DatabaseConnection,
    pub test_db: TestDb,
    /// The gate every sign-in of this app hashes through: `runs()` counts
    /// its argon2 runs.
    pub passwords: Arc<PasswordGate>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

pub async fn spawn_app_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> TestApp {
    if std::env::var_os("RUST_LOG").is_some() {
        server::telemetry::init(LogFormat::Text, true);
    }
    spawn_on(TestDb::new(backend).await, tweak).await
}

/// Starts Settle over an existing test database (a restart keeps its data).
pub async fn spawn_on(test_db: TestDb, tweak: impl FnOnce(&mut Config)) -> TestApp {
    let db = test_db.connect().await;
    server::seed::ensure_settings(&db)
        .await
        .expect("settings row");
    let mut config = test_config(&test_db.url);
    tweak(&mut config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binding port 0");
    let addr = listener.local_addr().expect("local address");
    config.site_addr = addr;
    let (stop, stopped) = oneshot::channel::<()>();
    let served_db = db.clone();
    let passwords = Arc::new(own_gate());
    let served_passwords = passwords.clone();
    let task = tokio::spawn(async move {
        server::serve::serve_with_passwords(listener, &config, served_db, served_passwords, async {
            let _ = stopped.await;
        })
        .await
    });
    TestApp {
        addr,
        db,
        test_db,
        passwords,
        stop: Some(stop),
        task: Some(task),
    }
}

/// A password gate with permits of its own, as a process of its own has:
/// tests running side by side in this one process do not wait on each
/// other's hashing.
fn own_gate() -> PasswordGate {
    PasswordGate::with_permits(2, app::staff::ssr::password::QUEUE_WAIT)
}

/// A second Settle process on a running app's database (as two processes
/// behind one load balancer share one): its own pools, caches and password
/// gate, nothing in memory shared with the first.
pub struct Sibling {
    pub addr: SocketAddr,
    pub passwords: Arc<PasswordGate>,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Sibling {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.task
            .await
            .expect("sibling task")
            .expect("sibling stopped cleanly");
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Starts another process on this app's database, configured by `tweak`.
    pub async fn sibling(&self, tweak: impl FnOnce(&mut Config)) -> Sibling {
        let db = server::db::connect(&self.test_db.url)
            .await
            .expect("connecting a second process");
        let mut config = test_config(&self.test_db.url);
        tweak(&mut config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding port 0");
        let addr = listener.local_addr().expect("local address");
        config.site_addr = addr;
        let (stop, stopped) = oneshot::channel::<()>();
        let passwords = Arc::new(own_gate());
        let served_passwords = passwords.clone();
        let task = tokio::spawn(async move {
            server::serve::serve_with_passwords(listener, &config, db, served_passwords, async {
                let _ = stopped.await;
            })
            .await
        });
        Sibling {
            addr,
            passwords,
            stop,
            task,
        }
    }

    /// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("building a client")
    }

    pub async fn add_staff(&self, email: &str, password: &str, role: app::staff::Role) {
        app::staff::ssr::add_staff(&self.db, email, "Test Person", password, role)
            .await
            .expect("adding staff");
    }

    /// Signs in through the real form post; panics unless it succeeds.
    pub async fn signed_in_client(&self, email: &str, password: &str) -> reqwest::Client {
        let client = self.client();
        let res = client
            .post(self.url("/login"))
            .form(&[("email", email), ("password", password), ("next", "/")])
            .send()
            .await
            .expect("posting the sign-in form");
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/", "sign-in should succeed");
        client
    }

    pub async fn stop(mut self) {
        self.shutdown().await;
    }

    /// Stops the server the way SIGTERM does and starts a new one on the same
    /// database, configured by `tweak`.
    pub async fn restart(mut self, tweak: impl FnOnce(&mut Config)) -> TestApp {
        self.shutdown().await;
        spawn_on(self.test_db, tweak).await
    }

    async fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await
                .expect("server task")
                .expect("server stopped cleanly");
        }
    }
}

pub fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The URL path of a server fn (it carries a hash suffix that tests must not hard-code).
pub fn server_fn_path<T: leptos::server_fn::ServerFn>() -> &'static str {
    T::PATH
}

/// Writes one `#[tokio::test]` per backend around an `async fn(Backend)`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() { super::$name($crate::common::Backend::Sqlite).await }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() { super::$name($crate::common::Backend::Postgres).await }
            )*
        }
    };
}

/// The decoded text/plain and text/html parts of a raw message (quoted-printable
/// or base64, as lettre chose), CRLF already normalised.
pub fn mime_parts(raw: &str) -> (String, String) {
    let mut text = String::new();
    let mut html = String::new();
    for part in raw.split("\n--") {
        let Some((head, body)) = part.split_once("\n\n") else {
            continue;
        };
        let head_lower = head.to_ascii_lowercase();
        let body = body.trim_end_matches(|c| c == '-' || c == '\n');
        let decoded = if head_lower.contains("content-transfer-encoding: quoted-printable") {
            decode_qp(body)
        } else if head_lower.contains("content-transfer-encoding: base64") {
            use base64::Engine;
            let compact: String = body.split_whitespace().collect();
            String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .unwrap_or_default(),
            )
            .unwrap_or_default()
        } else {
            body.to_owned()
        };
        if head_lower.contains("content-type: text/plain") {
            text = decoded;
        } else if head_lower.contains("content-type: text/html") {
            html = decoded;
        }
    }
    (text, html)
}

/// The message's attachments: (file name, content type, bytes). Base64
/// parts only, which is how lettre sends binary files.
pub fn mime_attachments(raw: &str) -> Vec<(String, String, Vec<u8>)> {
    use base64::Engine;
    let mut found = Vec::new();
    for part in raw.split("\n--") {
        let Some((head, body)) = part.split_once("\n\n") else {
            continue;
        };
        let lower = head.to_ascii_lowercase();
        if !lower.contains("content-disposition: attachment") {
            continue;
        }
        let name = head
            .split("filename=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_default()
            .to_owned();
        let content_type = lower
            .lines()
            .find_map(|l| l.strip_prefix("content-type: "))
            .unwrap_or_default()
            .trim()
            .to_owned();
        let compact: String = body
            .trim_end_matches(|c| c == '-' || c == '\n')
            .split_whitespace()
            .collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(compact)
            .expect("a base64 attachment");
        found.push((name, content_type, bytes));
    }
    found
}

fn decode_qp(body: &str) -> String {
    let joined = body.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An email invoice for `lines` (product id, quantity) to `email`, as the POS
/// sends one; tests change the fields they are about with `..invoice(…)`.
pub fn invoice(lines: &[(i32, u32)], email: &str) -> app::orders::create::NewOrderRequest {
    use app::orders::create::{CartLine, NewOrderRequest, PaymentChoice};
    NewOrderRequest {
        lines: lines
            .iter()
            .map(|(id, q)| CartLine {
                product_id: *id,
                quantity: *q,
            })
            .collect(),
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
    }
}

/// The id of the product with `sku` (the demo store's `MUG-01`, say).
pub async fn product_id(db: &DatabaseConnection, sku: &str) -> i32 {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    app::catalog::model::Entity::find()
        .filter(app::catalog::model::Column::Sku.eq(sku))
        .one(db)
        .await
        .expect("reading the catalogue")
        .unwrap_or_else(|| panic!("no product {sku}"))
        .id
}

/// GETs a page and returns its status and HTML without Leptos's `<!>` markers.
pub async fn page(client: &reqwest::Client, url: &str) -> (u16, String) {
    let res = client.get(url).send().await.expect("getting a page");
    let status = res.status().as_u16();
    (
        status,
        res.text().await.unwrap_or_default().replace("<!>", ""),
    )
}
