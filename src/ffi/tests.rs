//! Rust tests of the C functions, called directly: NULL arguments, bad UTF-8, closed sessions,
//! a busy session, value building and reading, the error object, and a forced panic.

use super::config::*;
use super::driver::*;
use super::error::ffi_status;
use super::error::*;
use super::map::*;
use super::result::*;
use super::session::*;
use super::session_config::*;
use super::status::{boltc_status, Failure};
use super::summary::*;
use super::value::*;
use super::value_new::*;
use std::ffi::{c_char, CStr};
use std::ptr::{null, null_mut};

fn cs(s: &CStr) -> *const c_char {
    s.as_ptr()
}

fn take_error(e: *mut boltc_error) -> (boltc_status, String) {
    assert!(!e.is_null());
    let r = (boltc_error_status(e), message_of(e));
    boltc_error_free(e);
    r
}

/// A driver for a port nobody listens on (sessions connect lazily).
fn driver() -> *mut boltc_driver {
    let mut cfg = null_mut();
    assert_eq!(
        boltc_config_new(cs(c"bolt://127.0.0.1:1"), &mut cfg, null_mut()),
        boltc_status::Ok
    );
    assert_eq!(
        boltc_config_set_connection_timeout_ms(cfg, 200, null_mut()),
        boltc_status::Ok
    );
    let mut d = null_mut();
    assert_eq!(boltc_driver_new(cfg, &mut d, null_mut()), boltc_status::Ok);
    boltc_config_free(cfg);
    d
}

#[test]
fn null_arguments_are_reported_not_crashes() {
    let mut e = null_mut();
    let mut d = null_mut();
    assert_eq!(
        boltc_driver_new(null(), &mut d, &mut e),
        boltc_status::NullArgument
    );
    assert!(d.is_null(), "out-param written on failure");
    let (st, msg) = take_error(e);
    assert_eq!(st, boltc_status::NullArgument);
    assert!(msg.contains("boltc_config"), "{msg}");

    let mut r = null_mut();
    assert_eq!(
        boltc_session_run_cstr(null_mut(), cs(c"RETURN 1"), null(), &mut r, null_mut()),
        boltc_status::NullArgument
    );
    assert_eq!(
        boltc_result_next(null_mut(), null_mut(), null_mut()),
        boltc_status::NullArgument
    );
    assert_eq!(
        boltc_transaction_commit(null_mut(), null_mut()),
        boltc_status::NullArgument
    );
    assert_eq!(
        boltc_session_interrupt(null(), null_mut()),
        boltc_status::NullArgument
    );
    assert_eq!(boltc_record_len(null()), 0);
    assert!(boltc_record_get(null(), 0).is_null());
    assert_eq!(boltc_batch_rows(null()), 0);
    assert_eq!(boltc_value_get_type(null()), boltc_value_type::Null);
    assert_eq!(boltc_error_status(null()), boltc_status::NullArgument);
    assert!(boltc_error_message(null()).is_null());
    // Every _free accepts NULL.
    boltc_driver_free(null_mut());
    boltc_session_free(null_mut());
    boltc_result_free(null_mut());
    boltc_record_free(null_mut());
    boltc_batch_free(null_mut());
    boltc_summary_free(null_mut());
    boltc_value_free(null_mut());
    boltc_map_free(null_mut());
    boltc_error_free(null_mut());
    boltc_transaction_free(null_mut());
    boltc_config_free(null_mut());
    boltc_session_config_free(null_mut());
}

#[test]
fn out_param_null_is_checked_first() {
    let mut e = null_mut();
    assert_eq!(
        boltc_config_new(cs(c"bolt://x"), null_mut(), &mut e),
        boltc_status::NullArgument
    );
    assert!(take_error(e).1.contains("config_out"));
}

#[test]
fn invalid_utf8_is_invalid_argument() {
    let bad = [0x66u8, 0xFF, 0x00];
    let mut v = null_mut();
    let mut e = null_mut();
    assert_eq!(
        boltc_value_new_string(bad.as_ptr().cast(), 2, &mut v, &mut e),
        boltc_status::InvalidArgument
    );
    assert!(v.is_null());
    assert_eq!(take_error(e).0, boltc_status::InvalidArgument);
    let mut cfg = null_mut();
    assert_eq!(
        boltc_config_new(bad.as_ptr().cast(), &mut cfg, null_mut()),
        boltc_status::InvalidArgument
    );
}

