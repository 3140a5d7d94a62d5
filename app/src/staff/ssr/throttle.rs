//! Sign-in throttling. Failures count per (account, client address), with
//! growing waits: after 3 for the pair, each further attempt waits 1 s, 2 s,
//! 4 s… up to 5 minutes after the one before. Someone guessing from one
//! address therefore slows only their own pair, and the account's owner
//! signs in at once from anywhere else: nobody can lock an admin out from
//! elsewhere. A looser cap per address across accounts (30 failures in 15
//! minutes) stops one address spraying guesses over many accounts.
//!
//! An attempt is counted against its address *before* its password is
//! hashed, so a refused attempt never reaches argon2 and parallel guesses
//! from one address cannot slip past the cap together; the pair counts the
//! failures. A correct password clears its pair and gives its address's
//! count back. Keyed by the email *as typed* (trimmed, lowercased),
//! so it behaves the same whether or not the account exists.
//!
//! Counts live in the database (`crate::throttle`): every process shares them.
use crate::proxy::ClientAddr;
use crate::throttle::{self, Admission, Key, Policy};
use sea_orm::{DatabaseConnection, DbErr};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInThrottle {
    /// One account from one address.
    pub pair: Policy,
    /// One address, all accounts together.
    pub address: Policy,
}

impl Default for SignInThrottle {
    fn default() -> Self {
        SignInThrottle {
            pair: Policy::Backoff {
                free: 3,
                first: Duration::from_secs(1),
                longest: Duration::from_secs(5 * 60),
                forget: Duration::from_secs(30 * 60),
            },
            address: Policy::Cap {
                max: 30,
                window: Duration::from_secs(15 * 60),
            },
        }
    }
}

impl SignInThrottle {
    fn keys(email: &str, client: ClientAddr) -> (Key, Key) {
        let email: String = email.trim().to_lowercase().chars().take(254).collect();
        let address = client.bucket();
        (
            Key::new("sign-in/pair", &[&email, &address]),
            Key::new("sign-in/address", &[&address]),
        )
    }

    /// Counts this attempt, or refuses it with how long to wait. A refusal
    /// for the pair writes nothing (a flood of refused attempts is reads).
    pub async fn admit(
        &self,
        db: &DatabaseConnection,
        email: &str,
        client: ClientAddr,
    ) -> Result<Admission, DbErr> {
        let (pair, address) = Self::keys(email, client);
        if let Some(hits) = throttle::peek(db, &pair).await? {
            if let Some(wait) = self.pair.wait(&hits, throttle::now_ms()) {
                return Ok(Admission::Refused { wait });
            }
        }
        if let refused @ Admission::Refused { .. } =
            throttle::admit(db, &address, self.address).await?
        {
            return Ok(refused);
        }
        // The pair counts failures only (`failed`), so a cashier signing in
        // on four tills at once is never told to wait; parallel guesses
        // against one pair are bounded by the address's count above, taken
        // before any password is hashed.
        Ok(Admission::Admitted)
    }

    /// The attempt was wrong: one more failure for the pair, whose wait
    /// runs from now.
    pub async fn failed(
        &self,
        db: &DatabaseConnection,
        email: &str,
        client: ClientAddr,
    ) -> Result<(), DbErr> {
        let (pair, _) = Self::keys(email, client);
        throttle::failed(db, &pair, self.pair).await
    }

    /// The counted attempt was right: the pair starts afresh, and the
    /// address's cap counts only failures.
    pub async fn succeeded(
        &self,
        db: &DatabaseConnection,
        email: &str,
        client: ClientAddr,
    ) -> Result<(), DbErr> {
        let (pair, address) = Self::keys(email, client);
        throttle::forget(db, &pair).await?;
        throttle::release(db, &address).await
    }

    /// The counted attempt was never checked (the server was too busy to
    /// hash): both counts are given back.
    pub async fn not_checked(
        &self,
        db: &DatabaseConnection,
        email: &str,
        client: ClientAddr,
    ) -> Result<(), DbErr> {
        let (_, address) = Self::keys(email, client);
        throttle::release(db, &address).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_per_account_and_address_and_ignore_case() {
        let a: ClientAddr = "203.0.113.7".parse::<std::net::IpAddr>().unwrap().into();
        let b: ClientAddr = "198.51.100.9".parse::<std::net::IpAddr>().unwrap().into();
        let (pair_a, address_a) = SignInThrottle::keys(" Owner@Example.com", a);
        assert_eq!(
            SignInThrottle::keys("owner@example.com", a),
            (pair_a.clone(), address_a.clone())
        );
        let (pair_b, address_b) = SignInThrottle::keys("owner@example.com", b);
        assert_ne!(pair_a, pair_b);
        assert_ne!(address_a, address_b);
        let (pair_other, address_same) = SignInThrottle::keys("till@example.com", a);
        assert_ne!(pair_a, pair_other);
        assert_eq!(address_a, address_same, "one address, whatever the account");
    }
}
