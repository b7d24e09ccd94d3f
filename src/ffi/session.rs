//! `boltc_session` and `boltc_transaction`.
//!
//! The session lives in an `Arc<SessionShared>` (`shared.rs`) shared with its results and
//! transactions, so they can be freed in any order. `boltc_session_close` leaves a tombstone (`None`), so later
//! calls on the session or its results fail with `BOLTC_STATUS_ILLEGAL_STATE` instead of
//! touching freed memory. Each call takes the session's mutex with a try-lock: a second thread
//! gets `BOLTC_STATUS_BUSY`.
//!
//! File length: one C type family (session and transaction, 17 entry points), each with its ownership and threading contract spelled out; about 600 lines.

use super::config::access_mode_arg;
use super::error::boltc_error;
use super::error::ffi_status;
use super::guard::ffi_value;
use super::handle::{
    box_free, box_into_raw, box_ref, cstr_arg, declare_handle, str_arg, view_ref, Handle, Out,
};
use super::result::boltc_result;
use super::shared::{SessState, SessionShared};
use super::status::{boltc_status, Failure, FfiResult};
use super::value::{boltc_map, boltc_value};
use crate::driver::{AccessMode, Session, TelemetryApi, TransactionConfig};
use crate::error::{Error, ErrorKind};
use crate::value::{Map, Value};
use parking_lot::Mutex;
use std::ffi::c_char;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// A session: a causal chain of transactions against one database.
///
/// Ownership: made by `boltc_driver_session`, freed with `boltc_session_free` (which closes it
/// if needed). Results and transactions keep the session's state alive, so they can be freed
/// before or after it; after `boltc_session_close` they fail with `BOLTC_STATUS_ILLEGAL_STATE`.
/// Threads: a session, its transactions and results may move between threads but must be used
/// by one thread at a time; a concurrent call gets `BOLTC_STATUS_BUSY`.
/// `boltc_session_interrupt` is the exception: any thread may call it at any time.
pub struct boltc_session {
    magic: u32,
    pub(crate) shared: Arc<SessionShared>,
    /// The transaction handle lent to transaction functions (`boltc_session_execute_read`);
    /// it lives as long as the session handle, so a stale use fails instead of crashing.
    pub(crate) managed_tx: Box<boltc_transaction>,
    /// Transaction functions running on this handle, and whether `boltc_session_free` was
    /// called meanwhile (the free then happens when the last of them returns).
    executing: Mutex<Executing>,
}

/// See [`boltc_session::executing`].
#[derive(Default)]
struct Executing {
    depth: usize,
    free_requested: bool,
}

declare_handle!(Box, boltc_session, 0xB017_0501);

impl boltc_session {
    pub(crate) fn new(shared: Arc<SessionShared>) -> boltc_session {
        boltc_session {
            magic: Self::MAGIC,
            managed_tx: Box::new(boltc_transaction {
                magic: boltc_transaction::MAGIC,
                shared: shared.clone(),
                serial: MANAGED_SERIAL,
            }),
            shared,
            executing: Mutex::default(),
        }
    }

    /// Marks a transaction function as running on this handle (see [`leave_execute`]).
    pub(crate) fn enter_execute(&self) {
        self.executing.lock().depth += 1;
    }
}

/// Ends what [`boltc_session::enter_execute`] began, and frees the handle if
/// `boltc_session_free` was called while transaction functions ran.
///
/// # Safety
/// `session` is a live handle on which `enter_execute` was called (a free during the call was
/// deferred, so it is still live); it is not used afterwards.
pub(crate) unsafe fn leave_execute(session: *mut boltc_session) {
    // SAFETY: live (the caller's contract).
    let Ok(s) = (unsafe { box_ref(session) }) else {
        return;
    };
    let free = {
        let mut e = s.executing.lock();
        e.depth -= 1;
        e.depth == 0 && e.free_requested
    };
    if free {
        // SAFETY: the free the C caller asked for, deferred to here; nothing borrows it now.
        unsafe { box_free(session) }
    }
}

