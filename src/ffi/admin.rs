//! Connection administration: `boltc_driver_server_info` and the `dbms.listConnections` /
//! `dbms.killConnection(s)` helpers with their row lists.

use super::driver::boltc_driver;
use super::error::boltc_error;
use super::error::ffi_status;
use super::guard::ffi_value;
use super::handle::{
    arc_ref, box_free, box_into_raw, box_ref, cstr_arg, declare_handle, write_opt_str, write_str,
    Handle, Out,
};
use super::server_info::{boltc_server_info, write_server_info};
use super::status::{boltc_status, Failure, FfiResult};
use crate::driver::{ConnectionInfo, KillResult};
use std::ffi::c_char;

/// Connects (or reuses a pooled connection) and returns what the server told about itself
/// and that connection. On success `*info_out` receives a server info freed with
/// `boltc_server_info_free`. Thread-safe.
#[no_mangle]
pub extern "C" fn boltc_driver_server_info(
    driver: *const boltc_driver,
    info_out: *mut *mut boltc_server_info,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        write_server_info(info_out, || {
            // SAFETY: NULL or a live boltc_driver (header contract).
            let d = unsafe { arc_ref(driver) }?;
            Ok(Some(d.driver.server_info()?))
        })
    })
}

/// The rows of `boltc_driver_list_connections`.
///
/// Ownership: freed with `boltc_connection_list_free`. Threads: immutable.
pub struct boltc_connection_list {
    magic: u32,
    rows: Vec<ConnectionInfo>,
}

declare_handle!(Box, boltc_connection_list, 0xB017_0A12);

/// `boltc_connection_list_string`: the connection id, e.g. `bolt-21`.
pub const BOLTC_CONNECTION_ID: i32 = 0;
/// When the connection was opened, as the server formats it.
pub const BOLTC_CONNECTION_CONNECT_TIME: i32 = 1;
/// The connector: `bolt`, `http`, `https`.
pub const BOLTC_CONNECTION_CONNECTOR: i32 = 2;
/// The user name (NULL when the connection has not authenticated).
pub const BOLTC_CONNECTION_USERNAME: i32 = 3;
/// The client's user agent.
pub const BOLTC_CONNECTION_USER_AGENT: i32 = 4;
/// The server address of the connection.
pub const BOLTC_CONNECTION_SERVER_ADDRESS: i32 = 5;
/// The client address of the connection.
pub const BOLTC_CONNECTION_CLIENT_ADDRESS: i32 = 6;

/// Row `index` of a connection or kill list; out of range is `BOLTC_STATUS_INVALID_ARGUMENT`.
fn row<T>(rows: &[T], index: usize) -> FfiResult<&T> {
    rows.get(index)
        .ok_or_else(|| Failure::invalid(format!("row {index} of {}", rows.len())))
}

/// Lists the server's network connections (`CALL dbms.listConnections()`). On success
/// `*list_out` receives a list freed with `boltc_connection_list_free`.
/// `BOLTC_STATUS_UNSUPPORTED` when the server has no such procedure (e.g. FalkorDB).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn boltc_driver_list_connections(
    driver: *const boltc_driver,
    list_out: *mut *mut boltc_connection_list,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let out = Out::new(list_out, "list_out")?;
        // SAFETY: NULL or a live boltc_driver (header contract).
        let d = unsafe { arc_ref(driver) }?;
        let rows = d.driver.list_connections()?;
        out.write(box_into_raw(boltc_connection_list {
            magic: boltc_connection_list::MAGIC,
            rows,
        }));
        Ok(())
    })
}

/// The number of rows; 0 for NULL.
#[no_mangle]
pub extern "C" fn boltc_connection_list_len(list: *const boltc_connection_list) -> usize {
    ffi_value!(0, {
        // SAFETY: NULL or a live boltc_connection_list (header contract).
        unsafe { box_ref(list) }.map_or(0, |l| l.rows.len())
    })
}

