//! The C ABI (`include/boltc.h`).
//!
//! Conventions (repeated in the header's top comment):
//!
//! - A fallible call returns `boltc_status` (`BOLTC_STATUS_OK == 0`); its outputs are trailing
//!   out-params written only on success; its last parameter `boltc_error **error_out` (may be
//!   NULL) receives an error object on failure, freed with `boltc_error_free`.
//! - What comes back through a `**` out-param or from a `_new` function is the caller's and is
//!   freed with the matching `_free` (each accepts NULL). Inputs are borrowed for the call and
//!   copied when kept. Pointers returned by accessors are borrowed; their doc says from what.
//! - Child handles keep their parents' state alive, so handles may be freed in any order.
//! - Threads: a `boltc_driver` may be shared between threads. A session, its transactions and
//!   results are used by one thread at a time (another thread gets `BOLTC_STATUS_BUSY`), except
//!   `boltc_session_interrupt`. Records, batches, summaries, values and errors are immutable.
//! - NULL handles give `BOLTC_STATUS_NULL_ARGUMENT` (or NULL/0/false from accessors); a closed
//!   session gives `BOLTC_STATUS_ILLEGAL_STATE`; a panic gives `BOLTC_STATUS_PANIC`. Passing a
//!   freed pointer is undefined behaviour (a magic number catches some such mistakes).
//! - Strings are UTF-8: pointer + length, with `_cstr` variants for NUL-terminated input.
//!   Strings returned by value accessors are pointer + length and not NUL-terminated.
#![allow(non_camel_case_types)] // C type names: boltc_driver, boltc_status, ...
#![deny(clippy::undocumented_unsafe_blocks)]
// The C entry points take raw pointers by design and check them (NULL, magic) through the
// handle.rs helpers; their validity is the C caller's contract, stated in the header.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

pub mod admin;
pub mod auth;
pub mod batch_build;
mod batch_codec;
pub mod bookmarks;
pub mod callbacks;
pub mod client_cert;
pub mod config;
pub mod driver;
pub mod error;
pub(crate) mod fork;
pub mod graph;
mod guard;
pub(crate) mod handle;
pub mod log;
pub mod map;
pub mod pyhost;
pub mod query;
pub mod result;
pub mod routing;
pub mod server_info;
pub mod session;
pub mod session_config;
mod shared;
pub mod status;
pub mod summary;
pub mod txfn;
pub mod value;
pub mod value_new;

use std::ffi::c_char;

/// The major version of this library's C API.
pub const BOLTC_VERSION_MAJOR: u32 = 0;
/// The minor version.
pub const BOLTC_VERSION_MINOR: u32 = 1;
/// The patch version.
pub const BOLTC_VERSION_PATCH: u32 = 0;

/// The library version, e.g. `"0.1.0"` (NUL-terminated, static).
#[no_mangle]
pub extern "C" fn boltc_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// A short, static, NUL-terminated name for a status (e.g. `"BOLTC_STATUS_CLIENT_ERROR"`);
/// `"BOLTC_STATUS_UNKNOWN"` for any other value.
#[no_mangle]
pub extern "C" fn boltc_status_name(status: status::boltc_status_raw) -> *const c_char {
    use status::boltc_status as S;
    let Ok(status) = S::try_from(status) else {
        return c"BOLTC_STATUS_UNKNOWN".as_ptr();
    };
    let s: &'static str = match status {
        S::Ok => "BOLTC_STATUS_OK\0",
        S::ClientError => "BOLTC_STATUS_CLIENT_ERROR\0",
        S::TransientError => "BOLTC_STATUS_TRANSIENT_ERROR\0",
        S::DatabaseError => "BOLTC_STATUS_DATABASE_ERROR\0",
        S::Authentication => "BOLTC_STATUS_AUTHENTICATION\0",
        S::TokenExpired => "BOLTC_STATUS_TOKEN_EXPIRED\0",
        S::ServiceUnavailable => "BOLTC_STATUS_SERVICE_UNAVAILABLE\0",
        S::SessionExpired => "BOLTC_STATUS_SESSION_EXPIRED\0",
        S::IncompleteCommit => "BOLTC_STATUS_INCOMPLETE_COMMIT\0",
        S::Protocol => "BOLTC_STATUS_PROTOCOL\0",
        S::Config => "BOLTC_STATUS_CONFIG\0",
        S::InvalidArgument => "BOLTC_STATUS_INVALID_ARGUMENT\0",
        S::Timeout => "BOLTC_STATUS_TIMEOUT\0",
        S::Tls => "BOLTC_STATUS_TLS\0",
        S::Conversion => "BOLTC_STATUS_CONVERSION\0",
        S::ResultConsumed => "BOLTC_STATUS_RESULT_CONSUMED\0",
        S::ResultNotSingle => "BOLTC_STATUS_RESULT_NOT_SINGLE\0",
        S::IllegalState => "BOLTC_STATUS_ILLEGAL_STATE\0",
        S::Interrupted => "BOLTC_STATUS_INTERRUPTED\0",
        S::Unsupported => "BOLTC_STATUS_UNSUPPORTED\0",
        S::NullArgument => "BOLTC_STATUS_NULL_ARGUMENT\0",
        S::Busy => "BOLTC_STATUS_BUSY\0",
        S::Panic => "BOLTC_STATUS_PANIC\0",
    };
    s.as_ptr().cast()
}

#[cfg(test)]
mod tests;