/// A transaction: the open explicit transaction of a session.
///
/// Ownership: made by `boltc_session_begin`, freed with `boltc_transaction_free` (which rolls
/// it back if it is still open). Threads: as its session.
pub struct boltc_transaction {
    magic: u32,
    shared: Arc<SessionShared>,
    /// Which transaction of the session this is ([`MANAGED_SERIAL`]: the one lent to
    /// transaction functions; explicit ones count from 1).
    serial: u64,
}

/// The serial of the transaction handle lent to transaction functions.
pub(crate) const MANAGED_SERIAL: u64 = 0;

declare_handle!(Box, boltc_transaction, 0xB017_0701);

/// Copies optional parameters.
///
/// # Safety
/// `params` is NULL or a live `boltc_map`.
pub(crate) unsafe fn params_arg(params: *const boltc_map) -> FfiResult<Option<Map>> {
    if params.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL and live (the caller's contract).
    let m = unsafe { view_ref(params, "params") }?;
    check_sendable_map(m)?;
    Ok(Some(m.clone()))
}

fn check_sendable_map(m: &Map) -> FfiResult<()> {
    m.values().try_for_each(check_sendable)
}

fn check_sendable(v: &Value) -> FfiResult<()> {
    match v {
        Value::Node(_)
        | Value::Relationship(_)
        | Value::UnboundRelationship(_)
        | Value::Path(_)
        | Value::Unsupported(_) => Err(Failure::invalid(format!(
            "a {} cannot be sent as a parameter",
            v.type_name()
        ))),
        Value::List(l) => l.iter().try_for_each(check_sendable),
        Value::Map(m) => check_sendable_map(m),
        _ => Ok(()),
    }
}

/// A transaction config from the C arguments.
///
/// # Safety
/// `metadata` is NULL or a live `boltc_map`.
pub(crate) unsafe fn tx_config(
    timeout_ms: i64,
    metadata: *const boltc_map,
) -> FfiResult<TransactionConfig> {
    // SAFETY: forwarded contract.
    let metadata = unsafe { params_arg(metadata) }?;
    Ok(TransactionConfig {
        metadata,
        timeout: u64::try_from(timeout_ms).ok().map(Duration::from_millis),
    })
}

fn run_impl(
    session: *mut boltc_session,
    q: &str,
    params: *const boltc_map,
    timeout_ms: i64,
    metadata: *const boltc_map,
    result_out: *mut *mut boltc_result,
) -> FfiResult<()> {
    let out = Out::new(result_out, "result_out")?;
    // SAFETY: NULL or a live boltc_session (header contract).
    let s = unsafe { box_ref(session) }?;
    // SAFETY: maps are NULL or live (header contract).
    let (p, c) = unsafe { (params_arg(params)?, tx_config(timeout_ms, metadata)?) };
    let id = s
        .shared
        .with(|st| Ok(st.session()?.run_detached(q, p, &c)?))?;
    out.write(box_into_raw(boltc_result::new(s.shared.clone(), id)));
    Ok(())
}

/// Runs `query` (UTF-8, `query_len` bytes, need not be NUL-terminated) in an auto-commit
/// transaction. `params` (may be NULL) and `metadata` (may be NULL) are borrowed and copied;
/// `timeout_ms` < 0 means the server's default transaction timeout.
///
/// On success `*result_out` receives a result freed with `boltc_result_free`. The RUN reply is
/// awaited, so query errors are reported here. Fails with `BOLTC_STATUS_ILLEGAL_STATE` while a
/// transaction is open or after close, `BOLTC_STATUS_BUSY` if another thread uses the session.
#[no_mangle]
#[allow(clippy::too_many_arguments)] // the C signature: inputs, then out-params
pub extern "C" fn boltc_session_run(
    session: *mut boltc_session,
    query: *const c_char,
    query_len: usize,
    params: *const boltc_map,
    timeout_ms: i64,
    metadata: *const boltc_map,
    result_out: *mut *mut boltc_result,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: query points at query_len bytes (header contract).
        let q = unsafe { str_arg(query, query_len, "query") }?;
        run_impl(session, q, params, timeout_ms, metadata, result_out)
    })
}

