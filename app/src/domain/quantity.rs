//! How many of a line: a whole number from 1 to 10,000.
use serde::{Deserialize, Serialize};

/// A POS line quantity. Zero is "remove the line", not a quantity; the upper
/// bound catches a scanner stuck on a key before it becomes an invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Quantity(u32);

pub const MAX_QUANTITY: u32 = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    #[error("enter a whole number of items")]
    NotANumber,
    #[error("the quantity must be at least 1")]
    TooSmall,
    #[error("the quantity can be at most 10,000")]
    TooLarge,
}

impl Quantity {
    pub fn new(n: u32) -> Result<Self, QuantityError> {
        match n {
            0 => Err(QuantityError::TooSmall),
            n if n > MAX_QUANTITY => Err(QuantityError::TooLarge),
            n => Ok(Quantity(n)),
        }
    }

    pub fn parse(input: &str) -> Result<Self, QuantityError> {
        let s = input.trim();
        if let Some(rest) = s.strip_prefix('-') {
            return if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()) {
                Err(QuantityError::TooSmall)
            } else {
                Err(QuantityError::NotANumber)
            };
        }
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(QuantityError::NotANumber);
        }
        match s.parse::<u32>() {
            Ok(n) => Quantity::new(n),
            // All digits but too long for u32.
            Err(_) => Err(QuantityError::TooLarge),
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for Quantity {
    type Error = QuantityError;
    fn try_from(n: u32) -> Result<Self, Self::Error> {
        Quantity::new(n)
    }
}

impl From<Quantity> for u32 {
    fn from(q: Quantity) -> u32 {
        q.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bounds() {
        assert_eq!(Quantity::parse("0"), Err(QuantityError::TooSmall));
        assert_eq!(Quantity::parse("-3"), Err(QuantityError::TooSmall));
        assert_eq!(Quantity::parse("10001"), Err(QuantityError::TooLarge));
        assert_eq!(
            Quantity::parse("99999999999999"),
            Err(QuantityError::TooLarge)
        );
        assert_eq!(Quantity::parse("1.5"), Err(QuantityError::NotANumber));
        assert_eq!(Quantity::parse(""), Err(QuantityError::NotANumber));
        assert_eq!(Quantity::parse(" 7 ").map(Quantity::get), Ok(7));
        assert_eq!(Quantity::parse("10000").map(Quantity::get), Ok(10_000));
    }

    proptest! {
        #[test]
        fn parse_agrees_with_bounds(n in 0u64..100_000) {
            let parsed = Quantity::parse(&n.to_string());
            prop_assert_eq!(parsed.is_ok(), (1..=10_000).contains(&n));
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,30}") {
            let _ = Quantity::parse(&s);
        }
    }
}
