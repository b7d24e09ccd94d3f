//! This process's id, without a system call per question.
//!
//! Connections, pools and the routing thread remember the process that made them, so that a
//! child made by `fork` leaves its parent's sockets alone (see `Stream::inherited`). They ask
//! on every read, write, pool acquisition and release: with `getpid` that was four system
//! calls per query. [`id`] answers from a cache instead. On Unix a `pthread_atfork` child
//! handler (registered on the first call) clears the cache in every child that `fork` makes,
//! so the child's next question reads its own id; where the handler cannot be registered, or
//! while another thread is registering it, [`id`] asks the system every time. A child made
//! without `fork` (a raw `clone` system call that skips the handlers) would see its parent's
//! id: programs that do that cannot share this library's connections anyway.

use std::sync::atomic::{AtomicU32, AtomicU8, Ordering};

/// The cached id (0: not known; no process has id 0).
static CACHED: AtomicU32 = AtomicU32::new(0);

/// Whether the fork handler is registered: [`UNWATCHED`], [`REGISTERING`], [`WATCHED`] or
/// [`UNWATCHABLE`].
static HOOK: AtomicU8 = AtomicU8::new(UNWATCHED);
const UNWATCHED: u8 = 0;
const REGISTERING: u8 = 1;
const WATCHED: u8 = 2;
const UNWATCHABLE: u8 = 3;

/// This process's id (what `std::process::id()` returns), from the cache when it is valid.
#[inline]
pub(crate) fn id() -> u32 {
    match CACHED.load(Ordering::Relaxed) {
        0 => id_slow(),
        pid => pid,
    }
}

#[cold]
fn id_slow() -> u32 {
    // Registered before the id is cached, so a fork after the cache is filled always runs the
    // handler. One thread registers; the others ask the system meanwhile (never waiting: a
    // wait could last for ever in a child forked while another thread registered).
    if HOOK
        .compare_exchange(UNWATCHED, REGISTERING, Ordering::AcqRel, Ordering::Acquire)
        .is_ok()
    {
        let watched = crate::ffi::fork::on_fork_child(forget);
        HOOK.store(
            if watched { WATCHED } else { UNWATCHABLE },
            Ordering::Release,
        );
    }
    let pid = std::process::id();
    if HOOK.load(Ordering::Acquire) == WATCHED {
        CACHED.store(pid, Ordering::Relaxed);
    }
    pid
}

/// The fork child handler: forgets the parent's id (an atomic store, safe in a child that
/// only one thread was copied into).
extern "C" fn forget() {
    CACHED.store(0, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_cached_id_is_the_process_id() {
        assert_eq!(super::id(), std::process::id());
        assert_eq!(super::id(), std::process::id());
        if cfg!(unix) {
            assert_eq!(
                super::HOOK.load(std::sync::atomic::Ordering::Relaxed),
                super::WATCHED
            );
            assert_eq!(
                super::CACHED.load(std::sync::atomic::Ordering::Relaxed),
                std::process::id()
            );
        }
    }
}