/// As `boltc_session_run` with a NUL-terminated `query` and no timeout or metadata.
#[no_mangle]
pub extern "C" fn boltc_session_run_cstr(
    session: *mut boltc_session,
    query: *const c_char,
    params: *const boltc_map,
    result_out: *mut *mut boltc_result,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or a NUL-terminated string (header contract).
        let q = unsafe { cstr_arg(query, "query") }?;
        run_impl(session, q, params, -1, std::ptr::null(), result_out)
    })
}

/// Begins an explicit transaction in `mode` (`None`: the session's default).
fn begin_impl(
    session: *mut boltc_session,
    mode: Option<AccessMode>,
    timeout_ms: i64,
    metadata: *const boltc_map,
    transaction_out: *mut *mut boltc_transaction,
) -> FfiResult<()> {
    let out = Out::new(transaction_out, "transaction_out")?;
    // SAFETY: NULL or a live boltc_session (header contract).
    let s = unsafe { box_ref(session) }?;
    // SAFETY: metadata is NULL or live (header contract).
    let c = unsafe { tx_config(timeout_ms, metadata) }?;
    let serial = s.shared.with(|st| {
        let sess = st.session()?;
        match mode {
            Some(mode) => sess.begin_detached_in_mode(&c, mode)?,
            None => sess.begin_detached(&c)?,
        }
        st.tx_serial += 1;
        st.open_tx = Some(st.tx_serial);
        Ok(st.tx_serial)
    })?;
    out.write(box_into_raw(boltc_transaction {
        magic: boltc_transaction::MAGIC,
        shared: s.shared.clone(),
        serial,
    }));
    Ok(())
}

/// Begins an explicit transaction in the session's access mode and waits for the server's
/// reply. `timeout_ms` < 0 means the server default; `metadata` may be NULL (borrowed, copied).
///
/// On success `*transaction_out` receives a transaction freed with `boltc_transaction_free`.
/// Fails with `BOLTC_STATUS_ILLEGAL_STATE` if one is already open.
#[no_mangle]
pub extern "C" fn boltc_session_begin(
    session: *mut boltc_session,
    timeout_ms: i64,
    metadata: *const boltc_map,
    transaction_out: *mut *mut boltc_transaction,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        begin_impl(session, None, timeout_ms, metadata, transaction_out)
    })
}

/// As `boltc_session_begin`, in access mode `access_mode` (`BOLTC_ACCESS_MODE_READ`: routed to
/// a reader, BEGIN carries mode "r"; `BOLTC_ACCESS_MODE_WRITE`: to a writer) for this
/// transaction only, whatever the session's default; the session keeps its default and its
/// bookmarks. Another `access_mode` fails with `BOLTC_STATUS_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn boltc_session_begin_in_mode(
    session: *mut boltc_session,
    access_mode: i32,
    timeout_ms: i64,
    metadata: *const boltc_map,
    transaction_out: *mut *mut boltc_transaction,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let mode = access_mode_arg(access_mode)?;
        begin_impl(session, Some(mode), timeout_ms, metadata, transaction_out)
    })
}

/// The bookmarks of the last committed transaction, as a new list value of strings the caller
/// frees with `boltc_value_free`.
#[no_mangle]
pub extern "C" fn boltc_session_last_bookmarks(
    session: *mut boltc_session,
    bookmarks_out: *mut *mut boltc_value,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let out = Out::new(bookmarks_out, "bookmarks_out")?;
        // SAFETY: NULL or a live boltc_session (header contract).
        let s = unsafe { box_ref(session) }?;
        let b = s.shared.with(|st| Ok(st.session()?.last_bookmarks()))?;
        let list = Value::List(b.into_iter().map(Value::String).collect());
        out.write(super::handle::opaque_box(list));
        Ok(())
    })
}

