//! What a session handle, its transaction handles and its result handles share: the Rust
//! `Session` behind a mutex (a tombstone after `boltc_session_close`) and the interrupter.
//!
//! Each call takes the mutex with a try-lock, so a second thread gets `BOLTC_STATUS_BUSY`
//! instead of waiting; `_free` functions and the end of a transaction function wait.

use super::status::{boltc_status, Failure, FfiResult};
use crate::driver::{Session, SessionInterrupt};
use crate::error::{Error, ErrorKind};
use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The session state behind the mutex.
pub(crate) struct SessState {
    /// `None` once closed (the tombstone).
    pub(crate) session: Option<Session>,
    pub(crate) tx_serial: u64,
    /// The serial of the open transaction handle, if any.
    pub(crate) open_tx: Option<u64>,
}

impl SessState {
    /// The session, or `IllegalState` after close.
    pub(crate) fn session(&mut self) -> FfiResult<&mut Session> {
        self.session.as_mut().ok_or_else(|| {
            Error::new(ErrorKind::IllegalState, "the session has been closed").into()
        })
    }
}

/// What a session, its transactions and its results share.
pub(crate) struct SessionShared {
    pub(crate) state: Mutex<SessState>,
    pub(crate) interrupt: SessionInterrupt,
    /// Set by `boltc_session_interrupt`: the next connection error is reported as
    /// `BOLTC_STATUS_INTERRUPTED`.
    pub(crate) interrupted: AtomicBool,
}

impl SessionShared {
    pub(crate) fn new(session: Session) -> Arc<SessionShared> {
        Arc::new(SessionShared {
            interrupt: session.interrupter(),
            state: Mutex::new(SessState {
                session: Some(session),
                tx_serial: 0,
                open_tx: None,
            }),
            interrupted: AtomicBool::new(false),
        })
    }

    /// Runs `f` with the session locked; `BOLTC_STATUS_BUSY` if another thread has it.
    /// A connection error after `boltc_session_interrupt` becomes `BOLTC_STATUS_INTERRUPTED`.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut SessState) -> FfiResult<R>) -> FfiResult<R> {
        let mut st = self.state.try_lock().ok_or_else(|| {
            Failure::with_status(
                boltc_status::Busy,
                "the session is in use by another thread",
            )
        })?;
        self.interrupted.store(false, Ordering::SeqCst);
        f(&mut st).map_err(|fail| self.map_interrupted(fail))
    }

    /// Like [`SessionShared::with`] but waits for the lock instead of failing with
    /// `BOLTC_STATUS_BUSY` (to end a transaction function's transaction).
    pub(crate) fn with_wait<R>(
        &self,
        f: impl FnOnce(&mut SessState) -> FfiResult<R>,
    ) -> FfiResult<R> {
        let mut st = self.state.lock();
        f(&mut st).map_err(|fail| self.map_interrupted(fail))
    }

    fn map_interrupted(&self, mut fail: Failure) -> Failure {
        if self.interrupted.swap(false, Ordering::SeqCst)
            && fail.status == boltc_status::ServiceUnavailable
        {
            fail.error = fail.error.with_kind(ErrorKind::Interrupted);
            fail.status = boltc_status::Interrupted;
        }
        fail
    }

    /// Like [`SessionShared::with`] but waits for the lock (for `_free` functions).
    pub(crate) fn with_blocking<R>(&self, f: impl FnOnce(&mut SessState) -> R) -> R {
        f(&mut self.state.lock())
    }
}