/// A string of row `index` selected by `which` (`BOLTC_CONNECTION_ID`, `..._CONNECT_TIME`,
/// `..._CONNECTOR`, `..._USERNAME`, `..._USER_AGENT`, `..._SERVER_ADDRESS`,
/// `..._CLIENT_ADDRESS`), as UTF-8 bytes (not NUL-terminated) borrowed until `list` is freed.
/// `*str_out` is NULL (length 0) for a missing user name. `BOLTC_STATUS_INVALID_ARGUMENT` for
/// an index out of range or an unknown `which`.
#[no_mangle]
pub extern "C" fn boltc_connection_list_string(
    list: *const boltc_connection_list,
    index: usize,
    which: i32,
    str_out: *mut *const c_char,
    len_out: *mut usize,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or a live boltc_connection_list (header contract).
        let r = row(&unsafe { box_ref(list) }?.rows, index)?;
        let s = match which {
            BOLTC_CONNECTION_ID => Some(&r.connection_id),
            BOLTC_CONNECTION_CONNECT_TIME => Some(&r.connect_time),
            BOLTC_CONNECTION_CONNECTOR => Some(&r.connector),
            BOLTC_CONNECTION_USERNAME => r.username.as_ref(),
            BOLTC_CONNECTION_USER_AGENT => Some(&r.user_agent),
            BOLTC_CONNECTION_SERVER_ADDRESS => Some(&r.server_address),
            BOLTC_CONNECTION_CLIENT_ADDRESS => Some(&r.client_address),
            _ => {
                return Err(Failure::invalid(format!(
                    "unknown connection string {which}"
                )))
            }
        };
        write_opt_str(s.map(String::as_str), str_out, len_out)
    })
}

/// Frees a connection list. NULL is ignored.
#[no_mangle]
pub extern "C" fn boltc_connection_list_free(list: *mut boltc_connection_list) {
    ffi_value!((), {
        // SAFETY: NULL or an owned boltc_connection_list freed once (header contract).
        unsafe { box_free(list) }
    })
}

/// The rows of `boltc_driver_kill_connection(s)`: one per id asked for.
///
/// Ownership: freed with `boltc_kill_list_free`. Threads: immutable.
pub struct boltc_kill_list {
    magic: u32,
    rows: Vec<KillResult>,
}

declare_handle!(Box, boltc_kill_list, 0xB017_0A13);

/// `boltc_kill_list_string`: the connection id asked for.
pub const BOLTC_KILL_CONNECTION_ID: i32 = 0;
/// Who owned the connection (`n/a` when none was found).
pub const BOLTC_KILL_USERNAME: i32 = 1;
/// The server's verdict, e.g. `Connection found`.
pub const BOLTC_KILL_MESSAGE: i32 = 2;

fn write_kill_list(rows: Vec<KillResult>, out: *mut *mut boltc_kill_list) -> FfiResult<()> {
    Out::new(out, "list_out")?.write(box_into_raw(boltc_kill_list {
        magic: boltc_kill_list::MAGIC,
        rows,
    }));
    Ok(())
}

/// Terminates the connection with server id `id` (NUL-terminated; `CALL
/// dbms.killConnection($id)`). On success `*list_out` receives a one-row list freed with
/// `boltc_kill_list_free`; an unknown id is not an error (see `boltc_kill_list_found`).
/// `BOLTC_STATUS_UNSUPPORTED` when the server has no such procedure. Thread-safe.
#[no_mangle]
pub extern "C" fn boltc_driver_kill_connection(
    driver: *const boltc_driver,
    id: *const c_char,
    list_out: *mut *mut boltc_kill_list,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        Out::new(list_out, "list_out")?;
        // SAFETY: NULL or a live boltc_driver; id NULL or NUL-terminated (header contract).
        let (d, id) = unsafe { (arc_ref(driver)?, cstr_arg(id, "id")?) };
        write_kill_list(vec![d.driver.kill_connection(id)?], list_out)
    })
}

/// Terminates the connections with the `ids_len` server ids in `ids` (NUL-terminated strings;
/// `CALL dbms.killConnections($ids)`). On success `*list_out` receives a list freed with
/// `boltc_kill_list_free`. Thread-safe.
#[no_mangle]
pub extern "C" fn boltc_driver_kill_connections(
    driver: *const boltc_driver,
    ids: *const *const c_char,
    ids_len: usize,
    list_out: *mut *mut boltc_kill_list,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        Out::new(list_out, "list_out")?;
        // SAFETY: NULL or a live boltc_driver; ids points at ids_len pointers (header contract).
        let (d, ptrs) = unsafe {
            (
                arc_ref(driver)?,
                super::handle::slice_arg(ids, ids_len, "ids")?,
            )
        };
        let mut owned = Vec::with_capacity(ptrs.len());
        for &p in ptrs {
            // SAFETY: each entry is NULL or NUL-terminated (header contract).
            owned.push(unsafe { cstr_arg(p, "ids[i]") }?.to_owned());
        }
        write_kill_list(d.driver.kill_connections(owned)?, list_out)
    })
}

