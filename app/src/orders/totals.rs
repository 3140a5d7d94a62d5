//! The one place order totals are computed: the POS cart in the browser, the
//! server storing the order and the invoice email all call `compute_totals`.
//!
//! Rounding, documented because money depends on it:
//! 1. Prices are in minor units, and either exclusive of tax (tax is added)
//!    or inclusive of it (the shelf price; tax is contained), per `TaxMode`.
//! 2. A discount is a fixed amount, or a percentage of the items' subtotal
//!    (the sum of the lines, before fees and tax) rounded half away from zero
//!    to the minor unit. From there both are the same: the amount is spread
//!    over the item lines in proportion to their subtotals (largest-remainder
//!    method, ties to the earlier line), so the shares add up to the discount
//!    exactly and each line's tax is charged on what the customer actually
//!    pays for it. Fees are not discounted.
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

/// The order's discount as the cashier gave it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Discount {
    #[default]
    None,
    /// A fixed amount in minor units.
    Amount(i64),
    /// A percentage of the items' subtotal, in basis points (hundredths of a
    /// percent): 10% = 1000, 12.5% = 1250. Valid from 1 to `MAX_BP`.
    Percent(u32),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiscountError {
    #[error("enter an amount such as {example} or a percentage such as 10%")]
    Malformed { example: String },
    #[error("the discount cannot be negative")]
    Negative,
    #[error("a percentage discount must be more than 0% and at most 100%")]
    PercentOutOfRange,
    #[error("a percentage has at most 2 digits after the decimal point")]
    PercentTooPrecise,
    #[error("give the discount as an amount or a percentage, not both")]
    AmountAndPercent,
    #[error(transparent)]
    Amount(MoneyError),
}

impl Discount {
    /// 100%.
    pub const MAX_BP: u32 = 10_000;

    /// Reads the Discount field: empty for none, `10%` (also `10 %`, `7.5%`,
    /// `12,5%`: more than 0, at most 100, at most 2 decimals) for a
    /// percentage, anything else as an amount (`Money::parse`, so `2,50`
    /// and `1 234` too). Zero is no discount.
    pub fn parse(input: &str, currency: Currency) -> Result<Discount, DiscountError> {
        let s = input.trim();
        if s.is_empty() {
            return Ok(Discount::None);
        }
        if let Some(number) = s.strip_suffix('%') {
            return parse_percent(number, currency).map(Discount::Percent);
        }
        if s.contains('%') {
            return Err(malformed(currency));
        }
        match Money::parse(s, currency) {
            Ok(m) if m.minor() == 0 => Ok(Discount::None),
            Ok(m) => Ok(Discount::Amount(m.minor())),
            Err(MoneyError::Malformed { example }) => Err(DiscountError::Malformed { example }),
            Err(MoneyError::Negative) => Err(DiscountError::Negative),
            Err(e) => Err(DiscountError::Amount(e)),
        }
    }

    /// Refuses what `parse` never makes (a request may carry anything).
    pub fn check(self) -> Result<Discount, DiscountError> {
        match self {
            Discount::Amount(a) if a < 0 => Err(DiscountError::Negative),
            Discount::Percent(bp) if bp == 0 || bp > Discount::MAX_BP => {
                Err(DiscountError::PercentOutOfRange)
            }
            d => Ok(d),
        }
    }

    /// How the discount is labelled on the till, the order and its
    /// documents: "Discount (10%)", or "Discount" for an amount.
    pub fn label(self) -> String {
        match self {
            Discount::Percent(bp) => format!("Discount ({})", percent_text(bp)),
            _ => "Discount".to_owned(),
        }
    }

    /// The amount off an items' subtotal of `subtotal` (≥ 0) minor units.
    fn amount_off(self, subtotal: i64) -> Result<i64, TotalsError> {
        match self {
            Discount::None => Ok(0),
            Discount::Amount(a) => Ok(a),
            Discount::Percent(bp) => narrow(div_round_half_away(
                i128::from(subtotal) * i128::from(bp),
                i128::from(Discount::MAX_BP),
            )),
        }
    }
}

