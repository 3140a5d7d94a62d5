//! Sign-in throttling: a sliding window of failures per account and per client
//! address. Keyed by the email *as typed*, so throttling behaves the same
//! whether or not an account exists and reveals nothing.
//!
//! Held in memory: with several processes each keeps its own window, which
//! multiplies the allowance by the number of processes but never lets a
//! guesser run unbounded.
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
pub struct ThrottleLimits {
    pub window: Duration,
    pub per_account: usize,
    pub per_ip: usize,
}

impl Default for ThrottleLimits {
    fn default() -> Self {
        ThrottleLimits {
            window: Duration::from_secs(15 * 60),
            per_account: 5,
            per_ip: 30,
        }
    }
}

#[derive(Debug, Default)]
pub struct LoginThrottle {
    limits: ThrottleLimits,
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

/// Bounds memory under a spray of distinct keys: old windows are dropped first.
const MAX_KEYS: usize = 100_000;

impl LoginThrottle {
    pub fn new(limits: ThrottleLimits) -> Self {
        LoginThrottle {
            limits,
            failures: Mutex::default(),
        }
    }

    fn keys(email: &str, ip: Option<IpAddr>) -> (String, Option<String>) {
        (
            format!("account:{}", email.trim().to_lowercase()),
            ip.map(|ip| format!("ip:{ip}")),
        )
    }

    fn recent(&self, map: &mut HashMap<String, Vec<Instant>>, key: &str, now: Instant) -> usize {
        let window = self.limits.window;
        match map.get_mut(key) {
            Some(times) => {
                times.retain(|t| now.duration_since(*t) < window);
                times.len()
            }
            None => 0,
        }
    }

    /// Under a spray of distinct keys, windows that have ended are dropped.
    fn prune(&self, map: &mut HashMap<String, Vec<Instant>>, now: Instant) {
        if map.len() >= MAX_KEYS {
            let window = self.limits.window;
            map.retain(|_, times| {
                times
                    .last()
                    .is_some_and(|t| now.duration_since(*t) < window)
            });
        }
    }

    /// True when this attempt may go ahead.
    pub fn allow(&self, email: &str, ip: Option<IpAddr>) -> bool {
        let (account, ip) = Self::keys(email, ip);
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let account_ok = self.recent(&mut map, &account, now) < self.limits.per_account;
        let ip_ok = ip.map_or(true, |ip| {
            self.recent(&mut map, &ip, now) < self.limits.per_ip
        });
        account_ok && ip_ok
    }

    pub fn record_failure(&self, email: &str, ip: Option<IpAddr>) {
        let (account, ip) = Self::keys(email, ip);
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        self.prune(&mut map, now);
        map.entry(account).or_default().push(now);
        if let Some(ip) = ip {
            map.entry(ip).or_default().push(now);
        }
    }

    /// For checks with no account (pay links): only the per-address window applies.
    pub fn allow_ip(&self, ip: IpAddr) -> bool {
        let key = format!("ip:{ip}");
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        self.recent(&mut map, &key, Instant::now()) < self.limits.per_ip
    }

    pub fn record_ip_failure(&self, ip: IpAddr) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        self.prune(&mut map, now);
        map.entry(format!("ip:{ip}")).or_default().push(now);
    }

    /// A correct password clears the account's failures (not the address's).
    pub fn record_success(&self, email: &str) {
        let (account, _) = Self::keys(email, None);
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&account);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_account_and_per_ip() {
        let t = LoginThrottle::new(ThrottleLimits {
            window: Duration::from_secs(60),
            per_account: 2,
            per_ip: 3,
        });
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        assert!(t.allow("A@x.co", Some(ip)));
        t.record_failure("a@x.co", Some(ip));
        t.record_failure("A@X.CO", Some(ip));
        assert!(
            !t.allow("a@x.co", Some("10.0.0.2".parse().unwrap())),
            "account locked from any address"
        );
        assert!(t.allow("b@x.co", Some(ip)));
        t.record_failure("b@x.co", Some(ip));
        assert!(
            !t.allow("c@x.co", Some(ip)),
            "address locked for any account"
        );
        t.record_success("a@x.co");
        assert!(t.allow("a@x.co", Some("10.0.0.2".parse().unwrap())));
    }

    #[test]
    fn window_expires() {
        let t = LoginThrottle::new(ThrottleLimits {
            window: Duration::from_millis(20),
            per_account: 1,
            per_ip: 10,
        });
        t.record_failure("a@x.co", None);
        assert!(!t.allow("a@x.co", None));
        std::thread::sleep(Duration::from_millis(30));
        assert!(t.allow("a@x.co", None));
    }
}
