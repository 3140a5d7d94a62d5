//! Customers: people and companies invoices go to.
#[cfg(feature = "ssr")]
pub mod model;
