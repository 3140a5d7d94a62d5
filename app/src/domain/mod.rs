//! The shared kernel: value types every room uses. Plain Rust that compiles for the
//! server and for wasm, so the browser and the database agree on every number.
//! Except `local_time`: the time zone database stays out of the wasm, and
//! pages get their times already formatted by the server.
pub mod colour;
pub mod email;
#[cfg(feature = "ssr")]
pub mod local_time;
pub mod money;
pub mod quantity;

pub use email::{Email, EmailError};
#[cfg(feature = "ssr")]
pub use local_time::{zone_names, StoreZone, ZoneError};
pub use money::{Currency, CurrencyError, Money, MoneyError};
pub use quantity::{Quantity, QuantityError};
