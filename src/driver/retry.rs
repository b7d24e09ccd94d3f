//! Retries of transaction functions: which errors, and how long to wait between attempts.

use super::config::Config;
use crate::error::{Error, ErrorKind};
use std::borrow::Borrow;
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

/// Whether a failed attempt of a transaction function is run again: retryable errors, and
/// timeouts (connect, handshake, pool acquisition, a read before COMMIT). A timeout waiting for
/// the COMMIT reply is `IncompleteCommit` by then and is never retried. The one place that
/// decides it, for Rust, C, Python and the TestKit backend alike.
fn retry_worthy(e: &Error) -> bool {
    e.is_retryable() || e.kind() == ErrorKind::Timeout
}

/// The retry loop of transaction functions, the only one in boltc: [`Session::execute_read`]
/// and friends, the C `boltc_session_execute*` functions (and the Python package over them) and
/// the TestKit backend all run their attempts through it.
///
/// Either hand it the whole attempt ([`RetryLoop::run`]), or, where attempts are driven from
/// outside (a conversation with a test harness), ask it after each failure
/// ([`RetryLoop::retry_after`]). It decides which errors are worth another attempt and waits
/// the backoff of its [`RetryPolicy`] before saying so, until the maximum retry time has
/// passed since it was made.
///
/// [`Session::execute_read`]: crate::Session::execute_read
///
/// ```
/// use boltc::{Error, ErrorKind, RetryLoop, RetryPolicy};
/// use std::sync::Arc;
/// use std::time::Duration;
///
/// let policy = RetryPolicy::new().with_sleeper(Arc::new(|_| {}));
/// let mut attempts = 0;
/// let r: Result<i32, Error> = RetryLoop::new(policy, Duration::from_secs(5)).run(|| {
///     attempts += 1;
///     if attempts < 3 {
///         Err(Error::new(ErrorKind::TransientError, "deadlock"))
///     } else {
///         Ok(7)
///     }
/// });
/// assert_eq!((r.unwrap(), attempts), (7, 3));
/// ```
pub struct RetryLoop {
    policy: RetryPolicy,
    max_time: Duration,
    start: Instant,
    /// Delays requested but not really waited (an injected sleeper returned early).
    skew: Duration,
    next: Duration,
    rng: u64,
}

impl RetryLoop {
    /// A loop with `policy` that stops retrying once `max_time` has passed from now.
    pub fn new(policy: RetryPolicy, max_time: Duration) -> RetryLoop {
        let rng = RandomState::new().build_hasher().finish() | 1;
        let next = policy.initial_delay;
        RetryLoop {
            policy,
            max_time,
            start: Instant::now(),
            skew: Duration::ZERO,
            next,
            rng,
        }
    }

    /// A loop with the driver configuration's policy and maximum retry time
    /// ([`crate::ConfigBuilder::retry_policy`],
    /// [`crate::ConfigBuilder::max_transaction_retry_time`]).
    pub fn for_config(config: &Config) -> RetryLoop {
        RetryLoop::new(config.ext.retry.clone(), config.max_retry_time)
    }

    /// Runs `attempt` until it succeeds, fails with an error not worth retrying, or the retry
    /// time is used up; returns its last outcome.
    ///
    /// # Errors
    /// The last error of `attempt`.
    pub fn run<T, E: Borrow<Error>>(
        mut self,
        mut attempt: impl FnMut() -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        loop {
            match attempt() {
                Ok(v) => return Ok(v),
                Err(e) if self.retry_after(e.borrow()) => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// After an attempt failed with `error`: `true` if another attempt should run, having
    /// waited the backoff delay; `false` if `error` is not worth retrying (see
    /// [`Error::is_retryable`]; timeouts are retried too) or the retry time is used up.
    pub fn retry_after(&mut self, error: &Error) -> bool {
        if !retry_worthy(error) || !self.wait() {
            return false;
        }
        log::info!("transaction function failed, retrying: {error}");
        true
    }

    /// Waits before the next attempt; `false` when the retry time is used up.
    fn wait(&mut self) -> bool {
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
        let mut b = RetryLoop::new(policy, Duration::from_secs(10));
        while b.wait() {}
        let secs: Vec<u64> = seen.lock().iter().map(Duration::as_secs).collect();
        assert_eq!(secs, [1, 2, 4, 8]);
    }

    #[test]
    fn jitter_stays_within_twenty_percent() {
        let policy = RetryPolicy::new().with_sleeper(Arc::new(|_| {}));
        let mut b = RetryLoop::new(policy, Duration::from_secs(1));
        for _ in 0..1000 {
            let d = b.jittered(Duration::from_secs(1));
            assert!(
                d >= Duration::from_millis(800) && d <= Duration::from_millis(1200),
                "{d:?}"
            );
        }
    }

    fn instant() -> RetryPolicy {
        RetryPolicy::new().with_sleeper(Arc::new(|_| {}))
    }

    /// Runs a loop whose attempts fail with `errors` in turn (then succeed); the attempts made.
    fn attempts(max: Duration, errors: &[Error]) -> (usize, bool) {
        let mut n = 0;
        let r = RetryLoop::new(instant(), max).run(|| {
            n += 1;
            errors.get(n - 1).map_or(Ok(()), |e| Err(e.clone()))
        });
        (n, r.is_ok())
    }

    #[test]
    fn retryable_errors_and_timeouts_run_again_others_do_not() {
        let transient = Error::new(ErrorKind::TransientError, "deadlock");
        let timeout = Error::new(ErrorKind::Timeout, "connect").with_retryable(false);
        let client = Error::new(ErrorKind::ClientError, "syntax");
        let forced = Error::new(ErrorKind::ClientError, "expired").with_retryable(true);
        let ten = Duration::from_secs(10);
        assert_eq!(attempts(ten, &[transient.clone(), timeout]), (3, true));
        assert_eq!(attempts(ten, &[forced]), (2, true));
        assert_eq!(attempts(ten, &[client]), (1, false));
        let incomplete = Error::new(ErrorKind::IncompleteCommit, "lost");
        assert_eq!(attempts(ten, &[incomplete]), (1, false));
        // No retry time: the first failure is the last.
        assert_eq!(attempts(Duration::ZERO, &[transient]), (1, false));
    }
}
