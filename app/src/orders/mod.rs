//! Everything about orders: their identity (number, key), totals and statuses.
pub mod create;
pub mod key;
pub mod ledger;
pub mod list;
#[cfg(feature = "ssr")]
pub mod model;
pub mod number;
#[cfg(feature = "ssr")]
pub mod qr;
pub mod refusal;
#[cfg(feature = "ssr")]
pub mod service;
pub mod status;
pub mod totals;
#[cfg(feature = "ssr")]
pub mod web;

pub use key::{OrderKey, OrderKeyError};
pub use number::{OrderNumber, OrderNumberError};
pub use refusal::Refusal;
pub use status::{Actor, IllegalTransition, Lateness, OrderAction, OrderStatus};
pub use totals::{
    compute_totals, tax_line_label, Discount, DiscountError, FeeInput, LineInput, TaxMode, TaxRate,
    Totals, TotalsError,
};
