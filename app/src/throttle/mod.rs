//! Counting attempts that must be limited (wrong pay-link keys, failed
//! sign-ins) in the database, so every Settle process behind a load balancer
//! sees the same counts: with counts in memory, each process would hand out
//! its own allowance.
//!
//! One row per counted key in `throttles`. A key is a SHA-256 of what is
//! counted, so the table never holds an email or an address in clear (and
//! nothing keyed here ever includes a pay key). A row is over once its
//! `expires_at` has passed; `prune` deletes such rows and the server runs it
//! every few minutes.
mod policy;
mod store;

pub use policy::{whole_seconds, Admission, Hits, Policy};
pub use store::{admit, failed, forget, now_ms, peek, prune, release, Key};
