//! `boltc_routing_table`: a snapshot of the routing table a `neo4j://` driver holds.

use super::driver::boltc_driver;
use super::error::boltc_error;
use super::error::ffi_status;
use super::guard::ffi_value;
use super::handle::{
    arc_ref, box_free, box_into_raw, box_ref, declare_handle, opt_cstr_arg, write_opt_str,
    write_str, Handle, Out,
};
use super::status::{boltc_status, Failure};
use std::ffi::c_char;

/// Role selector of `boltc_routing_table_len` / `_address`: servers answering routing requests.
pub const BOLTC_ROUTING_ROUTERS: i32 = 0;
/// Role selector: servers for reads.
pub const BOLTC_ROUTING_READERS: i32 = 1;
/// Role selector: servers for writes.
pub const BOLTC_ROUTING_WRITERS: i32 = 2;

/// A copy of one database's routing table at the time it was asked for (opaque, immutable;
/// later refreshes do not change it).
///
/// Ownership: made by `boltc_driver_routing_table`, freed with `boltc_routing_table_free`;
/// the strings it returns are borrowed from it until then. Threads: immutable, so any thread
/// may read it.
pub struct boltc_routing_table {
    magic: u32,
    database: Option<String>,
    /// Addresses as `host:port`, by role (routers, readers, writers).
    roles: [Vec<String>; 3],
    ttl_ms: u64,
}

declare_handle!(Box, boltc_routing_table, 0xB017_0B7A);

fn table<'a>(t: *const boltc_routing_table) -> Result<&'a boltc_routing_table, Failure> {
    // SAFETY: NULL or a live boltc_routing_table (header contract).
    unsafe { box_ref(t) }
}

fn role(t: &boltc_routing_table, which: i32) -> Result<&[String], Failure> {
    usize::try_from(which)
        .ok()
        .and_then(|i| t.roles.get(i))
        .map(Vec::as_slice)
        .ok_or_else(|| Failure::invalid(format!("unknown routing role {which}")))
}

/// The routing table the driver holds for `database` (NUL-terminated; NULL: the home
/// database), for diagnostics. It does not contact the server: `*table_out` receives NULL
/// (with `BOLTC_STATUS_OK`) when the driver holds none, always for `bolt://` URIs and before
/// the first query of that database. Otherwise a table freed with `boltc_routing_table_free`.
/// Thread-safe.
#[no_mangle]
pub extern "C" fn boltc_driver_routing_table(
    driver: *const boltc_driver,
    database: *const c_char,
    table_out: *mut *mut boltc_routing_table,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let out = Out::new(table_out, "table_out")?;
        // SAFETY: NULL or a live boltc_driver (header contract).
        let d = unsafe { arc_ref(driver) }?;
        // SAFETY: NULL or a NUL-terminated string (header contract).
        let db = unsafe { opt_cstr_arg(database, "database") }?;
        let strings = |v: &[crate::net::Address]| v.iter().map(ToString::to_string).collect();
        let made = d.driver.routing_table(db).map(|t| {
            box_into_raw(boltc_routing_table {
                magic: boltc_routing_table::MAGIC,
                database: t.database.clone(),
                roles: [
                    strings(&t.routers),
                    strings(&t.readers),
                    strings(&t.writers),
                ],
                ttl_ms: u64::try_from(t.ttl.as_millis()).unwrap_or(u64::MAX),
            })
        });
        out.write(made.unwrap_or(std::ptr::null_mut()));
        Ok(())
    })
}

/// The number of servers with role `which` (`BOLTC_ROUTING_ROUTERS`, `_READERS`,
/// `_WRITERS`); 0 for NULL or another `which`.
#[no_mangle]
pub extern "C" fn boltc_routing_table_len(table_: *const boltc_routing_table, which: i32) -> usize {
    ffi_value!(0, {
        table(table_)
            .and_then(|t| role(t, which).map(<[String]>::len))
            .unwrap_or(0)
    })
}

/// Server `index` of role `which` as `host:port` (UTF-8, not NUL-terminated, borrowed from the
/// table). `BOLTC_STATUS_INVALID_ARGUMENT` for another `which` or an index out of range.
#[no_mangle]
pub extern "C" fn boltc_routing_table_address(
    table_: *const boltc_routing_table,
    which: i32,
    index: usize,
    str_out: *mut *const c_char,
    len_out: *mut usize,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let t = table(table_)?;
        let a = role(t, which)?
            .get(index)
            .ok_or_else(|| Failure::invalid(format!("routing table index {index} out of range")))?;
        write_str(a, str_out, len_out)
    })
}

/// The database the table is for, as the server named it (borrowed from the table, not
/// NUL-terminated); NULL with length 0 when the server did not say (Bolt before 4.0).
#[no_mangle]
pub extern "C" fn boltc_routing_table_database(
    table_: *const boltc_routing_table,
    str_out: *mut *const c_char,
    len_out: *mut usize,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        write_opt_str(table(table_)?.database.as_deref(), str_out, len_out)
    })
}

/// The time to live the server gave, in milliseconds; 0 for NULL.
#[no_mangle]
pub extern "C" fn boltc_routing_table_ttl_ms(table_: *const boltc_routing_table) -> u64 {
    ffi_value!(0, { table(table_).map_or(0, |t| t.ttl_ms) })
}

/// Frees a table. NULL is ignored.
#[no_mangle]
pub extern "C" fn boltc_routing_table_free(table_: *mut boltc_routing_table) {
    ffi_value!((), {
        // SAFETY: NULL or a pointer from boltc_driver_routing_table freed once (header contract).
        unsafe { box_free(table_) }
    })
}
