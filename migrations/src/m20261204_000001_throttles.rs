//! Throttle counts in the database, so several Settle processes share them:
//! wrong pay-link keys per client address, failed sign-ins per account and
//! address and per address. One row per counted key (see `app::throttle`).
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
                .table("throttles")
                // SHA-256 (hex) of what is counted: never an email, an
                // address or a pay key in clear.
                .col(string_len("key_hash", 64).primary_key().take())
                .col(integer("hits"))
                // Milliseconds since the Unix epoch: compared as numbers,
                // the same on SQLite and PostgreSQL.
                .col(big_integer("last_at"))
                .col(big_integer("expires_at"))
                .to_owned(),
        )
        .await?;
        // Pruning deletes the rows that are over.
        m.create_index(
            Index::create()
                .name("ix_throttles_expires_at")
                .table("throttles")
                .col("expires_at")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("throttles").to_owned())
            .await
    }
}
