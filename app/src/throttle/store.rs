//! The `throttles` table. Writes are compare-and-swap: an attempt is counted
//! only if the row is still what was read when it was judged, so two
//! processes (or two requests) judging the same key at once cannot both use
//! the last allowance. Times are milliseconds since the Unix epoch in BIGINT
//! columns: compared as numbers, the same on SQLite and PostgreSQL.
use super::policy::{Admission, Hits, Policy};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement, Value};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// What is counted, as stored: a SHA-256 (hex) of a purpose and its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key(String);

impl Key {
    /// `purpose` says what is counted (`"pay/wrong-key"`); `parts` say whose
    /// attempts (a client address, an email). Parts are separated by NUL, so
    /// `("ab", "c")` and `("a", "bc")` are different keys.
    pub fn new(purpose: &str, parts: &[&str]) -> Key {
        let mut hash = Sha256::new();
        hash.update(purpose.as_bytes());
        for part in parts {
            hash.update([0u8]);
            hash.update(part.as_bytes());
        }
        Key(hash.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Tries a few times when others count the same key between our read and
/// our write; past that the key is contended, which a guesser's flood is.
const TRIES: usize = 4;

/// Now, as the table counts time.
pub fn now_ms() -> i64 {
    i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000)
        .unwrap_or(i64::MAX)
}

fn statement(db: &DatabaseConnection, sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(db.get_database_backend(), sql, values)
}

/// The key's row while it lasts; `None` when absent or over.
pub async fn peek(db: &DatabaseConnection, key: &Key) -> Result<Option<Hits>, DbErr> {
    peek_at(db, key, now_ms()).await
}

async fn peek_at(db: &DatabaseConnection, key: &Key, now: i64) -> Result<Option<Hits>, DbErr> {
    let Some(row) = db
        .query_one_raw(statement(
            db,
            "SELECT hits, last_at, expires_at FROM throttles WHERE key_hash = $1",
            vec![key.0.clone().into()],
        ))
        .await?
    else {
        return Ok(None);
    };
    let hits = Hits {
        count: row.try_get_by_index::<i32>(0)?,
        last_ms: row.try_get_by_index::<i64>(1)?,
        expires_ms: row.try_get_by_index::<i64>(2)?,
    };
    Ok((hits.expires_ms > now).then_some(hits))
}

/// Counts one attempt for `key` if `policy` allows it now. A refusal writes
/// nothing, so a flood of refused attempts costs one read each.
pub async fn admit(db: &DatabaseConnection, key: &Key, policy: Policy) -> Result<Admission, DbErr> {
    for _ in 0..TRIES {
        let now = now_ms();
        let counted = match peek_at(db, key, now).await? {
            None => start(db, key, policy.first_expiry(now), now).await?,
            Some(hits) => {
                if let Some(wait) = policy.wait(&hits, now) {
                    return Ok(Admission::Refused { wait });
                }
                bump(db, key, &hits, policy.next_expiry(&hits, now), now).await?
            }
        };
        if counted {
            return Ok(Admission::Admitted);
        }
    }
    Ok(Admission::Refused {
        wait: Duration::from_secs(1),
    })
}

/// The first attempt of a key, or of a key whose row is over: only while
/// nobody else has started it since we looked.
async fn start(db: &DatabaseConnection, key: &Key, expires: i64, now: i64) -> Result<bool, DbErr> {
    let done = db
        .execute_raw(statement(
            db,
            "INSERT INTO throttles (key_hash, hits, last_at, expires_at) VALUES ($1, 1, $2, $3) \
             ON CONFLICT (key_hash) DO UPDATE SET hits = 1, last_at = $2, expires_at = $3 \
             WHERE throttles.expires_at <= $2",
            vec![key.0.clone().into(), now.into(), expires.into()],
        ))
        .await?;
    Ok(done.rows_affected() == 1)
}

/// One more attempt, only if the row is still as it was read.
async fn bump(
    db: &DatabaseConnection,
    key: &Key,
    seen: &Hits,
    expires: i64,
    now: i64,
) -> Result<bool, DbErr> {
    let done = db
        .execute_raw(statement(
            db,
            "UPDATE throttles SET hits = hits + 1, last_at = $2, expires_at = $3 \
             WHERE key_hash = $1 AND hits = $4 AND last_at = $5 AND expires_at = $6",
            vec![
                key.0.clone().into(),
                now.into(),
                expires.into(),
                seen.count.into(),
                seen.last_ms.into(),
                seen.expires_ms.into(),
            ],
        ))
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Counts one failure for a backoff key: its wait then runs from now, and
/// it is forgotten `forget` after this failure. One statement, so failures
/// answered at the same moment by several processes all count.
pub async fn failed(db: &DatabaseConnection, key: &Key, policy: Policy) -> Result<(), DbErr> {
    let Policy::Backoff { forget, .. } = policy else {
        return Ok(());
    };
    let now = now_ms();
    let expires = now.saturating_add(i64::try_from(forget.as_millis()).unwrap_or(i64::MAX));
    db.execute_raw(statement(
        db,
        "INSERT INTO throttles (key_hash, hits, last_at, expires_at) VALUES ($1, 1, $2, $3) \
         ON CONFLICT (key_hash) DO UPDATE SET \
         hits = CASE WHEN throttles.expires_at <= $2 THEN 1 ELSE throttles.hits + 1 END, \
         last_at = $2, expires_at = $3",
        vec![key.0.clone().into(), now.into(), expires.into()],
    ))
    .await?;
    Ok(())
}

/// Gives back one counted attempt (one that turned out not to count: a
/// correct password against a per-address cap, a check that never ran).
pub async fn release(db: &DatabaseConnection, key: &Key) -> Result<(), DbErr> {
    db.execute_raw(statement(
        db,
        "UPDATE throttles SET hits = hits - 1 WHERE key_hash = $1 AND hits > 0",
        vec![key.0.clone().into()],
    ))
    .await?;
    Ok(())
}

/// Forgets the key's attempts altogether.
pub async fn forget(db: &DatabaseConnection, key: &Key) -> Result<(), DbErr> {
    db.execute_raw(statement(
        db,
        "DELETE FROM throttles WHERE key_hash = $1",
        vec![key.0.clone().into()],
    ))
    .await?;
    Ok(())
}

/// Deletes the rows that are over; returns how many.
pub async fn prune(db: &DatabaseConnection) -> Result<u64, DbErr> {
    let done = db
        .execute_raw(statement(
            db,
            "DELETE FROM throttles WHERE expires_at <= $1",
            vec![now_ms().into()],
        ))
        .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_hashes_of_purpose_and_parts() {
        let a = Key::new("pay/wrong-key", &["203.0.113.7"]);
        assert_eq!(a, Key::new("pay/wrong-key", &["203.0.113.7"]));
        assert_eq!(a.as_str().len(), 64);
        assert!(!a.as_str().contains("203"));
        assert_ne!(a, Key::new("pay/wrong-key", &["198.51.100.9"]));
        assert_ne!(a, Key::new("sign-in/address", &["203.0.113.7"]));
        assert_ne!(Key::new("p", &["ab", "c"]), Key::new("p", &["a", "bc"]));
    }
}
