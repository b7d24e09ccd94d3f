//! `boltc_driver_execute_query`: one query in a retried managed transaction, all of its records
//! at once (`boltc_query_config`, `boltc_eager_result`).

use super::auth::{boltc_auth, opt_token};
use super::bookmarks::boltc_bookmark_manager;
use super::config::access_mode_arg;
use super::driver::boltc_driver;
use super::error::{boltc_error, ffi_status};
use super::guard::ffi_value;
use super::handle::{
    arc_ref, box_free, box_into_raw, box_mut, box_ref, declare_handle, opt_cstr_arg, str_arg, view,
    write_str, Handle, Out,
};
use super::session::{params_arg, tx_config};
use super::status::{boltc_status, Failure, FfiResult};
use super::summary::boltc_summary;
use super::value::{boltc_map, boltc_value};
use crate::driver::{AccessMode, EagerResult, QueryBookmarkManager, QueryConfig, RoutingControl};
use std::ffi::c_char;
use std::ptr;

/// How `boltc_driver_execute_query` runs its query. Ownership: the caller's, from
/// `boltc_query_config_new`, freed with `boltc_query_config_free`; it is copied by each call, so
/// it may be changed or freed afterwards. The defaults: route to a writer, the home database,
/// no impersonation, the driver's own bookmark manager (shared by every `execute_query` call,
/// so each one sees the writes of the previous ones), no timeout or metadata, the driver's
/// credentials. Threads: one thread at a time.
pub struct boltc_query_config {
    magic: u32,
    config: QueryConfig,
}

declare_handle!(Box, boltc_query_config, 0xB017_0C0F);

/// Creates a query config with the defaults; `*config_out` receives a config freed with
/// `boltc_query_config_free`.
#[no_mangle]
pub extern "C" fn boltc_query_config_new(
    config_out: *mut *mut boltc_query_config,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        Out::new(config_out, "config_out")?.write(box_into_raw(boltc_query_config {
            magic: boltc_query_config::MAGIC,
            config: QueryConfig::default(),
        }));
        Ok(())
    })
}

fn update(
    config: *mut boltc_query_config,
    error_out: *mut *mut boltc_error,
    f: impl FnOnce(&mut QueryConfig) -> FfiResult<()>,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or a live boltc_query_config used by this thread (header contract).
        f(&mut unsafe { box_mut(config) }?.config)
    })
}

/// Where the query goes: `BOLTC_ACCESS_MODE_WRITE` (a writer, the default) or
/// `BOLTC_ACCESS_MODE_READ` (a reader); other values are `BOLTC_STATUS_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn boltc_query_config_set_routing(
    config: *mut boltc_query_config,
    mode: i32,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update(config, error_out, |c| {
        c.routing = match access_mode_arg(mode)? {
            AccessMode::Read => RoutingControl::Read,
            AccessMode::Write => RoutingControl::Write,
        };
        Ok(())
    })
}

/// The database (NUL-terminated, copied; NULL: the user's home database).
#[no_mangle]
pub extern "C" fn boltc_query_config_set_database(
    config: *mut boltc_query_config,
    database: *const c_char,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update(config, error_out, |c| {
        // SAFETY: NULL or a NUL-terminated string (header contract).
        c.database = unsafe { opt_cstr_arg(database, "database") }?.map(str::to_owned);
        Ok(())
    })
}

/// The user to impersonate (NUL-terminated, copied; NULL: none). Bolt 4.4+.
#[no_mangle]
pub extern "C" fn boltc_query_config_set_impersonated_user(
    config: *mut boltc_query_config,
    user: *const c_char,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update(config, error_out, |c| {
        // SAFETY: NULL or a NUL-terminated string (header contract).
        c.impersonated_user = unsafe { opt_cstr_arg(user, "user") }?.map(str::to_owned);
        Ok(())
    })
}

/// The bookmark manager the query reads and updates: `manager` (borrowed; the config keeps its
/// own reference, so the handle may be freed afterwards), or NULL for none (no causal chaining
/// with earlier queries). Without this call, the driver's own manager is used.
#[no_mangle]
pub extern "C" fn boltc_query_config_set_bookmark_manager(
    config: *mut boltc_query_config,
    manager: *const boltc_bookmark_manager,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update(config, error_out, |c| {
        c.bookmark_manager = if manager.is_null() {
            QueryBookmarkManager::Disabled
        } else {
            // SAFETY: a live boltc_bookmark_manager (header contract).
            QueryBookmarkManager::Custom(unsafe { box_ref(manager) }?.manager.clone())
        };
        Ok(())
    })
}

/// The transaction's timeout in milliseconds (negative: the server's default) and metadata
/// (NULL: none; borrowed and copied). Each retry of the query carries both.
#[no_mangle]
pub extern "C" fn boltc_query_config_set_transaction(
    config: *mut boltc_query_config,
    timeout_ms: i64,
    metadata: *const boltc_map,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update(config, error_out, |c| {
        // SAFETY: NULL or a live boltc_map (header contract).
        c.transaction = unsafe { tx_config(timeout_ms, metadata) }?;
        Ok(())
    })
}

