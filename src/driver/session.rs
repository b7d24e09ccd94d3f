//! Sessions: a causal chain of transactions on one connection at a time.
//!
//! A session owns its connection while work is in flight and gives it back to the pool as soon
//! as nothing is pending (no open transaction, no result with records left on the server).
//! Results live in the session as [`ResultId`] handles, so several results can be open at once
//! (in a transaction on Bolt 4+) and the bindings can hold them without Rust lifetimes;
//! [`RecordStream`] and [`Transaction`] are the borrowing wrappers for Rust users.
//!
//! Responses arrive in request order; `pending` says which request each belongs to.
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
use crate::bolt::connection::failure_error;
use crate::bolt::message::{tag, Request, Response, TxMeta};
use crate::bolt::ServerInfo;
use crate::error::{Error, ErrorKind, Result};
use crate::net::interrupt::{Interrupt, Target};
use crate::packstream::Decoder;
use crate::pool::PooledConnection;
use crate::value::{Map, Value};
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    Run(ResultId),
    Pull(ResultId),
    Discard(ResultId),
    Begin,
    Commit,
    Rollback,
    /// The second reply of a Bolt 1-2 transaction statement (RUN "BEGIN" + PULL_ALL).
    Aux,
    Reset,
    /// The reply to a LOGOFF or LOGON sent ahead of the session's first request on a pooled
    /// connection whose credentials had to change.
    Auth,
    /// The reply to TELEMETRY (5.4+), sent ahead of BEGIN or an auto-commit RUN.
    Telemetry,
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
    keys: Arc<[String]>,
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
    bookmarks: Vec<String>,
    /// The access mode of the next transaction (the default, or the transaction function's).
    mode: AccessMode,
    /// The home database the routing driver resolved (when the config names none).
    resolved_db: Option<String>,
    /// The bookmarks the current transaction started from (for the bookmark manager).
    sent_bookmarks: Vec<String>,
    conn: Option<PooledConnection>,
    pending: VecDeque<Pending>,
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
    /// How long each call may take (see [`Session::set_call_timeout`]).
    call_timeout: Option<Duration>,
    /// The deadline of the call in progress, when there is a call timeout.
    deadline: Option<Instant>,
    /// The API call in progress that spans transactions (see [`Session::set_telemetry_api`]).
    api: Option<TelemetryApi>,
    /// The server acknowledged TELEMETRY for `api`: retries do not send it again.
    api_announced: bool,
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
            bookmarks: config.bookmarks.clone(),
            mode: config.default_access_mode,
            resolved_db: None,
            sent_bookmarks: Vec::new(),
            driver,
            config,
            fetch_size,
            conn: None,
            pending: VecDeque::new(),
            streams: Vec::new(),
            generation: 0,
            tx: None,
            failure: None,
            closed: false,
            interrupt: SessionInterrupt::default(),
            unproven: false,
            idle_death: None,
            last_qid: None,
            call_timeout,
            deadline: None,
            api: None,
            api_announced: false,
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
                let what = match self.pending.front() {
                    Some(Pending::Run(_)) => "the reply to RUN",
                    Some(Pending::Pull(_)) => "records (the reply to PULL)",
                    Some(Pending::Discard(_)) => "the reply to DISCARD",
                    Some(Pending::Begin | Pending::Aux) => "the reply to BEGIN",
                    Some(Pending::Commit) => "the reply to COMMIT",
                    Some(Pending::Rollback) => "the reply to ROLLBACK",
                    Some(Pending::Reset) => "the reply to RESET",
                    Some(Pending::Auth) => "the reply to LOGOFF/LOGON",
                    Some(Pending::Telemetry) => "the reply to TELEMETRY",
                    None => "the server",
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
        self.bookmarks.clone()
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

    // ----- the owned ("detached") API, used by the bindings -----

    /// Runs an auto-commit query; returns a handle to its result.
    ///
    /// # Errors
    /// As [`Session::run`].
    pub fn run_detached(
        &mut self,
        query: &str,
        params: Option<Map>,
        config: &TransactionConfig,
    ) -> Result<ResultId> {
        if self.needs_deadline() {
            return self.timed(|s| s.run_detached(query, params, config));
        }
        self.check_open()?;
        if self.tx.is_some() {
            return Err(Error::new(
                ErrorKind::IllegalState,
                "a transaction is open in this session; run queries in it or close it first",
            ));
        }
        self.settle_open_streams(false)?;
        self.ensure_connection()?;
        let meta = self.tx_meta(config, self.mode);
        let id = self.new_stream(query, params, false);
        let sent = self
            .queue_telemetry(TelemetryApi::AutoCommit)
            .and_then(|()| self.send_run_pull(id, query, Some(&meta)));
        match self.after_send(id, sent) {
            Err(e) if self.take_idle_death(&e) => {
                let params = self.streams[id.index as usize]
                    .take()
                    .and_then(|s| s.params);
                self.ensure_connection()?;
                let meta = self.tx_meta(config, self.mode);
                let id = self.new_stream(query, params, false);
                let sent = self
                    .queue_telemetry(TelemetryApi::AutoCommit)
                    .and_then(|()| self.send_run_pull(id, query, Some(&meta)));
                self.after_send(id, sent)
            }
            other => other,
        }
    }

    /// Begins an explicit transaction and waits for the server's reply.
    ///
    /// # Errors
    /// As [`Session::begin_transaction`], plus server errors for BEGIN.
    pub fn begin_detached(&mut self, config: &TransactionConfig) -> Result<()> {
        self.begin_inner(config, true)
    }

    /// As [`Session::begin_detached`], in access mode `mode` instead of the session's default:
    /// for bindings that drive their own transaction functions (read or write) on top of it.
    ///
    /// # Errors
    /// As [`Session::begin_detached`].
    pub fn begin_detached_in_mode(
        &mut self,
        config: &TransactionConfig,
        mode: AccessMode,
    ) -> Result<()> {
        let saved = std::mem::replace(&mut self.mode, mode);
        let res = self.begin_inner(config, true);
        self.mode = saved;
        res
    }

    /// Runs a query in the open transaction; returns a handle to its result.
    ///
    /// # Errors
    /// `IllegalState` without an open transaction or after it failed; server errors.
    pub fn tx_run_detached(&mut self, query: &str, params: Option<Map>) -> Result<ResultId> {
        if self.needs_deadline() {
            return self.timed(|s| s.tx_run_detached(query, params));
        }
        self.check_open()?;
        self.check_tx_usable()?;
        let multi = self.conn.as_ref().is_some_and(|c| c.features().pull_n);
        if !multi {
            self.settle_open_streams(true)?;
        }
        self.ensure_connection()?;
        let first = self.tx.as_ref().is_some_and(|t| !t.begun);
        let id = self.new_stream(query, params, true);
        let sent = self.send_run_pull(id, query, None);
        if let Some(tx) = &mut self.tx {
            tx.begun = true;
        }
        match self.after_send(id, sent) {
            // BEGIN left with this query and nothing was answered: begin again elsewhere.
            Err(e) if first && self.take_idle_death(&e) => {
                let params = self.streams[id.index as usize]
                    .take()
                    .and_then(|s| s.params);
                let meta = self.tx.as_mut().and_then(|t| {
                    t.failed = None;
                    t.begin.clone()
                });
                let Some(meta) = meta else { return Err(e) };
                self.ensure_connection()?;
                self.queue_begin(&meta)?;
                let id = self.new_stream(query, params, true);
                let sent = self.send_run_pull(id, query, None);
                self.after_send(id, sent)
            }
            other => other,
        }
    }

    /// Commits the open transaction. Results not yet read are discarded.
    ///
    /// # Errors
    /// Server errors; `IncompleteCommit` when the connection dropped before the reply.
    pub fn commit_detached(&mut self) -> Result<()> {
        self.end_tx(true)
    }

    /// Rolls the open transaction back. Results not yet read are discarded.
    ///
    /// # Errors
    /// Server and connection errors.
    pub fn rollback_detached(&mut self) -> Result<()> {
        self.end_tx(false)
    }

    /// Whether a transaction is open.
    pub fn in_transaction(&self) -> bool {
        self.tx.is_some()
    }

    /// The column names of a result (waits for the RUN reply).
    ///
    /// # Errors
    /// The RUN failure; `InvalidArgument` for a stale handle.
    pub fn result_keys(&mut self, id: ResultId) -> Result<Arc<[String]>> {
        if self.needs_deadline() {
            return self.timed(|s| s.result_keys(id));
        }
        while matches!(self.stream_checked(id)?.phase, Phase::Running) {
            self.process_one()?;
        }
        let s = self.stream_checked(id)?;
        match &s.phase {
            Phase::Failed(e) if s.keys.is_empty() => Err(e.clone()),
            _ => Ok(s.keys.clone()),
        }
    }

    /// The next record of a result, or `None` at its end.
    ///
    /// # Errors
    /// Server and connection errors (returned again on later calls); `ResultConsumed` after
    /// consume or after its transaction ended.
    pub fn result_next(&mut self, id: ResultId) -> Result<Option<Record>> {
        // The common case while streaming: a record decoded earlier is waiting (no I/O, so
        // no call deadline either).
        if let Some(Some(s)) = self.streams.get_mut(id.index as usize) {
            if s.generation == id.generation {
                if let Some(r) = s.buffer.pop_front() {
                    return r.map(Some);
                }
            }
        }
        // Next most common: the record is in the connection's read buffer, whole. It is
        // decoded straight from there (no I/O either, and no trip through `buffer`).
        if self.take_buffered_records(id) > 0 {
            if let Some(r) = self.stream_mut(id).buffer.pop_front() {
                return r.map(Some);
            }
        }
        if self.needs_deadline() {
            return self.timed(|s| s.result_next(id));
        }
        if !self.fill(id)? {
            return Ok(None);
        }
        let s = self.stream_checked_mut(id)?;
        s.buffer
            .pop_front()
            .expect("invariant: fill buffered a record")
            .map(Some)
    }

    /// All the remaining records of a result. Records not yet requested from the server are
    /// fetched in one go (`PULL n=-1`) rather than in batches of the fetch size.
    ///
    /// # Errors
    /// As [`Session::result_next`] (the records before an error are lost).
    pub fn result_list(&mut self, id: ResultId) -> Result<Vec<Record>> {
        let mut out = Vec::new();
        while self.fill_with(id, -1)? {
            let s = self.stream_checked_mut(id)?;
            out.push(
                s.buffer
                    .pop_front()
                    .expect("invariant: fill buffered a record")?,
            );
        }
        Ok(out)
    }

    /// Makes sure the next record of `id` (or the error in its place) is buffered; `false` at
    /// the end of the result.
    fn fill(&mut self, id: ResultId) -> Result<bool> {
        let n = self.fetch_size;
        self.fill_with(id, n)
    }

    /// [`Session::fill`], asking for `n` more records when the server has more.
    fn fill_with(&mut self, id: ResultId, n: i64) -> Result<bool> {
        loop {
            let s = self.stream_checked_mut(id)?;
            if !s.buffer.is_empty() {
                return Ok(true);
            }
            match &s.phase {
                Phase::Done(_) => return Ok(false),
                Phase::Failed(e) => return Err(e.clone()),
                Phase::Consumed(_) => return Err(consumed_error()),
                Phase::OutOfScope => return Err(out_of_scope_error()),
                Phase::Streaming {
                    has_more: true,
                    pulling: false,
                } => {
                    let qid = s.qid;
                    self.send_more(id, Request::Pull { n, qid })?;
                }
                Phase::Running | Phase::Streaming { .. } => {
                    self.pull_ahead(id, n)?;
                    if self.take_buffered_records(id) > 0 {
                        return Ok(true);
                    }
                    if let Some(r) = self.receive_for(id)? {
                        self.stream_mut(id).buffer.push_back(Ok(r));
                        // That read may have brought the summary ending the batch: the
                        // next PULL goes out now, not after the records read with it
                        // (which `result_next` takes without coming here).
                        self.pull_ahead(id, n)?;
                        return Ok(true);
                    }
                }
            }
        }
    }

    /// Up to `max` records into `out` (appended); returns `false` once the result is exhausted.
    ///
    /// # Errors
    /// As [`Session::result_next`].
    pub fn result_next_batch(
        &mut self,
        id: ResultId,
        max: usize,
        out: &mut Vec<Record>,
    ) -> Result<bool> {
        if self.needs_deadline() {
            return self.timed(|s| s.result_next_batch(id, max, out));
        }
        let mut n = 0;
        while n < max {
            // Move what is buffered in one go; anything else goes through result_next.
            if let Some(Some(s)) = self.streams.get_mut(id.index as usize) {
                if s.generation == id.generation {
                    while n < max && matches!(s.buffer.front(), Some(Ok(_))) {
                        if let Some(Ok(r)) = s.buffer.pop_front() {
                            out.push(r);
                        }
                        n += 1;
                    }
                }
            }
            if n == max {
                break;
            }
            match self.result_next(id)? {
                Some(r) => out.push(r),
                None => return Ok(false),
            }
            n += 1;
        }
        Ok(true)
    }

    /// Up to `max` next rows into `rows` (emptied first); `false` once the result is
    /// exhausted. Rows already buffered whole by the connection are decoded straight into the
    /// block, without a [`Record`] each. An error is returned only if no row could be read;
    /// otherwise the rows before it are returned and the error comes with the next call.
    ///
    /// # Errors
    /// As [`Session::result_next`].
    pub fn result_next_rows(&mut self, id: ResultId, max: usize, rows: &mut Rows) -> Result<bool> {
        if self.needs_deadline() {
            return self.timed(|s| s.result_next_rows(id, max, rows));
        }
        rows.reset(&self.stream_checked(id)?.keys);
        while rows.len() < max {
            // Records decoded earlier (by a peek, or a batch of the record path) come first.
            if let Some(Some(s)) = self.streams.get_mut(id.index as usize) {
                while rows.len() < max && matches!(s.buffer.front(), Some(Ok(_))) {
                    if let Some(Ok(r)) = s.buffer.pop_front() {
                        rows.push_record(r);
                    }
                }
            }
            if rows.len() == max {
                break;
            }
            if self.stream_checked(id)?.buffer.is_empty() {
                let n = self.fetch_size;
                self.pull_ahead(id, n)?;
                if self.take_buffered_rows(id, max - rows.len(), rows) > 0 {
                    continue;
                }
            }
            // Anything else (I/O, a summary, an error, the next PULL) as for one record.
            match self.result_next(id) {
                Ok(Some(r)) => rows.push_record(r),
                Ok(None) => return Ok(false),
                Err(e) if !rows.is_empty() => {
                    // The rows come first, the error with the next call: kept in front of
                    // the stream's buffer (a record that did not decode is gone otherwise; a
                    // failed stream would give its error again anyway).
                    if let Ok(s) = self.stream_checked_mut(id) {
                        s.buffer.push_front(Err(e));
                    }
                    return Ok(true);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    /// As [`Session::take_buffered_records`], decoding into a block of rows.
    fn take_buffered_rows(&mut self, id: ResultId, max: usize, rows: &mut Rows) -> usize {
        self.take_buffered_into(id, max, |s, d| {
            let columns = s.keys.len();
            rows.push_row(|slots| {
                let len = d.read_list_header().ok()?;
                if len != columns {
                    // Left for `receive_for` to refuse.
                    return None;
                }
                for slot in slots.take(len) {
                    d.refill_item(slot).ok()?;
                }
                d.is_at_end().then_some(())
            })
        })
    }

    /// The next record without consuming it.
    ///
    /// # Errors
    /// As [`Session::result_next`].
    pub fn result_peek(&mut self, id: ResultId) -> Result<Option<&Record>> {
        if self.needs_deadline() {
            // Fill under the deadline, then look without I/O.
            self.timed(|s| s.result_peek(id).map(|_| ()))?;
        }
        if !self.fill(id)? {
            return Ok(None);
        }
        match self.stream_checked(id)?.buffer.front() {
            Some(Ok(r)) => Ok(Some(r)),
            Some(Err(e)) => Err(e.clone()),
            None => Ok(None),
        }
    }

    /// The one record of a result; fails if there are zero or several (the rest is discarded).
    ///
    /// # Errors
    /// `ResultNotSingle`, and as [`Session::result_next`].
    pub fn result_single(&mut self, id: ResultId) -> Result<Record> {
        if self.needs_deadline() {
            return self.timed(|s| s.result_single(id));
        }
        let first = self.result_next(id)?;
        let more = self.result_peek(id)?.is_some();
        match (first, more) {
            (Some(r), false) => Ok(r),
            (None, _) => Err(Error::new(
                ErrorKind::ResultNotSingle,
                "expected exactly one record, but the result is empty",
            )),
            (Some(_), true) => {
                self.result_consume(id)?;
                Err(Error::new(
                    ErrorKind::ResultNotSingle,
                    "expected exactly one record, but the result has more",
                ))
            }
        }
    }

    /// Discards the rest of a result and returns its summary.
    ///
    /// # Errors
    /// Server and connection errors; `ResultConsumed` after its transaction ended.
    pub fn result_consume(&mut self, id: ResultId) -> Result<Summary> {
        if self.needs_deadline() {
            return self.timed(|s| s.result_consume(id));
        }
        loop {
            let s = self.stream_checked_mut(id)?;
            s.discarding = true;
            s.buffer.clear();
            match &mut s.phase {
                Phase::Done(_) | Phase::Consumed(_) => {
                    let phase = std::mem::replace(&mut s.phase, Phase::OutOfScope);
                    let (Phase::Done(mut sum) | Phase::Consumed(mut sum)) = phase else {
                        unreachable!("matched above")
                    };
                    let got = sum.get().cloned();
                    s.phase = Phase::Consumed(sum);
                    return got;
                }
                Phase::Failed(e) => return Err(e.clone()),
                Phase::OutOfScope => return Err(out_of_scope_error()),
                Phase::Streaming {
                    has_more: true,
                    pulling: false,
                } => {
                    let qid = s.qid;
                    self.send_more(id, Request::Discard { n: -1, qid })?;
                }
                Phase::Running | Phase::Streaming { .. } => {
                    self.receive_for(id)?;
                }
            }
        }
    }

    /// Whether the result has been fully received or consumed (no records left on the server).
    ///
    /// # Errors
    /// `InvalidArgument` for a stale handle.
    pub fn result_is_finished(&self, id: ResultId) -> Result<bool> {
        Ok(!matches!(
            self.stream_checked(id)?.phase,
            Phase::Running | Phase::Streaming { .. }
        ))
    }

    /// Forgets a result. Records still on the server are discarded lazily.
    pub fn result_free(&mut self, id: ResultId) {
        let Some(idx) = self.valid_index(id) else {
            return;
        };
        let s = self.streams[idx].as_mut().expect("invariant: valid index");
        s.discarding = true;
        s.buffer.clear();
        let finished = !matches!(s.phase, Phase::Running | Phase::Streaming { .. });
        if finished {
            self.streams[idx] = None;
        }
    }

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
            if res.is_err() || !self.pending.is_empty() {
                // Its state on the server is unknown: never hand it out again.
                conn.mark_broken("session closed in the middle of an exchange");
            }
        }
        self.pending.clear();
        res
    }

    fn cleanup(&mut self) -> Result<()> {
        if self.needs_deadline() {
            return self.timed(|s| s.cleanup());
        }
        if !self.pending.is_empty() && self.pending.iter().all(|p| *p == Pending::Reset) {
            // Only the RESET after a failure is outstanding: that failure was reported
            // already, and a connection that dies now loses nothing.
            self.drain_quietly();
        }
        for s in self.streams.iter_mut().flatten() {
            s.discarding = true;
            s.buffer.clear();
        }
        if self.tx.is_some() {
            self.end_tx(false)?;
        }
        self.settle_open_streams(false)
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
            bookmarks: self.sent_bookmarks.clone(),
            timeout_ms: config.timeout_ms(),
            metadata: config.metadata.clone(),
            read: mode == AccessMode::Read,
            db: self.database().map(str::to_owned),
            imp_user: self.config.impersonated_user.clone(),
            // The driver's filter went with HELLO; BEGIN/RUN carry only the session's override.
            notifications: self.config.notifications.clone(),
        }
    }

    /// Lets go of the connection (back to the pool); the interrupter forgets it first.
    fn drop_connection(&mut self) {
        self.withdraw_interrupt();
        self.conn = None;
    }

    /// The interrupter lets go of the connection's socket. If an interrupt came while it held
    /// it, the socket may have been shut down: the connection must not go back to the pool.
    fn withdraw_interrupt(&mut self) {
        self.interrupt.set(None);
        if self.interrupt.inner.is_raised() {
            if let Some(c) = self.conn.as_mut() {
                c.mark_broken("interrupted");
            }
        }
    }

    fn ensure_connection(&mut self) -> Result<()> {
        if self.conn.as_ref().is_some_and(|c| c.broken().is_some()) {
            self.drop_connection();
        }
        if self.conn.is_none() {
            self.interrupt.inner.clear();
            let bookmarks = self.current_bookmarks();
            let req = AcquireRequest {
                mode: self.mode,
                database: self.database(),
                imp_user: self.config.impersonated_user.as_deref(),
                bookmarks: &bookmarks,
                auth: self.config.auth.as_ref(),
                pipeline_auth: true,
                force_auth: false,
                deadline: self.deadline,
                interrupt: Some(&self.interrupt.inner),
            };
            let (mut conn, db) = self
                .driver
                .acquire_routed(&req)
                .map_err(|e| self.explain_acquire(e))?;
            // Published before the flag is checked, so no interrupt falls in between.
            self.interrupt.set(conn.shutdown_handle());
            if self.interrupt.inner.is_raised() {
                self.interrupt.set(None);
                conn.mark_broken("interrupted");
                return Err(Error::new(
                    ErrorKind::Interrupted,
                    "interrupted while acquiring a connection",
                ));
            }
            conn.set_deadline(self.deadline);
            if let Err(e) = self.check_version_supports_config(&conn) {
                self.interrupt.set(None);
                if conn.take_deferred_auth() > 0 {
                    // LOGOFF/LOGON are queued but will not be sent with a request of ours.
                    conn.mark_broken("re-authentication left unsent");
                }
                return Err(e);
            }
            // A re-authentication goes out with our first request; its replies come first.
            for _ in 0..conn.take_deferred_auth() {
                self.pending.push_back(Pending::Auth);
            }
            if self.config.database.is_none() && db.is_some() {
                self.resolved_db = db;
            }
            self.unproven = conn.is_reused();
            self.idle_death = None;
            self.conn = Some(conn);
        }
        Ok(())
    }

    /// Whether `e` ended the first exchange of a connection reused from the pool before any
    /// reply arrived: it died while idle (killed by an administrator, a server restart, a
    /// firewall), so the request can be sent again on a new connection. Idle connections to
    /// the same server are dropped too, as they are likely dead as well. Only once per
    /// acquisition, and never after a reply or on a timeout (the server may be working on it).
    fn take_idle_death(&mut self, e: &Error) -> bool {
        let Some(addr) = self.idle_death.take() else {
            return false;
        };
        log::info!(
            "[#@{addr}] a pooled connection was found dead on first use ({e}); \
             closing idle connections to this server and retrying on a new one"
        );
        self.driver.pool.purge(&addr);
        true
    }

    /// The database: the configured one, or the home database once resolved.
    fn database(&self) -> Option<&str> {
        self.config
            .database
            .as_deref()
            .or(self.resolved_db.as_deref())
    }

    /// The session's bookmarks plus the bookmark manager's.
    fn current_bookmarks(&self) -> Vec<String> {
        match &self.config.bookmark_manager {
            Some(m) => bookmarks::merge(&self.bookmarks, m.get_bookmarks()),
            None => self.bookmarks.clone(),
        }
    }

    /// A transaction committed with bookmark `b`.
    fn set_bookmark(&mut self, b: String) {
        if let Some(m) = &self.config.bookmark_manager {
            m.update_bookmarks(&self.sent_bookmarks, std::slice::from_ref(&b));
        }
        self.bookmarks = vec![b];
    }

    /// Tells the driver about a failure on the current connection (routing reacts to it).
    fn report_failure(&self, e: &Error) {
        if let Some(c) = &self.conn {
            let imp = self.config.impersonated_user.as_deref();
            self.driver
                .on_server_failure(c.address(), e, self.database(), imp);
        }
    }

    /// A Bolt 5.8+ reply named the database: pin it as the resolved home database.
    fn note_database(&mut self, meta: &Map) {
        if self.config.database.is_some() || self.resolved_db.is_some() {
            return;
        }
        if let Some(Value::String(db)) = meta.get("db") {
            let imp = self.config.impersonated_user.as_deref();
            self.driver.note_home_database(imp, db);
            self.resolved_db = Some(db.clone());
        }
    }

    fn check_version_supports_config(&self, conn: &PooledConnection) -> Result<()> {
        let f = conn.features();
        if self.config.impersonated_user.is_some() && !f.imp_user {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!(
                    "impersonation needs Bolt 4.4+, the server speaks {}",
                    conn.version()
                ),
            ));
        }
        let n = &self.config.notifications;
        if (n.minimum_severity.is_some() || n.disabled_categories.is_some())
            && !f.notification_filters
        {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!(
                    "notification filters need Bolt 5.2+, the server speaks {}",
                    conn.version()
                ),
            ));
        }
        if self.config.database.is_some() && !f.pull_n {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!(
                    "selecting a database needs Bolt 4.0+, the server speaks {}",
                    conn.version()
                ),
            ));
        }
        Ok(())
    }

    fn begin_inner(&mut self, config: &TransactionConfig, eager: bool) -> Result<()> {
        if self.needs_deadline() {
            return self.timed(|s| s.begin_inner(config, eager));
        }
        self.check_open()?;
        if self.conn.is_none() && self.tx.as_ref().is_some_and(|t| t.failed.is_some()) {
            // The transaction died with its connection: there is nothing left to roll back,
            // so a new one may begin without an explicit rollback (its results stay failed).
            self.finish_tx_streams();
            self.tx = None;
        }
        if self.tx.is_some() {
            return Err(Error::new(
                ErrorKind::IllegalState,
                "a transaction is already open",
            ));
        }
        self.settle_open_streams(false)?;
        self.ensure_connection()?;
        let meta = self.tx_meta(config, self.mode);
        self.queue_begin(&meta)?;
        self.tx = Some(TxState {
            failed: None,
            begun: false,
            begin: Some(meta),
        });
        if !eager {
            return Ok(());
        }
        match self.await_begin() {
            Err(e) if self.take_idle_death(&e) => {
                self.ensure_connection()?;
                let meta = self.tx_meta(config, self.mode);
                self.queue_begin(&meta)?;
                self.tx = Some(TxState {
                    failed: None,
                    begun: false,
                    begin: Some(meta),
                });
                self.await_begin()
            }
            other => other,
        }
    }

    /// Queues BEGIN (and on Bolt 1-2 its second message) on the current connection, after
    /// TELEMETRY when that is due.
    fn queue_begin(&mut self, meta: &TxMeta) -> Result<()> {
        let api = self.api.unwrap_or(TelemetryApi::UnmanagedTransaction);
        self.queue_telemetry(api)?;
        let conn = self
            .conn
            .as_mut()
            .expect("invariant: connected before BEGIN");
        let n = conn.send_begin(meta)?;
        self.pending.push_back(Pending::Begin);
        for _ in 1..n {
            self.pending.push_back(Pending::Aux);
        }
        Ok(())
    }

    /// Queues TELEMETRY for `api` ahead of the next request when the server asked for it and
    /// the driver has not turned it off; not again in an API call the server acknowledged.
    fn queue_telemetry(&mut self, api: TelemetryApi) -> Result<()> {
        let conn = self
            .conn
            .as_mut()
            .expect("invariant: connected before TELEMETRY");
        if !conn.telemetry_enabled() || self.api_announced || self.driver.config.telemetry_disabled
        {
            return Ok(());
        }
        conn.send(&Request::Telemetry(api as i64))?;
        self.pending.push_back(Pending::Telemetry);
        Ok(())
    }

    /// Reads the BEGIN reply (eager begin); on failure the transaction is gone.
    fn await_begin(&mut self) -> Result<()> {
        let res = self.drain();
        // The first error wins: a FAILURE for BEGIN, not the lost connection after it.
        let failed = self.tx.as_ref().and_then(|t| t.failed.clone());
        if let Some(e) = failed.or(res.err()) {
            self.tx = None;
            self.release_if_idle();
            return Err(e);
        }
        if let Some(tx) = &mut self.tx {
            tx.begin = None;
        }
        Ok(())
    }

    fn end_tx(&mut self, commit: bool) -> Result<()> {
        if self.needs_deadline() {
            return self.timed(|s| s.end_tx(commit));
        }
        self.check_open()?;
        if self.tx.is_none() {
            return Err(Error::new(
                ErrorKind::IllegalState,
                "no transaction is open",
            ));
        }
        if let Err(e) = self.discard_tx_streams() {
            self.finish_tx_streams();
            self.tx = None;
            self.release_if_idle();
            return Err(e);
        }
        let tx = self.tx.as_ref().expect("invariant: checked above");
        if let Some(e) = &tx.failed {
            let e = e.clone();
            self.finish_tx_streams();
            self.drain_quietly();
            self.tx = None;
            self.release_if_idle();
            return if commit {
                Err(e.context("cannot commit a transaction that failed"))
            } else {
                Ok(())
            };
        }
        let conn = self
            .conn
            .as_mut()
            .expect("invariant: a transaction holds its connection");
        let n = if commit {
            conn.send_commit()?
        } else {
            conn.send_rollback()?
        };
        self.pending.push_back(if commit {
            Pending::Commit
        } else {
            Pending::Rollback
        });
        for _ in 1..n {
            self.pending.push_back(Pending::Aux);
        }
        let res = self.drain();
        self.finish_tx_streams();
        let failed = self.tx.take().and_then(|t| t.failed);
        self.release_if_idle();
        match (res, failed) {
            // The server refused COMMIT/ROLLBACK (and may have hung up after that).
            (_, Some(e)) if e.server_code().is_some() => Err(e),
            // A read timeout leaves the outcome just as unknown as a lost connection.
            (Err(e), _)
                if commit
                    && matches!(
                        e.kind(),
                        ErrorKind::ServiceUnavailable | ErrorKind::Timeout | ErrorKind::Interrupted
                    ) =>
            {
                Err(Error::new(
                    ErrorKind::IncompleteCommit,
                    format!("the connection was lost during COMMIT; the outcome is unknown: {e}"),
                ))
            }
            (Err(e), _) | (Ok(()), Some(e)) => Err(e),
            (Ok(()), None) => Ok(()),
        }
    }

    /// Before COMMIT/ROLLBACK: discard what the transaction's results still have on the
    /// server. A PULL in flight may end with `has_more`, so its reply is awaited and the rest
    /// discarded: the server accepts COMMIT only once every stream is closed.
    fn discard_tx_streams(&mut self) -> Result<()> {
        let ids: Vec<ResultId> = self.stream_ids(|s| s.in_tx);
        for id in ids {
            let s = self.stream_mut(id);
            s.discarding = true;
            s.buffer.clear();
            loop {
                let s = self.stream_mut(id);
                match s.phase {
                    Phase::Streaming {
                        has_more: true,
                        pulling: false,
                    } => {
                        let qid = s.qid;
                        self.send_more(id, Request::Discard { n: -1, qid })?;
                    }
                    Phase::Running | Phase::Streaming { .. } => self.process_one()?,
                    _ => break,
                }
            }
        }
        Ok(())
    }

    fn finish_tx_streams(&mut self) {
        for s in self.streams.iter_mut().flatten().filter(|s| s.in_tx) {
            s.buffer.clear();
            if !matches!(s.phase, Phase::Failed(_) | Phase::Consumed(_)) {
                s.phase = Phase::OutOfScope;
            }
        }
    }

    /// Makes room for new work: results of auto-commit queries (or, with `tx_only`, of the
    /// transaction) that still have records on the server are pulled in full (or discarded if
    /// the user let go of them).
    fn settle_open_streams(&mut self, tx_only: bool) -> Result<()> {
        let ids = self.stream_ids(|s| {
            (!tx_only || s.in_tx) && matches!(s.phase, Phase::Running | Phase::Streaming { .. })
        });
        for id in ids {
            loop {
                let s = self.stream_mut(id);
                match s.phase {
                    Phase::Streaming {
                        has_more: true,
                        pulling: false,
                    } => {
                        let qid = s.qid;
                        let req = if s.discarding {
                            Request::Discard { n: -1, qid }
                        } else {
                            Request::Pull { n: -1, qid }
                        };
                        self.send_more(id, req)?;
                    }
                    Phase::Running | Phase::Streaming { .. } => {
                        if let Some(r) = self.receive_for(id)? {
                            self.stream_mut(id).buffer.push_front(Ok(r));
                            self.buffer_rest(id)?;
                        }
                    }
                    _ => break,
                }
            }
        }
        if !tx_only {
            // Nothing else may be in flight before a new auto-commit query or transaction.
            self.drain()?;
        }
        self.release_if_idle();
        Ok(())
    }

    /// Reads everything pending for `id` into its buffer.
    fn buffer_rest(&mut self, id: ResultId) -> Result<()> {
        while matches!(
            self.stream_mut(id).phase,
            Phase::Running | Phase::Streaming { pulling: true, .. }
        ) {
            self.process_one()?;
        }
        Ok(())
    }

    fn new_stream(&mut self, query: &str, params: Option<Map>, in_tx: bool) -> ResultId {
        self.generation = self.generation.wrapping_add(1);
        let stream = Stream {
            generation: self.generation,
            keys: Arc::from(Vec::new()),
            qid: -1,
            buffer: VecDeque::new(),
            phase: Phase::Running,
            run_meta: Map::new(),
            query: query.to_owned(),
            params,
            in_tx,
            discarding: false,
            had_record: false,
        };
        let index = match self.streams.iter().position(Option::is_none) {
            Some(i) => {
                self.streams[i] = Some(stream);
                i
            }
            None => {
                self.streams.push(Some(stream));
                self.streams.len() - 1
            }
        };
        // The slab never holds more than u32::MAX results at once.
        #[allow(clippy::cast_possible_truncation)]
        ResultId {
            index: index as u32,
            generation: self.generation,
        }
    }

    /// After queueing RUN + PULL: register them, or undo the stream if encoding failed.
    fn after_send(&mut self, id: ResultId, sent: Result<()>) -> Result<ResultId> {
        if let Err(e) = sent {
            self.streams[id.index as usize] = None;
            self.release_if_idle();
            return Err(e);
        }
        self.pending.push_back(Pending::Run(id));
        self.pending.push_back(Pending::Pull(id));
        // The RUN reply is read now, so errors surface here and the keys are known.
        self.stream_mut(id).phase = Phase::Running;
        while matches!(self.stream_mut(id).phase, Phase::Running) {
            self.process_one()?;
        }
        if let Phase::Failed(e) = &self.stream_mut(id).phase {
            let e = e.clone();
            // The server error is the answer even if the connection dies right after it
            // (the server may hang up after a security error).
            self.drain_quietly();
            self.streams[id.index as usize] = None;
            self.release_if_idle();
            return Err(e);
        }
        Ok(id)
    }

    fn send_more(&mut self, id: ResultId, req: Request<'_>) -> Result<()> {
        // The latest query is the server's default target: no need to name it.
        let req = match req {
            Request::Pull { n, qid } if Some(qid) == self.last_qid => Request::Pull { n, qid: -1 },
            Request::Discard { n, qid } if Some(qid) == self.last_qid => {
                Request::Discard { n, qid: -1 }
            }
            other => other,
        };
        let conn = self.conn.as_mut().ok_or_else(|| {
            Error::new(
                ErrorKind::ServiceUnavailable,
                "the connection of this result was lost",
            )
        })?;
        let discard = matches!(req, Request::Discard { .. });
        conn.send(&req)?;
        self.pending.push_back(if discard {
            Pending::Discard(id)
        } else {
            Pending::Pull(id)
        });
        if let Phase::Streaming { pulling, .. } = &mut self.stream_mut(id).phase {
            *pulling = true;
        }
        Ok(())
    }

    /// Sends the PULL for `id`'s next batch (of `n`) as soon as the summary that ends the
    /// current batch is in the read buffer saying the server has more, before the records
    /// ahead of it are decoded: the server produces the next batch while this one is read,
    /// instead of the two taking turns. At most the current batch and the next are ever
    /// buffered (by the socket), so memory stays bounded by the fetch size.
    ///
    /// Only for batches of [`PULL_AHEAD_MIN`] records or more: decoding a smaller one takes
    /// less than the round trip it would hide, and a user who asks for tiny batches wants the
    /// server to do no more than asked. A pull of everything (`n` = -1), a discarded stream or
    /// anything else in flight is left alone too.
    ///
    /// The PULL sent ahead is the second `Pull(id)` in `pending` (nothing else is in flight
    /// when it leaves, and none goes out while it waits); the current batch's summary finds it
    /// there and keeps the stream pulling.
    fn pull_ahead(&mut self, id: ResultId, n: i64) -> Result<()> {
        if n < PULL_AHEAD_MIN
            || self.pending.len() != 1
            || self.pending.front() != Some(&Pending::Pull(id))
        {
            return Ok(());
        }
        let (Some(conn), Some(Some(s))) =
            (self.conn.as_mut(), self.streams.get_mut(id.index as usize))
        else {
            return Ok(());
        };
        if s.generation != id.generation
            || s.discarding
            || !matches!(s.phase, Phase::Streaming { pulling: true, .. })
            || conn.buffered_batch_has_more() != Some(true)
        {
            return Ok(());
        }
        // Queued only: the connection takes no buffered record while a request waits, so the
        // next read (right after this) sends it first, with that read's error handling.
        let qid = s.qid;
        self.send_more(id, Request::Pull { n, qid })
    }

    /// Decodes the records of `id` that the connection has already buffered whole, in one tight
    /// loop, into the stream's buffer. A batch of wide rows is small (fewer records than the
    /// allocator keeps in its per-thread cache per size, so they are freed and reused from that
    /// cache); single-column records are held inline, so they come in larger batches (fewer
    /// calls per record; 6 -> 32 took W1's iterator from 428 to 404 instructions a record,
    /// while 32 wide rows cost W1b 16% more). Stops at anything else (a summary, a record that
    /// does not decode), which is left for [`Session::receive_for`] to read and handle.
    /// Returns how many were decoded.
    fn take_buffered_records(&mut self, id: ResultId) -> usize {
        let batch = match self.streams.get(id.index as usize) {
            Some(Some(s)) if s.keys.len() == 1 => 32,
            _ => 6,
        };
        // A record of another length than the columns is left for `receive_for` to refuse.
        self.take_buffered_into(id, batch, |s, d| match Record::decode(&s.keys, d) {
            Ok(r) if d.is_at_end() && r.len() == s.keys.len() => {
                s.buffer.push_back(Ok(r));
                true
            }
            _ => false,
        })
    }

    /// Offers up to `max` RECORD messages of `id` that the connection has buffered whole to
    /// `take` (the stream, a decoder positioned at the field list), while `take` accepts them:
    /// the fast path of streaming, without I/O. Nothing is taken unless `id`'s PULL is the
    /// reply being read and its records are kept.
    fn take_buffered_into(
        &mut self,
        id: ResultId,
        max: usize,
        mut take: impl FnMut(&mut Stream, &mut Decoder<'_>) -> bool,
    ) -> usize {
        if self.pending.front() != Some(&Pending::Pull(id)) {
            return 0;
        }
        let (Some(conn), Some(Some(s))) =
            (self.conn.as_mut(), self.streams.get_mut(id.index as usize))
        else {
            return 0;
        };
        if s.generation != id.generation || s.discarding {
            return 0;
        }
        let taken = conn.take_buffered(max, |bytes, opts| {
            let mut d = Decoder::new(bytes, opts);
            d.read_struct_header() == Ok((1, tag::RECORD)) && take(s, &mut d)
        });
        if taken > 0 {
            s.had_record = true;
        }
        taken
    }

    /// Reads one response; if it is a record of `id`'s (and `id` keeps its records) returns it
    /// directly instead of buffering.
    fn receive_for(&mut self, id: ResultId) -> Result<Option<Record>> {
        if let Some(Pending::Pull(front)) = self.pending.front() {
            if *front == id {
                let resp = self.recv()?;
                if let Response::Record(values) = resp {
                    let columns = self.stream_mut(id).keys.len();
                    self.check_record_len(values.len(), columns)?;
                    let s = self.stream_mut(id);
                    s.had_record = true;
                    if s.discarding {
                        return Ok(None);
                    }
                    return Ok(Some(Record::new(s.keys.clone(), values)));
                }
                self.handle(resp)?;
                return Ok(None);
            }
        }
        self.process_one()?;
        Ok(None)
    }

    fn recv(&mut self) -> Result<Response> {
        let Some(conn) = self.conn.as_mut() else {
            return Err(Error::new(ErrorKind::ServiceUnavailable, "no connection"));
        };
        match conn.recv() {
            Ok(r) => {
                self.unproven = false;
                Ok(r)
            }
            Err(e) => {
                let e = self.explain(e);
                let Some(conn) = self.conn.as_mut() else {
                    return Err(e);
                };
                if std::mem::take(&mut self.unproven) && e.kind() == ErrorKind::ServiceUnavailable {
                    // Not a server failure worth telling routing about: retried by the caller.
                    self.idle_death = Some(conn.address().clone());
                    self.connection_lost(&e);
                } else if self.failure.is_some() {
                    // The server answered a FAILURE and then hung up (servers close the
                    // connection after security errors): it is alive, so routing keeps it.
                    log::debug!(
                        "[#@{}] the server hung up after a failure: {e}",
                        conn.address()
                    );
                    self.connection_lost(&e);
                } else {
                    self.connection_failed(&e);
                }
                Err(e)
            }
        }
    }

    /// Reads and dispatches one response.
    fn process_one(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Err(Error::new(ErrorKind::IllegalState, "no reply is pending"));
        }
        let resp = self.recv()?;
        self.handle(resp)
    }

    fn drain(&mut self) -> Result<()> {
        while !self.pending.is_empty() {
            self.process_one()?;
        }
        Ok(())
    }

    fn drain_quietly(&mut self) {
        if self.drain().is_err() {
            self.pending.clear();
        }
    }

    fn handle(&mut self, resp: Response) -> Result<()> {
        let front = *self.pending.front().expect("invariant: checked non-empty");
        let values = match resp {
            Response::Record(values) => Ok(values),
            Response::InvalidRecord(e) => Err(e),
            summary => return self.handle_summary(front, summary),
        };
        let Pending::Pull(id) = front else {
            return Err(self.protocol_violation("sent a RECORD out of turn"));
        };
        let columns = self.stream_opt_mut(id).map(|s| s.keys.len());
        if let (Ok(values), Some(columns)) = (&values, columns) {
            self.check_record_len(values.len(), columns)?;
        }
        if let Some(s) = self.stream_opt_mut(id) {
            s.had_record = true;
            if !s.discarding {
                let r = match values {
                    Ok(values) => Ok(Record::new(s.keys.clone(), values)),
                    Err(e) => Err(undecodable_record(e)),
                };
                s.buffer.push_back(r);
            }
        }
        Ok(())
    }

    /// Handles a SUCCESS, FAILURE or IGNORED reply to the request at the front of `pending`.
    fn handle_summary(&mut self, front: Pending, resp: Response) -> Result<()> {
        self.pending.pop_front();
        match resp {
            Response::Success(meta) => self.on_success(front, meta)?,
            Response::Failure(meta) if front == Pending::Auth => {
                // The new credentials were refused: everything sent after them fails with
                // that error, and the connection is not used again.
                let mut e = failure_error(&meta);
                if self.config.auth.is_none() {
                    let token = self.conn.as_ref().and_then(|c| c.auth().cloned());
                    e = self.driver.on_security_error(token.as_ref(), e);
                }
                self.on_failure(front, e.clone());
                self.connection_lost(&e);
            }
            Response::Failure(meta) => {
                let mut e = failure_error(&meta);
                self.report_failure(&e);
                if self.config.auth.is_none() {
                    let token = self.conn.as_ref().and_then(|c| c.auth().cloned());
                    e = self.driver.on_security_error(token.as_ref(), e);
                }
                self.on_failure(front, e.clone());
                self.failure = Some(e);
                let in_tx = self.tx.is_some();
                let conn = self
                    .conn
                    .as_mut()
                    .expect("invariant: replies need a connection");
                conn.send_clear_failure(in_tx)?;
                self.pending.push_back(Pending::Reset);
            }
            Response::Ignored => {
                let e = self.failure.clone().unwrap_or_else(|| {
                    Error::new(ErrorKind::IllegalState, "the server ignored the request")
                });
                self.on_failure(front, e);
            }
            Response::Record(_) | Response::InvalidRecord(_) => {
                unreachable!("records are handled by the caller")
            }
        }
        Ok(())
    }

    /// Handles a SUCCESS to the request at the front of `pending`.
    ///
    /// # Errors
    /// `Protocol` (the connection is closed) for a RUN reply whose `fields` is not a list of
    /// strings.
    fn on_success(&mut self, front: Pending, meta: Map) -> Result<()> {
        match front {
            Pending::Run(id) => {
                self.note_database(&meta);
                if let Some(Value::Int(q)) = meta.get("qid") {
                    self.last_qid = Some(*q);
                }
                let keys = match meta.get("fields") {
                    None => None,
                    Some(Value::List(fields)) => {
                        let keys: Option<Vec<String>> = fields
                            .iter()
                            .map(|f| f.as_str().map(str::to_owned))
                            .collect();
                        match keys {
                            Some(keys) => Some(Arc::<[String]>::from(keys)),
                            None => {
                                return Err(self.protocol_violation(
                                    "sent a RUN reply whose fields are not all strings",
                                ))
                            }
                        }
                    }
                    Some(_) => {
                        return Err(
                            self.protocol_violation("sent a RUN reply whose fields are not a list")
                        )
                    }
                };
                if let Some(s) = self.stream_opt_mut(id) {
                    if let Some(keys) = keys {
                        s.keys = keys;
                    }
                    if let Some(Value::Int(q)) = meta.get("qid") {
                        s.qid = *q;
                    }
                    s.run_meta = meta;
                    s.phase = Phase::Streaming {
                        has_more: false,
                        pulling: true,
                    };
                }
            }
            Pending::Pull(id) | Pending::Discard(id) => {
                let has_more = meta
                    .get("has_more")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                if !has_more {
                    if let (false, Some(Value::String(b))) =
                        (self.stream_in_tx(id), meta.get("bookmark"))
                    {
                        self.set_bookmark(b.clone());
                    }
                }
                let server = match &self.conn {
                    Some(c) if !has_more => c.info().clone(),
                    _ => ServerInfo::default(),
                };
                // A PULL sent ahead (see `pull_ahead`) is next in line: its records come next.
                let pulled_ahead = self.pending.front() == Some(&Pending::Pull(id));
                let mut done = false;
                if let Some(s) = self.stream_opt_mut(id) {
                    if has_more {
                        s.phase = Phase::Streaming {
                            has_more: true,
                            pulling: pulled_ahead,
                        };
                    } else {
                        let summary = LazySummary::new(
                            std::mem::take(&mut s.query),
                            s.params.take(),
                            std::mem::take(&mut s.run_meta),
                            meta,
                            server,
                            s.had_record,
                        );
                        s.phase = match summary {
                            Err(e) => {
                                s.buffer.clear();
                                Phase::Failed(e)
                            }
                            Ok(summary) if s.discarding => Phase::Consumed(summary),
                            Ok(summary) => Phase::Done(summary),
                        };
                        done = true;
                    }
                }
                if done {
                    self.release_if_idle();
                }
            }
            // On Bolt 1-2 the COMMIT bookmark arrives with the PULL_ALL reply (`Aux`).
            Pending::Commit | Pending::Aux => {
                if let Some(Value::String(b)) = meta.get("bookmark") {
                    self.set_bookmark(b.clone());
                }
            }
            Pending::Reset => self.failure = None,
            Pending::Auth => {}
            Pending::Begin => self.note_database(&meta),
            Pending::Rollback => {}
            Pending::Telemetry => self.api_announced = self.api.is_some(),
        }
        Ok(())
    }

    /// The server broke the protocol (`why` completes "the server ..."): the connection is
    /// closed, and everything waiting on it fails with the error returned.
    fn protocol_violation(&mut self, why: &str) -> Error {
        let e = Error::new(ErrorKind::Protocol, format!("the server {why}"));
        if let Some(c) = self.conn.as_mut() {
            c.mark_broken(why);
        }
        self.connection_failed(&e);
        e
    }

    /// Fails with [`Session::protocol_violation`] unless a RECORD of `len` values fits the
    /// `columns` of its result (the RUN's `fields`).
    fn check_record_len(&mut self, len: usize, columns: usize) -> Result<()> {
        if len == columns {
            Ok(())
        } else {
            Err(self.protocol_violation(&format!(
                "sent a RECORD of {len} values for {columns} columns (the RUN's fields)"
            )))
        }
    }

    fn on_failure(&mut self, front: Pending, e: Error) {
        match front {
            Pending::Run(id) | Pending::Pull(id) | Pending::Discard(id) => {
                let in_tx = self.stream_in_tx(id);
                if let Some(s) = self.stream_opt_mut(id) {
                    s.buffer.clear();
                    s.phase = Phase::Failed(e.clone());
                }
                if in_tx {
                    self.fail_tx(e);
                }
            }
            Pending::Begin
            | Pending::Commit
            | Pending::Rollback
            | Pending::Aux
            | Pending::Telemetry => self.fail_tx(e),
            Pending::Reset => {
                if let Some(c) = self.conn.as_mut() {
                    c.mark_broken("RESET failed");
                }
            }
            Pending::Auth => {
                if let Some(c) = self.conn.as_mut() {
                    c.mark_broken("re-authentication failed");
                }
            }
        }
    }

    /// The open transaction failed: remember the first error, and end the transaction's
    /// unfinished results with it. The server dropped their streams, so nothing more may be
    /// pulled or discarded for them (records already received stay readable).
    fn fail_tx(&mut self, e: Error) {
        let Some(tx) = &mut self.tx else {
            return;
        };
        let e = tx.failed.get_or_insert(e).clone();
        for s in self.streams.iter_mut().flatten().filter(|s| s.in_tx) {
            if matches!(s.phase, Phase::Running | Phase::Streaming { .. }) {
                s.phase = Phase::Failed(e.clone());
            }
        }
    }

    /// The connection died: everything pending fails with `e`, and the connection goes back
    /// to the pool (which drops it).
    fn connection_failed(&mut self, e: &Error) {
        self.report_failure(e);
        self.connection_lost(e);
    }

    /// As [`Session::connection_failed`], without telling routing.
    fn connection_lost(&mut self, e: &Error) {
        for p in std::mem::take(&mut self.pending) {
            self.on_failure(p, e.clone());
        }
        for s in self.streams.iter_mut().flatten() {
            if matches!(s.phase, Phase::Running | Phase::Streaming { .. }) {
                s.phase = Phase::Failed(e.clone());
            }
        }
        if let Some(tx) = &mut self.tx {
            tx.failed.get_or_insert_with(|| e.clone());
        }
        self.failure = None;
        self.drop_connection();
    }

    /// Gives the connection back when nothing needs it.
    fn release_if_idle(&mut self) {
        if self.conn.is_none() || self.tx.is_some() || !self.pending.is_empty() {
            return;
        }
        let busy = self
            .streams
            .iter()
            .flatten()
            .any(|s| matches!(s.phase, Phase::Running | Phase::Streaming { .. }));
        if !busy {
            self.drop_connection();
        }
    }

    fn stream_ids(&self, pred: impl Fn(&Stream) -> bool) -> Vec<ResultId> {
        self.streams
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().filter(|s| pred(s)).map(|s| (i, s.generation)))
            .map(|(i, generation)| {
                // The slab never holds more than u32::MAX results at once.
                #[allow(clippy::cast_possible_truncation)]
                ResultId {
                    index: i as u32,
                    generation,
                }
            })
            .collect()
    }

    fn valid_index(&self, id: ResultId) -> Option<usize> {
        let i = id.index as usize;
        match self.streams.get(i) {
            Some(Some(s)) if s.generation == id.generation => Some(i),
            _ => None,
        }
    }

    fn stream_opt_mut(&mut self, id: ResultId) -> Option<&mut Stream> {
        let i = self.valid_index(id)?;
        self.streams[i].as_mut()
    }

    fn stream_in_tx(&self, id: ResultId) -> bool {
        self.valid_index(id)
            .and_then(|i| self.streams[i].as_ref())
            .is_some_and(|s| s.in_tx)
    }

    /// Queues RUN and the first PULL for a new stream (they leave in one write).
    fn send_run_pull(&mut self, id: ResultId, query: &str, meta: Option<&TxMeta>) -> Result<()> {
        let params = self.streams[id.index as usize]
            .as_ref()
            .expect("invariant: live stream")
            .params
            .as_ref();
        let conn = self
            .conn
            .as_mut()
            .expect("invariant: connected before running");
        conn.send(&Request::Run {
            query,
            params,
            meta,
        })?;
        conn.send(&Request::Pull {
            n: self.fetch_size,
            qid: -1,
        })
    }

    fn stream_mut(&mut self, id: ResultId) -> &mut Stream {
        self.streams[id.index as usize]
            .as_mut()
            .expect("invariant: live stream")
    }

    fn stream_checked(&self, id: ResultId) -> Result<&Stream> {
        match self.valid_index(id) {
            Some(i) => Ok(self.streams[i].as_ref().expect("invariant: valid index")),
            None => Err(stale_error()),
        }
    }

    fn stream_checked_mut(&mut self, id: ResultId) -> Result<&mut Stream> {
        match self.valid_index(id) {
            Some(i) => Ok(self.streams[i].as_mut().expect("invariant: valid index")),
            None => Err(stale_error()),
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
