//! The number under a product's barcode, as packs print it and scanners type
//! it: GTIN-8, UPC-A (12 digits), EAN-13, GTIN-14, and ISBN-10 (whose last
//! character may be X). Parsed once at the edge (the product form, the CSV
//! import); stored as its digits only.
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Barcode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BarcodeError {
    #[error("enter the digits printed under the barcode")]
    Empty,
    #[error("this looks like a number a spreadsheet rewrote (such as 5.01E+12): format the column as text and export again")]
    Scientific,
    #[error("a barcode has only digits (spaces and hyphens are fine); an ISBN-10 may end in X")]
    NotDigits,
    #[error("only a 10-character ISBN may end in X")]
    MisplacedX,
    #[error(
        "a barcode has 8 to 14 digits (EAN, UPC, GTIN) or is a 10-character ISBN; this one has {0}"
    )]
    Length(usize),
    #[error("the last digit (the check digit) does not match the others: check for a typo")]
    CheckDigit,
}

/// Hyphens people type, and the ones word processors turn them into.
fn is_dash(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}')
}

/// GS1's mod-10 check: from the right, digits weigh 1, 3, 1, 3…; the sum
/// ends in 0. Leading zeros weigh nothing, so it holds for any length.
fn gtin_check(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    sum % 10 == 0
}

/// ISBN-10's mod-11 check: digits weigh 10 down to 1; X is 10.
fn isbn10_check(code: &str) -> bool {
    let sum: u32 = code
        .bytes()
        .enumerate()
        .map(|(i, b)| {
            let value = if b == b'X' { 10 } else { u32::from(b - b'0') };
            (10 - i as u32) * value
        })
        .sum();
    sum % 11 == 0
}

