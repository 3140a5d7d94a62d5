//! Everything about money moving: the customer's pay and return pages,
//! PaymentIntents, the Stripe gateway and webhook, taking payment in store,
//! refunds and the reconciliation job. This room uses `orders`; `orders`
//! never uses it.
//!
//! The trust rule: an intent is Settle's only if a `stripe_intents` row
//! names it (see `record`).
//!
//! The `payments` rows themselves are the order's ledger and live with the
//! order (`orders::model::payment`, re-exported here as `model`): an order's
//! paid so far, balance and state follow from them (`orders::ledger`), and
//! the invoice, receipt and pay page print them. Moving money is this room's.
pub mod amount;
#[cfg(feature = "ssr")]
pub mod gateway;
#[cfg(feature = "ssr")]
pub mod intent;
#[cfg(feature = "ssr")]
pub mod intents;
#[cfg(feature = "ssr")]
pub use crate::orders::model::payment as model;
pub mod pay;
#[cfg(feature = "ssr")]
pub mod reconcile;
#[cfg(feature = "ssr")]
pub mod record;
#[cfg(feature = "ssr")]
pub mod refunds;
#[cfg(feature = "ssr")]
pub mod stripe_event;
#[cfg(feature = "ssr")]
pub mod till;
#[cfg(feature = "ssr")]
pub mod web;
#[cfg(feature = "ssr")]
pub mod webhook;
