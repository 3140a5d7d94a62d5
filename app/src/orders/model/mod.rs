//! The order tables (server only). Entities mirror the migrations.
pub mod adjustment;
pub mod event;
pub mod item;
pub mod order;
pub mod payment;
pub mod tax;
