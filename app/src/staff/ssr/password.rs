//! argon2id hashing, always on the blocking pool: a hash takes tens of
//! milliseconds of CPU, which would stall every request sharing the executor.
use argon2::{password_hash::PasswordVerifier, Argon2, PasswordHasher};
use std::sync::OnceLock;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("hashing failed: {0}")]
    Hash(String),
    #[error("the hashing task stopped: {0}")]
    Join(String),
}

pub async fn hash(password: String) -> Result<String, PasswordError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| PasswordError::Hash(e.to_string()))
    })
    .await
    .map_err(|e| PasswordError::Join(e.to_string()))?
}

/// A password for someone to type once (it is shown once, then they change
/// it): four groups of four from 48 characters that cannot be mistaken for one
/// another (no 0/O, 1/l/I, 2/Z, 5/S, 8/B), about 89 bits. `rand::rng()` is a
/// cryptographically secure generator. Drawn again in the rare case the policy
/// refuses it for `email` (its local part appearing in it, say).
pub fn generate(email: &str) -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY3479";
    loop {
        let mut rng = rand::rng();
        let groups: Vec<String> = (0..4)
            .map(|_| {
                (0..4)
                    .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
                    .collect()
            })
            .collect();
        let password = groups.join("-");
        if crate::staff::check_new_password(&password, email).is_ok() {
            return password;
        }
    }
}

/// A hash of a password nobody knows, verified against when the email is
/// unknown so that "no such account" takes as long as "wrong password".
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        Argon2::default()
            .hash_password(b"decoy password that matches nothing")
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// True when `password` matches `stored`; with `stored = None`, spends the same
/// effort and answers false.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, PasswordError> {
    tokio::task::spawn_blocking(move || {
        let (hash, real) = match &stored {
            Some(h) => (h.as_str(), true),
            None => (decoy_hash(), false),
        };
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), hash)
            .is_ok();
        ok && real
    })
    .await
    .map_err(|e| PasswordError::Join(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_pass_the_policy_and_differ() {
        let a = generate("abcd@example.com");
        let b = generate("abcd@example.com");
        assert_ne!(a, b);
        assert_eq!(a.len(), 19);
        assert_eq!(a.split('-').count(), 4);
        assert!(crate::staff::check_new_password(&a, "abcd@example.com").is_ok());
    }

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let h = hash("correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery".into(), Some(h.clone()))
            .await
            .unwrap());
        assert!(!verify("wrong".into(), Some(h)).await.unwrap());
        assert!(!verify("decoy password that matches nothing".into(), None)
            .await
            .unwrap());
        assert!(!verify("x".into(), Some("not a hash".into())).await.unwrap());
    }
}
