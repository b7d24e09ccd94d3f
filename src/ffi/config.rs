//! `boltc_config` (driver configuration); `boltc_session_config` is in `session_config.rs`.

use super::error::boltc_error;
use super::error::ffi_status;
use super::guard::ffi_value;
use super::handle::{
    box_free, box_into_raw, box_mut, cstr_arg, declare_handle, opt_cstr_arg, slice_arg, Handle, Out,
};
use super::status::{boltc_status, Failure};
use crate::bolt::message::NotificationFilter;
use crate::bolt::AuthToken;
use crate::driver::{AccessMode, Config, ConfigBuilder, RetryPolicy};
use crate::net::TrustStrategy;
use std::ffi::c_char;
use std::time::Duration;

/// Access mode WRITE (the default): work goes to a writer.
pub const BOLTC_ACCESS_MODE_WRITE: i32 = 0;
/// Access mode READ: work goes to a reader.
pub const BOLTC_ACCESS_MODE_READ: i32 = 1;

/// An access mode from C: `BOLTC_ACCESS_MODE_WRITE` or `BOLTC_ACCESS_MODE_READ`.
pub(crate) fn access_mode_arg(mode: i32) -> Result<AccessMode, Failure> {
    match mode {
        BOLTC_ACCESS_MODE_WRITE => Ok(AccessMode::Write),
        BOLTC_ACCESS_MODE_READ => Ok(AccessMode::Read),
        _ => Err(Failure::invalid(format!(
            "unknown access mode {mode} (0: write, 1: read)"
        ))),
    }
}

/// Trust the operating system's trust store, with hostname verification (the `+s` schemes and
/// the default when encryption is on). On Unix: the OpenSSL-style bundle and directory, or the
/// files named by the `SSL_CERT_FILE` / `SSL_CERT_DIR` environment variables; macOS: the
/// keychain; Windows: the system store. Read by `boltc_driver_new`. Where the system has no
/// root at all, the bundled Mozilla set (`BOLTC_TRUST_MOZILLA_BUNDLED`) is used instead.
pub const BOLTC_TRUST_SYSTEM: i32 = 0;
/// The old name of `BOLTC_TRUST_SYSTEM` (same value; it now means the OS trust store).
pub const BOLTC_TRUST_SYSTEM_ROOTS: i32 = BOLTC_TRUST_SYSTEM;
/// Trust only the CA certificates in a PEM file, with hostname verification.
pub const BOLTC_TRUST_CUSTOM_CA: i32 = 1;
/// Trust any certificate (self-signed; no protection against an active attacker).
pub const BOLTC_TRUST_ALL: i32 = 2;
/// Trust the Mozilla root set compiled into boltc, whatever the system trusts, with hostname
/// verification.
pub const BOLTC_TRUST_MOZILLA_BUNDLED: i32 = 3;

/// A mutable driver configuration: a URI plus settings, turned into a driver by
/// `boltc_driver_new` (which validates it and copies it).
///
/// Ownership: made by `boltc_config_new`, freed with `boltc_config_free` (at any time; a driver
/// keeps its own copy). Threads: one thread at a time.
pub struct boltc_config {
    magic: u32,
    pub(crate) builder: ConfigBuilder,
    notifications: NotificationFilter,
}

declare_handle!(Box, boltc_config, 0xB017_0C0F);

impl boltc_config {
    /// Validates and builds the configuration.
    pub(crate) fn build(&self) -> Result<Config, Failure> {
        Ok(self
            .builder
            .clone()
            .notification_filter(self.notifications.clone())
            .build()?)
    }
}

/// Changes a config through `f`.
fn update(
    config: *mut boltc_config,
    error_out: *mut *mut boltc_error,
    f: impl FnOnce(ConfigBuilder) -> Result<ConfigBuilder, Failure>,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: config is NULL or a live boltc_config used by this thread (header contract).
        let c = unsafe { box_mut(config) }?;
        c.builder = f(c.builder.clone())?;
        Ok(())
    })
}

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

