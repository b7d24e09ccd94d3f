//! Transaction functions: `boltc_session_execute_read` / `_write` / `boltc_session_execute`.
//!
//! The attempts (BEGIN, the callback, COMMIT) are made here, on the session's detached API,
//! because the C callback calls back into boltc with the lent transaction handle: the session's
//! mutex is held only for BEGIN, COMMIT and ROLLBACK, never while the callback runs. Whether and
//! when to retry is [`RetryLoop`]'s decision, as for Rust's `execute_read`. The lent handle
//! belongs to the session handle and has the serial `MANAGED_SERIAL`; it is usable only while
//! `open_tx` says so, i.e. during the callback.

use super::config::access_mode_arg;
use super::error::{boltc_error, finish, take_error};
use super::handle::{box_into_raw, box_ref, Out};
use super::session::{boltc_session, boltc_transaction, leave_execute, tx_config, MANAGED_SERIAL};
use super::status::{boltc_status, boltc_status_raw, Failure};
use super::value::boltc_map;
use crate::driver::{AccessMode, RetryLoop, TelemetryApi, TransactionConfig};
use crate::error::{Error, ErrorKind};
use std::borrow::Borrow;
use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The unit of work of a transaction function. It receives the transaction (borrowed: valid only
/// during this call; never free, commit or roll it back), the caller's `user_data`, and an
/// `error_out` it may fill with the `boltc_error` of a failed boltc call, or one made with
/// `boltc_error_new` (boltc takes it over). It returns `BOLTC_STATUS_OK` to commit, or the
/// failure status (e.g. the one a boltc call returned) to roll back. The failure is retried
/// when the error handed over is retryable (`boltc_error_is_retryable`), or, without one, when
/// the status is (`BOLTC_STATUS_TRANSIENT_ERROR`, `_SERVICE_UNAVAILABLE`, `_SESSION_EXPIRED`),
/// and always for `BOLTC_STATUS_TIMEOUT`. A value that is not a `boltc_status` rolls back and
/// fails the call with `BOLTC_STATUS_INVALID_ARGUMENT` (not retried). It must not unwind (no
/// C++ exception or `longjmp` out of it).
pub type boltc_transaction_work = Option<
    unsafe extern "C" fn(
        transaction: *mut boltc_transaction,
        user_data: *mut c_void,
        error_out: *mut *mut boltc_error,
    ) -> boltc_status_raw,
>;

/// The C signature of a transaction function.
type WorkFn = unsafe extern "C" fn(
    *mut boltc_transaction,
    *mut c_void,
    *mut *mut boltc_error,
) -> boltc_status_raw;

/// How an attempt failed.
enum Fail {
    /// A boltc call made here (BEGIN, COMMIT, argument checks).
    Ours(Failure),
    /// The work callback's failure, with its error object if it handed one over, and the
    /// error the retry loop judges (the status's kind, the handed error's retryability).
    Work {
        status: boltc_status,
        handed: Option<Box<boltc_error>>,
        error: Error,
    },
}

impl Fail {
    fn work(status: boltc_status, handed: Option<Box<boltc_error>>) -> Fail {
        // A C-only status (BUSY, NULL_ARGUMENT, ...) has no kind: a client error, not retried
        // unless the handed error says so.
        let kind = status.kind().unwrap_or(ErrorKind::ClientError);
        let mut error = Error::new(
            kind,
            format!("the transaction function failed with status {status:?}"),
        );
        if let Some(e) = &handed {
            error = error.with_retryable(e.is_retryable());
        }
        Fail::Work {
            status,
            handed,
            error,
        }
    }
}

impl Borrow<Error> for Fail {
    fn borrow(&self) -> &Error {
        match self {
            Fail::Ours(f) => &f.error,
            Fail::Work { error, .. } => error,
        }
    }
}

impl From<Failure> for Fail {
    fn from(f: Failure) -> Fail {
        Fail::Ours(f)
    }
}

/// One attempt: BEGIN, the callback, then COMMIT (or ROLLBACK when anything failed).
fn attempt(
    s: &boltc_session,
    mode: AccessMode,
    config: &TransactionConfig,
    work: WorkFn,
    user_data: *mut c_void,
) -> Result<(), Fail> {
    s.shared.with(|st| {
        st.session()?.begin_detached_in_mode(config, mode)?;
        st.open_tx = Some(MANAGED_SERIAL);
        Ok(())
    })?;
    let tx = std::ptr::from_ref::<boltc_transaction>(&s.managed_tx).cast_mut();
    let mut err: *mut boltc_error = std::ptr::null_mut();
    // SAFETY: `work` is a C function with this signature (header contract); `tx` lives as long
    // as the session handle and is only ever borrowed shared; `err` is a local out-param.
    let raw = unsafe { work(tx, user_data, &mut err) };
    // SAFETY: `err` is NULL or an error object a boltc call wrote (header contract).
    let err = unsafe { take_error(err) };
    // Any int32_t may come back: one that is no status fails the call (after the rollback).
    let checked = boltc_status::try_from(raw);
    let status = checked.unwrap_or(boltc_status::InvalidArgument);
    let ended = s.shared.with_wait(|st| {
        if st.open_tx != Some(MANAGED_SERIAL) {
            // The session was closed (or freed) during the callback.
            return Err(Error::new(
                ErrorKind::IllegalState,
                "the session was closed or freed during the transaction function; \
                 its transaction was rolled back",
            )
            .into());
        }
        st.open_tx = None;
        let sess = st.session()?;
        if status == boltc_status::Ok {
            Ok(sess.commit_detached()?)
        } else {
            let _ = sess.rollback_detached(); // the work's failure is what counts
            Ok(())
        }
    });
    if let Err(raw) = checked {
        let handed = err.map_or(String::new(), |e| format!(" (its error: {})", e.message()));
        return Err(Fail::Ours(Failure::invalid(format!(
            "the transaction function returned {raw}, which is not a boltc_status; \
             the transaction was rolled back and is not retried{handed}"
        ))));
    }
    if status != boltc_status::Ok {
        return Err(Fail::work(status, err));
    }
    Ok(ended?)
}

/// The arguments of one `boltc_session_execute*` call.
struct Call {
    mode: AccessMode,
    config: TransactionConfig,
    work: boltc_transaction_work,
    user_data: *mut c_void,
}

fn execute(session: *mut boltc_session, call: &Call) -> Result<(), Fail> {
    // SAFETY: NULL or a live boltc_session (header contract).
    let s = unsafe { box_ref(session) }?;
    let work = call.work.ok_or_else(|| Failure::null("work is NULL"))?;
    // The API a binding marked with boltc_session_set_telemetry_api (execute_query) stays;
    // otherwise this call announces itself as a transaction function.
    let (retry, own_api) = s.shared.with(|st| {
        let sess = st.session()?;
        let own_api = sess.telemetry_api().is_none();
        if own_api {
            sess.set_telemetry_api(Some(TelemetryApi::TransactionFunction));
        }
        Ok((RetryLoop::for_config(sess.driver_config()), own_api))
    })?;
    let res = retry.run(|| attempt(s, call.mode, &call.config, work, call.user_data));
    if own_api {
        // The session may be closed by now; then there is nothing to reset.
        let _ = s.shared.with(|st| {
            st.session()?.set_telemetry_api(None);
            Ok(())
        });
    }
    res
}

fn execute_status(
    session: *mut boltc_session,
    call: &Call,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    // The handle stays allocated while `work` runs, even if `work` frees it.
    // SAFETY: NULL or a live boltc_session (header contract).
    let entered = unsafe { box_ref(session) }.map(boltc_session::enter_execute);
    let status = execute_report(session, call, error_out);
    if entered.is_ok() {
        // SAFETY: entered above; the handle is not used after this.
        unsafe { leave_execute(session) };
    }
    status
}

fn execute_report(
    session: *mut boltc_session,
    call: &Call,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    let r = catch_unwind(AssertUnwindSafe(|| execute(session, call)));
    let r = match r {
        Ok(Ok(())) => Ok(Ok(())),
        Ok(Err(Fail::Ours(f))) => Ok(Err(f)),
        Ok(Err(Fail::Work {
            status,
            handed: Some(e),
            ..
        })) => {
            if let Ok(out) = Out::new(error_out, "error_out") {
                out.write(box_into_raw(*e));
            }
            return status;
        }
        Ok(Err(Fail::Work {
            status,
            handed: None,
            error,
        })) => Ok(Err(Failure::with_status(
            status,
            error.message().to_owned(),
        ))),
        Err(panic) => Err(panic),
    };
    finish(r, error_out)
}

/// Runs `work` in a read transaction (routed to a reader) and commits it when `work` returns
/// `BOLTC_STATUS_OK`. When `work` or COMMIT fails with a retryable error (transient server
/// errors, unavailable server, expired session, lost connection, timeout), the transaction is
/// rolled back and `work` runs again in a new one, after a wait growing exponentially with
/// jitter (default 1 s, ×2, ±20%: `boltc_config_set_retry_initial_delay_ms`,
/// `_retry_delay_multiplier`, `_retry_delay_jitter`), until the driver's maximum transaction
/// retry time (default 30 s, `boltc_config_set_max_transaction_retry_time_ms`; 0: no retry) has
/// passed. Client errors and `BOLTC_STATUS_INTERRUPTED` are never retried.
///
/// **`work` may run more than once**, so it should have no effects outside the transaction, or
/// only idempotent ones, and should read the results it needs before returning.
///
/// `work` receives a transaction handle borrowed for the duration of the call: use it with
/// `boltc_transaction_run` and friends; do not free, commit or roll it back (those calls fail with
/// `BOLTC_STATUS_ILLEGAL_STATE` or are ignored). After `work` returns, calls on it fail with
/// `BOLTC_STATUS_ILLEGAL_STATE` (until the session is freed). Results from it end with the
/// transaction. `work` may pass the `boltc_error` of a failed boltc call on through its
/// `error_out` (boltc takes it over) or free it itself.
///
/// Returns `BOLTC_STATUS_OK` once committed, else the last failure: `work`'s status and the
/// error it handed over (or a new one), or the failure of BEGIN or COMMIT
/// (`BOLTC_STATUS_INCOMPLETE_COMMIT` is not retried: the outcome is unknown).
///
/// Threads: `work` runs on the calling thread. The session is not locked while `work` runs,
/// but it must still not be used by another thread meanwhile; `BOLTC_STATUS_ILLEGAL_STATE`
/// while another transaction is open. `work` may call boltc on the session: a query or a
/// nested transaction function fails with `BOLTC_STATUS_ILLEGAL_STATE` (its transaction is
/// open); closing or freeing the session rolls the transaction back and this call fails with
/// `BOLTC_STATUS_ILLEGAL_STATE` (a free takes effect when this call returns).
#[no_mangle]
pub extern "C" fn boltc_session_execute_read(
    session: *mut boltc_session,
    work: boltc_transaction_work,
    user_data: *mut c_void,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    execute_default(session, AccessMode::Read, work, user_data, error_out)
}

/// As `boltc_session_execute_read`, in a write transaction (routed to a writer).
#[no_mangle]
pub extern "C" fn boltc_session_execute_write(
    session: *mut boltc_session,
    work: boltc_transaction_work,
    user_data: *mut c_void,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    execute_default(session, AccessMode::Write, work, user_data, error_out)
}

/// The body of `boltc_session_execute_read` / `_write`: `work` in transactions of `mode` with
/// the default transaction config.
fn execute_default(
    session: *mut boltc_session,
    mode: AccessMode,
    work: boltc_transaction_work,
    user_data: *mut c_void,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    let call = Call {
        mode,
        config: TransactionConfig::default(),
        work,
        user_data,
    };
    execute_status(session, &call, error_out)
}

/// As `boltc_session_execute_read` / `boltc_session_execute_write`, with the access mode
/// `access_mode` (`BOLTC_ACCESS_MODE_READ` or `BOLTC_ACCESS_MODE_WRITE`, whatever the session's
/// default) and the transaction's server-side timeout (`timeout_ms` < 0: the server's default)
/// and `metadata` (may be NULL; borrowed and copied before the first attempt), which every
/// attempt's BEGIN carries. Retries follow the driver's policy
/// (`boltc_config_set_max_transaction_retry_time_ms`, `boltc_config_set_retry_initial_delay_ms`,
/// `boltc_config_set_retry_delay_multiplier`, `boltc_config_set_retry_delay_jitter`).
///
/// Telemetry (Bolt 5.4+): the call is announced once as a transaction function, or as the API
/// a binding marked beforehand with `boltc_session_set_telemetry_api` (e.g. execute-query).
///
/// Fails with `BOLTC_STATUS_INVALID_ARGUMENT` for another `access_mode` or a metadata value that
/// cannot be sent (nothing is sent then, `work` is not called).
#[no_mangle]
#[allow(clippy::too_many_arguments)] // the C signature: inputs, then the out-param
pub extern "C" fn boltc_session_execute(
    session: *mut boltc_session,
    access_mode: i32,
    timeout_ms: i64,
    metadata: *const boltc_map,
    work: boltc_transaction_work,
    user_data: *mut c_void,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    let args = catch_unwind(|| {
        // SAFETY: metadata is NULL or a live boltc_map (header contract).
        Ok::<_, Failure>((access_mode_arg(access_mode)?, unsafe {
            tx_config(timeout_ms, metadata)
        }?))
    });
    let (mode, config) = match args {
        Ok(Ok(a)) => a,
        Ok(Err(f)) => return finish(Ok(Err(f)), error_out),
        Err(panic) => return finish(Err(panic), error_out),
    };
    let call = Call {
        mode,
        config,
        work,
        user_data,
    };
    execute_status(session, &call, error_out)
}
