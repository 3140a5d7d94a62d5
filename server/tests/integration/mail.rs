//! Delivery through a real SMTP server (aiosmtpd, see end2end/doubles/smtp_sink.py).
use crate::common;

use app::domain::Email;
use common::doubles::SmtpSink;
use server::mail::{Delivery, MailError, Mailer};

fn to(addr: &str) -> Email {
    Email::parse(addr).unwrap()
}

#[tokio::test]
async fn a_message_arrives_with_both_parts_and_the_servers_answer() {
    let sink = SmtpSink::start(&[]);
    let mailer = Mailer::new(
        Some(&format!("smtp://127.0.0.1:{}", sink.port)),
        "Corner Coffee <invoices@corner.example>",
    )
    .unwrap();
    let sent = mailer
        .send(
            &to("ada@example.com"),
            "Invoice #1001 — café <b>",
            "Total due: €12.00\nPay: http://x/pay/1001",
            "<p>Total due: <b>€12.00</b></p>",
        )
        .await
        .unwrap();
    assert_eq!(
        sent,
        Delivery::Sent {
            answer: "250 2.0.0 Ok: queued as test-0001".into()
        }
    );
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert!(m.contains("To: ada@example.com"));
    assert!(m.contains("From: \"Corner Coffee\" <invoices@corner.example>"));
    assert!(m.contains("Content-Type: text/plain; charset=utf-8"));
    assert!(m.contains("Content-Type: text/html; charset=utf-8"));
    assert!(
        m.contains("Subject: Invoice #1001 =?utf-8?b?4oCUIGNhZsOp?= <b>"),
        "non-ASCII words are encoded: {m}"
    );
}

#[tokio::test]
async fn a_refused_recipient_is_permanent_and_a_dead_server_temporary() {
    let sink = SmtpSink::start(&["gone@example.com"]);
    let mailer = Mailer::new(
        Some(&format!("smtp://127.0.0.1:{}", sink.port)),
        "Settle <invoices@localhost>",
    )
    .unwrap();
    match mailer
        .send(&to("gone@example.com"), "s", "t", "<p>h</p>")
        .await
    {
        Err(MailError::Permanent(answer)) => {
            assert!(answer.contains("Mailbox unavailable"), "{answer}")
        }
        other => panic!("expected a permanent failure, got {other:?}"),
    }
    assert!(sink.messages().is_empty());

    let port = sink.port;
    drop(sink);
    let mailer = Mailer::new(
        Some(&format!("smtp://127.0.0.1:{port}")),
        "Settle <invoices@localhost>",
    )
    .unwrap();
    assert!(matches!(
        mailer.send(&to("ada@example.com"), "s", "t", "h").await,
        Err(MailError::Temporary(_))
    ));
}

#[tokio::test]
async fn without_smtp_nothing_is_sent() {
    let mailer = Mailer::new(None, "Settle <invoices@localhost>").unwrap();
    assert_eq!(
        mailer.send(&to("ada@example.com"), "s", "t", "h").await,
        Ok(Delivery::NotConfigured)
    );
}
