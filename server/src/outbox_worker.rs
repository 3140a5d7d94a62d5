//! Delivers the email outbox: claims due rows, sends them through SMTP and
//! records the answer. Runs beside the web server; with PostgreSQL several
//! processes may each run one (claims never overlap).
use crate::mail::{Delivery, MailError, Mailer};
use app::counters::{self, EmailResult};
use app::domain::Email;
use app::email::ssr::{model, outbox};
use app::reminders::ssr::schedule;
use lettre::message::dkim::DkimConfig;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

/// Messages in flight at once: the SMTP pool keeps a connection per send, and
/// a burst of invoices should not wait on one round trip after another.
const IN_FLIGHT: usize = 8;

/// Sends every message that is due now, up to `IN_FLIGHT` at a time, and
/// reports what happened. Invoices and reminders go with the invoice PDF,
/// rendered now (its pay link under `public_url`).
pub async fn deliver_due(
    db: &DatabaseConnection,
    mailer: &Mailer,
    public_url: &str,
) -> Result<Pass, sea_orm::DbErr> {
    let mut pass = Pass::default();
    // Read once a pass, so a settings change applies from the next message on.
    let dkim = Arc::new(app::settings::ssr::dkim_config(db).await?);
    let sender = Arc::new(app::settings::ssr::sender(db).await?);
    // Read when the first reminder or PDF of the pass needs it.
    let mut store = None;
    loop {
        // Claim a batch (each row leased, so no other worker takes it), send it
        // concurrently, record each answer.
        let mut batch = Vec::new();
        while batch.len() < IN_FLIGHT {
            match outbox::claim_next(db).await? {
                Some(row) => batch.push(row),
                None => break,
            }
        }
        if batch.is_empty() {
            return Ok(pass);
        }
        // A reminder is checked again as it leaves: one that waited out an
        // outage goes only while the order still waits for payment, and
        // inside the sending window.
        let mut sendable = Vec::with_capacity(batch.len());
        for row in batch {
            if row.kind != "reminder" {
                sendable.push(row);
                continue;
            }
            let now = time::OffsetDateTime::now_utc();
            let store = match &store {
                Some(s) => s,
                None => store.insert(app::settings::ssr::store(db).await?),
            };
            match schedule::at_delivery(db, store, row.order_id, now).await? {
                schedule::AtDelivery::Send => sendable.push(row),
                schedule::AtDelivery::Later(at) => outbox::postpone(db, &row, at).await?,
                schedule::AtDelivery::Drop(why) => {
                    outbox::mark_failed(db, &row, why, false).await?;
                    pass.failed += 1;
                }
            }
        }
        let mut batch = Vec::with_capacity(sendable.len());
        for row in sendable {
            let attachment = match (&row.attachment_name, row.order_id) {
                (Some(name), Some(order_id)) => {
                    let store = match &store {
                        Some(s) => s,
                        None => store.insert(app::settings::ssr::store(db).await?),
                    };
                    app::orders::service::pdf_attachment(db, store, order_id, name, public_url)
                        .await
                }
                _ => None,
            };
            batch.push((row, attachment));
        }
        let mut sends = tokio::task::JoinSet::new();
        for (row, attachment) in batch {
            let (mailer, dkim, sender) = (mailer.clone(), dkim.clone(), sender.clone());
            sends.spawn(async move {
                let result = deliver(
                    &mailer,
                    &row,
                    dkim.as_ref().as_ref(),
                    sender.as_ref().as_ref(),
                    attachment.as_ref(),
                )
                .await;
                (row, result)
            });
        }
        while let Some(joined) = sends.join_next().await {
            // A send that panicked keeps its lease and is retried when it expires.
            let Ok((row, result)) = joined else { continue };
            match result {
                Ok(answer) => {
                    outbox::mark_sent(db, &row, &answer).await?;
                    counters::email(&row.kind, EmailResult::Sent);
                    pass.sent += 1;
                }
                Err(MailError::Temporary(e)) => {
                    tracing::warn!(outbox_id = row.id, attempts = row.attempts, error = %e, "email not sent, will retry");
                    let counted = match outbox::mark_retry(db, &row, &e).await? {
                        outbox::Retry::Later => EmailResult::Retry,
                        outbox::Retry::GaveUp => EmailResult::Failed,
                    };
                    counters::email(&row.kind, counted);
                    pass.retried += 1;
                }
                Err(e) => {
                    tracing::warn!(outbox_id = row.id, error = %e, "email refused");
                    // Only the server's permanent answer says the address
                    // takes no mail (reminders stop for it).
                    let refused = matches!(e, MailError::Permanent(_));
                    outbox::mark_failed(db, &row, &e.to_string(), refused).await?;
                    counters::email(&row.kind, EmailResult::Failed);
                    pass.failed += 1;
                }
            }
        }
    }
}

async fn deliver(
    mailer: &Mailer,
    row: &model::Model,
    dkim: Option<&DkimConfig>,
    sender: Option<&app::email::ssr::transport::Sender>,
    attachment: Option<&app::email::ssr::outbox::Attachment>,
) -> Result<String, MailError> {
    let to = Email::parse(&row.recipient)
        .map_err(|e| MailError::Message(format!("recipient {}: {e}", row.recipient)))?;
    match mailer
        .send_signed(
            &to,
            &row.subject,
            &row.text_body,
            &row.html_body,
            dkim,
            sender,
            row.list_unsubscribe.as_deref(),
            attachment,
        )
        .await?
    {
        Delivery::Sent { answer } => Ok(answer),
        Delivery::NotConfigured => Err(MailError::Temporary("SMTP is not configured".into())),
    }
}

/// Runs until aborted: a pass whenever `wake` is notified (a message was just
/// queued) and at least once a second (retries falling due, other processes).
pub fn spawn(
    db: DatabaseConnection,
    mailer: Mailer,
    wake: Arc<Notify>,
    public_url: String,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = deliver_due(&db, &mailer, &public_url).await {
                tracing::error!(error = %e, "email outbox pass failed; retrying shortly");
            }
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        }
    })
}
