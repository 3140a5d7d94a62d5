//! Payments (online and in store) and Stripe: PaymentIntents for the pay
//! page, the webhook, refunds.
#[cfg(feature = "ssr")]
pub mod gateway;
#[cfg(feature = "ssr")]
pub mod intent;
#[cfg(feature = "ssr")]
pub mod model;
#[cfg(feature = "ssr")]
pub mod online;
#[cfg(feature = "ssr")]
pub mod stripe_event;
#[cfg(feature = "ssr")]
pub mod webhook;
