//! Stripe's amount units per currency, against Settle's ISO 4217 minor units.
//!
//! Settle stores amounts in ISO 4217 minor units (`Money`). Stripe's API takes
//! "the currency's smallest unit" too, but differs from ISO for a few
//! currencies and adds rules of its own (Stripe's "Supported currencies"
//! page, zero-decimal list and special cases, read 2026-11-30):
//!
//! - ISK is zero-decimal in ISO 4217, but Stripe keeps it two-decimal for
//!   backwards compatibility and requires whole krónur: 5,000 kr is `500000`.
//! - HUF and TWD are two-decimal in ISO and in Stripe's charge API (Stripe
//!   treats them as zero-decimal only for payouts, which Settle never makes).
//! - UGX is zero-decimal in both (Stripe lists it with the zero-decimal
//!   currencies).
//! - Three-decimal currencies (BHD, JOD, KWD, OMR, TND) are charged in
//!   thousandths, but the last digit must be 0 for Stripe's partners.
//! - IQD and LYD (three-decimal in ISO) are not among Stripe's presentment
//!   currencies: an order in them cannot be paid online.
//!
//! Every conversion is exact or refused: an amount is never rounded on its
//! way to or from Stripe.
use crate::domain::{Currency, Money};
use std::fmt;

/// How one currency's amounts are written for Stripe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StripeUnits {
    /// Stripe amount = Settle minor units × `scale`.
    pub scale: i64,
    /// Settle's minor units must be a multiple of this (1: any amount).
    pub step: i64,
}

/// The currencies whose Stripe units are not plain ISO minor units with any
/// amount allowed, and the ones Stripe cannot charge (`None`). One table, so
/// a new special case is one line and its test.
const SPECIAL: &[(&str, Option<StripeUnits>)] = &[
    (
        "ISK",
        Some(StripeUnits {
            scale: 100,
            step: 1,
        }),
    ),
    ("BHD", Some(StripeUnits { scale: 1, step: 10 })),
    ("JOD", Some(StripeUnits { scale: 1, step: 10 })),
    ("KWD", Some(StripeUnits { scale: 1, step: 10 })),
    ("OMR", Some(StripeUnits { scale: 1, step: 10 })),
    ("TND", Some(StripeUnits { scale: 1, step: 10 })),
    ("IQD", None),
    ("LYD", None),
];

const PLAIN: StripeUnits = StripeUnits { scale: 1, step: 1 };

/// Why an amount cannot be sent to Stripe as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StripeAmountError {
    /// Stripe does not take payments in this currency.
    Unsupported(Currency),
    /// Stripe takes this currency only in steps of `step` minor units.
    NotAStep { currency: Currency, step: i64 },
    /// Negative, or too large once scaled.
    OutOfRange,
    /// Nothing to pay: Stripe takes no payment of zero.
    Zero,
}

impl std::error::Error for StripeAmountError {}

impl fmt::Display for StripeAmountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StripeAmountError::Unsupported(c) => write!(
                f,
                "Stripe cannot take payments in {}: this order can only be paid in store.",
                c.code()
            ),
            StripeAmountError::NotAStep { currency, step } => write!(
                f,
                "Stripe takes {} only in steps of {}: adjust the total (a fee or discount) to pay online.",
                currency.code(),
                Money::from_minor(*step, *currency)
            ),
            StripeAmountError::OutOfRange => f.write_str("The amount is outside what Stripe can take."),
            StripeAmountError::Zero => f.write_str(
                "The total is zero: there is nothing to pay online (send it as a receipt by taking payment in store).",
            ),
        }
    }
}

/// Stripe's units for `currency`, or `None` when Stripe cannot charge it.
pub fn units(currency: Currency) -> Option<StripeUnits> {
    SPECIAL
        .iter()
        .find(|(code, _)| *code == currency.code())
        .map_or(Some(PLAIN), |(_, u)| *u)
}

/// Whether Stripe can charge this currency at all (the currency choice marks
/// the ones it can).
pub fn chargeable(currency: Currency) -> bool {
    units(currency).is_some()
}

