//! "Send invoice" as the POS does it, against the release `settle` binary with
//! a real SMTP server: prints how fast the request is answered (the email is
//! only queued on the request path) and how long a queued invoice takes to be
//! accepted by the SMTP server. Run by `scripts/bench`, which builds the release
//! binary and starts the SMTP server (SETTLE_BIN, BENCH_SMTP_PORT).
mod common;

use app::orders::api::SendOrder;
use app::orders::create::{CartLine, NewOrderRequest, PaymentChoice};
use common::{ms, percentile, Settle};
use leptos::server_fn::ServerFn;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::time::{Duration, Instant};

const SENDS: usize = 200;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let smtp_port: u16 = std::env::var("BENCH_SMTP_PORT")?.parse()?;
    let settle = Settle::start(
        "invoice",
        &[("SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}"))],
    )
    .await?;
    let (base, client) = (&settle.base, &settle.client);
    let db = sea_orm::Database::connect(&settle.db_url).await?;
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
    drop(settle);

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
