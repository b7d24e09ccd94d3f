//! Owned values: the `boltc_value_new_*` constructors, list building, `boltc_value_clone` and
//! `boltc_value_free`.

use super::error::boltc_error;
use super::error::ffi_status;
use super::guard::ffi_value;
use super::handle::{
    bytes_arg, cstr_arg, opaque_box, opaque_free, slice_arg, str_arg, view_mut, Out,
};
use super::map::map_ref;
use super::status::{boltc_status, FfiResult};
use super::value::*;
use crate::value::{
    Date, DateTime, DateTimeZoneId, Duration, LocalDateTime, LocalTime, Map, Point2D, Point3D,
    Time, Value, Vector,
};
use std::ffi::c_char;
use std::ptr;

fn owned(v: Value) -> *mut boltc_value {
    opaque_box::<boltc_value>(v)
}

/// The body of the fallible constructors: checks `value_out` before any work, then makes the
/// value (which may fail on the arguments it reads) and hands it to the caller as an owned
/// value.
fn write_owned(
    value_out: *mut *mut boltc_value,
    make: impl FnOnce() -> FfiResult<Value>,
) -> FfiResult<()> {
    let o = Out::new(value_out, "value_out")?;
    o.write(owned(make()?));
    Ok(())
}

/// A new null value (caller frees with `boltc_value_free`).
#[no_mangle]
pub extern "C" fn boltc_value_new_null() -> *mut boltc_value {
    ffi_value!(ptr::null_mut(), { owned(Value::Null) })
}

/// A new boolean value (caller frees with `boltc_value_free`).
#[no_mangle]
pub extern "C" fn boltc_value_new_bool(v: bool) -> *mut boltc_value {
    ffi_value!(ptr::null_mut(), { owned(Value::Bool(v)) })
}

/// A new integer value (caller frees with `boltc_value_free`).
#[no_mangle]
pub extern "C" fn boltc_value_new_int(v: i64) -> *mut boltc_value {
    ffi_value!(ptr::null_mut(), { owned(Value::Int(v)) })
}

/// A new float value (caller frees with `boltc_value_free`).
#[no_mangle]
pub extern "C" fn boltc_value_new_float(v: f64) -> *mut boltc_value {
    ffi_value!(ptr::null_mut(), { owned(Value::Float(v)) })
}

/// A new date value (caller frees with `boltc_value_free`).
#[no_mangle]
pub extern "C" fn boltc_value_new_date(v: boltc_date) -> *mut boltc_value {
    ffi_value!(ptr::null_mut(), {
        owned(Value::Date(Date { days: v.days }))
    })
}

/// A new `TIME` value (caller frees with `boltc_value_free`).
#[no_mangle]
pub extern "C" fn boltc_value_new_time(v: boltc_time) -> *mut boltc_value {
    ffi_value!(ptr::null_mut(), {
        owned(Value::Time(Time {
            nanoseconds: v.nanoseconds,
            tz_offset_seconds: v.tz_offset_seconds,
        }))
    })
}

/// A new `LOCAL_TIME` value (`tz_offset_seconds` is ignored; caller frees it).
#[no_mangle]
pub extern "C" fn boltc_value_new_local_time(v: boltc_time) -> *mut boltc_value {
    ffi_value!(ptr::null_mut(), {
        owned(Value::LocalTime(LocalTime {
            nanoseconds: v.nanoseconds,
        }))
    })
}

/// A new `DATETIME` (when `v.tz_id` is NULL) or `DATETIME_ZONE_ID` value (`tz_id` of
/// `tz_id_len` UTF-8 bytes, copied). On success `*value_out` receives a value freed with
/// `boltc_value_free`.
#[no_mangle]
pub extern "C" fn boltc_value_new_datetime(
    v: boltc_datetime,
    value_out: *mut *mut boltc_value,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        write_owned(value_out, || {
            if v.tz_id.is_null() {
                return Ok(Value::DateTime(DateTime {
                    seconds: v.seconds,
                    nanoseconds: v.nanoseconds,
                    tz_offset_seconds: v.tz_offset_seconds,
                }));
            }
            // SAFETY: tz_id points at tz_id_len bytes (header contract).
            let tz = unsafe { str_arg(v.tz_id, v.tz_id_len, "tz_id") }?;
            Ok(Value::DateTimeZoneId(Box::new(DateTimeZoneId {
                seconds: v.seconds,
                nanoseconds: v.nanoseconds,
                tz_id: tz.to_owned(),
            })))
        })
    })
}

/// A new `LOCAL_DATETIME` value (offset and zone ignored; caller frees it).
#[no_mangle]
pub extern "C" fn boltc_value_new_local_datetime(v: boltc_datetime) -> *mut boltc_value {
    ffi_value!(ptr::null_mut(), {
        owned(Value::LocalDateTime(LocalDateTime {
            seconds: v.seconds,
            nanoseconds: v.nanoseconds,
        }))
    })
}

