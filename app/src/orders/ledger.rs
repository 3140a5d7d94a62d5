//! The ledger: an order is paid by any number of payments (online, cash,
//! card terminal, other) less its refunds, and *paid so far*, *balance due*,
//! what the customer owes next and the order's state after a payment or a
//! refund are all worked out here, from the order's total and those rows.
//! Compiled for the browser too (the POS shows the deposit split live), next
//! to the totals.
//!
//! Deposits, documented because money depends on it:
//! - A deposit is an amount, or a percentage of the order's total rounded
//!   half away from zero to the currency's minor unit (the discount's rule).
//! - It is at least one minor unit and less than the total; the balance is
//!   the total less the deposit, so the two always add up to the total.
//! - The deposit is due first (on its own date); once what has been paid
//!   covers it, the rest of the balance is due (on the order's due date). A
//!   customer may always pay the whole balance at once.
use super::status::OrderStatus;
use super::totals::{div_round_half_away, parse_percent, percent_text, DiscountError};
use crate::domain::{Currency, Money, MoneyError};
use serde::{Deserialize, Serialize};

/// What an order's payments add up to against its total. Build it from the
/// amounts that count (`PaymentStatus::counts_as_held` on the server): kept
/// payments positive, refunds made or under way negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    pub total_minor: i64,
    /// Paid so far: kept payments less refunds.
    pub paid_minor: i64,
}

impl Ledger {
    pub fn new(total_minor: i64, counted: impl IntoIterator<Item = i64>) -> Ledger {
        Ledger {
            total_minor,
            paid_minor: counted.into_iter().sum(),
        }
    }

    /// What is still owed (never below zero).
    pub fn balance_minor(&self) -> i64 {
        (self.total_minor - self.paid_minor).max(0)
    }

    /// Paid beyond the total (a race between the till and the pay page).
    pub fn excess_minor(&self) -> i64 {
        (self.paid_minor - self.total_minor).max(0)
    }

    /// A payment of `amount` now: how much of it pays the order and how much
    /// is beyond the balance (to go back to the customer).
    pub fn take(&self, amount_minor: i64) -> Taken {
        let applied = amount_minor.clamp(0, self.balance_minor());
        Taken {
            applied_minor: applied,
            excess_minor: amount_minor - applied,
        }
    }

    /// The amount the till may take now: at least one minor unit, at most
    /// the balance.
    pub fn check_payment(&self, amount_minor: i64) -> Result<i64, PaymentAmountError> {
        let balance = self.balance_minor();
        if balance <= 0 {
            Err(PaymentAmountError::NothingDue)
        } else if amount_minor < 1 {
            Err(PaymentAmountError::TooSmall)
        } else if amount_minor > balance {
            Err(PaymentAmountError::AboveBalance { balance })
        } else {
            Ok(amount_minor)
        }
    }

    /// The state a payable order takes once its payments add up to this:
    /// paid when nothing is owed, partially paid when something is held,
    /// waiting for payment otherwise (`failed` stays as it is until money
    /// comes).
    pub fn payable_state(&self, current: OrderStatus) -> OrderStatus {
        if self.paid_minor > 0 && self.balance_minor() == 0 {
            OrderStatus::Paid
        } else if self.paid_minor > 0 {
            OrderStatus::PartiallyPaid
        } else if current == OrderStatus::Failed {
            OrderStatus::Failed
        } else {
            OrderStatus::Pending
        }
    }

    /// The state after a refund from an order in `current`: a paid order
    /// stays paid until everything is refunded (a partial refund of a paid
    /// order is money given back, not a balance owed again); a partially
    /// paid one goes back to partially paid or waiting for payment. Never
    /// refunded while money is held.
    pub fn state_after_refund(&self, current: OrderStatus) -> OrderStatus {
        match current {
            OrderStatus::Paid if self.paid_minor <= 0 => OrderStatus::Refunded,
            OrderStatus::Paid => OrderStatus::Paid,
            OrderStatus::PartiallyPaid | OrderStatus::Pending | OrderStatus::Failed => {
                if self.paid_minor > 0 {
                    OrderStatus::PartiallyPaid
                } else {
                    OrderStatus::Pending
                }
            }
            other => other,
        }
    }

