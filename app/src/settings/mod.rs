//! Store identity, currency, taxes, invoice texts and mail signing (admin).
pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

use serde::{Deserialize, Serialize};

/// The name and email a new database's store carries until the owner gives
/// its own (the setup checklist reads them as "not done").
pub const NEW_STORE_NAME: &str = "My Store";
pub const NEW_STORE_EMAIL: &str = "store@example.com";

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
    pub retired: bool,
    /// Products still on this rate (id, name): listed when it is retired.
    pub products: Vec<(i32, String)>,
}

/// A refused tax-rate form, for the page to show beside that rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateFormView {
    /// None: the **Add tax rate** form.
    pub id: Option<i32>,
    pub name: String,
    pub rate: String,
    pub class: String,
    pub errors: Vec<crate::forms::FieldError>,
}

/// The settings form as typed: strings, so a refused value comes back exactly
/// as it was entered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub address: String,
    pub default_due_days: String,
    pub expiry_grace_days: String,
    pub logo_url: String,
    pub brand_color: String,
    pub accent_color: String,
    pub invoice_subject: String,
    pub invoice_heading: String,
    pub invoice_intro: String,
    pub invoice_footer: String,
    pub dkim_domain: String,
    pub dkim_selector: String,
    /// Write-only: empty keeps the stored key.
    pub dkim_private_key: String,
    /// "on" when **Remove the DKIM key** is ticked.
    pub dkim_remove: Option<String>,
    /// ISO 4217 code.
    pub currency: String,
    /// IANA zone name, e.g. Europe/Paris.
    pub time_zone: String,
    /// "on" when **Prices include tax** is ticked.
    pub prices_include_tax: Option<String>,
    /// A `PaymentChoice` code (`email_invoice`, `cash`, …); empty keeps the
    /// stored one.
    pub default_payment: String,
    /// A language code (`en`, `fr`); empty keeps the stored one.
    pub language: String,
}

/// Everything the settings page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsPageData {
    pub form: SettingsForm,
    pub errors: Vec<crate::forms::FieldError>,
    pub currency: String,
    /// Every currency a store can choose: (code, Stripe can charge it).
    pub currencies: Vec<(String, bool)>,
    /// Orders that fix the currency (0: it can still change).
    pub orders: u64,
    /// Time zones offered (any IANA name typed is accepted).
    pub time_zones: Vec<String>,
    pub rates: Vec<TaxRateView>,
    pub rate_form: Option<RateFormView>,
    /// One-click sets: (code, label).
    pub presets: Vec<(String, String)>,
    /// What the last one-click set did.
    pub preset_result: Option<String>,
    pub dkim_key_stored: bool,
    pub smtp_configured: bool,
    /// The last **Send test email**: (succeeded, what the SMTP server said).
    pub test_result: Option<(bool, String)>,
    /// The Reminders form: the stored policy with blank rows for new steps,
    /// or what a refused save typed.
    pub reminders: crate::reminders::PolicyForm,
    pub reminder_errors: Vec<crate::forms::FieldError>,
    /// What the last save of the reminders did (how many invoices have one planned).
    pub reminders_result: Option<String>,
    /// The stored time zone, which the sending window is in (the Store form
    /// may be showing a refused one).
    pub time_zone_name: String,
}
