//! The email outbox: every message is a row first (written in the same
//! transaction as the change that causes it), delivered by a worker.
#[cfg(feature = "ssr")]
pub mod ssr;

#[cfg(feature = "ssr")]
pub use ssr::model;
