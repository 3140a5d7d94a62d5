//! The order status machine: the only place that decides which transitions are
//! legal and who may make them. Expiry is not a status: an invoice past its due
//! date plus grace is still `pending`, and the pay page derives "expired" from it.
use serde::{Deserialize, Serialize};
use std::fmt;

/// WooCommerce-compatible status names; the `orders.status` column is this
/// type (stored as `as_str`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(sea_orm::DeriveValueType))]
#[cfg_attr(feature = "ssr", sea_orm(value_type = "String"))]
pub enum OrderStatus {
    /// A saved cart: priced and kept, not yet sent or payable.
    Quote,
    /// Awaiting payment; payable.
    Pending,
    /// The last payment attempt failed; still payable.
    Failed,
    /// Some of the total is paid (a deposit, a part at the till); the
    /// balance is still payable. Cancelling needs its payments refunded first.
    #[serde(rename = "partially_paid")]
    PartiallyPaid,
    Paid,
    Cancelled,
    /// Fully refunded. Partial refunds are payments with negative amounts.
    Refunded,
}

/// Something that happens to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderAction {
    /// Staff turn a quote into an invoice.
    ConvertQuote,
    /// Stripe says an attempt failed.
    PaymentFailed,
    /// Stripe says the PaymentIntent succeeded and nothing is owed now.
    PaymentSucceeded,
    /// Staff took cash, card terminal or another method in store, and
    /// nothing is owed now.
    SettledInStore,
    /// A payment (online or in store) that leaves a balance due.
    PartPaid,
    Cancel,
    RefundInFull,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Actor {
    Stripe,
    Cashier,
    Admin,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a {status} order cannot be changed by {action:?} ({actor:?})")]
pub struct IllegalTransition {
    pub status: OrderStatus,
    pub action: OrderAction,
    pub actor: Actor,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 7] = [
        OrderStatus::Quote,
        OrderStatus::Pending,
        OrderStatus::Failed,
        OrderStatus::PartiallyPaid,
        OrderStatus::Paid,
        OrderStatus::Cancelled,
        OrderStatus::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Quote => "quote",
            OrderStatus::Pending => "pending",
            OrderStatus::Failed => "failed",
            OrderStatus::PartiallyPaid => "partially_paid",
            OrderStatus::Paid => "paid",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Refunded => "refunded",
        }
    }

    pub fn parse(s: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The label of a status as a row stores it; an unknown one shows as stored.
    pub fn label_of(stored: &str) -> String {
        OrderStatus::parse(stored).map_or_else(|| stored.to_owned(), |s| s.label().to_owned())
    }

    /// What staff and customers read.
    pub fn label(self) -> &'static str {
        match self {
            OrderStatus::Quote => "Quote",
            OrderStatus::Pending => "Pending payment",
            OrderStatus::Failed => "Payment failed",
            OrderStatus::PartiallyPaid => "Partially paid",
            OrderStatus::Paid => "Paid",
            OrderStatus::Cancelled => "Cancelled",
            OrderStatus::Refunded => "Refunded",
        }
    }

    pub fn is_payable(self) -> bool {
        matches!(
            self,
            OrderStatus::Pending | OrderStatus::Failed | OrderStatus::PartiallyPaid
        )
    }

    /// Something may still be owed on it: a quote, or an order waiting for
    /// payment. A paid, refunded or cancelled order owes nothing, whatever
    /// was given back from it (a refund from a paid order is money returned,
    /// not a balance owed again: `Ledger::state_after_refund`).
    pub fn may_owe(self) -> bool {
        self.is_payable() || self == OrderStatus::Quote
    }

    /// Payable with nothing paid yet: the only states a cashier may cancel
    /// from without refunding first.
    pub fn is_unpaid(self) -> bool {
        matches!(self, OrderStatus::Pending | OrderStatus::Failed)
    }

    /// The status after `action` by `actor`, or why it is refused.
    pub fn apply(
        self,
        action: OrderAction,
        actor: Actor,
    ) -> Result<OrderStatus, IllegalTransition> {
        use OrderAction as A;
        let staff = matches!(actor, Actor::Cashier | Actor::Admin);
        let next = match (action, self) {
            // A failed attempt never forgets what was paid before it.
            (A::PaymentFailed, OrderStatus::PartiallyPaid) if actor == Actor::Stripe => {
                Some(OrderStatus::PartiallyPaid)
            }
            (A::PaymentFailed, s) if actor == Actor::Stripe && s.is_payable() => {
                Some(OrderStatus::Failed)
            }
            (A::PaymentSucceeded, s) if actor == Actor::Stripe && s.is_payable() => {
                Some(OrderStatus::Paid)
            }
            (A::SettledInStore, s) if staff && s.is_payable() => Some(OrderStatus::Paid),
            (A::PartPaid, s) if s.is_payable() => Some(OrderStatus::PartiallyPaid),
            (A::ConvertQuote, OrderStatus::Quote) if staff => Some(OrderStatus::Pending),
            // Money held must go back first: cancelling never keeps a deposit.
            (A::Cancel, s) if staff && (s.is_unpaid() || s == OrderStatus::Quote) => {
                Some(OrderStatus::Cancelled)
            }
            // Refunds move money back out of the till: admins only. Refunding
            // everything a partially paid order holds leaves it waiting for payment.
            (A::RefundInFull, OrderStatus::Paid) if actor == Actor::Admin => {
                Some(OrderStatus::Refunded)
            }
            (A::RefundInFull, OrderStatus::PartiallyPaid) if actor == Actor::Admin => {
                Some(OrderStatus::Pending)
            }
            _ => None,
        };
        next.ok_or(IllegalTransition {
            status: self,
            action,
            actor,
        })
    }
}