/// A new duration value (caller frees with `boltc_value_free`).
#[no_mangle]
pub extern "C" fn boltc_value_new_duration(v: boltc_duration) -> *mut boltc_value {
    ffi_value!(ptr::null_mut(), {
        owned(Value::Duration(Duration {
            months: v.months,
            days: v.days,
            seconds: v.seconds,
            nanoseconds: v.nanoseconds,
        }))
    })
}

/// A new point value: 3D when `v.dimensions == 3`, else 2D (caller frees it).
#[no_mangle]
pub extern "C" fn boltc_value_new_point(v: boltc_point) -> *mut boltc_value {
    ffi_value!(ptr::null_mut(), {
        owned(if v.dimensions == 3 {
            Value::Point3D(Point3D {
                srid: v.srid,
                x: v.x,
                y: v.y,
                z: v.z,
            })
        } else {
            Value::Point2D(Point2D {
                srid: v.srid,
                x: v.x,
                y: v.y,
            })
        })
    })
}

/// A new string value from `len` bytes of UTF-8 (copied; need not be NUL-terminated).
/// `BOLTC_STATUS_INVALID_ARGUMENT` for invalid UTF-8. `*value_out` is freed with
/// `boltc_value_free`.
#[no_mangle]
pub extern "C" fn boltc_value_new_string(
    s: *const c_char,
    len: usize,
    value_out: *mut *mut boltc_value,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        write_owned(value_out, || {
            // SAFETY: s points at len bytes (header contract).
            let s = unsafe { str_arg(s, len, "string") }?;
            Ok(Value::String(s.to_owned()))
        })
    })
}

/// As `boltc_value_new_string` with a NUL-terminated string.
#[no_mangle]
pub extern "C" fn boltc_value_new_string_cstr(
    s: *const c_char,
    value_out: *mut *mut boltc_value,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        write_owned(value_out, || {
            // SAFETY: NULL or NUL-terminated (header contract).
            let s = unsafe { cstr_arg(s, "string") }?;
            Ok(Value::String(s.to_owned()))
        })
    })
}

/// A new bytes value (copied). `*value_out` is freed with `boltc_value_free`.
#[no_mangle]
pub extern "C" fn boltc_value_new_bytes(
    data: *const u8,
    len: usize,
    value_out: *mut *mut boltc_value,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        write_owned(value_out, || {
            // SAFETY: data points at len bytes (header contract).
            let b = unsafe { bytes_arg(data, len, "data") }?;
            Ok(Value::Bytes(b.to_vec()))
        })
    })
}

/// A new float vector (`len` doubles, copied; needs a Bolt 6 server).
#[no_mangle]
pub extern "C" fn boltc_value_new_vector_f64(
    data: *const f64,
    len: usize,
    value_out: *mut *mut boltc_value,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        write_owned(value_out, || {
            // SAFETY: data points at len doubles (header contract).
            let d = unsafe { slice_arg(data, len, "data") }?;
            Ok(Value::Vector(Vector::F64(d.to_vec())))
        })
    })
}

/// A new empty list value, filled with `boltc_value_list_push` (caller frees it).
#[no_mangle]
pub extern "C" fn boltc_value_new_list() -> *mut boltc_value {
    ffi_value!(ptr::null_mut(), { owned(Value::List(Vec::new())) })
}

/// Appends a copy of `item` to `list`, an owned list value from `boltc_value_new_list`
/// (never a view). `BOLTC_STATUS_CONVERSION` if `list` is not a list.
#[no_mangle]
pub extern "C" fn boltc_value_list_push(
    list: *mut boltc_value,
    item: *const boltc_value,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let item = val(item)?.clone();
        // SAFETY: NULL or an owned value (header contract).
        match unsafe { view_mut(list, "list") }? {
            Value::List(l) => {
                l.push(item);
                Ok(())
            }
            other => Err(mismatch("List", other)),
        }
    })
}

/// A new map value holding a copy of `map` (NULL: empty). Caller frees it.
#[no_mangle]
pub extern "C" fn boltc_value_new_map(map: *const boltc_map) -> *mut boltc_value {
    ffi_value!(ptr::null_mut(), {
        if map.is_null() {
            owned(Value::Map(Map::new()))
        } else {
            map_ref(map).map_or(ptr::null_mut(), |m| owned(Value::Map(m.clone())))
        }
    })
}

/// A deep copy of any value (view or owned), owned by the caller (`boltc_value_free`); NULL
/// for NULL. Use it to keep a value beyond its record or batch.
#[no_mangle]
pub extern "C" fn boltc_value_clone(value: *const boltc_value) -> *mut boltc_value {
    ffi_value!(ptr::null_mut(), {
        val(value).map_or(ptr::null_mut(), |v| owned(v.clone()))
    })
}

/// Frees an owned value (from a constructor, `boltc_value_clone` or
/// `boltc_session_last_bookmarks`); never a view. NULL is ignored.
#[no_mangle]
pub extern "C" fn boltc_value_free(value: *mut boltc_value) {
    ffi_value!((), {
        // SAFETY: NULL or an owned value freed once (header contract).
        unsafe { opaque_free(value) }
    })
}
