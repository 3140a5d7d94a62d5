//! Payment reminders: the store's policy (`policy`), the scheduler that sends
//! each reminder once or records why it skipped it (`ssr::schedule`), and
//! the customer's "I'll pay in store" promise. Built on the order's ledger:
//! a reminder states the live balance and the next amount due.
pub mod policy;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use policy::{Policy, PolicyForm, Slot};
#[cfg(feature = "ssr")]
use sea_orm::entity::prelude::StringLen;
use serde::{Deserialize, Serialize};

/// The furthest ahead staff may pause an order's reminders, in days: a
/// longer wait is an agreement about the due date, not a pause.
pub const MAX_PAUSE_DAYS: i64 = 365;
/// Longest reason for a pause kept (one line; it goes into the timeline).
pub const MAX_PAUSE_REASON: usize = 200;

/// Why reminders stopped for good on an order (`orders.reminders_stopped`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(
    feature = "ssr",
    sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")
)]
pub enum Stopped {
    /// The customer used the one-click link in a reminder.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "unsubscribed"))]
    Unsubscribed,
    /// The SMTP server refused the last message to the invoice address.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "address_refused"))]
    AddressRefused,
}

impl Stopped {
    /// What the order page says.
    pub fn label(self) -> &'static str {
        match self {
            Stopped::Unsubscribed => "Reminders stopped: the customer unsubscribed from them",
            Stopped::AddressRefused => "Reminders stopped: the address refused mail",
        }
    }
}

/// Why the scheduler did not send a reminder that was due, with a stable
/// code (stored in `reminders.reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Skip {
    /// Paid, cancelled, refunded, or a quote.
    Closed,
    /// Nothing left to pay.
    NothingOwed,
    /// The customer said no reminders (their customer record).
    CustomerOptedOut,
    /// No invoice address on the order.
    NoAddress,
    /// The last message to the address was refused by the SMTP server.
    AddressRefused,
    /// A payment is under way at Stripe.
    PaymentInProgress,
    /// The customer said they will pay in store on a day not yet past.
    PayInStore,
    /// Staff paused reminders.
    Paused,
    /// An email about the order went to the customer in the last 24 hours.
    RecentEmail,
    /// The pay link has expired (past the due date and the grace days).
    Expired,
    /// Reminders were stopped (unsubscribed).
    Stopped,
}

impl Skip {
    pub fn code(self) -> &'static str {
        match self {
            Skip::Closed => "closed",
            Skip::NothingOwed => "nothing_owed",
            Skip::CustomerOptedOut => "customer_opted_out",
            Skip::NoAddress => "no_address",
            Skip::AddressRefused => "address_refused",
            Skip::PaymentInProgress => "payment_in_progress",
            Skip::PayInStore => "pay_in_store",
            Skip::Paused => "paused",
            Skip::RecentEmail => "recent_email",
            Skip::Expired => "expired",
            Skip::Stopped => "stopped",
        }
    }

    /// No later reminder can go either: the schedule ends here.
    pub fn ends_schedule(self) -> bool {
        matches!(
            self,
            Skip::Closed
                | Skip::NothingOwed
                | Skip::CustomerOptedOut
                | Skip::NoAddress
                | Skip::AddressRefused
                | Skip::Stopped
        )
    }

    /// Why, as the timeline says it.
    pub fn reason(self) -> &'static str {
        match self {
            Skip::Closed => "the order is no longer waiting for payment",
            Skip::NothingOwed => "nothing is left to pay",
            Skip::CustomerOptedOut => "the customer asked for no reminders",
            Skip::NoAddress => "the order has no invoice address",
            Skip::AddressRefused => {
                "the last message to this address was refused by the mail server"
            }
            Skip::PaymentInProgress => "a payment is in progress at Stripe",
            Skip::PayInStore => "the customer said they will pay in store",
            Skip::Paused => "reminders are paused",
            Skip::RecentEmail => {
                "an email about this order went to the customer less than 24 hours ago"
            }
            Skip::Expired => {
                "the pay link has expired (extend the due date to send reminders again)"
            }
            Skip::Stopped => "reminders were stopped",
        }
    }
}

/// What the order page shows about reminders.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderReminders {
    /// The store sends reminders at all.
    pub enabled: bool,
    /// "Next reminder: Tue 8 Dec, 2nd of 3".
    pub next: Option<String>,
    /// "Paused until 12 December 2026: customer on holiday".
    pub paused: Option<String>,
    /// "Customer will pay in store on 3 December 2026".
    pub in_store: Option<String>,
    /// Why they stopped for good, or why none go (customer opted out).
    pub stopped: Option<String>,
    /// Pause/Resume may be offered (the order may still owe).
    pub can_pause: bool,
    /// The Pause form's date bounds (YYYY-MM-DD): the store's today, and
    /// `MAX_PAUSE_DAYS` after it. The browser keeps to them; the server
    /// checks them again.
    pub pause_min: String,
    pub pause_max: String,
}
