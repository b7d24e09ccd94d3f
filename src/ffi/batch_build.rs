//! `boltc_batch_build`: a batch turned into the host language's own objects in one call.
//!
//! The host hands over its constructors (for CPython: `PyLong_FromLongLong`,
//! `PyUnicode_FromStringAndSize`, `PyList_New`, ... through ctypes), and boltc walks the batch
//! calling them, so a binding gets its rows without decoding a buffer value by value in its own
//! (slower) language. Only plain values are built this way (null, booleans, integers, floats,
//! strings, bytes, lists and maps of them); a batch with any other value is left to the
//! encodings of `batch_codec.rs`.
//!
//! File length: over 800 lines only with its unit tests (the builder itself is about 410).

use super::error::{boltc_error, ffi_status};
use super::handle::box_ref;
use super::result::boltc_batch;
use super::status::{boltc_status, Failure, FfiResult};
use crate::value::Value;
use std::ffi::{c_char, c_int, c_long, c_void};

/// A new host object from a 64-bit integer (NULL on failure).
pub type boltc_builder_int = Option<unsafe extern "C" fn(value: i64) -> *mut c_void>;
/// A new host object from a float (NULL on failure).
pub type boltc_builder_float = Option<unsafe extern "C" fn(value: f64) -> *mut c_void>;
/// A new host boolean from 0 or 1 (NULL on failure).
pub type boltc_builder_bool = Option<unsafe extern "C" fn(value: c_long) -> *mut c_void>;
/// A new host string or byte string from `len` bytes (UTF-8 for strings; NULL on failure).
pub type boltc_builder_bytes =
    Option<unsafe extern "C" fn(data: *const c_char, len: isize) -> *mut c_void>;
/// A new host list of `len` empty slots (NULL on failure).
pub type boltc_builder_list_new = Option<unsafe extern "C" fn(len: isize) -> *mut c_void>;
/// A new, empty host map (NULL on failure).
pub type boltc_builder_map_new = Option<unsafe extern "C" fn() -> *mut c_void>;
/// A new host row of `len` empty slots, of the host's `row_type` (NULL on failure).
pub type boltc_builder_row_new =
    Option<unsafe extern "C" fn(row_type: *mut c_void, len: isize) -> *mut c_void>;
/// Stores `item` in slot `index` of a list or row, taking over `item` whether it succeeds or
/// not; 0 on success.
pub type boltc_builder_set =
    Option<unsafe extern "C" fn(container: *mut c_void, index: isize, item: *mut c_void) -> c_int>;
/// Sets `key` to `value` in a map, borrowing both; 0 on success.
pub type boltc_builder_map_set =
    Option<unsafe extern "C" fn(map: *mut c_void, key: *mut c_void, value: *mut c_void) -> c_int>;
/// Takes or drops one reference to a host object.
pub type boltc_builder_ref = Option<unsafe extern "C" fn(object: *mut c_void)>;

