//! `boltc_pyhost_subscript`: `record[key]` for the Python binding's records, in native code.
//!
//! The Python package's `Record` is a tuple subclass whose `__getitem__` also takes column
//! names and slices. Written in Python, that method cost about 60 ns of each `record[0]`, the
//! largest single cost of a loop over a large result. The package hands over, once, what
//! reading a tuple item takes on its interpreter (CPython: the addresses of `int`, `str` and
//! `dict`, the object header's layout, a few C API functions) and installs
//! [`boltc_pyhost_subscript`] as `Record.__getitem__`. An exact `int` index in range, and an
//! exact `str` naming a column, are answered here; any other key (a missing name, a slice, a
//! bool, an index out of range) goes to the Python method, so results and error messages stay
//! exactly that method's.
//!
//! This exists only for the Python binding and is not part of the stable C API.
//!
//! File length: over 600 lines only with its unit tests and their fake host (the code itself
//! is about 330).

use super::error::{boltc_error, ffi_status};
use super::guard::ffi_value;
use super::status::{boltc_status, Failure, FfiResult};
use std::ffi::{c_int, c_long, c_void};
use std::ptr;
use std::sync::OnceLock;

/// The host's integer value of an exact integer object (CPython: `PyLong_AsLongAndOverflow`):
/// sets `*overflow` to a non-zero value when it does not fit in a `long`.
pub type boltc_pyhost_as_long =
    Option<unsafe extern "C" fn(object: *mut c_void, overflow: *mut c_int) -> c_long>;
/// Adds or drops one reference to an object (CPython: `Py_IncRef`, `Py_DecRef`).
pub type boltc_pyhost_incref = Option<unsafe extern "C" fn(object: *mut c_void)>;
/// Looks up something in an object, returning a new reference (`get_attr`) or a borrowed one
/// (`dict_get`), or NULL (CPython: `PyObject_GetAttr`, with the host's error set on NULL;
/// `PyDict_GetItem`, NULL when missing and no error set).
pub type boltc_pyhost_get =
    Option<unsafe extern "C" fn(object: *mut c_void, key: *mut c_void) -> *mut c_void>;
/// Calls `callable` with `nargs` positional arguments and no keywords, returning a new
/// reference or NULL with the host's error set (CPython: `PyObject_VectorcallDict`).
pub type boltc_pyhost_call = Option<
    unsafe extern "C" fn(
        callable: *mut c_void,
        args: *const *mut c_void,
        nargs: usize,
        keywords: *mut c_void,
    ) -> *mut c_void,
>;

/// What `boltc_pyhost_subscript` needs from the Python interpreter, given once to
/// `boltc_pyhost_init`. Every field is required. Offsets are in bytes from an object's
/// address and are aligned to a pointer.
#[repr(C)]
pub struct boltc_pyhost {
    /// The address of the exact integer type (`id(int)`).
    pub int_type: *mut c_void,
    /// Where an object's type pointer sits in its header (CPython: after the reference count).
    pub type_offset: isize,
    /// Where a tuple's item count sits (CPython: `object.__basicsize__`, `ob_size`).
    pub size_offset: isize,
    /// Where a tuple's item pointers start (CPython: `tuple.__basicsize__`).
    pub items_offset: isize,
    /// An exact integer's value.
    pub as_long: boltc_pyhost_as_long,
    /// Takes a reference to the item returned.
    pub incref: boltc_pyhost_incref,
    /// Calls `fallback`.
    pub call: boltc_pyhost_call,
    /// The callable that answers every other key, called as `fallback(record, key)`: the
    /// binding's own `__getitem__`. boltc keeps the pointer, not a reference: the host keeps
    /// the callable alive for as long as the subscript function may be called (as it keeps
    /// `index_name`).
    pub fallback: *mut c_void,
    /// The address of the exact string type (`id(str)`).
    pub str_type: *mut c_void,
    /// The address of the exact dict type (`id(dict)`).
    pub dict_type: *mut c_void,
    /// The name of the record type's attribute that maps column names to indexes
    /// (`"_index"`).
    pub index_name: *mut c_void,
    /// An attribute of an object (the record type's `index_name`).
    pub get_attr: boltc_pyhost_get,
    /// The value of a key in a dict, borrowed.
    pub dict_get: boltc_pyhost_get,
    /// Drops the reference `get_attr` returned.
    pub decref: boltc_pyhost_incref,
}