/// Interrupts a blocking call on this session from another thread; the blocked call returns
/// `BOLTC_STATUS_INTERRUPTED`. It reaches a read or write on the session's connection (which is
/// shut down and discarded: an open transaction is lost), a wait for a free connection in the
/// pool, a wait for a routing table another thread is fetching, and a routing table fetch.
/// Connecting (TCP, TLS, handshake, HELLO) is bounded by the timeouts only; an interrupt during
/// it fails the call once the connection is made. The session stays usable (the next call takes
/// a new connection). An interrupt while no call is blocked shuts down the connection the
/// session holds, if any (the next call on it returns `BOLTC_STATUS_INTERRUPTED`); otherwise it
/// has no effect on later calls.
///
/// Threads: may be called from any thread at any time while the handle is not freed.
#[no_mangle]
pub extern "C" fn boltc_session_interrupt(
    session: *const boltc_session,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or a live boltc_session (header contract; shared reads only).
        let s = unsafe { box_ref(session) }?;
        s.shared.interrupted.store(true, Ordering::SeqCst);
        s.shared.interrupt.interrupt();
        Ok(())
    })
}

/// Bounds each later blocking call on this session to `timeout_ms` milliseconds (< 0: no
/// bound, the default), all waits included: routing (fetching a routing table, resolving the
/// home database), pool acquisition, connecting and the handshake, RUN, and each fetch of
/// records (`boltc_result_next`, `boltc_result_next_batch`, ...; records already received are
/// returned without waiting), BEGIN, COMMIT, ROLLBACK, close. A call that runs out of time
/// returns `BOLTC_STATUS_TIMEOUT` with a message saying what it was waiting for; a connection
/// whose read timed out is discarded (an open transaction is lost; COMMIT reports
/// `BOLTC_STATUS_INCOMPLETE_COMMIT`). Not the server-side transaction timeout (`timeout_ms` of
/// `boltc_session_run` and `boltc_session_begin`).
///
/// Threads: as every session call; `BOLTC_STATUS_BUSY` while another thread uses the session.
#[no_mangle]
pub extern "C" fn boltc_session_set_call_timeout_ms(
    session: *mut boltc_session,
    timeout_ms: i64,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or a live boltc_session (header contract).
        let s = unsafe { box_ref(session) }?;
        let t = u64::try_from(timeout_ms).ok().map(Duration::from_millis);
        s.shared.with(|st| {
            st.session()?.set_call_timeout(t);
            Ok(())
        })
    })
}

/// For bindings that run their own transaction-function loop over `boltc_session_begin*`: marks
/// the API call the next transactions belong to, for Bolt 5.4+ telemetry. `api` is
/// `BOLTC_TELEMETRY_TRANSACTION_FUNCTION` (0) or `BOLTC_TELEMETRY_EXECUTE_QUERY` (3) around the
/// loop, and -1 after it (explicit transactions then report themselves as such). The server is
/// told once per call, not once per retry. Other values give `BOLTC_STATUS_INVALID_ARGUMENT`.
/// `boltc_session_execute_read`/`_write` do this themselves.
#[no_mangle]
pub extern "C" fn boltc_session_set_telemetry_api(
    session: *mut boltc_session,
    api: i32,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or a live boltc_session (header contract).
        let s = unsafe { box_ref(session) }?;
        let api = match api {
            -1 => None,
            BOLTC_TELEMETRY_TRANSACTION_FUNCTION => Some(TelemetryApi::TransactionFunction),
            BOLTC_TELEMETRY_EXECUTE_QUERY => Some(TelemetryApi::ExecuteQuery),
            other => {
                return Err(Failure::invalid(format!(
                    "unknown telemetry api {other} (0: transaction function, 3: execute query, -1: none)"
                )))
            }
        };
        s.shared.with(|st| {
            st.session()?.set_telemetry_api(api);
            Ok(())
        })
    })
}

