//! [`Pace`]: whether a connection's streams wait for their next batch by polling the socket or
//! asleep, chosen by measuring both.
//!
//! A stream pulls its next batch while it reads the current one (see `Session::pull_ahead`),
//! so it waits for a batch once per batch, not once per query. Whether that wait should poll
//! depends on where the threads run, which no rule can see: when the client and a local server
//! sit on different cores, polling saves a wake-up a batch (on a 2-core VM, W1 took 0.039 s
//! polling against 0.070 s asleep); when the scheduler can put a client that sleeps on the
//! server's core, waking there costs nothing and the two stop paying for wake-ups across cores
//! (0.022–0.023 s either way on one core), but a client that polls never sleeps, so it is
//! never moved there. So a connection times both: its streams poll for their first batches,
//! sleep for the next few, then keep whichever gave the shorter time per batch, trying the
//! other again now and then (less often each time the trial confirms the choice). The time
//! per batch is the time between two PULLs a stream sends ahead, which covers reading a batch
//! and waiting for the next; the session measures it and tells the connection's
//! [`Stream`](super::Stream), which keeps the `Pace` across results (the threads' placement is
//! not a property of one result, and a short result would not pay for a trial of its own).
//!
//! Pure: it is told how long batches took, and answers whether the next wait sleeps.

use std::time::Duration;

/// Batches a trial of one way of waiting lasts.
const TRIAL: u32 = 8;

/// The first batches of a trial that are not timed: the change of way takes effect over them
/// (a thread that starts sleeping is moved to another core only when it is woken).
const SETTLE: u32 = 2;

/// Batches between trials at first; each trial that confirms the choice doubles it, up to
/// [`MAX_KEEP`].
const FIRST_KEEP: u32 = 32;

/// The most batches between two trials.
const MAX_KEEP: u32 = 1024;

/// A way of waiting for a batch, and what it was last measured to take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Way {
    Poll,
    Sleep,
}

impl Way {
    fn other(self) -> Way {
        match self {
            Way::Poll => Way::Sleep,
            Way::Sleep => Way::Poll,
        }
    }
}

/// One stream's choice of how to wait for its batches (see the module).
#[derive(Debug)]
pub(crate) struct Pace {
    /// The way in use now.
    way: Way,
    /// The way chosen, which a trial of the other interrupts.
    chosen: Way,
    /// Batches left in the current stretch (a trial, or the chosen way between trials).
    left: u32,
    /// Whether the current stretch is a trial.
    trial: bool,
    /// How long the chosen way runs before the next trial.
    keep: u32,
    /// The timed batches of the current stretch: how many, and their total time.
    timed: u32,
    spent: Duration,
    /// Time per batch last measured for each way (polling, sleeping).
    measured: [Option<Duration>; 2],
    /// Whether a way was chosen after trying both (the first choice confirms nothing).
    decided: bool,
}

impl Default for Pace {
    fn default() -> Pace {
        Pace {
            way: Way::Poll,
            chosen: Way::Poll,
            left: TRIAL,
            trial: true,
            keep: FIRST_KEEP,
            timed: 0,
            spent: Duration::ZERO,
            measured: [None, None],
            decided: false,
        }
    }
}

impl Pace {
    /// Whether the stream's next wait for a batch should sleep rather than poll.
    pub(super) fn sleeps(&self) -> bool {
        self.way == Way::Sleep
    }

    /// Notes that a batch of a stream went by in `took` (from one PULL sent ahead to the next).
    pub(super) fn took(&mut self, took: Duration) {
        let stretch = if self.trial { TRIAL } else { self.keep };
        // Batches of this stretch already gone by, this one included.
        let done = stretch - self.left + 1;
        if done > SETTLE {
            self.timed += 1;
            self.spent += took;
        }
        self.left -= 1;
        if self.left == 0 {
            self.end_stretch();
        }
    }

