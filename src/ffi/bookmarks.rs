//! `boltc_bookmark_manager`: bookmarks shared between sessions for causal consistency, either
//! the library's default manager or one the host implements with two callbacks.

use super::error::boltc_error;
use super::error::ffi_status;
use super::guard::ffi_value;
use super::handle::{
    box_free, box_into_raw, box_mut, box_ref, cstr_arg, declare_handle, slice_arg, Handle, Out,
};
use super::session_config::boltc_session_config;
use super::status::{boltc_status, Failure};
use crate::driver::{BookmarkManager, DefaultBookmarkManager};
use std::ffi::{c_char, c_void, CString};
use std::sync::Arc;

/// A bookmark manager: sessions configured with it
/// (`boltc_session_config_set_bookmark_manager`) start each transaction from its bookmarks and
/// report the bookmark of each commit to it, so they see each other's writes.
///
/// Ownership: made by `boltc_bookmark_manager_new` or `boltc_bookmark_manager_new_callbacks`,
/// freed with `boltc_bookmark_manager_free` (at any time: session configs and sessions keep
/// their own reference). Threads: may be shared between threads.
pub struct boltc_bookmark_manager {
    magic: u32,
    pub(crate) manager: Arc<dyn BookmarkManager>,
}

declare_handle!(Box, boltc_bookmark_manager, 0xB017_0B0A);

/// The list a `boltc_bookmarks_get_callback` fills with `boltc_bookmark_list_add`. It exists
/// only during the callback.
pub struct boltc_bookmark_list {
    magic: u32,
    bookmarks: Vec<String>,
}

declare_handle!(Box, boltc_bookmark_list, 0xB017_0B0B);

/// Asked for the bookmarks a transaction should start from: the callback adds each one to
/// `list` with `boltc_bookmark_list_add` (`list` is valid only during the call).
pub type boltc_bookmarks_get_callback =
    Option<unsafe extern "C" fn(user_data: *mut c_void, list: *mut boltc_bookmark_list)>;

/// Told that a transaction which started from the `previous_len` bookmarks `previous`
/// committed and produced the `new_len` bookmarks `new_bookmarks` (NUL-terminated strings
/// valid only during the call).
pub type boltc_bookmarks_update_callback = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        previous: *const *const c_char,
        previous_len: usize,
        new_bookmarks: *const *const c_char,
        new_len: usize,
    ),
>;

/// Called once when the manager is dropped (the last session and handle using it are gone),
/// so the host can release `user_data`.
pub type boltc_bookmarks_release_callback = Option<unsafe extern "C" fn(user_data: *mut c_void)>;

struct CallbackManager {
    get: unsafe extern "C" fn(*mut c_void, *mut boltc_bookmark_list),
    update:
        unsafe extern "C" fn(*mut c_void, *const *const c_char, usize, *const *const c_char, usize),
    release: boltc_bookmarks_release_callback,
    user_data: *mut c_void,
}

// SAFETY: the header requires the callbacks and user_data to be usable from any thread.
unsafe impl Send for CallbackManager {}
// SAFETY: as above; the callbacks must be thread-safe (header contract).
unsafe impl Sync for CallbackManager {}

/// NUL-terminated copies of `list` (a string with a NUL is cut at the NUL) and their pointers.
fn c_strings(list: &[String]) -> (Vec<CString>, Vec<*const c_char>) {
    let owned: Vec<CString> = list
        .iter()
        .map(|s| {
            let cut = s.split('\0').next().unwrap_or_default();
            CString::new(cut).expect("invariant: cut at the first NUL")
        })
        .collect();
    let ptrs = owned.iter().map(|c| c.as_ptr()).collect();
    (owned, ptrs)
}

impl BookmarkManager for CallbackManager {
    fn get_bookmarks(&self) -> Vec<String> {
        let mut list = boltc_bookmark_list {
            magic: boltc_bookmark_list::MAGIC,
            bookmarks: Vec::new(),
        };
        // SAFETY: the registered callback has this signature and accepts its user_data from
        // any thread (header contract); `list` outlives the call.
        unsafe { (self.get)(self.user_data, &mut list) };
        list.bookmarks
    }

    fn update_bookmarks(&self, previous: &[String], new: &[String]) {
        let (_p, prev) = c_strings(previous);
        let (_n, next) = c_strings(new);
        // SAFETY: as in get_bookmarks; the arrays and strings outlive the call.
        unsafe {
            (self.update)(
                self.user_data,
                prev.as_ptr(),
                prev.len(),
                next.as_ptr(),
                next.len(),
            )
        };
    }
}

impl Drop for CallbackManager {
    fn drop(&mut self) {
        if let Some(release) = self.release {
            // SAFETY: called once, with the user_data it was registered with (header contract).
            unsafe { release(self.user_data) };
        }
    }
}

fn write_manager(
    manager: Arc<dyn BookmarkManager>,
    out: Out<*mut boltc_bookmark_manager>,
) -> Result<(), Failure> {
    out.write(box_into_raw(boltc_bookmark_manager {
        magic: boltc_bookmark_manager::MAGIC,
        manager,
    }));
    Ok(())
}

