//! Sessions: a causal chain of transactions on one connection at a time.
//!
//! A session owns its connection while work is in flight and gives it back to the pool as soon
//! as nothing is pending (no open transaction, no result with records left on the server).
//! Results live in the session as [`ResultId`] handles, so several results can be open at once
//! (in a transaction on Bolt 4+) and the bindings can hold them without Rust lifetimes;
//! [`RecordStream`] and [`Transaction`] are the borrowing wrappers for Rust users.
//!
//! Responses arrive in request order. The connection's exchange (`bolt/exchange.rs`) keeps the
//! queue of requests waiting for them, each with the tag the session gave it ([`Pending::tag`]):
//! the session reads which of its results or statements a reply answers from that one queue.
//!
//! | stream phase | meaning                                              |
//! |--------------|------------------------------------------------------|
//! | Running      | RUN sent, its reply not read yet                     |
//! | Streaming    | records may still come (a PULL is pending or has_more)|
//! | Done         | the final reply arrived; buffered records may remain |
//! | Failed       | the server or the connection failed it               |
//! | Consumed     | the user consumed it; iteration is over              |
//! | OutOfScope   | its transaction ended before it was read             |

use super::bookmarks;
use super::config::{AccessMode, SessionConfig, TransactionConfig};
use super::driver::{AcquireRequest, DriverInner};
use super::record::Record;
use super::result::RecordStream;
use super::rows::Rows;
use super::summary::{LazySummary, Summary};
use super::transaction::Transaction;
use crate::bolt::compat::Needs;
use crate::bolt::exchange::Pending as Wire;
use crate::bolt::message::{Request, Response, TxMeta};
use crate::bolt::records;
use crate::bolt::response::failure_error;
use crate::bolt::ServerInfo;
use crate::error::{Error, ErrorKind, Result};
use crate::net::interrupt::{Interrupt, Target};
use crate::packstream::Decoder;
use crate::pool::PooledConnection;
use crate::value::{Keys, Map, Value};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Interrupts a [`Session`]'s blocking call from another thread, made by
/// [`Session::interrupter`]. It can be taken once, before any call (from the thread that owns
/// the session), and follows whatever the session is blocked on:
///
/// - a read or write on the session's connection: the socket is shut down, the call returns
///   `Interrupted` and the connection is discarded (an open transaction is lost);
/// - a wait for a free pool slot, or for a routing table another thread is fetching: the wait
///   ends at once with `Interrupted`;
/// - a routing table fetch: the router's socket is shut down and the call returns `Interrupted`.
///
/// Connecting to a server (TCP, TLS, handshake, HELLO) is bounded by the deadlines only; an
/// interrupt during it takes effect as soon as the new connection is handed to the session. An
/// interrupt while the session is not blocked shuts down the connection it holds, if any (the
/// next call on it fails with `Interrupted`); otherwise it is forgotten when the session next
/// acquires a connection.
#[derive(Debug, Clone, Default)]
pub struct SessionInterrupt {
    inner: Arc<Interrupt>,
}

impl SessionInterrupt {
    /// Interrupts the session's current blocking call; returns whether it was blocked on
    /// something that could be woken (a socket or a wait).
    pub fn interrupt(&self) -> bool {
        self.inner.interrupt()
    }

    fn set(&self, h: Option<crate::net::ShutdownHandle>) {
        self.inner.target(h.map_or(Target::None, Target::Socket));
    }
}

/// A handle to a result owned by a [`Session`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResultId {
    index: u32,
    generation: u32,
}

/// The driver API a piece of work comes from, as Bolt 5.4+ telemetry reports it (the
/// TELEMETRY message's `api` number). Bindings that run their own transaction-function loop
/// over the session set it with [`Session::set_telemetry_api`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TelemetryApi {
    /// A transaction function (`execute_read` / `execute_write`), with its retries.
    TransactionFunction = 0,
    /// An explicit transaction (`begin_transaction`).
    UnmanagedTransaction = 1,
    /// An auto-commit query (`Session::run`).
    AutoCommit = 2,
    /// `Driver::execute_query`.
    ExecuteQuery = 3,
}

/// The smallest fetch size for which a stream asks for its next batch before it has read the
/// current one (see [`Session::pull_ahead`]).
const PULL_AHEAD_MIN: i64 = 64;

