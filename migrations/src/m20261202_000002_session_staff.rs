//! Each session row names the staff member it signs in, so that resetting a
//! password or deactivating an account can end every one of that person's
//! sessions with one indexed delete, instead of reading every session's data.
//!
//! No foreign key: staff rows are never deleted, and SQLite cannot add one to
//! an existing table.
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
        m.alter_table(
            Table::alter()
                .table("sessions")
                .add_column(integer_null("staff_id"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_sessions_staff_id")
                .table("sessions")
                .col("staff_id")
                .to_owned(),
        )
        .await?;
        // Sessions signed in before this migration carry the id only in their
        // JSON data (key `staff_id`); copy it out so they can be ended too.
        let backfill = match m.get_database_backend() {
            DbBackend::Postgres => {
                "UPDATE sessions SET staff_id = (data::jsonb ->> 'staff_id')::integer"
            }
            _ => "UPDATE sessions SET staff_id = json_extract(data, '$.staff_id') WHERE json_valid(data)",
        };
        m.get_connection().execute_unprepared(backfill).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_sessions_staff_id")
                .table("sessions")
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("sessions")
                .drop_column("staff_id")
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