/// The host, checked: no NULLs, offsets usable.
struct Host {
    int_type: usize,
    type_offset: usize,
    size_offset: usize,
    items_offset: usize,
    as_long: unsafe extern "C" fn(*mut c_void, *mut c_int) -> c_long,
    incref: unsafe extern "C" fn(*mut c_void),
    call: unsafe extern "C" fn(*mut c_void, *const *mut c_void, usize, *mut c_void) -> *mut c_void,
    fallback: usize,
    str_type: usize,
    dict_type: usize,
    index_name: usize,
    get_attr: unsafe extern "C" fn(*mut c_void, *mut c_void) -> *mut c_void,
    dict_get: unsafe extern "C" fn(*mut c_void, *mut c_void) -> *mut c_void,
    decref: unsafe extern "C" fn(*mut c_void),
}

/// What a key names.
enum Lookup {
    /// This item of the record, borrowed.
    Item(*mut c_void),
    /// Nothing boltc answers: the fallback does.
    Fallback,
    /// A host function failed, its error set.
    Failed,
}

/// Set once by `boltc_pyhost_init`. Addresses are kept as integers (the objects are the
/// host's, used only on the thread that calls in, holding the interpreter's lock).
static HOST: OnceLock<Host> = OnceLock::new();

fn offset(v: isize, name: &str) -> FfiResult<usize> {
    usize::try_from(v)
        .ok()
        .filter(|n| n % std::mem::align_of::<*mut c_void>() == 0)
        .ok_or_else(|| {
            Failure::invalid(format!(
                "host.{name} must be a non-negative multiple of the pointer size"
            ))
        })
}

impl Host {
    fn new(h: &boltc_pyhost) -> FfiResult<Host> {
        fn req<T>(f: Option<T>, name: &str) -> FfiResult<T> {
            f.ok_or_else(|| Failure::null(format!("host.{name} is NULL")))
        }
        fn addr(p: *mut c_void, name: &str) -> FfiResult<usize> {
            req((!p.is_null()).then_some(p as usize), name)
        }
        Ok(Host {
            int_type: addr(h.int_type, "int_type")?,
            type_offset: offset(h.type_offset, "type_offset")?,
            size_offset: offset(h.size_offset, "size_offset")?,
            items_offset: offset(h.items_offset, "items_offset")?,
            as_long: req(h.as_long, "as_long")?,
            incref: req(h.incref, "incref")?,
            call: req(h.call, "call")?,
            fallback: addr(h.fallback, "fallback")?,
            str_type: addr(h.str_type, "str_type")?,
            dict_type: addr(h.dict_type, "dict_type")?,
            index_name: addr(h.index_name, "index_name")?,
            get_attr: req(h.get_attr, "get_attr")?,
            dict_get: req(h.dict_get, "dict_get")?,
            decref: req(h.decref, "decref")?,
        })
    }

    /// Every field as an address or offset, to tell whether two inits gave the same host.
    fn fields(&self) -> [usize; 14] {
        [
            self.int_type,
            self.type_offset,
            self.size_offset,
            self.items_offset,
            self.as_long as usize,
            self.incref as usize,
            self.call as usize,
            self.fallback,
            self.str_type,
            self.dict_type,
            self.index_name,
            self.get_attr as usize,
            self.dict_get as usize,
            self.decref as usize,
        ]
    }

