//! Store identity, currency, taxes and invoice texts (admin).
pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreSettings {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub address: String,
    pub currency: String,
    pub default_due_days: i32,
    pub expiry_grace_days: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxRateView {
    pub id: i32,
    pub class: String,
    pub name: String,
    pub rate_ppm: i32,
}
