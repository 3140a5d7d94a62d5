//! The one place order totals are computed: the POS cart in the browser, the
//! server storing the order and the invoice email all call `compute_totals`.
//!
//! Rounding, documented because money depends on it:
//! 1. Prices are in minor units, and either exclusive of tax (tax is added)
//!    or inclusive of it (the shelf price; tax is contained), per `TaxMode`.
//! 2. A fixed discount is spread over the item lines in proportion to their
//!    subtotals (largest-remainder method, ties to the earlier line), so the
//!    shares add up to the discount exactly and each line's tax is charged on
//!    what the customer actually pays for it. Fees are not discounted.
//! 3. Tax is computed per line (items and fees) on its discounted amount and
//!    rounded half away from zero to the minor unit; the tax for a rate is the
//!    sum of those rounded line taxes. So the taxes printed per rate always add
//!    up to the per-line taxes.
//!    - Exclusive: a line's tax is amount × rate; the line total is amount + tax
//!      and the order total is subtotal − discount + fees + tax.
//!    - Inclusive: a line's tax is amount × rate / (1 + rate) (the tax contained
//!      in the shelf price); the line total is the amount itself and the order
//!      total is subtotal − discount + fees. The lines' totals (and fees) add up
//!      to the order total exactly, and rounding only moves tax within a line,
//!      never what the customer pays.
use super::super::domain::{Currency, Money, MoneyError, Quantity};
use serde::{Deserialize, Serialize};

/// A tax rate as stored: parts per million (20% = 200_000, 8.875% = 88_750).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TaxRate {
    pub label: String,
    pub rate_ppm: u32,
}

impl TaxRate {
    pub const MAX_PPM: u32 = 1_000_000;

    pub fn none() -> Self {
        TaxRate {
            label: String::new(),
            rate_ppm: 0,
        }
    }

    /// "20%", "8.875%".
    pub fn percent_label(&self) -> String {
        let whole = self.rate_ppm / 10_000;
        let frac = self.rate_ppm % 10_000;
        if frac == 0 {
            format!("{whole}%")
        } else {
            let digits = format!("{frac:04}");
            format!("{whole}.{}%", digits.trim_end_matches('0'))
        }
    }
}

/// How a tax line is labelled on screens and invoices: "VAT 20%" stays as it
/// is; a name without the rate gets it ("Sales tax (8.875%)").
pub fn tax_line_label(label: &str, rate_ppm: u32) -> String {
    let pct = TaxRate {
        label: String::new(),
        rate_ppm,
    }
    .percent_label();
    match label.trim() {
        "" => format!("Tax ({pct})"),
        l if l.contains('%') => l.to_owned(),
        l => format!("{l} ({pct})"),
    }
}

/// Whether prices (and fees) are entered before tax, which is then added, or
/// as shelf prices that already contain it (WooCommerce's "prices entered
/// with tax").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TaxMode {
    Exclusive,
    Inclusive,
}

impl TaxMode {
    pub fn from_inclusive(prices_include_tax: bool) -> Self {
        if prices_include_tax {
            TaxMode::Inclusive
        } else {
            TaxMode::Exclusive
        }
    }