    /// The type of a live object.
    ///
    /// # Safety
    /// `object` is a live object laid out as the host said.
    unsafe fn type_of(&self, object: *mut c_void) -> usize {
        // SAFETY: the type pointer in the header of a live object (caller's contract).
        unsafe { object.byte_add(self.type_offset).cast::<usize>().read() }
    }

    /// The value of an exact int, if it fits.
    ///
    /// # Safety
    /// `int` is a live exact int.
    unsafe fn int_value(&self, int: *mut c_void) -> Option<isize> {
        let mut overflow: c_int = 0;
        // SAFETY: the host's function on an exact int, which it answers without error.
        let i = unsafe { (self.as_long)(int, &mut overflow) };
        if overflow != 0 {
            return None;
        }
        isize::try_from(i).ok()
    }

    /// Item `i` of the tuple `record` (negative: from the end), borrowed, if in range.
    ///
    /// # Safety
    /// `record` is a live tuple laid out as the host said.
    unsafe fn slot(&self, record: *mut c_void, i: isize) -> Option<*mut c_void> {
        // SAFETY: the length in the tuple's header, then an item at an index checked against
        // it.
        unsafe {
            let len = record.byte_add(self.size_offset).cast::<isize>().read();
            let i = if i < 0 { i.checked_add(len)? } else { i };
            if !(0..len).contains(&i) {
                return None;
            }
            let items = record.byte_add(self.items_offset).cast::<*mut c_void>();
            Some(items.offset(i).read())
        }
    }

    /// The index of the column named by the exact str `key`, from the record type's
    /// `index_name` dict: `Ok(None)` when there is none (or it is not an exact int there);
    /// `Err(())` when `get_attr` failed.
    ///
    /// # Safety
    /// `record` is a live tuple and `key` a live exact str; the host's functions behave as
    /// `boltc_pyhost` documents.
    unsafe fn column(&self, record: *mut c_void, key: *mut c_void) -> Result<Option<isize>, ()> {
        // SAFETY: the host's functions on live objects; `index` is a new reference, dropped
        // once read (its type keeps the dict alive, and with it the borrowed value).
        unsafe {
            let ty = self.type_of(record) as *mut c_void;
            let index = (self.get_attr)(ty, self.index_name as *mut c_void);
            if index.is_null() {
                return Err(());
            }
            let mut i = None;
            if self.type_of(index) == self.dict_type {
                let v = (self.dict_get)(index, key);
                if !v.is_null() && self.type_of(v) == self.int_type {
                    i = self.int_value(v);
                }
            }
            (self.decref)(index);
            Ok(i)
        }
    }

    /// What `key` names in `record`.
    ///
    /// # Safety
    /// `record` is a live tuple and `key` a live object, both laid out as the host said; the
    /// host's functions behave as `boltc_pyhost` documents.
    unsafe fn lookup(&self, record: *mut c_void, key: *mut c_void) -> Lookup {
        // SAFETY: the caller's contract, checked types before each use.
        unsafe {
            let key_type = self.type_of(key);
            let i = if key_type == self.int_type {
                self.int_value(key)
            } else if key_type == self.str_type {
                match self.column(record, key) {
                    Ok(i) => i,
                    Err(()) => return Lookup::Failed,
                }
            } else {
                None
            };
            match i.and_then(|i| self.slot(record, i)) {
                Some(item) => Lookup::Item(item),
                None => Lookup::Fallback,
            }
        }
    }

    /// `record[key]`: a new reference, or NULL with the host's error set.
    ///
    /// # Safety
    /// As [`Host::lookup`].
    unsafe fn subscript(&self, record: *mut c_void, key: *mut c_void) -> *mut c_void {
        // SAFETY: the caller's contract; the fallback is alive (the host keeps it).
        unsafe {
            match self.lookup(record, key) {
                Lookup::Item(item) => {
                    (self.incref)(item);
                    item
                }
                Lookup::Failed => ptr::null_mut(),
                Lookup::Fallback => {
                    let args = [record, key];
                    (self.call)(
                        self.fallback as *mut c_void,
                        args.as_ptr(),
                        2,
                        ptr::null_mut(),
                    )
                }
            }
        }
    }
}

