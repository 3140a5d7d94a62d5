//! Products: the catalogue staff sell from, and its import from WooCommerce.
pub mod api;
#[cfg(feature = "ssr")]
pub mod ssr;
#[cfg(feature = "ssr")]
pub mod woocommerce;

#[cfg(feature = "ssr")]
pub use ssr::model;
