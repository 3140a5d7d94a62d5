//! Queue, claim and settle outbox rows. Claiming is a lease (`claimed_until`):
//! a worker that dies mid-send leaves a row that another worker (or the same
//! one after a restart) takes again once the lease has passed, so a message is
//! delivered at least once and never lost.
use super::model;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, FromQueryResult, Set,
    Statement,
};
use time::{Duration, OffsetDateTime};

pub const QUEUED: &str = "queued";
pub const SENT: &str = "sent";
pub const FAILED: &str = "failed";

/// How long a claimed row is reserved for one send attempt.
pub const LEASE: Duration = Duration::seconds(120);
/// After this many temporary failures (about two days of backoff) a message is
/// marked failed and staff see why.
pub const MAX_ATTEMPTS: i32 = 20;

#[derive(Debug, Clone)]
pub struct NewMessage {
    pub order_id: Option<i32>,
    pub kind: &'static str,
    pub recipient: String,
    pub subject: String,
    pub html_body: String,
    pub text_body: String,
    /// Reminders only: the one-click unsubscribe URL.
    pub list_unsubscribe: Option<String>,
    /// Invoices and reminders: the invoice PDF's file name. The PDF is
    /// rendered as the message leaves.
    pub attachment_name: Option<String>,
}

/// A file sent with a message: so far only the invoice PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub pdf: Vec<u8>,
}

/// Writes a message to the outbox; pass the transaction of the change that causes it.
pub async fn enqueue<C: ConnectionTrait>(
    conn: &C,
    message: NewMessage,
) -> Result<model::Model, DbErr> {
    let now = OffsetDateTime::now_utc();
    model::ActiveModel {
        order_id: Set(message.order_id),
        kind: Set(message.kind.to_owned()),
        recipient: Set(message.recipient),
        subject: Set(message.subject),
        html_body: Set(message.html_body),
        text_body: Set(message.text_body),
        list_unsubscribe: Set(message.list_unsubscribe),
        attachment_name: Set(message.attachment_name),
        refused: Set(false),
        status: Set(QUEUED.to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        claimed_until: Set(None),
        last_error: Set(None),
        smtp_response: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await
}

/// Takes the oldest due message, if any, and leases it to the caller. On
/// PostgreSQL `FOR UPDATE SKIP LOCKED` lets several workers claim different rows
/// at once; SQLite has one writer, so the single statement is already atomic.
pub async fn claim_next(db: &DatabaseConnection) -> Result<Option<model::Model>, DbErr> {
    let now = OffsetDateTime::now_utc();
    let backend = db.get_database_backend();
    let lock = if backend == DbBackend::Postgres {
        "FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let sql = format!(
        "UPDATE email_outbox SET claimed_until = $1, attempts = attempts + 1 \
         WHERE id = (SELECT id FROM email_outbox \
                     WHERE status = 'queued' AND next_attempt_at <= $2 \
                       AND (claimed_until IS NULL OR claimed_until < $2) \
                     ORDER BY next_attempt_at, id LIMIT 1 {lock}) \
         RETURNING *"
    );
    let stmt = Statement::from_sql_and_values(backend, sql, [(now + LEASE).into(), now.into()]);
    model::Model::find_by_statement(stmt).one(db).await
}

/// The queue as monitoring sees it: messages still to be delivered (`queued`,
/// whether due now, leased to a worker or waiting out a backoff) and when the
/// oldest of them was queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueStats {
    pub queued: u64,
    pub oldest_queued_at: Option<OffsetDateTime>,
}

impl QueueStats {
    /// How long the oldest queued message has waited at `now`, in seconds
    /// (0 with an empty queue).
    pub fn oldest_age_seconds(&self, now: OffsetDateTime) -> f64 {
        self.oldest_queued_at
            .map_or(0.0, |at| (now - at).as_seconds_f64().max(0.0))
    }
}

/// Two small reads on the `(status, next_attempt_at)` index; pass the
/// read-only pool, this never writes.
pub async fn queue_stats<C: ConnectionTrait>(conn: &C) -> Result<QueueStats, DbErr> {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
    let queued = || model::Entity::find().filter(model::Column::Status.eq(QUEUED));
    let count = queued().count(conn).await?;
    let oldest_queued_at = queued()
        .select_only()
        .column(model::Column::CreatedAt)
        .order_by_asc(model::Column::CreatedAt)
        .limit(1)
        .into_tuple::<OffsetDateTime>()
        .one(conn)
        .await?;
    Ok(QueueStats {
        queued: count,
        oldest_queued_at,
    })
}

/// Backoff before attempt `attempts + 1`: 30 s, 1 min, 2 min, … capped at 1 hour.
pub fn backoff(attempts: i32) -> Duration {
    let exp = attempts.clamp(1, 8) - 1;
    Duration::seconds((30i64 << exp).min(3600))
}

pub async fn mark_sent(
    db: &DatabaseConnection,
    row: &model::Model,
    answer: &str,
) -> Result<(), DbErr> {
    let mut active: model::ActiveModel = row.clone().into();
    active.status = Set(SENT.to_owned());
    active.smtp_response = Set(Some(answer.to_owned()));
    active.sent_at = Set(Some(OffsetDateTime::now_utc()));
    active.claimed_until = Set(None);
    active.last_error = Set(None);
    active.update(db).await.map(|_| ())
}

/// What [`mark_retry`] did with a message that could not be sent now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Tried again after the backoff.
    Later,
    /// That was the last attempt: the message is marked failed.
    GaveUp,
}

