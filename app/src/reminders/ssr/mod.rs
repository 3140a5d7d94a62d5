//! Reminders on the server: the `reminders` table, the scheduler, the email,
//! and the routes (the one-click stop, staff pause and resume).
pub mod actions;
pub mod email;
pub mod model;
pub mod schedule;
pub mod web;
