//! [`Pace`]: how a connection's streams get and wait for their next batch (pull it ahead or
//! after the batch, and poll or sleep while waiting for it), chosen by measuring.
//!
//! A stream pulls its next batch while it reads the current one (see `Session::pull_ahead`),
//! so it waits for a batch once per batch, not once per query. What that wait should be
//! depends on where the threads run, which no rule can see:
//! - when the client and a local server sit on different cores, polling saves a wake-up a
//!   batch (on a 2-core VM, W1 took 0.039 s pulling ahead and polling, 0.070 s asleep, about
//!   0.06 s pulling after each batch);
//! - a client that sleeps can be woken on the server's core, where no batch pays a wake-up
//!   across cores, but a client that polls never sleeps, so it is never moved there;
//! - a client that pulls ahead keeps itself and the server busy at once, so the scheduler
//!   spreads them over two cores; one that pulls after each batch never runs at the same time
//!   as the server, so the two can share a core (0.018–0.020 s against 0.020–0.024 pulling
//!   ahead, unpinned on an idle machine);
//! - but only a client that sleeps is moved: one that pulls after each batch and polls spins
//!   on its own core while the server works, so the two stay apart and each batch pays a
//!   wake-up across cores. Pulling after the batch and sleeping, which is what a plain
//!   blocking client does, is the one way that lets the scheduler move the client there.
//!
//! So a connection times each way for a few batches, keeps the one that gave the shorter time
//! per batch, and tries the others again now and then (less often each time a trial confirms
//! the choice). A trial whose first timed batches are clearly slower than the fastest way ends
//! there: where the client's own work is the bound (W1b, 200 batches of wide rows), pulling
//! after each batch makes it wait for every batch, and whole trials of those ways made the
//! stream 8% slower than with polling off, which never tries them (0.124 against 0.114 µs a
//! row, medians of 41 alternating rounds of `benches/ab.py`; 0.114 with trials ended early).
//!
//! The time per batch is the time between two PULLs of a stream, which covers reading a batch
//! and waiting for the next; the session measures it and tells the connection's
//! [`Stream`](super::Stream), which keeps the `Pace` across results (the threads' placement is
//! not a property of one result, and a short result would not pay for trials of its own).
//!
//! Pure: it is told how long batches took, and answers how to get the next.

use std::time::Duration;

/// Batches a trial of one way of getting batches lasts.
const TRIAL: u32 = 8;

/// The first batches of a trial that are not timed: the change of way takes effect over them
/// (a thread that starts sleeping is moved to another core only when it is woken).
const SETTLE: u32 = 2;

/// The timed batches after which a trial that is losing clearly ends early (see
/// `Pace::losing`).
const EARLY: u32 = 2;

/// How much slower than the fastest way a trial's batches must be to end it early: 5/4.
const LOSING: (u128, u128) = (5, 4);

/// Batches between trials at first; each trial that confirms the choice doubles it, up to
/// [`MAX_KEEP`].
const FIRST_KEEP: u32 = 32;

/// The most batches between two trials.
const MAX_KEEP: u32 = 1024;

/// A way of getting a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Way {
    /// Pull the next batch ahead; poll while waiting for it.
    Poll = 0,
    /// Pull the next batch ahead; sleep while waiting for it.
    Sleep = 1,
    /// Pull the next batch only after the current one; poll while waiting for it.
    After = 2,
    /// Pull the next batch only after the current one; sleep while waiting for it.
    AfterSleep = 3,
}

impl Way {
    const ALL: [Way; 4] = [Way::Poll, Way::Sleep, Way::After, Way::AfterSleep];

    /// The way after this one in [`Way::ALL`], round the end.
    fn next(self) -> Way {
        Way::ALL[(self as usize + 1) % Way::ALL.len()]
    }
}

/// A connection's choice of how its streams get their batches (see the module).
#[derive(Debug)]
pub(crate) struct Pace {
    /// The way in use now.
    way: Way,
    /// The way chosen, which trials of the others interrupt.
    chosen: Way,
    /// The way the next trial tries (the ways other than the chosen one take turns).
    next_trial: Way,
    /// Batches left in the current stretch (a trial, or the chosen way between trials).
    left: u32,
    /// Whether the current stretch is a trial.
    trial: bool,
    /// How long the chosen way runs before the next trial.
    keep: u32,
    /// The timed batches of the current stretch: how many, and their total time.
    timed: u32,
    spent: Duration,
    /// Time per batch last measured for each way (in the order of [`Way::ALL`]).
    measured: [Option<Duration>; Way::ALL.len()],
    /// Whether a way was chosen after trying each (the first choice confirms nothing).
    decided: bool,
}

