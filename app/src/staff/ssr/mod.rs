//! Server-only side of staff: the table, password hashing, sign-in throttling,
//! the session store, account changes and the staff form handlers.
pub mod account_forms;
pub mod accounts;
pub mod model;
pub mod password;
pub mod service;
pub mod session_store;
pub mod throttle;
pub mod web;

pub use service::{add_staff, authenticate, current_staff, require, AddStaffError};
