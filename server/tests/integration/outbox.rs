//! The email outbox and its worker against a real SMTP server, on SQLite and
//! PostgreSQL: retries while the server is down, delivery once it is back,
//! permanent refusals recorded, leases honoured.
use crate::common;

use app::email::ssr::{model, outbox};
use common::doubles::{free_port, SmtpSink};
use common::{Backend, TestDb};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};
use server::mail::Mailer;
use server::outbox_worker::{deliver_due, Pass};

fn message(to: &str, n: usize) -> outbox::NewMessage {
    outbox::NewMessage {
        order_id: None,
        kind: "test",
        recipient: to.to_owned(),
        subject: format!("Message {n}"),
        html_body: format!("<p>Message {n}</p>"),
        text_body: format!("Message {n}"),
        list_unsubscribe: None,
        attachment_name: None,
    }
}

async fn all(db: &DatabaseConnection) -> Vec<model::Model> {
    model::Entity::find().all(db).await.unwrap()
}

/// Makes every queued row due now: stands in for waiting out the backoff.
async fn time_passes(db: &DatabaseConnection) {
    for row in all(db).await {
        let mut active: model::ActiveModel = row.into();
        active.next_attempt_at = Set(time::OffsetDateTime::now_utc() - time::Duration::seconds(1));
        active.update(db).await.unwrap();
    }
}

async fn queued_mail_waits_for_the_server_and_goes_out_once(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.connect().await;
    let port = free_port();
    let mailer = Mailer::new(
        Some(&format!("smtp://127.0.0.1:{port}")),
        "Settle <invoices@localhost>",
    )
    .unwrap();
    for n in 0..3 {
        outbox::enqueue(&db, message("ada@example.com", n))
            .await
            .unwrap();
    }

    // The SMTP server is down: every message is kept, with the reason and a later attempt.
    let pass = deliver_due(&db, &mailer, "http://127.0.0.1:3000")
        .await
        .unwrap();
    assert_eq!(
        pass,
        Pass {
            sent: 0,
            retried: 3,
            failed: 0
        }
    );
    for row in all(&db).await {
        assert_eq!((row.status.as_str(), row.attempts), ("queued", 1));
        assert!(row.last_error.is_some() && row.next_attempt_at > time::OffsetDateTime::now_utc());
        assert!(row.claimed_until.is_none());
    }
    assert_eq!(
        deliver_due(&db, &mailer, "http://127.0.0.1:3000")
            .await
            .unwrap(),
        Pass::default(),
        "nothing is due before the backoff"
    );

    let sink = SmtpSink::start_on(port, &[]);
    time_passes(&db).await;
    assert_eq!(
        deliver_due(&db, &mailer, "http://127.0.0.1:3000")
            .await
            .unwrap(),
        Pass {
            sent: 3,
            retried: 0,
            failed: 0
        }
    );
    assert_eq!(sink.messages().len(), 3);
    for row in all(&db).await {
        assert_eq!(row.status, "sent");
        assert!(row.smtp_response.as_deref().unwrap().starts_with("250 "));
        assert!(row.sent_at.is_some() && row.last_error.is_none());
    }
    time_passes(&db).await;
    assert_eq!(
        deliver_due(&db, &mailer, "http://127.0.0.1:3000")
            .await
            .unwrap(),
        Pass::default(),
        "sent messages are never sent again"
    );
    assert_eq!(sink.messages().len(), 3);
}

async fn refusals_are_permanent_and_leases_are_honoured(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.connect().await;
    let sink = SmtpSink::start(&["gone@example.com"]);
    let mailer = Mailer::new(
        Some(&format!("smtp://127.0.0.1:{}", sink.port)),
        "Settle <invoices@localhost>",
    )
    .unwrap();

    let refused = outbox::enqueue(&db, message("gone@example.com", 1))
        .await
        .unwrap();
    assert_eq!(
        deliver_due(&db, &mailer, "http://127.0.0.1:3000")
            .await
            .unwrap(),
        Pass {
            sent: 0,
            retried: 0,
            failed: 1
        }
    );
    let row = model::Entity::find_by_id(refused.id)
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, "failed");
    assert!(
        row.last_error.unwrap().contains("550"),
        "the server's answer is kept for staff"
    );

    // A worker that claimed a message and died: nobody else sends it while its lease runs.
    let held = outbox::enqueue(&db, message("ada@example.com", 2))
        .await
        .unwrap();
    let claimed = outbox::claim_next(&db)
        .await
        .unwrap()
        .expect("a due message");
    assert_eq!(claimed.id, held.id);
    assert_eq!(
        deliver_due(&db, &mailer, "http://127.0.0.1:3000")
            .await
            .unwrap(),
        Pass::default()
    );
    // Once the lease has passed, it is delivered (at least once, never lost).
    let mut active: model::ActiveModel = claimed.into();
    active.claimed_until = Set(Some(
        time::OffsetDateTime::now_utc() - time::Duration::seconds(1),
    ));
    active.update(&db).await.unwrap();
    assert_eq!(
        deliver_due(&db, &mailer, "http://127.0.0.1:3000")
            .await
            .unwrap(),
        Pass {
            sent: 1,
            retried: 0,
            failed: 0
        }
    );
    assert_eq!(sink.messages().len(), 1);
}

/// Invoices queued while Settle has no SMTP server survive a restart and go
/// out, once each, when it comes back configured.
async fn mail_queued_before_a_restart_goes_out_after_it(backend: Backend) {
    let app = common::spawn_app(backend).await;
    server::seed::seed_demo(&app.db).await.unwrap();
    let staff = app::staff::ssr::add_staff(
        &app.db,
        "till@example.com",
        "Casey",
        "blue river stones 42",
        app::staff::Role::Cashier,
    )
    .await
    .unwrap();
    let mug = common::product_id(&app.db, "MUG-01").await;
    for n in 0..3 {
        let req = common::invoice(&[(mug, 1)], &format!("guest{n}@example.com"));
        app::orders::service::create_order(&app.db, &staff, "http://shop.example", req)
            .await
            .unwrap();
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        all(&app.db)
            .await
            .iter()
            .all(|m| m.status == "queued" && m.attempts == 0),
        "no SMTP: kept, untouched"
    );

    let sink = SmtpSink::start(&[]);
    let port = sink.port;
    let app = app
        .restart(|c| c.smtp_url = Some(format!("smtp://127.0.0.1:{port}")))
        .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while sink.messages().len() < 3 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // A moment more: a duplicate would arrive now if there were one.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let mut to: Vec<String> = sink
        .messages()
        .iter()
        .filter_map(|m| m.lines().find(|l| l.starts_with("To: ")).map(str::to_owned))
        .collect();
    to.sort();
    assert_eq!(
        to,
        [
            "To: guest0@example.com",
            "To: guest1@example.com",
            "To: guest2@example.com"
        ]
    );
    assert!(all(&app.db).await.iter().all(|m| m.status == "sent"));
    app.stop().await;
}

both_backends!(
    queued_mail_waits_for_the_server_and_goes_out_once,
    refusals_are_permanent_and_leases_are_honoured,
    mail_queued_before_a_restart_goes_out_after_it,
);