    /// What the customer owes next, given the order's deposit (if it has
    /// one) and due dates: the deposit until it is covered, then the balance.
    pub fn next_due(&self, plan: &DepositPlan) -> NextDue {
        let balance = self.balance_minor();
        match plan.deposit_minor {
            Some(deposit) if self.paid_minor < deposit && balance > 0 => NextDue::Deposit {
                amount_minor: (deposit - self.paid_minor).min(balance),
                due: plan.deposit_due,
                balance_minor: balance,
                balance_due: plan.balance_due,
            },
            _ if balance > 0 => NextDue::Balance {
                amount_minor: balance,
                due: plan.balance_due,
            },
            _ => NextDue::Nothing,
        }
    }
}

/// A payment split into what pays the order and what goes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Taken {
    pub applied_minor: i64,
    pub excess_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentAmountError {
    #[error("nothing is owed on this order")]
    NothingDue,
    #[error("the amount must be more than zero")]
    TooSmall,
    #[error("the amount is more than the balance due")]
    AboveBalance { balance: i64 },
}

/// An order's deposit as stored, with its due dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DepositPlan {
    pub deposit_minor: Option<i64>,
    pub deposit_due: Option<time::Date>,
    /// The order's due date: when the rest is due.
    pub balance_due: Option<time::Date>,
}

/// What the customer owes next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NextDue {
    /// The deposit (or what is left of it), then the balance.
    Deposit {
        amount_minor: i64,
        due: Option<time::Date>,
        balance_minor: i64,
        balance_due: Option<time::Date>,
    },
    Balance {
        amount_minor: i64,
        due: Option<time::Date>,
    },
    Nothing,
}

impl NextDue {
    /// The amount the customer is asked for first.
    pub fn amount_minor(&self) -> i64 {
        match self {
            NextDue::Deposit { amount_minor, .. } | NextDue::Balance { amount_minor, .. } => {
                *amount_minor
            }
            NextDue::Nothing => 0,
        }
    }
}

/// The deposit as the cashier typed it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Deposit {
    #[default]
    None,
    /// A fixed amount in minor units.
    Amount(i64),
    /// A percentage of the total, in basis points (30% = 3000).
    Percent(u32),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DepositError {
    #[error("enter an amount such as {example} or a percentage such as 30%")]
    Malformed { example: String },
    #[error("the deposit cannot be negative")]
    Negative,
    #[error("the deposit must be more than zero")]
    Zero,
    #[error("a percentage deposit must be more than 0% and less than 100%")]
    PercentOutOfRange,
    #[error("a percentage has at most 2 digits after the decimal point")]
    PercentTooPrecise,
    #[error("the deposit must be less than the total")]
    NotBelowTotal,
    #[error("the deposit rounds to nothing: make it larger")]
    RoundsToZero,
    #[error(transparent)]
    Amount(MoneyError),
    #[error("give the deposit's due date")]
    DueMissing,
    #[error("the deposit's due date cannot be in the past")]
    DueInPast,
    #[error("the deposit must be due on or before the balance's due date")]
    DueAfterBalance,
}

impl Deposit {
    /// Reads the Deposit field: empty for none, `30%` (also `12,5 %`) for a
    /// percentage, anything else as an amount (`Money::parse`: decimal comma
    /// and grouped thousands, at most the currency's decimals).
    pub fn parse(input: &str, currency: Currency) -> Result<Deposit, DepositError> {
        let s = input.trim();
        if s.is_empty() {
            return Ok(Deposit::None);
        }
        if let Some(number) = s.strip_suffix('%') {
            return match parse_percent(number, currency) {
                Ok(bp) if bp >= 10_000 => Err(DepositError::PercentOutOfRange),
                Ok(bp) => Ok(Deposit::Percent(bp)),
                Err(e) => Err(from_discount_error(e, currency)),
            };
        }
        if s.contains('%') {
            return Err(malformed(currency));
        }
        if s.starts_with('-') {
            return Err(DepositError::Negative);
        }
        match Money::parse(s, currency) {
            Ok(m) if m.minor() == 0 => Err(DepositError::Zero),
            Ok(m) => Ok(Deposit::Amount(m.minor())),
            Err(MoneyError::Malformed { example }) => Err(DepositError::Malformed { example }),
            Err(MoneyError::Negative) => Err(DepositError::Negative),
            Err(e) => Err(DepositError::Amount(e)),
        }
    }

