//! Server-only side of staff: the table, password hashing, sign-in throttling,
//! the session store and the sign-in/sign-out form handlers.
pub mod model;
pub mod password;
pub mod service;
pub mod session_store;
pub mod throttle;
pub mod web;

pub use service::{add_staff, authenticate, current_staff, require, AddStaffError};
