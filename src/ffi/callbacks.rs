//! Callbacks the C program gives the driver: auth managers (credentials that change while the
//! driver runs) and an address resolver (the routers and servers of a `neo4j://` driver).
//!
//! Every callback may run on any driver thread, including the `boltc-routing` thread, and
//! several at once; the glue here never lets a panic out (a panic in it becomes an error of the
//! acquisition that called, or an empty resolver answer), and the C callbacks must not unwind.

use super::auth::boltc_auth;
use super::config::boltc_config;
use super::error::ffi_status;
use super::error::{boltc_error, finish, take_error};
use super::guard::ffi_value;
use super::handle::{box_into_raw, box_mut, box_ref, box_take, cstr_arg, declare_handle, Handle};
use super::status::{boltc_status, boltc_status_raw, Failure};
use crate::auth::{AuthManager, AuthManagers, ExpiringAuth};
use crate::bolt::AuthToken;
use crate::error::{Error, ErrorKind, Result};
use crate::net::Address;
use std::ffi::{c_char, c_void, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Duration;

/// Frees the `user_data` of a callback once boltc no longer needs it (NULL: nothing to free).
pub type boltc_free_callback = Option<unsafe extern "C" fn(user_data: *mut c_void)>;

/// An auth manager's `get_auth`: the credentials to use now. On success it returns
/// `BOLTC_STATUS_OK` and stores in `*auth_out` a new token (from `boltc_auth_basic`, ...,
/// or `boltc_auth_clone`) that boltc takes over and frees. On failure it returns another status
/// and may store in `*error_out` an error (from `boltc_error_new`, or one a boltc call gave;
/// boltc takes it over): the connection acquisition that asked fails with that status and
/// message. `BOLTC_STATUS_OK` without a token fails the acquisition with
/// `BOLTC_STATUS_AUTHENTICATION`.
pub type boltc_auth_manager_get_auth = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        auth_out: *mut *mut boltc_auth,
        error_out: *mut *mut boltc_error,
    ) -> boltc_status_raw,
>;

/// An auth manager's `handle_security_error`: the server rejected `auth` with `error` (a
/// security error: `boltc_error_server_code` gives e.g. `Neo.ClientError.Security.Unauthorized`
/// or `...TokenExpired`). Both are borrowed for the call only (compare `auth` with
/// `boltc_auth_equal`). Return true when the manager dealt with it (e.g. `get_auth` will answer
/// fresh credentials): the error is then retryable, so transaction functions retry it.
pub type boltc_auth_manager_handle_security_error = Option<
    unsafe extern "C" fn(
        auth: *const boltc_auth,
        error: *const boltc_error,
        user_data: *mut c_void,
    ) -> bool,
>;

/// The provider of `boltc_config_set_basic_auth_manager` / `_bearer_auth_manager`: as
/// `boltc_auth_manager_get_auth`, and it may store in `*expires_in_ms_out` (preset to -1: no
/// expiry) after how many milliseconds the token expires, when boltc asks the provider again.
pub type boltc_auth_provider = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        auth_out: *mut *mut boltc_auth,
        expires_in_ms_out: *mut i64,
        error_out: *mut *mut boltc_error,
    ) -> boltc_status_raw,
>;

/// The list a resolver callback fills with `boltc_resolver_add` (opaque; valid only during the
/// callback, owned by boltc).
pub struct boltc_resolver_sink {
    magic: u32,
    addresses: Vec<Address>,
}

declare_handle!(Box, boltc_resolver_sink, 0xB017_0AD5);

/// A resolver: turns `host` (NUL-terminated, borrowed for the call) and `port` into the
/// addresses to try for it, in order, each added with
/// `boltc_resolver_add(sink, ...)`. Adding none means the address cannot be reached (the
/// query fails with `BOLTC_STATUS_SERVICE_UNAVAILABLE`).
pub type boltc_resolver_callback = Option<
    unsafe extern "C" fn(
        host: *const c_char,
        port: u16,
        sink: *mut boltc_resolver_sink,
        user_data: *mut c_void,
    ),
>;

/// The caller's `user_data` and how to free it: freed when the last driver and config using
/// it are gone.
pub(super) struct UserData {
    pub(super) ptr: *mut c_void,
    pub(super) free: boltc_free_callback,
}

// SAFETY: the header requires callbacks and their user_data to be usable from any thread.
unsafe impl Send for UserData {}
// SAFETY: as above; boltc only passes the pointer on.
unsafe impl Sync for UserData {}

