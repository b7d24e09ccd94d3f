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

use super::fetch::RouteRequest;
use super::{RouterInner, State};
use crate::error::{Error, ErrorKind, Result};
use crossbeam_channel::{Receiver, RecvTimeoutError};
use std::sync::Weak;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

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
        pid: crate::process::id(),
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
        if self.pid != crate::process::id() {
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

impl RouterInner {
    /// For the refresher: fetches the tables close to expiry that were used since their last
    /// fetch, and drops tables expired longer than the purge delay. Returns when to look again.
    pub(crate) fn maintain(&self) -> Instant {
        let now = crate::clock::now();
        let mut due = Vec::new();
        let mut next = now + MAX_SLEEP;
        let mut st = self.state.lock();
        if st.closed {
            return next;
        }
        let purge = self.config.purge_delay;
        st.tables.retain(|k, e| {
            let keep = e.refreshing || now < e.table.expires() + purge;
            if !keep {
                log::info!("purging the unused routing table of {k:?}");
            }
            keep
        });
        // The home database cache lives as long as the table it points to, so it stays
        // bounded and a changed home database is noticed once the old table is gone.
        let State { tables, home, .. } = &mut *st;
        home.retain(|_, (db, _)| tables.contains_key(&Some(db.clone())));
        for (k, e) in &mut st.tables {
            let fetched_ok = !e.table.ttl.is_zero() && !e.refreshing;
            let at = e.table.fetched + e.table.ttl.mul_f64(REFRESH_AT);
            let used = e.last_used >= e.table.fetched;
            if fetched_ok && used && now >= at && now < e.table.expires() {
                e.refreshing = true;
                due.push((k.clone(), e.table.routers.clone(), e.imp_user.clone()));
            } else if fetched_ok && used && now < at {
                next = next.min(at);
            }
            if fetched_ok {
                next = next.min(e.table.expires() + purge);
            }
        }
        drop(st);
        for (key, routers, imp_user) in due {
            let req = RouteRequest {
                context: &self.config.context,
                bookmarks: &[],
                database: key.as_deref(),
                imp_user: imp_user.as_deref(),
                auth: None,
            };
            let deadline = Instant::now() + FETCH_TIMEOUT;
            let fetched = self.discover(&routers, &req, deadline, None);
            if let Err(e) = self.store(&key, imp_user.as_deref(), fetched, false) {
                log::info!("background refresh of the routing table for {key:?} failed: {e}");
            }
            next = Instant::now();
        }
        next
    }
}