#[test]
fn bad_config_is_config_error() {
    let mut cfg = null_mut();
    assert_eq!(
        boltc_config_new(cs(c"http://x"), &mut cfg, null_mut()),
        boltc_status::Ok
    );
    let mut d = null_mut();
    let mut e = null_mut();
    assert_eq!(boltc_driver_new(cfg, &mut d, &mut e), boltc_status::Config);
    assert_eq!(take_error(e).0, boltc_status::Config);
    assert_eq!(
        boltc_config_set_trust(cfg, 42, null(), &mut e),
        boltc_status::InvalidArgument
    );
    boltc_error_free(e);
    boltc_config_free(cfg);
}

#[test]
fn closed_session_and_its_results_fail_cleanly() {
    let d = driver();
    let mut s = null_mut();
    assert_eq!(
        boltc_driver_session(d, null(), &mut s, null_mut()),
        boltc_status::Ok
    );
    // Unreachable server: a connection error, not a crash.
    let mut r = null_mut();
    let mut e = null_mut();
    let st = boltc_session_run_cstr(s, cs(c"RETURN 1"), null(), &mut r, &mut e);
    assert_eq!(st, boltc_status::ServiceUnavailable, "{}", take_error(e).1);
    assert_eq!(boltc_session_close(s, null_mut()), boltc_status::Ok);
    assert_eq!(boltc_session_close(s, null_mut()), boltc_status::Ok);
    let mut e = null_mut();
    assert_eq!(
        boltc_session_run_cstr(s, cs(c"RETURN 1"), null(), &mut r, &mut e),
        boltc_status::IllegalState
    );
    assert!(take_error(e).1.contains("closed"));
    let mut t = null_mut();
    assert_eq!(
        boltc_session_begin(s, -1, null(), &mut t, null_mut()),
        boltc_status::IllegalState
    );
    boltc_session_free(s);
    boltc_driver_free(d);
}

#[test]
fn a_session_used_by_another_thread_is_busy() {
    let d = driver();
    let mut s = null_mut();
    assert_eq!(
        boltc_driver_session(d, null(), &mut s, null_mut()),
        boltc_status::Ok
    );
    // SAFETY: the test owns the live session handle.
    let shared = unsafe { &*s }.shared.clone();
    let guard = shared.state.lock();
    let mut r = null_mut();
    let mut e = null_mut();
    assert_eq!(
        boltc_session_run_cstr(s, cs(c"RETURN 1"), null(), &mut r, &mut e),
        boltc_status::Busy
    );
    assert_eq!(take_error(e).0, boltc_status::Busy);
    drop(guard);
    boltc_session_free(s);
    boltc_driver_free(d);
}