#[derive(Debug)]
enum Phase {
    Running,
    Streaming { has_more: bool, pulling: bool },
    Done(LazySummary),
    Failed(Error),
    Consumed(LazySummary),
    OutOfScope,
}

struct Stream {
    generation: u32,
    keys: Keys,
    qid: i64,
    /// Records received and not read yet; an `Err` is a record that could not be decoded
    /// (it fails on its own, the stream goes on).
    buffer: VecDeque<Result<Record>>,
    phase: Phase,
    run_meta: Map,
    query: String,
    params: Option<Map>,
    in_tx: bool,
    /// Records arriving are dropped (the user consumed or dropped the result).
    discarding: bool,
    /// Whether any record arrived (kept or dropped): the summary's outcome status before 5.6.
    had_record: bool,
    /// When it last sent a PULL for a batch (see `net/pace.rs`).
    pulled_at: Option<Instant>,
}

#[derive(Debug)]
struct TxState {
    failed: Option<Error>,
    begun: bool,
    /// The BEGIN metadata, kept until the first reply, so BEGIN can be sent again on a new
    /// connection when a reused one turns out to have died while idle.
    begin: Option<TxMeta>,
}

/// A session: a sequence of transactions against one database, chained by bookmarks.
///
/// Not for use by two threads at once (it is `Send`, not `Sync`).
pub struct Session {
    driver: Arc<DriverInner>,
    config: SessionConfig,
    fetch_size: i64,
    /// Shared with each transaction's BEGIN/RUN metadata instead of copied into it.
    bookmarks: Arc<[String]>,
    /// The access mode of the next transaction (the default, or the transaction function's).
    mode: AccessMode,
    /// The home database the routing driver resolved (when the config names none).
    resolved_db: Option<String>,
    /// The bookmarks the current transaction started from (for the bookmark manager).
    sent_bookmarks: Arc<[String]>,
    conn: Option<PooledConnection>,
    streams: Vec<Option<Stream>>,
    generation: u32,
    tx: Option<TxState>,
    /// The failure that makes the server ignore requests until the next RESET.
    failure: Option<Error>,
    closed: bool,
    /// Holds the shutdown handle of `conn` while the session has one.
    interrupt: SessionInterrupt,
    /// `conn` came from the pool's idle set and has not answered anything since: if its first
    /// exchange fails, it died while idle and the work can go to a new connection.
    unproven: bool,
    /// Set when an unproven connection failed before any reply: the server it was connected to.
    idle_death: Option<crate::net::Address>,
    /// The `qid` of the latest RUN in the transaction: PULL/DISCARD for it leave `qid` out
    /// (the server's default, "the last query").
    last_qid: Option<i64>,
    /// The columns of the latest result: a RUN reply with the same ones shares them.
    last_keys: Option<Keys>,
    /// How long each call may take (see [`Session::set_call_timeout`]).
    call_timeout: Option<Duration>,
    /// The deadline of the call in progress, when there is a call timeout.
    deadline: Option<Instant>,
    /// The API call in progress that spans transactions (see [`Session::set_telemetry_api`]).
    api: Option<TelemetryApi>,
    /// The server acknowledged TELEMETRY for `api`: retries do not send it again.
    api_announced: bool,
    /// What the last finished result left for the next one.
    spares: spares::Spares,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("database", &self.config.database)
            .field("connected", &self.conn.is_some())
            .field("in_transaction", &self.tx.is_some())
            .finish()
    }
}

impl Session {
    pub(crate) fn new(driver: Arc<DriverInner>, config: SessionConfig) -> Session {
        let fetch_size = config.fetch_size.unwrap_or(driver.config.fetch_size);
        let call_timeout = config.call_timeout;
        Session {
            bookmarks: config.bookmarks.as_slice().into(),
            mode: config.default_access_mode,
            resolved_db: None,
            sent_bookmarks: Arc::default(),
            driver,
            config,
            fetch_size,
            conn: None,
            streams: Vec::new(),
            generation: 0,
            tx: None,
            failure: None,
            closed: false,
            interrupt: SessionInterrupt::default(),
            unproven: false,
            idle_death: None,
            last_qid: None,
            last_keys: None,
            call_timeout,
            deadline: None,
            api: None,
            api_announced: false,
            spares: spares::Spares::default(),
        }
    }