/// Gives boltc what `boltc_pyhost_subscript` needs. Called once per process; a second call
/// with the same values succeeds and changes nothing.
///
/// Errors: `BOLTC_STATUS_NULL_ARGUMENT` for a NULL `host` or a NULL field,
/// `BOLTC_STATUS_INVALID_ARGUMENT` for a negative or misaligned offset or when an earlier call
/// gave different values.
///
/// Threads: any thread; the first successful call wins.
#[no_mangle]
pub extern "C" fn boltc_pyhost_init(
    host: *const boltc_pyhost,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or a valid boltc_pyhost for the call (header contract).
        let h = unsafe { host.as_ref() }.ok_or_else(|| Failure::null("host is NULL"))?;
        let new = Host::new(h)?;
        let mut fresh = Some(new);
        let set = HOST.get_or_init(|| fresh.take().expect("invariant: called at most once"));
        match fresh {
            Some(other) if other.fields() != set.fields() => Err(Failure::invalid(
                "boltc_pyhost_init was already called with a different host",
            )),
            _ => Ok(()),
        }
    })
}

/// `record[key]` for a Python tuple (subclass) `record`, with the signature of a `METH_O`
/// method: an exact `int` key in range (negative ones counting from the end), or an exact
/// `str` key that the record type's `index_name` dict maps to an exact `int` in range, returns
/// a new reference to that item; any other key returns `fallback(record, key)` (the host's result,
/// NULL with an exception set on error). Returns NULL, with no exception set, for a NULL
/// argument or when `boltc_pyhost_init` has not succeeded (install it only after it has).
///
/// Threads: called with the interpreter's lock held; boltc keeps no state of its own.
#[no_mangle]
pub extern "C" fn boltc_pyhost_subscript(record: *mut c_void, key: *mut c_void) -> *mut c_void {
    ffi_value!(ptr::null_mut(), {
        match HOST.get() {
            _ if record.is_null() || key.is_null() => ptr::null_mut(),
            // SAFETY: the host installed this function as the method of its tuple type, so
            // `record` is such a tuple and `key` an object (METH_O contract).
            Some(h) => unsafe { h.subscript(record, key) },
            None => ptr::null_mut(),
        }
    })
}

#[cfg(test)]
mod tests {
    //! A fake host: objects are C-layout structs with a reference count, a type pointer and a
    //! length, as CPython's headers. An "int" holds its value, a "str" an id, a "dict" pairs of
    //! str id and value; a record's type is a "class" holding its index dict.
    use super::*;
    use std::cell::Cell;

    #[repr(C)]
    struct Head {
        refs: isize,
        ty: *const c_void,
        size: isize,
    }

    #[repr(C)]
    struct Tuple<const N: usize> {
        head: Head,
        items: [*mut c_void; N],
    }

    /// An int (or, typed STR_TYPE, a string with this id); `big`: does not fit in a `long`.
    #[repr(C)]
    struct Int {
        head: Head,
        value: c_long,
        big: bool,
    }

    #[repr(C)]
    struct Dict {
        head: Head,
        entries: Vec<(c_long, *mut c_void)>,
    }

    /// A record type: `get_attr(class, INDEX_NAME)` gives `index` (NULL: fails).
    #[repr(C)]
    struct Class {
        head: Head,
        index: *mut Dict,
    }

    static INT_TYPE: u8 = 0;
    static STR_TYPE: u8 = 0;
    static DICT_TYPE: u8 = 0;
    static OTHER_TYPE: u8 = 0;
    static INDEX_NAME: u8 = 0;

    fn ty(t: &'static u8) -> *const c_void {
        (t as *const u8).cast()
    }

    fn head(t: &'static u8) -> Head {
        Head {
            refs: 1,
            ty: ty(t),
            size: 0,
        }
    }

