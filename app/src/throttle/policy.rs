//! When a counted key must wait: plain arithmetic on what the table holds,
//! kept apart from the SQL so it can be tested on its own.
use std::time::Duration;

/// How a key's attempts are limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// At most `max` attempts in a window that opens with the first one;
    /// then none until the window is over.
    Cap { max: u32, window: Duration },
    /// `free` attempts, then each further one waits after the one before:
    /// `first`, twice that, four times… up to `longest`. Forgotten after
    /// `forget` without an attempt.
    Backoff {
        free: u32,
        first: Duration,
        longest: Duration,
        forget: Duration,
    },
}

/// What the table holds for one key (times in milliseconds since the epoch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hits {
    pub count: i32,
    pub last_ms: i64,
    pub expires_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Counted: go ahead.
    Admitted,
    /// Not counted: try again after `wait`.
    Refused { wait: Duration },
}

impl Policy {
    /// How long the next attempt must wait, or `None` when it may go ahead.
    pub fn wait(&self, hits: &Hits, now_ms: i64) -> Option<Duration> {
        let count = u32::try_from(hits.count).unwrap_or(0);
        let ready_ms = match *self {
            Policy::Cap { max, .. } => {
                if count < max {
                    return None;
                }
                hits.expires_ms
            }
            Policy::Backoff {
                free,
                first,
                longest,
                ..
            } => {
                if count < free {
                    return None;
                }
                hits.last_ms
                    .saturating_add(millis(backoff(count - free, first, longest)))
            }
        };
        (ready_ms > now_ms).then(|| Duration::from_millis((ready_ms - now_ms).unsigned_abs()))
    }

    /// When a key whose first attempt is at `now_ms` is forgotten.
    pub(super) fn first_expiry(&self, now_ms: i64) -> i64 {
        match *self {
            Policy::Cap { window, .. } => now_ms.saturating_add(millis(window)),
            Policy::Backoff { forget, .. } => now_ms.saturating_add(millis(forget)),
        }
    }

    /// When a key is forgotten after one more attempt at `now_ms`: a cap's
    /// window stays where it opened; a backoff is remembered from its latest.
    pub(super) fn next_expiry(&self, hits: &Hits, now_ms: i64) -> i64 {
        match *self {
            Policy::Cap { .. } => hits.expires_ms,
            Policy::Backoff { forget, .. } => now_ms.saturating_add(millis(forget)),
        }
    }
}

/// `first`, `2 × first`, `4 × first`… for the attempts past the free ones,
/// at most `longest`.
fn backoff(past_free: u32, first: Duration, longest: Duration) -> Duration {
    first.saturating_mul(1u32 << past_free.min(31)).min(longest)
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// A wait as the whole seconds a person is told (rounded up, at least 1).
pub fn whole_seconds(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: i64 = 1000;

    fn hits(count: i32, last_ms: i64, expires_ms: i64) -> Hits {
        Hits {
            count,
            last_ms,
            expires_ms,
        }
    }

    #[test]
    fn a_cap_refuses_until_its_window_is_over() {
        let cap = Policy::Cap {
            max: 3,
            window: Duration::from_secs(60),
        };
        let now = 1_000_000;
        assert_eq!(cap.first_expiry(now), now + 60 * SEC);
        assert_eq!(cap.wait(&hits(2, now, now + 60 * SEC), now), None);
        assert_eq!(
            cap.wait(&hits(3, now, now + 60 * SEC), now + 10 * SEC),
            Some(Duration::from_secs(50))
        );
        assert_eq!(
            cap.wait(&hits(3, now, now + 60 * SEC), now + 60 * SEC),
            None
        );
        let h = hits(2, now, now + 60 * SEC);
        assert_eq!(
            cap.next_expiry(&h, now + 30 * SEC),
            now + 60 * SEC,
            "the window does not slide"
        );
    }

    #[test]
    fn a_backoff_doubles_up_to_its_longest() {
        let backoff = Policy::Backoff {
            free: 3,
            first: Duration::from_secs(1),
            longest: Duration::from_secs(300),
            forget: Duration::from_secs(1800),
        };
        let last = 5_000_000;
        for free in 0..3 {
            assert_eq!(backoff.wait(&hits(free, last, i64::MAX), last), None);
        }
        for (count, secs) in [
            (3, 1),
            (4, 2),
            (5, 4),
            (6, 8),
            (10, 128),
            (11, 256),
            (12, 300),
            (40, 300),
            (i32::MAX, 300),
        ] {
            assert_eq!(
                backoff.wait(&hits(count, last, i64::MAX), last),
                Some(Duration::from_secs(secs)),
                "after {count} attempts"
            );
            assert_eq!(
                backoff.wait(&hits(count, last, i64::MAX), last + secs as i64 * SEC),
                None
            );
        }
        assert_eq!(
            backoff.wait(&hits(5, last, i64::MAX), last + 1500),
            Some(Duration::from_millis(2500))
        );
        assert_eq!(
            backoff.next_expiry(&hits(5, last, 0), last + SEC),
            last + SEC + 1800 * SEC
        );
    }

    #[test]
    fn waits_are_told_in_whole_seconds() {
        assert_eq!(whole_seconds(Duration::from_millis(1)), 1);
        assert_eq!(whole_seconds(Duration::ZERO), 1);
        assert_eq!(whole_seconds(Duration::from_millis(2500)), 3);
        assert_eq!(whole_seconds(Duration::from_secs(300)), 300);
    }
}