    /// Marks the API call that the next transactions belong to, for Bolt 5.4+ telemetry:
    /// until it is set back to `None`, BEGIN announces `api` instead of
    /// [`TelemetryApi::UnmanagedTransaction`], and only until the server has acknowledged it
    /// once (a retried transaction function is one call). Setting it starts a new call.
    /// [`Session::execute_read`] and friends do this themselves; bindings that run their own
    /// retry loop over [`Session::begin_detached_in_mode`] call it around the loop.
    pub fn set_telemetry_api(&mut self, api: Option<TelemetryApi>) {
        self.api = api;
        self.api_announced = false;
    }

    /// The API call marked with [`Session::set_telemetry_api`], if any.
    pub(crate) fn telemetry_api(&self) -> Option<TelemetryApi> {
        self.api
    }

    /// Bounds each blocking call on this session (`None`: no bound, the default). The time
    /// covers everything the call waits for: routing (fetching a routing table, resolving the
    /// home database), pool acquisition, connecting and the handshake, sending, and each reply
    /// (RUN, every PULL, BEGIN, COMMIT, ...). A call that runs out of time fails with
    /// `ErrorKind::Timeout`, its message saying what it was waiting for. A connection whose read
    /// timed out is closed, never reused (its reply may still arrive); a transaction on it is
    /// lost, and a COMMIT that timed out reports `IncompleteCommit`.
    ///
    /// "A call" is one method of the session or of a [`RecordStream`] or [`Transaction`]
    /// borrowing it: `run`, each `next` (records already received return without waiting),
    /// `next_batch`, `consume`, `commit`, and so on. Transaction functions (`execute_read`,
    /// `execute_write`) apply it to each of their steps, not to the whole function. The
    /// server-side transaction timeout ([`TransactionConfig`]) is a different setting.
    ///
    /// ```no_run
    /// # fn main() -> boltc::Result<()> {
    /// # let driver = boltc::Driver::new(boltc::Config::builder("bolt://localhost:7687").build()?)?;
    /// let mut session = driver.session(Default::default())?;
    /// session.set_call_timeout(Some(std::time::Duration::from_secs(2)));
    /// match session.run("RETURN 1", None) {
    ///     Err(e) if e.kind() == boltc::ErrorKind::Timeout => eprintln!("too slow: {e}"),
    ///     other => drop(other?),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_call_timeout(&mut self, timeout: Option<Duration>) {
        self.call_timeout = timeout;
    }

    /// The call timeout set with [`Session::set_call_timeout`] (or the session config).
    pub fn call_timeout(&self) -> Option<Duration> {
        self.call_timeout
    }

    /// Whether this call must set up its deadline: there is a call timeout and no enclosing
    /// call has set the deadline yet.
    fn needs_deadline(&self) -> bool {
        self.call_timeout.is_some() && self.deadline.is_none()
    }

    /// Runs an entry point (a call of the session's API that talks to the server) under the
    /// call timeout: the deadline is set here unless an enclosing entry point set it already,
    /// so nested calls share the outer call's deadline. Every entry point goes through this.
    fn call<T>(&mut self, f: impl FnOnce(&mut Session) -> Result<T>) -> Result<T> {
        if self.needs_deadline() {
            self.timed(f)
        } else {
            f(self)
        }
    }

    /// Runs one call under the call timeout.
    fn timed<T>(&mut self, f: impl FnOnce(&mut Session) -> Result<T>) -> Result<T> {
        let timeout = self.call_timeout.unwrap_or_default();
        let deadline = Instant::now()
            .checked_add(timeout)
            .unwrap_or_else(super::driver::far_future);
        self.deadline = Some(deadline);
        if let Some(c) = self.conn.as_mut() {
            c.set_deadline(Some(deadline));
        }
        let res = f(self);
        self.deadline = None;
        if let Some(c) = self.conn.as_mut() {
            c.set_deadline(None);
        }
        res
    }

    /// An acquisition error: a timeout of the call deadline says so.
    fn explain_acquire(&self, e: Error) -> Error {
        match self.deadline {
            Some(d) if e.kind() == ErrorKind::Timeout && Instant::now() >= d => {
                e.context(format_args!(
                    "the call timeout of {:?} ran out while acquiring a connection",
                    self.call_timeout.unwrap_or_default()
                ))
            }
            _ => e,
        }
    }

    /// A connection error, as the caller should see it: `Interrupted` after an interrupt, and
    /// a timeout of the call deadline naming what the call was waiting for. Any other timeout
    /// is the connection's read timeout (configured, or the server's
    /// `connection.recv_timeout_seconds` hint): the connection is closed and another one may
    /// well succeed, so that error is retryable.
    fn explain(&self, e: Error) -> Error {
        if e.kind() == ErrorKind::ServiceUnavailable && self.interrupt.inner.is_raised() {
            return e
                .with_kind(ErrorKind::Interrupted)
                .context("the call was interrupted");
        }
        match self.deadline {
            Some(d) if e.kind() == ErrorKind::Timeout && Instant::now() >= d => {
                let what = match self.front() {
                    Some(Pending::Run(_)) => "the reply to RUN",
                    Some(Pending::Pull(_)) => "records (the reply to PULL)",
                    Some(Pending::Discard(_)) => "the reply to DISCARD",
                    Some(Pending::Begin | Pending::Aux) => "the reply to BEGIN",
                    Some(Pending::Commit) => "the reply to COMMIT",
                    Some(Pending::Rollback) => "the reply to ROLLBACK",
                    Some(Pending::Reset) => "the reply to RESET",
                    Some(Pending::Auth) => "the reply to LOGOFF/LOGON",
                    Some(Pending::Telemetry) => "the reply to TELEMETRY",
                    Some(Pending::Other) | None => "the server",
                };
                e.context(format_args!(
                    "the call timeout of {:?} ran out waiting for {what}",
                    self.call_timeout.unwrap_or_default()
                ))
            }
            _ if e.kind() == ErrorKind::Timeout => e.with_retryable(true),
            _ => e,
        }
    }

    /// Runs `query` in an auto-commit transaction and returns its records as a stream.
    ///
    /// # Errors
    /// Server errors for the RUN, connection errors, `IllegalState` if a transaction is open.
    pub fn run(&mut self, query: &str, params: Option<Map>) -> Result<RecordStream<'_>> {
        self.run_with_config(query, params, &TransactionConfig::default())
    }

    /// As [`Session::run`], with transaction metadata and timeout.
    ///
    /// # Errors
    /// As [`Session::run`].
    pub fn run_with_config(
        &mut self,
        query: &str,
        params: Option<Map>,
        config: &TransactionConfig,
    ) -> Result<RecordStream<'_>> {
        let id = self.run_detached(query, params, config)?;
        Ok(RecordStream::new(self, id))
    }

    /// Begins an explicit transaction. BEGIN leaves with the transaction's first query.
    ///
    /// # Errors
    /// `IllegalState` if a transaction is already open; connection errors.
    pub fn begin_transaction(&mut self, config: &TransactionConfig) -> Result<Transaction<'_>> {
        self.begin_inner(config, false)?;
        Ok(Transaction::new(self))
    }

    /// Begins a transaction in `mode` (instead of the session's default); BEGIN leaves with
    /// the first query. Used by transaction functions.
    pub(crate) fn begin_in_mode(
        &mut self,
        config: &TransactionConfig,
        mode: AccessMode,
    ) -> Result<()> {
        let saved = std::mem::replace(&mut self.mode, mode);
        let res = self.begin_inner(config, false);
        self.mode = saved;
        res
    }

    /// The driver's configuration.
    pub(crate) fn driver_config(&self) -> &super::config::Config {
        &self.driver.config
    }

    /// The bookmarks of the last committed transaction (or those the session started with).
    pub fn last_bookmarks(&self) -> Vec<String> {
        self.bookmarks.to_vec()
    }

    /// The session's configuration.
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// A handle that interrupts this session's blocking calls from another thread, whichever
    /// connection the session holds at the time; see [`SessionInterrupt`].
    pub fn interrupter(&self) -> SessionInterrupt {
        self.interrupt.clone()
    }

    /// The server and connection this session holds right now, if any.
    pub fn connection_info(&self) -> Option<ServerInfo> {
        self.conn.as_ref().map(|c| c.info().clone())
    }
}

