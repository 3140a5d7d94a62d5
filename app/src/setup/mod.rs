//! First-run setup: the **Set up your store** checklist on Home, and whether
//! the till can sell yet. Each step's state is read from what the store holds
//! (never a flag set by clicking through), so a step is done exactly when the
//! thing it asks for exists. And the rest of Home: the day at a glance
//! (`day`), for every member of staff.
#[cfg(feature = "ssr")]
pub mod day;
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

/// What Home shows: who is signed in, for admins while setup is not
/// complete the checklist, and for everyone the day at a glance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HomeData {
    pub name: String,
    pub is_admin: bool,
    pub checklist: Option<Checklist>,
    pub ready_to_sell: bool,
    /// The last **Check Stripe**: (succeeded, what it found).
    pub stripe_check: Option<(bool, String)>,
    pub day: DayGlance,
}

/// The first rows of a list Home keeps short, and whether there are more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listed<T> {
    pub rows: Vec<T>,
    /// More rows matched than are shown.
    pub more: bool,
}

/// An order a person should look at: why, as payment handling wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttentionRow {
    pub number: i64,
    pub customer: String,
    pub why: String,
}

/// An order the customer said they would pay in store today, still owing.
/// Shared with the POS, which lists the same orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectedRow {
    pub number: i64,
    pub customer: String,
    /// What is left to pay, formatted ("£18.00").
    pub balance: String,
}

/// A payable order past its due date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverdueRow {
    pub number: i64,
    pub customer: String,
    pub balance: String,
    /// Whole days since the due date (1 the day after).
    pub days_overdue: i64,
    /// The pay link no longer works (past the due date and the grace days).
    pub expired: bool,
    /// "Tue 8 Dec, 2nd of 3", or `None` when no reminder is planned.
    pub next_reminder: Option<String>,
}

/// What one payment method took today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodTakings {
    /// `PaymentMethod::label`.
    pub method: String,
    pub payments: u32,
    pub taken: String,
    pub refunds: u32,
    /// Refunded today, positive ("£5.00").
    pub refunded: String,
}

/// Money that moved today (the store's day), by method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TakenToday {
    pub methods: Vec<MethodTakings>,
    pub refunds: u32,
    /// Every refund today, positive.
    pub refunded: String,
    /// Set when any cash moved today.
    pub till: Option<TillCash>,
}

/// Cash taken less cash refunded today: what the till should hold beyond
/// its opening float.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TillCash {
    pub net: String,
    pub taken: String,
    pub refunded: String,
}

/// Home's "the day at a glance": each list read by one indexed query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayGlance {
    /// "8 December 2026", the store's date.
    pub today: String,
    pub attention: Listed<AttentionRow>,
    pub expected: Listed<ExpectedRow>,
    pub overdue: Listed<OverdueRow>,
    pub taken: TakenToday,
}
