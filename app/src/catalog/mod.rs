//! Products and their import.
#[cfg(feature = "ssr")]
pub mod model;