    pub fn is_inclusive(self) -> bool {
        self == TaxMode::Inclusive
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineInput {
    pub unit_price_minor: i64,
    pub quantity: Quantity,
    pub tax: TaxRate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeInput {
    pub amount_minor: i64,
    pub tax: TaxRate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineTotals {
    /// unit price × quantity
    pub subtotal: i64,
    /// this line's share of the order discount
    pub discount: i64,
    pub tax: i64,
    /// What the customer pays for the line: subtotal − discount, plus the tax
    /// when it is added (exclusive mode).
    pub total: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxTotal {
    pub label: String,
    pub rate_ppm: u32,
    pub amount: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub currency: Currency,
    pub mode: TaxMode,
    pub lines: Vec<LineTotals>,
    /// Per fee: (amount, tax).
    pub fees: Vec<(i64, i64)>,
    pub subtotal: i64,
    pub discount: i64,
    pub fee_total: i64,
    /// One entry per distinct (rate, label) with a non-zero rate, in first-seen order.
    pub taxes: Vec<TaxTotal>,
    pub tax_total: i64,
    pub total: i64,
}

impl Totals {
    pub fn money(&self, minor: i64) -> Money {
        Money::from_minor(minor, self.currency)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TotalsError {
    #[error("prices and fees cannot be negative")]
    NegativeAmount,
    #[error("the discount cannot be negative")]
    NegativeDiscount,
    #[error("the discount ({discount}) is more than the items' subtotal ({subtotal})")]
    DiscountExceedsSubtotal { discount: Money, subtotal: Money },
    #[error("a tax rate cannot be more than 100%")]
    TaxRateTooHigh,
    #[error("the order total is too large")]
    Overflow,
}

impl From<MoneyError> for TotalsError {
    fn from(_: MoneyError) -> Self {
        TotalsError::Overflow
    }
}

/// Rounds `numerator / denominator` half away from zero (denominator > 0).
fn div_round_half_away(numerator: i128, denominator: i128) -> i128 {
    let q = numerator / denominator;
    let r = numerator % denominator;
    if 2 * r.abs() >= denominator {
        q + numerator.signum()
    } else {
        q
    }
}

/// The tax on `base` (exclusive: base × rate), or contained in it
/// (inclusive: base × rate / (1 + rate)), rounded half away from zero.
fn tax_on(base: i64, rate: &TaxRate, mode: TaxMode) -> i128 {
    let ppm = i128::from(rate.rate_ppm);
    match mode {
        TaxMode::Exclusive => div_round_half_away(i128::from(base) * ppm, 1_000_000),
        TaxMode::Inclusive => div_round_half_away(i128::from(base) * ppm, 1_000_000 + ppm),
    }
}

fn narrow(v: i128) -> Result<i64, TotalsError> {
    i64::try_from(v).map_err(|_| TotalsError::Overflow)
}

/// Spreads `discount` over `weights` (non-negative, summing to `total_weight` > 0)
/// so the shares sum to `discount` exactly.
fn spread(discount: i64, weights: &[i64], total_weight: i64) -> Vec<i64> {
    let d = i128::from(discount);
    let tw = i128::from(total_weight);
    let mut shares: Vec<i128> = Vec::with_capacity(weights.len());
    let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(weights.len());
    for (i, w) in weights.iter().enumerate() {
        let exact = d * i128::from(*w);
        shares.push(exact / tw);
        remainders.push((exact % tw, i));
    }
    let mut left = d - shares.iter().sum::<i128>();
    // Largest remainder first; ties go to the earlier line.
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in remainders {
        if left == 0 {
            break;
        }
        shares[i] += 1;
        left -= 1;
    }
    // Every share is at most its weight because discount <= total_weight.
    shares.into_iter().map(|s| s as i64).collect()
}

pub fn compute_totals(
    currency: Currency,
    mode: TaxMode,
    lines: &[LineInput],
    fees: &[FeeInput],
    discount_minor: i64,
) -> Result<Totals, TotalsError> {
    if discount_minor < 0 {
        return Err(TotalsError::NegativeDiscount);
    }
    let rates = lines
        .iter()
        .map(|l| &l.tax)
        .chain(fees.iter().map(|f| &f.tax));
    if rates.clone().any(|t| t.rate_ppm > TaxRate::MAX_PPM) {
        return Err(TotalsError::TaxRateTooHigh);
    }
    if lines.iter().any(|l| l.unit_price_minor < 0) || fees.iter().any(|f| f.amount_minor < 0) {
        return Err(TotalsError::NegativeAmount);
    }

    let line_subtotals = lines
        .iter()
        .map(|l| narrow(i128::from(l.unit_price_minor) * i128::from(l.quantity.get())))
        .collect::<Result<Vec<i64>, _>>()?;
    let subtotal = narrow(line_subtotals.iter().map(|s| i128::from(*s)).sum())?;
    if discount_minor > subtotal {
        return Err(TotalsError::DiscountExceedsSubtotal {
            discount: Money::from_minor(discount_minor, currency),
            subtotal: Money::from_minor(subtotal, currency),
        });
    }
    let shares = if discount_minor == 0 {
        vec![0; lines.len()]
    } else {
        spread(discount_minor, &line_subtotals, subtotal)
    };

    let mut taxes: Vec<TaxTotal> = Vec::new();
    let mut add_tax = |rate: &TaxRate, amount: i64| {
        if rate.rate_ppm == 0 {
            return;
        }
        match taxes
            .iter_mut()
            .find(|t| t.rate_ppm == rate.rate_ppm && t.label == rate.label)
        {
            Some(t) => t.amount += amount,
            None => taxes.push(TaxTotal {
                label: rate.label.clone(),
                rate_ppm: rate.rate_ppm,
                amount,
            }),
        }
    };

    let mut line_totals = Vec::with_capacity(lines.len());
    for ((line, sub), share) in lines.iter().zip(&line_subtotals).zip(&shares) {
        let taxable = sub - share;
        let tax = narrow(tax_on(taxable, &line.tax, mode))?;
        add_tax(&line.tax, tax);
        let total = match mode {
            TaxMode::Exclusive => narrow(i128::from(taxable) + i128::from(tax))?,
            TaxMode::Inclusive => taxable,
        };
        line_totals.push(LineTotals {
            subtotal: *sub,
            discount: *share,
            tax,
            total,
        });
    }
    let mut fee_totals = Vec::with_capacity(fees.len());
    for fee in fees {
        let tax = narrow(tax_on(fee.amount_minor, &fee.tax, mode))?;
        add_tax(&fee.tax, tax);
        fee_totals.push((fee.amount_minor, tax));
    }

    let fee_total = narrow(fee_totals.iter().map(|(a, _)| i128::from(*a)).sum())?;
    let tax_total = narrow(
        line_totals.iter().map(|l| i128::from(l.tax)).sum::<i128>()
            + fee_totals.iter().map(|(_, t)| i128::from(*t)).sum::<i128>(),
    )?;
    let added_tax = match mode {
        TaxMode::Exclusive => i128::from(tax_total),
        TaxMode::Inclusive => 0,
    };
    let total = narrow(
        i128::from(subtotal) - i128::from(discount_minor) + i128::from(fee_total) + added_tax,
    )?;
    Ok(Totals {
        currency,
        mode,
        lines: line_totals,
        fees: fee_totals,
        subtotal,
        discount: discount_minor,
        fee_total,
        taxes,
        tax_total,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn eur() -> Currency {
        Currency::parse("EUR").unwrap()
    }
    fn vat(ppm: u32) -> TaxRate {
        TaxRate {
            label: "VAT".into(),
            rate_ppm: ppm,
        }
    }
    fn line(price: i64, qty: u32, ppm: u32) -> LineInput {
        LineInput {
            unit_price_minor: price,
            quantity: Quantity::new(qty).unwrap(),
            tax: vat(ppm),
        }
    }

    #[test]
    fn a_worked_example() {
        // 3 × €9.99 at 20% and 1 × €5.00 at 5%, €1.00 discount, €2.50 untaxed fee.
        let t = compute_totals(
            eur(),
            TaxMode::Exclusive,
            &[line(999, 3, 200_000), line(500, 1, 50_000)],
            &[FeeInput {
                amount_minor: 250,
                tax: TaxRate::none(),
            }],
            100,
        )
        .unwrap();
        assert_eq!(t.subtotal, 3497);
        // Shares: 100 × 2997/3497 = 85.70… → 85 (+1 remainder: .70 > .29) = 86; 14.
        assert_eq!(t.lines[0].discount + t.lines[1].discount, 100);
        assert_eq!(t.lines[0].discount, 86);
        // (2997 − 86) × 20% = 582.2 → 582; (500 − 14) × 5% = 24.3 → 24.
        assert_eq!(t.lines[0].tax, 582);
        assert_eq!(t.lines[1].tax, 24);
        assert_eq!(t.taxes.len(), 2);
        assert_eq!(t.tax_total, 606);
        assert_eq!(t.total, 3497 - 100 + 250 + 606);
    }

    #[test]
    fn rounds_half_away_from_zero() {
        // 250 × 10% = 25.0; 5 × 10% = 0.5 → 1; 4 × 10% = 0.4 → 0.
        assert_eq!(
            compute_totals(eur(), TaxMode::Exclusive, &[line(5, 1, 100_000)], &[], 0)
                .unwrap()
                .tax_total,
            1
        );
        assert_eq!(
            compute_totals(eur(), TaxMode::Exclusive, &[line(4, 1, 100_000)], &[], 0)
                .unwrap()
                .tax_total,
            0
        );
    }

    #[test]
    fn refuses_bad_input() {
        assert_eq!(
            compute_totals(eur(), TaxMode::Exclusive, &[line(-1, 1, 0)], &[], 0),
            Err(TotalsError::NegativeAmount)
        );
        assert_eq!(
            compute_totals(eur(), TaxMode::Exclusive, &[line(1, 1, 0)], &[], -1),
            Err(TotalsError::NegativeDiscount)
        );
        assert!(matches!(
            compute_totals(eur(), TaxMode::Exclusive, &[line(100, 1, 0)], &[], 101),
            Err(TotalsError::DiscountExceedsSubtotal { .. })
        ));
        assert_eq!(
            compute_totals(eur(), TaxMode::Exclusive, &[line(1, 1, 1_000_001)], &[], 0),
            Err(TotalsError::TaxRateTooHigh)
        );
        assert_eq!(
            compute_totals(eur(), TaxMode::Exclusive, &[line(i64::MAX, 2, 0)], &[], 0),
            Err(TotalsError::Overflow)
        );
        assert_eq!(
            compute_totals(
                eur(),
                TaxMode::Exclusive,
                &[
                    line(i64::MAX / 2, 1, 0),
                    line(i64::MAX / 2, 1, 0),
                    line(10, 1, 0)
                ],
                &[],
                0
            ),
            Err(TotalsError::Overflow)
        );
    }

    #[test]
    fn tax_line_labels() {
        assert_eq!(tax_line_label("VAT 20%", 200_000), "VAT 20%");
        assert_eq!(tax_line_label("Sales tax", 88_750), "Sales tax (8.875%)");
        assert_eq!(tax_line_label("", 50_000), "Tax (5%)");
    }

    #[test]
    fn percent_labels() {
        assert_eq!(vat(200_000).percent_label(), "20%");
        assert_eq!(vat(88_750).percent_label(), "8.875%");
        assert_eq!(vat(50_000).percent_label(), "5%");
    }

    #[test]
    fn inclusive_prices_contain_their_tax() {
        // The kettle: a £48.50 shelf price at 20% is £48.50, of which
        // 48.50 × 20/120 = 8.0833… → £8.08 is VAT (not £58.20).
        let t =
            compute_totals(eur(), TaxMode::Inclusive, &[line(4850, 1, 200_000)], &[], 0).unwrap();
        assert_eq!(t.total, 4850);
        assert_eq!(t.lines[0].total, 4850);
        assert_eq!(t.tax_total, 808);
        // With a discount, the tax is what the discounted price contains; a fee
        // taxed at 20% contains its tax too.
        let t = compute_totals(
            eur(),
            TaxMode::Inclusive,
            &[line(1200, 2, 200_000), line(550, 1, 55_000)],
            &[FeeInput {
                amount_minor: 450,
                tax: vat(200_000),
            }],
            295,
        )
        .unwrap();
        assert_eq!(t.total, 2400 + 550 - 295 + 450);
        assert_eq!(
            t.lines.iter().map(|l| l.total).sum::<i64>() + t.fee_total,
            t.total
        );
        // Shares: 295 × 2400/2950 = 240; 55. (2400 − 240)/6 = 360; 495 × 55/1055 = 25.8 → 26; 450/6 = 75.
        assert_eq!(t.lines[0].tax, 360);
        assert_eq!(t.lines[1].tax, 26);
        assert_eq!(t.fees[0], (450, 75));
        assert_eq!(t.tax_total, 461);
    }

    fn currencies() -> impl Strategy<Value = Currency> {
        // Zero-, two- and three-decimal currencies: amounts are minor units in
        // all of them, so the rules must hold whatever the exponent.
        prop::sample::select(vec!["JPY", "EUR", "KWD"]).prop_map(|c| Currency::parse(c).unwrap())
    }

    fn arb_line() -> impl Strategy<Value = LineInput> {
        (
            0i64..=10_000_000,
            1u32..=10_000,
            prop::sample::select(vec![0u32, 50_000, 88_750, 200_000, 250_000]),
        )
            .prop_map(|(p, q, r)| line(p, q, r))
    }

    proptest! {
        #[test]
        fn totals_hold_together(
            lines in prop::collection::vec(arb_line(), 0..12),
            fees in prop::collection::vec((0i64..1_000_000, prop::sample::select(vec![0u32, 200_000])), 0..3),
            discount_permille in 0i64..=1000,
        ) {
            let fees: Vec<FeeInput> = fees.into_iter().map(|(a, r)| FeeInput { amount_minor: a, tax: vat(r) }).collect();
            let subtotal: i64 = lines.iter().map(|l| l.unit_price_minor * i64::from(l.quantity.get())).sum();
            let discount = subtotal / 1000 * discount_permille;
            let t = compute_totals(eur(), TaxMode::Exclusive, &lines, &fees, discount).unwrap();

            // Never negative without a refund.
            prop_assert!(t.total >= 0);
            prop_assert!(t.tax_total >= 0);
            prop_assert!(t.lines.iter().all(|l| l.discount >= 0 && l.discount <= l.subtotal && l.total >= 0));
            // Discount shares add up exactly.
            prop_assert_eq!(t.lines.iter().map(|l| l.discount).sum::<i64>(), discount);
            // Tax per rate sums to the per-line taxes.
            let per_line: i64 = t.lines.iter().map(|l| l.tax).sum::<i64>() + t.fees.iter().map(|f| f.1).sum::<i64>();
            prop_assert_eq!(t.taxes.iter().map(|x| x.amount).sum::<i64>(), per_line);
            prop_assert_eq!(t.tax_total, per_line);
            // Each line's tax is within half a minor unit of the exact tax.
            for (l, input) in t.lines.iter().zip(&lines) {
                let exact = i128::from(l.subtotal - l.discount) * i128::from(input.tax.rate_ppm);
                prop_assert!((i128::from(l.tax) * 1_000_000 - exact).abs() <= 500_000);
            }
            prop_assert_eq!(t.total, t.subtotal - t.discount + t.fee_total + t.tax_total);
        }

        #[test]
        fn inclusive_totals_hold_together(
            currency in currencies(),
            lines in prop::collection::vec(arb_line(), 0..12),
            fees in prop::collection::vec((0i64..1_000_000, prop::sample::select(vec![0u32, 55_000, 200_000])), 0..3),
            discount_permille in 0i64..=1000,
        ) {
            let fees: Vec<FeeInput> = fees.into_iter().map(|(a, r)| FeeInput { amount_minor: a, tax: vat(r) }).collect();
            let subtotal: i64 = lines.iter().map(|l| l.unit_price_minor * i64::from(l.quantity.get())).sum();
            let discount = subtotal / 1000 * discount_permille;
            let t = compute_totals(currency, TaxMode::Inclusive, &lines, &fees, discount).unwrap();

            prop_assert_eq!(t.mode, TaxMode::Inclusive);
            // The shelf prices are what is paid: tax is never added on top.
            prop_assert_eq!(t.total, t.subtotal - t.discount + t.fee_total);
            // The lines (and fees) add up to the total exactly.
            prop_assert_eq!(t.lines.iter().map(|l| l.total).sum::<i64>() + t.fee_total, t.total);
            prop_assert_eq!(t.lines.iter().map(|l| l.discount).sum::<i64>(), discount);
            let per_line: i64 = t.lines.iter().map(|l| l.tax).sum::<i64>() + t.fees.iter().map(|f| f.1).sum::<i64>();
            prop_assert_eq!(t.taxes.iter().map(|x| x.amount).sum::<i64>(), per_line);
            prop_assert_eq!(t.tax_total, per_line);
            for (l, input) in t.lines.iter().zip(&lines) {
                let paid = l.subtotal - l.discount;
                prop_assert_eq!(l.total, paid);
                // The contained tax is never more than the line, and within half
                // a minor unit of paid × r / (1 + r).
                prop_assert!(l.tax >= 0 && l.tax <= paid);
                let r = i128::from(input.tax.rate_ppm);
                let exact_times_denominator = i128::from(paid) * r;
                prop_assert!((i128::from(l.tax) * (1_000_000 + r) - exact_times_denominator).abs() * 2 <= 1_000_000 + r);
            }
            for ((amount, tax), input) in t.fees.iter().zip(&fees) {
                let r = i128::from(input.tax.rate_ppm);
                prop_assert!(*tax >= 0 && tax <= amount);
                prop_assert!((i128::from(*tax) * (1_000_000 + r) - i128::from(*amount) * r).abs() * 2 <= 1_000_000 + r);
            }
        }

        #[test]
        fn exclusive_totals_hold_in_every_exponent(
            currency in currencies(),
            lines in prop::collection::vec(arb_line(), 0..12),
            discount_permille in 0i64..=1000,
        ) {
            let subtotal: i64 = lines.iter().map(|l| l.unit_price_minor * i64::from(l.quantity.get())).sum();
            let discount = subtotal / 1000 * discount_permille;
            let t = compute_totals(currency, TaxMode::Exclusive, &lines, &[], discount).unwrap();
            prop_assert_eq!(t.lines.iter().map(|l| l.total).sum::<i64>(), t.total);
            prop_assert_eq!(t.total, t.subtotal - t.discount + t.tax_total);
        }
    }
}
