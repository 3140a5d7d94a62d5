//! Fills a database quickly with copies of one real order (its items,
//! adjustments and taxes too), numbered on from the order counter, each with
//! a key derived from its number: a million orders by `INSERT … SELECT`
//! inside the database, in chunks, instead of a million round trips.
use app::orders::model::{adjustment, item, order, tax};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, EntityName, IdenStatic, Iterable, Statement,
    TransactionTrait,
};

const CHUNK: i64 = 100_000;

fn names<C: Iterable + IdenStatic>() -> Vec<&'static str> {
    C::iter().map(|c| c.as_str()).collect()
}

/// Adds `count` copies of order `template`; returns the first and last number.
pub async fn copies(
    db: &DatabaseConnection,
    template: i32,
    count: i64,
) -> anyhow::Result<(i64, i64)> {
    let backend = db.get_database_backend();
    let mut first = None;
    let mut done = 0;
    let mut last = 0;
    while done < count {
        let n = CHUNK.min(count - done);
        let txn = db.begin().await?;
        // Reserving the numbers is the first statement, a write: SQLite takes
        // its write lock at once instead of failing to upgrade a read later.
        let base: i64 = txn
            .query_one_raw(Statement::from_string(
                backend,
                format!(
                    "UPDATE counters SET value = value + {n} WHERE name = 'order_number' RETURNING value"
                ),
            ))
            .await?
            .ok_or_else(|| anyhow::anyhow!("no order counter"))?
            .try_get_by_index::<i64>(0)?
            - n;
        // Each copy's key is "AAAAAAAAAA", its number in 11 digits, "A": 22
        // URL-safe base64 characters with a canonical last one, as
        // `OrderKey::parse` wants.
        let (with, source, key) = match backend {
            DbBackend::Sqlite => (
                format!("WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {n}) "),
                "seq".to_owned(),
                format!("'AAAAAAAAAA' || printf('%011d', {base} + seq.n) || 'A'"),
            ),
            _ => (
                String::new(),
                format!("generate_series(1, {n}) AS seq(n)"),
                format!("'AAAAAAAAAA' || lpad(({base} + seq.n)::text, 11, '0') || 'A'"),
            ),
        };
        let mut cols = Vec::new();
        let mut exprs = Vec::new();
        for c in names::<order::Column>() {
            match c {
                "id" => continue,
                "number" => exprs.push(format!("{base} + seq.n")),
                "order_key" => exprs.push(key.clone()),
                other => exprs.push(format!("t.\"{other}\"")),
            }
            cols.push(format!("\"{c}\""));
        }
        txn.execute_unprepared(&format!(
            "{with}INSERT INTO orders ({}) SELECT {} FROM {source}, orders t WHERE t.id = {template}",
            cols.join(", "),
            exprs.join(", ")
        ))
        .await?;
        for (table, columns) in [
            (item::Entity.table_name(), names::<item::Column>()),
            (
                adjustment::Entity.table_name(),
                names::<adjustment::Column>(),
            ),
            (tax::Entity.table_name(), names::<tax::Column>()),
        ] {
            let cols: Vec<_> = columns.iter().filter(|c| **c != "id").collect();
            let exprs: Vec<_> = cols
                .iter()
                .map(|c| {
                    if **c == "order_id" {
                        "o.id".to_owned()
                    } else {
                        format!("c.\"{c}\"")
                    }
                })
                .collect();
            let quoted: Vec<_> = cols.iter().map(|c| format!("\"{c}\"")).collect();
            txn.execute_unprepared(&format!(
                "INSERT INTO {table} ({}) SELECT {} FROM orders o, {table} c \
                 WHERE c.order_id = {template} AND o.number > {base} AND o.number <= {}",
                quoted.join(", "),
                exprs.join(", "),
                base + n
            ))
            .await?;
        }
        txn.commit().await?;
        first.get_or_insert(base + 1);
        last = base + n;
        done += n;
    }
    // Measure a settled database, not the aftermath of the bulk insert:
    // statistics up to date, the WAL written back.
    match backend {
        DbBackend::Postgres => {
            db.execute_unprepared("VACUUM ANALYZE").await?;
            db.execute_unprepared("CHECKPOINT").await?;
        }
        _ => {
            db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await?;
        }
    }
    Ok((first.unwrap_or(last), last))
}
