//! People are found by name as they say it ("lovelace ada", "Lea" for
//! "Léa") and by the start of their email, through an index on both
//! databases: `customers` and `orders` get `name_key` (first last, folded),
//! `name_key_rev` (last first, folded) and `email_key` (lowercased), each
//! indexed. A search is a range on a key (`key >= q AND key < q⁺`, see the
//! app's `search` module), which a B-tree answers exactly when the key
//! compares bytewise: SQLite's BINARY does; on PostgreSQL the columns are
//! `COLLATE "C"` (a linguistic collation ignores spaces and punctuation at
//! first, so "ad a" ≤ "ada lovelace" < "ad b" there, a wrong match;
//! `text_pattern_ops` would serve only LIKE, not these plain comparisons).
//!
//! Existing rows are keyed here, in Rust, batch by batch: the folding rule
//! (accents, ß, …) is not SQL. [`fold`] is this migration's copy of the app's
//! `search::fold`, frozen with it; a test checks the two agree. Changing the
//! app's rule needs a new migration that keys the rows again.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

#[derive(DeriveMigrationName)]
pub struct Migration;

const KEY_CHARS: usize = 100;
const BATCH: usize = 500;

/// The app's `search::fold` as of this migration.
pub fn fold(s: &str) -> String {
    let mut text = String::new();
    let mut chars = 0;
    let mut gap = false;
    for c in s.nfkd().filter(|c| !is_combining_mark(*c)) {
        for l in c.to_lowercase().filter(|l| !is_combining_mark(*l)) {
            let piece = match l {
                '\'' | '\u{2018}' | '\u{2019}' | '\u{02BC}' | '`' => continue,
                'ß' => "ss".to_owned(),
                'æ' => "ae".to_owned(),
                'œ' => "oe".to_owned(),
                'ø' => "o".to_owned(),
                'ł' => "l".to_owned(),
                'đ' | 'ð' => "d".to_owned(),
                'þ' => "th".to_owned(),
                'ħ' => "h".to_owned(),
                'ı' => "i".to_owned(),
                'ς' => "σ".to_owned(),
                l if l.is_alphanumeric() => l.to_string(),
                _ => {
                    gap = true;
                    continue;
                }
            };
            for p in piece.chars() {
                let space = gap && chars > 0;
                if chars + usize::from(space) + 1 > KEY_CHARS {
                    return text;
                }
                if space {
                    text.push(' ');
                    chars += 1;
                }
                gap = false;
                text.push(p);
                chars += 1;
            }
        }
    }
    text
}

fn email_key(email: &str) -> String {
    email.trim().chars().flat_map(char::to_lowercase).collect()
}

/// Each table: its name and its first name, last name and email columns.
const TABLES: [(&str, &str, &str, &str); 2] = [
    ("customers", "first_name", "last_name", "email"),
    (
        "orders",
        "billing_first_name",
        "billing_last_name",
        "billing_email",
    ),
];
const KEYS: [&str; 3] = ["name_key", "name_key_rev", "email_key"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let backend = m.get_database_backend();
        let conn = m.get_connection();
        // SQLite alters one column per statement; its text already compares bytewise.
        let collate = match backend {
            DbBackend::Postgres => " COLLATE \"C\"",
            _ => "",
        };
        for (table, ..) in TABLES {
            for key in KEYS {
                conn.execute_unprepared(&format!(
                    "ALTER TABLE {table} ADD COLUMN {key} varchar{collate} NOT NULL DEFAULT ''"
                ))
                .await?;
            }
        }
        for (table, first, last, email) in TABLES {
            backfill(conn, backend, table, first, last, email).await?;
        }
        // After the backfill: one sorted build instead of a million index updates.
        for (table, ..) in TABLES {
            for key in KEYS {
                m.create_index(
                    Index::create()
                        .name(format!("ix_{table}_{key}"))
                        .table(table)
                        .col(key)
                        .to_owned(),
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, ..) in TABLES {
            for key in KEYS {
                m.drop_index(
                    Index::drop()
                        .name(format!("ix_{table}_{key}"))
                        .table(table)
                        .to_owned(),
                )
                .await?;
                m.alter_table(Table::alter().table(table).drop_column(key).to_owned())
                    .await?;
            }
        }
        Ok(())
    }
}

/// Keys every row of `table`, `BATCH` rows per read and per write, in id order.
async fn backfill<C: ConnectionTrait>(
    conn: &C,
    backend: DbBackend,
    table: &str,
    first: &str,
    last: &str,
    email: &str,
) -> Result<(), DbErr> {
    let placeholder = |n: usize| match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    };
    let mut after = 0i32;
    loop {
        let rows = conn
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                format!(
                    "SELECT id, {first}, {last}, {email} FROM {table} \
                     WHERE id > {} ORDER BY id LIMIT {BATCH}",
                    placeholder(1)
                ),
                [Value::from(after)],
            ))
            .await?;
        let Some(last_row) = rows.last() else {
            return Ok(());
        };
        after = last_row.try_get_by_index::<i32>(0)?;
        let mut tuples = Vec::with_capacity(rows.len());
        let mut values: Vec<Value> = Vec::with_capacity(rows.len() * 4);
        for row in &rows {
            let id = row.try_get_by_index::<i32>(0)?;
            let f = row.try_get_by_index::<String>(1)?;
            let l = row.try_get_by_index::<String>(2)?;
            let e = row
                .try_get_by_index::<Option<String>>(3)?
                .unwrap_or_default();
            let n = values.len();
            tuples.push(format!(
                "(CAST({} AS INTEGER), {}, {}, {})",
                placeholder(n + 1),
                placeholder(n + 2),
                placeholder(n + 3),
                placeholder(n + 4)
            ));
            values.extend([
                Value::from(id),
                Value::from(fold(&format!("{f} {l}"))),
                Value::from(fold(&format!("{l} {f}"))),
                Value::from(email_key(&e)),
            ]);
        }
        conn.execute_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "WITH k (id, name_key, name_key_rev, email_key) AS (VALUES {}) \
                 UPDATE {table} SET name_key = k.name_key, name_key_rev = k.name_key_rev, \
                 email_key = k.email_key FROM k WHERE {table}.id = k.id",
                tuples.join(", ")
            ),
            values,
        ))
        .await?;
    }
}
