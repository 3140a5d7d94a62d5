//! The shared kernel: value types every room uses. Plain Rust that compiles for the
//! server and for wasm, so the browser and the database agree on every number.
pub mod email;
pub mod money;
pub mod quantity;

pub use email::{Email, EmailError};
pub use money::{Currency, CurrencyError, Money, MoneyError};
pub use quantity::{Quantity, QuantityError};