/// Creates a configuration for `uri` (NUL-terminated UTF-8: `bolt://host:port`, `bolt+s://`,
/// `bolt+ssc://`, `neo4j://`, ...). The URI is checked by `boltc_driver_new`.
///
/// On success `*config_out` receives a new config the caller frees with `boltc_config_free`.
#[no_mangle]
pub extern "C" fn boltc_config_new(
    uri: *const c_char,
    config_out: *mut *mut boltc_config,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let out = Out::new(config_out, "config_out")?;
        // SAFETY: uri is NULL or a NUL-terminated string (header contract).
        let uri = unsafe { cstr_arg(uri, "uri") }?;
        out.write(box_into_raw(boltc_config {
            magic: boltc_config::MAGIC,
            builder: Config::builder(uri),
            notifications: NotificationFilter::default(),
        }));
        Ok(())
    })
}

/// Sets basic authentication (NUL-terminated `user` and `password`; both copied). An empty
/// password is sent as given.
#[no_mangle]
pub extern "C" fn boltc_config_set_basic_auth(
    config: *mut boltc_config,
    user: *const c_char,
    password: *const c_char,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update(config, error_out, |b| {
        // SAFETY: NULL or NUL-terminated strings (header contract).
        let (u, p) = unsafe { (cstr_arg(user, "user")?, cstr_arg(password, "password")?) };
        Ok(b.auth(AuthToken::basic(u, p)))
    })
}

/// Sets bearer-token authentication (`token` NUL-terminated, copied).
#[no_mangle]
pub extern "C" fn boltc_config_set_bearer_auth(
    config: *mut boltc_config,
    token: *const c_char,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update(config, error_out, |b| {
        // SAFETY: NULL or a NUL-terminated string (header contract).
        let t = unsafe { cstr_arg(token, "token") }?;
        Ok(b.auth(AuthToken::bearer(t)))
    })
}

/// Sets the user agent sent in HELLO (`user_agent` NUL-terminated, copied); the default is
/// `boltc/<version>`. Servers show it in `dbms.listConnections` (see `boltc_driver_list_connections`).
#[no_mangle]
pub extern "C" fn boltc_config_set_user_agent(
    config: *mut boltc_config,
    user_agent: *const c_char,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update(config, error_out, |b| {
        // SAFETY: NULL or a NUL-terminated string (header contract).
        let ua = unsafe { cstr_arg(user_agent, "user_agent") }?;
        Ok(b.user_agent(ua))
    })
}

/// Turns TLS on or off (only for `bolt://` and `neo4j://`; the `+s`/`+ssc` schemes decide).
#[no_mangle]
pub extern "C" fn boltc_config_set_encrypted(
    config: *mut boltc_config,
    encrypted: bool,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update(config, error_out, |b| Ok(b.encrypted(encrypted)))
}

/// Which certificates to trust: `BOLTC_TRUST_SYSTEM` (the OS trust store),
/// `BOLTC_TRUST_MOZILLA_BUNDLED`, `BOLTC_TRUST_ALL`, or `BOLTC_TRUST_CUSTOM_CA` with
/// `ca_pem_path` (NUL-terminated; NULL for the others).
/// Another `trust` value gives `BOLTC_STATUS_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn boltc_config_set_trust(
    config: *mut boltc_config,
    trust: i32,
    ca_pem_path: *const c_char,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update(config, error_out, |b| {
        // SAFETY: NULL or a NUL-terminated string (header contract).
        let path = unsafe { opt_cstr_arg(ca_pem_path, "ca_pem_path") }?;
        let t = match (trust, path) {
            (BOLTC_TRUST_SYSTEM, _) => TrustStrategy::System,
            (BOLTC_TRUST_MOZILLA_BUNDLED, _) => TrustStrategy::MozillaBundled,
            (BOLTC_TRUST_ALL, _) => TrustStrategy::TrustAll,
            (BOLTC_TRUST_CUSTOM_CA, Some(p)) => TrustStrategy::CustomCa(vec![p.into()]),
            (BOLTC_TRUST_CUSTOM_CA, None) => return Err(Failure::null("ca_pem_path is NULL")),
            _ => return Err(Failure::invalid(format!("unknown trust strategy {trust}"))),
        };
        Ok(b.trust(t))
    })
}

