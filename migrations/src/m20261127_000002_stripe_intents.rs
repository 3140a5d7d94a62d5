//! Stripe PaymentIntents per order (one per order and amount, reused on
//! reload), and a note on orders that need a person to look at them (an
//! online payment after an in-store one, an amount that does not match).
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
                .table("stripe_intents")
                .col(pk_auto("id"))
                .col(integer("order_id"))
                .col(string_len_uniq("intent_id", 255))
                .col(big_integer("amount_minor"))
                .col(string_len("currency", 3))
                .col(string("client_secret"))
                .col(string_len("status", 32))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_stripe_intents_order_id")
                        .from("stripe_intents", "order_id")
                        .to("orders", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        // One intent per order and amount: two first views racing cannot both keep one.
        m.create_index(
            Index::create()
                .name("ix_stripe_intents_order_amount")
                .table("stripe_intents")
                .col("order_id")
                .col("amount_minor")
                .col("currency")
                .unique()
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("orders")
                .add_column(text_null("attention"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("orders")
                .drop_column("attention")
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table("stripe_intents").to_owned())
            .await
    }
}
