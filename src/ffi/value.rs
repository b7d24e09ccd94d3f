//! `boltc_value` and the borrowed views into it (`boltc_map`, `boltc_node`,
//! `boltc_relationship`, `boltc_path`): the types, and reading values. Maps are read and built
//! in `map.rs`, graph views read in `graph.rs`, owned values made in `value_new.rs`.
//!
//! Views are pointers straight into the Rust data of a record, batch, summary or owned value:
//! no copies, and they are valid exactly as long as that owner. Owned values (from the
//! `boltc_value_new_*` constructors, `boltc_value_clone`, `boltc_session_last_bookmarks`) are
//! freed with `boltc_value_free`; owned maps (from `boltc_map_new`) with `boltc_map_free`.
//!
//! File length: about 620 lines, kept whole: the `boltc_value` type and its readers, one entry
//! point per value kind, each with the same null, kind and range checks spelled out.

use super::error::boltc_error;
use super::error::ffi_status;
use super::guard::ffi_value;
use super::handle::{view, view_ref, write_str, Opaque, Out};
use super::status::{boltc_status, Failure, FfiResult};
use crate::value::{Map, Node, Path, Relationship, Value, Vector};
use std::ffi::c_char;
use std::ptr;

/// A Bolt value (opaque). Borrowed from its owner (record, batch, list, map, summary) unless
/// it came from a constructor, in which case the caller frees it with `boltc_value_free`.
/// Threads: immutable; a value may be read from any thread while its owner lives.
pub struct boltc_value {
    _private: [u8; 0],
}
impl Opaque for boltc_value {
    type Target = Value;
}

/// A string-keyed map (opaque): a view into a value, node, relationship or summary, or an
/// owned map from `boltc_map_new` (a parameter builder, freed with `boltc_map_free`).
pub struct boltc_map {
    _private: [u8; 0],
}
impl Opaque for boltc_map {
    type Target = Map;
}

/// A node (opaque view, borrowed from its value).
pub struct boltc_node {
    _private: [u8; 0],
}
impl Opaque for boltc_node {
    type Target = Node;
}

/// A relationship (opaque view, borrowed from its value).
pub struct boltc_relationship {
    _private: [u8; 0],
}
impl Opaque for boltc_relationship {
    type Target = Relationship;
}

/// A path (opaque view, borrowed from its value).
pub struct boltc_path {
    _private: [u8; 0],
}
impl Opaque for boltc_path {
    type Target = Path;
}

/// The type of a `boltc_value`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum boltc_value_type {
    /// null (also returned for a NULL pointer).
    Null = 0,
    /// bool: `boltc_value_as_bool`.
    Bool = 1,
    /// int64: `boltc_value_as_int`.
    Int = 2,
    /// double: `boltc_value_as_float`.
    Float = 3,
    /// bytes: `boltc_value_as_bytes`.
    Bytes = 4,
    /// UTF-8 string: `boltc_value_as_string`.
    String = 5,
    /// list: `boltc_value_list_len`, `boltc_value_list_get`.
    List = 6,
    /// map: `boltc_value_as_map`.
    Map = 7,
    /// node: `boltc_value_as_node`.
    Node = 8,
    /// relationship: `boltc_value_as_relationship`.
    Relationship = 9,
    /// relationship without end points (only inside paths on the wire; rarely seen).
    UnboundRelationship = 10,
    /// path: `boltc_value_as_path`.
    Path = 11,
    /// date: `boltc_value_as_date`.
    Date = 12,
    /// time with offset: `boltc_value_as_time`.
    Time = 13,
    /// local time: `boltc_value_as_local_time`.
    LocalTime = 14,
    /// date-time with offset: `boltc_value_as_datetime`.
    DateTime = 15,
    /// date-time with a named zone: `boltc_value_as_datetime`.
    DateTimeZoneId = 16,
    /// local date-time: `boltc_value_as_local_datetime`.
    LocalDateTime = 17,
    /// duration: `boltc_value_as_duration`.
    Duration = 18,
    /// 2D point: `boltc_value_as_point`.
    Point2D = 19,
    /// 3D point: `boltc_value_as_point`.
    Point3D = 20,
    /// typed numeric vector: `boltc_value_as_vector`.
    Vector = 21,
    /// a server value the protocol cannot carry.
    Unsupported = 22,
    /// a structure boltc does not know.
    Struct = 23,
}

