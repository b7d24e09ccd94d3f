//! `boltc_auth`: authentication tokens (basic, bearer, kerberos, none, custom) for the driver
//! (`boltc_config_set_auth`), for one session (`boltc_session_config_set_auth`, user switching)
//! and for `boltc_driver_verify_authentication`.

use super::config::boltc_config;
use super::driver::boltc_driver;
use super::error::boltc_error;
use super::error::ffi_status;
use super::guard::ffi_value;
use super::handle::{
    arc_ref, box_free, box_into_raw, box_mut, box_ref, cstr_arg, declare_handle, opt_cstr_arg,
    Handle, Out,
};
use super::map::map_ref;
use super::session_config::boltc_session_config;
use super::status::boltc_status;
use super::value::boltc_map;
use crate::bolt::AuthToken;
use std::ffi::c_char;

/// An authentication token (opaque, immutable). Its credentials are never shown in error
/// messages or logs.
///
/// Ownership: made by `boltc_auth_basic`, `boltc_auth_bearer`, `boltc_auth_kerberos`,
/// `boltc_auth_none` or `boltc_auth_custom`; freed with `boltc_auth_free`. The functions that
/// take a token borrow it and copy it, so it may be freed right after. Threads: immutable, so
/// it may be read by several threads at once (freeing it is one thread's job).
pub struct boltc_auth {
    magic: u32,
    pub(crate) token: AuthToken,
}

declare_handle!(Box, boltc_auth, 0xB017_0A07);

impl boltc_auth {
    /// A token object holding `token`.
    pub(crate) fn new(token: AuthToken) -> boltc_auth {
        boltc_auth {
            magic: boltc_auth::MAGIC,
            token,
        }
    }
}

fn give(out: *mut *mut boltc_auth, token: AuthToken) -> Result<(), super::status::Failure> {
    Out::new(out, "auth_out")?.write(box_into_raw(boltc_auth::new(token)));
    Ok(())
}

/// The token of `auth` (borrowed for the call), or `None` for NULL.
pub(crate) fn opt_token(
    auth: *const boltc_auth,
) -> Result<Option<AuthToken>, super::status::Failure> {
    if auth.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL, so a live boltc_auth (header contract).
    Ok(Some(unsafe { box_ref(auth) }?.token.clone()))
}

/// A basic token: `user` and `password` (NUL-terminated, copied), and `realm` (NULL or
/// NUL-terminated; NULL or empty sends none).
///
/// On success `*auth_out` receives a token freed with `boltc_auth_free`.
#[no_mangle]
pub extern "C" fn boltc_auth_basic(
    user: *const c_char,
    password: *const c_char,
    realm: *const c_char,
    auth_out: *mut *mut boltc_auth,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or NUL-terminated strings (header contract).
        let (u, p, r) = unsafe {
            (
                cstr_arg(user, "user")?,
                cstr_arg(password, "password")?,
                opt_cstr_arg(realm, "realm")?,
            )
        };
        let token = match r {
            Some(r) => AuthToken::basic_with_realm(u, p, r),
            None => AuthToken::basic(u, p),
        };
        give(auth_out, token)
    })
}

/// A bearer token (`token` NUL-terminated, copied), e.g. from single sign-on.
///
/// On success `*auth_out` receives a token freed with `boltc_auth_free`.
#[no_mangle]
pub extern "C" fn boltc_auth_bearer(
    token: *const c_char,
    auth_out: *mut *mut boltc_auth,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or a NUL-terminated string (header contract).
        let t = unsafe { cstr_arg(token, "token") }?;
        give(auth_out, AuthToken::bearer(t))
    })
}

/// A Kerberos token: `base64_ticket` (NUL-terminated, copied) is the base64-encoded ticket.
///
/// On success `*auth_out` receives a token freed with `boltc_auth_free`.
#[no_mangle]
pub extern "C" fn boltc_auth_kerberos(
    base64_ticket: *const c_char,
    auth_out: *mut *mut boltc_auth,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or a NUL-terminated string (header contract).
        let t = unsafe { cstr_arg(base64_ticket, "base64_ticket") }?;
        give(auth_out, AuthToken::kerberos(t))
    })
}

