//! Money as integer minor units plus an ISO 4217 currency.
//!
//! The currency's exponent (0 for JPY, 2 for EUR, 3 for BHD) decides how many
//! digits follow the decimal point, both when parsing what a person typed and when
//! formatting. There is no floating point anywhere on the money path.
use serde::{Deserialize, Serialize};
use std::fmt;

/// (code, exponent, symbol). Exponents follow ISO 4217; the list is the set of
/// currencies a store can choose. Unknown codes are refused rather than guessed.
const CURRENCIES: &[(&str, u8, &str)] = &[
    ("AED", 2, "AED "),
    ("ARS", 2, "ARS "),
    ("AUD", 2, "A$"),
    ("BGN", 2, "BGN "),
    ("BHD", 3, "BHD "),
    ("BIF", 0, "FBu "),
    ("BRL", 2, "R$"),
    ("CAD", 2, "CA$"),
    ("CHF", 2, "CHF "),
    ("CLP", 0, "CLP "),
    ("CNY", 2, "CN¥"),
    ("COP", 2, "COP "),
    ("CZK", 2, "CZK "),
    ("DJF", 0, "Fdj "),
    ("DKK", 2, "DKK "),
    ("EGP", 2, "EGP "),
    ("EUR", 2, "€"),
    ("GBP", 2, "£"),
    ("GNF", 0, "FG "),
    ("HKD", 2, "HK$"),
    ("HUF", 2, "HUF "),
    ("IDR", 2, "IDR "),
    ("ILS", 2, "₪"),
    ("INR", 2, "₹"),
    ("IQD", 3, "IQD "),
    ("ISK", 0, "ISK "),
    ("JOD", 3, "JOD "),
    ("JPY", 0, "¥"),
    ("KES", 2, "KES "),
    ("KMF", 0, "CF "),
    ("KRW", 0, "₩"),
    ("KWD", 3, "KWD "),
    ("LYD", 3, "LYD "),
    ("MAD", 2, "MAD "),
    ("MGA", 0, "Ar "),
    ("MXN", 2, "MX$"),
    ("MYR", 2, "RM "),
    ("NGN", 2, "₦"),
    ("NOK", 2, "NOK "),
    ("NZD", 2, "NZ$"),
    ("OMR", 3, "OMR "),
    ("PEN", 2, "PEN "),
    ("PHP", 2, "₱"),
    ("PKR", 2, "PKR "),
    ("PLN", 2, "PLN "),
    ("PYG", 0, "PYG "),
    ("QAR", 2, "QAR "),
    ("RON", 2, "RON "),
    ("RSD", 2, "RSD "),
    ("RWF", 0, "RF "),
    ("SAR", 2, "SAR "),
    ("SEK", 2, "SEK "),
    ("SGD", 2, "S$"),
    ("THB", 2, "฿"),
    ("TND", 3, "TND "),
    ("TRY", 2, "TRY "),
    ("TWD", 2, "NT$"),
    ("UAH", 2, "UAH "),
    ("UGX", 0, "USh "),
    ("USD", 2, "$"),
    ("UYU", 2, "UYU "),
    ("VND", 0, "₫"),
    ("VUV", 0, "VT "),
    ("XAF", 0, "FCFA "),
    ("XOF", 0, "CFA "),
    ("XPF", 0, "CFPF "),
    ("ZAR", 2, "R "),
];

/// An ISO 4217 currency from the supported list. Cheap to copy. Stored as
/// its code (the `currency` columns of orders and settings are this type).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "ssr", derive(sea_orm::DeriveValueType))]
#[cfg_attr(feature = "ssr", sea_orm(value_type = "String"))]
pub struct Currency(usize);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CurrencyError {
    #[error("\"{0}\" is not a supported ISO 4217 currency code")]
    Unknown(String),
}

/// Every currency a store can choose, by code.
pub fn currency_codes() -> impl Iterator<Item = &'static str> {
    CURRENCIES.iter().map(|(code, _, _)| *code)
}

impl Currency {
    pub fn parse(code: &str) -> Result<Self, CurrencyError> {
        let upper = code.trim().to_ascii_uppercase();
        CURRENCIES
            .iter()
            .position(|(c, _, _)| *c == upper)
            .map(Currency)
            .ok_or_else(|| CurrencyError::Unknown(code.chars().take(16).collect()))
    }