/// A client certificate for mutual TLS: `cert_chain_pem_path` (the certificate chain, leaf
/// first) and `key_pem_path` (its private key: PKCS#8, PKCS#1 or SEC1), both NUL-terminated
/// paths to PEM files, copied; the files are read by `boltc_driver_new` (`BOLTC_STATUS_CONFIG`
/// naming the file when one cannot be read or holds no certificate/key). Only takes effect
/// with encryption on (a `+s`/`+ssc` scheme or `boltc_config_set_encrypted`).
///
/// `key_password` (NUL-terminated, copied; NULL: none) decrypts an encrypted key: PKCS#8
/// (`-----BEGIN ENCRYPTED PRIVATE KEY-----`, PBES2 with PBKDF2 or scrypt and AES-CBC, as
/// `openssl pkcs8 -topk8 -v2 aes-256-cbc` writes it) or the legacy OpenSSL encryption
/// (`Proc-Type: 4,ENCRYPTED`, AES-CBC or DES-EDE3-CBC); an unencrypted key is used as it is.
/// A wrong or missing password, or another cipher, fail `boltc_driver_new` with
/// `BOLTC_STATUS_CONFIG` naming the file; the password is never logged or put in an error.
#[no_mangle]
pub extern "C" fn boltc_config_set_client_certificate(
    config: *mut boltc_config,
    cert_chain_pem_path: *const c_char,
    key_pem_path: *const c_char,
    key_password: *const c_char,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update(config, error_out, |b| {
        // SAFETY: NULL or NUL-terminated strings (header contract).
        let (cert, key, password) = unsafe {
            (
                cstr_arg(cert_chain_pem_path, "cert_chain_pem_path")?,
                cstr_arg(key_pem_path, "key_pem_path")?,
                opt_cstr_arg(key_password, "key_password")?,
            )
        };
        Ok(match password {
            None => b.client_certificate(cert.into(), key.into()),
            Some(p) => b.client_certificate_with_password(cert.into(), key.into(), p),
        })
    })
}

/// How long transaction functions (`boltc_session_execute*`) keep retrying, in milliseconds
/// (default 30000): once this time has passed since the first attempt began, a failure is
/// returned instead of retried. 0 means no retry at all (one attempt). The delays between
/// attempts: `boltc_config_set_retry_initial_delay_ms` and the two settings after it.
#[no_mangle]
pub extern "C" fn boltc_config_set_max_transaction_retry_time_ms(
    config: *mut boltc_config,
    time_ms: u64,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update(config, error_out, |b| {
        Ok(b.max_transaction_retry_time(ms(time_ms)))
    })
}

/// Transaction functions (`boltc_session_execute*`): the delay before the first retry, in
/// milliseconds (default 1000). Each later delay is `boltc_config_set_retry_delay_multiplier`
/// times longer, and each is varied by `boltc_config_set_retry_delay_jitter`.
#[no_mangle]
pub extern "C" fn boltc_config_set_retry_initial_delay_ms(
    config: *mut boltc_config,
    delay_ms: u64,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update_retry(
        config,
        error_out,
        |p| Ok(p.with_initial_delay(ms(delay_ms))),
    )
}

/// Transaction functions: the factor between consecutive retry delays (default 2.0). A value
/// below 1 (or not finite) fails with `BOLTC_STATUS_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn boltc_config_set_retry_delay_multiplier(
    config: *mut boltc_config,
    multiplier: f64,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update_retry(config, error_out, |p| {
        if !(multiplier.is_finite() && multiplier >= 1.0) {
            return Err(Failure::invalid(format!(
                "the retry delay multiplier must be a number >= 1, not {multiplier}"
            )));
        }
        Ok(p.with_multiplier(multiplier))
    })
}