#[test]
fn values_and_maps_round_trip() {
    let m = boltc_map_new();
    assert_eq!(
        boltc_map_set_int(m, cs(c"n"), 42, null_mut()),
        boltc_status::Ok
    );
    assert_eq!(
        boltc_map_set_string(m, cs(c"s"), cs(c"h\u{e9}"), null_mut()),
        boltc_status::Ok
    );
    let l = boltc_value_new_list();
    let f = boltc_value_new_float(1.5);
    assert_eq!(boltc_value_list_push(l, f, null_mut()), boltc_status::Ok);
    assert_eq!(
        boltc_map_set_cstr(m, cs(c"l"), l, null_mut()),
        boltc_status::Ok
    );
    boltc_value_free(f);
    boltc_value_free(l);
    assert_eq!(boltc_map_len(m), 3);
    let mut v = null();
    assert_eq!(
        boltc_map_get(m, cs(c"n"), 1, &mut v, null_mut()),
        boltc_status::Ok
    );
    let mut i = 0;
    assert_eq!(boltc_value_as_int(v, &mut i, null_mut()), boltc_status::Ok);
    assert_eq!(i, 42);
    let mut b = false;
    let mut e = null_mut();
    assert_eq!(
        boltc_value_as_bool(v, &mut b, &mut e),
        boltc_status::Conversion
    );
    assert!(take_error(e).1.contains("Integer"));
    // Entries come in insertion order: n, s, l.
    let (mut k, mut kl) = (null(), 0);
    assert_eq!(
        boltc_map_entry(m, 1, &mut k, &mut kl, &mut v, null_mut()),
        boltc_status::Ok
    );
    // SAFETY: k/kl describe the key inside the live map.
    let key = unsafe { std::slice::from_raw_parts(k.cast::<u8>(), kl) };
    assert_eq!(key, b"s");
    assert_eq!(boltc_value_get_type(v), boltc_value_type::String);
    let (mut p, mut n) = (null(), 0);
    assert_eq!(
        boltc_value_as_string(v, &mut p, &mut n, null_mut()),
        boltc_status::Ok
    );
    // SAFETY: p/n describe the string inside the live map.
    let got = unsafe { std::slice::from_raw_parts(p.cast::<u8>(), n) };
    assert_eq!(got, "h\u{e9}".as_bytes());
    assert_eq!(
        boltc_map_get(m, cs(c"zz"), 2, &mut v, null_mut()),
        boltc_status::Ok
    );
    assert!(v.is_null());
    let mv = boltc_value_new_map(m);
    let mut mm = null();
    assert_eq!(
        boltc_value_as_map(mv, &mut mm, null_mut()),
        boltc_status::Ok
    );
    assert_eq!(boltc_map_len(mm), 3);
    boltc_value_free(mv);
    boltc_map_free(m);
}

#[test]
fn temporal_and_spatial_values_are_plain_structs() {
    let d = boltc_value_new_date(boltc_date { days: 19_000 });
    let mut out = boltc_date::default();
    assert_eq!(
        boltc_value_as_date(d, &mut out, null_mut()),
        boltc_status::Ok
    );
    assert_eq!(out.days, 19_000);
    boltc_value_free(d);
    let p = boltc_value_new_point(boltc_point {
        srid: 9157,
        dimensions: 3,
        x: 1.0,
        y: 2.0,
        z: 3.0,
    });
    let mut pt = boltc_point::default();
    assert_eq!(
        boltc_value_as_point(p, &mut pt, null_mut()),
        boltc_status::Ok
    );
    assert_eq!((pt.dimensions, pt.z), (3, 3.0));
    boltc_value_free(p);
    let zone = "Europe/Stockholm";
    let mut v = null_mut();
    let dt = boltc_datetime {
        seconds: 1,
        nanoseconds: 2,
        tz_offset_seconds: 0,
        tz_id: zone.as_ptr().cast(),
        tz_id_len: zone.len(),
    };
    assert_eq!(
        boltc_value_new_datetime(dt, &mut v, null_mut()),
        boltc_status::Ok
    );
    assert_eq!(boltc_value_get_type(v), boltc_value_type::DateTimeZoneId);
    let mut back = dt;
    back.tz_id = null();
    assert_eq!(
        boltc_value_as_datetime(v, &mut back, null_mut()),
        boltc_status::Ok
    );
    assert_eq!(back.tz_id_len, zone.len());
    boltc_value_free(v);
}

#[test]
fn graph_values_cannot_be_parameters() {
    use crate::value::{Map, Node, Value};
    let d = driver();
    let mut s = null_mut();
    assert_eq!(
        boltc_driver_session(d, null(), &mut s, null_mut()),
        boltc_status::Ok
    );
    let m = boltc_map_new();
    let node = Value::Node(Box::new(Node {
        id: 1,
        element_id: "1".into(),
        labels: vec![],
        properties: Map::new(),
    }));
    let nv = super::handle::opaque_box::<boltc_value>(node);
    assert_eq!(
        boltc_map_set_cstr(m, cs(c"n"), nv, null_mut()),
        boltc_status::Ok
    );
    let mut r = null_mut();
    let mut e = null_mut();
    assert_eq!(
        boltc_session_run_cstr(s, cs(c"RETURN $n"), m, &mut r, &mut e),
        boltc_status::InvalidArgument
    );
    assert!(take_error(e).1.contains("Node"));
    boltc_value_free(nv);
    boltc_map_free(m);
    boltc_session_free(s);
    boltc_driver_free(d);
}