impl Barcode {
    /// Reads a barcode as a person types it or a scanner sends it: spaces and
    /// hyphens are dropped, then 8 to 14 digits whose check digit is right,
    /// or an ISBN-10 (its check character may be X). The check digit catches
    /// most typos (one wrong digit, two neighbours swapped).
    pub fn parse(input: &str) -> Result<Barcode, BarcodeError> {
        let code: String = input
            .chars()
            .filter(|c| !(c.is_whitespace() || is_dash(*c)))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if code.is_empty() {
            return Err(BarcodeError::Empty);
        }
        let spreadsheet = code.contains("E+")
            && code
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | 'E' | '+'));
        if spreadsheet {
            return Err(BarcodeError::Scientific);
        }
        let Some(body) = code.strip_suffix(|c: char| c.is_ascii_digit() || c == 'X') else {
            return Err(BarcodeError::NotDigits);
        };
        if !body.bytes().all(|b| b.is_ascii_digit()) {
            return Err(BarcodeError::NotDigits);
        }
        // Every character is ASCII from here, so bytes count characters.
        let len = code.len();
        let ends_in_x = code.ends_with('X');
        if ends_in_x && len != 10 {
            return Err(BarcodeError::MisplacedX);
        }
        if !(8..=14).contains(&len) {
            return Err(BarcodeError::Length(len));
        }
        // Ten digits are an ISBN-10; a ten-digit code that passes GS1's check
        // instead (a UPC whose leading zeros a spreadsheet dropped) is kept too.
        let valid = if len == 10 {
            isbn10_check(&code) || (!ends_in_x && gtin_check(&code))
        } else {
            gtin_check(&code)
        };
        if !valid {
            return Err(BarcodeError::CheckDigit);
        }
        Ok(Barcode(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    /// All digits with a right GS1 check digit (an ISBN-10 may be too, by chance).
    fn is_gtin(&self) -> bool {
        self.0.bytes().all(|b| b.is_ascii_digit()) && gtin_check(&self.0)
    }

    /// The stored forms a scan of this code can stand for. GTINs differ only
    /// by leading zeros from one length to another (a UPC-A scanned as EAN-13
    /// gains a 0; a spreadsheet drops it), so each length from 8 to 14 is
    /// looked for; an ISBN-10 only as it is.
    pub fn lookup_forms(&self) -> Vec<String> {
        if !self.is_gtin() {
            return vec![self.0.clone()];
        }
        let core = self.0.trim_start_matches('0');
        (core.len().max(8)..=14)
            .map(|len| format!("{core:0>len$}"))
            .collect()
    }

    /// Whether two codes name the same item (see [`Barcode::lookup_forms`]).
    pub fn same_item(&self, other: &Barcode) -> bool {
        self == other || (self.is_gtin() && other.is_gtin() && self.gtin14() == other.gtin14())
    }

    fn gtin14(&self) -> String {
        format!("{:0>14}", self.0)
    }
}

impl fmt::Display for Barcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ok(s: &str) -> String {
        Barcode::parse(s)
            .unwrap_or_else(|e| panic!("{s}: {e}"))
            .into_string()
    }

    #[test]
    fn real_codes_are_read() {
        // EAN-13, UPC-A, EAN-8, GTIN-14, ISBN-13, ISBN-10 (also ending in X).
        assert_eq!(ok("4006381333931"), "4006381333931");
        assert_eq!(ok("036000291452"), "036000291452");
        assert_eq!(ok("96385074"), "96385074");
        assert_eq!(ok("00012345600012"), "00012345600012");
        assert_eq!(ok("978-0-306-40615-7"), "9780306406157");
        assert_eq!(ok("0-306-40615-2"), "0306406152");
        assert_eq!(ok("0-8044-2957-x"), "080442957X");
        // As people type them, and as a scanner sends them (with a newline).
        assert_eq!(ok(" 5 012345 000022 "), "5012345000022");
        assert_eq!(ok("5012345000022\r\n"), "5012345000022");
        assert_eq!(ok("4006381\u{2011}333931"), "4006381333931");
        // A UPC-A whose leading zero a spreadsheet dropped still checks.
        assert_eq!(ok("36000291452"), "36000291452");
    }

    #[test]
    fn refusals_say_why() {
        assert_eq!(Barcode::parse(""), Err(BarcodeError::Empty));
        assert_eq!(Barcode::parse(" - "), Err(BarcodeError::Empty));
        assert_eq!(Barcode::parse("5.01235E+12"), Err(BarcodeError::Scientific));
        assert_eq!(Barcode::parse("5,01235E+12"), Err(BarcodeError::Scientific));
        assert_eq!(Barcode::parse("ABC12345"), Err(BarcodeError::NotDigits));
        assert_eq!(
            Barcode::parse("4006381333931a"),
            Err(BarcodeError::NotDigits)
        );
        assert_eq!(
            Barcode::parse("400638１333931"),
            Err(BarcodeError::NotDigits)
        );
        assert_eq!(
            Barcode::parse("40063813339X1"),
            Err(BarcodeError::NotDigits)
        );
        assert_eq!(
            Barcode::parse("400638133393X"),
            Err(BarcodeError::MisplacedX)
        );
        assert_eq!(Barcode::parse("1234567"), Err(BarcodeError::Length(7)));
        assert_eq!(
            Barcode::parse("123456789012345"),
            Err(BarcodeError::Length(15))
        );
        // One digit wrong, or two neighbours swapped.
        assert_eq!(
            Barcode::parse("4006381333932"),
            Err(BarcodeError::CheckDigit)
        );
        assert_eq!(
            Barcode::parse("4006383133931"),
            Err(BarcodeError::CheckDigit)
        );
        assert_eq!(Barcode::parse("0306406153"), Err(BarcodeError::CheckDigit));
        assert_eq!(Barcode::parse("080442957-2"), Err(BarcodeError::CheckDigit));
        assert!(BarcodeError::CheckDigit.to_string().contains("check digit"));
    }

    #[test]
    fn lengths_of_one_gtin_are_the_same_item() {
        let upc = Barcode::parse("036000291452").unwrap();
        let ean = Barcode::parse("0036000291452").unwrap();
        let dropped = Barcode::parse("36000291452").unwrap();
        assert!(upc.same_item(&ean) && ean.same_item(&dropped));
        assert!(!upc.same_item(&Barcode::parse("4006381333931").unwrap()));
        assert_eq!(
            upc.lookup_forms(),
            [
                "36000291452",
                "036000291452",
                "0036000291452",
                "00036000291452"
            ]
        );
        assert_eq!(
            Barcode::parse("96385074").unwrap().lookup_forms().len(),
            7,
            "8 to 14 digits"
        );
        let isbn = Barcode::parse("080442957X").unwrap();
        assert_eq!(isbn.lookup_forms(), ["080442957X"]);
        assert!(isbn.same_item(&isbn.clone()));
    }

    fn with_check_digit(body: &str) -> String {
        (0..10)
            .map(|d| format!("{body}{d}"))
            .find(|c| gtin_check(c))
            .unwrap()
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = Barcode::parse(&s);
        }

        #[test]
        fn every_valid_gtin_is_read_and_a_changed_digit_is_not(
            body in "[0-9]{7,13}",
            at in 0usize..14,
            by in 1u8..10,
        ) {
            let code = with_check_digit(&body);
            let parsed = Barcode::parse(&code);
            // Ten digits may be read as an ISBN-10 or a GTIN: either way, read.
            prop_assert_eq!(parsed.map(Barcode::into_string), Ok(code.clone()));
            let at = at % code.len();
            let mut typo = code.clone().into_bytes();
            typo[at] = b'0' + (typo[at] - b'0' + by) % 10;
            let typo = String::from_utf8(typo).unwrap();
            if code.len() != 10 {
                prop_assert_eq!(Barcode::parse(&typo), Err(BarcodeError::CheckDigit));
            }
            for form in Barcode::parse(&code).unwrap().lookup_forms() {
                let other = Barcode::parse(&form).unwrap();
                prop_assert!(other.same_item(&Barcode::parse(&code).unwrap()));
            }
        }
    }
}