/// Transaction functions: how much each retry delay is varied at random, as a fraction of
/// itself either way (default 0.2: ±20%; 0: exact delays). A value outside 0 to 1 (or not
/// finite) fails with `BOLTC_STATUS_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn boltc_config_set_retry_delay_jitter(
    config: *mut boltc_config,
    jitter: f64,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update_retry(config, error_out, |p| {
        if !(jitter.is_finite() && (0.0..=1.0).contains(&jitter)) {
            return Err(Failure::invalid(format!(
                "the retry delay jitter must be a number from 0 to 1, not {jitter}"
            )));
        }
        Ok(p.with_jitter(jitter))
    })
}

/// Changes the retry policy of a config through `f` (nothing changes when it fails).
fn update_retry(
    config: *mut boltc_config,
    error_out: *mut *mut boltc_error,
    f: impl FnOnce(RetryPolicy) -> Result<RetryPolicy, Failure>,
) -> boltc_status {
    update(config, error_out, |b| {
        let policy = f(b.ext.retry.clone())?;
        Ok(b.retry_policy(policy))
    })
}

/// The connect timeout in milliseconds (default 30000): the socket's, one bound for name
/// resolution, TCP and TLS together (the Bolt handshake and HELLO that follow are bounded by
/// the acquisition timeout); running out of it is `BOLTC_STATUS_TIMEOUT`.
#[no_mangle]
pub extern "C" fn boltc_config_set_connection_timeout_ms(
    config: *mut boltc_config,
    timeout_ms: u64,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update(config, error_out, |b| {
        Ok(b.connection_timeout(ms(timeout_ms)))
    })
}

/// How long a read may wait without a byte from the server, in milliseconds (default 300000,
/// five minutes); 0 means no bound. It bounds a server that stalls (mid-message or before
/// replying): the call fails with `BOLTC_STATUS_TIMEOUT` and the connection is closed. Every
/// byte restarts it, so it is not a query time limit, but a query during which the server
/// sends nothing for longer times out. Neo4j 4.3+ sends keep-alive NOOPs while a query runs
/// and announces its own read timeout (`connection.recv_timeout_seconds`), which replaces
/// this one on its connections; with other servers, raise it for long silent queries.
#[no_mangle]
pub extern "C" fn boltc_config_set_read_timeout_ms(
    config: *mut boltc_config,
    timeout_ms: u64,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update(config, error_out, |b| {
        Ok(b.read_timeout((timeout_ms > 0).then(|| ms(timeout_ms))))
    })
}

/// TCP keep-alive (`SO_KEEPALIVE`) on connections: on by default, so the operating system
/// notices a peer that vanished (host down, network cut) on an idle or waiting connection.
#[no_mangle]
pub extern "C" fn boltc_config_set_keepalive(
    config: *mut boltc_config,
    on: bool,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update(config, error_out, |b| Ok(b.keepalive(on)))
}

/// How long a write may wait while the server reads nothing, in milliseconds (default 30000);
/// 0 means no bound. Running out fails the call with `BOLTC_STATUS_TIMEOUT` and closes the
/// connection. The GOODBYE sent when connections close is bounded separately (one second in
/// all per close), so `boltc_driver_close`/`boltc_driver_free` never wait on a silent server.
#[no_mangle]
pub extern "C" fn boltc_config_set_write_timeout_ms(
    config: *mut boltc_config,
    timeout_ms: u64,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update(config, error_out, |b| {
        Ok(b.write_timeout((timeout_ms > 0).then(|| ms(timeout_ms))))
    })
}

/// How long acquiring a pooled connection may take, in milliseconds (default 60000): waiting
/// for a free one, or opening one (the Bolt handshake and HELLO count here; the connection
/// timeout bounds only the socket).
#[no_mangle]
pub extern "C" fn boltc_config_set_acquisition_timeout_ms(
    config: *mut boltc_config,
    timeout_ms: u64,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update(config, error_out, |b| {
        Ok(b.connection_acquisition_timeout(ms(timeout_ms)))
    })
}