/// A temporary failure: try again after the backoff, or give up after
/// `MAX_ATTEMPTS` and say why.
pub async fn mark_retry(
    db: &DatabaseConnection,
    row: &model::Model,
    error: &str,
) -> Result<Retry, DbErr> {
    if row.attempts >= MAX_ATTEMPTS {
        mark_failed(
            db,
            row,
            &format!(
                "gave up after {} attempts; last error: {error}",
                row.attempts
            ),
            false,
        )
        .await?;
        return Ok(Retry::GaveUp);
    }
    let mut active: model::ActiveModel = row.clone().into();
    active.next_attempt_at = Set(OffsetDateTime::now_utc() + backoff(row.attempts));
    active.claimed_until = Set(None);
    active.last_error = Set(Some(error.to_owned()));
    active.update(db).await?;
    Ok(Retry::Later)
}

/// Not now (a reminder outside its sending window): the claim is released
/// and the message waits until `at`, without counting an attempt.
pub async fn postpone(
    db: &DatabaseConnection,
    row: &model::Model,
    at: OffsetDateTime,
) -> Result<(), DbErr> {
    let mut active: model::ActiveModel = row.clone().into();
    active.next_attempt_at = Set(at);
    active.claimed_until = Set(None);
    active.attempts = Set((row.attempts - 1).max(0));
    active.update(db).await.map(|_| ())
}

/// No more attempts: the server refused the message (`refused`), or it
/// cannot be sent at all.
pub async fn mark_failed(
    db: &DatabaseConnection,
    row: &model::Model,
    error: &str,
    refused: bool,
) -> Result<(), DbErr> {
    let mut active: model::ActiveModel = row.clone().into();
    active.status = Set(FAILED.to_owned());
    active.refused = Set(refused);
    active.claimed_until = Set(None);
    active.last_error = Set(Some(error.to_owned()));
    active.update(db).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_age_is_zero_for_an_empty_queue_and_never_negative() {
        let now = OffsetDateTime::now_utc();
        let empty = QueueStats {
            queued: 0,
            oldest_queued_at: None,
        };
        assert_eq!(empty.oldest_age_seconds(now), 0.0);
        let waiting = QueueStats {
            queued: 1,
            oldest_queued_at: Some(now - Duration::minutes(16)),
        };
        assert_eq!(waiting.oldest_age_seconds(now), 960.0);
        // Another process's clock a little ahead: 0, not a negative age.
        let ahead = QueueStats {
            queued: 1,
            oldest_queued_at: Some(now + Duration::seconds(2)),
        };
        assert_eq!(ahead.oldest_age_seconds(now), 0.0);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1), Duration::seconds(30));
        assert_eq!(backoff(2), Duration::seconds(60));
        assert_eq!(backoff(5), Duration::seconds(480));
        assert_eq!(backoff(20), Duration::seconds(3600));
        assert_eq!(backoff(0), Duration::seconds(30));
    }
}
