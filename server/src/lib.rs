//! The `settle` server: configuration, start-up, routes that are not Leptos
//! pages, and the command line. Kept as a library so tests start the real thing.
pub mod assets;
pub mod backup;
pub mod cli;
pub mod config;
pub mod db;
/// The SMTP sender lives with the email room in `app`; re-exported for the worker and tests.
pub mod mail {
    pub use app::email::ssr::transport::*;
}
pub mod metrics;
pub mod outbox_worker;
pub mod reminder_worker;
pub mod router;
pub mod security;
pub mod seed;
pub mod serve;
pub mod telemetry;
