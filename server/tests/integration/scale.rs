//! Several `settle` processes on one database, reached on different ports
//! with nothing in front (issue 5, scale-out): a session made on one works on
//! the other, every email goes out once although each process runs a worker,
//! and a webhook delivered to either process is recorded once.
use crate::common::doubles::{LocalStripe, SmtpSink};
use crate::common::process::SettleProcess;
use crate::common::{self, location, Backend, TestDb};
use crate::stripe::{invoices_in, paid_events, CASHIER, SECRET, WHSEC};
use app::email::ssr::{model as mail, outbox};
use app::orders::model::order;
use app::payments::{model as payment, stripe_event};
use app::staff::Role;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait,
};
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

/// A migrated database with the demo store and the cashier `CASHIER`.
pub(crate) async fn store(backend: Backend) -> (TestDb, DatabaseConnection) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.connect().await;
    server::seed::ensure_settings(&db).await.unwrap();
    server::seed::seed_demo(&db).await.unwrap();
    app::staff::ssr::add_staff(&db, CASHIER.0, "Test Person", CASHIER.1, Role::Cashier)
        .await
        .unwrap();
    (test_db, db)
}

/// The environment that points a process at the Stripe double.
pub(crate) fn stripe_env(stripe: &LocalStripe) -> Vec<(&'static str, String)> {
    vec![
        ("STRIPE_SECRET_KEY", SECRET.into()),
        ("STRIPE_PUBLISHABLE_KEY", "pk_test_settle".into()),
        ("STRIPE_WEBHOOK_SECRET", WHSEC.into()),
        ("STRIPE_API_BASE", stripe.base_url.clone()),
    ]
}

pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Signs `client` in as the cashier through the server at `base`.
pub(crate) async fn sign_in(client: &reqwest::Client, base: &str) {
    let res = client
        .post(format!("{base}/login"))
        .form(&[("email", CASHIER.0), ("password", CASHIER.1), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!((res.status().as_u16(), location(&res)), (303, "/".into()));
}

/// **Send invoice** from the POS, as its island posts it. `Err` when no
/// answer came back (the process died); the order number on success.
pub(crate) async fn send_invoice(
    client: &reqwest::Client,
    p_url: &str,
    mug: i32,
    email: &str,
) -> Result<i64, String> {
    let order = common::invoice(&[(mug, 1)], email);
    let path = common::server_fn_path::<app::pos::api::SendOrder>();
    let res = client
        .post(format!("{p_url}{path}"))
        .json(&serde_json::json!({ "order": order }))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = res.status();
    let body: serde_json::Value = res.json().await.map_err(|e| e.to_string())?;
    assert_eq!(status, 200, "{body}");
    body["Created"]["number"]
        .as_i64()
        .ok_or_else(|| format!("not created: {body}"))
}

pub(crate) async fn wait_until(what: &str, limit: Duration, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub(crate) async fn queued(db: &DatabaseConnection) -> u64 {
    mail::Entity::find()
        .filter(mail::Column::Status.eq(outbox::QUEUED))
        .count(db)
        .await
        .unwrap()
}

/// (To, Subject) of every message the SMTP server accepted, with how often.
pub(crate) fn received(sink: &SmtpSink) -> HashMap<(String, String), usize> {
    let mut seen = HashMap::new();
    for raw in sink.messages() {
        let header = |name: &str| {
            raw.lines()
                .take_while(|l| !l.is_empty())
                .find_map(|l| l.strip_prefix(name))
                .unwrap_or_default()
                .trim()
                .to_owned()
        };
        *seen.entry((header("To:"), header("Subject:"))).or_insert(0) += 1;
    }
    seen
}

/// The order is paid, by exactly one payment, with exactly one receipt queued.
pub(crate) async fn assert_paid_once(db: &DatabaseConnection, order_id: i32) {
    let o = order::Entity::find_by_id(order_id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(o.status, "paid", "order {}", o.number);
    let payments = payment::Entity::find()
        .filter(payment::Column::OrderId.eq(o.id))
        .count(db)
        .await
        .unwrap();
    assert_eq!(payments, 1, "order {} is paid exactly once", o.number);
    let receipts = mail::Entity::find()
        .filter(mail::Column::OrderId.eq(o.id))
        .filter(mail::Column::Kind.eq("receipt"))
        .count(db)
        .await
        .unwrap();
    assert_eq!(receipts, 1, "order {} has one receipt", o.number);
}

/// Posts a signed event to a Settle's webhook; the status, or `Err` when no answer came.
pub(crate) async fn deliver_event(
    http: &reqwest::Client,
    base: &str,
    body: &str,
    sig: &str,
) -> Result<u16, reqwest::Error> {
    http.post(format!("{base}/stripe/webhook"))
        .header("content-type", "application/json")
        .header("stripe-signature", sig)
        .body(body.to_owned())
        .send()
        .await
        .map(|r| r.status().as_u16())
}

fn message(n: usize) -> outbox::NewMessage {
    outbox::NewMessage {
        order_id: None,
        kind: "test",
        recipient: format!("reader{n}@example.com"),
        subject: format!("Message {n}"),
        html_body: format!("<p>Message {n}</p>"),
        text_body: format!("Message {n}"),
        list_unsubscribe: None,
        attachment_name: None,
    }
}

/// Two processes on one PostgreSQL database. (SQLite is one file on one
/// machine: one process, one worker, so this runs on PostgreSQL only.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_two_processes_share_sessions_mail_and_webhooks() {
    let (test_db, db) = store(Backend::Postgres).await;
    let sink = SmtpSink::start(&[]);
    let stripe = LocalStripe::start();
    let mut env = stripe_env(&stripe);
    env.push(("SMTP_URL", format!("smtp://127.0.0.1:{}", sink.port)));
    let a = SettleProcess::start(&test_db.url, &env).await;
    let b = SettleProcess::start(&test_db.url, &env).await;

    // Signed in on A, the same cookie works on B, for pages and actions.
    let client = client();
    sign_in(&client, &a.url("")).await;
    let res = client.get(b.url("/orders")).send().await.unwrap();
    assert_eq!(res.status(), 200, "B knows A's session");
    let mug = common::product_id(&db, "MUG-01").await;
    let mut numbers = Vec::new();
    for i in 0..20 {
        let p = if i % 2 == 0 { &a } else { &b };
        let n = send_invoice(&client, &p.url(""), mug, &format!("till{i}@example.com"))
            .await
            .unwrap();
        numbers.push(n);
    }
    let unique: HashSet<_> = numbers.iter().collect();
    assert_eq!(unique.len(), 20, "order numbers never collide: {numbers:?}");

    // Both workers race for a burst of 200 more messages queued at once.
    let txn = db.begin().await.unwrap();
    for n in 0..200 {
        outbox::enqueue(&txn, message(n)).await.unwrap();
    }
    txn.commit().await.unwrap();

    // Webhooks for 20 orders, each event delivered to both processes three times at once.
    invoices_in(&db, 20).await;
    let paying = order::Entity::find()
        .filter(order::Column::Number.gt(*numbers.iter().max().unwrap()))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(paying.len(), 20);
    let hooks = reqwest::Client::new();
    let mut deliveries = Vec::new();
    for (body, sig) in paid_events(&stripe, &db, &paying).await {
        for p in [&a, &b, &a, &b, &a, &b] {
            let (hooks, base, body, sig) = (hooks.clone(), p.url(""), body.clone(), sig.clone());
            deliveries.push(async move { deliver_event(&hooks, &base, &body, &sig).await });
        }
    }
    for status in futures_join_all(deliveries).await {
        assert_eq!(status.unwrap(), 200);
    }
    for o in &paying {
        assert_paid_once(&db, o.id).await;
    }
    let events = stripe_event::Entity::find().all(&db).await.unwrap();
    assert_eq!(events.len(), 20);
    assert!(events.iter().all(|e| e.processed_at.is_some()));

    // Every message goes out once: none lost, none sent by both workers.
    wait_until(
        "the outbox to drain",
        Duration::from_secs(120),
        async || queued(&db).await == 0,
    )
    .await;
    let rows = mail::Entity::find().all(&db).await.unwrap();
    assert_eq!(
        rows.len(),
        20 + 200 + 20 + 20,
        "invoices, burst, invoices, receipts"
    );
    assert!(rows.iter().all(|r| r.status == outbox::SENT), "all sent");
    assert!(
        rows.iter().all(|r| r.attempts == 1),
        "each row claimed once: {:?}",
        rows.iter().filter(|r| r.attempts != 1).count()
    );
    let got = received(&sink);
    let twice: Vec<_> = got.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent twice: {twice:?}");
    assert_eq!(got.len(), rows.len(), "every message arrived");

    // Signing out on B ends the session on A too.
    let res = client.post(b.url("/logout")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let res = client
        .get(a.url("/orders"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302, "A sends the browser to sign in");
    assert!(location(&res).starts_with("/login"), "{}", location(&res));

    a.assert_no_panic();
    b.assert_no_panic();
}

/// Many claimers on two separate pools never take the same row (the
/// worker's lease; `FOR UPDATE SKIP LOCKED` on PostgreSQL).
async fn concurrent_claims_never_take_a_row_twice(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let first = test_db.connect().await;
    let second = test_db.connect().await;
    let txn = first.begin().await.unwrap();
    for n in 0..300 {
        outbox::enqueue(&txn, message(n)).await.unwrap();
    }
    txn.commit().await.unwrap();
    let mut claimers = tokio::task::JoinSet::new();
    for i in 0..8 {
        let db = if i % 2 == 0 {
            first.clone()
        } else {
            second.clone()
        };
        claimers.spawn(async move {
            let mut ids = Vec::new();
            while let Some(row) = outbox::claim_next(&db).await.unwrap() {
                ids.push(row.id);
            }
            ids
        });
    }
    let mut ids = Vec::new();
    while let Some(claimed) = claimers.join_next().await {
        ids.extend(claimed.unwrap());
    }
    // A claimer may stop early when the row it locked was taken meanwhile;
    // whatever is left is still claimable, exactly once.
    while let Some(row) = outbox::claim_next(&first).await.unwrap() {
        ids.push(row.id);
    }
    let unique: HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "a row was claimed twice");
    assert_eq!(ids.len(), 300, "every row was claimed");
}

/// `futures::future::join_all` without the dependency: runs all at once.
pub(crate) async fn futures_join_all<T: Send + 'static>(
    futs: Vec<impl std::future::Future<Output = T> + Send + 'static>,
) -> Vec<T> {
    let handles: Vec<_> = futs.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.expect("task"));
    }
    out
}

both_backends!(concurrent_claims_never_take_a_row_twice);