/// The "none" token (no authentication; for servers with authentication off).
///
/// On success `*auth_out` receives a token freed with `boltc_auth_free`.
#[no_mangle]
pub extern "C" fn boltc_auth_none(
    auth_out: *mut *mut boltc_auth,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, { give(auth_out, AuthToken::none()) })
}

/// A token for a custom authentication plugin: `scheme` (NUL-terminated, required) and the
/// optional `principal`, `credentials`, `realm` (NULL or NUL-terminated) and `parameters`
/// (NULL or a map, e.g. from `boltc_map_new`); all are borrowed and copied.
///
/// On success `*auth_out` receives a token freed with `boltc_auth_free`.
#[no_mangle]
pub extern "C" fn boltc_auth_custom(
    principal: *const c_char,
    credentials: *const c_char,
    realm: *const c_char,
    scheme: *const c_char,
    parameters: *const boltc_map,
    auth_out: *mut *mut boltc_auth,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or NUL-terminated strings (header contract).
        let (p, c, r, s) = unsafe {
            (
                opt_cstr_arg(principal, "principal")?,
                opt_cstr_arg(credentials, "credentials")?,
                opt_cstr_arg(realm, "realm")?,
                cstr_arg(scheme, "scheme")?,
            )
        };
        let params = if parameters.is_null() {
            None
        } else {
            Some(map_ref(parameters)?.clone())
        };
        let token = AuthToken::custom(
            p.map(str::to_owned),
            c.map(str::to_owned),
            r.map(str::to_owned),
            s,
            params,
        );
        give(auth_out, token)
    })
}

/// Frees a token. NULL is ignored.
#[no_mangle]
pub extern "C" fn boltc_auth_free(auth: *mut boltc_auth) {
    ffi_value!((), {
        // SAFETY: NULL or a pointer from a boltc_auth_* constructor freed once (header contract).
        unsafe { box_free(auth) }
    })
}

/// Sets the driver's authentication to `auth` (borrowed; copied). This replaces what
/// `boltc_config_set_basic_auth` / `boltc_config_set_bearer_auth` set, and the other way round.
#[no_mangle]
pub extern "C" fn boltc_config_set_auth(
    config: *mut boltc_config,
    auth: *const boltc_auth,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or a live boltc_auth (header contract).
        let token = unsafe { box_ref(auth) }?.token.clone();
        // SAFETY: NULL or a live boltc_config used by this thread (header contract).
        let c = unsafe { box_mut(config) }?;
        c.builder = c.builder.clone().auth(token);
        Ok(())
    })
}

/// Makes sessions opened with this config run as `auth` (borrowed; copied) instead of the
/// driver's credentials (user switching). Needs Bolt 5.1 (Neo4j 5.5) or later: on an older
/// server, opening the connection for such a session fails with `BOLTC_STATUS_UNSUPPORTED`.
/// `auth` NULL goes back to the driver's credentials.
#[no_mangle]
pub extern "C" fn boltc_session_config_set_auth(
    config: *mut boltc_session_config,
    auth: *const boltc_auth,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let token = opt_token(auth)?;
        // SAFETY: NULL or a live boltc_session_config used by this thread (header contract).
        let c = unsafe { box_mut(config) }?;
        c.config.auth = token;
        Ok(())
    })
}

/// Checks credentials against the server: `auth` (borrowed; NULL for the driver's own).
/// `*valid_out` receives true when the server accepts them and false when it rejects them
/// (unauthorized, expired, forbidden); other failures (no server, ...) are errors.
/// Credentials other than the driver's need Bolt 5.1 (Neo4j 5.5) or later, else
/// `BOLTC_STATUS_UNSUPPORTED`. Thread-safe.
#[no_mangle]
pub extern "C" fn boltc_driver_verify_authentication(
    driver: *const boltc_driver,
    auth: *const boltc_auth,
    valid_out: *mut bool,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let out = Out::new(valid_out, "valid_out")?;
        // SAFETY: NULL or a live boltc_driver (header contract).
        let d = unsafe { arc_ref(driver) }?;
        let token = opt_token(auth)?;
        out.write(d.driver.verify_authentication(token)?);
        Ok(())
    })
}
