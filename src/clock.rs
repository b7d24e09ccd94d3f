//! The driver's clock for idle times, connection lifetimes, credential expiry and routing
//! table time-to-live.
//!
//! [`now`] is `Instant::now()`. With the `mock-clock` cargo feature (for conformance test
//! backends only; off by default), a test can freeze it and move it forward by hand with
//! `freeze`, `advance` and `unfreeze`, so that "an hour later" takes no time. Timeouts of
//! blocking I/O (connect, reads, pool waits) always use the real clock.

use std::time::Instant;

/// The current time as the driver sees it.
#[cfg(not(feature = "mock-clock"))]
#[inline]
pub fn now() -> Instant {
    Instant::now()
}

#[cfg(feature = "mock-clock")]
static FROZEN: parking_lot::Mutex<Option<Instant>> = parking_lot::Mutex::new(None);

/// The current time as the driver sees it: the frozen time while [`freeze`] is in effect.
#[cfg(feature = "mock-clock")]
pub fn now() -> Instant {
    FROZEN.lock().unwrap_or_else(Instant::now)
}

/// Stops the driver's clock at the current time (until [`unfreeze`]).
#[cfg(feature = "mock-clock")]
pub fn freeze() {
    *FROZEN.lock() = Some(Instant::now());
}

/// Moves the frozen clock forward by `by` (freezing it first if it runs).
#[cfg(feature = "mock-clock")]
pub fn advance(by: std::time::Duration) {
    let mut f = FROZEN.lock();
    let base = f.unwrap_or_else(Instant::now);
    *f = Some(base + by);
}

/// Lets the driver's clock run again (times taken while frozen may lie ahead of it).
#[cfg(feature = "mock-clock")]
pub fn unfreeze() {
    *FROZEN.lock() = None;
}

#[cfg(all(test, feature = "mock-clock"))]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_frozen_clock_moves_only_when_advanced() {
        freeze();
        let t0 = now();
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(now(), t0);
        advance(Duration::from_secs(3600));
        assert_eq!(now(), t0 + Duration::from_secs(3600));
        unfreeze();
        assert!(now() < t0 + Duration::from_secs(3600));
    }
}