    fn int(value: c_long) -> Int {
        Int {
            head: head(&INT_TYPE),
            value,
            big: false,
        }
    }

    fn string(id: c_long) -> Int {
        Int {
            head: head(&STR_TYPE),
            ..int(id)
        }
    }

    fn obj<T>(o: &mut T) -> *mut c_void {
        (o as *mut T).cast()
    }

    thread_local! {
        /// The last fallback call: (record, key).
        static FELL_BACK: Cell<Option<(usize, usize)>> = const { Cell::new(None) };
    }

    /// What the fake fallback returns.
    static FALLBACK_RESULT: u8 = 0;

    unsafe extern "C" fn as_long(o: *mut c_void, overflow: *mut c_int) -> c_long {
        // SAFETY: boltc checked the type first: an Int.
        unsafe {
            let i = &*o.cast::<Int>();
            assert_eq!(i.head.ty, ty(&INT_TYPE));
            if i.big {
                *overflow = 1;
                return -1;
            }
            i.value
        }
    }

    unsafe extern "C" fn incref(o: *mut c_void) {
        // SAFETY: a live test object (every object starts with a Head).
        unsafe { (*o.cast::<Head>()).refs += 1 };
    }

    unsafe extern "C" fn decref(o: *mut c_void) {
        // SAFETY: a live test object.
        unsafe {
            let h = &mut *o.cast::<Head>();
            assert!(h.refs > 1, "the last reference is the test's own");
            h.refs -= 1;
        }
    }

    unsafe extern "C" fn get_attr(o: *mut c_void, name: *mut c_void) -> *mut c_void {
        assert_eq!(name.cast_const(), ty(&INDEX_NAME));
        // SAFETY: boltc passes a record's type: a Class.
        unsafe {
            let c = &*o.cast::<Class>();
            if !c.index.is_null() {
                (*c.index).head.refs += 1;
            }
            c.index.cast()
        }
    }

    unsafe extern "C" fn dict_get(d: *mut c_void, key: *mut c_void) -> *mut c_void {
        // SAFETY: boltc checked the type: a Dict; the key is a str (an Int typed STR_TYPE).
        unsafe {
            let d = &*d.cast::<Dict>();
            assert_eq!(d.head.ty, ty(&DICT_TYPE));
            let k = &*key.cast::<Int>();
            assert_eq!(k.head.ty, ty(&STR_TYPE));
            let found = d.entries.iter().find(|(id, _)| *id == k.value);
            found.map_or(ptr::null_mut(), |(_, v)| *v)
        }
    }

    unsafe extern "C" fn call(
        f: *mut c_void,
        args: *const *mut c_void,
        n: usize,
        kw: *mut c_void,
    ) -> *mut c_void {
        assert_eq!(f as usize, 0xFA11);
        assert_eq!(n, 2);
        assert!(kw.is_null());
        // SAFETY: boltc passes two arguments.
        let (a, b) = unsafe { (*args, *args.add(1)) };
        FELL_BACK.set(Some((a as usize, b as usize)));
        ptr::addr_of!(FALLBACK_RESULT).cast_mut().cast()
    }

    fn raw_host() -> boltc_pyhost {
        boltc_pyhost {
            int_type: ty(&INT_TYPE).cast_mut(),
            type_offset: std::mem::offset_of!(Head, ty) as isize,
            size_offset: std::mem::offset_of!(Head, size) as isize,
            items_offset: std::mem::offset_of!(Tuple<3>, items) as isize,
            as_long: Some(as_long),
            incref: Some(incref),
            call: Some(call),
            fallback: 0xFA11 as *mut c_void,
            str_type: ty(&STR_TYPE).cast_mut(),
            dict_type: ty(&DICT_TYPE).cast_mut(),
            index_name: ty(&INDEX_NAME).cast_mut(),
            get_attr: Some(get_attr),
            dict_get: Some(dict_get),
            decref: Some(decref),
        }
    }

    fn host() -> Host {
        Host::new(&raw_host()).unwrap()
    }

