//! [`Interrupt`]: a cross-thread interrupt for one caller's blocking calls, whatever they are
//! blocked on at the moment: a socket read or write, or a condvar wait (pool acquisition, a
//! routing table another thread is fetching).
//!
//! The blocked side names its current wait target with [`Interrupt::target`]; the other thread
//! calls [`Interrupt::interrupt`], which raises a flag and then shuts the socket down or runs the
//! waker. A waker must take the lock its waiter checks the flag under before it notifies, so an
//! interrupt between the waiter's check and its wait is not lost.
//!
//! | flag    | set by                        | cleared by                                   |
//! |---------|-------------------------------|----------------------------------------------|
//! | clear   | (start), [`Interrupt::clear`] | —                                            |
//! | raised  | [`Interrupt::interrupt`]      | [`Interrupt::clear`] (start of the next wait) |

use super::ShutdownHandle;
use parking_lot::Mutex;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Wakes a condvar waiter (it takes the waiter's lock, then notifies).
pub(crate) type Waker = Arc<dyn Fn() + Send + Sync>;

/// What a blocked call is waiting on.
#[derive(Default)]
pub(crate) enum Target {
    /// Nothing that can be woken.
    #[default]
    None,
    /// A socket: shut it down.
    Socket(ShutdownHandle),
    /// A condvar: run the waker.
    Wait(Waker),
}

/// A cross-thread interrupt; see the module docs.
#[derive(Default)]
pub(crate) struct Interrupt {
    raised: AtomicBool,
    target: Mutex<Target>,
}

impl fmt::Debug for Interrupt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interrupt")
            .field("raised", &self.is_raised())
            .finish_non_exhaustive()
    }
}

impl Interrupt {
    /// Raises the flag and wakes the current target; returns whether there was one.
    pub(crate) fn interrupt(&self) -> bool {
        let target = self.target.lock();
        self.raised.store(true, Ordering::SeqCst);
        match &*target {
            Target::None => false,
            Target::Socket(h) => {
                if let Err(e) = h.shutdown() {
                    log::debug!("interrupting a call: shutdown failed: {e}");
                }
                true
            }
            Target::Wait(wake) => {
                wake();
                true
            }
        }
    }

    /// Whether [`Interrupt::interrupt`] was called since the last [`Interrupt::clear`].
    pub(crate) fn is_raised(&self) -> bool {
        self.raised.load(Ordering::SeqCst)
    }

    /// Lowers the flag (a new call starts: earlier interrupts are not for it).
    pub(crate) fn clear(&self) {
        self.raised.store(false, Ordering::SeqCst);
    }

    /// Replaces the wait target; returns the previous one.
    pub(crate) fn target(&self, target: Target) -> Target {
        std::mem::replace(&mut *self.target.lock(), target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn interrupt_raises_and_wakes_the_target() {
        let i = Interrupt::default();
        assert!(!i.interrupt(), "no target");
        assert!(i.is_raised());
        i.clear();
        assert!(!i.is_raised());
        let woken = Arc::new(AtomicUsize::new(0));
        let w = woken.clone();
        let old = i.target(Target::Wait(Arc::new(move || {
            w.fetch_add(1, Ordering::SeqCst);
        })));
        assert!(matches!(old, Target::None));
        assert!(i.interrupt());
        assert_eq!(woken.load(Ordering::SeqCst), 1);
        assert!(matches!(i.target(Target::None), Target::Wait(_)));
        assert!(!i.interrupt());
        assert_eq!(woken.load(Ordering::SeqCst), 1);
    }
}
