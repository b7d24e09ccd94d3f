//! Deadlines: every wait in the driver ends by an `Instant`, never after a duration counted
//! anew, so that retries cannot stretch a timeout.

use std::time::{Duration, Instant};

/// `timeout` from now, but no later than the call's deadline (if there is one). A timeout too
/// large to add to now gives a deadline that never comes ([`far_future`]).
pub(crate) fn deadline_within(timeout: Duration, call: Option<Instant>) -> Instant {
    let own = Instant::now()
        .checked_add(timeout)
        .unwrap_or_else(far_future);
    call.map_or(own, |d| own.min(d))
}

/// A deadline so far away that it never comes (for durations too large to add to now).
pub(crate) fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(100 * 365 * 24 * 3600)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sooner_deadline_wins() {
        let call = Instant::now() + Duration::from_millis(10);
        assert_eq!(deadline_within(Duration::from_secs(60), Some(call)), call);
        let own = deadline_within(Duration::from_millis(1), Some(far_future()));
        assert!(own < Instant::now() + Duration::from_secs(1));
    }

    #[test]
    fn a_huge_timeout_does_not_overflow() {
        let d = deadline_within(Duration::MAX, None);
        assert!(d > Instant::now() + Duration::from_secs(365 * 24 * 3600));
    }
}
