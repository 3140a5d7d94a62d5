//! Reminders (`app::reminders`): the store's policy, a customer's "no
//! reminders", an order's place in its reminder schedule, pauses, the
//! customer's promise to pay in store, and one row per reminder handled,
//! unique per (order, step, repeat) so that no race sends one twice. Plus the
//! indexes Home's lists read.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn index(table: &'static str, cols: &[&'static str], unique: bool) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(format!("ix_{table}_{}", cols.join("_")))
        .table(table);
    for col in cols {
        stmt.col(*col);
    }
    if unique {
        stmt.unique();
    }
    stmt.to_owned()
}

fn drop(table: &'static str, cols: &[&'static str]) -> IndexDropStatement {
    Index::drop()
        .name(format!("ix_{table}_{}", cols.join("_")))
        .table(table)
        .to_owned()
}

/// (table, column) pairs added one statement each: SQLite alters one thing at a time.
fn columns() -> Vec<(&'static str, ColumnDef)> {
    vec![
        // JSON (`app::reminders::Policy`); empty: the default policy, off.
        (
            "store_settings",
            text("reminder_policy").default("").to_owned(),
        ),
        (
            "customers",
            boolean("no_reminders").default(false).to_owned(),
        ),
        // When the order's next reminder is due (UTC), and which it is; NULL: none.
        (
            "orders",
            timestamp_with_time_zone_null("next_reminder_at").to_owned(),
        ),
        ("orders", integer_null("next_reminder_step").to_owned()),
        ("orders", integer_null("next_reminder_repeat").to_owned()),
        // Staff paused reminders up to and including this day, and why.
        ("orders", date_null("reminders_paused_until").to_owned()),
        ("orders", string_null("reminders_pause_reason").to_owned()),
        // Why reminders stopped for good (`unsubscribed`, `address_refused`).
        (
            "orders",
            string_len_null("reminders_stopped", 32).to_owned(),
        ),
        // The day the customer said they will pay in store.
        ("orders", date_null("in_store_on").to_owned()),
        // RFC 8058 one-click unsubscribe URL, for reminders only.
        ("email_outbox", text_null("list_unsubscribe").to_owned()),
        // The SMTP server refused the message (a permanent answer), as
        // opposed to giving up after temporary failures: only a refusal
        // says the address takes no mail.
        ("email_outbox", boolean("refused").default(false).to_owned()),
    ]
}

const INDEXES: [(&str, &[&str]); 6] = [
    ("orders", &["next_reminder_at"]),
    ("orders", &["in_store_on"]),
    ("orders", &["attention"]),
    ("orders", &["status", "due_date"]),
    ("payments", &["created_at"]),
    ("email_outbox", &["recipient", "id"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, mut column) in columns() {
            m.alter_table(
                Table::alter()
                    .table(table)
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
        }
        m.create_table(
            Table::create()
                .table("reminders")
                .col(pk_auto("id"))
                .col(integer("order_id"))
                .col(integer("step"))
                .col(integer("repeat"))
                // `sent` or `skipped`
                .col(string_len("outcome", 16))
                // Why it was skipped (a stable code, see app::reminders::Skip).
                .col(string_len_null("reason", 32))
                .col(integer_null("outbox_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("reminders", "order_id")
                        .to("orders", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index("reminders", &["order_id", "step", "repeat"], true))
            .await?;
        for (table, cols) in INDEXES {
            m.create_index(index(table, cols, false)).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, cols) in INDEXES {
            m.drop_index(drop(table, cols)).await?;
        }
        m.drop_table(Table::drop().table("reminders").to_owned())
            .await?;
        for (table, column) in columns().into_iter().rev() {
            let name = column.get_column_name();
            m.alter_table(Table::alter().table(table).drop_column(name).to_owned())
                .await?;
        }
        Ok(())
    }
}
