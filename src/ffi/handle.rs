//! Raw-pointer helpers: the only place where handles, out-params, strings and slices cross
//! between C pointers and Rust references.
//!
//! Each handle type is marked as a [`BoxHandle`] (created with `Box::into_raw`, one owner) or an
//! [`ArcHandle`] (created with `Arc::into_raw`, each pointer the C side holds is one strong
//! count). The helpers are generic over the marker, so the compiler checks that a Box handle is
//! never released as an Arc and the reverse. Borrowed views into values (`boltc_value`,
//! `boltc_map`, `boltc_node`, ...) are opaque C types that point at Rust data; [`Opaque`] ties
//! each of them to its Rust type.

use super::status::{Failure, FfiResult};
use std::ffi::{c_char, CStr};
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::sync::Arc;

/// A handle type with a magic number that catches pointers of the wrong type (best effort).
pub(crate) trait Handle {
    /// The handle's C name, for error messages.
    const NAME: &'static str;
    /// The magic number stored in every live handle of this type.
    const MAGIC: u32;
    /// The magic number of this handle.
    fn magic(&self) -> u32;
    /// Marks the value as no longer a live handle (a callback's sink once the callback
    /// returned: a pointer kept past it is then refused, as far as the memory still says so).
    fn clear_magic(&mut self);
}

/// A handle made with `Box::into_raw` and released with `Box::from_raw`.
pub(crate) trait BoxHandle: Handle {}

/// A handle made with `Arc::into_raw`; each C pointer owns one strong count.
pub(crate) trait ArcHandle: Handle {}

/// An opaque C type standing for a borrowed (or boxed) Rust value of type `Target`.
pub(crate) trait Opaque {
    /// The Rust type behind the pointer.
    type Target;
}

fn null(what: &str) -> Failure {
    Failure::null(format!("{what} is NULL"))
}

fn check_magic<T: Handle>(h: &T) -> FfiResult<()> {
    if h.magic() == T::MAGIC {
        Ok(())
    } else {
        Err(Failure::invalid(format!(
            "the pointer is not a live {}",
            T::NAME
        )))
    }
}

/// Moves `v` to the heap and returns the pointer the C side owns.
pub(crate) fn box_into_raw<T: BoxHandle>(v: T) -> *mut T {
    Box::into_raw(Box::new(v))
}

/// Borrows a Box handle.
///
/// # Safety
/// `p` is NULL or a pointer from [`box_into_raw`] that has not been freed, and no `&mut` to it
/// is alive.
pub(crate) unsafe fn box_ref<'a, T: BoxHandle>(p: *const T) -> FfiResult<&'a T> {
    // SAFETY: the caller guarantees p is NULL or a live, unaliased-for-writing handle.
    let r = unsafe { p.as_ref() }.ok_or_else(|| null(T::NAME))?;
    check_magic(r)?;
    Ok(r)
}

/// Borrows a Box handle mutably.
///
/// # Safety
/// `p` is NULL or a pointer from [`box_into_raw`] that has not been freed, and no other
/// reference to it is alive (the C side uses it from one thread at a time).
pub(crate) unsafe fn box_mut<'a, T: BoxHandle>(p: *mut T) -> FfiResult<&'a mut T> {
    // SAFETY: the caller guarantees p is NULL or a live handle used by this thread only.
    let r = unsafe { p.as_mut() }.ok_or_else(|| null(T::NAME))?;
    check_magic(r)?;
    Ok(r)
}

/// Takes a Box handle back and drops it; NULL is ignored.
///
/// # Safety
/// `p` is NULL or a pointer from [`box_into_raw`] that has not been freed; it is invalid
/// afterwards.
pub(crate) unsafe fn box_free<T: BoxHandle>(p: *mut T) {
    // The magic number is checked before a Box is made of the pointer: a pointer of another
    // type is left alone (leaked) rather than taken as a `Box<T>`.
    // SAFETY: forwarded contract: NULL or a live handle freed only once.
    drop(unsafe { box_take(p) });
}

/// Takes a Box handle back from the C side (NULL or a pointer of another type: `None`; the
/// latter is leaked rather than freed).
///
/// # Safety
/// As [`box_free`].
pub(crate) unsafe fn box_take<T: BoxHandle>(p: *mut T) -> Option<Box<T>> {
    // SAFETY: forwarded contract: NULL or a live handle.
    unsafe { box_ref(p) }.ok()?;
    // SAFETY: the caller guarantees p came from Box::into_raw and is taken only once.
    Some(unsafe { Box::from_raw(p) })
}

/// Hands one strong count of `v` to the C side.
pub(crate) fn arc_into_raw<T: ArcHandle>(v: Arc<T>) -> *mut T {
    Arc::into_raw(v).cast_mut()
}

