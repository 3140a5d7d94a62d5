//! Why an order or payment action was refused: one enum for every action on
//! an order (cancel, resend, convert, due date, take payment, refund, pause
//! and resume reminders). Each variant has a stable `code()` the form
//! handlers put in the redirect and the order page turns into its message;
//! handlers decide by the variant, never by a message's text.
use super::status::{IllegalTransition, OrderAction};
use super::OrderStatus;
use crate::reminders::{MAX_PAUSE_DAYS, MAX_PAUSE_REASON};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The caller's role may not do this (answered 403, not a redirect).
    AdminOnly,
    /// The status machine forbids it.
    Illegal(IllegalTransition),
    CancelReasonMissing,
    RefundReasonMissing,
    /// No address typed and none on the order.
    EmailMissing,
    DueInPast,
    /// Take payment without Cash, Card terminal or Other.
    MethodMissing,
    /// A terminal slip or "other" reference longer than a line.
    ReferenceTooLong,
    /// Take payment for an amount of nothing, or more than the balance
    /// due (formatted).
    PaymentAmount {
        balance: String,
    },
    /// Cash tendered below the amount being paid (both formatted).
    TenderedShort {
        tendered: String,
        total: String,
    },
    /// Refund amount zero, negative or above what is left (formatted).
    RefundAbove {
        max: String,
    },
    /// A paid order without a kept payment (it cannot be refunded here).
    NothingToRefund,
    /// Stripe answered and refused the refund: nothing was refunded.
    RefundRefusedByStripe(String),
    /// An earlier refund's answer from Stripe is still unknown.
    RefundConfirming,
    /// The payment was online and Stripe is not configured.
    StripeOff,
    /// Online payment is on and the total cannot be charged online (why).
    NotChargeable(String),
    /// Resend, change the due date of, or pause or resume the reminders of
    /// an order that is not awaiting payment.
    NotPayable(OrderStatus),
    /// The order's data could not be used (a field error from the order
    /// service, joined).
    Invalid(String),
    /// Pause reminders until a day already past in the store's time zone.
    PauseInPast,
    /// Pause reminders for longer than `MAX_PAUSE_DAYS`.
    PauseTooFar,
    /// A reason for pausing longer than `MAX_PAUSE_REASON` characters or
    /// more than one line.
    PauseReasonTooLong,
    /// Resume reminders that are not paused (a second click, a stale page).
    NotPaused,
}

impl Refusal {
    /// The stable code for the query string (`?error=…`).
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::AdminOnly => "admin_only",
            Refusal::Illegal(_) => "refused",
            Refusal::CancelReasonMissing => "reason",
            Refusal::RefundReasonMissing => "refund_reason",
            Refusal::EmailMissing => "email",
            Refusal::DueInPast => "due",
            Refusal::MethodMissing => "method",
            Refusal::ReferenceTooLong => "reference",
            Refusal::TenderedShort { .. } => "tendered",
            Refusal::PaymentAmount { .. } => "amount",
            Refusal::RefundAbove { .. } => "refund_amount",
            Refusal::NothingToRefund => "refused",
            Refusal::RefundRefusedByStripe(_) => "refund_stripe",
            Refusal::RefundConfirming => "refund_still_confirming",
            Refusal::StripeOff => "stripe_off",
            Refusal::Invalid(_) => "refused",
            Refusal::NotPayable(_) => "refused",
            Refusal::NotChargeable(_) => "not_chargeable",
            Refusal::PauseInPast => "pause_date",
            Refusal::PauseTooFar => "pause_too_far",
            Refusal::PauseReasonTooLong => "pause_reason",
            Refusal::NotPaused => "not_paused",
        }
    }

    /// Whether the order page reopens the Take payment form with it.
    pub fn about_taking_payment(&self) -> bool {
        matches!(
            self,
            Refusal::MethodMissing
                | Refusal::ReferenceTooLong
                | Refusal::TenderedShort { .. }
                | Refusal::PaymentAmount { .. }
        )
    }

    pub fn illegal(status: OrderStatus, action: OrderAction, actor: super::Actor) -> Refusal {
        Refusal::Illegal(IllegalTransition {
            status,
            action,
            actor,
        })
    }
}

impl std::error::Error for Refusal {}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::AdminOnly => f.write_str("Only an admin can do this."),
            Refusal::Illegal(t) => {
                let status = t.status.label().to_lowercase();
                match t.action {
                    OrderAction::Cancel if t.status == OrderStatus::PartiallyPaid => f.write_str(
                        "A partially paid order cannot be cancelled: refund its payments first.",
                    ),
                    OrderAction::Cancel => write!(f, "A {status} order cannot be cancelled."),
                    OrderAction::SettledInStore => {
                        write!(f, "A {status} order cannot take a payment.")
                    }
                    OrderAction::ConvertQuote => {
                        f.write_str("Only a quote can be converted to an invoice.")
                    }
                    OrderAction::RefundInFull => f.write_str("Only a paid order can be refunded."),
                    _ => write!(f, "A {status} order cannot be changed this way."),
                }
            }
            Refusal::CancelReasonMissing => {
                f.write_str("Give a reason for cancelling (at most 500 characters).")
            }
            Refusal::RefundReasonMissing => {
                f.write_str("Give a reason for the refund (at most 500 characters).")
            }
            Refusal::EmailMissing => f.write_str("Enter the email address the invoice goes to."),
            Refusal::DueInPast => f.write_str("The due date cannot be in the past."),
            Refusal::MethodMissing => f.write_str("Choose Cash, Card terminal or Other."),
            Refusal::ReferenceTooLong => {
                f.write_str("The reference can be at most 200 characters on one line.")
            }
            Refusal::TenderedShort { tendered, total } => write!(
                f,
                "The cash tendered ({tendered}) is less than the amount to pay ({total})."
            ),
            Refusal::PaymentAmount { balance } => write!(
                f,
                "The amount must be more than zero and at most the balance due ({balance})."
            ),
            Refusal::RefundAbove { max } => write!(
                f,
                "The refund must be more than zero and at most {max}."
            ),
            Refusal::NothingToRefund => f.write_str("This order has no payment to refund."),
            Refusal::RefundRefusedByStripe(why) => {
                write!(f, "Stripe refused the refund ({why}); nothing was refunded.")
            }
            Refusal::RefundConfirming => f.write_str(
                "A refund sent to Stripe earlier is still being confirmed; try again in a minute.",
            ),
            Refusal::StripeOff => f.write_str(
                "This payment was made online and Stripe is not configured: refund it in the Stripe dashboard.",
            ),
            Refusal::Invalid(why) | Refusal::NotChargeable(why) => f.write_str(why),
            Refusal::NotPayable(status) => write!(
                f,
                "A {} order is not awaiting payment.",
                status.label().to_lowercase()
            ),
            Refusal::PauseInPast => {
                f.write_str("Reminders can be paused until today or a later day, not a day already past.")
            }
            Refusal::PauseTooFar => write!(
                f,
                "Reminders can be paused for at most {MAX_PAUSE_DAYS} days; agree a later due date instead."
            ),
            Refusal::PauseReasonTooLong => write!(
                f,
                "The reason for pausing can be at most {MAX_PAUSE_REASON} characters on one line."
            ),
            Refusal::NotPaused => f.write_str("Reminders on this order are not paused."),
        }
    }
}
