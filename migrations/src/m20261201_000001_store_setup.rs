//! A real store from an empty database: the store's time zone, whether its
//! prices include tax, which setup steps are done or dismissed, when the last
//! test email passed; each order remembers whether its prices included tax
//! (so its documents never change when the setting does); tax rates can be
//! retired without touching the orders that used them.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        let settings_columns = [
            // An IANA zone name, e.g. Europe/Paris.
            string_len("time_zone", 64).default("UTC").to_owned(),
            boolean("prices_include_tax").default(false).to_owned(),
            // Set once an admin has chosen the currency (or the demo seed did).
            boolean("currency_confirmed").default(false).to_owned(),
            // Optional setup steps the owner dismissed, comma-separated codes.
            string_len("setup_dismissed", 200).default("").to_owned(),
            timestamp_with_time_zone_null("mail_tested_at").to_owned(),
        ];
        for col in settings_columns {
            m.alter_table(
                Table::alter()
                    .table("store_settings")
                    .add_column(col)
                    .to_owned(),
            )
            .await?;
        }
        // A store that was already in use keeps its currency as chosen (it has
        // orders, or an owner gave it a name); an untouched new database's
        // guess stays a guess. One that has sent email has proved its SMTP.
        let conn = m.get_connection();
        conn.execute_unprepared(
            "UPDATE store_settings SET currency_confirmed = TRUE \
             WHERE name <> 'My Store' OR EXISTS (SELECT 1 FROM orders)",
        )
        .await?;
        conn.execute_unprepared(
            "UPDATE store_settings SET mail_tested_at = \
             (SELECT MAX(sent_at) FROM email_outbox WHERE sent_at IS NOT NULL)",
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("orders")
                .add_column(boolean("prices_include_tax").default(false))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("tax_rates")
                .add_column(timestamp_with_time_zone_null("retired_at"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("tax_rates")
                .drop_column("retired_at")
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("orders")
                .drop_column("prices_include_tax")
                .to_owned(),
        )
        .await?;
        for col in [
            "time_zone",
            "prices_include_tax",
            "currency_confirmed",
            "setup_dismissed",
            "mail_tested_at",
        ] {
            m.alter_table(
                Table::alter()
                    .table("store_settings")
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