#[test]
fn error_object_carries_server_code_and_gql_cause() {
    use crate::error::{Error, GqlError};
    let gql = GqlError {
        gql_status: "42001".into(),
        description: "syntax".into(),
        classification: Some("CLIENT_ERROR".into()),
        cause: Some(Box::new(GqlError {
            gql_status: "42I06".into(),
            description: "invalid input".into(),
            message: "cause msg".into(),
            ..GqlError::default()
        })),
        ..GqlError::default()
    };
    let err = Error::server("Neo.ClientError.Statement.SyntaxError", "bad").with_gql(gql);
    let mut e = null_mut();
    let st = ffi_status!(&mut e, { Err(err.into()) });
    assert_eq!(st, boltc_status::ClientError);
    // SAFETY: accessors return NUL-terminated strings owned by the live error.
    let s = |p: *const c_char| unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_owned();
    assert_eq!(
        s(boltc_error_server_code(e)),
        "Neo.ClientError.Statement.SyntaxError"
    );
    assert_eq!(s(boltc_error_classification(e)), "CLIENT_ERROR");
    assert_eq!(s(boltc_error_gql_status(e)), "42001");
    assert!(!boltc_error_is_retryable(e));
    let cause = boltc_error_cause(e);
    assert_eq!(s(boltc_error_gql_status(cause)), "42I06");
    assert_eq!(s(boltc_error_message(cause)), "cause msg");
    assert!(boltc_error_cause(cause).is_null());
    // The cause belongs to `e`: freeing it on its own (a C mistake) does nothing, and neither
    // does handing it over as a transaction function's error.
    boltc_error_free(cause.cast_mut());
    boltc_error_free(cause.cast_mut());
    // SAFETY: a live (borrowed) error object.
    assert!(unsafe { super::error::take_error(cause.cast_mut()) }.is_none());
    assert_eq!(s(boltc_error_message(boltc_error_cause(e))), "cause msg");
    boltc_error_free(e);
}

#[test]
fn server_errors_without_a_message_are_named_by_their_code() {
    use crate::error::{Error, GqlError};
    let gql = GqlError {
        gql_status: "42001".into(),
        cause: Some(Box::new(GqlError {
            gql_status: "22N01".into(),
            ..GqlError::default()
        })),
        ..GqlError::default()
    };
    let err = Error::server("Neo.ClientError.Statement.SyntaxError", "").with_gql(gql);
    let mut e = null_mut();
    ffi_status!(&mut e, { Err(err.into()) });
    // SAFETY: accessors return NUL-terminated strings owned by the live error.
    let s = |p: *const c_char| unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_owned();
    assert_eq!(
        s(boltc_error_message(e)),
        "Neo.ClientError.Statement.SyntaxError (the server sent no message)"
    );
    assert_eq!(
        s(boltc_error_message(boltc_error_cause(e))),
        "22N01 (the server sent no message)"
    );
    boltc_error_free(e);
}

#[test]
fn a_pointer_of_another_type_is_not_freed() {
    // An error object freed as a result or a record (both smaller, so their magic number is
    // read inside it): the magic number is checked before anything is made of the pointer, so
    // it is left alone and still usable.
    let mut e = null_mut();
    ffi_status!(&mut e, { Err(Failure::invalid("kept")) });
    boltc_result_free(e.cast());
    boltc_record_free(e.cast());
    boltc_summary_free(e.cast());
    assert_eq!(take_error(e).1, "kept");
}

/// A C entry point that panics, to check the guard.
extern "C" fn forced_panic(error_out: *mut *mut boltc_error) -> boltc_status {
    ffi_status!(error_out, {
        if error_out.is_null() || !error_out.is_null() {
            panic!("forced");
        }
        Ok(())
    })
}

#[test]
fn a_panic_becomes_a_status() {
    let mut e = null_mut();
    assert_eq!(forced_panic(&mut e), boltc_status::Panic);
    let (st, msg) = take_error(e);
    assert_eq!(st, boltc_status::Panic);
    assert!(msg.contains("forced"), "{msg}");
    assert_eq!(forced_panic(null_mut()), boltc_status::Panic);
}

