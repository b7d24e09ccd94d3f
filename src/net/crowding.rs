//! Whether the machine has a core to spare for busy polling ([`machine_crowded`]).
//!
//! A thread that spins on a socket takes a core; on a crowded machine that core was wanted by
//! a thread with work (another client thread, or a local server producing the answer). The
//! verdict comes from Linux's CPU pressure (`/proc/pressure/cpu`): the share of the time, since
//! the last sample, during which some thread was ready to run but had no CPU. That is a
//! measure over the interval, so a thread that was runnable only for a moment (a kernel
//! worker, a timer) does not turn polling off for the next sample period, as a look at the run
//! queue did: on a 2-core VM with a client and a local server (exactly two runnable threads),
//! a third one caught in a sample of `/proc/loadavg` made a third to half of a 35 ms stream
//! sleep instead of poll. Where pressure is not reported (older kernels, `psi=0`), the run
//! queue of `/proc/loadavg` stands in. No I/O besides reading those files; `false` where
//! neither can be read (not Linux).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use super::stream::now_us;

/// Whether the machine has no core to spare for polling (see the module). Sampled at most
/// every [`SAMPLE`] for the whole process (a file read costs a few microseconds).
pub(super) fn machine_crowded() -> bool {
    static STATE: OnceLock<Sampler> = OnceLock::new();
    STATE.get_or_init(Sampler::new).crowded()
}

/// How long a verdict holds.
const SAMPLE: Duration = Duration::from_millis(10);

/// The share of the time with some thread waiting for a CPU above which the machine counts as
/// crowded. Measured on the 2-core VM over whole runs: a streaming client polling beside a
/// local server 0.03–0.11, the same with a busy loop on the server's CPU 0.48–0.54, four
/// client threads and the server 0.61–0.68.
const CROWDED_SHARE: f64 = 0.25;

/// The cached verdict of [`machine_crowded`] and the pressure it was taken from.
struct Sampler {
    cores: usize,
    /// When the verdict was taken, as [`now_us`] (0: never).
    sampled_at: AtomicU64,
    /// The pressure file's `some` total at that time, in microseconds (0: not read).
    stalled_us: AtomicU64,
    crowded: AtomicBool,
}

impl Sampler {
    fn new() -> Sampler {
        Sampler {
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            sampled_at: AtomicU64::new(0),
            stalled_us: AtomicU64::new(0),
            crowded: AtomicBool::new(false),
        }
    }

    fn crowded(&self) -> bool {
        if cfg!(test) {
            // This crate's unit tests run in parallel and test polling itself.
            return false;
        }
        let now = now_us();
        let at = self.sampled_at.load(Ordering::Relaxed);
        let period = u64::try_from(SAMPLE.as_micros()).unwrap_or(u64::MAX);
        if at != 0 && now.saturating_sub(at) < period {
            return self.crowded.load(Ordering::Relaxed);
        }
        // One thread samples; the others keep the previous verdict meanwhile.
        if self
            .sampled_at
            .compare_exchange(at, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
        {
            return self.crowded.load(Ordering::Relaxed);
        }
        let verdict = match std::fs::read_to_string("/proc/pressure/cpu")
            .ok()
            .and_then(|text| Pressure::parse(&text))
        {
            Some(p) => {
                let before = self.stalled_us.swap(p.total_us, Ordering::Relaxed);
                p.crowded_since(before, now.saturating_sub(at))
            }
            None => {
                // The next pressure sample (if any) has no earlier one to measure from.
                self.stalled_us.store(0, Ordering::Relaxed);
                std::fs::read_to_string("/proc/loadavg")
                    .ok()
                    .and_then(|text| crowded_by_run_queue(&text, self.cores))
                    .unwrap_or(false)
            }
        };
        self.crowded.store(verdict, Ordering::Relaxed);
        verdict
    }
}

/// The `some` line of `/proc/pressure/cpu`
/// (`some avg10=0.83 avg60=2.60 avg300=5.88 total=5169362271`).
#[derive(Debug, PartialEq)]
struct Pressure {
    /// The share of the last 10 seconds, in percent, with some thread waiting for a CPU.
    avg10: f64,
    /// The time with some thread waiting for a CPU since boot, in microseconds.
    total_us: u64,
}

impl Pressure {
    /// The `some` line's figures; `None` if the text has no such line of that form.
    fn parse(text: &str) -> Option<Pressure> {
        let line = text.lines().find_map(|l| l.strip_prefix("some "))?;
        let field = |name: &str| {
            line.split_whitespace()
                .find_map(|f| f.strip_prefix(name)?.strip_prefix('='))
        };
        Some(Pressure {
            avg10: field("avg10")?.parse().ok()?,
            total_us: field("total")?.parse().ok()?,
        })
    }