    /// Three int values, and a class whose index maps names 1, 2, 3 to 0, 1, 2 and name 9 to
    /// `bad` (an int out of range, or with `bad.head.ty` changed, not an int).
    struct Fixture {
        a: Int,
        b: Int,
        c: Int,
        i0: Int,
        i1: Int,
        i2: Int,
        bad: Int,
        index: Dict,
        class: Class,
    }

    impl Fixture {
        fn new() -> Box<Fixture> {
            let mut f = Box::new(Fixture {
                a: int(10),
                b: int(20),
                c: int(30),
                i0: int(0),
                i1: int(1),
                i2: int(-1), // a negative index counts from the end, as in Python
                bad: int(3),
                index: Dict {
                    head: head(&DICT_TYPE),
                    entries: Vec::new(),
                },
                class: Class {
                    head: head(&OTHER_TYPE),
                    index: ptr::null_mut(),
                },
            });
            let entries = vec![
                (1, obj(&mut f.i0)),
                (2, obj(&mut f.i1)),
                (3, obj(&mut f.i2)),
                (9, obj(&mut f.bad)),
            ];
            f.index.entries = entries;
            f.class.index = &mut f.index;
            f
        }

        fn tuple(&mut self) -> Tuple<3> {
            Tuple {
                head: Head {
                    refs: 1,
                    ty: (&self.class as *const Class).cast(),
                    size: 3,
                },
                items: [obj(&mut self.a), obj(&mut self.b), obj(&mut self.c)],
            }
        }

        fn refs(&self) -> (isize, isize, isize) {
            (self.a.head.refs, self.b.head.refs, self.c.head.refs)
        }
    }

    /// `record[key]` through `subscript`: Ok(item) or Err(()) when it fell back.
    fn get(h: &Host, t: &mut Tuple<3>, key: *mut c_void) -> Result<*mut c_void, ()> {
        FELL_BACK.set(None);
        // SAFETY: a live test tuple and key.
        let r = unsafe { h.subscript(obj(t), key) };
        match FELL_BACK.take() {
            Some(args) => {
                assert_eq!(args, (obj(t) as usize, key as usize));
                assert_eq!(r, ptr::addr_of!(FALLBACK_RESULT).cast_mut().cast());
                Err(())
            }
            None => Ok(r),
        }
    }

    #[test]
    fn int_keys_in_range_read_the_slot_and_take_a_reference() {
        let h = host();
        let mut f = Fixture::new();
        let mut t = f.tuple();
        for (i, want) in [(0, 0), (1, 1), (2, 2), (-1, 2), (-3, 0)] {
            let mut k = int(i);
            assert_eq!(get(&h, &mut t, obj(&mut k)), Ok(t.items[want]), "key {i}");
        }
        assert_eq!(f.refs(), (3, 2, 3));
    }

    #[test]
    fn str_keys_naming_a_column_read_the_slot() {
        let h = host();
        let mut f = Fixture::new();
        let mut t = f.tuple();
        for (id, want) in [(1, 0), (2, 1), (3, 2), (2, 1)] {
            let mut k = string(id);
            assert_eq!(get(&h, &mut t, obj(&mut k)), Ok(t.items[want]), "name {id}");
        }
        assert_eq!(f.refs(), (2, 3, 2));
        // The index dict's reference from get_attr was dropped each time.
        assert_eq!(f.index.head.refs, 1);
    }