    /// The deposit in minor units for an order of `total_minor`, or why it
    /// cannot be one: at least one minor unit, less than the total. `None`
    /// when there is no deposit.
    pub fn amount_for(self, total_minor: i64) -> Result<Option<i64>, DepositError> {
        let amount = match self {
            Deposit::None => return Ok(None),
            Deposit::Amount(a) if a < 0 => return Err(DepositError::Negative),
            Deposit::Amount(0) => return Err(DepositError::Zero),
            Deposit::Amount(a) => a,
            Deposit::Percent(bp) if bp == 0 || bp >= 10_000 => {
                return Err(DepositError::PercentOutOfRange)
            }
            Deposit::Percent(bp) => {
                let a = div_round_half_away(i128::from(total_minor) * i128::from(bp), 10_000);
                let a = i64::try_from(a).map_err(|_| DepositError::NotBelowTotal)?;
                if a < 1 {
                    return Err(DepositError::RoundsToZero);
                }
                a
            }
        };
        if amount >= total_minor {
            return Err(DepositError::NotBelowTotal);
        }
        Ok(Some(amount))
    }

    /// How the deposit reads on the till: "Deposit (30%)" or "Deposit".
    pub fn label(self) -> String {
        match self {
            Deposit::Percent(bp) => format!("Deposit ({})", percent_text(bp)),
            _ => "Deposit".to_owned(),
        }
    }
}

/// Checks a deposit's due date against today and the balance's due date.
pub fn check_deposit_due(
    deposit_due: Option<time::Date>,
    balance_due: Option<time::Date>,
    today: time::Date,
) -> Result<time::Date, DepositError> {
    let due = deposit_due.ok_or(DepositError::DueMissing)?;
    if due < today {
        return Err(DepositError::DueInPast);
    }
    if balance_due.is_some_and(|b| due > b) {
        return Err(DepositError::DueAfterBalance);
    }
    Ok(due)
}

fn malformed(currency: Currency) -> DepositError {
    DepositError::Malformed {
        example: Money::typing_example(currency),
    }
}

