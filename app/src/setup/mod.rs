//! First-run setup: the **Set up your store** checklist on Home, and whether
//! the till can sell yet. Each step's state is read from what the store holds
//! (never a flag set by clicking through), so a step is done exactly when the
//! thing it asks for exists.
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    StoreDetails,
    Currency,
    TaxRates,
    Email,
    OnlinePayment,
    Products,
}

impl Step {
    pub const ALL: [Step; 6] = [
        Step::StoreDetails,
        Step::Currency,
        Step::TaxRates,
        Step::Email,
        Step::OnlinePayment,
        Step::Products,
    ];

    /// Stable code, kept in `store_settings.setup_dismissed` and in forms.
    pub fn code(self) -> &'static str {
        match self {
            Step::StoreDetails => "store",
            Step::Currency => "currency",
            Step::TaxRates => "taxes",
            Step::Email => "email",
            Step::OnlinePayment => "online",
            Step::Products => "products",
        }
    }

    pub fn from_code(code: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Required steps are what the till needs to sell; the others can be
    /// dismissed (a store may take payments only in person, or send no email yet).
    pub fn required(self) -> bool {
        !matches!(self, Step::Email | Step::OnlinePayment)
    }

    pub fn title(self) -> &'static str {
        match self {
            Step::StoreDetails => "Store details",
            Step::Currency => "Currency",
            Step::TaxRates => "Tax rates",
            Step::Email => "Email",
            Step::OnlinePayment => "Online payment",
            Step::Products => "Products",
        }
    }

    pub fn link(self) -> &'static str {
        match self {
            Step::StoreDetails => "/settings#store",
            Step::Currency => "/settings#store",
            Step::TaxRates => "/settings#tax-rates",
            Step::Email => "/settings#test-email",
            Step::OnlinePayment => "/#online-payment",
            Step::Products => "/catalog/import",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepState {
    pub step: Step,
    pub done: bool,
    pub dismissed: bool,
    /// What the store holds for this step, in a sentence.
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checklist {
    pub steps: Vec<StepState>,
}

impl Checklist {
    /// Every required step is done: the till can sell.
    pub fn ready_to_sell(&self) -> bool {
        self.steps.iter().all(|s| s.done || !s.step.required())
    }

    /// Nothing is left to show: required steps done, optional ones done or dismissed.
    pub fn complete(&self) -> bool {
        self.steps
            .iter()
            .all(|s| s.done || (s.dismissed && !s.step.required()))
    }
}

/// What Home shows: who is signed in and, for admins while setup is not
/// complete, the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HomeData {
    pub name: String,
    pub is_admin: bool,
    pub checklist: Option<Checklist>,
    pub ready_to_sell: bool,
    /// The last **Check Stripe**: (succeeded, what it found).
    pub stripe_check: Option<(bool, String)>,
}