/// The host's constructors for `boltc_batch_build`. Every field is required unless its
/// comment says otherwise. Objects are
/// reference counted: a constructor returns an object the caller owns one reference to,
/// `retain` adds one, `release` drops one. boltc calls these functions on the calling thread,
/// during `boltc_batch_build` only, and never after one of them failed.
#[repr(C)]
pub struct boltc_builder {
    /// The host's null object (e.g. Python's `None`); each use takes a reference with `retain`.
    pub null_object: *mut c_void,
    /// Adds a reference to an object.
    pub retain: boltc_builder_ref,
    /// Drops a reference to an object.
    pub release: boltc_builder_ref,
    /// Booleans.
    pub new_bool: boltc_builder_bool,
    /// Integers.
    pub new_int: boltc_builder_int,
    /// Floats.
    pub new_float: boltc_builder_float,
    /// Strings (valid UTF-8, not NUL-terminated).
    pub new_string: boltc_builder_bytes,
    /// Byte arrays.
    pub new_bytes: boltc_builder_bytes,
    /// Lists, filled with `list_set`.
    pub new_list: boltc_builder_list_new,
    /// Stores an item in a list (the result list `rows_out` too).
    pub list_set: boltc_builder_set,
    /// Maps, filled with `map_set` (keys are made with `new_string`).
    pub new_map: boltc_builder_map_new,
    /// Sets a key in a map.
    pub map_set: boltc_builder_map_set,
    /// Rows, filled with `row_set`.
    pub new_row: boltc_builder_row_new,
    /// Stores a value in a row (not called, and may be NULL, with `row_items_offset`).
    pub row_set: boltc_builder_set,
    /// Optional (may be NULL): called on each filled row whose values are all scalars (no
    /// list or map), which therefore can be part of no reference cycle; a host with a cycle
    /// collector may stop tracking it (CPython: `PyObject_GC_UnTrack`).
    pub scalar_row: boltc_builder_ref,
    /// Optional (0 for none): for a host whose rows are arrays of object references at a fixed
    /// byte offset in the row object (CPython tuples: `tuple.__basicsize__`), that offset.
    /// boltc then stores each value of a row straight into its slot, taking over the reference,
    /// and never calls `row_set`; `new_row` need not initialize the slots, as boltc fills all of
    /// them before it stores or releases the row (a row whose build fails is filled with
    /// `null_object` first).
    pub row_items_offset: isize,
    /// Optional (may be NULL): called on each filled row holding a list or map (which may be
    /// part of a reference cycle), before it is stored; for a host with a cycle collector whose
    /// `new_row` returns rows it does not track yet (CPython: `_PyObject_GC_NewVar`, then
    /// `PyObject_GC_Track`).
    pub container_row: boltc_builder_ref,
}

/// A host function reported failure: the host has its own error (e.g. a Python exception).
struct HostFailed;

/// The constructors, checked non-NULL once.
struct Host {
    null_object: *mut c_void,
    retain: unsafe extern "C" fn(*mut c_void),
    release: unsafe extern "C" fn(*mut c_void),
    new_bool: unsafe extern "C" fn(c_long) -> *mut c_void,
    new_int: unsafe extern "C" fn(i64) -> *mut c_void,
    new_float: unsafe extern "C" fn(f64) -> *mut c_void,
    new_string: unsafe extern "C" fn(*const c_char, isize) -> *mut c_void,
    new_bytes: unsafe extern "C" fn(*const c_char, isize) -> *mut c_void,
    new_list: unsafe extern "C" fn(isize) -> *mut c_void,
    list_set: unsafe extern "C" fn(*mut c_void, isize, *mut c_void) -> c_int,
    new_map: unsafe extern "C" fn() -> *mut c_void,
    map_set: unsafe extern "C" fn(*mut c_void, *mut c_void, *mut c_void) -> c_int,
    new_row: unsafe extern "C" fn(*mut c_void, isize) -> *mut c_void,
    fill: RowFill,
    scalar_row: Option<unsafe extern "C" fn(*mut c_void)>,
    container_row: Option<unsafe extern "C" fn(*mut c_void)>,
}

impl Host {
    fn new(b: &boltc_builder) -> FfiResult<Host> {
        fn req<T>(f: Option<T>, name: &str) -> FfiResult<T> {
            f.ok_or_else(|| Failure::null(format!("builder.{name}")))
        }
        if b.null_object.is_null() {
            return Err(Failure::null("builder.null_object"));
        }
        Ok(Host {
            null_object: b.null_object,
            retain: req(b.retain, "retain")?,
            release: req(b.release, "release")?,
            new_bool: req(b.new_bool, "new_bool")?,
            new_int: req(b.new_int, "new_int")?,
            new_float: req(b.new_float, "new_float")?,
            new_string: req(b.new_string, "new_string")?,
            new_bytes: req(b.new_bytes, "new_bytes")?,
            new_list: req(b.new_list, "new_list")?,
            list_set: req(b.list_set, "list_set")?,
            new_map: req(b.new_map, "new_map")?,
            map_set: req(b.map_set, "map_set")?,
            new_row: req(b.new_row, "new_row")?,
            fill: match b.row_items_offset {
                0 => RowFill::Set(req(b.row_set, "row_set")?),
                n => RowFill::Slots(usize::try_from(n).map_err(|_| {
                    Failure::invalid("builder.row_items_offset must not be negative")
                })?),
            },
            scalar_row: b.scalar_row,
            container_row: b.container_row,
        })
    }
}

