//! Settle's application crate: components, routes, server fns and the domain,
//! organised by capability. Server-only code sits behind the `ssr` feature.
#![recursion_limit = "256"]

pub mod catalog;
#[cfg(feature = "ssr")]
pub mod counters;
pub mod customers;
pub mod domain;
pub mod email;
pub mod error;
pub mod forms;
pub mod i18n;
pub mod orders;
pub mod payments;
pub mod pos;
#[cfg(feature = "ssr")]
pub mod proxy;
pub mod reminders;
#[cfg(feature = "ssr")]
pub mod search;
pub mod settings;
pub mod setup;
pub mod shell;
pub mod staff;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod throttle;

pub use shell::{shell, App};
