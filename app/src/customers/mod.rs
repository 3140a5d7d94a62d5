//! Customers: people and companies invoices go to.
pub mod api;
#[cfg(feature = "ssr")]
pub mod edit;
#[cfg(feature = "ssr")]
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod web;

use serde::{Deserialize, Serialize};

/// The customer form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CustomerForm {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub company: String,
    pub phone: String,
    pub address_1: String,
    pub address_2: String,
    pub city: String,
    pub state: String,
    pub postcode: String,
    pub country: String,
    pub preferred_language: String,
    pub payment_terms_days: String,
    /// "on" when **No reminders** is ticked.
    pub no_reminders: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerEdit {
    pub id: Option<i32>,
    pub form: CustomerForm,
    pub errors: Vec<crate::forms::FieldError>,
    /// As stored (the form may hold a refused change).
    pub no_reminders: bool,
    /// The customer's orders, newest first: (number, date, status, total).
    pub orders: Vec<(i64, String, String, String)>,
}