/// Borrows an Arc handle.
///
/// # Safety
/// `p` is NULL or a pointer from [`arc_into_raw`] whose count has not been released.
pub(crate) unsafe fn arc_ref<'a, T: ArcHandle>(p: *const T) -> FfiResult<&'a T> {
    // SAFETY: the caller guarantees p is NULL or points into a live Arc.
    let r = unsafe { p.as_ref() }.ok_or_else(|| null(T::NAME))?;
    check_magic(r)?;
    Ok(r)
}

/// Releases the C side's strong count; NULL is ignored.
///
/// # Safety
/// `p` is NULL or a pointer from [`arc_into_raw`] whose count is released only once.
pub(crate) unsafe fn arc_free<T: ArcHandle>(p: *const T) {
    if p.is_null() {
        return;
    }
    // SAFETY: the caller guarantees p is a live handle; checked before releasing.
    if unsafe { arc_ref(p) }.is_err() {
        return;
    }
    // SAFETY: p came from Arc::into_raw and this releases exactly the count it carried.
    drop(unsafe { Arc::from_raw(p) });
}

/// A view pointer for borrowed Rust data (never freed through it).
pub(crate) fn view<O: Opaque>(v: &O::Target) -> *const O {
    std::ptr::from_ref(v).cast()
}

/// Borrows the Rust data behind a view pointer.
///
/// # Safety
/// `p` is NULL or a pointer from [`view`] or [`opaque_box`] whose owner is still alive.
pub(crate) unsafe fn view_ref<'a, O: Opaque>(p: *const O, what: &str) -> FfiResult<&'a O::Target> {
    // SAFETY: the caller guarantees p points at a live O::Target (view pointers are casts of
    // references to it).
    unsafe { p.cast::<O::Target>().as_ref() }.ok_or_else(|| null(what))
}

/// Borrows mutably the Rust data behind an owned opaque pointer.
///
/// # Safety
/// `p` is NULL or a pointer from [`opaque_box`] that has not been freed, used by one thread.
pub(crate) unsafe fn view_mut<'a, O: Opaque>(
    p: *mut O,
    what: &str,
) -> FfiResult<&'a mut O::Target> {
    // SAFETY: the caller guarantees p is an owned, live box of O::Target.
    unsafe { p.cast::<O::Target>().as_mut() }.ok_or_else(|| null(what))
}

/// Boxes a Rust value behind an opaque pointer the C side owns.
pub(crate) fn opaque_box<O: Opaque>(v: O::Target) -> *mut O {
    Box::into_raw(Box::new(v)).cast()
}

/// Frees a pointer from [`opaque_box`]; NULL is ignored.
///
/// # Safety
/// `p` is NULL or a pointer from [`opaque_box`] freed only once (never a view pointer).
pub(crate) unsafe fn opaque_free<O: Opaque>(p: *mut O) {
    if !p.is_null() {
        // SAFETY: the caller guarantees p came from opaque_box::<O>.
        drop(unsafe { Box::from_raw(p.cast::<O::Target>()) });
    }
}

/// An out-parameter checked for NULL before any work is done, written only on success.
pub(crate) struct Out<T> {
    ptr: NonNull<T>,
    _t: PhantomData<T>,
}

impl<T> Out<T> {
    /// Checks an out-parameter.
    pub(crate) fn new(p: *mut T, what: &str) -> FfiResult<Out<T>> {
        NonNull::new(p)
            .map(|ptr| Out {
                ptr,
                _t: PhantomData,
            })
            .ok_or_else(|| null(what))
    }

    /// Writes the value (the previous content is not dropped: it is plain C data).
    pub(crate) fn write(self, v: T) {
        // SAFETY: the pointer is non-NULL and the C caller guarantees it is writable memory
        // for one T (an out-parameter); C data has no destructor to skip.
        unsafe { self.ptr.as_ptr().write(v) }
    }
}

/// A UTF-8 string given as pointer and length (NULL is allowed when `len == 0`).
///
/// # Safety
/// `p` points at `len` readable bytes that outlive `'a`.
pub(crate) unsafe fn str_arg<'a>(p: *const c_char, len: usize, what: &str) -> FfiResult<&'a str> {
    // SAFETY: forwarded to bytes_arg with the same contract.
    let b = unsafe { bytes_arg(p.cast(), len, what) }?;
    std::str::from_utf8(b).map_err(|e| Failure::invalid(format!("{what} is not UTF-8: {e}")))
}

