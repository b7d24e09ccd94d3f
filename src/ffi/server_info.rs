//! `boltc_server_info`: the server and connection a session, transaction or driver talks to.

use super::error::boltc_error;
use super::error::ffi_status;
use super::guard::ffi_value;
use super::handle::{box_free, box_into_raw, box_ref, declare_handle, write_str, Handle, Out};
use super::status::{boltc_status, Failure, FfiResult};
use crate::bolt::ServerInfo;
use std::ffi::c_char;
use std::ptr;

/// What the server told about itself and one connection: address, agent, server-assigned
/// connection id and negotiated protocol version (a snapshot).
///
/// Ownership: returned by `boltc_session_connection_info`, `boltc_transaction_connection_info`
/// and `boltc_driver_server_info`, freed with `boltc_server_info_free`. Threads: immutable.
pub struct boltc_server_info {
    magic: u32,
    info: ServerInfo,
}

declare_handle!(Box, boltc_server_info, 0xB017_0A11);

/// The body of the `*_connection_info` / `*_server_info` calls: checks `info_out` before any
/// work, then writes the info `get` finds as a new server info (NULL for `None`).
pub(crate) fn write_server_info(
    info_out: *mut *mut boltc_server_info,
    get: impl FnOnce() -> FfiResult<Option<ServerInfo>>,
) -> FfiResult<()> {
    let out = Out::new(info_out, "info_out")?;
    out.write(get()?.map_or(ptr::null_mut(), |info| {
        box_into_raw(boltc_server_info {
            magic: boltc_server_info::MAGIC,
            info,
        })
    }));
    Ok(())
}

/// The body of the `*_protocol_version` calls: checks both out-params before any work, then
/// writes the negotiated Bolt version of the info `get` finds.
pub(crate) fn write_protocol_version<'a>(
    major_out: *mut u8,
    minor_out: *mut u8,
    get: impl FnOnce() -> FfiResult<&'a ServerInfo>,
) -> FfiResult<()> {
    let (ma, mi) = (
        Out::new(major_out, "major_out")?,
        Out::new(minor_out, "minor_out")?,
    );
    let (major, minor) = get()?.protocol_version;
    ma.write(major);
    mi.write(minor);
    Ok(())
}

/// `boltc_server_info_string`: the server address `host:port` the connection was made to.
pub const BOLTC_SERVER_INFO_ADDRESS: i32 = 0;
/// The server agent, e.g. `Neo4j/5.13.0`.
pub const BOLTC_SERVER_INFO_AGENT: i32 = 1;
/// The server-assigned connection id, e.g. `bolt-123` (empty if the server sent none).
pub const BOLTC_SERVER_INFO_CONNECTION_ID: i32 = 2;

/// A string of `info` selected by `which` (`BOLTC_SERVER_INFO_ADDRESS`, `..._AGENT`,
/// `..._CONNECTION_ID`) as UTF-8 bytes (not NUL-terminated), borrowed until `info` is freed.
#[no_mangle]
pub extern "C" fn boltc_server_info_string(
    info: *const boltc_server_info,
    which: i32,
    str_out: *mut *const c_char,
    len_out: *mut usize,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or a live boltc_server_info (header contract).
        let i = &unsafe { box_ref(info) }?.info;
        let s = match which {
            BOLTC_SERVER_INFO_ADDRESS => &i.address,
            BOLTC_SERVER_INFO_AGENT => &i.agent,
            BOLTC_SERVER_INFO_CONNECTION_ID => &i.connection_id,
            _ => {
                return Err(Failure::invalid(format!(
                    "unknown server info string {which}"
                )))
            }
        };
        write_str(s, str_out, len_out)
    })
}

/// The negotiated Bolt version of the connection.
#[no_mangle]
pub extern "C" fn boltc_server_info_protocol_version(
    info: *const boltc_server_info,
    major_out: *mut u8,
    minor_out: *mut u8,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        write_protocol_version(major_out, minor_out, || {
            // SAFETY: NULL or a live boltc_server_info (header contract).
            Ok(&unsafe { box_ref(info) }?.info)
        })
    })
}

/// Frees a server info. NULL is ignored.
#[no_mangle]
pub extern "C" fn boltc_server_info_free(info: *mut boltc_server_info) {
    ffi_value!((), {
        // SAFETY: NULL or an owned boltc_server_info freed once (header contract).
        unsafe { box_free(info) }
    })
}