/// "10%", "12.5%", "0.01%" for basis points.
pub(crate) fn percent_text(bp: u32) -> String {
    let (whole, frac) = (bp / 100, bp % 100);
    if frac == 0 {
        format!("{whole}%")
    } else {
        format!("{whole}.{}%", format!("{frac:02}").trim_end_matches('0'))
    }
}

fn malformed(currency: Currency) -> DiscountError {
    DiscountError::Malformed {
        example: Money::typing_example(currency),
    }
}

/// The number before the `%`, in basis points.
pub(crate) fn parse_percent(number: &str, currency: Currency) -> Result<u32, DiscountError> {
    let n = number.trim();
    if n.starts_with('-') {
        return Err(DiscountError::Negative);
    }
    if n.contains('.') && n.contains(',') {
        return Err(malformed(currency));
    }
    let pointed = n.replace(',', ".");
    let (whole, frac) = pointed.split_once('.').unwrap_or((pointed.as_str(), ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && frac.is_empty())
        || !digits(whole)
        || !digits(frac)
        || pointed.ends_with('.')
    {
        return Err(malformed(currency));
    }
    if frac.len() > 2 {
        return Err(DiscountError::PercentTooPrecise);
    }
    let whole = whole.trim_start_matches('0');
    if whole.len() > 3 {
        return Err(DiscountError::PercentOutOfRange);
    }
    let whole: u32 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| malformed(currency))?
    };
    let frac: u32 = format!("{frac:0<2}")
        .parse()
        .map_err(|_| malformed(currency))?;
    let bp = whole * 100 + frac;
    if bp == 0 || bp > Discount::MAX_BP {
        return Err(DiscountError::PercentOutOfRange);
    }
    Ok(bp)
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
    /// The amount taken off (for a percentage, worked out from `subtotal`).
    pub discount: i64,
    /// The percentage the discount was given as, in basis points.
    pub discount_percent_bp: Option<u32>,
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

    /// "Discount (10%)", or "Discount".
    pub fn discount_label(&self) -> String {
        self.discount_percent_bp
            .map_or(Discount::None, Discount::Percent)
            .label()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TotalsError {
    #[error("prices and fees cannot be negative")]
    NegativeAmount,
    #[error("the discount cannot be negative")]
    NegativeDiscount,
    #[error("a percentage discount must be more than 0% and at most 100%")]
    DiscountPercentOutOfRange,
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
pub(crate) fn div_round_half_away(numerator: i128, denominator: i128) -> i128 {
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

/// The order's totals (see the module's rules). A percentage `discount` is
/// of the items' subtotal (the sum of the lines, before fees and tax),
/// rounded half away from zero to the minor unit; the amount that gives is
/// then treated exactly as a fixed discount of that amount would be.
pub fn compute_totals(
    currency: Currency,
    mode: TaxMode,
    lines: &[LineInput],
    fees: &[FeeInput],
    discount: Discount,
) -> Result<Totals, TotalsError> {
    match discount.check() {
        Err(DiscountError::PercentOutOfRange) => {
            return Err(TotalsError::DiscountPercentOutOfRange)
        }
        Err(_) => return Err(TotalsError::NegativeDiscount),
        Ok(_) => {}
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
    let discount_minor = discount.amount_off(subtotal)?;
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
        discount_percent_bp: match discount {
            Discount::Percent(bp) => Some(bp),
            _ => None,
        },
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
            Discount::Amount(100),
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
            compute_totals(
                eur(),
                TaxMode::Exclusive,
                &[line(5, 1, 100_000)],
                &[],
                Discount::None
            )
            .unwrap()
            .tax_total,
            1
        );
        assert_eq!(
            compute_totals(
                eur(),
                TaxMode::Exclusive,
                &[line(4, 1, 100_000)],
                &[],
                Discount::None
            )
            .unwrap()
            .tax_total,
            0
        );
    }

    #[test]
    fn refuses_bad_input() {
        assert_eq!(
            compute_totals(
                eur(),
                TaxMode::Exclusive,
                &[line(-1, 1, 0)],
                &[],
                Discount::None
            ),
            Err(TotalsError::NegativeAmount)
        );
        assert_eq!(
            compute_totals(
                eur(),
                TaxMode::Exclusive,
                &[line(1, 1, 0)],
                &[],
                Discount::Amount(-1)
            ),
            Err(TotalsError::NegativeDiscount)
        );
        assert!(matches!(
            compute_totals(
                eur(),
                TaxMode::Exclusive,
                &[line(100, 1, 0)],
                &[],
                Discount::Amount(101)
            ),
            Err(TotalsError::DiscountExceedsSubtotal { .. })
        ));
        assert_eq!(
            compute_totals(
                eur(),
                TaxMode::Exclusive,
                &[line(1, 1, 1_000_001)],
                &[],
                Discount::None
            ),
            Err(TotalsError::TaxRateTooHigh)
        );
        assert_eq!(
            compute_totals(
                eur(),
                TaxMode::Exclusive,
                &[line(i64::MAX, 2, 0)],
                &[],
                Discount::None
            ),
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
                Discount::None
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
        let t = compute_totals(
            eur(),
            TaxMode::Inclusive,
            &[line(4850, 1, 200_000)],
            &[],
            Discount::None,
        )
        .unwrap();
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
            Discount::Amount(295),
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

    #[test]
    fn discounts_are_read_as_typed() {
        let eur = eur();
        let parse = |s: &str| Discount::parse(s, eur);
        assert_eq!(parse(""), Ok(Discount::None));
        assert_eq!(parse("  "), Ok(Discount::None));
        assert_eq!(parse("0"), Ok(Discount::None));
        assert_eq!(parse("10%"), Ok(Discount::Percent(1000)));
        assert_eq!(parse(" 10 % "), Ok(Discount::Percent(1000)));
        assert_eq!(parse("10\u{a0}%"), Ok(Discount::Percent(1000)));
        assert_eq!(parse("12,5%"), Ok(Discount::Percent(1250)));
        assert_eq!(parse("7.5%"), Ok(Discount::Percent(750)));
        assert_eq!(parse("0.01%"), Ok(Discount::Percent(1)));
        assert_eq!(parse(",5%"), Ok(Discount::Percent(50)));
        assert_eq!(parse("100%"), Ok(Discount::Percent(10_000)));
        assert_eq!(parse("100.00%"), Ok(Discount::Percent(10_000)));
        assert_eq!(parse("2.50"), Ok(Discount::Amount(250)));
        assert_eq!(parse("2,50"), Ok(Discount::Amount(250)));
        assert_eq!(parse("€1 234,50"), Ok(Discount::Amount(123_450)));
        assert_eq!(
            Discount::parse("500", Currency::parse("JPY").unwrap()),
            Ok(Discount::Amount(500))
        );
    }

    #[test]
    fn discounts_refused() {
        let parse = |s: &str| Discount::parse(s, eur());
        for bad in ["0%", "0.00%", "101%", "100.01%", "1000%"] {
            assert_eq!(parse(bad), Err(DiscountError::PercentOutOfRange), "{bad}");
        }
        assert_eq!(parse("-5%"), Err(DiscountError::Negative));
        assert_eq!(parse("-5"), Err(DiscountError::Negative));
        assert_eq!(parse("1.234%"), Err(DiscountError::PercentTooPrecise));
        for bad in [
            "10%%", "%", " % ", "%10", "10%5", "1.2.3%", "1,2.3%", "10.%", "abc", "ten%", "+5%",
            "1e2%",
        ] {
            assert!(
                matches!(parse(bad), Err(DiscountError::Malformed { .. })),
                "{bad}: {:?}",
                parse(bad)
            );
        }
        assert_eq!(
            parse("abc").unwrap_err().to_string(),
            "enter an amount such as 12.50 or a percentage such as 10%"
        );
        assert!(matches!(
            parse("1.234"),
            Err(DiscountError::Amount(MoneyError::TooPrecise { .. }))
        ));
        // What a request may carry but `parse` never makes.
        assert_eq!(
            Discount::Percent(0).check(),
            Err(DiscountError::PercentOutOfRange)
        );
        assert_eq!(
            Discount::Percent(10_001).check(),
            Err(DiscountError::PercentOutOfRange)
        );
        assert_eq!(Discount::Amount(-1).check(), Err(DiscountError::Negative));
        assert_eq!(
            compute_totals(
                eur(),
                TaxMode::Exclusive,
                &[line(100, 1, 0)],
                &[],
                Discount::Percent(10_001)
            ),
            Err(TotalsError::DiscountPercentOutOfRange)
        );
        assert_eq!(
            compute_totals(
                eur(),
                TaxMode::Exclusive,
                &[line(100, 1, 0)],
                &[],
                Discount::Percent(0)
            ),
            Err(TotalsError::DiscountPercentOutOfRange)
        );
    }

    #[test]
    fn discount_labels() {
        assert_eq!(Discount::Percent(1000).label(), "Discount (10%)");
        assert_eq!(Discount::Percent(1250).label(), "Discount (12.5%)");
        assert_eq!(Discount::Percent(705).label(), "Discount (7.05%)");
        assert_eq!(Discount::Percent(1).label(), "Discount (0.01%)");
        assert_eq!(Discount::Amount(100).label(), "Discount");
        assert_eq!(Discount::None.label(), "Discount");
        let t = compute_totals(
            eur(),
            TaxMode::Exclusive,
            &[line(1000, 1, 0)],
            &[],
            Discount::Percent(1000),
        )
        .unwrap();
        assert_eq!((t.discount, t.discount_percent_bp), (100, Some(1000)));
        assert_eq!(t.discount_label(), "Discount (10%)");
        let t = compute_totals(
            eur(),
            TaxMode::Exclusive,
            &[line(1000, 1, 0)],
            &[],
            Discount::Amount(100),
        )
        .unwrap();
        assert_eq!(
            (t.discount_percent_bp, t.discount_label().as_str()),
            (None, "Discount")
        );
    }

    #[test]
    fn a_percentage_rounds_half_away_from_zero_to_the_minor_unit() {
        let off = |price: i64, qty: u32, bp: u32, currency: Currency| {
            compute_totals(
                currency,
                TaxMode::Exclusive,
                &[line(price, qty, 0)],
                &[],
                Discount::Percent(bp),
            )
            .unwrap()
            .discount
        };
        // 10% of €0.05 = 0.5 cent → 1; of €0.04 = 0.4 → 0; of €0.15 = 1.5 → 2.
        assert_eq!(off(5, 1, 1000, eur()), 1);
        assert_eq!(off(4, 1, 1000, eur()), 0);
        assert_eq!(off(15, 1, 1000, eur()), 2);
        // 12.5% of €19.99 = 249.875 cents → €2.50; 7.5% of 3 × €3.00 = 67.5 → 68.
        assert_eq!(off(1999, 1, 1250, eur()), 250);
        assert_eq!(off(300, 3, 750, eur()), 68);
        // In yen the minor unit is the yen: 10% of ¥1,005 = 100.5 → ¥101.
        assert_eq!(off(1005, 1, 1000, Currency::parse("JPY").unwrap()), 101);
        // In dinars it is the fils: 10% of 1.005 KWD = 100.5 fils → 101.
        assert_eq!(off(1005, 1, 1000, Currency::parse("KWD").unwrap()), 101);
    }

    #[test]
    fn a_percentage_is_of_the_items_not_the_fees() {
        // 10% of 2 × €12.00 at 20% with a €4.50 fee: €2.40 off the items only.
        let t = compute_totals(
            eur(),
            TaxMode::Exclusive,
            &[line(1200, 2, 200_000)],
            &[FeeInput {
                amount_minor: 450,
                tax: TaxRate::none(),
            }],
            Discount::Percent(1000),
        )
        .unwrap();
        assert_eq!(t.discount, 240);
        assert_eq!(t.tax_total, 432);
        assert_eq!(t.total, 2400 - 240 + 450 + 432);
    }

    #[test]
    fn a_hundred_percent_leaves_only_the_fees() {
        for mode in [TaxMode::Exclusive, TaxMode::Inclusive] {
            let t = compute_totals(
                eur(),
                mode,
                &[line(999, 3, 200_000), line(350, 1, 50_000)],
                &[FeeInput {
                    amount_minor: 450,
                    tax: vat(200_000),
                }],
                Discount::Percent(10_000),
            )
            .unwrap();
            assert_eq!(t.discount, t.subtotal);
            assert!(t.lines.iter().all(|l| l.total == 0 && l.tax == 0), "{t:?}");
            let fee_tax = t.fees[0].1;
            let added = if mode.is_inclusive() { 0 } else { fee_tax };
            assert_eq!(t.total, 450 + added);
            assert_eq!(t.tax_total, fee_tax);
        }
        let t = compute_totals(
            eur(),
            TaxMode::Exclusive,
            &[line(1200, 1, 200_000)],
            &[],
            Discount::Percent(10_000),
        )
        .unwrap();
        assert_eq!((t.total, t.tax_total), (0, 0));
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
            let t = compute_totals(eur(), TaxMode::Exclusive, &lines, &fees, Discount::Amount(discount)).unwrap();

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
            let t = compute_totals(currency, TaxMode::Inclusive, &lines, &fees, Discount::Amount(discount)).unwrap();

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
        fn a_percentage_is_an_amount_worked_out_from_the_subtotal(
            currency in currencies(),
            inclusive in any::<bool>(),
            lines in prop::collection::vec(arb_line(), 0..12),
            fees in prop::collection::vec((0i64..1_000_000, prop::sample::select(vec![0u32, 200_000])), 0..3),
            bp in 1u32..=10_000,
        ) {
            let mode = TaxMode::from_inclusive(inclusive);
            let fees: Vec<FeeInput> = fees.into_iter().map(|(a, r)| FeeInput { amount_minor: a, tax: vat(r) }).collect();
            let t = compute_totals(currency, mode, &lines, &fees, Discount::Percent(bp)).unwrap();
            // subtotal × bp / 10,000, rounded half up (all of it is ≥ 0), in
            // plain integer arithmetic: (2·s·bp + 10,000) / 20,000.
            let expected = (2 * i128::from(t.subtotal) * i128::from(bp) + 10_000) / 20_000;
            prop_assert_eq!(i128::from(t.discount), expected);
            prop_assert!(t.discount >= 0 && t.discount <= t.subtotal);
            prop_assert_eq!(t.discount_percent_bp, Some(bp));
            // From there it is exactly the fixed discount of that amount.
            let fixed = compute_totals(currency, mode, &lines, &fees, Discount::Amount(t.discount)).unwrap();
            prop_assert_eq!(Totals { discount_percent_bp: None, ..t }, fixed);
        }

        #[test]
        fn typed_percentages_are_read_exactly(bp in 1u32..=10_000, comma in any::<bool>(), space in any::<bool>()) {
            let text = percent_text(bp);
            let text = if comma { text.replace('.', ",") } else { text };
            let text = if space { text.replace('%', " %") } else { text };
            prop_assert_eq!(Discount::parse(&text, eur()), Ok(Discount::Percent(bp)));
        }

        #[test]
        fn discount_parsing_never_panics(s in "\\PC{0,30}") {
            let _ = Discount::parse(&s, eur());
            let _ = Discount::parse(&format!("{s}%"), eur());
        }

        #[test]
        fn exclusive_totals_hold_in_every_exponent(
            currency in currencies(),
            lines in prop::collection::vec(arb_line(), 0..12),
            discount_permille in 0i64..=1000,
        ) {
            let subtotal: i64 = lines.iter().map(|l| l.unit_price_minor * i64::from(l.quantity.get())).sum();
            let discount = subtotal / 1000 * discount_permille;
            let t = compute_totals(currency, TaxMode::Exclusive, &lines, &[], Discount::Amount(discount)).unwrap();
            prop_assert_eq!(t.lines.iter().map(|l| l.total).sum::<i64>(), t.total);
            prop_assert_eq!(t.total, t.subtotal - t.discount + t.tax_total);
        }
    }
}
