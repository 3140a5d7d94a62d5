//! Languages (`app::i18n`): the store's language (the default for new
//! orders and staff) and the one an order is shown in, kept on the order so
//! its pay page, emails and reminders agree. A customer's language is the
//! foundation's `customers.preferred_language`. Also the outbox's room for
//! the invoice PDF attached to invoices and reminders.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (table, column): one statement each, as SQLite alters one thing at a time.
fn columns() -> Vec<(&'static str, ColumnDef)> {
    vec![
        // `en` or `fr` (`app::i18n::Lang::code`).
        (
            "store_settings",
            string_len("language", 8).default("en").to_owned(),
        ),
        // Set when the order is made; rows from before read as English,
        // which is what they were shown in.
        ("orders", string_len("language", 8).default("en").to_owned()),
        // The invoice PDF sent with an invoice or reminder: kept only
        // until the message is sent or given up (then emptied), so the
        // outbox does not grow by a PDF per order.
        ("email_outbox", string_len_null("attachment_name", 120)),
        ("email_outbox", blob_null("attachment")),
    ]
}

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
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in columns().into_iter().rev() {
            let name = column.get_column_name();
            m.alter_table(Table::alter().table(table).drop_column(name).to_owned())
                .await?;
        }
        Ok(())
    }
}
