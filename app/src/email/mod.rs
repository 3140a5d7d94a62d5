//! The email outbox: every message is a row first, delivered by a worker.
#[cfg(feature = "ssr")]
pub mod model;