impl Drop for UserData {
    fn drop(&mut self) {
        if let Some(free) = self.free {
            // SAFETY: the registered free callback accepts this user_data, once (header
            // contract); this is the last owner.
            unsafe { free(self.ptr) }
        }
    }
}

/// Installs (or, for a NULL callback, removes) a callback-backed hook in a config: `install`
/// gets the builder and the callback with its user data. When the call fails, `user_data`
/// stays the caller's.
pub(super) fn set_callback<C>(
    config: *mut boltc_config,
    error_out: *mut *mut boltc_error,
    callback: Option<C>,
    user_data: *mut c_void,
    free_user_data: boltc_free_callback,
    install: impl FnOnce(&mut crate::driver::ConfigBuilder, Option<(C, UserData)>),
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or a live boltc_config used by this thread (header contract).
        let c = unsafe { box_mut(config) }?;
        let hook = callback.map(|cb| {
            let data = UserData {
                ptr: user_data,
                free: free_user_data,
            };
            (cb, data)
        });
        install(&mut c.builder, hook);
        Ok(())
    })
}

/// Turns what a token-returning callback gave into a token or the error it reported.
///
/// # Safety
/// `auth` and `err` are NULL or live objects the callback handed over.
unsafe fn taken(
    who: &str,
    raw: boltc_status_raw,
    auth: *mut boltc_auth,
    err: *mut boltc_error,
) -> Result<AuthToken> {
    // SAFETY: forwarded contract; boltc owns both from here.
    let auth = unsafe { box_take(auth) };
    // SAFETY: forwarded contract.
    unsafe { callback_status(who, raw, err) }?;
    auth.map(|a| a.token.clone()).ok_or_else(|| {
        Error::new(
            ErrorKind::Authentication,
            format!("{who} returned BOLTC_STATUS_OK but no token"),
        )
    })
}

/// What a callback's status (and the error it may have stored) says: `Ok` for
/// `BOLTC_STATUS_OK`, else an error of the status's kind naming `who` and the callback's
/// message. The stored error is freed either way.
///
/// # Safety
/// `err` is NULL or an error object the callback handed over.
pub(super) unsafe fn callback_status(
    who: &str,
    raw: boltc_status_raw,
    err: *mut boltc_error,
) -> Result<()> {
    // SAFETY: forwarded contract; boltc owns it from here.
    let err = unsafe { take_error(err) };
    let status = boltc_status::try_from(raw).unwrap_or(boltc_status::InvalidArgument);
    if status == boltc_status::Ok {
        return Ok(());
    }
    let kind = status.kind().unwrap_or(ErrorKind::ClientError);
    let what = err.map_or_else(
        || format!("status {status:?}"),
        |e| e.message().into_owned(),
    );
    Err(Error::new(kind, format!("{who} failed: {what}")))
}

/// Runs glue code that calls into C: a panic in it becomes an error.
pub(super) fn guarded<T>(who: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(Error::new(
            ErrorKind::ClientError,
            format!("boltc panicked while calling {who}"),
        ))
    })
}

/// An [`AuthManager`] over the two C callbacks.
struct CManager {
    get_auth: unsafe extern "C" fn(*mut c_void, *mut *mut boltc_auth, *mut *mut boltc_error) -> i32,
    handle: boltc_auth_manager_handle_security_error,
    data: UserData,
}

impl AuthManager for CManager {
    fn get_auth(&self) -> Result<AuthToken> {
        guarded("the auth manager's get_auth", || {
            let mut auth = std::ptr::null_mut();
            let mut err = std::ptr::null_mut();
            // SAFETY: a C function with this signature (header contract); the out-params are
            // locals.
            let raw = unsafe { (self.get_auth)(self.data.ptr, &mut auth, &mut err) };
            // SAFETY: what the callback stored is NULL or handed over (header contract).
            unsafe { taken("the auth manager's get_auth", raw, auth, err) }
        })
    }

    fn handle_security_error(&self, auth: &AuthToken, error: &Error) -> bool {
        let Some(handle) = self.handle else {
            return false;
        };
        catch_unwind(AssertUnwindSafe(|| {
            let token = boltc_auth::new(auth.clone());
            let mut err = std::ptr::null_mut();
            finish(Ok(Err(Failure::from(error.clone()))), &mut err);
            // SAFETY: a C function with this signature (header contract); both objects live
            // for the call and are only borrowed by it.
            let handled = unsafe { handle(&token, err, self.data.ptr) };
            // SAFETY: `err` is the error object `finish` just made.
            drop(unsafe { take_error(err) });
            handled
        }))
        .unwrap_or(false)
    }
}