    pub fn code(self) -> &'static str {
        CURRENCIES[self.0].0
    }

    /// Digits after the decimal point (ISO 4217 minor unit).
    pub fn exponent(self) -> u8 {
        CURRENCIES[self.0].1
    }

    pub fn symbol(self) -> &'static str {
        CURRENCIES[self.0].2
    }

    fn scale(self) -> i64 {
        10i64.pow(u32::from(self.exponent()))
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl std::str::FromStr for Currency {
    type Err = CurrencyError;
    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Currency::parse(code)
    }
}

impl TryFrom<String> for Currency {
    type Error = CurrencyError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Currency::parse(&value)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.code().to_owned()
    }
}

/// An amount in a currency's minor units (cents, yen, fils).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("enter an amount such as {example}")]
    Malformed { example: String },
    #[error("{currency} amounts have at most {exponent} digits after the decimal point")]
    TooPrecise { currency: Currency, exponent: u8 },
    #[error("the amount is too large")]
    Overflow,
    #[error("the amount cannot be negative")]
    Negative,
    #[error("amounts in {0} and {1} cannot be combined")]
    CurrencyMismatch(Currency, Currency),
}

/// The largest amount a person may type: 10^13 minor units (a hundred billion
/// dollars) keeps every sum of 10,000 lines of 10,000 items far from i64's limit.
pub const MAX_ENTERED_MINOR: i64 = 10_000_000_000_000;

impl Money {
    pub const fn from_minor(minor: i64, currency: Currency) -> Self {
        Money { minor, currency }
    }

    pub fn zero(currency: Currency) -> Self {
        Money { minor: 0, currency }
    }

    pub fn minor(self) -> i64 {
        self.minor
    }

    pub fn currency(self) -> Currency {
        self.currency
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch(self.currency, other.currency));
        }
        self.minor
            .checked_add(other.minor)
            .map(|minor| Money::from_minor(minor, self.currency))
            .ok_or(MoneyError::Overflow)
    }

    /// Parses a non-negative decimal amount as a person types it ("12", "12.5",
    /// "12.50", "12,50", "1 234,50"; a leading currency symbol and spaces are
    /// ignored). The decimal separator is a point or a comma, never both; digits
    /// may be grouped in threes with spaces (also no-break and narrow no-break
    /// spaces, as French keyboards and copied prices have them). Refuses more
    /// decimals than the currency has rather than rounding someone's money, so
    /// "1,234" is never read as a thousand: in EUR it is refused as too precise.
    /// "12.50" in the currency's decimals ("13" in JPY, "12.500" in KWD): the
    /// amount every "enter an amount such as …" message shows.
    pub fn typing_example(currency: Currency) -> String {
        Money::from_minor(1250 * currency.scale() / 100, currency).format_plain()
    }

    pub fn parse(input: &str, currency: Currency) -> Result<Money, MoneyError> {
        let malformed = || MoneyError::Malformed {
            example: Money::typing_example(currency),
        };
        let trimmed = input.trim();
        let trimmed = trimmed
            .strip_prefix(currency.symbol().trim())
            .or_else(|| trimmed.strip_prefix(currency.code()))
            .unwrap_or(trimmed)
            .trim();
        if trimmed.starts_with('-') {
            return Err(MoneyError::Negative);
        }
        if trimmed.contains('.') && trimmed.contains(',') {
            return Err(malformed());
        }
        let pointed = trimmed.replace(',', ".");
        let (whole, frac) = match pointed.split_once('.') {
            Some((w, f)) => (w, f),
            None => (pointed.as_str(), ""),
        };
        let whole = ungroup(whole).ok_or_else(malformed)?;
        let trimmed = if frac.is_empty() && !pointed.ends_with('.') {
            whole.clone()
        } else {
            format!("{whole}.{frac}")
        };
        let trimmed = trimmed.as_str();
        let (whole, frac) = match trimmed.split_once('.') {
            Some((w, f)) => (w, f),
            None => (trimmed, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() && frac.is_empty() || !all_digits(whole) || !all_digits(frac) {
            return Err(malformed());
        }
        if trimmed.ends_with('.') && frac.is_empty() {
            return Err(malformed());
        }
        let exponent = currency.exponent();
        if frac.len() > usize::from(exponent) {
            return Err(MoneyError::TooPrecise { currency, exponent });
        }
        let whole_value: i64 = if whole.is_empty() {
            0
        } else if whole.len() > 15 {
            return Err(MoneyError::Overflow);
        } else {
            whole.parse().map_err(|_| malformed())?
        };
        let mut frac_value: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| malformed())?
        };
        for _ in frac.len()..usize::from(exponent) {
            frac_value *= 10;
        }
        let minor = whole_value
            .checked_mul(currency.scale())
            .and_then(|w| w.checked_add(frac_value))
            .filter(|m| *m <= MAX_ENTERED_MINOR)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::from_minor(minor, currency))
    }

    /// An amount as a row stores it (minor units beside a currency code),
    /// formatted for people: "£28.80". Stored codes were checked when written;
    /// one that no longer parses shows as "2880 XYZ" rather than hiding the amount.
    pub fn display_stored(minor: i64, code: &str) -> String {
        match Currency::parse(code) {
            Ok(c) => Money::from_minor(minor, c).to_string(),
            Err(_) => format!("{minor} {code}"),
        }
    }

    /// "1234.50" — the decimal form without symbol or grouping (forms, CSV, Stripe logs).
    pub fn format_plain(self) -> String {
        let exponent = usize::from(self.currency.exponent());
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        if exponent == 0 {
            return format!("{sign}{abs}");
        }
        let scale = 10u64.pow(exponent as u32);
        format!(
            "{sign}{}.{:0width$}",
            abs / scale,
            abs % scale,
            width = exponent
        )
    }
}