/// `boltc_session_set_telemetry_api`: a transaction function and its retries.
pub const BOLTC_TELEMETRY_TRANSACTION_FUNCTION: i32 = 0;
/// `boltc_session_set_telemetry_api`: a driver-level execute-query call.
pub const BOLTC_TELEMETRY_EXECUTE_QUERY: i32 = 3;

/// The server and connection the session holds right now: on success `*info_out` receives a
/// server info freed with `boltc_server_info_free`, or NULL while the session holds no
/// connection (between queries, connections go back to the pool).
#[no_mangle]
pub extern "C" fn boltc_session_connection_info(
    session: *mut boltc_session,
    info_out: *mut *mut super::server_info::boltc_server_info,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        super::server_info::write_server_info(info_out, || {
            // SAFETY: NULL or a live boltc_session (header contract).
            let s = unsafe { box_ref(session) }?;
            s.shared.with(|st| Ok(st.session()?.connection_info()))
        })
    })
}

/// Closes the session: discards open results, rolls back an open transaction, returns the
/// connection to the pool. Later calls on it, its results and transactions fail with
/// `BOLTC_STATUS_ILLEGAL_STATE`. Closing twice is OK. The handle is still freed with
/// `boltc_session_free`.
#[no_mangle]
pub extern "C" fn boltc_session_close(
    session: *mut boltc_session,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or a live boltc_session (header contract).
        let s = unsafe { box_ref(session) }?;
        s.shared.with(|st| {
            st.open_tx = None;
            match st.session.take() {
                Some(mut sess) => Ok(sess.close()?),
                None => Ok(()),
            }
        })
    })
}

/// Frees a session, closing it first if needed (errors are ignored; waits if another thread
/// is using it). NULL is ignored. Called from inside a transaction function running on this
/// session, it closes the session at once (the transaction function's call then fails with
/// `BOLTC_STATUS_ILLEGAL_STATE`) and frees the handle when `boltc_session_execute_*` returns.
#[no_mangle]
pub extern "C" fn boltc_session_free(session: *mut boltc_session) {
    ffi_value!((), {
        // SAFETY: NULL or a live boltc_session (header contract).
        if let Ok(s) = unsafe { box_ref(session) } {
            s.shared.with_blocking(|st| {
                st.open_tx = None;
                if let Some(mut sess) = st.session.take() {
                    let _ = sess.close();
                }
            });
            let mut e = s.executing.lock();
            if e.depth > 0 {
                // A transaction function is using the handle: leave_execute frees it.
                e.free_requested = true;
                return;
            }
        }
        // SAFETY: NULL or an owned boltc_session freed once (header contract).
        unsafe { box_free(session) }
    })
}

fn with_tx<R>(
    tx: *const boltc_transaction,
    f: impl FnOnce(&mut Session, &mut SessState) -> FfiResult<R>,
) -> FfiResult<(R, Arc<SessionShared>)> {
    // SAFETY: NULL or a live boltc_transaction (header contract).
    let t = unsafe { box_ref(tx) }?;
    let r = t.shared.with(|st| {
        if st.open_tx != Some(t.serial) {
            return Err(Error::new(ErrorKind::IllegalState, "the transaction is closed").into());
        }
        let mut sess = st.session.take().ok_or_else(|| {
            Failure::from(Error::new(
                ErrorKind::IllegalState,
                "the session has been closed",
            ))
        })?;
        let r = f(&mut sess, st);
        st.session = Some(sess);
        r
    })?;
    Ok((r, t.shared.clone()))
}