/// The number of rows; 0 for NULL.
#[no_mangle]
pub extern "C" fn boltc_kill_list_len(list: *const boltc_kill_list) -> usize {
    ffi_value!(0, {
        // SAFETY: NULL or a live boltc_kill_list (header contract).
        unsafe { box_ref(list) }.map_or(0, |l| l.rows.len())
    })
}

/// Whether the server found (and terminated) the connection of row `index`; false for NULL or
/// an index out of range.
#[no_mangle]
pub extern "C" fn boltc_kill_list_found(list: *const boltc_kill_list, index: usize) -> bool {
    ffi_value!(false, {
        // SAFETY: NULL or a live boltc_kill_list (header contract).
        unsafe { box_ref(list) }
            .ok()
            .and_then(|l| l.rows.get(index))
            .is_some_and(KillResult::found)
    })
}

/// A string of row `index` selected by `which` (`BOLTC_KILL_CONNECTION_ID`,
/// `BOLTC_KILL_USERNAME`, `BOLTC_KILL_MESSAGE`), as UTF-8 bytes (not NUL-terminated) borrowed
/// until `list` is freed.
#[no_mangle]
pub extern "C" fn boltc_kill_list_string(
    list: *const boltc_kill_list,
    index: usize,
    which: i32,
    str_out: *mut *const c_char,
    len_out: *mut usize,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or a live boltc_kill_list (header contract).
        let r = row(&unsafe { box_ref(list) }?.rows, index)?;
        let s = match which {
            BOLTC_KILL_CONNECTION_ID => &r.connection_id,
            BOLTC_KILL_USERNAME => &r.username,
            BOLTC_KILL_MESSAGE => &r.message,
            _ => {
                return Err(Failure::invalid(format!(
                    "unknown kill result string {which}"
                )))
            }
        };
        write_str(s, str_out, len_out)
    })
}

/// Frees a kill list. NULL is ignored.
#[no_mangle]
pub extern "C" fn boltc_kill_list_free(list: *mut boltc_kill_list) {
    ffi_value!((), {
        // SAFETY: NULL or an owned boltc_kill_list freed once (header contract).
        unsafe { box_free(list) }
    })
}

/// Pool figures for one server address (see `boltc_driver_pool_metrics`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct boltc_pool_metrics {
    /// Connections handed out (or being opened).
    pub in_use: u64,
    /// Connections waiting in the pool.
    pub idle: u64,
    /// Threads waiting for a connection.
    pub waiting: u64,
    /// Connections opened so far.
    pub created: u64,
    /// Connections closed so far.
    pub closed: u64,
}

/// The pool figures for `address` (`"host:port"`, NUL-terminated UTF-8; the port defaults to
/// 7687), all zero for an address the driver never connected to. On success `*metrics_out` is
/// written. Thread-safe.
#[no_mangle]
pub extern "C" fn boltc_driver_pool_metrics(
    driver: *const boltc_driver,
    address: *const c_char,
    metrics_out: *mut boltc_pool_metrics,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let out = Out::new(metrics_out, "metrics_out")?;
        // SAFETY: NULL or a live boltc_driver (header contract).
        let d = unsafe { arc_ref(driver) }?;
        // SAFETY: NULL or a NUL-terminated string (header contract).
        let text = unsafe { cstr_arg(address, "address") }?;
        let addr = crate::net::Address::parse(text, crate::net::DEFAULT_PORT)?;
        let m = d
            .driver
            .pool_metrics()
            .into_iter()
            .find(|(a, _)| *a == addr)
            .map(|(_, m)| m)
            .unwrap_or_default();
        let n = |v: usize| v as u64;
        out.write(boltc_pool_metrics {
            in_use: n(m.in_use),
            idle: n(m.idle),
            waiting: n(m.waiting),
            created: m.created,
            closed: m.closed,
        });
        Ok(())
    })
}
