//! `boltc_error`: the error object a failed call hands back through `error_out`.

use super::handle::{box_into_raw, box_ref, declare_handle, Handle};
use super::status::{boltc_status, Failure, FfiResult};
use crate::error::GqlError;
use std::ffi::{c_char, CString};
use std::ptr;

/// An error object: status, message, server code, classification, retryability, GQL status
/// and description, and the server's cause chain.
///
/// Ownership: created by boltc in a failed call's `error_out`; the caller owns it and frees it
/// with `boltc_error_free`. Strings read from it are borrowed until it is freed.
/// Threads: immutable; may be read from any thread.
pub struct boltc_error {
    magic: u32,
    status: boltc_status,
    message: CString,
    server_code: Option<CString>,
    classification: Option<CString>,
    retryable: bool,
    gql_status: Option<CString>,
    gql_description: Option<CString>,
    cause: Option<Box<boltc_error>>,
    /// A cause inside its parent (from `boltc_error_cause`): never freed on its own.
    borrowed: bool,
}

declare_handle!(Box, boltc_error, 0xB017_0E77);

fn cstring(s: &str) -> CString {
    CString::new(s.replace('\0', "\u{FFFD}")).expect("invariant: NULs replaced")
}

impl boltc_error {
    fn from_failure(f: &Failure) -> boltc_error {
        let e = &f.error;
        let gql = e.gql();
        boltc_error {
            magic: Self::MAGIC,
            status: f.status,
            message: cstring(e.message()),
            server_code: e.server_code().map(cstring),
            classification: gql
                .and_then(|g| g.classification.as_deref())
                .or_else(|| e.classification())
                .map(cstring),
            retryable: e.is_retryable(),
            gql_status: gql.map(|g| cstring(&g.gql_status)),
            gql_description: gql.map(|g| cstring(&g.description)),
            cause: gql
                .and_then(|g| g.cause.as_deref())
                .map(|c| Box::new(boltc_error::from_gql(f.status, c))),
            borrowed: false,
        }
    }

    /// A cause of the chain (borrowed from its parent).
    fn from_gql(status: boltc_status, g: &GqlError) -> boltc_error {
        let message = if g.message.trim().is_empty() {
            // As Error::server does for the top error: never an empty message.
            let code = g.neo4j_code.as_deref().unwrap_or(&g.gql_status);
            format!("{code} (the server sent no message)")
        } else {
            g.message.clone()
        };
        boltc_error {
            magic: Self::MAGIC,
            status,
            message: cstring(&message),
            server_code: g.neo4j_code.as_deref().map(cstring),
            classification: g.classification.as_deref().map(cstring),
            retryable: false,
            gql_status: Some(cstring(&g.gql_status)),
            gql_description: Some(cstring(&g.description)),
            cause: g
                .cause
                .as_deref()
                .map(|c| Box::new(boltc_error::from_gql(status, c))),
            borrowed: true,
        }
    }
}

impl boltc_error {
    /// Whether retrying may succeed.
    pub(crate) fn is_retryable(&self) -> bool {
        self.retryable
    }

    /// The message, for wrapping into another error.
    pub(crate) fn message(&self) -> std::borrow::Cow<'_, str> {
        self.message.to_string_lossy()
    }
}

/// Takes over an error object the C side hands back (a transaction function's `error_out`).
///
/// # Safety
/// `p` is NULL or an owned, live `boltc_error` that the caller gives up.
pub(crate) unsafe fn take_error(p: *mut boltc_error) -> Option<Box<boltc_error>> {
    // SAFETY: forwarded contract (NULL or a live boltc_error).
    if unsafe { box_ref(p) }.is_ok_and(|e| e.borrowed) {
        // A cause from boltc_error_cause belongs to its parent: never taken over.
        return None;
    }
    // SAFETY: forwarded contract; an owned (not borrowed) error.
    unsafe { super::handle::box_take(p) }
}

/// Turns the outcome of an ffi body into a status, writing the error object on failure.
pub(crate) fn finish(
    r: std::thread::Result<FfiResult<()>>,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    let failure = match r {
        Ok(Ok(())) => return boltc_status::Ok,
        Ok(Err(f)) => f,
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Failure::with_status(boltc_status::Panic, format!("boltc panicked: {msg}"))
        }
    };
    if let Ok(out) = super::handle::Out::new(error_out, "error_out") {
        out.write(box_into_raw(boltc_error::from_failure(&failure)));
    }
    failure.status
}

fn opt_ptr(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(ptr::null(), |c| c.as_ptr())
}

/// The status of the failed call. `BOLTC_STATUS_NULL_ARGUMENT` for a NULL `error`.
#[no_mangle]
pub extern "C" fn boltc_error_status(error: *const boltc_error) -> boltc_status {
    super::guard::ffi_value!(boltc_status::Panic, {
        // SAFETY: error is NULL or a live boltc_error (header contract).
        unsafe { box_ref(error) }.map_or(boltc_status::NullArgument, |e| e.status)
    })
}

/// The message, NUL-terminated (for people; it may change between versions). Borrowed until
/// `error` is freed. Never NULL unless `error` is NULL.
#[no_mangle]
pub extern "C" fn boltc_error_message(error: *const boltc_error) -> *const c_char {
    super::guard::ffi_value!(ptr::null(), {
        // SAFETY: error is NULL or a live boltc_error (header contract).
        unsafe { box_ref(error) }.map_or(ptr::null(), |e| e.message.as_ptr())
    })
}

