//! Logging: forwards the `log` facade to a callback the C program registers.

use super::error::boltc_error;
use super::error::ffi_status;
use super::status::{boltc_status, Failure};
use parking_lot::RwLock;
use std::ffi::{c_char, c_void, CString};
use std::sync::atomic::{AtomicBool, Ordering};

/// Log level ERROR.
pub const BOLTC_LOG_ERROR: i32 = 1;
/// Log level WARN.
pub const BOLTC_LOG_WARN: i32 = 2;
/// Log level INFO.
pub const BOLTC_LOG_INFO: i32 = 3;
/// Log level DEBUG.
pub const BOLTC_LOG_DEBUG: i32 = 4;
/// Log level TRACE (adds every RECORD; DEBUG already has the other Bolt messages). Credentials
/// are redacted at every level; the line syntax is described in docs/LOGGING.md.
pub const BOLTC_LOG_TRACE: i32 = 5;

/// A log callback: `level` is a `BOLTC_LOG_*` value, `message` a NUL-terminated UTF-8 line
/// valid only during the call, `user_data` what was registered. It may be called from any
/// thread, concurrently: it must be thread-safe and must not call back into boltc.
pub type boltc_log_callback =
    Option<unsafe extern "C" fn(level: i32, message: *const c_char, user_data: *mut c_void)>;

struct Sink {
    cb: unsafe extern "C" fn(i32, *const c_char, *mut c_void),
    user_data: *mut c_void,
}

// SAFETY: the header requires the callback and its user_data to be usable from any thread.
unsafe impl Send for Sink {}
// SAFETY: as above; the sink is only read after registration.
unsafe impl Sync for Sink {}

static SINK: RwLock<Option<Sink>> = RwLock::new(None);

struct Forwarder;

static FORWARDER: Forwarder = Forwarder;

impl log::Log for Forwarder {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        SINK.read().is_some()
    }
    fn log(&self, record: &log::Record<'_>) {
        let sink = SINK.read();
        let Some(s) = sink.as_ref() else { return };
        let level = match record.level() {
            log::Level::Error => BOLTC_LOG_ERROR,
            log::Level::Warn => BOLTC_LOG_WARN,
            log::Level::Info => BOLTC_LOG_INFO,
            log::Level::Debug => BOLTC_LOG_DEBUG,
            log::Level::Trace => BOLTC_LOG_TRACE,
        };
        let line = format!("{}: {}", record.target(), record.args()).replace('\0', " ");
        let c = CString::new(line).expect("invariant: NULs replaced");
        // SAFETY: the registered callback has this signature and accepts its user_data from
        // any thread (header contract); the message lives for the call.
        unsafe { (s.cb)(level, c.as_ptr(), s.user_data) }
    }
    fn flush(&self) {}
}

/// Registers a process-wide log callback receiving messages at `max_level` (`BOLTC_LOG_*`)
/// and above; `callback` NULL turns logging off. Replaces an earlier callback. Fails with
/// `BOLTC_STATUS_ILLEGAL_STATE` if the program already installed another Rust logger.
/// Threads: may be called at any time; the previous callback may still be running on another
/// thread when this returns.
#[no_mangle]
pub extern "C" fn boltc_set_log_callback(
    callback: boltc_log_callback,
    max_level: i32,
    user_data: *mut c_void,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let filter = match max_level {
            0 => log::LevelFilter::Off,
            BOLTC_LOG_ERROR => log::LevelFilter::Error,
            BOLTC_LOG_WARN => log::LevelFilter::Warn,
            BOLTC_LOG_INFO => log::LevelFilter::Info,
            BOLTC_LOG_DEBUG => log::LevelFilter::Debug,
            BOLTC_LOG_TRACE => log::LevelFilter::Trace,
            _ => return Err(Failure::invalid(format!("unknown log level {max_level}"))),
        };
        static INSTALL: std::sync::Once = std::sync::Once::new();
        static INSTALLED: AtomicBool = AtomicBool::new(false);
        INSTALL
            .call_once(|| INSTALLED.store(log::set_logger(&FORWARDER).is_ok(), Ordering::SeqCst));
        if !INSTALLED.load(Ordering::SeqCst) {
            return Err(Failure::with_status(
                boltc_status::IllegalState,
                "another logger is already installed",
            ));
        }
        *SINK.write() = callback.map(|cb| Sink { cb, user_data });
        log::set_max_level(if callback.is_some() {
            filter
        } else {
            log::LevelFilter::Off
        });
        Ok(())
    })
}