pub(crate) fn type_of(v: &Value) -> boltc_value_type {
    use boltc_value_type as T;
    match v {
        Value::Null => T::Null,
        Value::Bool(_) => T::Bool,
        Value::Int(_) => T::Int,
        Value::Float(_) => T::Float,
        Value::Bytes(_) => T::Bytes,
        Value::String(_) => T::String,
        Value::List(_) => T::List,
        Value::Map(_) => T::Map,
        Value::Node(_) => T::Node,
        Value::Relationship(_) => T::Relationship,
        Value::UnboundRelationship(_) => T::UnboundRelationship,
        Value::Path(_) => T::Path,
        Value::Date(_) => T::Date,
        Value::Time(_) => T::Time,
        Value::LocalTime(_) => T::LocalTime,
        Value::DateTime(_) => T::DateTime,
        Value::DateTimeZoneId(_) => T::DateTimeZoneId,
        Value::LocalDateTime(_) => T::LocalDateTime,
        Value::Duration(_) => T::Duration,
        Value::Point2D(_) => T::Point2D,
        Value::Point3D(_) => T::Point3D,
        Value::Vector(_) => T::Vector,
        Value::Unsupported(_) => T::Unsupported,
        Value::Struct(_) => T::Struct,
    }
}

/// A date: days since 1970-01-01.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct boltc_date {
    /// Days since the Unix epoch.
    pub days: i64,
}

/// A time of day: nanoseconds since midnight, with a UTC offset (0 for local times).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct boltc_time {
    /// Nanoseconds since midnight (local time).
    pub nanoseconds: i64,
    /// Offset from UTC in seconds (0 for `LOCAL_TIME`).
    pub tz_offset_seconds: i32,
}

/// An instant (or a wall-clock date-time for `LOCAL_DATETIME`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct boltc_datetime {
    /// Seconds since the Unix epoch, UTC (wall clock for `LOCAL_DATETIME`).
    pub seconds: i64,
    /// Nanoseconds within the second.
    pub nanoseconds: i32,
    /// Offset from UTC in seconds (`DATETIME` only, else 0).
    pub tz_offset_seconds: i32,
    /// The IANA zone name (`DATETIME_ZONE_ID` only, else NULL), UTF-8, not NUL-terminated,
    /// borrowed from the value.
    pub tz_id: *const c_char,
    /// The length of `tz_id` in bytes.
    pub tz_id_len: usize,
}

/// A temporal amount.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct boltc_duration {
    /// Months.
    pub months: i64,
    /// Days.
    pub days: i64,
    /// Seconds.
    pub seconds: i64,
    /// Nanoseconds.
    pub nanoseconds: i32,
}

/// A 2D or 3D point.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct boltc_point {
    /// The coordinate reference system (7203, 4326, 9157, 4979).
    pub srid: i64,
    /// 2 or 3.
    pub dimensions: i32,
    /// x (or longitude).
    pub x: f64,
    /// y (or latitude).
    pub y: f64,
    /// z (or height); 0 for 2D points.
    pub z: f64,
}

/// Vector element type: int8.
pub const BOLTC_VECTOR_I8: i32 = 0;
/// Vector element type: int16.
pub const BOLTC_VECTOR_I16: i32 = 1;
/// Vector element type: int32.
pub const BOLTC_VECTOR_I32: i32 = 2;
/// Vector element type: int64.
pub const BOLTC_VECTOR_I64: i32 = 3;
/// Vector element type: float.
pub const BOLTC_VECTOR_F32: i32 = 4;
/// Vector element type: double.
pub const BOLTC_VECTOR_F64: i32 = 5;