/// How the values of a row get into it.
enum RowFill {
    /// Through the host's `row_set`.
    Set(unsafe extern "C" fn(*mut c_void, isize, *mut c_void) -> c_int),
    /// Stored straight into the slots at this byte offset in the row (`row_items_offset`).
    Slots(usize),
}

/// Map keys seen in this batch, made once each (rows usually repeat the same few keys): the
/// cache holds one reference to each, dropped when the build ends.
const KEY_CACHE: usize = 64;

struct Builder<'a> {
    host: Host,
    keys: Vec<(&'a str, *mut c_void)>,
}

/// `Ok(obj)` for a non-NULL object.
fn made(obj: *mut c_void) -> Result<*mut c_void, HostFailed> {
    if obj.is_null() {
        Err(HostFailed)
    } else {
        Ok(obj)
    }
}

/// A length as the host's signed size (lengths of Rust values always fit).
fn ssize(n: usize) -> isize {
    isize::try_from(n).unwrap_or(isize::MAX)
}

impl<'a> Builder<'a> {
    /// A new reference to the host object for `v`, a value accepted by [`plain`].
    ///
    /// # Safety
    /// The host's functions behave as `boltc_builder` documents.
    unsafe fn value(&mut self, v: &'a Value) -> Result<*mut c_void, HostFailed> {
        let h = &self.host;
        // SAFETY: the host's functions with arguments of their documented types; data
        // pointers are valid for the lengths given during the call.
        unsafe {
            match v {
                Value::Int(i) => made((h.new_int)(*i)),
                Value::String(s) => made((h.new_string)(s.as_ptr().cast(), ssize(s.len()))),
                Value::Float(f) => made((h.new_float)(*f)),
                Value::Bool(b) => made((h.new_bool)(c_long::from(*b))),
                Value::Null => {
                    (h.retain)(h.null_object);
                    Ok(h.null_object)
                }
                Value::Bytes(b) => made((h.new_bytes)(b.as_ptr().cast(), ssize(b.len()))),
                Value::List(l) => {
                    let list = made((h.new_list)(ssize(l.len())))?;
                    for (i, x) in l.iter().enumerate() {
                        let item = self.value(x).inspect_err(|_| (self.host.release)(list))?;
                        if (self.host.list_set)(list, ssize(i), item) != 0 {
                            (self.host.release)(list);
                            return Err(HostFailed);
                        }
                    }
                    Ok(list)
                }
                Value::Map(m) => {
                    let map = made((h.new_map)())?;
                    for (k, x) in m {
                        let set = self.key(k).and_then(|key| {
                            let val = self.value(x)?;
                            let r = (self.host.map_set)(map, key, val);
                            (self.host.release)(val);
                            if r == 0 {
                                Ok(())
                            } else {
                                Err(HostFailed)
                            }
                        });
                        if set.is_err() {
                            (self.host.release)(map);
                            return Err(HostFailed);
                        }
                    }
                    Ok(map)
                }
                // `plain` let no other value through.
                _ => Err(HostFailed),
            }
        }
    }

    /// A new reference to the host row holding the values of `row`.
    ///
    /// # Safety
    /// As [`Builder::value`]; `row_type` is what the host's `new_row` expects.
    unsafe fn row(
        &mut self,
        row_type: *mut c_void,
        row: &'a [Value],
    ) -> Result<*mut c_void, HostFailed> {
        // SAFETY: the host's functions as documented; with `row_items`, the row returned by
        // `new_row` has `row.len()` pointer slots from that offset (the builder's contract).
        unsafe {
            let obj = made((self.host.new_row)(row_type, ssize(row.len())))?;
            match self.host.fill {
                RowFill::Slots(offset) => {
                    let slots = obj.cast::<u8>().add(offset).cast::<*mut c_void>();
                    for (c, v) in row.iter().enumerate() {
                        match self.value(v) {
                            Ok(item) => slots.add(c).write_unaligned(item),
                            Err(e) => {
                                // Every slot filled before the row is released.
                                for rest in c..row.len() {
                                    (self.host.retain)(self.host.null_object);
                                    slots.add(rest).write_unaligned(self.host.null_object);
                                }
                                (self.host.release)(obj);
                                return Err(e);
                            }
                        }
                    }
                }
                RowFill::Set(row_set) => {
                    for (c, v) in row.iter().enumerate() {
                        let item = self.value(v).inspect_err(|_| (self.host.release)(obj))?;
                        if row_set(obj, ssize(c), item) != 0 {
                            (self.host.release)(obj);
                            return Err(HostFailed);
                        }
                    }
                }
            }
            let containers = row
                .iter()
                .any(|v| matches!(v, Value::List(_) | Value::Map(_)));
            let mark = if containers {
                self.host.container_row
            } else {
                self.host.scalar_row
            };
            if let Some(f) = mark {
                f(obj);
            }
            Ok(obj)
        }
    }