/// Check a pooled connection idle longer than `timeout_ms` milliseconds with a RESET round trip
/// before handing it out (a dead one is replaced); 0 checks every reuse, a negative value turns
/// the check off (the default).
#[no_mangle]
pub extern "C" fn boltc_config_set_liveness_check_timeout_ms(
    config: *mut boltc_config,
    timeout_ms: i64,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update(config, error_out, |b| {
        Ok(b.liveness_check_timeout(u64::try_from(timeout_ms).ok().map(ms)))
    })
}

/// Close pooled connections older than `lifetime_ms` milliseconds instead of reusing them
/// (default 3600000, one hour); a negative value means no limit.
#[no_mangle]
pub extern "C" fn boltc_config_set_max_connection_lifetime_ms(
    config: *mut boltc_config,
    lifetime_ms: i64,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update(config, error_out, |b| {
        Ok(b.max_connection_lifetime(u64::try_from(lifetime_ms).ok().map(ms)))
    })
}

/// The maximum number of connections per server (default 100; 0 fails in `boltc_driver_new`).
#[no_mangle]
pub extern "C" fn boltc_config_set_max_pool_size(
    config: *mut boltc_config,
    size: usize,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update(config, error_out, |b| Ok(b.max_connection_pool_size(size)))
}

/// The most memory the decoded values of one server message may take, in bytes (default
/// 256 MiB; 0 fails in `boltc_driver_new`). Whatever this limit, one message's values may take
/// at most 320 times the message's size, which well-formed data stays below. A message beyond
/// either fails the call that reads it with `BOLTC_STATUS_PROTOCOL` and closes its connection.
#[no_mangle]
pub extern "C" fn boltc_config_set_max_decoded_size(
    config: *mut boltc_config,
    bytes: usize,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update(config, error_out, |b| Ok(b.max_decoded_size(bytes)))
}

/// The largest server message accepted, in bytes (default 64 MiB; 0 fails in
/// `boltc_driver_new`). A larger message fails the call that reads it with
/// `BOLTC_STATUS_PROTOCOL` and closes its connection.
#[no_mangle]
pub extern "C" fn boltc_config_set_max_message_size(
    config: *mut boltc_config,
    bytes: usize,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update(config, error_out, |b| Ok(b.max_message_size(bytes)))
}

/// The largest chunk written to the server, in bytes (default and maximum 65,535; 0 or more
/// than 65,535 fail in `boltc_driver_new`).
#[no_mangle]
pub extern "C" fn boltc_config_set_max_chunk_size(
    config: *mut boltc_config,
    bytes: usize,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update(config, error_out, |b| Ok(b.max_chunk_size(bytes)))
}

/// How long an expired routing table of a `neo4j://` driver is kept before it is dropped, in
/// milliseconds (default 30000).
#[no_mangle]
pub extern "C" fn boltc_config_set_routing_table_purge_delay_ms(
    config: *mut boltc_config,
    delay_ms: u64,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update(config, error_out, |b| {
        Ok(b.routing_table_purge_delay(ms(delay_ms)))
    })
}

/// Turns telemetry off (`true`) or on (`false`, the default): where the server asks for it
/// (Bolt 5.4+), each API call names its kind (transaction function, explicit transaction,
/// auto-commit query, execute-query) in a TELEMETRY message; nothing else is sent.
#[no_mangle]
pub extern "C" fn boltc_config_set_telemetry_disabled(
    config: *mut boltc_config,
    disabled: bool,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update(config, error_out, |b| Ok(b.telemetry_disabled(disabled)))
}

/// How long, in microseconds, a read that waits for the server first polls the socket before
/// the thread sleeps (default 100; 0 turns polling off). Saves the time it takes to wake a
/// sleeping thread on quick replies, at the cost of CPU while polling; it adapts, polling less
/// while replies take longer than the window, and a new connection carries on from what the
/// process's last connection to the same server learned (see `ConfigBuilder::busy_poll`).
#[no_mangle]
pub extern "C" fn boltc_config_set_busy_poll_us(
    config: *mut boltc_config,
    window_us: u64,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update(config, error_out, |b| {
        Ok(b.busy_poll(std::time::Duration::from_micros(window_us)))
    })
}