    /// Records what the stretch measured and starts the next one.
    fn end_stretch(&mut self) {
        if self.timed > 0 {
            self.measured[self.way as usize] = Some(self.spent / self.timed);
        }
        self.timed = 0;
        self.spent = Duration::ZERO;
        let untried = self.way.other();
        if self.measured[untried as usize].is_none() {
            // The first trials: each way once.
            return self.start(untried, true, TRIAL);
        }
        if self.trial {
            // A trial just ended: keep the faster way (polling on a tie), for longer if the
            // choice did not change.
            let best = match self.measured {
                [Some(poll), Some(sleep)] if sleep < poll => Way::Sleep,
                _ => Way::Poll,
            };
            self.keep = if best == self.chosen && self.decided {
                (self.keep * 2).min(MAX_KEEP)
            } else {
                FIRST_KEEP
            };
            self.chosen = best;
            self.decided = true;
            self.start(best, false, self.keep)
        } else {
            // The chosen way ran its course: try the other.
            self.start(self.chosen.other(), true, TRIAL)
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

    /// Feeds `pace` `n` batches that take `poll` µs when it polls and `sleep` when it sleeps;
    /// returns how many of them slept.
    fn run(pace: &mut Pace, n: u32, poll: u64, sleep: u64) -> u32 {
        let mut slept = 0;
        for _ in 0..n {
            let us = if pace.sleeps() {
                slept += 1;
                sleep
            } else {
                poll
            };
            pace.took(Duration::from_micros(us));
        }
        slept
    }

    #[test]
    fn polls_first_then_tries_sleeping_then_keeps_the_faster() {
        let mut pace = Pace::default();
        assert!(!pace.sleeps());
        assert_eq!(run(&mut pace, TRIAL, 40, 25), 0);
        // The sleeping trial.
        assert_eq!(run(&mut pace, TRIAL, 40, 25), TRIAL);
        // Sleeping was faster: it is kept until the next trial of polling.
        assert_eq!(run(&mut pace, FIRST_KEEP, 40, 25), FIRST_KEEP);
        assert_eq!(run(&mut pace, TRIAL, 40, 25), 0);
        // Confirmed: kept twice as long.
        assert_eq!(run(&mut pace, 2 * FIRST_KEEP, 40, 25), 2 * FIRST_KEEP);
        assert_eq!(run(&mut pace, TRIAL, 40, 25), 0);
    }

    #[test]
    fn where_polling_is_faster_sleeping_is_tried_less_and_less() {
        let mut pace = Pace::default();
        // 1,000 batches (W1 at fetch size 1000): the trials of sleeping, after the first,
        // come after 32, 64, 128 and 256 batches of polling.
        assert_eq!(run(&mut pace, 1000, 39, 70), 5 * TRIAL);
        let more = run(&mut pace, 10 * MAX_KEEP, 39, 70);
        assert!(more <= 10 * TRIAL, "{more}");
    }

    #[test]
    fn a_change_of_machine_changes_the_choice() {
        let mut pace = Pace::default();
        assert_eq!(run(&mut pace, 200, 39, 70), 3 * TRIAL);
        assert_eq!(pace.chosen, Way::Poll);
        // Sleeping becomes the faster way (say the client can now share the server's core):
        // the next trial of it finds out and keeps it, and polling is tried less and less.
        run(&mut pace, MAX_KEEP, 39, 22);
        assert_eq!(pace.chosen, Way::Sleep);
        let slept = run(&mut pace, 2 * MAX_KEEP, 39, 22);
        assert!(slept >= 2 * MAX_KEEP - 3 * TRIAL, "{slept}");
    }

    #[test]
    fn batches_settling_after_a_change_are_not_timed() {
        let mut pace = Pace::default();
        run(&mut pace, TRIAL, 30, 30);
        // Sleeping: two slow batches while the thread moves, then fast ones.
        for us in [500, 500, 20, 20, 20, 20, 20, 20] {
            assert!(pace.sleeps());
            pace.took(Duration::from_micros(us));
        }
        assert_eq!(
            pace.measured[Way::Sleep as usize],
            Some(Duration::from_micros(20))
        );
        assert!(pace.sleeps());
    }
}