    /// The host string for map key `k`, owned by the cache (borrowed for `map_set`, which takes
    /// its own reference).
    ///
    /// # Safety
    /// As [`Builder::value`].
    unsafe fn key(&mut self, k: &'a str) -> Result<*mut c_void, HostFailed> {
        if let Some(&(_, obj)) = self.keys.iter().find(|(s, _)| *s == k) {
            return Ok(obj);
        }
        // SAFETY: the host's string constructor with a pointer valid for `k.len()` bytes.
        let obj = made(unsafe { (self.host.new_string)(k.as_ptr().cast(), ssize(k.len())) })?;
        if self.keys.len() == KEY_CACHE {
            // Drop the oldest key (its reference) to make room: maps rarely have this many.
            let (_, old) = self.keys.remove(0);
            // SAFETY: the cache's own reference, no longer used.
            unsafe { (self.host.release)(old) };
        }
        self.keys.push((k, obj));
        Ok(obj)
    }
}

impl Drop for Builder<'_> {
    fn drop(&mut self) {
        for (_, obj) in self.keys.drain(..) {
            // SAFETY: the cache's own references, released once.
            unsafe { (self.host.release)(obj) };
        }
    }
}

/// Whether `boltc_batch_build` builds `v` (plain values only). Inlined into the scan of a
/// batch: scalars, most values, are told apart without a call (W1's million integers spent about
/// 4 ns each in the call).
#[inline(always)]
fn plain(v: &Value) -> bool {
    match v {
        Value::Null
        | Value::Bool(_)
        | Value::Int(_)
        | Value::Float(_)
        | Value::String(_)
        | Value::Bytes(_) => true,
        Value::List(_) | Value::Map(_) => plain_container(v),
        _ => false,
    }
}

/// [`plain`] for a list or map: whether all its values are plain.
fn plain_container(v: &Value) -> bool {
    match v {
        Value::List(l) => l.iter().all(plain),
        Value::Map(m) => m.values().all(plain),
        _ => plain(v),
    }
}

