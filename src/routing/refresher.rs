//! The background thread `boltc-routing`: refreshes routing tables shortly before their TTL runs
//! out, so requests rarely wait for a fetch, and purges tables nobody uses.
//!
//! It holds only a `Weak` reference to the router and sleeps on a crossbeam channel until the
//! next table is due. [`Handle::stop`] (from `Driver::close` or the last drop) sends `Shutdown`,
//! which wakes it at once, and joins it; in a forked child, where the thread does not exist,
//! it does neither.
//!
//! | thread state | leaves to                                                          |
//! |--------------|--------------------------------------------------------------------|
//! | sleeping     | maintaining (timeout or `Wake`), exited (`Shutdown`, sender gone)  |
//! | maintaining  | sleeping; exited when the router is gone                           |

use super::RouterInner;
use crate::error::{Error, ErrorKind, Result};
use crossbeam_channel::{Receiver, RecvTimeoutError};
use std::sync::Weak;
use std::thread::JoinHandle;
use std::time::Duration;

/// The thread's name.
pub(crate) const THREAD_NAME: &str = "boltc-routing";

/// Longest sleep between looks at the tables.
pub(crate) const MAX_SLEEP: Duration = Duration::from_secs(60);

/// A table is refreshed once this fraction of its TTL has passed.
pub(crate) const REFRESH_AT: f64 = 0.7;

/// How long a background fetch may take.
pub(crate) const FETCH_TIMEOUT: Duration = Duration::from_secs(30);

/// Messages to the thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Command {
    /// A table changed: recompute when the next one is due.
    Wake,
    /// Exit now.
    Shutdown,
}

/// The running thread.
pub(crate) struct Handle {
    tx: crossbeam_channel::Sender<Command>,
    thread: JoinHandle<()>,
    /// The process that started the thread: a child made by `fork` has no such thread.
    pid: u32,
}

pub(crate) fn spawn(router: Weak<RouterInner>, rx: Receiver<Command>) -> Result<Handle> {
    let tx = router
        .upgrade()
        .map(|r| r.wake.clone())
        .ok_or_else(|| Error::new(ErrorKind::IllegalState, "the router is gone"))?;
    let thread = std::thread::Builder::new()
        .name(THREAD_NAME.into())
        .spawn(move || run(&router, &rx))
        .map_err(|e| {
            Error::new(
                ErrorKind::IllegalState,
                format!("cannot start the routing thread: {e}"),
            )
        })?;
    Ok(Handle {
        tx,
        thread,
        pid: std::process::id(),
    })
}

fn run(router: &Weak<RouterInner>, rx: &Receiver<Command>) {
    log::debug!("routing refresher started");
    loop {
        let next = match router.upgrade() {
            Some(r) => r.maintain(),
            None => break,
        };
        let wait = next.saturating_duration_since(crate::clock::now());
        match rx.recv_timeout(wait) {
            Ok(Command::Wake) | Err(RecvTimeoutError::Timeout) => {}
            Ok(Command::Shutdown) | Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    log::debug!("routing refresher stopped");
}

impl Handle {
    /// Tells the thread to exit and joins it (never from the thread itself).
    ///
    /// In a child process made by `fork` the thread does not exist (only the thread that
    /// forked is copied): the handle is forgotten, neither joined (which would wait for ever or
    /// fail) nor detached, and nothing is sent (the channel's state was copied mid-use, maybe).
    /// The child's requests still fetch routing tables when they need them.
    pub(crate) fn stop(self) {
        if self.pid != std::process::id() {
            log::debug!("routing refresher: forked child, the thread stays with the parent");
            std::mem::forget(self);
            return;
        }
        let _ = self.tx.send(Command::Shutdown);
        if self.thread.thread().id() == std::thread::current().id() {
            return;
        }
        if self.thread.join().is_err() {
            log::warn!("the routing refresher panicked");
        }
    }
}
