//! Runs the reminder scheduler once a minute in every process. Several
//! processes on one PostgreSQL database are safe: each reminder is handled
//! under its order's lock and recorded once (`app::reminders::ssr::schedule`).
use app::reminders::ssr::schedule;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::Notify;

const EVERY: Duration = Duration::from_secs(60);

pub fn spawn(
    db: DatabaseConnection,
    public_url: Arc<str>,
    outbox_wake: Arc<Notify>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match schedule::tick(&db, &public_url, OffsetDateTime::now_utc()).await {
                Ok(done) => {
                    if done.sent > 0 {
                        outbox_wake.notify_one();
                    }
                    if done != schedule::Tick::default() {
                        tracing::info!(
                            sent = done.sent,
                            skipped = done.skipped,
                            deferred = done.deferred,
                            "reminders"
                        );
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "reminder tick failed; trying again in a minute")
                }
            }
            tokio::time::sleep(EVERY).await;
        }
    })
}
