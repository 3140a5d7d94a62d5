//! The till: the POS cart (`/pos`) and the staff's order page
//! (`/orders/{number}`, where an invoice is settled, refunded, cancelled or
//! resent). It composes the rooms below it: products and customers to pick,
//! `orders` to create and act on the order, `payments` to take or give back
//! money. Neither of those knows the till exists.
pub mod api;
pub mod order;
pub mod page;