/// A NUL-terminated UTF-8 string.
///
/// # Safety
/// `p` is NULL or points at a NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn cstr_arg<'a>(p: *const c_char, what: &str) -> FfiResult<&'a str> {
    if p.is_null() {
        return Err(null(what));
    }
    // SAFETY: p is non-NULL and the caller guarantees NUL termination and lifetime.
    let c = unsafe { CStr::from_ptr(p) };
    c.to_str()
        .map_err(|e| Failure::invalid(format!("{what} is not UTF-8: {e}")))
}

/// As [`cstr_arg`], with NULL meaning `None`.
///
/// # Safety
/// As [`cstr_arg`].
pub(crate) unsafe fn opt_cstr_arg<'a>(p: *const c_char, what: &str) -> FfiResult<Option<&'a str>> {
    if p.is_null() {
        Ok(None)
    } else {
        // SAFETY: forwarded with the same contract.
        unsafe { cstr_arg(p, what) }.map(Some)
    }
}

/// Bytes given as pointer and length (NULL is allowed when `len == 0`).
///
/// # Safety
/// `p` points at `len` readable bytes that outlive `'a`.
pub(crate) unsafe fn bytes_arg<'a>(p: *const u8, len: usize, what: &str) -> FfiResult<&'a [u8]> {
    if len == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(null(what));
    }
    if isize::try_from(len).is_err() {
        return Err(Failure::invalid(format!("{what}: length too large")));
    }
    // SAFETY: non-NULL, len fits isize, and the caller guarantees len readable bytes.
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// Typed slice arguments (vectors of numbers).
///
/// # Safety
/// `p` points at `len` readable, initialised `T`s that outlive `'a`.
pub(crate) unsafe fn slice_arg<'a, T>(p: *const T, len: usize, what: &str) -> FfiResult<&'a [T]> {
    if len == 0 {
        return Ok(&[]);
    }
    if p.is_null() || !p.is_aligned() {
        return Err(null(what));
    }
    if len
        .checked_mul(std::mem::size_of::<T>())
        .and_then(|n| isize::try_from(n).ok())
        .is_none()
    {
        return Err(Failure::invalid(format!("{what}: length too large")));
    }
    // SAFETY: non-NULL, aligned, size fits isize, and the caller guarantees len readable Ts.
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// Writes a borrowed slice to a pointer + length out-param pair; both are checked for NULL
/// before either is written. The pointer stays valid as long as the slice's owner.
pub(crate) fn write_slice<T>(
    s: &[T],
    ptr_out: *mut *const T,
    len_out: *mut usize,
    what: &str,
) -> FfiResult<()> {
    let p = Out::new(ptr_out, what)?;
    let l = Out::new(len_out, "length out-param")?;
    p.write(s.as_ptr());
    l.write(s.len());
    Ok(())
}

/// Writes a borrowed string (UTF-8, not NUL-terminated) to a pointer + length out-param pair.
pub(crate) fn write_str(
    s: &str,
    ptr_out: *mut *const c_char,
    len_out: *mut usize,
) -> FfiResult<()> {
    write_slice(s.as_bytes(), ptr_out.cast(), len_out, "string out-param")
}

/// As [`write_str`], with `None` written as NULL and length 0.
pub(crate) fn write_opt_str(
    s: Option<&str>,
    ptr_out: *mut *const c_char,
    len_out: *mut usize,
) -> FfiResult<()> {
    match s {
        Some(s) => write_str(s, ptr_out, len_out),
        None => {
            let p = Out::new(ptr_out, "string out-param")?;
            let l = Out::new(len_out, "length out-param")?;
            p.write(std::ptr::null());
            l.write(0);
            Ok(())
        }
    }
}

/// Declares a handle type (see [`Handle`]): `declare_handle!(Box, boltc_x, MAGIC)` or
/// `declare_handle!(Arc, boltc_x, MAGIC)`. The type has a `magic: u32` field; its C name is
/// the type name.
macro_rules! declare_handle {
    (Box, $t:ident, $magic:expr) => {
        $crate::ffi::handle::declare_handle!(@handle $t, $magic);
        impl $crate::ffi::handle::BoxHandle for $t {}
    };
    (Arc, $t:ident, $magic:expr) => {
        $crate::ffi::handle::declare_handle!(@handle $t, $magic);
        impl $crate::ffi::handle::ArcHandle for $t {}
    };
    (@handle $t:ident, $magic:expr) => {
        impl $crate::ffi::handle::Handle for $t {
            const NAME: &'static str = stringify!($t);
            const MAGIC: u32 = $magic;
            fn magic(&self) -> u32 {
                self.magic
            }
            fn clear_magic(&mut self) {
                self.magic = 0;
            }
        }
    };
}

pub(crate) use declare_handle;