/// Runs a query (`query_len` bytes of UTF-8) in the transaction; `params` may be NULL
/// (borrowed, copied). On success `*result_out` receives a result freed with
/// `boltc_result_free`; it goes out of scope when the transaction ends.
#[no_mangle]
pub extern "C" fn boltc_transaction_run(
    transaction: *mut boltc_transaction,
    query: *const c_char,
    query_len: usize,
    params: *const boltc_map,
    result_out: *mut *mut boltc_result,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let out = Out::new(result_out, "result_out")?;
        // SAFETY: query points at query_len bytes; params is NULL or live (header contract).
        let (q, p) = unsafe { (str_arg(query, query_len, "query")?, params_arg(params)?) };
        let (id, shared) = with_tx(transaction, |s, _| Ok(s.tx_run_detached(q, p)?))?;
        out.write(box_into_raw(boltc_result::new(shared, id)));
        Ok(())
    })
}

/// As `boltc_transaction_run` with a NUL-terminated `query`.
#[no_mangle]
pub extern "C" fn boltc_transaction_run_cstr(
    transaction: *mut boltc_transaction,
    query: *const c_char,
    params: *const boltc_map,
    result_out: *mut *mut boltc_result,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let out = Out::new(result_out, "result_out")?;
        // SAFETY: NULL or a NUL-terminated string; params NULL or live (header contract).
        let (q, p) = unsafe { (cstr_arg(query, "query")?, params_arg(params)?) };
        let (id, shared) = with_tx(transaction, |s, _| Ok(s.tx_run_detached(q, p)?))?;
        out.write(box_into_raw(boltc_result::new(shared, id)));
        Ok(())
    })
}

fn end_tx(transaction: *mut boltc_transaction, commit: bool) -> FfiResult<()> {
    with_tx(transaction, |s, st| {
        if st.open_tx == Some(MANAGED_SERIAL) {
            return Err(Error::new(
                ErrorKind::IllegalState,
                "a transaction function's transaction is committed or rolled back by boltc",
            )
            .into());
        }
        st.open_tx = None;
        if commit {
            s.commit_detached()?;
        } else {
            s.rollback_detached()?;
        }
        Ok(())
    })
    .map(|_| ())
}

/// The server and connection the transaction runs on: on success `*info_out` receives a
/// server info freed with `boltc_server_info_free`, or NULL once the connection was lost.
#[no_mangle]
pub extern "C" fn boltc_transaction_connection_info(
    transaction: *mut boltc_transaction,
    info_out: *mut *mut super::server_info::boltc_server_info,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        super::server_info::write_server_info(info_out, || {
            with_tx(transaction, |s, _| Ok(s.connection_info())).map(|(info, _)| info)
        })
    })
}

/// Commits the transaction; results not yet read are discarded. Afterwards the transaction is
/// closed (further calls: `BOLTC_STATUS_ILLEGAL_STATE`) but still freed with
/// `boltc_transaction_free`. `BOLTC_STATUS_INCOMPLETE_COMMIT`: the connection was lost during
/// COMMIT and the outcome is unknown.
#[no_mangle]
pub extern "C" fn boltc_transaction_commit(
    transaction: *mut boltc_transaction,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, { end_tx(transaction, true) })
}

/// Rolls the transaction back. Afterwards it is closed but still freed with
/// `boltc_transaction_free`.
#[no_mangle]
pub extern "C" fn boltc_transaction_rollback(
    transaction: *mut boltc_transaction,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, { end_tx(transaction, false) })
}

/// Frees a transaction, rolling it back first if it is still open (errors ignored; waits if
/// another thread uses the session). NULL is ignored.
#[no_mangle]
pub extern "C" fn boltc_transaction_free(transaction: *mut boltc_transaction) {
    ffi_value!((), {
        // SAFETY: NULL or a live boltc_transaction (header contract).
        if let Ok(t) = unsafe { box_ref(transaction) } {
            if t.serial == MANAGED_SERIAL {
                return; // lent by a transaction function: its session owns it
            }
            t.shared.with_blocking(|st| {
                if st.open_tx == Some(t.serial) {
                    st.open_tx = None;
                    if let Some(s) = st.session.as_mut() {
                        let _ = s.rollback_detached();
                    }
                }
            });
        }
        // SAFETY: NULL or an owned boltc_transaction freed once (header contract).
        unsafe { box_free(transaction) }
    })
}
