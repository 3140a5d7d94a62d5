//! Amounts, dates and punctuation as each language writes them.
//!
//! French follows CLDR and the Imprimerie nationale's rules: digits grouped
//! by a narrow no-break space (U+202F), a decimal comma, the symbol after
//! the amount behind a no-break space (U+00A0); "1er" for the first of the
//! month; a no-break space before `:` and a narrow one before `; ? !`.
//! English keeps `Money`'s own form ("€1,234.56").
use super::Lang;
use crate::domain::Money;
use time::Date;

/// U+202F NARROW NO-BREAK SPACE: French thousands and `; ? !`.
pub const NNBSP: char = '\u{202F}';
/// U+00A0 NO-BREAK SPACE: French before the currency and before `:`.
pub const NBSP: char = '\u{00A0}';

/// An amount for people in `lang`: "€1,234.56" / "1 234,56 €".
pub fn money(m: Money, lang: Lang) -> String {
    match lang {
        Lang::En => m.to_string(),
        Lang::Fr => {
            let plain = Money::from_minor(m.minor().saturating_abs(), m.currency()).format_plain();
            let (whole, frac) = match plain.split_once('.') {
                Some((w, f)) => (w, Some(f)),
                None => (plain.as_str(), None),
            };
            let mut out = String::with_capacity(plain.len() + 12);
            if m.minor() < 0 {
                out.push('-');
            }
            for (i, ch) in whole.chars().enumerate() {
                if i > 0 && (whole.len() - i) % 3 == 0 {
                    out.push(NNBSP);
                }
                out.push(ch);
            }
            if let Some(f) = frac {
                out.push(',');
                out.push_str(f);
            }
            out.push(NBSP);
            out.push_str(french_symbol(m.currency().code()));
            out
        }
    }
}

/// The symbols French readers know (CLDR `fr`); any other currency is
/// written by its ISO code, which no reader mistakes.
fn french_symbol(code: &str) -> &str {
    match code {
        "EUR" => "€",
        "USD" => "$US",
        "GBP" => "£GB",
        "CAD" => "$CA",
        "AUD" => "$AU",
        "XOF" => "F\u{202F}CFA",
        "XAF" => "FCFA",
        "XPF" => "FCFP",
        other => other,
    }
}

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// "30 November 2026" / "30 novembre 2026", "1er décembre 2026".
pub fn long_date(d: Date, lang: Lang) -> String {
    let month = usize::from(u8::from(d.month())) - 1;
    match lang {
        Lang::En => format!("{} {} {}", d.day(), MONTHS_EN[month], d.year()),
        Lang::Fr if d.day() == 1 => format!("1er {} {}", MONTHS_FR[month], d.year()),
        Lang::Fr => format!("{} {} {}", d.day(), MONTHS_FR[month], d.year()),
    }
}

/// French spacing before `: ; ? !` (a space typed before one becomes the
/// no-break kind; a missing one is added). Only where the mark ends a word
/// and is followed by a space or the end, so "09:00", "https://" and "?key="
/// are left alone. English text is returned unchanged.
pub fn punctuate(text: &str, lang: Lang) -> String {
    if lang != Lang::Fr || !text.contains([':', ';', '?', '!']) {
        return text.to_owned();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        let mark = matches!(c, ':' | ';' | '?' | '!');
        let ends = chars
            .get(i + 1)
            .is_none_or(|n| n.is_whitespace() || matches!(n, ':' | ';' | '?' | '!'));
        if mark && ends && i > 0 {
            let space = if c == ':' { NBSP } else { NNBSP };
            match out.chars().last() {
                Some(' ' | NBSP | NNBSP) => {
                    out.pop();
                    out.push(space);
                }
                Some(p) if !matches!(p, ':' | ';' | '?' | '!') => out.push(space),
                _ => {}
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Currency;
    use time::macros::date;

    fn m(minor: i64, code: &str) -> Money {
        Money::from_minor(minor, Currency::parse(code).unwrap())
    }

    /// Golden: what each language prints, spaces spelled out.
    #[test]
    fn amounts_in_each_language() {
        let cases: &[(i64, &str, &str, &str)] = &[
            (123456, "EUR", "€1,234.56", "1\u{202F}234,56\u{A0}€"),
            (5, "EUR", "€0.05", "0,05\u{A0}€"),
            (0, "EUR", "€0.00", "0,00\u{A0}€"),
            (-300, "EUR", "-€3.00", "-3,00\u{A0}€"),
            (
                123456789,
                "EUR",
                "€1,234,567.89",
                "1\u{202F}234\u{202F}567,89\u{A0}€",
            ),
            // Zero decimals.
            (1234, "JPY", "¥1,234", "1\u{202F}234\u{A0}JPY"),
            (5000, "XOF", "CFA 5,000", "5\u{202F}000\u{A0}F\u{202F}CFA"),
            // Three decimals.
            (1234567, "BHD", "BHD 1,234.567", "1\u{202F}234,567\u{A0}BHD"),
            (1, "KWD", "KWD 0.001", "0,001\u{A0}KWD"),
            (2880, "GBP", "£28.80", "28,80\u{A0}£GB"),
            (99900, "USD", "$999.00", "999,00\u{A0}$US"),
        ];
        for (minor, code, en, fr) in cases {
            assert_eq!(money(m(*minor, code), Lang::En), *en, "{minor} {code} en");
            assert_eq!(money(m(*minor, code), Lang::Fr), *fr, "{minor} {code} fr");
        }
    }

    #[test]
    fn dates_in_each_language() {
        assert_eq!(
            long_date(date!(2026 - 11 - 30), Lang::En),
            "30 November 2026"
        );
        assert_eq!(
            long_date(date!(2026 - 11 - 30), Lang::Fr),
            "30 novembre 2026"
        );
        assert_eq!(
            long_date(date!(2026 - 12 - 01), Lang::En),
            "1 December 2026"
        );
        assert_eq!(
            long_date(date!(2026 - 12 - 01), Lang::Fr),
            "1er décembre 2026"
        );
        assert_eq!(
            long_date(date!(2027 - 02 - 14), Lang::Fr),
            "14 février 2027"
        );
        assert_eq!(long_date(date!(2027 - 08 - 09), Lang::Fr), "9 août 2027");
    }

    #[test]
    fn french_punctuation_spacing() {
        assert_eq!(punctuate("Total : 3", Lang::Fr), "Total\u{A0}: 3");
        assert_eq!(punctuate("Total: 3", Lang::Fr), "Total\u{A0}: 3");
        assert_eq!(punctuate("Merci !", Lang::Fr), "Merci\u{202F}!");
        assert_eq!(
            punctuate("Payé ? Oui; non", Lang::Fr),
            "Payé\u{202F}? Oui\u{202F}; non"
        );
        assert_eq!(punctuate("« Merci » !", Lang::Fr), "« Merci »\u{202F}!");
        // Already right: unchanged; no double space.
        assert_eq!(punctuate("Total\u{A0}: 3", Lang::Fr), "Total\u{A0}: 3");
        // Not punctuation of a sentence.
        assert_eq!(punctuate("à 09:00", Lang::Fr), "à 09:00");
        assert_eq!(
            punctuate("https://shop.test/pay/1?key=ab", Lang::Fr),
            "https://shop.test/pay/1?key=ab"
        );
        assert_eq!(punctuate("Quoi ?!", Lang::Fr), "Quoi\u{202F}?!");
        assert_eq!(punctuate("Total: 3", Lang::En), "Total: 3");
    }
}
