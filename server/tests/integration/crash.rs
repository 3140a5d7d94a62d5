//! SIGKILL in the middle of work, then a restart (issue 5, crash safety), on
//! SQLite (WAL, `synchronous = FULL`) and PostgreSQL: an order or payment
//! that was acknowledged is there after the crash, every invoice goes out at
//! least once, and every payment is recorded exactly once.
use crate::common::doubles::{LocalStripe, SmtpSink};
use crate::common::process::SettleProcess;
use crate::common::Backend;
use crate::scale::{
    assert_paid_once, client, deliver_event, futures_join_all, queued, received, send_invoice,
    sign_in, store, stripe_env, wait_until,
};
use crate::stripe::{invoices_in, paid_events};
use app::email::ssr::{model as mail, outbox};
use app::orders::model::order;
use app::payments::stripe_event;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Messages the worker may have handed to SMTP but not yet recorded as sent
/// when it died: its batch (`outbox_worker::IN_FLIGHT`).
const IN_FLIGHT: usize = 8;

/// A crash leaves the messages in flight leased for two minutes; this stands
/// in for waiting that out.
async fn leases_run_out(db: &DatabaseConnection) {
    db.execute_unprepared("UPDATE email_outbox SET claimed_until = NULL WHERE status = 'queued'")
        .await
        .unwrap();
}

async fn killed_while_sending_invoices_loses_no_email(backend: Backend) {
    let (test_db, db) = store(backend).await;
    let sink = SmtpSink::start(&[]);
    let smtp = vec![("SMTP_URL", format!("smtp://127.0.0.1:{}", sink.port))];
    let mut p = SettleProcess::start(&test_db.url, &smtp).await;
    let mug = crate::common::product_id(&db, "MUG-01").await;

    // Four tills send invoices while the worker delivers them; the process
    // is killed once the SMTP server has 30.
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let mut tills = Vec::new();
    for t in 0..4 {
        let (client, url, acked) = (client(), p.url(""), acknowledged.clone());
        tills.push(async move {
            sign_in(&client, &url).await;
            for i in 0..150 {
                match send_invoice(&client, &url, mug, &format!("till{t}-{i}@example.com")).await {
                    Ok(n) => acked.lock().unwrap().push(n),
                    Err(_) => break,
                }
            }
        });
    }
    let tills = tokio::spawn(futures_join_all(tills));
    // Killed with messages still waiting: on a fast machine the worker can
    // keep up with the tills for a while, so wait for a moment it has not.
    wait_until(
        "30 messages at the SMTP server and more waiting",
        Duration::from_secs(60),
        async || sink.messages().len() >= 30 && queued(&db).await > 0,
    )
    .await;
    p.kill();
    tills.await.unwrap();
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        queued(&db).await > 0,
        "the kill should come mid-batch (all {} were sent first)",
        acknowledged.len()
    );

    // Acknowledged means stored: each order is there with its invoice queued or sent.
    for n in &acknowledged {
        let o = order::Entity::find()
            .filter(order::Column::Number.eq(*n))
            .one(&db)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("order {n} was acknowledged, then lost"));
        let invoices = mail::Entity::find()
            .filter(mail::Column::OrderId.eq(o.id))
            .count(&db)
            .await
            .unwrap();
        assert_eq!(invoices, 1, "order {n}");
    }

    leases_run_out(&db).await;
    let p = SettleProcess::start(&test_db.url, &smtp).await;
    wait_until(
        "the outbox to drain",
        Duration::from_secs(120),
        async || queued(&db).await == 0,
    )
    .await;

    // Every order stored (acknowledged or not) had its invoice delivered at
    // least once; a duplicate only where the crash hit between SMTP's answer
    // and recording it.
    let orders = order::Entity::find().all(&db).await.unwrap();
    assert!(orders.len() >= acknowledged.len());
    let rows = mail::Entity::find().all(&db).await.unwrap();
    assert_eq!(rows.len(), orders.len());
    assert!(rows.iter().all(|r| r.status == outbox::SENT));
    let got = received(&sink);
    for r in &rows {
        assert!(
            got.keys().any(|(to, _)| to.contains(&r.recipient)),
            "{} never got its invoice",
            r.recipient
        );
    }
    let duplicates: usize = got.values().map(|n| n - 1).sum();
    assert!(
        duplicates <= IN_FLIGHT,
        "{duplicates} duplicates, more than were in flight"
    );
    p.assert_no_panic();
}

async fn killed_while_taking_webhooks_records_each_payment_once(backend: Backend) {
    let (test_db, db) = store(backend).await;
    let stripe = LocalStripe::start();
    invoices_in(&db, 300).await;
    let orders = order::Entity::find().all(&db).await.unwrap();
    let events = paid_events(&stripe, &db, &orders).await;
    let env = stripe_env(&stripe);
    let mut p = SettleProcess::start(&test_db.url, &env).await;

    // Sixteen deliveries at a time; the process is killed after 60 are acknowledged.
    let acked = Arc::new(Mutex::new(Vec::new()));
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut senders = Vec::new();
    for _ in 0..16 {
        let (events, acked, next, base) = (events.clone(), acked.clone(), next.clone(), p.url(""));
        senders.push(async move {
            let http = reqwest::Client::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some((body, sig)) = events.get(i) else {
                    return;
                };
                match deliver_event(&http, &base, body, sig).await {
                    Ok(200) => acked.lock().unwrap().push(i),
                    Ok(status) => panic!("delivery {i}: {status}"),
                    Err(_) => return,
                }
            }
        });
    }
    let senders = tokio::spawn(futures_join_all(senders));
    wait_until(
        "60 acknowledged webhooks",
        Duration::from_secs(60),
        async || acked.lock().unwrap().len() >= 60,
    )
    .await;
    p.kill();
    senders.await.unwrap();
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() < events.len(),
        "the kill should come mid-stream"
    );

    // Acknowledged means recorded: before any redelivery, each of those orders is paid.
    for i in &acked {
        let o = order::Entity::find_by_id(orders[*i].id)
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(o.status, "paid", "order {} was acknowledged", o.number);
    }

    // Stripe redelivers what was not acknowledged; here everything is sent
    // again, so the acknowledged ones are replays.
    let p = SettleProcess::start(&test_db.url, &env).await;
    let http = reqwest::Client::new();
    for (body, sig) in &events {
        assert_eq!(
            deliver_event(&http, &p.url(""), body, sig).await.unwrap(),
            200
        );
    }
    for o in &orders {
        assert_paid_once(&db, o.id).await;
    }
    let stored = stripe_event::Entity::find().all(&db).await.unwrap();
    assert_eq!(stored.len(), events.len());
    assert!(stored.iter().all(|e| e.processed_at.is_some()));
    p.assert_no_panic();
}

both_backends!(
    killed_while_sending_invoices_loses_no_email,
    killed_while_taking_webhooks_records_each_payment_once,
);