/// Creates the library's bookmark manager, starting from the `len` NUL-terminated bookmarks
/// `initial` (copied; NULL when `len` is 0). Each commit replaces the bookmarks its
/// transaction started from by the new one. On success `*manager_out` receives a manager
/// freed with `boltc_bookmark_manager_free`.
#[no_mangle]
pub extern "C" fn boltc_bookmark_manager_new(
    initial: *const *const c_char,
    len: usize,
    manager_out: *mut *mut boltc_bookmark_manager,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let out = Out::new(manager_out, "manager_out")?;
        // SAFETY: initial points at len pointers (header contract).
        let ptrs = unsafe { slice_arg(initial, len, "initial") }?;
        let mut bookmarks = Vec::with_capacity(len);
        for &p in ptrs {
            // SAFETY: each entry is NUL-terminated (header contract).
            bookmarks.push(unsafe { cstr_arg(p, "initial[i]") }?.to_owned());
        }
        write_manager(Arc::new(DefaultBookmarkManager::new(bookmarks)), out)
    })
}

/// Creates a bookmark manager the host implements: `get` is called before each transaction
/// (and routing request) of a session using it, `update` after each commit, `release` (may
/// be NULL) once when the manager is gone. The callbacks run on the thread using the
/// session, possibly on several threads at once: they must be thread-safe and must not call
/// back into the session. `get` and `update` must not be NULL. On success `*manager_out`
/// receives a manager freed with `boltc_bookmark_manager_free`.
#[no_mangle]
pub extern "C" fn boltc_bookmark_manager_new_callbacks(
    get: boltc_bookmarks_get_callback,
    update: boltc_bookmarks_update_callback,
    release: boltc_bookmarks_release_callback,
    user_data: *mut c_void,
    manager_out: *mut *mut boltc_bookmark_manager,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let out = Out::new(manager_out, "manager_out")?;
        let get = get.ok_or_else(|| Failure::null("get is NULL"))?;
        let update = update.ok_or_else(|| Failure::null("update is NULL"))?;
        let m = CallbackManager {
            get,
            update,
            release,
            user_data,
        };
        write_manager(Arc::new(m), out)
    })
}

/// Adds a bookmark (NUL-terminated, copied) to the list a `boltc_bookmarks_get_callback`
/// fills. Only valid during that callback.
#[no_mangle]
pub extern "C" fn boltc_bookmark_list_add(
    list: *mut boltc_bookmark_list,
    bookmark: *const c_char,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or the live list of the running callback; bookmark NUL-terminated
        // (header contract).
        let (l, b) = unsafe { (box_mut(list)?, cstr_arg(bookmark, "bookmark")?) };
        l.bookmarks.push(b.to_owned());
        Ok(())
    })
}

/// Frees a bookmark manager handle; sessions using it keep it alive. NULL is ignored.
#[no_mangle]
pub extern "C" fn boltc_bookmark_manager_free(manager: *mut boltc_bookmark_manager) {
    ffi_value!((), {
        // SAFETY: NULL or an owned boltc_bookmark_manager freed once (header contract).
        unsafe { box_free(manager) }
    })
}