/// A typed numeric vector: `len` elements of `element_type` (`BOLTC_VECTOR_*`) at `data`,
/// in native byte order, borrowed from the value.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct boltc_vector {
    /// One of `BOLTC_VECTOR_*`.
    pub element_type: i32,
    /// The elements.
    pub data: *const std::ffi::c_void,
    /// The number of elements.
    pub len: usize,
}

/// Borrows the value behind a pointer.
pub(super) fn val<'a>(v: *const boltc_value) -> FfiResult<&'a Value> {
    // SAFETY: every caller passes a pointer from the C side, which the header requires to be
    // NULL or a live value (view or owned).
    unsafe { view_ref(v, "value") }
}

pub(super) fn mismatch(want: &str, v: &Value) -> Failure {
    Failure::conversion(want, v.type_name())
}

/// The type of a value; `BOLTC_VALUE_TYPE_NULL` for a NULL pointer.
#[no_mangle]
pub extern "C" fn boltc_value_get_type(value: *const boltc_value) -> boltc_value_type {
    ffi_value!(boltc_value_type::Null, {
        val(value).map_or(boltc_value_type::Null, type_of)
    })
}

/// Reads a value through `f`, or fails with `BOLTC_STATUS_CONVERSION` naming `want`.
pub(super) fn get<T>(
    value: *const boltc_value,
    out: *mut T,
    error_out: *mut *mut boltc_error,
    want: &str,
    f: impl FnOnce(&Value) -> Option<T>,
) -> boltc_status {
    ffi_status!(error_out, {
        let o = Out::new(out, "out")?;
        let v = val(value)?;
        o.write(f(v).ok_or_else(|| mismatch(want, v))?);
        Ok(())
    })
}

/// The boolean; `BOLTC_STATUS_CONVERSION` for another type.
#[no_mangle]
pub extern "C" fn boltc_value_as_bool(
    value: *const boltc_value,
    out: *mut bool,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    get(value, out, error_out, "Boolean", |v| match v {
        Value::Bool(b) => Some(*b),
        _ => None,
    })
}

/// The integer; `BOLTC_STATUS_CONVERSION` for another type.
#[no_mangle]
pub extern "C" fn boltc_value_as_int(
    value: *const boltc_value,
    out: *mut i64,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    get(value, out, error_out, "Integer", |v| match v {
        Value::Int(i) => Some(*i),
        _ => None,
    })
}

/// The float (integers are not converted); `BOLTC_STATUS_CONVERSION` for another type.
#[no_mangle]
pub extern "C" fn boltc_value_as_float(
    value: *const boltc_value,
    out: *mut f64,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    get(value, out, error_out, "Float", |v| match v {
        Value::Float(f) => Some(*f),
        _ => None,
    })
}

/// The date; `BOLTC_STATUS_CONVERSION` for another type.
#[no_mangle]
pub extern "C" fn boltc_value_as_date(
    value: *const boltc_value,
    out: *mut boltc_date,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    get(value, out, error_out, "Date", |v| match v {
        Value::Date(d) => Some(boltc_date { days: d.days }),
        _ => None,
    })
}

/// A `TIME` or `LOCAL_TIME` (offset 0); `BOLTC_STATUS_CONVERSION` for another type.
#[no_mangle]
pub extern "C" fn boltc_value_as_time(
    value: *const boltc_value,
    out: *mut boltc_time,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    get(value, out, error_out, "Time", |v| match v {
        Value::Time(t) => Some(boltc_time {
            nanoseconds: t.nanoseconds,
            tz_offset_seconds: t.tz_offset_seconds,
        }),
        _ => None,
    })
}

/// A `LOCAL_TIME`; `BOLTC_STATUS_CONVERSION` for another type.
#[no_mangle]
pub extern "C" fn boltc_value_as_local_time(
    value: *const boltc_value,
    out: *mut boltc_time,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    get(value, out, error_out, "LocalTime", |v| match v {
        Value::LocalTime(t) => Some(boltc_time {
            nanoseconds: t.nanoseconds,
            tz_offset_seconds: 0,
        }),
        _ => None,
    })
}

