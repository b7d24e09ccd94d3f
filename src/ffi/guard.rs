//! The panic boundary: every `extern "C"` body runs inside one of two macros, so no panic
//! unwinds into C.
//!
//! - [`ffi_value!`] for infallible signatures (accessors, `_free`): a panic returns the given
//!   default (NULL, `false`, 0, nothing).
//! - `ffi_status!` (in `error.rs`, because it creates the `boltc_error` object) for calls that
//!   return `boltc_status`: a panic becomes `BOLTC_STATUS_PANIC`, a failure is reported through
//!   `error_out`.
//!
//! This file depends on no other ffi file, so every other one may use it.

/// Runs an infallible `extern "C"` body (an accessor): a panic returns `$default`.
macro_rules! ffi_value {
    ($default:expr, $body:block) => {{
        ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| $body))
            .unwrap_or_else(|_| $default)
    }};
}

pub(crate) use ffi_value;
