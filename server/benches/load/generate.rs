//! Fills a database quickly with copies of one real order (its items,
//! adjustments and taxes too), numbered on from the order counter, each with
//! a key derived from its number: a million orders by `INSERT … SELECT`
//! inside the database, in chunks, instead of a million round trips.
//!
//! Each copy is billed to a person picked by its number from [`FIRST`] ×
//! [`LAST`] (1,200 names, so a full name is about 830 of a million orders),
//! with an email made of the two, and the search keys the entity would write:
//! folded in Rust once per name, joined in SQL (see [`check_names`]).
use app::orders::model::{adjustment, item, order, tax};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, EntityName, IdenStatic, Iterable, Statement,
    TransactionTrait,
};

const CHUNK: i64 = 100_000;

pub const FIRST: [&str; 30] = [
    "Ada", "Léa", "Grace", "Jamal", "Zoë", "Søren", "Mei", "Olu", "Ingrid", "José", "Amara",
    "Björn", "Chloé", "Dmitri", "Élodie", "Farah", "Giulia", "Hana", "Ibrahim", "Jürgen", "Kwame",
    "Lucía", "Malik", "Nadia", "Óscar", "Priya", "Rafael", "Saoirse", "Tomás", "Yara",
];
pub const LAST: [&str; 40] = [
    "Lovelace",
    "Dupont",
    "Hopper",
    "Okafor",
    "Ångström",
    "Kierkegaard",
    "Zhang",
    "Adeyemi",
    "Bergman",
    "García",
    "Łukasiewicz",
    "Müller",
    "Nakamura",
    "O'Brien",
    "Petrov",
    "Quispe",
    "Rossi",
    "Schröder",
    "Tanaka",
    "Usman",
    "Varga",
    "Weiß",
    "Xu",
    "Yilmaz",
    "Zielińska",
    "Abbott",
    "Brontë",
    "Castillo",
    "Dvořák",
    "Eriksen",
    "Fontaine",
    "Gómez",
    "Haddad",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Novák",
    "Ødegaard",
];

/// The person copy number `n` is billed to (the SQL below picks the same).
pub fn name_of(n: i64) -> (&'static str, &'static str) {
    let first = n.rem_euclid(FIRST.len() as i64) as usize;
    let last = (n / FIRST.len() as i64).rem_euclid(LAST.len() as i64) as usize;
    (FIRST[first], LAST[last])
}

/// The keys of every pair are the folded names joined by a space, and every
/// email is lowercase already: what SQL builds is what `before_save` would.
pub fn check_names() -> anyhow::Result<()> {
    use app::search::{email_key, fold, name_keys};
    for f in FIRST {
        for l in LAST {
            let joined = (
                format!("{} {}", fold(f), fold(l)),
                format!("{} {}", fold(l), fold(f)),
            );
            anyhow::ensure!(name_keys(f, l) == joined, "{f} {l} does not fold piecewise");
            let email = email_of(f, l);
            anyhow::ensure!(email_key(&email) == email, "{email} is not a key");
        }
    }
    Ok(())
}

fn email_of(first: &str, last: &str) -> String {
    let part = |s: &str| app::search::fold(s).replace(' ', "");
    format!("{}.{}@example.com", part(first), part(last))
}

fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// `CASE index WHEN 0 THEN 'values[0]' … END`.
fn pick(index: &str, values: impl IntoIterator<Item = String>) -> String {
    let arms: String = values
        .into_iter()
        .enumerate()
        .map(|(i, v)| format!(" WHEN {i} THEN {}", quoted(&v)))
        .collect();
    format!("(CASE {index}{arms} END)")
}

fn names<C: Iterable + IdenStatic>() -> Vec<&'static str> {
    C::iter().map(|c| c.as_str()).collect()
}

/// Adds `count` copies of order `template`; returns the first and last number.
pub async fn copies(
    db: &DatabaseConnection,
    template: i32,
    count: i64,
) -> anyhow::Result<(i64, i64)> {
    check_names()?;
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
        // The same person as `name_of` (integer division and remainder on both).
        let first_i = format!("(({base} + seq.n) % {})", FIRST.len());
        let last_i = format!("((({base} + seq.n) / {}) % {})", FIRST.len(), LAST.len());
        let given =
            |f: fn(&str) -> String| (pick(&first_i, FIRST.map(f)), pick(&last_i, LAST.map(f)));
        let (first_name, last_name) = given(str::to_owned);
        let (first_key, last_key) = given(app::search::fold);
        let (first_part, last_part) = given(|s| app::search::fold(s).replace(' ', ""));
        let email = format!("{first_part} || '.' || {last_part} || '@example.com'");
        let mut cols = Vec::new();
        let mut exprs = Vec::new();
        for c in names::<order::Column>() {
            match c {
                "id" => continue,
                "number" => exprs.push(format!("{base} + seq.n")),
                "order_key" => exprs.push(key.clone()),
                "billing_first_name" => exprs.push(first_name.clone()),
                "billing_last_name" => exprs.push(last_name.clone()),
                "billing_email" | "email_key" => exprs.push(email.clone()),
                "name_key" => exprs.push(format!("{first_key} || ' ' || {last_key}")),
                "name_key_rev" => exprs.push(format!("{last_key} || ' ' || {first_key}")),
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