/// A `DATETIME` or `DATETIME_ZONE_ID` (the zone name is borrowed from the value);
/// `BOLTC_STATUS_CONVERSION` for another type.
#[no_mangle]
pub extern "C" fn boltc_value_as_datetime(
    value: *const boltc_value,
    out: *mut boltc_datetime,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    get(value, out, error_out, "DateTime", |v| match v {
        v @ (Value::DateTime(_) | Value::DateTimeZoneId(_)) => Some(datetime_of(v)),
        _ => None,
    })
}

/// A `LOCAL_DATETIME` (wall-clock seconds since 1970-01-01T00:00);
/// `BOLTC_STATUS_CONVERSION` for another type.
#[no_mangle]
pub extern "C" fn boltc_value_as_local_datetime(
    value: *const boltc_value,
    out: *mut boltc_datetime,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    get(value, out, error_out, "LocalDateTime", |v| match v {
        Value::LocalDateTime(d) => Some(boltc_datetime {
            seconds: d.seconds,
            nanoseconds: d.nanoseconds,
            tz_offset_seconds: 0,
            tz_id: ptr::null(),
            tz_id_len: 0,
        }),
        _ => None,
    })
}

/// The duration; `BOLTC_STATUS_CONVERSION` for another type.
#[no_mangle]
pub extern "C" fn boltc_value_as_duration(
    value: *const boltc_value,
    out: *mut boltc_duration,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    get(value, out, error_out, "Duration", |v| match v {
        Value::Duration(d) => Some(boltc_duration {
            months: d.months,
            days: d.days,
            seconds: d.seconds,
            nanoseconds: d.nanoseconds,
        }),
        _ => None,
    })
}

/// A 2D or 3D point; `BOLTC_STATUS_CONVERSION` for another type.
#[no_mangle]
pub extern "C" fn boltc_value_as_point(
    value: *const boltc_value,
    out: *mut boltc_point,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    get(value, out, error_out, "Point", |v| match v {
        v @ (Value::Point2D(_) | Value::Point3D(_)) => Some(point_of(v)),
        _ => None,
    })
}

/// The vector, borrowed from the value; `BOLTC_STATUS_CONVERSION` for another type.
#[no_mangle]
pub extern "C" fn boltc_value_as_vector(
    value: *const boltc_value,
    out: *mut boltc_vector,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    get(value, out, error_out, "Vector", |v| match v {
        Value::Vector(vec) => Some(vector_of(vec)),
        _ => None,
    })
}

/// The map, borrowed from the value; `BOLTC_STATUS_CONVERSION` for another type.
#[no_mangle]
pub extern "C" fn boltc_value_as_map(
    value: *const boltc_value,
    out: *mut *const boltc_map,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    get(value, out, error_out, "Map", |v| match v {
        Value::Map(m) => Some(view(m)),
        _ => None,
    })
}

/// The node, borrowed from the value; `BOLTC_STATUS_CONVERSION` for another type.
#[no_mangle]
pub extern "C" fn boltc_value_as_node(
    value: *const boltc_value,
    out: *mut *const boltc_node,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    get(value, out, error_out, "Node", |v| match v {
        Value::Node(n) => Some(view(&**n)),
        _ => None,
    })
}

/// The relationship, borrowed from the value; `BOLTC_STATUS_CONVERSION` for another type.
#[no_mangle]
pub extern "C" fn boltc_value_as_relationship(
    value: *const boltc_value,
    out: *mut *const boltc_relationship,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    get(value, out, error_out, "Relationship", |v| match v {
        Value::Relationship(r) => Some(view(&**r)),
        _ => None,
    })
}

/// The path, borrowed from the value; `BOLTC_STATUS_CONVERSION` for another type.
#[no_mangle]
pub extern "C" fn boltc_value_as_path(
    value: *const boltc_value,
    out: *mut *const boltc_path,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    get(value, out, error_out, "Path", |v| match v {
        Value::Path(p) => Some(view(&**p)),
        _ => None,
    })
}