impl Default for Pace {
    fn default() -> Pace {
        Pace {
            way: Way::Poll,
            chosen: Way::Poll,
            next_trial: Way::Sleep,
            left: TRIAL,
            trial: true,
            keep: FIRST_KEEP,
            timed: 0,
            spent: Duration::ZERO,
            measured: [None; Way::ALL.len()],
            decided: false,
        }
    }
}

impl Pace {
    /// Whether the next wait for a batch should sleep rather than poll.
    pub(super) fn sleeps(&self) -> bool {
        matches!(self.way, Way::Sleep | Way::AfterSleep)
    }

    /// Whether streams should pull their next batch before they have read the current one.
    pub(super) fn pulls_ahead(&self) -> bool {
        matches!(self.way, Way::Poll | Way::Sleep)
    }

    /// Notes that a batch of a stream went by in `took` (from one PULL of the stream to the next).
    pub(super) fn took(&mut self, took: Duration) {
        let stretch = if self.trial { TRIAL } else { self.keep };
        // Batches of this stretch already gone by, this one included.
        let done = stretch - self.left + 1;
        if done > SETTLE {
            self.timed += 1;
            self.spent += took;
        }
        self.left -= 1;
        if self.left == 0 || self.losing() {
            self.end_stretch();
        }
    }

    /// Whether the trial under way has timed enough batches ([`EARLY`]) to show that its way
    /// is slower than the fastest measured by more than [`LOSING`]: it ends there, so a way
    /// that loses costs a few batches, not a whole trial.
    fn losing(&self) -> bool {
        if !self.trial || self.timed < EARLY {
            return false;
        }
        let Some(best) = Way::ALL
            .iter()
            .filter(|w| **w != self.way)
            .filter_map(|w| self.measured[*w as usize])
            .min()
        else {
            return false;
        };
        let mean = self.spent / self.timed;
        mean.as_nanos() * LOSING.1 > best.as_nanos() * LOSING.0
    }

    /// Records what the stretch measured and starts the next one.
    fn end_stretch(&mut self) {
        if self.timed > 0 {
            self.measured[self.way as usize] = Some(self.spent / self.timed);
        }
        self.timed = 0;
        self.spent = Duration::ZERO;
        if let Some(&untried) = Way::ALL
            .iter()
            .find(|w| self.measured[**w as usize].is_none())
        {
            // The first trials: each way once, in order.
            return self.start(untried, true, TRIAL);
        }
        if self.trial {
            // A trial just ended: keep the fastest way (the earlier in `Way::ALL` on a tie),
            // for longer if the choice did not change.
            let mut best = Way::Poll;
            for way in Way::ALL {
                if self.measured[way as usize] < self.measured[best as usize] {
                    best = way;
                }
            }
            self.keep = if best == self.chosen && self.decided {
                (self.keep * 2).min(MAX_KEEP)
            } else {
                FIRST_KEEP
            };
            self.chosen = best;
            self.decided = true;
            self.start(best, false, self.keep)
        } else {
            // The chosen way ran its course: try the next of the others.
            let mut trial = self.next_trial;
            if trial == self.chosen {
                trial = trial.next();
            }
            self.next_trial = trial.next();
            self.start(trial, true, TRIAL)
        }
    }

