//! The customer's pay page, `/pay/{number}?key={key}`: no login, ever. Served
//! as plain server-rendered HTML (askama, no wasm): customers open it on
//! phones, and it must stay within its 60 KB budget and answer fast.
#[cfg(feature = "ssr")]
pub mod in_store;
#[cfg(feature = "ssr")]
pub mod ssr;

use crate::orders::OrderStatus;
use time::Date;

/// What the pay page says, by the order's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayState {
    Payable,
    Paid,
    Cancelled,
    /// Payable, but past its due date plus the store's grace period: staff can
    /// extend it; it is never cancelled silently.
    Expired,
    Refunded,
}

/// The page's state, or `None` when the order is not something a customer
/// pays (a quote): those answer 404 like an unknown order.
pub fn pay_state(
    status: OrderStatus,
    due: Option<Date>,
    grace_days: i32,
    today: Date,
) -> Option<PayState> {
    Some(match status {
        OrderStatus::Quote => return None,
        OrderStatus::Paid => PayState::Paid,
        OrderStatus::Cancelled => PayState::Cancelled,
        OrderStatus::Refunded => PayState::Refunded,
        OrderStatus::Pending | OrderStatus::Failed | OrderStatus::PartiallyPaid => {
            match crate::orders::Lateness::of(status, due, grace_days, today) {
                Some(crate::orders::Lateness::Expired) => PayState::Expired,
                _ => PayState::Payable,
            }
        }
    })
}

/// The last day an invoice can be paid online.
pub fn expires_after(due: Option<Date>, grace_days: i32) -> Option<Date> {
    due.map(|d| crate::orders::Lateness::last_payable_day(d, grace_days))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn states() {
        let today = date!(2026 - 11 - 27);
        let s = |st, due| pay_state(st, due, 7, today);
        assert_eq!(s(OrderStatus::Quote, None), None);
        assert_eq!(s(OrderStatus::Pending, None), Some(PayState::Payable));
        assert_eq!(
            s(OrderStatus::Failed, Some(date!(2026 - 11 - 20))),
            Some(PayState::Payable),
            "last day of grace"
        );
        assert_eq!(
            s(OrderStatus::Pending, Some(date!(2026 - 11 - 19))),
            Some(PayState::Expired)
        );
        assert_eq!(
            s(OrderStatus::Paid, Some(date!(2020 - 1 - 1))),
            Some(PayState::Paid),
            "paid is paid, however old"
        );
        assert_eq!(s(OrderStatus::Cancelled, None), Some(PayState::Cancelled));
        assert_eq!(s(OrderStatus::Refunded, None), Some(PayState::Refunded));
    }
}