/// The amount to send Stripe for `money`, or why it cannot be sent.
pub fn to_stripe(money: Money) -> Result<i64, StripeAmountError> {
    let currency = money.currency();
    let u = units(currency).ok_or(StripeAmountError::Unsupported(currency))?;
    let minor = money.minor();
    if minor < 0 {
        return Err(StripeAmountError::OutOfRange);
    }
    if minor == 0 {
        return Err(StripeAmountError::Zero);
    }
    if minor % u.step != 0 {
        return Err(StripeAmountError::NotAStep {
            currency,
            step: u.step,
        });
    }
    minor
        .checked_mul(u.scale)
        .ok_or(StripeAmountError::OutOfRange)
}

/// The Settle amount an amount Stripe reported stands for, when it stands
/// for one exactly (an ISK amount with øre in it does not).
pub fn from_stripe(stripe_amount: i64, currency: Currency) -> Option<Money> {
    let u = units(currency)?;
    if stripe_amount < 0 || stripe_amount % u.scale != 0 {
        return None;
    }
    Some(Money::from_minor(stripe_amount / u.scale, currency))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cur(code: &str) -> Currency {
        Currency::parse(code).unwrap()
    }

    fn m(minor: i64, code: &str) -> Money {
        Money::from_minor(minor, cur(code))
    }

    #[test]
    fn two_decimal_currencies_pass_unchanged() {
        for code in ["EUR", "GBP", "USD", "HUF", "TWD"] {
            assert_eq!(to_stripe(m(12345, code)), Ok(12345), "{code}");
            assert_eq!(
                from_stripe(12345, cur(code)),
                Some(m(12345, code)),
                "{code}"
            );
        }
    }

    #[test]
    fn zero_decimal_currencies_pass_unchanged() {
        for code in [
            "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND",
            "VUV", "XAF", "XOF", "XPF",
        ] {
            assert_eq!(cur(code).exponent(), 0, "{code}");
            assert_eq!(to_stripe(m(5000, code)), Ok(5000), "{code}");
            assert_eq!(from_stripe(5000, cur(code)), Some(m(5000, code)), "{code}");
        }
    }

    #[test]
    fn isk_is_whole_kronur_written_with_two_decimals() {
        // 5,000 kr: ISO says 5000 minor units, Stripe wants 500000.
        assert_eq!(to_stripe(m(5000, "ISK")), Ok(500_000));
        assert_eq!(from_stripe(500_000, cur("ISK")), Some(m(5000, "ISK")));
        // 50 kr reported by Stripe is not 5,000 kr.
        assert_eq!(from_stripe(5000, cur("ISK")), Some(m(50, "ISK")));
        // Øre cannot stand for any Settle amount.
        assert_eq!(from_stripe(500_050, cur("ISK")), None);
    }

    #[test]
    fn three_decimal_currencies_must_end_in_zero() {
        for code in ["BHD", "JOD", "KWD", "OMR", "TND"] {
            assert_eq!(to_stripe(m(5120, code)), Ok(5120), "{code}");
            assert_eq!(
                to_stripe(m(5124, code)),
                Err(StripeAmountError::NotAStep {
                    currency: cur(code),
                    step: 10
                }),
                "{code}"
            );
            assert_eq!(from_stripe(5124, cur(code)), Some(m(5124, code)), "{code}");
        }
    }

    #[test]
    fn currencies_stripe_cannot_charge_are_refused() {
        for code in ["IQD", "LYD"] {
            assert!(!chargeable(cur(code)));
            assert_eq!(
                to_stripe(m(1000, code)),
                Err(StripeAmountError::Unsupported(cur(code)))
            );
            assert_eq!(from_stripe(1000, cur(code)), None);
        }
    }

    #[test]
    fn zero_negative_and_overflowing_amounts_are_refused() {
        assert_eq!(to_stripe(m(0, "EUR")), Err(StripeAmountError::Zero));
        assert_eq!(to_stripe(m(-1, "EUR")), Err(StripeAmountError::OutOfRange));
        assert_eq!(
            to_stripe(m(i64::MAX, "ISK")),
            Err(StripeAmountError::OutOfRange)
        );
        assert_eq!(from_stripe(-100, cur("EUR")), None);
    }

    #[test]
    fn every_supported_currency_round_trips() {
        for code in crate::domain::money::currency_codes() {
            let c = cur(code);
            let Some(u) = units(c) else { continue };
            let amount = m(123_450 * u.step, code);
            let sent = to_stripe(amount).unwrap();
            assert_eq!(from_stripe(sent, c), Some(amount), "{code}");
        }
    }
}
