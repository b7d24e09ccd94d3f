//! Client certificates that change while the driver runs (certificate rotation): a C callback
//! the driver asks before every new connection.

use super::callbacks::{boltc_free_callback, callback_status, guarded, set_callback, UserData};
use super::config::boltc_config;
use super::error::boltc_error;
use super::error::ffi_status;
use super::handle::{box_mut, cstr_arg, declare_handle, opt_cstr_arg, Handle};
use super::status::{boltc_status, boltc_status_raw};
use crate::error::Result;
use crate::net::{ClientCert, ClientCertificateProvider};
use std::ffi::{c_char, c_void};
use std::sync::Arc;

/// Where a client certificate provider puts a new certificate, with
/// `boltc_client_certificate_sink_set` (opaque; valid only during the callback, owned by
/// boltc).
pub struct boltc_client_certificate_sink {
    magic: u32,
    cert: Option<ClientCert>,
}

declare_handle!(Box, boltc_client_certificate_sink, 0xB017_0CC5);

/// A client certificate provider: called before every new connection. When the certificate
/// changed since the last call (and on the first call, which must give one), it calls
/// `boltc_client_certificate_sink_set(sink, ...)`; when it did not, it leaves `sink` alone. It
/// returns `BOLTC_STATUS_OK`, or another status (and may store in `*error_out` an error from
/// `boltc_error_new`, which boltc takes over) to fail the connection attempt with it.
pub type boltc_client_certificate_provider = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        sink: *mut boltc_client_certificate_sink,
        error_out: *mut *mut boltc_error,
    ) -> boltc_status_raw,
>;

/// Gives the new certificate: PEM files with the chain (leaf first) and the private key, and
/// the key's password (NULL when not encrypted), as `boltc_config_set_client_certificate`
/// takes them (all copied; the files are read right after the callback returns, and a file
/// that cannot be read fails that connection with `BOLTC_STATUS_CONFIG`). Only valid during the
/// provider callback that received `sink`.
#[no_mangle]
pub extern "C" fn boltc_client_certificate_sink_set(
    sink: *mut boltc_client_certificate_sink,
    cert_chain_pem_path: *const c_char,
    key_pem_path: *const c_char,
    key_password: *const c_char,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or the sink of a running provider callback (header contract).
        let s = unsafe { box_mut(sink) }?;
        // SAFETY: NULL or NUL-terminated strings (header contract).
        let (cert, key, password) = unsafe {
            (
                cstr_arg(cert_chain_pem_path, "cert_chain_pem_path")?,
                cstr_arg(key_pem_path, "key_pem_path")?,
                opt_cstr_arg(key_password, "key_password")?,
            )
        };
        s.cert = Some(ClientCert {
            cert_chain_pem: cert.into(),
            key_pem: key.into(),
            key_password: password.map(str::to_owned),
        });
        Ok(())
    })
}

/// A [`ClientCertificateProvider`] over the C callback.
struct CProvider {
    provider: unsafe extern "C" fn(
        *mut c_void,
        *mut boltc_client_certificate_sink,
        *mut *mut boltc_error,
    ) -> boltc_status_raw,
    data: UserData,
}

impl ClientCertificateProvider for CProvider {
    fn get_certificate(&self) -> Result<Option<ClientCert>> {
        guarded("the client certificate provider", || {
            let mut sink = boltc_client_certificate_sink {
                magic: boltc_client_certificate_sink::MAGIC,
                cert: None,
            };
            let mut err = std::ptr::null_mut();
            // SAFETY: a C function with this signature (header contract); `sink` and `err`
            // are locals that live for the call.
            let raw = unsafe { (self.provider)(self.data.ptr, &mut sink, &mut err) };
            sink.clear_magic();
            // SAFETY: what the callback stored is NULL or handed over (header contract).
            unsafe { callback_status("the client certificate provider", raw, err) }?;
            Ok(sink.cert)
        })
    }
}

/// Mutual TLS with a certificate that can change while the driver runs: `provider` is called
/// before every new connection (connections already open keep theirs) and gives a new
/// certificate when it changed (see `boltc_client_certificate_provider`). Only takes effect
/// with encryption on; `boltc_driver_new` refuses it together with
/// `boltc_config_set_client_certificate` (`BOLTC_STATUS_CONFIG`). `provider` NULL removes it
/// (and `free_user_data` is not called).
///
/// Ownership and threads as `boltc_config_set_auth_manager`: `free_user_data` (may be NULL) is
/// called once with `user_data` when no config or driver uses the provider any more; `provider`
/// may be called from any thread (also `boltc-routing`), concurrently, and must not call into
/// the driver (only `boltc_client_certificate_sink_set` and `boltc_error_*`) nor unwind.
#[no_mangle]
pub extern "C" fn boltc_config_set_client_certificate_provider(
    config: *mut boltc_config,
    provider: boltc_client_certificate_provider,
    user_data: *mut c_void,
    free_user_data: boltc_free_callback,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    set_callback(
        config,
        error_out,
        provider,
        user_data,
        free_user_data,
        |b, hook| {
            b.ext.client_cert_provider = hook.map(|(provider, data)| {
                let p: Arc<dyn ClientCertificateProvider> = Arc::new(CProvider { provider, data });
                p
            });
        },
    )
}