    fn start(&mut self, way: Way, trial: bool, batches: u32) {
        self.way = way;
        self.trial = trial;
        self.left = batches;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `pace` `n` batches that take `us[way]` µs by each way (in the order of
    /// [`Way::ALL`]); returns how many batches went each way.
    fn run(pace: &mut Pace, n: u32, us: [u64; 4]) -> [u32; 4] {
        let mut went = [0; 4];
        for _ in 0..n {
            let way = match (pace.pulls_ahead(), pace.sleeps()) {
                (true, false) => Way::Poll,
                (true, true) => Way::Sleep,
                (false, false) => Way::After,
                (false, true) => Way::AfterSleep,
            };
            went[way as usize] += 1;
            pace.took(Duration::from_micros(us[way as usize]));
        }
        went
    }

    #[test]
    fn tries_each_way_in_turn_then_keeps_the_fastest() {
        let mut pace = Pace::default();
        assert!(pace.pulls_ahead() && !pace.sleeps());
        // Each within 5/4 of the fastest, so no trial ends early.
        let us = [30, 25, 30, 31];
        assert_eq!(run(&mut pace, TRIAL, us), [TRIAL, 0, 0, 0]);
        assert_eq!(run(&mut pace, TRIAL, us), [0, TRIAL, 0, 0]);
        assert_eq!(run(&mut pace, TRIAL, us), [0, 0, TRIAL, 0]);
        assert_eq!(run(&mut pace, TRIAL, us), [0, 0, 0, TRIAL]);
        // Sleeping was the fastest: it is kept until the next trial, of pulling after.
        assert_eq!(run(&mut pace, FIRST_KEEP, us), [0, FIRST_KEEP, 0, 0]);
        assert_eq!(run(&mut pace, TRIAL, us), [0, 0, TRIAL, 0]);
        // Confirmed: kept twice as long; then the others take their turns.
        assert_eq!(
            run(&mut pace, 2 * FIRST_KEEP, us),
            [0, 2 * FIRST_KEEP, 0, 0]
        );
        assert_eq!(run(&mut pace, TRIAL, us), [0, 0, 0, TRIAL]);
        assert_eq!(
            run(&mut pace, 4 * FIRST_KEEP, us),
            [0, 4 * FIRST_KEEP, 0, 0]
        );
        assert_eq!(run(&mut pace, TRIAL, us), [TRIAL, 0, 0, 0]);
        assert_eq!(
            run(&mut pace, 8 * FIRST_KEEP, us),
            [0, 8 * FIRST_KEEP, 0, 0]
        );
    }

    #[test]
    fn where_polling_ahead_is_fastest_the_others_are_tried_less_and_less() {
        let mut pace = Pace::default();
        // 1,000 batches (W1 at fetch size 1000): after the first four trials, the others
        // take turns after 32, 64, 128 and 256 batches of polling, and each of their trials
        // ends early, losing.
        let us = [39, 70, 60, 65];
        let short = SETTLE + EARLY;
        let went = run(&mut pace, 1000, us);
        assert_eq!(went, [1000 - 7 * short, 3 * short, 2 * short, 2 * short]);
        let more = run(&mut pace, 10 * MAX_KEEP, us);
        assert!(more[1] + more[2] + more[3] <= 10 * short, "{more:?}");
    }

    #[test]
    fn a_trial_that_loses_clearly_ends_early_and_one_that_loses_a_little_does_not() {
        let mut pace = Pace::default();
        run(&mut pace, TRIAL, [40, 40, 40, 40]);
        // Sleeping is slower than polling by more than 5/4: its trial ends after its
        // settling batches and EARLY timed ones, and what they took is what it measured.
        let went = run(&mut pace, SETTLE + EARLY, [40, 51, 40, 40]);
        assert_eq!(went, [0, SETTLE + EARLY, 0, 0]);
        assert_eq!(
            pace.measured[Way::Sleep as usize],
            Some(Duration::from_micros(51))
        );
        assert!(!pace.pulls_ahead() && !pace.sleeps());
        // Pulling after each batch is slower by less than that: its trial runs its length.
        assert_eq!(run(&mut pace, TRIAL, [40, 51, 49, 40]), [0, 0, TRIAL, 0]);
        // The slow batches of a trial that settle are not held against it.
        for us in [900, 900, 40, 40] {
            assert!(!pace.pulls_ahead() && pace.sleeps());
            pace.took(Duration::from_micros(us));
        }
        assert!(pace.sleeps(), "the trial goes on");
    }

    #[test]
    fn a_change_of_machine_changes_the_choice() {
        let mut pace = Pace::default();
        run(&mut pace, 200, [39, 70, 60, 65]);
        assert_eq!(pace.chosen, Way::Poll);
        // Pulling after each batch and sleeping becomes the fastest (say the client can now
        // share the server's core): its next trial finds out and keeps it, and the others are
        // tried less and less.
        run(&mut pace, 2 * MAX_KEEP, [39, 70, 60, 22]);
        assert_eq!(pace.chosen, Way::AfterSleep);
        let went = run(&mut pace, 4 * MAX_KEEP, [39, 70, 60, 22]);
        assert!(went[3] >= 4 * MAX_KEEP - 9 * TRIAL, "{went:?}");
    }

    #[test]
    fn batches_settling_after_a_change_are_not_timed() {
        let mut pace = Pace::default();
        run(&mut pace, TRIAL, [30, 30, 30, 30]);
        // Sleeping: two slow batches while the thread moves, then fast ones.
        for us in [500, 500, 20, 20, 20, 20, 20, 20] {
            assert!(pace.sleeps());
            pace.took(Duration::from_micros(us));
        }
        assert_eq!(
            pace.measured[Way::Sleep as usize],
            Some(Duration::from_micros(20))
        );
        // Then the trial of pulling after each batch.
        assert!(!pace.pulls_ahead() && !pace.sleeps());
    }
}