/// Makes sessions opened with this config share `manager`'s bookmarks (NULL: no manager).
/// The config keeps its own reference.
#[no_mangle]
pub extern "C" fn boltc_session_config_set_bookmark_manager(
    config: *mut boltc_session_config,
    manager: *const boltc_bookmark_manager,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or a live boltc_session_config used by this thread (header contract).
        let c = unsafe { box_mut(config) }?;
        c.config.bookmark_manager = if manager.is_null() {
            None
        } else {
            // SAFETY: a live boltc_bookmark_manager (header contract).
            Some(unsafe { box_ref(manager) }?.manager.clone())
        };
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::config::{
        boltc_config_free, boltc_config_new, boltc_config_set_notifications_disabled_categories,
        boltc_config_set_notifications_min_severity,
    };
    use crate::ffi::session_config::{
        boltc_session_config_free, boltc_session_config_new,
        boltc_session_config_set_notifications_min_severity,
    };
    use std::ffi::CStr;
    use std::ptr::{null, null_mut};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    /// What the test callbacks saw: the update calls and whether the release ran.
    #[derive(Default)]
    struct Seen {
        updates: Mutex<Vec<(Vec<String>, Vec<String>)>>,
        released: AtomicUsize,
    }

    unsafe extern "C" fn get(_: *mut c_void, list: *mut boltc_bookmark_list) {
        assert_eq!(
            boltc_bookmark_list_add(list, c"bm:7".as_ptr(), null_mut()),
            boltc_status::Ok
        );
    }

    unsafe fn strings(p: *const *const c_char, n: usize) -> Vec<String> {
        (0..n)
            .map(|i| {
                // SAFETY: the library passes n valid NUL-terminated strings.
                unsafe { CStr::from_ptr(*p.add(i)) }
                    .to_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    }

    unsafe extern "C" fn update(
        user: *mut c_void,
        prev: *const *const c_char,
        prev_len: usize,
        new: *const *const c_char,
        new_len: usize,
    ) {
        // SAFETY: user is the &Seen registered below, alive for the test.
        let seen = unsafe { &*(user as *const Seen) };
        // SAFETY: as documented for the callback.
        let entry = unsafe { (strings(prev, prev_len), strings(new, new_len)) };
        seen.updates.lock().unwrap().push(entry);
    }

    unsafe extern "C" fn release(user: *mut c_void) {
        // SAFETY: as in update.
        unsafe { &*(user as *const Seen) }
            .released
            .fetch_add(1, Ordering::SeqCst);
    }

    #[test]
    fn callback_manager_calls_back_and_releases_once() {
        let seen = Seen::default();
        let mut m = null_mut();
        let user = &seen as *const Seen as *mut c_void;
        assert_eq!(
            boltc_bookmark_manager_new_callbacks(
                Some(get),
                Some(update),
                Some(release),
                user,
                &mut m,
                null_mut()
            ),
            boltc_status::Ok
        );
        let mut sc = null_mut();
        assert_eq!(
            boltc_session_config_new(&mut sc, null_mut()),
            boltc_status::Ok
        );
        assert_eq!(
            boltc_session_config_set_bookmark_manager(sc, m, null_mut()),
            boltc_status::Ok
        );
        // SAFETY: m is live.
        let manager = unsafe { box_ref(m) }.unwrap().manager.clone();
        boltc_bookmark_manager_free(m);
        assert_eq!(manager.get_bookmarks(), ["bm:7"]);
        manager.update_bookmarks(&["bm:7".into()], &["bm:8".into(), "a\0b".into()]);
        assert_eq!(
            *seen.updates.lock().unwrap(),
            [(
                vec!["bm:7".to_owned()],
                vec!["bm:8".to_owned(), "a".to_owned()]
            )]
        );
        drop(manager);
        assert_eq!(
            seen.released.load(Ordering::SeqCst),
            0,
            "the config holds it"
        );
        boltc_session_config_free(sc);
        assert_eq!(seen.released.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn default_manager_and_bad_arguments() {
        let initial = [c"bm:1".as_ptr(), c"bm:2".as_ptr()];
        let mut m = null_mut();
        assert_eq!(
            boltc_bookmark_manager_new(initial.as_ptr(), 2, &mut m, null_mut()),
            boltc_status::Ok
        );
        // SAFETY: m is live.
        let manager = unsafe { box_ref(m) }.unwrap().manager.clone();
        manager.update_bookmarks(&["bm:1".into()], &["bm:3".into()]);
        assert_eq!(manager.get_bookmarks(), ["bm:2", "bm:3"]);
        boltc_bookmark_manager_free(m);

        let mut out = null_mut();
        assert_eq!(
            boltc_bookmark_manager_new_callbacks(
                None,
                Some(update),
                None,
                null_mut(),
                &mut out,
                null_mut()
            ),
            boltc_status::NullArgument
        );
        assert!(out.is_null());
        assert_eq!(
            boltc_bookmark_list_add(null_mut(), c"x".as_ptr(), null_mut()),
            boltc_status::NullArgument
        );
        assert_eq!(
            boltc_session_config_set_bookmark_manager(null_mut(), null(), null_mut()),
            boltc_status::NullArgument
        );
    }

    #[test]
    fn notification_filter_arguments() {
        let mut cfg = null_mut();
        assert_eq!(
            boltc_config_new(c"bolt://127.0.0.1:1".as_ptr(), &mut cfg, null_mut()),
            boltc_status::Ok
        );
        let set =
            |s: &CStr| boltc_config_set_notifications_min_severity(cfg, s.as_ptr(), null_mut());
        assert_eq!(set(c"warning"), boltc_status::Ok);
        assert_eq!(set(c"LOUD"), boltc_status::InvalidArgument);
        let cats = [c"hint".as_ptr()];
        assert_eq!(
            boltc_config_set_notifications_disabled_categories(cfg, cats.as_ptr(), 1, null_mut()),
            boltc_status::Ok
        );
        assert_eq!(
            boltc_config_set_notifications_disabled_categories(cfg, null(), 1, null_mut()),
            boltc_status::NullArgument
        );
        // SAFETY: cfg is live.
        let built = unsafe { box_mut(cfg) }.unwrap().build().unwrap();
        assert_eq!(
            built.notifications,
            crate::NotificationFilter {
                minimum_severity: Some("WARNING".into()),
                disabled_categories: Some(vec!["HINT".into()]),
            }
        );
        boltc_config_free(cfg);
        let mut sc = null_mut();
        assert_eq!(
            boltc_session_config_new(&mut sc, null_mut()),
            boltc_status::Ok
        );
        assert_eq!(
            boltc_session_config_set_notifications_min_severity(sc, c"Off".as_ptr(), null_mut()),
            boltc_status::Ok
        );
        boltc_session_config_free(sc);
    }
}