// The rest of `Session` lives in the submodules below, one concern each.
mod connection;
mod detached;
mod pending;
mod replies;
mod slab;
mod spares;
mod tx;
use pending::Pending;

impl Session {
    /// Ends the session: discards open results, rolls back an open transaction and returns
    /// the connection to the pool.
    ///
    /// A connection that is lost meanwhile is not an error: nothing is left to clean up.
    ///
    /// # Errors
    /// Server errors and timeouts while cleaning up (the session is closed regardless).
    pub fn close(&mut self) -> Result<()> {
        if self.closed {
            return Ok(());
        }
        let res = match self.cleanup() {
            // The connection is gone: there is nothing left to clean up on the server, and
            // the open transaction (if any) ends with it.
            Err(e) if e.kind() == ErrorKind::ServiceUnavailable && e.server_code().is_none() => {
                log::debug!("session closed after its connection was lost: {e}");
                Ok(())
            }
            other => other,
        };
        self.closed = true;
        self.streams.clear();
        self.withdraw_interrupt();
        if let Some(mut conn) = self.conn.take() {
            if res.is_err() || conn.is_waiting() {
                // Its state on the server is unknown: never hand it out again.
                conn.mark_broken("session closed in the middle of an exchange");
            }
        }
        res
    }

    fn cleanup(&mut self) -> Result<()> {
        self.call(|s| {
            let only_reset = s.conn.as_ref().is_some_and(|c| {
                c.is_waiting() && c.waiting().all(|p| Pending::of(p) == Pending::Reset)
            });
            if only_reset {
                // Only the RESET after a failure is outstanding: that failure was reported
                // already, and a connection that dies now loses nothing.
                s.drain_quietly();
            }
            for s in s.streams.iter_mut().flatten() {
                s.discarding = true;
                s.buffer.clear();
            }
            if s.tx.is_some() {
                s.end_tx(false)?;
            }
            s.settle_open_streams(false)
        })
    }