    #[test]
    fn other_keys_go_to_the_fallback_untouched() {
        let h = host();
        let mut f = Fixture::new();
        let mut t = f.tuple();
        for i in [3, -4, c_long::MAX, c_long::MIN] {
            let mut k = int(i);
            assert_eq!(get(&h, &mut t, obj(&mut k)), Err(()), "key {i}");
        }
        let mut big = int(-1);
        big.big = true;
        assert_eq!(get(&h, &mut t, obj(&mut big)), Err(()));
        // Another type (a bool, a float), even holding a valid index.
        let mut other = int(0);
        other.head.ty = ty(&OTHER_TYPE);
        assert_eq!(get(&h, &mut t, obj(&mut other)), Err(()));
        // A missing name; a name mapped to an index out of range, then to a non-int.
        for id in [4, 9] {
            let mut k = string(id);
            assert_eq!(get(&h, &mut t, obj(&mut k)), Err(()), "name {id}");
        }
        f.bad.head.ty = ty(&OTHER_TYPE);
        let mut k = string(9);
        assert_eq!(get(&h, &mut t, obj(&mut k)), Err(()));
        assert_eq!((f.refs(), f.index.head.refs), ((1, 1, 1), 1));
    }

    #[test]
    fn a_type_without_a_dict_index() {
        let h = host();
        let mut f = Fixture::new();
        let mut t = f.tuple();
        let mut k = string(1);
        // Not a dict: the fallback answers (and the reference is dropped).
        f.index.head.ty = ty(&OTHER_TYPE);
        assert_eq!(get(&h, &mut t, obj(&mut k)), Err(()));
        assert_eq!(f.index.head.refs, 1);
        // get_attr fails: NULL, its error stands, no fallback.
        f.class.index = ptr::null_mut();
        assert_eq!(get(&h, &mut t, obj(&mut k)), Ok(ptr::null_mut()));
    }

    #[test]
    fn an_empty_tuple_falls_back() {
        let h = host();
        let mut t: Tuple<0> = Tuple {
            head: head(&OTHER_TYPE),
            items: [],
        };
        let mut k = int(0);
        FELL_BACK.set(None);
        // SAFETY: a live test tuple and key.
        unsafe { h.subscript(obj(&mut t), obj(&mut k)) };
        assert!(FELL_BACK.take().is_some());
    }

    #[test]
    fn the_host_is_checked() {
        let mut r = raw_host();
        r.call = None;
        assert_eq!(
            Host::new(&r).err().unwrap().status,
            boltc_status::NullArgument
        );
        let mut r = raw_host();
        r.index_name = ptr::null_mut();
        assert_eq!(
            Host::new(&r).err().unwrap().status,
            boltc_status::NullArgument
        );
        for bad in [-8, 3] {
            let mut r = raw_host();
            r.items_offset = bad;
            assert_eq!(
                Host::new(&r).err().unwrap().status,
                boltc_status::InvalidArgument
            );
        }
        assert_eq!(
            boltc_pyhost_init(ptr::null(), ptr::null_mut()),
            boltc_status::NullArgument
        );
    }

    /// The only test that sets the process-wide host.
    #[test]
    fn init_once_then_subscript() {
        let raw = raw_host();
        let mut f = Fixture::new();
        let mut t = f.tuple();
        let mut k = int(1);
        assert_eq!(boltc_pyhost_init(&raw, ptr::null_mut()), boltc_status::Ok);
        assert_eq!(boltc_pyhost_init(&raw, ptr::null_mut()), boltc_status::Ok);
        let mut other = raw_host();
        other.fallback = 0xFA12 as *mut c_void;
        let mut err = ptr::null_mut();
        assert_eq!(
            boltc_pyhost_init(&other, &mut err),
            boltc_status::InvalidArgument
        );
        super::super::error::boltc_error_free(err);
        assert!(boltc_pyhost_subscript(ptr::null_mut(), obj(&mut k)).is_null());
        assert!(boltc_pyhost_subscript(obj(&mut t), ptr::null_mut()).is_null());
        assert_eq!(boltc_pyhost_subscript(obj(&mut t), obj(&mut k)), t.items[1]);
        assert_eq!(f.b.head.refs, 2);
        let mut s = string(4);
        FELL_BACK.set(None);
        boltc_pyhost_subscript(obj(&mut t), obj(&mut s));
        assert_eq!(
            FELL_BACK.take(),
            Some((obj(&mut t) as usize, obj(&mut s) as usize))
        );
    }
}
