//! Opening the database and bringing its schema up to date.
use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum DbStartError {
    #[error("cannot open the database at {url}: {source}")]
    Open { url: String, source: sea_orm::DbErr },
    #[error("database migration failed (nothing was changed): {0}")]
    Migrate(sea_orm::DbErr),
}

/// SQLite runs in WAL mode with `synchronous = FULL`: every committed order,
/// payment and email survives a power cut, at the cost of one fsync per commit
/// (well within the budgets on SSDs). The pool has one connection: SQLite has a
/// single writer anyway, and one connection rules out SQLITE_BUSY on a read
/// transaction that upgrades to a write.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbStartError> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10));
    if url.starts_with("sqlite:") {
        opts.max_connections(1).map_sqlx_sqlite_opts(|o| {
            use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5))
        });
    } else {
        opts.max_connections(20);
    }
    let db = Database::connect(opts)
        .await
        .map_err(|source| DbStartError::Open {
            url: crate::config::redact_url(url),
            source,
        })?;
    Ok(db)
}

/// Connections for the customer's pay page, which only reads. SQLite in WAL
/// mode lets readers run beside its one writer, so a small read-only pool over
/// the same file keeps pay pages from queueing behind invoices being saved and
/// webhooks being recorded. PostgreSQL (and an in-memory SQLite, which a
/// second pool would not see) use the main pool.
pub async fn connect_readers(
    url: &str,
    db: &DatabaseConnection,
) -> Result<DatabaseConnection, DbStartError> {
    if !url.starts_with("sqlite:") || url.contains(":memory:") || url.contains("mode=memory") {
        return Ok(db.clone());
    }
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .max_connections(4)
        .map_sqlx_sqlite_opts(|o| o.read_only(true).busy_timeout(Duration::from_secs(5)));
    Database::connect(opts)
        .await
        .map_err(|source| DbStartError::Open {
            url: crate::config::redact_url(url),
            source,
        })
}

/// Applies pending migrations, each in a transaction (on SQLite too: see the
/// migration's `use_transaction`), so a failure changes nothing.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbStartError> {
    let pending = Migrator::get_pending_migrations(db)
        .await
        .map_err(DbStartError::Migrate)?
        .len();
    Migrator::up(db, None)
        .await
        .map_err(DbStartError::Migrate)?;
    tracing::info!(applied = pending, "database schema is up to date");
    Ok(())
}

/// This installation's id, made by the migration that added it: it
/// namespaces every idempotency key Settle sends to Stripe.
pub async fn installation_namespace(db: &DatabaseConnection) -> Result<String, DbStartError> {
    use sea_orm::{ConnectionTrait, Statement};
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT namespace FROM installation WHERE id = 1",
        ))
        .await
        .map_err(DbStartError::Migrate)?
        .ok_or_else(|| {
            DbStartError::Migrate(sea_orm::DbErr::RecordNotFound(
                "installation has no row".into(),
            ))
        })?;
    row.try_get_by_index::<String>(0)
        .map_err(DbStartError::Migrate)
}