/// A stored status that is none of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown order status")]
pub struct UnknownStatus;

/// How late an unpaid invoice is, as staff should see it: past its due
/// date, or past the last day its pay link works (the due date plus the
/// store's grace days), when the customer's link says "expired".
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Lateness {
    Overdue,
    Expired,
}

impl Lateness {
    pub fn label(self) -> &'static str {
        match self {
            Lateness::Overdue => "Overdue",
            Lateness::Expired => "Expired",
        }
    }

    /// The last day an invoice due on `due` can be paid online.
    pub fn last_payable_day(due: time::Date, grace_days: i32) -> time::Date {
        due + time::Duration::days(i64::from(grace_days.max(0)))
    }

    /// The one rule (the pay page uses it too): only an order waiting for
    /// payment is late.
    pub fn of(
        status: OrderStatus,
        due: Option<time::Date>,
        grace_days: i32,
        today: time::Date,
    ) -> Option<Lateness> {
        if !status.is_payable() {
            return None;
        }
        let due = due?;
        let last = Lateness::last_payable_day(due, grace_days);
        if today > last {
            Some(Lateness::Expired)
        } else if today > due {
            Some(Lateness::Overdue)
        } else {
            None
        }
    }
}

impl std::str::FromStr for OrderStatus {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OrderStatus::parse(s).ok_or(UnknownStatus)
    }
}

/// Tests and filters compare a status with its stored name.
impl PartialEq<&str> for OrderStatus {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderAction as A;
    use OrderStatus as S;

    const ACTIONS: [OrderAction; 7] = [
        A::ConvertQuote,
        A::PaymentFailed,
        A::PaymentSucceeded,
        A::SettledInStore,
        A::PartPaid,
        A::Cancel,
        A::RefundInFull,
    ];
    const ACTORS: [Actor; 3] = [Actor::Stripe, Actor::Cashier, Actor::Admin];

    /// The whole legal table, written out by hand: every (status, action, actor)
    /// not listed here must be refused.
    fn expected(status: S, action: A, actor: Actor) -> Option<S> {
        use Actor::*;
        match (status, action, actor) {
            (S::Pending | S::Failed, A::PaymentFailed, Stripe) => Some(S::Failed),
            (S::PartiallyPaid, A::PaymentFailed, Stripe) => Some(S::PartiallyPaid),
            (S::Pending | S::Failed | S::PartiallyPaid, A::PaymentSucceeded, Stripe) => {
                Some(S::Paid)
            }
            (S::Pending | S::Failed | S::PartiallyPaid, A::SettledInStore, Cashier | Admin) => {
                Some(S::Paid)
            }
            (S::Pending | S::Failed | S::PartiallyPaid, A::PartPaid, _) => Some(S::PartiallyPaid),
            (S::Pending | S::Failed | S::Quote, A::Cancel, Cashier | Admin) => Some(S::Cancelled),
            (S::Quote, A::ConvertQuote, Cashier | Admin) => Some(S::Pending),
            (S::Paid, A::RefundInFull, Admin) => Some(S::Refunded),
            (S::PartiallyPaid, A::RefundInFull, Admin) => Some(S::Pending),
            _ => None,
        }
    }

    #[test]
    fn every_combination_matches_the_table() {
        let mut legal = 0;
        for status in S::ALL {
            for action in ACTIONS {
                for actor in ACTORS {
                    let got = status.apply(action, actor).ok();
                    assert_eq!(
                        got,
                        expected(status, action, actor),
                        "{status:?} {action:?} {actor:?}"
                    );
                    legal += usize::from(got.is_some());
                }
            }
        }
        assert_eq!(legal, 31);
    }

    #[test]
    fn a_late_failure_never_unpays() {
        for status in [S::Paid, S::Cancelled, S::Refunded] {
            assert!(status.apply(A::PaymentFailed, Actor::Stripe).is_err());
        }
    }

    #[test]
    fn only_a_closed_order_owes_nothing() {
        for s in S::ALL {
            assert_eq!(
                s.may_owe(),
                !matches!(s, S::Paid | S::Refunded | S::Cancelled),
                "{s:?}"
            );
        }
    }

    #[test]
    fn money_held_is_refunded_before_cancelling() {
        assert!(S::PartiallyPaid.is_payable());
        for actor in ACTORS {
            assert!(S::PartiallyPaid.apply(A::Cancel, actor).is_err());
        }
        assert_eq!(
            S::PartiallyPaid.apply(A::RefundInFull, Actor::Admin),
            Ok(S::Pending)
        );
    }

    #[test]
    fn a_quote_cannot_be_paid_until_converted() {
        assert!(!S::Quote.is_payable());
        for actor in ACTORS {
            assert!(S::Quote.apply(A::PaymentSucceeded, actor).is_err());
            assert!(S::Quote.apply(A::SettledInStore, actor).is_err());
        }
    }

    #[test]
    fn names_round_trip() {
        for status in S::ALL {
            assert_eq!(S::parse(status.as_str()), Some(status));
        }
        assert_eq!(S::parse("completed"), None);
    }
}
