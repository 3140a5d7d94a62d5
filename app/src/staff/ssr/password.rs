//! argon2id hashing, always on the blocking pool: a hash takes tens of
//! milliseconds of CPU, which would stall every request sharing the executor.
//!
//! And never more than a few at once per process: each argon2 run holds its
//! memory cost (19 MiB with argon2's defaults) for its whole run, so a flood
//! of sign-ins would otherwise take gigabytes and every core. Runs wait for
//! a permit; one that waits longer than `QUEUE_WAIT` is answered "busy"
//! instead of queueing for ever.
use argon2::{password_hash::PasswordVerifier, Argon2, PasswordHasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::Semaphore;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("hashing failed: {0}")]
    Hash(String),
    #[error("the hashing task stopped: {0}")]
    Join(String),
    /// Every permit stayed taken for `QUEUE_WAIT`.
    #[error("too many passwords are being checked at once")]
    Busy,
}

/// How long a password waits for a permit before the answer is "busy".
pub const QUEUE_WAIT: Duration = Duration::from_secs(10);

/// argon2 runs at once per process: one per core, at most 4 (76 MiB).
fn default_permits() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 4)
}

/// The process's permits, shared by every gate made with `PasswordGate::new`
/// and by the free function `hash`.
fn shared_permits() -> Arc<Semaphore> {
    static PERMITS: OnceLock<Arc<Semaphore>> = OnceLock::new();
    PERMITS
        .get_or_init(|| Arc::new(Semaphore::new(default_permits())))
        .clone()
}

/// Where password hashing goes through: bounded concurrency, and a count of
/// the argon2 runs it let through (tests read it to prove that a refused
/// sign-in never hashes).
#[derive(Debug)]
pub struct PasswordGate {
    permits: Arc<Semaphore>,
    wait: Duration,
    runs: AtomicU64,
}

impl Default for PasswordGate {
    fn default() -> Self {
        PasswordGate::new()
    }
}

impl PasswordGate {
    /// A gate over the process's shared permits, with a count of its own.
    pub fn new() -> PasswordGate {
        PasswordGate {
            permits: shared_permits(),
            wait: QUEUE_WAIT,
            runs: AtomicU64::new(0),
        }
    }

    /// A gate with permits of its own (tests of the bound itself).
    pub fn with_permits(permits: usize, wait: Duration) -> PasswordGate {
        PasswordGate {
            permits: Arc::new(Semaphore::new(permits)),
            wait,
            runs: AtomicU64::new(0),
        }
    }

    /// argon2 runs this gate has started.
    pub fn runs(&self) -> u64 {
        self.runs.load(Ordering::Relaxed)
    }

    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PasswordError> {
        let permit = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| PasswordError::Busy)?
            // Only a closed semaphore fails, and these are never closed.
            .map_err(|_| PasswordError::Busy)?;
        self.runs.fetch_add(1, Ordering::Relaxed);
        tokio::task::spawn_blocking(move || {
            // Held by the blocking task, not the request: a client that hangs
            // up stops waiting for the answer, but the hash runs to its end
            // and must keep its permit until then.
            let _permit = permit;
            job()
        })
        .await
        .map_err(|e| PasswordError::Join(e.to_string()))
    }

    pub async fn hash(&self, password: String) -> Result<String, PasswordError> {
        self.run(move || {
            Argon2::default()
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
                .map_err(|e| PasswordError::Hash(e.to_string()))
        })
        .await?
    }

    /// True when `password` matches `stored`; with `stored = None`, spends the
    /// same effort and answers false.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, PasswordError> {
        self.run(move || {
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
    }
}

fn shared_gate() -> &'static PasswordGate {
    static GATE: OnceLock<PasswordGate> = OnceLock::new();
    GATE.get_or_init(PasswordGate::new)
}

/// Hashes through the process's shared permits (commands, account changes
/// made by admins; sign-in goes through the gate in `AppState`).
pub async fn hash(password: String) -> Result<String, PasswordError> {
    shared_gate().hash(password).await
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
        let gate = PasswordGate::new();
        let h = hash("correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(gate
            .verify("correct horse battery".into(), Some(h.clone()))
            .await
            .unwrap());
        assert!(!gate.verify("wrong".into(), Some(h)).await.unwrap());
        assert!(!gate
            .verify("decoy password that matches nothing".into(), None)
            .await
            .unwrap());
        assert!(!gate
            .verify("x".into(), Some("not a hash".into()))
            .await
            .unwrap());
        assert_eq!(gate.runs(), 4, "the gate counts what it runs");
    }

    #[tokio::test]
    async fn a_full_gate_answers_busy_after_its_wait() {
        let gate = Arc::new(PasswordGate::with_permits(1, Duration::from_millis(50)));
        let held = gate.permits.clone().acquire_owned().await.unwrap();
        let started = std::time::Instant::now();
        let refused = gate.verify("x".into(), None).await;
        assert!(matches!(refused, Err(PasswordError::Busy)), "{refused:?}");
        assert!(started.elapsed() >= Duration::from_millis(50));
        assert_eq!(gate.runs(), 0, "a busy answer never hashes");
        drop(held);
        assert!(!gate.verify("x".into(), None).await.unwrap());
        assert_eq!(gate.runs(), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn at_most_the_permits_run_at_once() {
        use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
        let gate = Arc::new(PasswordGate::with_permits(2, Duration::from_secs(60)));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let jobs: Vec<_> = (0..6)
            .map(|_| {
                let (gate, running, most) = (gate.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    gate.run(move || {
                        let now = running.fetch_add(1, SeqCst) + 1;
                        most.fetch_max(now, SeqCst);
                        std::thread::sleep(Duration::from_millis(30));
                        running.fetch_sub(1, SeqCst);
                    })
                    .await
                })
            })
            .collect();
        for job in jobs {
            job.await.unwrap().unwrap();
        }
        assert_eq!(most.load(SeqCst), 2, "two at once, never three");
        assert_eq!(gate.runs(), 6);
    }
}
