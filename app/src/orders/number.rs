//! The human order number: sequential, starting at 1001.
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct OrderNumber(i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an order number")]
pub struct OrderNumberError;

impl OrderNumber {
    pub const FIRST: i64 = 1001;

    pub fn new(n: i64) -> Result<Self, OrderNumberError> {
        if n >= Self::FIRST {
            Ok(OrderNumber(n))
        } else {
            Err(OrderNumberError)
        }
    }

    /// Accepts "1042" and "#1042" (what people copy from an email).
    pub fn parse(input: &str) -> Result<Self, OrderNumberError> {
        let s = input.trim();
        let s = s.strip_prefix('#').unwrap_or(s);
        if s.is_empty() || s.len() > 18 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(OrderNumberError);
        }
        s.parse::<i64>()
            .map_err(|_| OrderNumberError)
            .and_then(OrderNumber::new)
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for OrderNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_numbers_people_type() {
        assert_eq!(OrderNumber::parse("#1042").map(OrderNumber::get), Ok(1042));
        assert_eq!(OrderNumber::parse(" 1001 ").map(OrderNumber::get), Ok(1001));
        for bad in [
            "",
            "1000",
            "0",
            "-1042",
            "10a",
            "999999999999999999999",
            "1e4",
        ] {
            assert!(OrderNumber::parse(bad).is_err(), "{bad}");
        }
    }
}
