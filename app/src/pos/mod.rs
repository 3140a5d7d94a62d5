//! The till (`/pos`): the cart island and its server fns. It composes the
//! rooms below it: products and customers to pick, `orders` to create the
//! order, `payments` when the sale is paid at once. Neither of those knows
//! the till exists.
pub mod api;
pub mod page;
