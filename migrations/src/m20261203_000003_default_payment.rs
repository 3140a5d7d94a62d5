//! The store's default payment method at the till: what the POS starts with
//! and returns to after every sale. Existing stores keep today's behaviour
//! (Email invoice).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("store_settings")
                // One of email_invoice, cash, card_terminal, other.
                .add_column(string_len("default_payment", 16).default("email_invoice"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("store_settings")
                .drop_column("default_payment")
                .to_owned(),
        )
        .await
    }
}
