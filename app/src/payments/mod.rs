//! Payments (online and in store) and Stripe's events.
#[cfg(feature = "ssr")]
pub mod model;
#[cfg(feature = "ssr")]
pub mod stripe_event;
