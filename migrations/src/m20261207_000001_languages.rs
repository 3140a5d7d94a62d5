//! Languages (`app::i18n`): the store's language (the default for new
//! orders and staff) and the one an order is shown in, kept on the order so
//! its pay page, emails and reminders agree. A customer's language is the
//! foundation's `customers.preferred_language`. Also the outbox's note that
//! a message goes with the invoice PDF.
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
        // The invoice PDF's file name for an invoice or reminder: the PDF
        // itself is rendered as the message leaves (the order as it is
        // then), never stored.
        ("email_outbox", string_len_null("attachment_name", 120)),
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
        // Until now a blank language was saved as `en` and changed nothing.
        // From here on it is the store's language when an order is made, so
        // a French store's customers get French unless someone chose
        // otherwise (`en` could not be told apart from blank).
        m.get_connection()
            .execute_unprepared(
                "UPDATE customers SET preferred_language = '' WHERE preferred_language = 'en'",
            )
            .await?;
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
