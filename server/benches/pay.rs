//! The customer's pay page and the Stripe webhook, against the release
//! `settle` binary on SQLite with the Stripe double: prints pay-page
//! throughput and p50/p99 latency next to a plain axum server answering the
//! same bytes from memory (the ratio is what to read: both share the machine
//! with the load generator), and how fast webhooks are acknowledged.
//! Run by `scripts/bench` (SETTLE_BIN, BENCH_STRIPE_PORT).
mod common;

use common::{demo_mug, ms, percentile, send_invoice_body, send_invoice_path, Settle};
use sea_orm::EntityTrait;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CONNECTIONS: usize = 16;
const RUN: Duration = Duration::from_secs(8);
const WEBHOOKS: usize = 300;
const WHSEC: &str = "whsec_bench";

struct Load {
    requests: usize,
    errors: usize,
    latencies: Vec<Duration>,
}

/// `CONNECTIONS` keep-alive clients GET `url` as fast as they can for `RUN`.
async fn load(url: String) -> Load {
    let stop = Instant::now() + RUN;
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let (mut lat, mut errors) = (Vec::new(), 0usize);
            while Instant::now() < stop {
                let t = Instant::now();
                match client.get(&url).send().await {
                    Ok(res) if res.status().is_success() => {
                        let _ = res.bytes().await;
                        lat.push(t.elapsed());
                    }
                    _ => errors += 1,
                }
            }
            (lat, errors)
        }));
    }
    let mut all = Load {
        requests: 0,
        errors: 0,
        latencies: Vec::new(),
    };
    for t in tasks {
        if let Ok((lat, errors)) = t.await {
            all.requests += lat.len();
            all.errors += errors;
            all.latencies.extend(lat);
        }
    }
    all.latencies.sort();
    all
}

fn report(name: &str, l: &Load) -> f64 {
    let rps = l.requests as f64 / RUN.as_secs_f64();
    println!(
        "  {name:<22} {rps:>8.0} req/s  p50 {}  p99 {}  errors {}",
        ms(percentile(&l.latencies, 0.5)),
        ms(percentile(&l.latencies, 0.99)),
        l.errors
    );
    rps
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let stripe_port: u16 = std::env::var("BENCH_STRIPE_PORT")?.parse()?;
    let stripe = format!("http://127.0.0.1:{stripe_port}");
    let settle = Settle::start(
        "pay",
        &[
            ("STRIPE_SECRET_KEY", "sk_test_bench".into()),
            ("STRIPE_PUBLISHABLE_KEY", "pk_test_bench".into()),
            ("STRIPE_WEBHOOK_SECRET", WHSEC.into()),
            ("STRIPE_API_BASE", stripe.clone()),
        ],
    )
    .await?;
    let (base, client) = (&settle.base, &settle.client);
    let db = sea_orm::Database::connect(&settle.db_url).await?;
    let mug = demo_mug(&db).await?;
    let res = client
        .post(format!("{base}{}", send_invoice_path()))
        .json(&send_invoice_body(mug, 2, "guest@example.com"))
        .send()
        .await?;
    anyhow::ensure!(res.status().is_success(), "creating the invoice failed");
    let o = app::orders::model::order::Entity::find()
        .one(&db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no order"))?;
    let pay_url = format!("{base}/pay/{}?key={}", o.number, o.order_key.encode());

    // First view makes the PaymentIntent; every later view reuses it.
    let bytes = reqwest::get(&pay_url).await?.bytes().await?;
    anyhow::ensure!(
        bytes.windows(10).any(|w| w == b"Pay for or"),
        "the pay page did not render"
    );

    // The page's first-party weight as a phone downloads it (gzip; Stripe.js aside).
    let mut weight = Vec::new();
    for path in [
        pay_url.clone(),
        format!("{base}/pkg/settle.css"),
        format!("{base}/pay.js"),
    ] {
        let res = reqwest::Client::new()
            .get(&path)
            .header("accept-encoding", "gzip")
            .send()
            .await?;
        anyhow::ensure!(res.status().is_success(), "{path}: {}", res.status());
        weight.push(res.bytes().await?.len());
    }
    println!(
        "Pay page first-party bytes, gzip: HTML {} + CSS {} + pay.js {} = {} bytes (budget 60 KB)",
        weight[0],
        weight[1],
        weight[2],
        weight.iter().sum::<usize>()
    );

    // The same bytes from memory, on the same HTTP stack (axum + hyper).
    let page = Arc::new(bytes.to_vec());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let memory_url = format!("http://{}/pay", listener.local_addr()?);
    let memory = axum::Router::new().route(
        "/pay",
        axum::routing::get(move || {
            let page = page.clone();
            async move {
                (
                    [("content-type", "text/html; charset=utf-8")],
                    page.as_ref().clone(),
                )
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, memory).await });

    println!(
        "Pay page, {CONNECTIONS} connections for {} s each, release build, SQLite ({} bytes):",
        RUN.as_secs(),
        bytes.len()
    );
    let pay = load(pay_url.clone()).await;
    let from_memory = load(memory_url).await;
    let pay_rps = report("pay page", &pay);
    let memory_rps = report("same bytes from memory", &from_memory);
    println!(
        "  ratio                  {:.0}% of the memory server's throughput",
        100.0 * pay_rps / memory_rps
    );

    // Webhook acknowledgement: signed payment_intent.payment_failed events
    // (each stored once, then the order's failure recorded), one at a time.
    let intent = app::payments::intent::Entity::find()
        .one(&db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the pay page made no PaymentIntent"))?;
    let pi: serde_json::Value = reqwest::Client::new()
        .get(format!("{stripe}/v1/payment_intents/{}", intent.intent_id))
        .basic_auth("sk_test_bench", Some(""))
        .send()
        .await?
        .json()
        .await?;
    let hook = reqwest::Client::new();
    let mut acks = Vec::with_capacity(WEBHOOKS);
    for i in 0..WEBHOOKS {
        let body = serde_json::json!({
            "id": format!("evt_bench_{i}"), "object": "event", "api_version": "2017-08-15",
            "created": time::OffsetDateTime::now_utc().unix_timestamp(), "data": { "object": pi },
            "livemode": false, "pending_webhooks": 0, "request": { "id": null, "idempotency_key": null },
            "type": "payment_intent.payment_failed",
        })
        .to_string();
        let sig = stripe_webhook::Webhook::generate_test_header(&body, WHSEC, None);
        let t = Instant::now();
        let res = hook
            .post(format!("{base}/stripe/webhook"))
            .header("stripe-signature", sig)
            .body(body)
            .send()
            .await?;
        acks.push(t.elapsed());
        anyhow::ensure!(res.status().is_success(), "webhook {i}: {}", res.status());
    }
    acks.sort();
    println!(
        "Stripe webhook acknowledged ({WEBHOOKS} signed events, one at a time): p50 {}  p99 {}  max {}",
        ms(percentile(&acks, 0.5)),
        ms(percentile(&acks, 0.99)),
        ms(*acks.last().unwrap())
    );
    drop(settle);
    anyhow::ensure!(
        pay.errors == 0 && from_memory.errors == 0,
        "errors under load"
    );
    Ok(())
}
