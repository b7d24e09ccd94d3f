//! `boltc_driver`: the shared, thread-safe entry point.

use super::config::boltc_config;
use super::error::boltc_error;
use super::error::ffi_status;
use super::guard::ffi_value;
use super::handle::{
    arc_free, arc_into_raw, arc_ref, box_into_raw, box_ref, declare_handle, Handle, Out,
};
use super::session::boltc_session;
use super::session_config::boltc_session_config;
use super::shared::SessionShared;
use super::status::boltc_status;
use crate::driver::{Driver, SessionConfig};

/// A driver: a connection pool for one server (or cluster) and the configuration.
///
/// Ownership: made by `boltc_driver_new`; each pointer is released with `boltc_driver_free`.
/// Sessions keep the driver alive internally, so they may outlive the caller's pointer.
/// Threads: a driver may be shared between threads and used by several at once.
pub struct boltc_driver {
    magic: u32,
    pub(crate) driver: Driver,
}

declare_handle!(Arc, boltc_driver, 0xB017_0D01);

/// Creates a driver from a configuration (borrowed; copied). No connection is made yet.
///
/// On success `*driver_out` receives a driver freed with `boltc_driver_free`.
/// Fails with `BOLTC_STATUS_CONFIG` for a bad URI or setting, `BOLTC_STATUS_TLS` for bad TLS
/// files.
#[no_mangle]
pub extern "C" fn boltc_driver_new(
    config: *const boltc_config,
    driver_out: *mut *mut boltc_driver,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let out = Out::new(driver_out, "driver_out")?;
        // SAFETY: NULL or a live boltc_config (header contract).
        let config = unsafe { box_ref(config) }?.build()?;
        let driver = Driver::new(config)?;
        out.write(arc_into_raw(std::sync::Arc::new(boltc_driver {
            magic: boltc_driver::MAGIC,
            driver,
        })));
        Ok(())
    })
}

/// Connects (or reuses a pooled connection) and checks that the server answers.
/// Thread-safe.
#[no_mangle]
pub extern "C" fn boltc_driver_verify_connectivity(
    driver: *const boltc_driver,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or a live boltc_driver (header contract).
        let d = unsafe { arc_ref(driver) }?;
        d.driver.verify_connectivity()?;
        Ok(())
    })
}

/// Opens a session. `config` may be NULL for the defaults; it is borrowed and copied.
///
/// On success `*session_out` receives a session freed with `boltc_session_free`. Thread-safe
/// (the driver); the new session is for one thread at a time.
#[no_mangle]
pub extern "C" fn boltc_driver_session(
    driver: *const boltc_driver,
    config: *const boltc_session_config,
    session_out: *mut *mut boltc_session,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let out = Out::new(session_out, "session_out")?;
        // SAFETY: NULL or a live boltc_driver (header contract).
        let d = unsafe { arc_ref(driver) }?;
        let cfg = if config.is_null() {
            SessionConfig::default()
        } else {
            // SAFETY: non-NULL, so a live boltc_session_config (header contract).
            unsafe { box_ref(config) }?.config.clone()
        };
        let session = d.driver.session(cfg)?;
        out.write(box_into_raw(boltc_session::new(SessionShared::new(
            session,
        ))));
        Ok(())
    })
}

/// Closes idle connections and refuses new sessions; connections in use close when their
/// sessions finish. The handle stays valid until `boltc_driver_free`. Thread-safe.
///
/// After `fork()`, in the child: closing (or freeing) an inherited driver forgets the
/// parent's connections and routing thread without touching them (no GOODBYE, no socket
/// shutdown, no join), so the parent's work goes on; inherited sessions fail on first use in
/// the child. A child that wants to query makes its own driver.
#[no_mangle]
pub extern "C" fn boltc_driver_close(
    driver: *const boltc_driver,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or a live boltc_driver (header contract).
        unsafe { arc_ref(driver) }?.driver.close();
        Ok(())
    })
}

/// Releases this pointer to the driver. The pool closes when the last session using it is
/// freed too. NULL is ignored.
#[no_mangle]
pub extern "C" fn boltc_driver_free(driver: *mut boltc_driver) {
    ffi_value!((), {
        // SAFETY: NULL or a pointer from boltc_driver_new released once (header contract).
        unsafe { arc_free(driver) }
    })
}
