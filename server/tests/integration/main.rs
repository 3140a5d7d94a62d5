//! The server's integration tests, one binary: each module starts the real
//! router (or the `settle` binary) against fresh databases and real doubles.
//! One binary instead of one per file: a test build links once, not seven times.
#[macro_use]
mod common;

mod admin;
mod auth;
mod backup;
mod cash;
mod catalog;
mod cli;
mod crash;
mod deposits;
mod fuzz;
mod home;
mod hostile;
mod in_store;
mod languages;
mod mail;
mod money;
mod names;
mod orders;
mod outage;
mod outbox;
mod pay;
mod prometheus;
mod proxy;
mod reminder_pause;
mod reminder_settings;
mod reminders;
mod scale;
mod setup;
mod site;
mod staff;
mod storage;
mod stripe;
mod sweep;
mod throttle;
