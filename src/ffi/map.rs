//! `boltc_map`: reading a map (a view into a value, node, relationship or summary) and building
//! one for parameters (`boltc_map_new`, `boltc_map_set*`, `boltc_map_free`).

use super::error::boltc_error;
use super::error::ffi_status;
use super::guard::ffi_value;
use super::handle::{
    cstr_arg, opaque_box, opaque_free, str_arg, view, view_mut, view_ref, write_str, Out,
};
use super::status::{boltc_status, Failure, FfiResult};
use super::value::*;
use crate::value::{Map, Value};
use std::ffi::c_char;
use std::ptr;

pub(crate) fn map_ref<'a>(m: *const boltc_map) -> FfiResult<&'a Map> {
    // SAFETY: the C side passes NULL or a live map view / owned map (header contract).
    unsafe { view_ref(m, "map") }
}

/// The number of entries; 0 for NULL.
#[no_mangle]
pub extern "C" fn boltc_map_len(map: *const boltc_map) -> usize {
    ffi_value!(0, { map_ref(map).map_or(0, Map::len) })
}

/// Entry `index` (0 ≤ index < `boltc_map_len`), in the map's order: the order the server sent
/// (node and relationship properties, map values, metadata) or, for a map from
/// `boltc_map_new`, the order of first insertion (setting a key again keeps its place). O(1).
/// Writes the key as UTF-8 bytes (not NUL-terminated) with its length, and the value, all
/// borrowed from the map. `BOLTC_STATUS_INVALID_ARGUMENT` if out of range.
#[no_mangle]
pub extern "C" fn boltc_map_entry(
    map: *const boltc_map,
    index: usize,
    key_out: *mut *const c_char,
    key_len_out: *mut usize,
    value_out: *mut *const boltc_value,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let vo = Out::new(value_out, "value_out")?;
        let (k, v) = map_ref(map)?
            .get_index(index)
            .ok_or_else(|| Failure::invalid(format!("index {index} out of range")))?;
        write_str(k, key_out, key_len_out)?;
        vo.write(view(v));
        Ok(())
    })
}

/// The value for `key` (`key_len` bytes of UTF-8), borrowed from the map, or NULL if absent.
#[no_mangle]
pub extern "C" fn boltc_map_get(
    map: *const boltc_map,
    key: *const c_char,
    key_len: usize,
    value_out: *mut *const boltc_value,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let o = Out::new(value_out, "value_out")?;
        // SAFETY: key points at key_len bytes (header contract).
        let k = unsafe { str_arg(key, key_len, "key") }?;
        o.write(map_ref(map)?.get(k).map_or(ptr::null(), view));
        Ok(())
    })
}

/// Creates an empty map to build parameters; freed with `boltc_map_free`. NULL only if out of
/// memory handling panicked.
#[no_mangle]
pub extern "C" fn boltc_map_new() -> *mut boltc_map {
    ffi_value!(ptr::null_mut(), { opaque_box::<boltc_map>(Map::new()) })
}

fn map_set(map: *mut boltc_map, key: &str, v: Value) -> FfiResult<()> {
    // SAFETY: the C side passes NULL or an owned map from boltc_map_new (header contract).
    let m = unsafe { view_mut(map, "map") }?;
    m.insert(key.to_owned(), v);
    Ok(())
}

/// Sets `key` (`key_len` bytes of UTF-8) to a copy of `value`. `map` must come from
/// `boltc_map_new` (not a view). A new key goes last; an existing one keeps its place.
#[no_mangle]
pub extern "C" fn boltc_map_set(
    map: *mut boltc_map,
    key: *const c_char,
    key_len: usize,
    value: *const boltc_value,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: key points at key_len bytes (header contract).
        let k = unsafe { str_arg(key, key_len, "key") }?;
        map_set(map, k, val(value)?.clone())
    })
}

/// As `boltc_map_set` with a NUL-terminated key.
#[no_mangle]
pub extern "C" fn boltc_map_set_cstr(
    map: *mut boltc_map,
    key: *const c_char,
    value: *const boltc_value,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or NUL-terminated (header contract).
        let k = unsafe { cstr_arg(key, "key") }?;
        map_set(map, k, val(value)?.clone())
    })
}

/// Sets `key` (NUL-terminated) to an integer.
#[no_mangle]
pub extern "C" fn boltc_map_set_int(
    map: *mut boltc_map,
    key: *const c_char,
    value: i64,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or NUL-terminated (header contract).
        map_set(map, unsafe { cstr_arg(key, "key") }?, Value::Int(value))
    })
}

/// Sets `key` (NUL-terminated) to a float.
#[no_mangle]
pub extern "C" fn boltc_map_set_float(
    map: *mut boltc_map,
    key: *const c_char,
    value: f64,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or NUL-terminated (header contract).
        map_set(map, unsafe { cstr_arg(key, "key") }?, Value::Float(value))
    })
}

/// Sets `key` (NUL-terminated) to a boolean.
#[no_mangle]
pub extern "C" fn boltc_map_set_bool(
    map: *mut boltc_map,
    key: *const c_char,
    value: bool,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or NUL-terminated (header contract).
        map_set(map, unsafe { cstr_arg(key, "key") }?, Value::Bool(value))
    })
}

/// Sets `key` (NUL-terminated) to a string (NUL-terminated UTF-8, copied).
#[no_mangle]
pub extern "C" fn boltc_map_set_string(
    map: *mut boltc_map,
    key: *const c_char,
    value: *const c_char,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or NUL-terminated strings (header contract).
        let (k, v) = unsafe { (cstr_arg(key, "key")?, cstr_arg(value, "value")?) };
        map_set(map, k, Value::String(v.to_owned()))
    })
}

/// Sets `key` (NUL-terminated) to null.
#[no_mangle]
pub extern "C" fn boltc_map_set_null(
    map: *mut boltc_map,
    key: *const c_char,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or NUL-terminated (header contract).
        map_set(map, unsafe { cstr_arg(key, "key") }?, Value::Null)
    })
}

/// Frees a map from `boltc_map_new` (never a view). NULL is ignored.
#[no_mangle]
pub extern "C" fn boltc_map_free(map: *mut boltc_map) {
    ffi_value!((), {
        // SAFETY: NULL or an owned map freed once (header contract).
        unsafe { opaque_free(map) }
    })
}
