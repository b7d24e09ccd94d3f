//! What busy polling did, counted process-wide when the `poll-stats` feature is on (for
//! benchmarks and tuning: is polling paying against this server, on this machine?). Without
//! the feature, [`note`] is an empty inline function and nothing is counted or exported.
//!
//! Counted in `Stream::poll_readable` (see `net/stream.rs`): every read that would wait for
//! the server with polling on is one [`PollStats::waits`], and ends in exactly one of the
//! outcomes `asked`, `crowded`, `skipped`, `refused`, `ready`, `quick_hits`, `late_hits`,
//! `misses`.

use std::time::Duration;

/// One outcome of a wait (see `PollStats` for what each means).
#[derive(Debug, Clone, Copy)]
#[cfg_attr(not(feature = "poll-stats"), allow(dead_code))]
pub(crate) enum Event {
    /// Slept at once: the connection's streams get their batches faster that way
    /// (`Stream::wait_for_batch`, `net/pace.rs`), or the connection is being set up and its
    /// last setup was not quick (`Stream::set_setting_up`).
    Asked,
    /// Slept at once: the machine was crowded (threads waited for a CPU; `net/crowding.rs`).
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

    static WAITS: AtomicU64 = AtomicU64::new(0);
    static ASKED: AtomicU64 = AtomicU64::new(0);
    static CROWDED: AtomicU64 = AtomicU64::new(0);
    static SKIPPED: AtomicU64 = AtomicU64::new(0);
    static REFUSED: AtomicU64 = AtomicU64::new(0);
    static READY: AtomicU64 = AtomicU64::new(0);
    static QUICK_HITS: AtomicU64 = AtomicU64::new(0);
    static LATE_HITS: AtomicU64 = AtomicU64::new(0);
    static MISSES: AtomicU64 = AtomicU64::new(0);
    /// Nanoseconds.
    static SPUN: AtomicU64 = AtomicU64::new(0);

    pub(crate) fn note(event: Event) {
        WAITS.fetch_add(1, Relaxed);
        let (outcome, spun) = match event {
            Event::Asked => (&ASKED, None),
            Event::Crowded => (&CROWDED, None),
            Event::Skipped => (&SKIPPED, None),
            Event::Refused => (&REFUSED, None),
            Event::Ready => (&READY, None),
            Event::QuickHit(d) => (&QUICK_HITS, Some(d)),
            Event::LateHit(d) => (&LATE_HITS, Some(d)),
            Event::Miss(d) => (&MISSES, Some(d)),
        };
        outcome.fetch_add(1, Relaxed);
        if let Some(d) = spun {
            SPUN.fetch_add(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX), Relaxed);
        }
    }

    pub(crate) fn snapshot() -> PollStats {
        PollStats {
            waits: WAITS.load(Relaxed),
            asked: ASKED.load(Relaxed),
            crowded: CROWDED.load(Relaxed),
            skipped: SKIPPED.load(Relaxed),
            refused: REFUSED.load(Relaxed),
            ready: READY.load(Relaxed),
            quick_hits: QUICK_HITS.load(Relaxed),
            late_hits: LATE_HITS.load(Relaxed),
            misses: MISSES.load(Relaxed),
            spun: Duration::from_nanos(SPUN.load(Relaxed)),
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
    /// Waits that slept at once because the stream asked: its batches came faster when it
    /// slept (see `ConfigBuilder::busy_poll`).
    pub asked: u64,
    /// Waits that slept at once because the machine was crowded (threads waited for a CPU).
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
/// `poll-stats` feature, which costs two relaxed atomic additions per wait (three when it
/// polled: the time spun).
#[cfg(feature = "poll-stats")]
pub fn poll_stats() -> PollStats {
    counts::snapshot()
}