/// Credentials for this query only (borrowed and copied; NULL: the driver's). Needs Bolt 5.1+
/// (the call fails with `BOLTC_STATUS_UNSUPPORTED` on older servers).
#[no_mangle]
pub extern "C" fn boltc_query_config_set_auth(
    config: *mut boltc_query_config,
    auth: *const boltc_auth,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update(config, error_out, |c| {
        c.auth = opt_token(auth)?;
        Ok(())
    })
}

/// Frees a query config. NULL is ignored.
#[no_mangle]
pub extern "C" fn boltc_query_config_free(config: *mut boltc_query_config) {
    ffi_value!((), {
        // SAFETY: NULL or an owned boltc_query_config freed once (header contract).
        unsafe { box_free(config) }
    })
}

/// All the records of a query run by `boltc_driver_execute_query`, its column names and its
/// summary. Ownership: the caller's, freed with `boltc_eager_result_free`; keys and values read
/// from it are borrowed until then. Threads: immutable; may be read from any thread.
pub struct boltc_eager_result {
    magic: u32,
    result: EagerResult,
}

declare_handle!(Box, boltc_eager_result, 0xB017_0EA6);

/// Runs `query` (`query_len` bytes of UTF-8) with `params` (NULL: none; borrowed) in a managed
/// transaction as `config` says (NULL: the defaults, see `boltc_query_config`), retried on
/// transient failures like `boltc_session_execute` (the driver's retry policy), and reads all
/// of its records. On success `*result_out` receives a `boltc_eager_result` freed with
/// `boltc_eager_result_free`. Thread-safe (the driver). Blocks up to the driver's bounds (pool
/// acquisition, connect, reads) for each attempt and the maximum retry time overall.
#[no_mangle]
pub extern "C" fn boltc_driver_execute_query(
    driver: *const boltc_driver,
    query: *const c_char,
    query_len: usize,
    params: *const boltc_map,
    config: *const boltc_query_config,
    result_out: *mut *mut boltc_eager_result,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let out = Out::new(result_out, "result_out")?;
        // SAFETY: NULL or live handles and a readable query of query_len bytes (header
        // contract).
        let (d, q, params) = unsafe {
            (
                arc_ref(driver)?,
                str_arg(query, query_len, "query")?,
                params_arg(params)?,
            )
        };
        let default_config;
        let config = if config.is_null() {
            default_config = QueryConfig::default();
            &default_config
        } else {
            // SAFETY: a live boltc_query_config (header contract).
            &unsafe { box_ref(config) }?.config
        };
        let result = d.driver.execute_query(q, params, config)?;
        out.write(box_into_raw(boltc_eager_result {
            magic: boltc_eager_result::MAGIC,
            result,
        }));
        Ok(())
    })
}

fn eager<'a>(r: *const boltc_eager_result) -> FfiResult<&'a EagerResult> {
    // SAFETY: NULL or a live boltc_eager_result (header contract of every caller).
    unsafe { box_ref(r) }.map(|r| &r.result)
}

/// The number of columns; 0 for NULL.
#[no_mangle]
pub extern "C" fn boltc_eager_result_keys_len(result: *const boltc_eager_result) -> usize {
    ffi_value!(0, { eager(result).map_or(0, |r| r.keys.len()) })
}

/// Column `index`'s name as UTF-8 bytes (not NUL-terminated), borrowed until `result` is freed;
/// out of range is `BOLTC_STATUS_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn boltc_eager_result_key(
    result: *const boltc_eager_result,
    index: usize,
    str_out: *mut *const c_char,
    len_out: *mut usize,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let r = eager(result)?;
        let key = r.keys.get(index).ok_or_else(|| {
            Failure::invalid(format!(
                "key index {index} out of range (the result has {} columns)",
                r.keys.len()
            ))
        })?;
        write_str(key, str_out, len_out)
    })
}

/// The number of records; 0 for NULL.
#[no_mangle]
pub extern "C" fn boltc_eager_result_records_len(result: *const boltc_eager_result) -> usize {
    ffi_value!(0, { eager(result).map_or(0, |r| r.records.len()) })
}

/// The value in column `column` of record `row`, borrowed until `result` is freed; NULL when
/// either is out of range or for NULL.
#[no_mangle]
pub extern "C" fn boltc_eager_result_value(
    result: *const boltc_eager_result,
    row: usize,
    column: usize,
) -> *const boltc_value {
    ffi_value!(ptr::null(), {
        eager(result)
            .ok()
            .and_then(|r| r.records.get(row))
            .and_then(|rec| rec.values().get(column))
            .map_or(ptr::null(), view)
    })
}

/// A copy of the query's summary: `*summary_out` receives a summary freed with
/// `boltc_summary_free` (independent of `result`).
#[no_mangle]
pub extern "C" fn boltc_eager_result_summary(
    result: *const boltc_eager_result,
    summary_out: *mut *mut boltc_summary,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let out = Out::new(summary_out, "summary_out")?;
        out.write(boltc_summary::into_raw(eager(result)?.summary.clone()));
        Ok(())
    })
}

/// Frees an eager result. NULL is ignored.
#[no_mangle]
pub extern "C" fn boltc_eager_result_free(result: *mut boltc_eager_result) {
    ffi_value!((), {
        // SAFETY: NULL or an owned boltc_eager_result freed once (header contract).
        unsafe { box_free(result) }
    })
}
