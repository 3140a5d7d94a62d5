//! "Send invoice" as the POS does it, against the release `settle` binary with
//! a real SMTP server: prints how fast the request is answered (the email is
//! only queued on the request path) and how long a queued invoice takes to be
//! accepted by the SMTP server. Run by `scripts/bench`, which builds the release
//! binary and starts the SMTP server (SETTLE_BIN, BENCH_SMTP_PORT). Then the
//! invoice PDF of a 10-line order: its size and how fast it is rendered.
mod common;

use common::{demo_mug, ms, percentile, send_invoice_body, send_invoice_path, Settle};
use sea_orm::EntityTrait;
use std::time::{Duration, Instant};

const SENDS: usize = 200;
const PDFS: usize = 200;

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
    let mug = demo_mug(&db).await?;
    let url = format!("{base}{}", send_invoice_path());
    let mut answered = Vec::with_capacity(SENDS);
    for i in 0..SENDS {
        let body = send_invoice_body(mug, 1 + (i % 5) as u32, &format!("guest{i}@example.com"));
        let started = Instant::now();
        let res = client.post(&url).json(&body).send().await?;
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

    // The invoice PDF of a 10-line order, rendered afresh on each request
    // (the staff download is not cached): the order's document read from
    // the database, laid out and written.
    let products: Vec<i32> = app::catalog::model::Entity::find()
        .all(&db)
        .await?
        .into_iter()
        .filter(|p| p.active)
        .map(|p| p.id)
        .take(10)
        .collect();
    anyhow::ensure!(
        products.len() == 10,
        "the demo store has 10 products on sale"
    );
    let mut body = send_invoice_body(products[0], 1, "ten-lines@example.com");
    body["order"]["lines"] = products
        .iter()
        .map(|id| serde_json::json!({ "product_id": id, "quantity": 2 }))
        .collect();
    let res = client.post(&url).json(&body).send().await?.text().await?;
    let created: serde_json::Value = serde_json::from_str(&res)?;
    let number = created["Created"]["number"]
        .as_i64()
        .ok_or_else(|| anyhow::anyhow!("10-line order not created: {res}"))?;
    let pdf_url = format!("{base}/orders/{number}/invoice.pdf");
    let mut rendered = Vec::with_capacity(PDFS);
    let mut size = 0;
    for _ in 0..PDFS {
        let started = Instant::now();
        let res = client.get(&pdf_url).send().await?;
        anyhow::ensure!(res.status().is_success(), "PDF: {}", res.status());
        size = res.bytes().await?.len();
        rendered.push(started.elapsed());
    }
    rendered.sort();
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
    println!("Invoice PDF, 10 lines ({PDFS} downloads by staff, each rendered afresh):");
    println!(
        "  size {size} bytes   answered p50 {}  p99 {}  max {}",
        ms(percentile(&rendered, 0.5)),
        ms(percentile(&rendered, 0.99)),
        ms(*rendered.last().unwrap())
    );
    Ok(())
}
