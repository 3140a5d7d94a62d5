//! An email address that has been checked once at the edge.
use serde::{Deserialize, Serialize};
use std::fmt;

/// A syntactically valid address, stored lowercased so that uniqueness and
/// look-ups are case-insensitive on every database. Deliberately stricter than
/// RFC 5322 (no quoted local parts, comments or IP literals): those addresses are
/// vanishingly rare on invoices and are where header-injection tricks live.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("enter an email address")]
    Empty,
    #[error("an email address can be at most 254 characters")]
    TooLong,
    #[error("an email address cannot contain spaces or control characters")]
    ForbiddenCharacter,
    #[error("enter an email address such as name@example.com")]
    Malformed,
}

const MAX_LEN: usize = 254;

impl Email {
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(EmailError::Empty);
        }
        if s.len() > MAX_LEN {
            return Err(EmailError::TooLong);
        }
        if s.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(EmailError::ForbiddenCharacter);
        }
        let (local, domain) = s.rsplit_once('@').ok_or(EmailError::Malformed)?;
        if !valid_local(local) || !valid_domain(domain) {
            return Err(EmailError::Malformed);
        }
        Ok(Email(s.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn valid_local(local: &str) -> bool {
    const SPECIALS: &str = "!#$%&'*+/=?^_`{|}~-.";
    !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || SPECIALS.contains(c))
}

fn valid_domain(domain: &str) -> bool {
    // At least two labels: an invoice must reach somebody outside this machine.
    let labels: Vec<&str> = domain.split('.').collect();
    domain.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| !tld.chars().all(|c| c.is_ascii_digit()))
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Email {
    type Error = EmailError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Email::parse(&value)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_ordinary_addresses_and_lowercases() {
        assert_eq!(
            Email::parse(" Jane.Doe+shop@Example.COM ")
                .unwrap()
                .as_str(),
            "jane.doe+shop@example.com"
        );
        assert!(Email::parse("o'brien@mail.example.ie").is_ok());
        assert!(Email::parse("josé@exämple.de").is_ok());
    }

    #[test]
    fn refuses_the_rest() {
        assert_eq!(Email::parse("   "), Err(EmailError::Empty));
        assert_eq!(
            Email::parse("a\u{0}b@example.com"),
            Err(EmailError::ForbiddenCharacter)
        );
        assert_eq!(
            Email::parse("a@example.com\r\nBcc: x@evil.com"),
            Err(EmailError::ForbiddenCharacter)
        );
        assert_eq!(
            Email::parse("a b@example.com"),
            Err(EmailError::ForbiddenCharacter)
        );
        for bad in [
            "plain",
            "@example.com",
            "a@",
            "a@localhost",
            "a@-x.com",
            "a..b@example.com",
            ".a@example.com",
            "a@example..com",
            "a@1.2.3.4",
            "\"q\"@example.com",
            "<a@example.com>",
        ] {
            assert_eq!(Email::parse(bad), Err(EmailError::Malformed), "{bad}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(Email::parse(&long), Err(EmailError::TooLong));
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_output_is_clean(s in "\\PC{0,80}|[a-z.+]{1,20}@[a-z-]{1,10}\\.[a-z]{2,5}") {
            if let Ok(e) = Email::parse(&s) {
                prop_assert!(e.as_str().len() <= MAX_LEN);
                prop_assert!(!e.as_str().chars().any(|c| c.is_control() || c.is_whitespace() || c == '<' || c == '>'));
                prop_assert_eq!(Email::parse(e.as_str()), Ok(e.clone()));
            }
        }
    }
}