    // ----- internals -----

    fn check_open(&self) -> Result<()> {
        if self.closed {
            return Err(Error::new(
                ErrorKind::IllegalState,
                "the session has been closed",
            ));
        }
        self.driver.check_open()
    }

    fn check_tx_usable(&self) -> Result<()> {
        match &self.tx {
            None => Err(Error::new(
                ErrorKind::IllegalState,
                "no transaction is open",
            )),
            Some(TxState {
                failed: Some(e), ..
            }) => Err(Error::new(
                ErrorKind::IllegalState,
                format!("the transaction failed earlier and can only be rolled back: {e}"),
            )),
            Some(_) => Ok(()),
        }
    }

    fn tx_meta(&mut self, config: &TransactionConfig, mode: AccessMode) -> TxMeta {
        self.sent_bookmarks = self.current_bookmarks();
        TxMeta {
            bookmarks: Arc::clone(&self.sent_bookmarks),
            timeout_ms: config.timeout_ms(),
            metadata: config.metadata.clone(),
            read: mode == AccessMode::Read,
            db: self.database().map(str::to_owned),
            imp_user: self.config.impersonated_user.clone(),
            // The driver's filter went with HELLO; BEGIN/RUN carry only the session's override.
            notifications: self.config.notifications.clone(),
        }
    }
}

fn stale_error() -> Error {
    Error::new(
        ErrorKind::InvalidArgument,
        "the result handle is stale or belongs to another session",
    )
}

/// The error in place of a record that could not be decoded.
fn undecodable_record(e: crate::packstream::DecodeError) -> Error {
    Error::new(
        ErrorKind::Conversion,
        format!("a record could not be decoded and was skipped: {e}"),
    )
    .with_source(e)
}

fn consumed_error() -> Error {
    Error::new(ErrorKind::ResultConsumed, "the result has been consumed")
}

fn out_of_scope_error() -> Error {
    Error::new(
        ErrorKind::ResultConsumed,
        "the result is out of scope: its transaction has been closed",
    )
}

impl Drop for Session {
    fn drop(&mut self) {
        if !self.closed {
            if let Err(e) = self.close() {
                log::debug!("closing a dropped session failed: {e}");
            }
        }
    }
}