    /// Whether the machine was crowded over the `elapsed_us` since the sample whose total was
    /// `before_us`: some thread waited for a CPU more than [`CROWDED_SHARE`] of that time. A
    /// first sample (`before_us` 0: none read) has nothing to measure from and takes the
    /// kernel's 10-second average instead.
    fn crowded_since(&self, before_us: u64, elapsed_us: u64) -> bool {
        if before_us == 0 || elapsed_us == 0 {
            return self.avg10 > CROWDED_SHARE * 100.0;
        }
        let stalled = self.total_us.saturating_sub(before_us);
        // Microsecond counts of an interval: far below 2^52, exact as f64.
        #[allow(clippy::cast_precision_loss)]
        let share = stalled as f64 / elapsed_us as f64;
        share > CROWDED_SHARE
    }
}

/// Whether `/proc/loadavg` text (`0.52 0.58 0.59 3/467 12345`) shows more runnable threads
/// than `cores` (the count includes the thread asking); `None` if the text does not have that
/// form. Used where CPU pressure is not reported.
fn crowded_by_run_queue(loadavg: &str, cores: usize) -> Option<bool> {
    let runnable = loadavg.split_whitespace().nth(3)?.split_once('/')?.0;
    let runnable: usize = runnable.parse().ok()?;
    Some(runnable > cores)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pressure_is_read_from_the_some_line() {
        let text = "some avg10=0.83 avg60=2.60 avg300=5.88 total=5169362271\n\
                    full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n";
        assert_eq!(
            Pressure::parse(text),
            Some(Pressure {
                avg10: 0.83,
                total_us: 5_169_362_271
            })
        );
        // The `full` line alone, or a field missing or not a number: no figures.
        assert_eq!(Pressure::parse("full avg10=0.00 total=0"), None);
        assert_eq!(Pressure::parse("some avg10=0.83 avg60=2.60"), None);
        assert_eq!(Pressure::parse("some avg10=x total=5"), None);
        assert_eq!(Pressure::parse(""), None);
    }

    #[test]
    fn crowded_when_threads_waited_for_a_cpu_over_a_quarter_of_the_interval() {
        let now = |total_us| Pressure {
            avg10: 0.0,
            total_us,
        };
        // 10 ms since the last sample: 0.3 ms of waiting (a passing kernel thread) is not a
        // crowd, 5 ms (a busy loop sharing the server's core) is.
        assert!(!now(1_000_300).crowded_since(1_000_000, 10_000));
        assert!(!now(1_002_500).crowded_since(1_000_000, 10_000));
        assert!(now(1_002_501).crowded_since(1_000_000, 10_000));
        assert!(now(1_005_000).crowded_since(1_000_000, 10_000));
        // Several threads waiting at once count once: the share stays at most 1.
        assert!(now(1_010_000).crowded_since(1_000_000, 10_000));
        // A total that went back (it never should) is no waiting.
        assert!(!now(5).crowded_since(1_000_000, 10_000));
    }

    #[test]
    fn the_first_sample_goes_by_the_ten_second_average() {
        let p = |avg10| Pressure { avg10, total_us: 7 };
        assert!(!p(3.5).crowded_since(0, 10_000));
        assert!(p(60.0).crowded_since(0, 10_000));
        // No time passed: nothing to divide by.
        assert!(p(60.0).crowded_since(7, 0));
        assert!(!p(0.0).crowded_since(7, 0));
    }

    #[test]
    fn without_pressure_more_runnable_threads_than_cores_is_a_crowd() {
        // The asking thread and one more (say, the local server) fit on two cores.
        let crowded = crowded_by_run_queue;
        assert_eq!(crowded("0.10 0.20 0.30 2/249 1234\n", 2), Some(false));
        assert_eq!(crowded("9.87 10.07 11.80 3/249 534\n", 2), Some(true));
        assert_eq!(crowded("1.00 1.00 1.00 5/300 1", 8), Some(false));
        assert_eq!(crowded("1.00 1.00 1.00 9/300 1", 8), Some(true));
        // Not that form: no verdict (the caller keeps polling as configured).
        assert_eq!(crowded("", 2), None);
        assert_eq!(crowded("1 2 3 x/5 6", 2), None);
        assert_eq!(crowded("1 2 3", 2), None);
    }
}