/// Spaces a person used to group thousands ("1 234 567", also with U+00A0,
/// U+202F or U+2009) taken out; `None` when they do not group by three
/// ("12 34"), so a typo is refused rather than read as another number.
fn ungroup(whole: &str) -> Option<String> {
    const SPACES: [char; 4] = [' ', '\u{00A0}', '\u{202F}', '\u{2009}'];
    if !whole.contains(SPACES) {
        return Some(whole.to_owned());
    }
    let groups: Vec<&str> = whole.split(SPACES).collect();
    let first_ok = (1..=3).contains(&groups[0].len());
    let rest_ok = groups[1..].iter().all(|g| g.len() == 3);
    (first_ok && rest_ok).then(|| groups.concat())
}

/// "€1,234.50", "¥1,234", "-£3.00": for people, with thousands grouping.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plain = Money::from_minor(self.minor.saturating_abs(), self.currency).format_plain();
        let (whole, frac) = match plain.split_once('.') {
            Some((w, fr)) => (w, Some(fr)),
            None => (plain.as_str(), None),
        };
        let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
        for (i, ch) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        let sign = if self.minor < 0 { "-" } else { "" };
        match frac {
            Some(fr) => write!(f, "{sign}{}{grouped}.{fr}", self.currency.symbol()),
            None => write!(f, "{sign}{}{grouped}", self.currency.symbol()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cur(code: &str) -> Currency {
        Currency::parse(code).unwrap()
    }

    #[test]
    fn stored_amounts_display_or_show_what_was_stored() {
        assert_eq!(
            Money::display_stored(2880, "GBP"),
            Money::from_minor(2880, cur("GBP")).to_string()
        );
        assert_eq!(Money::display_stored(2880, "XYZ"), "2880 XYZ");
    }

    #[test]
    fn exponents_follow_iso_4217() {
        assert_eq!(cur("usd").exponent(), 2);
        assert_eq!(cur("JPY").exponent(), 0);
        assert_eq!(cur("BHD").exponent(), 3);
        assert!(Currency::parse("XXX").is_err());
        assert!(Currency::parse("").is_err());
    }

    #[test]
    fn parses_what_people_type() {
        assert_eq!(Money::parse("12.5", cur("EUR")).unwrap().minor(), 1250);
        assert_eq!(Money::parse(" €12.50 ", cur("EUR")).unwrap().minor(), 1250);
        assert_eq!(Money::parse("12", cur("EUR")).unwrap().minor(), 1200);
        assert_eq!(Money::parse(".5", cur("EUR")).unwrap().minor(), 50);
        assert_eq!(Money::parse("1234", cur("JPY")).unwrap().minor(), 1234);
        assert_eq!(Money::parse("1.234", cur("BHD")).unwrap().minor(), 1234);
        // Decimal commas and grouped thousands, as French shops type them.
        assert_eq!(Money::parse("4,50", cur("EUR")).unwrap().minor(), 450);
        assert_eq!(Money::parse("20,00 ", cur("EUR")).unwrap().minor(), 2000);
        assert_eq!(
            Money::parse("1 234,50", cur("EUR")).unwrap().minor(),
            123450
        );
        assert_eq!(
            Money::parse("1\u{202F}234,5", cur("EUR")).unwrap().minor(),
            123450
        );
        assert_eq!(
            Money::parse("12\u{00A0}345\u{00A0}678", cur("JPY"))
                .unwrap()
                .minor(),
            12345678
        );
        assert_eq!(Money::parse("€ 1 200", cur("EUR")).unwrap().minor(), 120000);
        assert_eq!(Money::parse(",5", cur("EUR")).unwrap().minor(), 50);
        assert_eq!(Money::parse("1,234", cur("BHD")).unwrap().minor(), 1234);
    }

    #[test]
    fn refuses_what_it_cannot_represent() {
        let eur = cur("EUR");
        assert_eq!(Money::parse("-1", eur), Err(MoneyError::Negative));
        assert!(matches!(
            Money::parse("1.234", eur),
            Err(MoneyError::TooPrecise { .. })
        ));
        assert!(matches!(
            Money::parse("12.5", cur("JPY")),
            Err(MoneyError::TooPrecise { .. })
        ));
        assert!(matches!(
            Money::parse("abc", eur),
            Err(MoneyError::Malformed { .. })
        ));
        assert!(matches!(
            Money::parse("", eur),
            Err(MoneyError::Malformed { .. })
        ));
        assert!(matches!(
            Money::parse("1.", eur),
            Err(MoneyError::Malformed { .. })
        ));
        assert!(matches!(
            Money::parse("1e5", eur),
            Err(MoneyError::Malformed { .. })
        ));
        // "1,000" in a two-decimal currency is not a thousand: too precise.
        assert!(matches!(
            Money::parse("1,000", eur),
            Err(MoneyError::TooPrecise { .. })
        ));
        for typo in [
            "1,234.50",
            "1.234,50",
            "12 34",
            "1 2345",
            " 123 4",
            "1,",
            "1,2,3",
            "1 234 56,00",
        ] {
            assert!(
                matches!(Money::parse(typo, eur), Err(MoneyError::Malformed { .. })),
                "{typo:?} was accepted: {:?}",
                Money::parse(typo, eur)
            );
        }
        assert_eq!(
            Money::parse("99999999999999999999", eur),
            Err(MoneyError::Overflow)
        );
        assert_eq!(Money::parse("100000000001", eur), Err(MoneyError::Overflow));
    }

    #[test]
    fn formats_for_people() {
        assert_eq!(
            Money::from_minor(123450, cur("EUR")).to_string(),
            "€1,234.50"
        );
        assert_eq!(Money::from_minor(1234, cur("JPY")).to_string(), "¥1,234");
        assert_eq!(Money::from_minor(-300, cur("GBP")).to_string(), "-£3.00");
        assert_eq!(Money::from_minor(5, cur("BHD")).to_string(), "BHD 0.005");
        assert_eq!(
            Money::from_minor(i64::MIN, cur("USD")).format_plain(),
            "-92233720368547758.08"
        );
    }

    #[test]
    fn refuses_mixed_currencies() {
        let a = Money::from_minor(1, cur("EUR"));
        let b = Money::from_minor(1, cur("USD"));
        assert!(matches!(
            a.checked_add(b),
            Err(MoneyError::CurrencyMismatch(..))
        ));
        assert_eq!(
            Money::from_minor(i64::MAX, cur("USD")).checked_add(Money::from_minor(1, cur("USD"))),
            Err(MoneyError::Overflow)
        );
    }

    proptest! {
        #[test]
        fn plain_format_round_trips(minor in 0i64..=MAX_ENTERED_MINOR, idx in 0usize..CURRENCIES.len()) {
            let c = Currency(idx);
            let m = Money::from_minor(minor, c);
            prop_assert_eq!(Money::parse(&m.format_plain(), c), Ok(m));
        }

        #[test]
        fn a_decimal_comma_and_grouped_thousands_mean_the_same_amount(minor in 0i64..=MAX_ENTERED_MINOR, idx in 0usize..CURRENCIES.len(), space in prop::sample::select(vec![" ", "\u{00A0}", "\u{202F}"])) {
            let c = Currency(idx);
            let m = Money::from_minor(minor, c);
            let plain = m.format_plain();
            prop_assert_eq!(Money::parse(&plain.replace('.', ","), c), Ok(m));
            // Group the whole part by threes from the right.
            let (whole, frac) = plain.split_once('.').map_or((plain.as_str(), None), |(w, f)| (w, Some(f)));
            let digits: Vec<char> = whole.chars().collect();
            let mut grouped = String::new();
            for (i, d) in digits.iter().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    grouped.push_str(space);
                }
                grouped.push(*d);
            }
            if let Some(f) = frac {
                grouped.push(',');
                grouped.push_str(f);
            }
            prop_assert_eq!(Money::parse(&grouped, c), Ok(m));
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,40}") {
            let _ = Money::parse(&s, cur("EUR"));
            let _ = Money::parse(&s, cur("JPY"));
        }
    }
}