/// The number of elements of a list; `BOLTC_STATUS_CONVERSION` for another type.
#[no_mangle]
pub extern "C" fn boltc_value_list_len(
    value: *const boltc_value,
    out: *mut usize,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    get(value, out, error_out, "List", |v| match v {
        Value::List(l) => Some(l.len()),
        _ => None,
    })
}

pub(super) fn datetime_of(v: &Value) -> boltc_datetime {
    match v {
        Value::DateTime(d) => boltc_datetime {
            seconds: d.seconds,
            nanoseconds: d.nanoseconds,
            tz_offset_seconds: d.tz_offset_seconds,
            tz_id: ptr::null(),
            tz_id_len: 0,
        },
        Value::DateTimeZoneId(d) => boltc_datetime {
            seconds: d.seconds,
            nanoseconds: d.nanoseconds,
            tz_offset_seconds: 0,
            tz_id: d.tz_id.as_ptr().cast(),
            tz_id_len: d.tz_id.len(),
        },
        _ => unreachable!("matched by the caller"),
    }
}

pub(super) fn point_of(v: &Value) -> boltc_point {
    match v {
        Value::Point2D(p) => boltc_point {
            srid: p.srid,
            dimensions: 2,
            x: p.x,
            y: p.y,
            z: 0.0,
        },
        Value::Point3D(p) => boltc_point {
            srid: p.srid,
            dimensions: 3,
            x: p.x,
            y: p.y,
            z: p.z,
        },
        _ => unreachable!("matched by the caller"),
    }
}

pub(super) fn vector_of(v: &Vector) -> boltc_vector {
    let (element_type, data, len) = match v {
        Vector::I8(x) => (BOLTC_VECTOR_I8, x.as_ptr().cast(), x.len()),
        Vector::I16(x) => (BOLTC_VECTOR_I16, x.as_ptr().cast(), x.len()),
        Vector::I32(x) => (BOLTC_VECTOR_I32, x.as_ptr().cast(), x.len()),
        Vector::I64(x) => (BOLTC_VECTOR_I64, x.as_ptr().cast(), x.len()),
        Vector::F32(x) => (BOLTC_VECTOR_F32, x.as_ptr().cast(), x.len()),
        Vector::F64(x) => (BOLTC_VECTOR_F64, x.as_ptr().cast(), x.len()),
    };
    boltc_vector {
        element_type,
        data,
        len,
    }
}

/// The string as UTF-8 bytes (not NUL-terminated; print with `"%.*s"`) and its length,
/// borrowed from the value. `BOLTC_STATUS_CONVERSION` for another type.
#[no_mangle]
pub extern "C" fn boltc_value_as_string(
    value: *const boltc_value,
    str_out: *mut *const c_char,
    len_out: *mut usize,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        match val(value)? {
            Value::String(s) => write_str(s, str_out, len_out),
            other => Err(mismatch("String", other)),
        }
    })
}

/// The bytes and their count, borrowed from the value. `BOLTC_STATUS_CONVERSION` for another
/// type.
#[no_mangle]
pub extern "C" fn boltc_value_as_bytes(
    value: *const boltc_value,
    data_out: *mut *const u8,
    len_out: *mut usize,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let (d, l) = (
            Out::new(data_out, "data_out")?,
            Out::new(len_out, "len_out")?,
        );
        match val(value)? {
            Value::Bytes(b) => {
                d.write(b.as_ptr());
                l.write(b.len());
                Ok(())
            }
            other => Err(mismatch("Bytes", other)),
        }
    })
}

/// Element `index` of a list, borrowed from the list. `BOLTC_STATUS_CONVERSION` if not a list,
/// `BOLTC_STATUS_INVALID_ARGUMENT` if out of range.
#[no_mangle]
pub extern "C" fn boltc_value_list_get(
    value: *const boltc_value,
    index: usize,
    item_out: *mut *const boltc_value,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let o = Out::new(item_out, "item_out")?;
        match val(value)? {
            Value::List(l) => {
                let item = l
                    .get(index)
                    .ok_or_else(|| Failure::invalid(format!("index {index} out of range")))?;
                o.write(view(item));
                Ok(())
            }
            other => Err(mismatch("List", other)),
        }
    })
}
