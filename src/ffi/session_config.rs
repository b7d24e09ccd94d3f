//! `boltc_session_config`: per-session settings (database, access mode, fetch size, call
//! timeout, bookmarks, impersonation, notification filters).

use super::config::{access_mode_arg, categories_arg, severity_arg};
use super::error::boltc_error;
use super::error::ffi_status;
use super::guard::ffi_value;
use super::handle::{
    box_free, box_into_raw, box_mut, cstr_arg, declare_handle, opt_cstr_arg, Handle, Out,
};
use super::status::{boltc_status, Failure};
use crate::driver::SessionConfig;
use std::ffi::c_char;

/// Per-session settings: database, access mode, fetch size, bookmarks, impersonation.
///
/// Ownership: made by `boltc_session_config_new`, freed with `boltc_session_config_free` (a
/// session keeps its own copy). Threads: one thread at a time.
pub struct boltc_session_config {
    magic: u32,
    pub(crate) config: SessionConfig,
}

declare_handle!(Box, boltc_session_config, 0xB017_05C0);

fn update_session(
    config: *mut boltc_session_config,
    error_out: *mut *mut boltc_error,
    f: impl FnOnce(&mut SessionConfig) -> Result<(), Failure>,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or a live boltc_session_config used by this thread (header contract).
        let c = unsafe { box_mut(config) }?;
        f(&mut c.config)
    })
}

/// Creates session settings with the defaults (home database, WRITE, the driver's fetch size).
/// `*config_out` receives a config freed with `boltc_session_config_free`.
#[no_mangle]
pub extern "C" fn boltc_session_config_new(
    config_out: *mut *mut boltc_session_config,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        Out::new(config_out, "config_out")?.write(box_into_raw(boltc_session_config {
            magic: boltc_session_config::MAGIC,
            config: SessionConfig::default(),
        }));
        Ok(())
    })
}

/// The database (NUL-terminated, copied); NULL means the user's home database.
#[no_mangle]
pub extern "C" fn boltc_session_config_set_database(
    config: *mut boltc_session_config,
    database: *const c_char,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update_session(config, error_out, |c| {
        // SAFETY: NULL or a NUL-terminated string (header contract).
        c.database = unsafe { opt_cstr_arg(database, "database") }?.map(str::to_owned);
        Ok(())
    })
}

/// The access mode: `BOLTC_ACCESS_MODE_WRITE` or `BOLTC_ACCESS_MODE_READ` (others give
/// `BOLTC_STATUS_INVALID_ARGUMENT`).
#[no_mangle]
pub extern "C" fn boltc_session_config_set_access_mode(
    config: *mut boltc_session_config,
    mode: i32,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update_session(config, error_out, |c| {
        c.default_access_mode = access_mode_arg(mode)?;
        Ok(())
    })
}

/// Records per PULL for this session (-1: all at once; 0: the driver's default).
#[no_mangle]
pub extern "C" fn boltc_session_config_set_fetch_size(
    config: *mut boltc_session_config,
    fetch_size: i64,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update_session(config, error_out, |c| {
        if fetch_size < -1 {
            return Err(Failure::invalid("fetch_size must be positive, -1 or 0"));
        }
        c.fetch_size = (fetch_size != 0).then_some(fetch_size);
        Ok(())
    })
}

/// Bounds each blocking call of sessions made with this config to `timeout_ms` milliseconds
/// (< 0: no bound, the default); see `boltc_session_set_call_timeout_ms`.
#[no_mangle]
pub extern "C" fn boltc_session_config_set_call_timeout_ms(
    config: *mut boltc_session_config,
    timeout_ms: i64,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update_session(config, error_out, |c| {
        c.call_timeout = u64::try_from(timeout_ms)
            .ok()
            .map(std::time::Duration::from_millis);
        Ok(())
    })
}

/// Adds a bookmark to start from (NUL-terminated, copied).
#[no_mangle]
pub extern "C" fn boltc_session_config_add_bookmark(
    config: *mut boltc_session_config,
    bookmark: *const c_char,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update_session(config, error_out, |c| {
        // SAFETY: NULL or a NUL-terminated string (header contract).
        c.bookmarks
            .push(unsafe { cstr_arg(bookmark, "bookmark") }?.to_owned());
        Ok(())
    })
}

/// The user to impersonate (NUL-terminated, copied; NULL: none). Needs Bolt 4.4+.
#[no_mangle]
pub extern "C" fn boltc_session_config_set_impersonated_user(
    config: *mut boltc_session_config,
    user: *const c_char,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update_session(config, error_out, |c| {
        // SAFETY: NULL or a NUL-terminated string (header contract).
        c.impersonated_user = unsafe { opt_cstr_arg(user, "user") }?.map(str::to_owned);
        Ok(())
    })
}

/// The minimum notification severity for this session's transactions, overriding the
/// driver's (as `boltc_config_set_notifications_min_severity`; NULL: the driver's). With a
/// filter set, a server older than Bolt 5.2 gives `BOLTC_STATUS_UNSUPPORTED`.
#[no_mangle]
pub extern "C" fn boltc_session_config_set_notifications_min_severity(
    config: *mut boltc_session_config,
    severity: *const c_char,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update_session(config, error_out, |c| {
        // SAFETY: NULL or a NUL-terminated string (header contract).
        c.notifications.minimum_severity = unsafe { severity_arg(severity) }?;
        Ok(())
    })
}

/// The notification categories this session's transactions should not receive, overriding
/// the driver's (as `boltc_config_set_notifications_disabled_categories`; NULL: the
/// driver's).
#[no_mangle]
pub extern "C" fn boltc_session_config_set_notifications_disabled_categories(
    config: *mut boltc_session_config,
    categories: *const *const c_char,
    len: usize,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update_session(config, error_out, |c| {
        // SAFETY: categories as documented.
        c.notifications.disabled_categories = unsafe { categories_arg(categories, len) }?;
        Ok(())
    })
}

/// Frees session settings. NULL is ignored.
#[no_mangle]
pub extern "C" fn boltc_session_config_free(config: *mut boltc_session_config) {
    ffi_value!((), {
        // SAFETY: NULL or an owned boltc_session_config freed once (header contract).
        unsafe { box_free(config) }
    })
}