/// Installs `manager` (or removes the manager, for `None`).
fn set_manager(
    config: *mut boltc_config,
    error_out: *mut *mut boltc_error,
    manager: impl FnOnce() -> Option<Arc<dyn AuthManager>>,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or a live boltc_config used by this thread (header contract).
        let c = unsafe { box_mut(config) }?;
        c.builder.ext.auth_manager = manager();
        Ok(())
    })
}

/// Makes the driver ask `get_auth` for credentials whenever it opens a connection or acquires
/// a pooled one (which re-authenticates in place on Bolt 5.1+ when the token changed, and is
/// replaced on older servers), and tell `handle_security_error` (may be NULL) when the server
/// rejects them. This replaces `boltc_config_set_auth`; `get_auth` NULL removes the manager
/// (and frees nothing: `free_user_data` is then not called).
///
/// Ownership: `user_data` is passed to the callbacks as is; `free_user_data` (may be NULL) is
/// called once with it when no config or driver uses the manager any more (after
/// `boltc_config_free` and `boltc_driver_free` of every driver made from the config, or when
/// another manager replaces it in the config), possibly on another thread. When this call
/// fails, `user_data` stays the caller's.
///
/// Threads: the callbacks may be called from any thread, including the driver's background
/// `boltc-routing` thread, and concurrently; `get_auth` runs on every connection acquisition,
/// so it should answer from a cache. They must not call into the driver, its sessions or
/// results (only `boltc_auth_*` and `boltc_error_*` functions), and must not unwind.
#[no_mangle]
pub extern "C" fn boltc_config_set_auth_manager(
    config: *mut boltc_config,
    get_auth: boltc_auth_manager_get_auth,
    handle_security_error: boltc_auth_manager_handle_security_error,
    user_data: *mut c_void,
    free_user_data: boltc_free_callback,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    set_manager(config, error_out, || {
        let m: Arc<dyn AuthManager> = Arc::new(CManager {
            get_auth: get_auth?,
            handle: handle_security_error,
            data: UserData {
                ptr: user_data,
                free: free_user_data,
            },
        });
        Some(m)
    })
}

/// A provider as a Rust closure for the built-in expiring managers.
fn provider(
    p: unsafe extern "C" fn(
        *mut c_void,
        *mut *mut boltc_auth,
        *mut i64,
        *mut *mut boltc_error,
    ) -> i32,
    data: UserData,
) -> impl Fn() -> Result<ExpiringAuth> + Send + Sync + 'static {
    move || {
        let data = &data; // captured whole (Send + Sync), not its raw pointer field
        guarded("the auth provider", || {
            let mut auth = std::ptr::null_mut();
            let mut err = std::ptr::null_mut();
            let mut expires_in_ms: i64 = -1;
            // SAFETY: a C function with this signature (header contract); the out-params are
            // locals.
            let raw = unsafe { p(data.ptr, &mut auth, &mut expires_in_ms, &mut err) };
            // SAFETY: what the callback stored is NULL or handed over (header contract).
            let token = unsafe { taken("the auth provider", raw, auth, err) }?;
            let expires_at = u64::try_from(expires_in_ms)
                .ok()
                .map(|ms| crate::clock::now() + Duration::from_millis(ms));
            Ok(ExpiringAuth { token, expires_at })
        })
    }
}

/// Password rotation: the driver asks `provider` for credentials once, caches them, and asks
/// again when they expire (the provider's `*expires_in_ms_out`) or after the server answers
/// `Neo.ClientError.Security.Unauthorized` (that error is then retryable). This replaces
/// `boltc_config_set_auth`. `provider` NULL removes the manager. Ownership and threads as
/// `boltc_config_set_auth_manager` (`provider` runs on any thread, without boltc holding a
/// lock, so two threads may ask it at once).
#[no_mangle]
pub extern "C" fn boltc_config_set_basic_auth_manager(
    config: *mut boltc_config,
    provider: boltc_auth_provider,
    user_data: *mut c_void,
    free_user_data: boltc_free_callback,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    set_manager(config, error_out, || {
        let data = UserData {
            ptr: user_data,
            free: free_user_data,
        };
        Some(AuthManagers::basic_expiring(self::provider(
            provider?, data,
        )))
    })
}

