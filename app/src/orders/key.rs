//! The order key: the customer's only credential for the pay page.
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use std::fmt;
use subtle::ConstantTimeEq;

/// 128 random bits, written as 22 URL-safe base64 characters. Equality is
/// constant-time so the pay page cannot be used as a timing oracle. Stored
/// as its encoding (the `orders.order_key` column is this type).
#[derive(Clone)]
#[cfg_attr(feature = "ssr", derive(sea_orm::DeriveValueType))]
#[cfg_attr(
    feature = "ssr",
    sea_orm(
        value_type = "String",
        from_str = "OrderKey::parse",
        to_str = "OrderKey::encode"
    )
)]
pub struct OrderKey([u8; 16]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an order key")]
pub struct OrderKeyError;

impl OrderKey {
    pub const ENCODED_LEN: usize = 22;

    /// A fresh random key. Server-only: the browser
    /// never makes keys.
    #[cfg(feature = "ssr")]
    pub fn generate() -> Self {
        use rand::RngCore;
        let mut bytes = [0u8; 16];
        // ThreadRng is a CSPRNG (ChaCha12) reseeded from the operating system.
        rand::rng().fill_bytes(&mut bytes);
        OrderKey(bytes)
    }

    pub fn parse(input: &str) -> Result<Self, OrderKeyError> {
        if input.len() != Self::ENCODED_LEN {
            return Err(OrderKeyError);
        }
        let mut bytes = [0u8; 16];
        match URL_SAFE_NO_PAD.decode_slice(input, &mut bytes) {
            Ok(16) => {}
            _ => return Err(OrderKeyError),
        }
        // Reject non-canonical encodings (stray low bits in the last character),
        // so one key has exactly one spelling.
        let key = OrderKey(bytes);
        if key.encode() != input {
            return Err(OrderKeyError);
        }
        Ok(key)
    }

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    /// Constant-time comparison with what a visitor supplied.
    pub fn matches(&self, other: &OrderKey) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl PartialEq for OrderKey {
    fn eq(&self, other: &Self) -> bool {
        self.matches(other)
    }
}

impl Eq for OrderKey {}

// Never print a key in logs by accident.
impl fmt::Debug for OrderKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OrderKey(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[cfg(feature = "ssr")]
    #[test]
    fn generated_keys_round_trip_and_differ() {
        let a = OrderKey::generate();
        let b = OrderKey::generate();
        assert_eq!(a.encode().len(), OrderKey::ENCODED_LEN);
        assert!(a
            .encode()
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert_eq!(OrderKey::parse(&a.encode()).unwrap(), a);
        assert_ne!(a, b);
    }

    #[test]
    fn refuses_tampered_keys() {
        assert!(OrderKey::parse("").is_err());
        assert!(OrderKey::parse("short").is_err());
        assert!(OrderKey::parse("AAAAAAAAAAAAAAAAAAAAA+").is_err());
        assert!(
            OrderKey::parse("AAAAAAAAAAAAAAAAAAAAAB").is_err(),
            "non-canonical last char"
        );
        assert!(OrderKey::parse("AAAAAAAAAAAAAAAAAAAAAA").is_ok());
        assert!(OrderKey::parse("AAAAAAAAAAAAAAAAAAAAAAA").is_err());
    }

    proptest! {
        #[test]
        fn any_bytes_round_trip(bytes in proptest::array::uniform16(any::<u8>())) {
            let key = OrderKey(bytes);
            prop_assert_eq!(OrderKey::parse(&key.encode()), Ok(key));
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,40}") {
            let _ = OrderKey::parse(&s);
        }
    }
}