/// Builds the rows of `batch` as host objects with the constructors of `builder`: row `i`
/// (made with `new_row(row_type, columns)`) is stored with `list_set(rows_out, i, row)`, so
/// `rows_out` is a host list with at least `boltc_batch_rows(batch)` slots. Nulls, booleans,
/// integers, floats, strings, bytes, lists and maps become the host's objects (a map keeps the
/// server's key order).
///
/// Only those plain values are built: a batch holding any other value (a node, a date, ...)
/// fails with `BOLTC_STATUS_UNSUPPORTED` before any builder function is called (decode it with
/// `boltc_batch_encode_columns` instead). When a builder function fails, the build stops,
/// releases what it made and fails with `BOLTC_STATUS_CONVERSION`; rows already stored in
/// `rows_out` stay there, and the host's own error (e.g. a Python exception) tells why.
///
/// Threads: the builder's functions run on the calling thread during this call (from Python,
/// call this with the GIL held: through `ctypes.PyDLL`).
///
/// `builder`'s functions must behave as `boltc_builder` documents, and `rows_out` and
/// `row_type` be what those functions expect.
#[no_mangle]
pub extern "C" fn boltc_batch_build(
    batch: *const boltc_batch,
    builder: *const boltc_builder,
    row_type: *mut c_void,
    rows_out: *mut c_void,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or a live boltc_batch (header contract); borrowed shared only.
        let b = unsafe { box_ref(batch) }?;
        // SAFETY: NULL or a valid builder for the call (header contract).
        let host = Host::new(unsafe { builder.as_ref() }.ok_or_else(|| Failure::null("builder"))?)?;
        let rows = b.rows();
        if let Some((i, v)) = rows
            .iter()
            .enumerate()
            .find_map(|(i, row)| row.iter().find(|v| !plain(v)).map(|v| (i, v)))
        {
            return Err(Failure::with_status(
                boltc_status::Unsupported,
                format!(
                    "row {i} holds a {} value, which the builder does not build",
                    v.type_name()
                ),
            ));
        }
        let mut build = Builder {
            host,
            keys: Vec::new(),
        };
        let failed = || Failure::with_status(boltc_status::Conversion, "a builder function failed");
        for (i, row) in rows.iter().enumerate() {
            // SAFETY: the host's functions as documented (header contract).
            unsafe {
                let obj = build.row(row_type, row).map_err(|_| failed())?;
                if (build.host.list_set)(rows_out, ssize(i), obj) != 0 {
                    return Err(failed());
                }
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    //! A test host whose objects are reference-counted boxes, counting the live ones.
    use super::*;
    use crate::driver::{Record, Rows};
    use crate::value::{Date, Keys, Map};
    use std::cell::Cell;
    use std::ptr;

    #[derive(Debug, Clone, PartialEq)]
    enum T {
        Null,
        Bool(bool),
        Int(i64),
        Float(f64),
        Str(String),
        Bytes(Vec<u8>),
        List(Vec<T>),
        Map(Vec<(T, T)>),
        Row(Vec<T>),
    }

    enum Kind {
        Leaf(T),
        List(Vec<*mut Obj>),
        Map(Vec<(*mut Obj, *mut Obj)>),
        Row(Vec<*mut Obj>),
        /// A row whose values boltc stores straight into `Obj::slots`.
        Slots,
    }

    /// What a slot holds until boltc stores a value there (never a live object).
    fn garbage() -> *mut Obj {
        ptr::NonNull::dangling().as_ptr()
    }

    #[repr(C)]
    struct Obj {
        refs: usize,
        scalar: bool,
        container: bool,
        kind: Kind,
        /// The values of a `Kind::Slots` row (the test batches have two columns).
        slots: [*mut Obj; 2],
    }

    thread_local! {
        static LIVE: Cell<isize> = const { Cell::new(0) };
        /// Constructor calls left before one fails (None: never).
        static FAIL_AFTER: Cell<Option<usize>> = const { Cell::new(None) };
        /// A reference dropped too often, or a set on a missing slot.
        static MISUSE: Cell<bool> = const { Cell::new(false) };
    }

    fn alloc(kind: Kind) -> *mut c_void {
        if let Some(n) = FAIL_AFTER.get() {
            if n == 0 {
                return ptr::null_mut();
            }
            FAIL_AFTER.set(Some(n - 1));
        }
        LIVE.set(LIVE.get() + 1);
        Box::into_raw(Box::new(Obj {
            refs: 1,
            scalar: false,
            container: false,
            kind,
            slots: [garbage(); 2],
        }))
        .cast()
    }

    unsafe extern "C" fn retain(o: *mut c_void) {
        // SAFETY: a live test object.
        unsafe { (*o.cast::<Obj>()).refs += 1 };
    }

    unsafe extern "C" fn release(o: *mut c_void) {
        let o = o.cast::<Obj>();
        // SAFETY: a test object, live unless misused (then flagged, not touched).
        unsafe {
            if (*o).refs == 0 {
                MISUSE.set(true);
                return;
            }
            (*o).refs -= 1;
            if (*o).refs > 0 {
                return;
            }
            let obj = Box::from_raw(o);
            LIVE.set(LIVE.get() - 1);
            match obj.kind {
                Kind::Leaf(_) => {}
                Kind::Slots => obj.slots.into_iter().for_each(|p| {
                    if p == garbage() {
                        MISUSE.set(true);
                    } else {
                        release(p.cast());
                    }
                }),
                Kind::List(items) | Kind::Row(items) => items
                    .into_iter()
                    .filter(|p| !p.is_null())
                    .for_each(|p| release(p.cast())),
                Kind::Map(pairs) => pairs.into_iter().for_each(|(k, v)| {
                    release(k.cast());
                    release(v.cast());
                }),
            }
        }
    }

    unsafe extern "C" fn new_bool(v: c_long) -> *mut c_void {
        alloc(Kind::Leaf(T::Bool(v != 0)))
    }
    unsafe extern "C" fn new_int(v: i64) -> *mut c_void {
        alloc(Kind::Leaf(T::Int(v)))
    }
    unsafe extern "C" fn new_float(v: f64) -> *mut c_void {
        alloc(Kind::Leaf(T::Float(v)))
    }
    unsafe extern "C" fn new_string(p: *const c_char, n: isize) -> *mut c_void {
        // SAFETY: boltc passes n valid bytes.
        let b = unsafe { std::slice::from_raw_parts(p.cast::<u8>(), n as usize) };
        alloc(Kind::Leaf(T::Str(String::from_utf8(b.to_vec()).unwrap())))
    }
    unsafe extern "C" fn new_bytes(p: *const c_char, n: isize) -> *mut c_void {
        // SAFETY: boltc passes n valid bytes.
        let b = unsafe { std::slice::from_raw_parts(p.cast::<u8>(), n as usize) };
        alloc(Kind::Leaf(T::Bytes(b.to_vec())))
    }
    unsafe extern "C" fn new_list(n: isize) -> *mut c_void {
        alloc(Kind::List(vec![ptr::null_mut(); n as usize]))
    }
    unsafe extern "C" fn new_map() -> *mut c_void {
        alloc(Kind::Map(Vec::new()))
    }
    unsafe extern "C" fn new_row(row_type: *mut c_void, n: isize) -> *mut c_void {
        assert_eq!(row_type as usize, 0x5EED);
        alloc(Kind::Row(vec![ptr::null_mut(); n as usize]))
    }
    unsafe extern "C" fn set(c: *mut c_void, i: isize, item: *mut c_void) -> c_int {
        // SAFETY: a live test list or row.
        let slots = match unsafe { &mut (*c.cast::<Obj>()).kind } {
            Kind::List(s) | Kind::Row(s) => s,
            _ => unreachable!("set on a leaf or map"),
        };
        match slots.get_mut(i as usize) {
            Some(slot) => {
                let old = std::mem::replace(slot, item.cast());
                if !old.is_null() {
                    // SAFETY: the slot's reference.
                    unsafe { release(old.cast()) };
                }
                0
            }
            None => {
                MISUSE.set(true);
                // SAFETY: set takes the item over even when it fails.
                unsafe { release(item) };
                -1
            }
        }
    }
    unsafe extern "C" fn map_set(m: *mut c_void, k: *mut c_void, v: *mut c_void) -> c_int {
        // SAFETY: live test objects; the map takes its own references.
        unsafe {
            retain(k);
            retain(v);
            match &mut (*m.cast::<Obj>()).kind {
                Kind::Map(pairs) => pairs.push((k.cast(), v.cast())),
                _ => unreachable!("map_set on a non-map"),
            }
        }
        0
    }
    unsafe extern "C" fn scalar_row(o: *mut c_void) {
        // SAFETY: a live test row.
        unsafe { (*o.cast::<Obj>()).scalar = true };
    }
    unsafe extern "C" fn new_row_slots(row_type: *mut c_void, n: isize) -> *mut c_void {
        assert_eq!((row_type as usize, n), (0x5EED, 2));
        alloc(Kind::Slots)
    }
    unsafe extern "C" fn container_row(o: *mut c_void) {
        // SAFETY: a live test row.
        unsafe { (*o.cast::<Obj>()).container = true };
    }

    fn tree(o: *mut Obj) -> T {
        // SAFETY: a live test object.
        match unsafe { &(*o).kind } {
            Kind::Leaf(t) => t.clone(),
            Kind::List(items) => T::List(items.iter().map(|&p| tree(p)).collect()),
            Kind::Row(items) => T::Row(items.iter().map(|&p| tree(p)).collect()),
            // SAFETY: as above.
            Kind::Slots => T::Row(unsafe { (*o).slots }.iter().map(|&p| tree(p)).collect()),
            Kind::Map(pairs) => T::Map(pairs.iter().map(|&(k, v)| (tree(k), tree(v))).collect()),
        }
    }

    fn builder(null: *mut c_void) -> boltc_builder {
        boltc_builder {
            null_object: null,
            retain: Some(retain),
            release: Some(release),
            new_bool: Some(new_bool),
            new_int: Some(new_int),
            new_float: Some(new_float),
            new_string: Some(new_string),
            new_bytes: Some(new_bytes),
            new_list: Some(new_list),
            list_set: Some(set),
            new_map: Some(new_map),
            map_set: Some(map_set),
            new_row: Some(new_row),
            row_set: Some(set),
            scalar_row: Some(scalar_row),
            row_items_offset: 0,
            container_row: None,
        }
    }

    fn batch(rows: Vec<Vec<Value>>) -> boltc_batch {
        let keys = Keys::new(&["a", "b"]);
        let mut block = Rows::new();
        block.reset(&keys);
        for r in rows {
            block.push_record(Record::new(keys.clone(), r));
        }
        boltc_batch::of_rows(block)
    }

    /// The builder storing row values straight into `Obj::slots`, marking container rows.
    fn slots_builder(null: *mut c_void) -> boltc_builder {
        boltc_builder {
            new_row: Some(new_row_slots),
            row_set: None,
            scalar_row: None,
            row_items_offset: std::mem::offset_of!(Obj, slots) as isize,
            container_row: Some(container_row),
            ..builder(null)
        }
    }

    /// Builds `b` into a new host list (rows filled by `row_set`, or straight into their
    /// slots if `direct`); returns the status, the list and the null object.
    fn build(
        b: &boltc_batch,
        fail_after: Option<usize>,
        direct: bool,
    ) -> (boltc_status, *mut c_void, *mut c_void) {
        let null = alloc(Kind::Leaf(T::Null));
        let out = new_list_of(b.rows().len());
        FAIL_AFTER.set(fail_after);
        let builder = if direct {
            slots_builder(null)
        } else {
            builder(null)
        };
        let st = boltc_batch_build(b, &builder, 0x5EED as *mut c_void, out, ptr::null_mut());
        FAIL_AFTER.set(None);
        (st, out, null)
    }

    fn new_list_of(n: usize) -> *mut c_void {
        // SAFETY: the test host's own constructor.
        unsafe { new_list(n as isize) }
    }

    fn map(pairs: &[(&str, Value)]) -> Value {
        let mut m = Map::new();
        for (k, v) in pairs {
            m.insert((*k).to_owned(), v.clone());
        }
        Value::Map(m)
    }

    fn s(x: &str) -> T {
        T::Str(x.to_owned())
    }

    fn plain_rows() -> Vec<Vec<Value>> {
        vec![
            vec![Value::Int(i64::MIN), Value::String("é✓".into())],
            vec![Value::Float(-0.5), Value::Bool(true)],
            vec![Value::Null, Value::Bytes(vec![0, 255])],
            vec![
                Value::List(vec![Value::Int(1), Value::List(vec![]), Value::Null]),
                map(&[
                    ("z", Value::Int(1)),
                    ("a", map(&[("z", Value::Bool(false))])),
                ]),
            ],
        ]
    }

    /// What the test host holds for `plain_rows()`.
    fn plain_tree() -> T {
        T::List(vec![
            T::Row(vec![T::Int(i64::MIN), s("é✓")]),
            T::Row(vec![T::Float(-0.5), T::Bool(true)]),
            T::Row(vec![T::Null, T::Bytes(vec![0, 255])]),
            T::Row(vec![
                T::List(vec![T::Int(1), T::List(vec![]), T::Null]),
                // The key order sent, the same key object shared by both maps.
                T::Map(vec![
                    (s("z"), T::Int(1)),
                    (s("a"), T::Map(vec![(s("z"), T::Bool(false))])),
                ]),
            ]),
        ])
    }

    #[test]
    fn builds_plain_values_with_the_host_constructors() {
        let b = batch(plain_rows());
        let before = LIVE.get();
        let (st, out, null) = build(&b, None, false);
        assert_eq!(st, boltc_status::Ok);
        assert!(!MISUSE.get());
        assert_eq!(tree(out.cast()), plain_tree());
        // SAFETY: live test objects.
        let (rows, z1, z2) = unsafe {
            let Kind::List(rows) = &(*out.cast::<Obj>()).kind else {
                unreachable!()
            };
            let Kind::Row(last) = &(*rows[3]).kind else {
                unreachable!()
            };
            let Kind::Map(outer) = &(*last[1]).kind else {
                unreachable!()
            };
            let Kind::Map(inner) = &(*outer[1].1).kind else {
                unreachable!()
            };
            (rows.clone(), outer[0].0, inner[0].0)
        };
        assert_eq!(z1, z2, "a key is made once per batch");
        // SAFETY: live test rows.
        let scalar: Vec<bool> = rows.iter().map(|&r| unsafe { (*r).scalar }).collect();
        assert_eq!(scalar, [true, true, true, false]);
        // SAFETY: the test's own references.
        unsafe {
            release(out);
            release(null);
        }
        assert_eq!(LIVE.get(), before, "every object released");
        assert!(!MISUSE.get());
    }

    #[test]
    fn stores_row_values_straight_into_the_slots_at_row_items_offset() {
        let b = batch(plain_rows());
        let before = LIVE.get();
        let (st, out, null) = build(&b, None, true);
        assert_eq!(st, boltc_status::Ok);
        assert!(!MISUSE.get(), "a slot left unfilled, or row_set called");
        assert_eq!(tree(out.cast()), plain_tree());
        // SAFETY: live test objects.
        let rows = unsafe {
            let Kind::List(rows) = &(*out.cast::<Obj>()).kind else {
                unreachable!()
            };
            rows.clone()
        };
        // SAFETY: live test rows.
        let marks: Vec<(bool, bool)> = rows
            .iter()
            .map(|&r| unsafe { ((*r).scalar, (*r).container) })
            .collect();
        // Only the row holding a list and a map goes to container_row.
        let want = [
            (false, false),
            (false, false),
            (false, false),
            (false, true),
        ];
        assert_eq!(marks, want);
        // SAFETY: the test's own references.
        unsafe {
            release(out);
            release(null);
        }
        assert_eq!(LIVE.get(), before, "every object released");
        assert!(!MISUSE.get());
        let mut negative = slots_builder(null);
        negative.row_items_offset = -8;
        let st = boltc_batch_build(
            &b,
            &negative,
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
        );
        assert_eq!(st, boltc_status::InvalidArgument);
    }

    #[test]
    fn a_failing_constructor_releases_everything_made() {
        let big = map(&[(
            "k",
            Value::List(vec![Value::Int(1), Value::String("x".into())]),
        )]);
        let b = batch(vec![
            vec![Value::Int(1), big.clone()],
            vec![
                Value::List(vec![big.clone(), Value::Null]),
                Value::Float(2.0),
            ],
        ]);
        let before = LIVE.get();
        for direct in [false, true] {
            let mut failed = 0;
            for n in 0..40 {
                let (st, out, null) = build(&b, Some(n), direct);
                if st != boltc_status::Ok {
                    assert_eq!(st, boltc_status::Conversion);
                    failed += 1;
                }
                // SAFETY: the test's own references (rows stored before the failure stay in
                // `out`).
                unsafe {
                    release(out);
                    release(null);
                }
                assert_eq!(LIVE.get(), before, "after failing at call {n} ({direct})");
                assert!(!MISUSE.get(), "a slot left unfilled ({direct})");
            }
            assert!(failed > 10 && failed < 40, "{failed}");
        }
    }

    #[test]
    fn other_values_are_refused_before_any_call() {
        let b = batch(vec![
            vec![Value::Int(1), Value::Null],
            vec![
                Value::List(vec![Value::Date(Date { days: 1 })]),
                Value::Null,
            ],
        ]);
        let null = alloc(Kind::Leaf(T::Null));
        let before = LIVE.get();
        FAIL_AFTER.set(Some(0)); // any constructor call would fail
        let st = boltc_batch_build(
            &b,
            &builder(null),
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
        );
        FAIL_AFTER.set(None);
        assert_eq!(st, boltc_status::Unsupported);
        assert_eq!(LIVE.get(), before);
        let mut missing = builder(null);
        missing.map_set = None;
        let st = boltc_batch_build(
            &b,
            &missing,
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
        );
        assert_eq!(st, boltc_status::NullArgument);
        let st = boltc_batch_build(
            &b,
            ptr::null(),
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
        );
        assert_eq!(st, boltc_status::NullArgument);
        // SAFETY: the test's own reference.
        unsafe { release(null) };
    }
}