/// Token rotation (single sign-on): as `boltc_config_set_basic_auth_manager`, and the provider
/// is also asked again after `Neo.ClientError.Security.TokenExpired`.
#[no_mangle]
pub extern "C" fn boltc_config_set_bearer_auth_manager(
    config: *mut boltc_config,
    provider: boltc_auth_provider,
    user_data: *mut c_void,
    free_user_data: boltc_free_callback,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    set_manager(config, error_out, || {
        let data = UserData {
            ptr: user_data,
            free: free_user_data,
        };
        Some(AuthManagers::bearer(self::provider(provider?, data)))
    })
}

/// A new token with the same credentials as `auth`, freed with `boltc_auth_free` (NULL for
/// NULL). Useful in `get_auth`, which hands its token over to boltc.
#[no_mangle]
pub extern "C" fn boltc_auth_clone(auth: *const boltc_auth) -> *mut boltc_auth {
    ffi_value!(std::ptr::null_mut(), {
        // SAFETY: NULL or a live boltc_auth (header contract).
        match unsafe { box_ref(auth) } {
            Ok(a) => box_into_raw(boltc_auth::new(a.token.clone())),
            Err(_) => std::ptr::null_mut(),
        }
    })
}

/// Whether two tokens hold the same scheme and credentials (false when either is NULL). In
/// `handle_security_error`, tells which of the caller's tokens the server rejected.
#[no_mangle]
pub extern "C" fn boltc_auth_equal(a: *const boltc_auth, b: *const boltc_auth) -> bool {
    ffi_value!(false, {
        // SAFETY: NULL or live boltc_auth objects (header contract).
        match unsafe { (box_ref(a), box_ref(b)) } {
            (Ok(a), Ok(b)) => a.token == b.token,
            _ => false,
        }
    })
}

/// Makes a `neo4j://` driver ask `resolver` for the addresses of its initial routers instead
/// of using the URI's address, and for the addresses of each server of a routing table it
/// fetches: a router when it is asked for a table, a reader or writer each time work is routed
/// to it (each answer is then looked up in DNS when connecting; a server it gives no address
/// for is skipped).
/// `resolver` NULL removes it (and `free_user_data` is not called). A driver made from a config whose URI is not `neo4j://` (or
/// `neo4j+s://`, `neo4j+ssc://`) with a resolver fails with `BOLTC_STATUS_CONFIG`.
///
/// Ownership and threads as `boltc_config_set_auth_manager`: `free_user_data` (may be NULL) is
/// called once when no config or driver uses the resolver any more; `resolver` may be called
/// from any thread (also `boltc-routing`), concurrently, and must not call into the driver
/// (only `boltc_resolver_add`) nor unwind.
#[no_mangle]
pub extern "C" fn boltc_config_set_resolver(
    config: *mut boltc_config,
    resolver: boltc_resolver_callback,
    user_data: *mut c_void,
    free_user_data: boltc_free_callback,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    set_callback(
        config,
        error_out,
        resolver,
        user_data,
        free_user_data,
        |b, hook| {
            b.ext.resolver = hook.map(|(cb, data)| {
                let f: Arc<crate::routing::AddressResolver> =
                    Arc::new(move |a: &Address| resolve(cb, &data, a));
                f
            });
        },
    )
}

/// Asks the C resolver about `a`; a host with a NUL byte or a panic gives no address.
fn resolve(
    cb: unsafe extern "C" fn(*const c_char, u16, *mut boltc_resolver_sink, *mut c_void),
    data: &UserData,
    a: &Address,
) -> Vec<Address> {
    let sink = boltc_resolver_sink {
        magic: boltc_resolver_sink::MAGIC,
        addresses: Vec::new(),
    };
    // SAFETY: a C function with this signature (header contract); `host` and `sink` live for
    // the call.
    ask("the resolver", a.host(), sink, |host, sink| unsafe {
        cb(host, a.port(), sink, data.ptr)
    })
    .map(|s| s.addresses)
    .unwrap_or_default()
}

/// Calls a C callback that answers about `name` into `sink` (a NUL in `name` or a panic: `None`).
/// The sink's magic is cleared afterwards, so a sink kept past the callback is caught (best
/// effort).
fn ask<S: Handle>(
    who: &str,
    name: &str,
    mut sink: S,
    call: impl FnOnce(*const c_char, &mut S),
) -> Option<S> {
    catch_unwind(AssertUnwindSafe(|| {
        let name = CString::new(name).ok()?;
        call(name.as_ptr(), &mut sink);
        sink.clear_magic();
        Some(sink)
    }))
    .unwrap_or_else(|_| {
        log::warn!("boltc panicked while calling {who}; it found no address");
        None
    })
}

