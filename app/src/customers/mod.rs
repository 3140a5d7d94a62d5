//! Customers: people and companies invoices go to.
pub mod api;
#[cfg(feature = "ssr")]
pub mod model;