/// The server's error code (e.g. `Neo.ClientError.Statement.SyntaxError`), or NULL if the error
/// did not come from the server. Borrowed until `error` is freed.
#[no_mangle]
pub extern "C" fn boltc_error_server_code(error: *const boltc_error) -> *const c_char {
    super::guard::ffi_value!(ptr::null(), {
        // SAFETY: error is NULL or a live boltc_error (header contract).
        unsafe { box_ref(error) }.map_or(ptr::null(), |e| opt_ptr(&e.server_code))
    })
}

/// The classification (`CLIENT_ERROR`... from GQL, else `ClientError`... from the code), or
/// NULL. Borrowed until `error` is freed.
#[no_mangle]
pub extern "C" fn boltc_error_classification(error: *const boltc_error) -> *const c_char {
    super::guard::ffi_value!(ptr::null(), {
        // SAFETY: error is NULL or a live boltc_error (header contract).
        unsafe { box_ref(error) }.map_or(ptr::null(), |e| opt_ptr(&e.classification))
    })
}

/// Whether retrying the unit of work may succeed. False for NULL.
#[no_mangle]
pub extern "C" fn boltc_error_is_retryable(error: *const boltc_error) -> bool {
    super::guard::ffi_value!(false, {
        // SAFETY: error is NULL or a live boltc_error (header contract).
        unsafe { box_ref(error) }.is_ok_and(|e| e.retryable)
    })
}

/// The GQLSTATUS code (e.g. `42001`, Bolt 5.7+ servers), or NULL. Borrowed until `error` is
/// freed.
#[no_mangle]
pub extern "C" fn boltc_error_gql_status(error: *const boltc_error) -> *const c_char {
    super::guard::ffi_value!(ptr::null(), {
        // SAFETY: error is NULL or a live boltc_error (header contract).
        unsafe { box_ref(error) }.map_or(ptr::null(), |e| opt_ptr(&e.gql_status))
    })
}

/// The GQL status description, or NULL. Borrowed until `error` is freed.
#[no_mangle]
pub extern "C" fn boltc_error_gql_description(error: *const boltc_error) -> *const c_char {
    super::guard::ffi_value!(ptr::null(), {
        // SAFETY: error is NULL or a live boltc_error (header contract).
        unsafe { box_ref(error) }.map_or(ptr::null(), |e| opt_ptr(&e.gql_description))
    })
}

/// The cause the server attached (the next link of the GQL cause chain), or NULL. Borrowed
/// until `error` is freed: it belongs to `error` (`boltc_error_free` on it does nothing).
#[no_mangle]
pub extern "C" fn boltc_error_cause(error: *const boltc_error) -> *const boltc_error {
    super::guard::ffi_value!(ptr::null(), {
        // SAFETY: error is NULL or a live boltc_error (header contract).
        unsafe { box_ref(error) }.map_or(ptr::null(), |e| {
            e.cause.as_deref().map_or(ptr::null(), ptr::from_ref)
        })
    })
}

/// Frees an error object. NULL is ignored, and so is a pointer from `boltc_error_cause`
/// (the cause is freed with the error it belongs to).
#[no_mangle]
pub extern "C" fn boltc_error_free(error: *mut boltc_error) {
    super::guard::ffi_value!((), {
        // SAFETY: error is NULL or a live boltc_error, freed once if owned (header contract).
        drop(unsafe { take_error(error) });
    })
}

/// A new error object, for a transaction function's `error_out` (see `boltc_transaction_work`):
/// a failure of the caller's own code with `status` (any failure status), `message`
/// (NUL-terminated UTF-8, copied; NULL: an empty message) and whether retrying the transaction
/// may succeed (`retryable`; the retry loop also retries `BOLTC_STATUS_TIMEOUT`). Bindings use
/// it to pass on the verdict of an error they turned into their own (e.g. a Python exception).
///
/// Returns an error the caller owns (freed with `boltc_error_free`, or given up to boltc through
/// `error_out`), or NULL when `status` is `BOLTC_STATUS_OK` or not a status.
#[no_mangle]
pub extern "C" fn boltc_error_new(
    status: super::status::boltc_status_raw,
    message: *const c_char,
    retryable: bool,
) -> *mut boltc_error {
    super::guard::ffi_value!(ptr::null_mut(), {
        let status = match boltc_status::try_from(status) {
            Ok(boltc_status::Ok) | Err(_) => return ptr::null_mut(),
            Ok(s) => s,
        };
        let message = if message.is_null() {
            String::new()
        } else {
            // SAFETY: non-NULL and NUL-terminated (header contract).
            unsafe { std::ffi::CStr::from_ptr(message) }
                .to_string_lossy()
                .into_owned()
        };
        let mut f = Failure::with_status(status, message);
        f.error = f.error.with_retryable(retryable);
        box_into_raw(boltc_error::from_failure(&f))
    })
}

/// The Rust error of an error object (for tests).
#[cfg(test)]
pub(crate) fn message_of(e: *const boltc_error) -> String {
    // SAFETY: tests pass live error objects.
    unsafe { box_ref(e) }
        .map(|e| e.message.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Runs an `extern "C"` body returning `boltc_status`: catches panics (`BOLTC_STATUS_PANIC`) and
/// reports failures through `error_out`.
macro_rules! ffi_status {
    ($error_out:expr, $body:block) => {{
        let error_out: *mut *mut $crate::ffi::error::boltc_error = $error_out;
        let r = ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(
            || -> $crate::ffi::status::FfiResult<()> { $body },
        ));
        // Success is decided inline: accessors called once per value stay cheap.
        match r {
            Ok(Ok(())) => $crate::ffi::status::boltc_status::Ok,
            r => $crate::ffi::error::finish(r, error_out),
        }
    }};
}

pub(crate) use ffi_status;