/// Records per PULL (default 1000; -1 for all at once).
#[no_mangle]
pub extern "C" fn boltc_config_set_fetch_size(
    config: *mut boltc_config,
    fetch_size: i64,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    update(config, error_out, |b| Ok(b.fetch_size(fetch_size)))
}

/// A minimum notification severity: `OFF`, `WARNING` or `INFORMATION` (any case); NULL: `None`.
///
/// # Safety
/// `p` is NULL or NUL-terminated.
pub(crate) unsafe fn severity_arg(p: *const c_char) -> Result<Option<String>, Failure> {
    // SAFETY: forwarded contract.
    let Some(s) = (unsafe { opt_cstr_arg(p, "severity") })? else {
        return Ok(None);
    };
    let up = s.to_ascii_uppercase();
    match up.as_str() {
        "OFF" | "WARNING" | "INFORMATION" => Ok(Some(up)),
        _ => Err(Failure::invalid(format!(
            "unknown notification severity {s:?} (OFF, WARNING or INFORMATION)"
        ))),
    }
}

/// A list of categories: NULL `p` means `None`, else `len` NUL-terminated strings.
///
/// # Safety
/// `p` is NULL or points at `len` pointers to NUL-terminated strings.
pub(crate) unsafe fn categories_arg(
    p: *const *const c_char,
    len: usize,
) -> Result<Option<Vec<String>>, Failure> {
    if p.is_null() {
        return if len == 0 {
            Ok(None)
        } else {
            Err(Failure::null("categories is NULL"))
        };
    }
    // SAFETY: forwarded contract.
    let ptrs = unsafe { slice_arg(p, len, "categories") }?;
    let mut out = Vec::with_capacity(len);
    for &c in ptrs {
        // SAFETY: each entry is NUL-terminated (header contract).
        out.push(unsafe { cstr_arg(c, "categories[i]") }?.to_ascii_uppercase());
    }
    Ok(Some(out))
}

/// The minimum severity of the notifications the server sends (Bolt 5.2+; older servers get
/// no filter): `"OFF"` (none), `"WARNING"` or `"INFORMATION"` (NUL-terminated, any case);
/// NULL: the server's default. Other values give `BOLTC_STATUS_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn boltc_config_set_notifications_min_severity(
    config: *mut boltc_config,
    severity: *const c_char,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or a live boltc_config used by this thread; severity NULL or
        // NUL-terminated (header contract).
        let (c, sev) = unsafe { (box_mut(config)?, severity_arg(severity)?) };
        c.notifications.minimum_severity = sev;
        Ok(())
    })
}

/// The notification categories (Bolt 5.5+: classifications) the server should not send, e.g.
/// `"HINT"`, `"UNRECOGNIZED"`, `"UNSUPPORTED"`, `"PERFORMANCE"`, `"DEPRECATION"`,
/// `"SECURITY"`, `"TOPOLOGY"`, `"SCHEMA"`, `"GENERIC"`: `len` NUL-terminated strings, copied
/// (Bolt 5.2+). `categories` NULL (with `len` 0): the server's default; an empty list
/// disables none.
#[no_mangle]
pub extern "C" fn boltc_config_set_notifications_disabled_categories(
    config: *mut boltc_config,
    categories: *const *const c_char,
    len: usize,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or a live boltc_config used by this thread; categories as documented.
        let (c, cats) = unsafe { (box_mut(config)?, categories_arg(categories, len)?) };
        c.notifications.disabled_categories = cats;
        Ok(())
    })
}

/// Frees a configuration. NULL is ignored.
#[no_mangle]
pub extern "C" fn boltc_config_free(config: *mut boltc_config) {
    ffi_value!((), {
        // SAFETY: NULL or an owned boltc_config freed once (header contract).
        unsafe { box_free(config) }
    })
}