/// Adds an address (`host` NUL-terminated, copied; `port`) to a resolver's answer. Only
/// valid during the resolver callback that received `sink`.
#[no_mangle]
pub extern "C" fn boltc_resolver_add(
    sink: *mut boltc_resolver_sink,
    host: *const c_char,
    port: u16,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or the sink of a running resolver callback (header contract).
        let s = unsafe { box_mut(sink) }?;
        // SAFETY: NULL or a NUL-terminated string (header contract).
        let host = unsafe { cstr_arg(host, "host") }?;
        if host.is_empty() {
            return Err(Failure::invalid("host is empty"));
        }
        s.addresses.push(Address::new(host, port));
        Ok(())
    })
}

/// The IP addresses a domain name resolver callback adds with `boltc_domain_name_sink_add`
/// (opaque; valid only during the callback, owned by boltc).
pub struct boltc_domain_name_sink {
    magic: u32,
    ips: Vec<std::net::IpAddr>,
}

declare_handle!(Box, boltc_domain_name_sink, 0xB017_0D45);

/// A domain name resolver: turns the host name `name` (NUL-terminated, borrowed for the call)
/// into IP addresses, each added with `boltc_domain_name_sink_add(sink, ...)`. Adding none
/// means the name cannot be resolved (connecting fails with
/// `BOLTC_STATUS_SERVICE_UNAVAILABLE`).
pub type boltc_domain_name_resolver_callback = Option<
    unsafe extern "C" fn(
        name: *const c_char,
        sink: *mut boltc_domain_name_sink,
        user_data: *mut c_void,
    ),
>;

/// Replaces the system's DNS lookup: every host name the driver connects to (the URI's, the
/// address resolver's answers, routing table members) is turned into IP addresses by
/// `resolver`; IP literals are not passed to it. `resolver` NULL goes back to the system's
/// lookup (and `free_user_data` is not called).
///
/// Ownership and threads as `boltc_config_set_resolver`: `free_user_data` (may be NULL) is
/// called once when no config or driver uses it any more; `resolver` may be called from any
/// thread, concurrently, and must not call into the driver (only
/// `boltc_domain_name_sink_add`) nor unwind.
#[no_mangle]
pub extern "C" fn boltc_config_set_domain_name_resolver(
    config: *mut boltc_config,
    resolver: boltc_domain_name_resolver_callback,
    user_data: *mut c_void,
    free_user_data: boltc_free_callback,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    set_callback(
        config,
        error_out,
        resolver,
        user_data,
        free_user_data,
        |b, hook| {
            b.ext.domain_name_resolver = hook.map(|(cb, data)| {
                let f: Arc<crate::net::DomainNameResolver> =
                    Arc::new(move |name: &str| resolve_name(cb, &data, name));
                f
            });
        },
    )
}

/// Asks the C domain name resolver about `name`; a name with a NUL byte or a panic gives no
/// address.
fn resolve_name(
    cb: unsafe extern "C" fn(*const c_char, *mut boltc_domain_name_sink, *mut c_void),
    data: &UserData,
    name: &str,
) -> Vec<std::net::IpAddr> {
    let sink = boltc_domain_name_sink {
        magic: boltc_domain_name_sink::MAGIC,
        ips: Vec::new(),
    };
    // SAFETY: a C function with this signature (header contract); `name` and `sink` live for
    // the call.
    ask(
        "the domain name resolver",
        name,
        sink,
        |name, sink| unsafe { cb(name, sink, data.ptr) },
    )
    .map(|s| s.ips)
    .unwrap_or_default()
}

/// Adds an IP address (`ip`: NUL-terminated IPv4 or IPv6 text, e.g. `"10.0.0.1"` or `"::1"`)
/// to a domain name resolver's answer; anything else is `BOLTC_STATUS_INVALID_ARGUMENT`. Only
/// valid during the callback that received `sink`.
#[no_mangle]
pub extern "C" fn boltc_domain_name_sink_add(
    sink: *mut boltc_domain_name_sink,
    ip: *const c_char,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or the sink of a running resolver callback (header contract).
        let s = unsafe { box_mut(sink) }?;
        // SAFETY: NULL or a NUL-terminated string (header contract).
        let text = unsafe { cstr_arg(ip, "ip") }?;
        let ip = text
            .parse()
            .map_err(|_| Failure::invalid(format!("{text:?} is not an IP address")))?;
        s.ips.push(ip);
        Ok(())
    })
}
