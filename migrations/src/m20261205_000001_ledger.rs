//! Deposits and partial payments (the ledger): an order may carry a deposit
//! (an amount in minor units and its own due date), and an order is paid by
//! several payments, so its PaymentIntents are one per order, amount *and*
//! position in the ledger (the order's newest payment row when the intent
//! was made). A deposit of 30 and, once it is paid, a balance of 30 are two
//! intents; an intent made before a payment at the till or a refund is stale
//! and is cancelled.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        m.alter_table(
            Table::alter()
                .table("orders")
                .add_column(big_integer_null("deposit_minor"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("orders")
                .add_column(date_null("deposit_due_date"))
                .to_owned(),
        )
        .await?;
        // Every intent made so far was for a whole unpaid total: position 0
        // (no payment row yet).
        m.alter_table(
            Table::alter()
                .table("stripe_intents")
                .add_column(big_integer("ledger_position").default(0))
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("ix_stripe_intents_order_amount")
                .table("stripe_intents")
                .to_owned(),
        )
        .await?;
        // Two first views racing still cannot both keep one.
        m.create_index(
            Index::create()
                .name("ix_stripe_intents_order_position")
                .table("stripe_intents")
                .col("order_id")
                .col("ledger_position")
                .col("amount_minor")
                .col("currency")
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_stripe_intents_order_position")
                .table("stripe_intents")
                .to_owned(),
        )
        .await?;
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
        for (table, column) in [
            ("stripe_intents", "ledger_position"),
            ("orders", "deposit_due_date"),
            ("orders", "deposit_minor"),
        ] {
            m.alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