#[test]
fn status_names_and_version() {
    // SAFETY: static NUL-terminated strings.
    let name = unsafe { CStr::from_ptr(super::boltc_status_name(boltc_status::Busy as i32)) };
    assert_eq!(name.to_str().unwrap(), "BOLTC_STATUS_BUSY");
    // Any int32_t from C: no enum value is made of it.
    for raw in [-1, 20, 55, 1000, i32::MIN, i32::MAX] {
        // SAFETY: as above.
        let name = unsafe { CStr::from_ptr(super::boltc_status_name(raw)) };
        assert_eq!(name.to_str().unwrap(), "BOLTC_STATUS_UNKNOWN", "{raw}");
    }
    // SAFETY: as above.
    let v = unsafe { CStr::from_ptr(super::boltc_version()) };
    assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
}

#[test]
fn call_timeout_setters_check_their_arguments_and_reach_the_session() {
    assert_eq!(
        boltc_session_set_call_timeout_ms(null_mut(), 5, null_mut()),
        boltc_status::NullArgument
    );
    assert_eq!(
        boltc_session_config_set_call_timeout_ms(null_mut(), 5, null_mut()),
        boltc_status::NullArgument
    );
    let d = driver();
    let mut sc = null_mut();
    assert_eq!(
        boltc_session_config_new(&mut sc, null_mut()),
        boltc_status::Ok
    );
    assert_eq!(
        boltc_session_config_set_call_timeout_ms(sc, 250, null_mut()),
        boltc_status::Ok
    );
    let mut s = null_mut();
    assert_eq!(
        boltc_driver_session(d, sc, &mut s, null_mut()),
        boltc_status::Ok
    );
    boltc_session_config_free(sc);
    let timeout = |s: *mut boltc_session| {
        // SAFETY: `s` is a live session made above and used by this thread only.
        let shared = unsafe { &(*s).shared };
        let mut st = shared.state.lock();
        st.session.as_mut().map(|s| s.call_timeout())
    };
    let ms = std::time::Duration::from_millis;
    assert_eq!(timeout(s), Some(Some(ms(250))));
    assert_eq!(
        boltc_session_set_call_timeout_ms(s, -1, null_mut()),
        boltc_status::Ok
    );
    assert_eq!(timeout(s), Some(None));
    assert_eq!(
        boltc_session_set_call_timeout_ms(s, 0, null_mut()),
        boltc_status::Ok
    );
    assert_eq!(timeout(s), Some(Some(ms(0))));
    assert_eq!(boltc_session_close(s, null_mut()), boltc_status::Ok);
    assert_eq!(
        boltc_session_set_call_timeout_ms(s, 10, null_mut()),
        boltc_status::IllegalState
    );
    boltc_session_free(s);
    boltc_driver_free(d);
}

#[test]
fn liveness_check_and_max_lifetime_are_configurable() {
    use std::time::Duration;
    let mut cfg = null_mut();
    assert_eq!(
        boltc_config_new(cs(c"bolt://127.0.0.1:7687"), &mut cfg, null_mut()),
        boltc_status::Ok
    );
    // SAFETY: cfg is the live config created above.
    let built = |cfg: *mut boltc_config| unsafe { (*cfg).builder.clone().build().unwrap() };
    assert_eq!(built(cfg).liveness_check_timeout, None);
    assert_eq!(
        built(cfg).max_connection_lifetime,
        Some(Duration::from_secs(3600))
    );
    assert_eq!(
        boltc_config_set_liveness_check_timeout_ms(cfg, 250, null_mut()),
        boltc_status::Ok
    );
    assert_eq!(
        boltc_config_set_max_connection_lifetime_ms(cfg, 0, null_mut()),
        boltc_status::Ok
    );
    assert_eq!(
        built(cfg).liveness_check_timeout,
        Some(Duration::from_millis(250))
    );
    assert_eq!(built(cfg).max_connection_lifetime, Some(Duration::ZERO));
    boltc_config_set_liveness_check_timeout_ms(cfg, -1, null_mut());
    boltc_config_set_max_connection_lifetime_ms(cfg, -1, null_mut());
    assert_eq!(built(cfg).liveness_check_timeout, None);
    assert_eq!(built(cfg).max_connection_lifetime, None);
    assert_eq!(
        boltc_config_set_max_connection_lifetime_ms(null_mut(), 1, null_mut()),
        boltc_status::NullArgument
    );
    boltc_config_free(cfg);
}
