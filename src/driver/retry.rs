//! Retries of transaction functions: which errors, and how long to wait between attempts.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Waits for a given time; replaced in tests to make retries instant and observable.
pub type Sleeper = dyn Fn(Duration) + Send + Sync;

/// Exponential backoff between attempts of a transaction function: the first delay is
/// `initial_delay` (default 1 s), each next one `multiplier` times longer (default 2), each
/// varied by up to `jitter` of itself either way (default 0.2, i.e. ±20%). Retrying stops
/// once [`crate::Config::max_transaction_retry_time`] has passed.
///
/// ```
/// use boltc::{Config, RetryPolicy};
/// use std::sync::Arc;
/// use std::time::Duration;
///
/// let policy = RetryPolicy::new()
///     .with_initial_delay(Duration::from_millis(10))
///     .with_jitter(0.0)
///     .with_sleeper(Arc::new(|d| std::thread::sleep(d)));
/// let config = Config::builder("neo4j://localhost").retry_policy(policy).build().unwrap();
/// # let _ = config;
/// ```
#[derive(Clone)]
pub struct RetryPolicy {
    initial_delay: Duration,
    multiplier: f64,
    jitter: f64,
    sleeper: Arc<Sleeper>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            initial_delay: Duration::from_secs(1),
            multiplier: 2.0,
            jitter: 0.2,
            sleeper: Arc::new(std::thread::sleep),
        }
    }
}

impl std::fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("initial_delay", &self.initial_delay)
            .field("multiplier", &self.multiplier)
            .field("jitter", &self.jitter)
            .finish_non_exhaustive()
    }
}

impl RetryPolicy {
    /// The default policy: 1 s, ×2, ±20%, sleeping the thread.
    pub fn new() -> RetryPolicy {
        RetryPolicy::default()
    }

    /// The delay before the first retry.
    #[must_use]
    pub fn with_initial_delay(mut self, d: Duration) -> Self {
        self.initial_delay = d;
        self
    }

    /// The factor between consecutive delays (values below 1 are taken as 1).
    #[must_use]
    pub fn with_multiplier(mut self, m: f64) -> Self {
        self.multiplier = if m.is_finite() { m.max(1.0) } else { 1.0 };
        self
    }

    /// The relative random variation of each delay, 0 to 1 (0: deterministic).
    #[must_use]
    pub fn with_jitter(mut self, j: f64) -> Self {
        self.jitter = if j.is_finite() {
            j.clamp(0.0, 1.0)
        } else {
            0.0
        };
        self
    }

    /// How to wait (default: `std::thread::sleep`). A sleeper that returns early makes the
    /// retry loop count the requested delay as elapsed, so tests stay deterministic.
    #[must_use]
    pub fn with_sleeper(mut self, sleeper: Arc<Sleeper>) -> Self {
        self.sleeper = sleeper;
        self
    }
}

/// The state of one retry loop.
pub(crate) struct Backoff {
    policy: RetryPolicy,
    max_time: Duration,
    start: Instant,
    /// Delays requested but not really waited (an injected sleeper returned early).
    skew: Duration,
    next: Duration,
    rng: u64,
}

impl Backoff {
    pub(crate) fn new(policy: RetryPolicy, max_time: Duration) -> Backoff {
        let rng = RandomState::new().build_hasher().finish() | 1;
        let next = policy.initial_delay;
        Backoff {
            policy,
            max_time,
            start: Instant::now(),
            skew: Duration::ZERO,
            next,
            rng,
        }
    }

    /// Waits before the next attempt; `false` when the retry time is used up.
    pub(crate) fn wait(&mut self) -> bool {
        if self.start.elapsed() + self.skew >= self.max_time {
            return false;
        }
        let delay = self.jittered(self.next);
        self.next = self.next.mul_f64(self.policy.multiplier);
        log::debug!("retrying the transaction function in {delay:?}");
        let t = Instant::now();
        (self.policy.sleeper)(delay);
        self.skew += delay.saturating_sub(t.elapsed());
        true
    }

    fn jittered(&mut self, d: Duration) -> Duration {
        if self.policy.jitter == 0.0 {
            return d;
        }
        // xorshift64: enough randomness to spread retries apart.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        #[allow(clippy::cast_precision_loss)] // a uniform value in [0, 1) needs no more bits
        let unit = (self.rng >> 11) as f64 / (1u64 << 53) as f64;
        let factor = 1.0 + self.policy.jitter * (2.0 * unit - 1.0);
        d.mul_f64(factor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parking_lot::Mutex;

    #[test]
    fn delays_double_and_stop_at_the_retry_time() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        let policy = RetryPolicy::new()
            .with_jitter(0.0)
            .with_sleeper(Arc::new(move |d| s.lock().push(d)));
        let mut b = Backoff::new(policy, Duration::from_secs(10));
        while b.wait() {}
        let secs: Vec<u64> = seen.lock().iter().map(Duration::as_secs).collect();
        assert_eq!(secs, [1, 2, 4, 8]);
    }

    #[test]
    fn jitter_stays_within_twenty_percent() {
        let policy = RetryPolicy::new().with_sleeper(Arc::new(|_| {}));
        let mut b = Backoff::new(policy, Duration::from_secs(1));
        for _ in 0..1000 {
            let d = b.jittered(Duration::from_secs(1));
            assert!(
                d >= Duration::from_millis(800) && d <= Duration::from_millis(1200),
                "{d:?}"
            );
        }
    }
}