fn from_discount_error(e: DiscountError, currency: Currency) -> DepositError {
    match e {
        DiscountError::Negative => DepositError::Negative,
        DiscountError::PercentOutOfRange => DepositError::PercentOutOfRange,
        DiscountError::PercentTooPrecise => DepositError::PercentTooPrecise,
        DiscountError::Amount(m) => DepositError::Amount(m),
        DiscountError::Malformed { .. } | DiscountError::AmountAndPercent => malformed(currency),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn cur(code: &str) -> Currency {
        Currency::parse(code).unwrap()
    }

    #[test]
    fn paid_so_far_and_balance_follow_the_rows() {
        let l = Ledger::new(10_000, [3_000, 2_000, -500]);
        assert_eq!(l.paid_minor, 4_500);
        assert_eq!(l.balance_minor(), 5_500);
        assert_eq!(l.excess_minor(), 0);
        assert_eq!(
            l.payable_state(OrderStatus::Pending),
            OrderStatus::PartiallyPaid
        );
        let over = Ledger::new(10_000, [10_000, 3_000]);
        assert_eq!(over.balance_minor(), 0);
        assert_eq!(over.excess_minor(), 3_000);
        assert_eq!(
            over.payable_state(OrderStatus::PartiallyPaid),
            OrderStatus::Paid
        );
        assert_eq!(
            Ledger::new(10_000, []).payable_state(OrderStatus::Failed),
            OrderStatus::Failed
        );
    }

    #[test]
    fn a_payment_beyond_the_balance_is_split() {
        let l = Ledger::new(10_000, [7_000]);
        assert_eq!(
            l.take(5_000),
            Taken {
                applied_minor: 3_000,
                excess_minor: 2_000
            }
        );
        let paid = Ledger::new(10_000, [10_000]);
        assert_eq!(
            paid.take(3_000),
            Taken {
                applied_minor: 0,
                excess_minor: 3_000
            }
        );
    }

    #[test]
    fn the_till_takes_between_one_unit_and_the_balance() {
        let l = Ledger::new(10_000, [4_000]);
        assert_eq!(l.check_payment(6_000), Ok(6_000));
        assert_eq!(l.check_payment(1), Ok(1));
        assert_eq!(l.check_payment(0), Err(PaymentAmountError::TooSmall));
        assert_eq!(l.check_payment(-5), Err(PaymentAmountError::TooSmall));
        assert_eq!(
            l.check_payment(6_001),
            Err(PaymentAmountError::AboveBalance { balance: 6_000 })
        );
        assert_eq!(
            Ledger::new(10_000, [10_000]).check_payment(1),
            Err(PaymentAmountError::NothingDue)
        );
    }

    #[test]
    fn refunds_never_make_an_order_refunded_while_money_is_held() {
        use OrderStatus as S;
        let held = Ledger::new(10_000, [6_000, -1_000]);
        let none = Ledger::new(10_000, [6_000, -6_000]);
        assert_eq!(held.state_after_refund(S::PartiallyPaid), S::PartiallyPaid);
        assert_eq!(none.state_after_refund(S::PartiallyPaid), S::Pending);
        assert_eq!(held.state_after_refund(S::Paid), S::Paid);
        assert_eq!(none.state_after_refund(S::Paid), S::Refunded);
    }

    #[test]
    fn deposits_parse_as_people_type_them() {
        let eur = cur("EUR");
        assert_eq!(Deposit::parse("", eur), Ok(Deposit::None));
        assert_eq!(Deposit::parse("30%", eur), Ok(Deposit::Percent(3_000)));
        assert_eq!(Deposit::parse("12,5 %", eur), Ok(Deposit::Percent(1_250)));
        assert_eq!(Deposit::parse("50,00", eur), Ok(Deposit::Amount(5_000)));
        assert_eq!(Deposit::parse("1 000", eur), Ok(Deposit::Amount(100_000)));
        assert_eq!(Deposit::parse("0", eur), Err(DepositError::Zero));
        assert_eq!(Deposit::parse("-5", eur), Err(DepositError::Negative));
        assert_eq!(
            Deposit::parse("100%", eur),
            Err(DepositError::PercentOutOfRange)
        );
        assert_eq!(
            Deposit::parse("0%", eur),
            Err(DepositError::PercentOutOfRange)
        );
        assert_eq!(
            Deposit::parse("10.555%", eur),
            Err(DepositError::PercentTooPrecise)
        );
        assert!(matches!(
            Deposit::parse("12.345", eur),
            Err(DepositError::Amount(MoneyError::TooPrecise { .. }))
        ));
        assert!(matches!(
            Deposit::parse("1.5", cur("JPY")),
            Err(DepositError::Amount(MoneyError::TooPrecise { .. }))
        ));
        assert!(matches!(
            Deposit::parse("abc", eur),
            Err(DepositError::Malformed { .. })
        ));
    }

    #[test]
    fn a_percentage_rounds_half_away_from_zero_in_every_exponent() {
        // EUR (2 decimals): 33.33% of 100.01 = 33.333333 → 33.33.
        assert_eq!(Deposit::Percent(3_333).amount_for(10_001), Ok(Some(3_333)));
        // 12.5% of 0.20 = 0.025 → 0.03 (half away from zero).
        assert_eq!(Deposit::Percent(1_250).amount_for(20), Ok(Some(3)));
        // JPY (no decimals): 30% of ¥1,005 = 301.5 → ¥302.
        assert_eq!(Deposit::Percent(3_000).amount_for(1_005), Ok(Some(302)));
        // KWD (3 decimals): 10% of 1.235 = 0.1235 → 0.124.
        assert_eq!(Deposit::Percent(1_000).amount_for(1_235), Ok(Some(124)));
        // Too small to be a deposit at all.
        assert_eq!(
            Deposit::Percent(1).amount_for(10),
            Err(DepositError::RoundsToZero)
        );
    }

    #[test]
    fn a_deposit_is_less_than_the_total() {
        assert_eq!(
            Deposit::Amount(5_000).amount_for(5_000),
            Err(DepositError::NotBelowTotal)
        );
        assert_eq!(
            Deposit::Amount(6_000).amount_for(5_000),
            Err(DepositError::NotBelowTotal)
        );
        assert_eq!(Deposit::Amount(4_999).amount_for(5_000), Ok(Some(4_999)));
        assert_eq!(Deposit::None.amount_for(5_000), Ok(None));
        // 99.99% of 1 cent rounds to the whole: not a deposit.
        assert_eq!(
            Deposit::Percent(9_999).amount_for(1),
            Err(DepositError::NotBelowTotal)
        );
    }

    #[test]
    fn due_dates_are_checked_against_today_and_the_balance() {
        let today = date!(2026 - 12 - 01);
        let balance = Some(date!(2026 - 12 - 31));
        assert_eq!(check_deposit_due(Some(today), balance, today), Ok(today));
        assert_eq!(
            check_deposit_due(Some(date!(2026 - 11 - 30)), balance, today),
            Err(DepositError::DueInPast)
        );
        assert_eq!(
            check_deposit_due(Some(date!(2027 - 01 - 01)), balance, today),
            Err(DepositError::DueAfterBalance)
        );
        assert_eq!(
            check_deposit_due(None, balance, today),
            Err(DepositError::DueMissing)
        );
    }

    #[test]
    fn the_deposit_is_owed_first_then_the_balance() {
        let plan = DepositPlan {
            deposit_minor: Some(3_000),
            deposit_due: Some(date!(2026 - 12 - 05)),
            balance_due: Some(date!(2026 - 12 - 31)),
        };
        let nothing = Ledger::new(10_000, []);
        assert_eq!(
            nothing.next_due(&plan),
            NextDue::Deposit {
                amount_minor: 3_000,
                due: plan.deposit_due,
                balance_minor: 10_000,
                balance_due: plan.balance_due
            }
        );
        // Part of the deposit paid: the rest of it.
        assert_eq!(
            Ledger::new(10_000, [1_000]).next_due(&plan).amount_minor(),
            2_000
        );
        // Covered: the balance, on the order's due date.
        assert_eq!(
            Ledger::new(10_000, [3_000]).next_due(&plan),
            NextDue::Balance {
                amount_minor: 7_000,
                due: plan.balance_due
            }
        );
        assert_eq!(
            Ledger::new(10_000, [10_000]).next_due(&plan),
            NextDue::Nothing
        );
        // No deposit: the balance.
        assert_eq!(
            nothing.next_due(&DepositPlan::default()).amount_minor(),
            10_000
        );
    }

    proptest! {
        /// Deposit and balance always add up to the total (in minor units,
        /// so whatever the currency's exponent).
        #[test]
        fn deposit_and_balance_add_up(total in 2i64..=10_000_000_000, bp in 1u32..10_000) {
            match Deposit::Percent(bp).amount_for(total) {
                Ok(Some(d)) => {
                    prop_assert!(d >= 1 && d < total);
                    let l = Ledger::new(total, [d]);
                    prop_assert_eq!(d + l.balance_minor(), total);
                    prop_assert_eq!(l.payable_state(OrderStatus::Pending), OrderStatus::PartiallyPaid);
                }
                Ok(None) => prop_assert!(false, "a percentage is a deposit"),
                Err(e) => prop_assert!(matches!(e, DepositError::RoundsToZero | DepositError::NotBelowTotal)),
            }
        }

        /// Payments the till accepts never take the balance below zero, and
        /// the derived state always matches the sum.
        #[test]
        fn the_ledger_never_goes_below_zero(total in 1i64..=1_000_000, asks in proptest::collection::vec(-100i64..=400_000, 1..12)) {
            let mut rows: Vec<i64> = Vec::new();
            let mut status = OrderStatus::Pending;
            for ask in asks {
                let l = Ledger::new(total, rows.iter().copied());
                if let Ok(a) = l.check_payment(ask) {
                    rows.push(a);
                    let after = Ledger::new(total, rows.iter().copied());
                    status = after.payable_state(status);
                }
                let now = Ledger::new(total, rows.iter().copied());
                prop_assert!(now.balance_minor() >= 0);
                prop_assert_eq!(now.excess_minor(), 0);
                prop_assert_eq!(now.paid_minor + now.balance_minor(), total);
                let expected = if now.paid_minor == total {
                    OrderStatus::Paid
                } else if now.paid_minor > 0 {
                    OrderStatus::PartiallyPaid
                } else {
                    OrderStatus::Pending
                };
                prop_assert_eq!(status, expected);
                if status == OrderStatus::Paid {
                    break;
                }
            }
        }
    }
}
