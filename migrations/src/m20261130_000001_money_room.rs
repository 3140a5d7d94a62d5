//! The payments room: an id of this installation (namespacing idempotency keys
//! sent to a Stripe account other installations may share), when each open
//! PaymentIntent is next asked about (reconciliation of lost webhooks), and
//! which payment a refund row pays back.
use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("installation")
                // A single row (id = 1), made here once and never changed.
                .col(integer("id").primary_key())
                .col(string_len("namespace", 40))
                .to_owned(),
        )
        .await?;
        // 96 random bits from the database itself, so the migration needs no
        // random source of its own and the id exists from the first start.
        let random = match m.get_database_backend() {
            DbBackend::Postgres => "substr(md5(random()::text || clock_timestamp()::text), 1, 24)",
            _ => "lower(hex(randomblob(12)))",
        };
        m.get_connection()
            .execute_unprepared(&format!(
                "INSERT INTO installation (id, namespace) VALUES (1, {random})"
            ))
            .await?;
        m.alter_table(
            Table::alter()
                .table("stripe_intents")
                .add_column(timestamp_with_time_zone_null("next_check_at"))
                .to_owned(),
        )
        .await?;
        // Intents still open when this runs are asked about once.
        m.get_connection()
            .execute_unprepared(
                "UPDATE stripe_intents SET next_check_at = updated_at \
                 WHERE status NOT IN ('succeeded', 'canceled')",
            )
            .await?;
        m.create_index(
            Index::create()
                .name("ix_stripe_intents_next_check_at")
                .table("stripe_intents")
                .col("next_check_at")
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("payments")
                .add_column(integer_null("refund_of"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("payments")
                .drop_column("refund_of")
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("ix_stripe_intents_next_check_at")
                .table("stripe_intents")
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("stripe_intents")
                .drop_column("next_check_at")
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table("installation").to_owned())
            .await?;
        Ok(())
    }
}
