//! What busy polling did, counted process-wide when the `poll-stats` feature is on (for
//! benchmarks and tuning: is polling paying against this server, on this machine?). Without
//! the feature, [`note`] is an empty inline function and nothing is counted or exported.
//!
//! Counted in `Stream::poll_readable` (see `net/stream.rs`): every read that would wait for
//! the server with polling on is one [`PollStats::waits`], and ends in exactly one of the
//! outcomes `crowded`, `skipped`, `refused`, `ready`, `quick_hits`, `late_hits`, `misses`.

use std::time::Duration;

/// One outcome of a wait (see `PollStats` for what each means).
#[derive(Debug, Clone, Copy)]
#[cfg_attr(not(feature = "poll-stats"), allow(dead_code))]
pub(crate) enum Event {
    /// Slept at once: the machine had more runnable threads than cores.
    Crowded,
    /// Slept at once: polling was backing off from a slow server.
    Skipped,
    /// Slept at once: as many threads as may poll were polling, or had to wait.
    Refused,
    /// The first look found data: no wait at all.
    Ready,
    /// Data came while polling, within half the window, after spinning this long.
    QuickHit(Duration),
    /// Data came while polling, late in the window, after spinning this long.
    LateHit(Duration),
    /// The window (this long) passed without data: the read slept.
    Miss(Duration),
}

#[cfg(feature = "poll-stats")]
mod counts {
    use super::{Event, PollStats};
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
    use std::time::Duration;

    /// waits, crowded, skipped, refused, ready, quick, late, misses, spun (ns).
    static COUNTS: [AtomicU64; 9] = [const { AtomicU64::new(0) }; 9];

    pub(crate) fn note(event: Event) {
        let add = |i: usize, n: u64| {
            COUNTS[i].fetch_add(n, Relaxed);
        };
        let nanos = |d: Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        add(0, 1);
        match event {
            Event::Crowded => add(1, 1),
            Event::Skipped => add(2, 1),
            Event::Refused => add(3, 1),
            Event::Ready => add(4, 1),
            Event::QuickHit(d) => {
                add(5, 1);
                add(8, nanos(d));
            }
            Event::LateHit(d) => {
                add(6, 1);
                add(8, nanos(d));
            }
            Event::Miss(d) => {
                add(7, 1);
                add(8, nanos(d));
            }
        }
    }

    pub(crate) fn snapshot() -> PollStats {
        let get = |i: usize| COUNTS[i].load(Relaxed);
        PollStats {
            waits: get(0),
            crowded: get(1),
            skipped: get(2),
            refused: get(3),
            ready: get(4),
            quick_hits: get(5),
            late_hits: get(6),
            misses: get(7),
            spun: Duration::from_nanos(get(8)),
        }
    }
}

/// Counts `event` (a no-op without the `poll-stats` feature).
#[cfg(feature = "poll-stats")]
#[inline]
pub(crate) fn note(event: Event) {
    counts::note(event);
}

/// Counts `event` (a no-op without the `poll-stats` feature).
#[cfg(not(feature = "poll-stats"))]
#[inline(always)]
pub(crate) fn note(_event: Event) {}

/// What busy polling did in this process since it started, summed over all its connections
/// and threads (the `poll-stats` feature; see [`poll_stats`]). Every read that would have
/// waited for a server, with polling on, is one of [`waits`](PollStats::waits) and has one of
/// the other outcomes.
#[cfg(feature = "poll-stats")]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PollStats {
    /// Reads that would have waited for the server with polling on.
    pub waits: u64,
    /// Waits that slept at once because the machine had more runnable threads than cores.
    pub crowded: u64,
    /// Waits that slept at once because polling was backing off (the server answered
    /// later than the window).
    pub skipped: u64,
    /// Waits that slept at once because as many threads as may poll were polling, or more
    /// threads were waiting than may poll.
    pub refused: u64,
    /// Waits whose first look found the data there: no wait, no spinning.
    pub ready: u64,
    /// Polls that found data within half the window.
    pub quick_hits: u64,
    /// Polls that found data later in the window.
    pub late_hits: u64,
    /// Polls whose whole window passed without data (the read then slept).
    pub misses: u64,
    /// Time spent spinning in all polls (hits and misses), each poll from its first look
    /// that found nothing: CPU time the polling thread used instead of sleeping.
    pub spun: Duration,
}

/// What busy polling did in this process so far (see [`PollStats`]). Only with the
/// `poll-stats` feature, which costs one atomic addition or two per wait.
#[cfg(feature = "poll-stats")]
pub fn poll_stats() -> PollStats {
    counts::snapshot()
}
