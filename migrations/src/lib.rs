//! Settle's schema history. Never edit a migration that has landed: add a new one.
pub use sea_orm_migration::prelude::*;

mod m20261126_000001_foundation;
mod m20261127_000001_dkim;
mod m20261127_000002_stripe_intents;
mod m20261130_000001_money_room;
mod m20261201_000001_store_setup;
mod m20261202_000002_session_staff;
/// Public for its frozen `fold`, which a test compares with the app's.
pub mod m20261203_000001_name_search;
mod m20261203_000002_barcode;
mod m20261203_000003_default_payment;
mod m20261204_000001_throttles;
mod m20261205_000001_ledger;
mod m20261206_000001_reminders;
mod m20261207_000001_languages;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_foundation::Migration),
            Box::new(m20261127_000001_dkim::Migration),
            Box::new(m20261127_000002_stripe_intents::Migration),
            Box::new(m20261130_000001_money_room::Migration),
            Box::new(m20261201_000001_store_setup::Migration),
            Box::new(m20261202_000002_session_staff::Migration),
            Box::new(m20261203_000001_name_search::Migration),
            Box::new(m20261203_000002_barcode::Migration),
            Box::new(m20261203_000003_default_payment::Migration),
            Box::new(m20261204_000001_throttles::Migration),
            Box::new(m20261205_000001_ledger::Migration),
            Box::new(m20261206_000001_reminders::Migration),
            Box::new(m20261207_000001_languages::Migration),
        ]
    }
}
