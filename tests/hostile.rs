//! Hostile server bytes through a real connection: a stub server answers a query with raw bytes
//! that lie about sizes, nest too deeply, exceed the message limit, carry invalid UTF-8, unknown
//! tags, or stop in the middle. Each must give a typed error quickly (no allocation of the
//! claimed size, no hang), and the connection must be discarded (pool metrics show it closed).

mod common;
mod support;

use boltc::{Driver, ErrorKind, SessionConfig, Value};
use common::{assert_kind, driver_with, framed};
use std::time::{Duration, Instant};
use support::StubServer;

const HELLO: &str = "!: BOLT 5.4\n\
    C: HELLO {\"user_agent\": \"MyClient/1.0\", ..}\n\
    S: SUCCESS {\"server\": \"Neo4j/5.4.0\", \"connection_id\": \"bolt-7\"}\n\
    C: LOGON {\"scheme\": \"basic\", \"principal\": \"neo4j\", \"credentials\": \"secret\"}\n\
    S: SUCCESS {}\n\
    C: RUN \"RETURN 1 AS n\" {} {}\n\
    C: PULL {\"n\": 1000}\n\
    S: SUCCESS {\"fields\": [\"n\"]}\n";

/// VmRSS of this process in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// Runs the query against a stub that answers with `raw` (hex, already framed), and returns the
/// error of the first failing call. Checks time, memory and that the connection was closed.
fn hostile(raw: &str, max_message: usize) -> boltc::Error {
    hostile_with(raw, |c| c.max_message_size(max_message))
}

/// [`hostile`] with the driver configured by `f`.
fn hostile_with(
    raw: &str,
    f: impl FnOnce(boltc::ConfigBuilder) -> boltc::ConfigBuilder,
) -> boltc::Error {
    let stub = StubServer::start(&format!("{HELLO}S: <RAW> {raw}\nS: <SLEEP 500ms>\n"));
    let d = driver_with(&stub.uri(), |c| {
        f(c).read_timeout(Some(Duration::from_secs(2)))
    });
    let rss_before = rss_kib();
    let start = Instant::now();
    let err = first_error(&d);
    let elapsed = start.elapsed();
    let grown = rss_kib().saturating_sub(rss_before);
    assert!(elapsed < Duration::from_secs(1), "took {elapsed:?}: {err}");
    assert!(grown < 64 * 1024, "RSS grew by {grown} KiB: {err}");
    let metrics = d.pool_metrics();
    assert_eq!(metrics.len(), 1, "{metrics:?}");
    let m = metrics[0].1;
    assert_eq!(
        (m.created, m.closed, m.in_use, m.idle),
        (1, 1, 0, 0),
        "{m:?}"
    );
    d.close();
    stub.finish();
    err
}

fn first_error(d: &Driver) -> boltc::Error {
    let mut s = d.session(SessionConfig::default()).unwrap();
    let mut stream = match s.run("RETURN 1 AS n", None) {
        Ok(stream) => stream,
        Err(e) => return e,
    };
    for r in stream.by_ref() {
        if let Err(e) = r {
            return e;
        }
    }
    panic!("the hostile reply was accepted");
}

#[test]
fn list_header_claiming_four_billion_items() {
    // RECORD [[<2^32 - 1 items>]]
    let e = hostile(
        &framed(&[0xB1, 0x71, 0x91, 0xD6, 0xFF, 0xFF, 0xFF, 0xFF]),
        1 << 20,
    );
    assert_kind(&e, ErrorKind::Protocol);
}

#[test]
fn map_string_and_bytes_headers_claiming_gigabytes() {
    for header in [
        [0xDA, 0xFF, 0xFF, 0xFF, 0xFF],
        [0xD2, 0x7F, 0xFF, 0xFF, 0xFF],
        [0xCE, 0xFF, 0xFF, 0xFF, 0xFF],
    ] {
        let mut body = vec![0xB1, 0x71, 0x91];
        body.extend_from_slice(&header);
        body.extend_from_slice(&[0; 16]);
        let e = hostile(&framed(&body), 1 << 20);
        assert_kind(&e, ErrorKind::Protocol);
    }
}

#[test]
fn deep_nesting() {
    // RECORD [[[[...1...]]]] 10,000 levels deep.
    let mut body = vec![0xB1, 0x71, 0x91];
    body.extend(std::iter::repeat(0x91).take(10_000));
    body.push(0x01);
    let e = hostile(&framed(&body), 1 << 20);
    assert_kind(&e, ErrorKind::Protocol);
    assert!(e.to_string().contains("nested too deeply"), "{e}");
}

#[test]
fn a_record_decoding_past_max_decoded_size() {
    // RECORD [[1 × 15] × 3,700]: 59 KB on the wire, 2.4 MB of values, over a 1 MiB budget.
    let mut body = vec![0xB1, 0x71, 0x91, 0xD5];
    body.extend(3700u16.to_be_bytes());
    for _ in 0..3700 {
        body.push(0x9F);
        body.extend([0x01; 15]);
    }
    let e = hostile_with(&framed(&body), |c| c.max_decoded_size(1 << 20));
    assert_kind(&e, ErrorKind::Protocol);
    assert!(e.to_string().contains("max_decoded_size"), "{e}");
    // The same record within the default budget is a record.
    let stub = StubServer::start(&format!(
        "{HELLO}S: <RAW> {}\nS: SUCCESS {{}}\n",
        framed(&body)
    ));
    let d = driver_with(&stub.uri(), |c| c);
    let mut s = d.session(SessionConfig::default()).unwrap();
    let rows: Vec<_> = s.run("RETURN 1 AS n", None).unwrap().collect();
    assert_eq!(rows.len(), 1);
    assert!(rows[0].is_ok(), "{:?}", rows[0]);
    drop(s);
    d.close();
    stub.finish();
}

#[test]
fn chunk_larger_than_the_message_limit() {
    // A single 60,000-byte chunk with a 4 KiB limit: refused on the header, before the bytes.
    let mut body = vec![0xEA, 0x60];
    body.extend(std::iter::repeat(0).take(16));
    let e = hostile(&common::hex(&body), 4096);
    assert_kind(&e, ErrorKind::Protocol);
    assert!(e.to_string().contains("4096-byte limit"), "{e}");
}

#[test]
fn many_chunks_adding_up_past_the_message_limit() {
    // 3 chunks of 2,000 bytes with no end marker yet: the limit trips at the 3rd.
    let mut raw = Vec::new();
    for _ in 0..3 {
        raw.extend_from_slice(&[0x07, 0xD0]);
        raw.extend(std::iter::repeat(0x01).take(2000));
    }
    let e = hostile(&common::hex(&raw), 4096);
    assert_kind(&e, ErrorKind::Protocol);
}

#[test]
fn invalid_utf8_in_a_string_and_in_a_map_key() {
    let e = hostile(&framed(&[0xB1, 0x71, 0x91, 0x82, 0xFF, 0xFE]), 1 << 20);
    assert_kind(&e, ErrorKind::Protocol);
    assert!(e.to_string().contains("UTF-8"), "{e}");
    let e = hostile(&framed(&[0xB1, 0x70, 0xA1, 0x81, 0xC0, 0x01]), 1 << 20);
    assert_kind(&e, ErrorKind::Protocol);
}

#[test]
fn unknown_message_tag() {
    let e = hostile(&framed(&[0xB1, 0x55, 0xA0]), 1 << 20);
    assert_kind(&e, ErrorKind::Protocol);
    assert!(e.to_string().contains("unknown response message"), "{e}");
}

#[test]
fn reserved_marker_and_non_string_key() {
    let e = hostile(&framed(&[0xB1, 0x71, 0x91, 0xC7]), 1 << 20);
    assert_kind(&e, ErrorKind::Protocol);
    let e = hostile(&framed(&[0xB1, 0x70, 0xA1, 0x01, 0x01]), 1 << 20);
    assert_kind(&e, ErrorKind::Protocol);
}

#[test]
fn known_struct_tag_with_wrong_field_types() {
    // RECORD [Node("x", [], {}, "n")]: the id must be an integer.
    let body = [
        0xB1, 0x71, 0x91, 0xB4, 0x4E, 0x81, b'x', 0x90, 0xA0, 0x81, b'n',
    ];
    let e = hostile(&framed(&body), 1 << 20);
    assert_kind(&e, ErrorKind::Protocol);
}

#[test]
fn truncated_message_then_close() {
    // The chunk header promises 10 bytes, 4 arrive, then the server closes.
    let stub = StubServer::start(&format!("{HELLO}S: <RAW> 00 0A B1 71 91 01\nS: <EXIT>\n"));
    let d = driver_with(&stub.uri(), |c| c);
    let start = Instant::now();
    let e = first_error(&d);
    assert!(start.elapsed() < Duration::from_secs(1));
    assert_kind(&e, ErrorKind::ServiceUnavailable);
    let m = d.pool_metrics()[0].1;
    assert_eq!(
        (m.created, m.closed, m.in_use, m.idle),
        (1, 1, 0, 0),
        "{m:?}"
    );
    stub.finish();
}

#[test]
fn truncated_value_inside_a_complete_chunk() {
    // RECORD ["hello"] cut after "he": the chunk is complete, the value is not.
    let e = hostile(&framed(&[0xB1, 0x71, 0x91, 0x85, b'h', b'e']), 1 << 20);
    assert_kind(&e, ErrorKind::Protocol);
}

#[test]
fn truncated_message_then_silence_times_out() {
    let stub = StubServer::start(&format!(
        "{HELLO}S: <RAW> 00 0A B1 71 91 01\nS: <SLEEP 3s>\n"
    ));
    let d = driver_with(&stub.uri(), |c| {
        c.read_timeout(Some(Duration::from_millis(300)))
    });
    let start = Instant::now();
    let e = first_error(&d);
    let took = start.elapsed();
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert!(
        e.kind() == ErrorKind::ServiceUnavailable || e.kind() == ErrorKind::Timeout,
        "{e:?}"
    );
    let m = d.pool_metrics()[0].1;
    assert_eq!((m.closed, m.in_use, m.idle), (1, 0, 0), "{m:?}");
    d.close();
    drop(stub);
}

#[test]
fn unknown_struct_tag_inside_a_record_is_passed_through() {
    // Documented behaviour: an unknown structure becomes Value::Struct, not an error.
    let stub = StubServer::start(&format!(
        "{HELLO}S: <RAW> {}\nS: SUCCESS {{}}\n",
        framed(&[0xB1, 0x71, 0x91, 0xB1, 0x99, 0x01])
    ));
    let d = driver_with(&stub.uri(), |c| c);
    let mut s = d.session(SessionConfig::default()).unwrap();
    let rec = s.run("RETURN 1 AS n", None).unwrap().single().unwrap();
    assert!(matches!(rec.get::<Value, _>(0).unwrap(), Value::Struct(_)));
    drop(s);
    stub.finish();
}

/// Issue 16 #9: a RECORD must have one value per column of its RUN's `fields`. Longer and
/// shorter ones are protocol errors (the connection is closed), on the record path and on
/// the rows path (which decodes buffered records straight into a block).
#[test]
fn a_record_whose_length_differs_from_the_fields() {
    // RECORD [1, 2] and RECORD [] for the one column "n".
    for body in [&[0xB1, 0x71, 0x92, 0x01, 0x02][..], &[0xB1, 0x71, 0x90]] {
        let e = hostile(&framed(body), 1 << 20);
        assert_kind(&e, ErrorKind::Protocol);
        assert!(e.to_string().contains("for 1 columns"), "{e}");
        // Rows: a good record first, then the bad one, buffered together.
        let stub = StubServer::start(&format!(
            "{HELLO}S: <RAW> {} {}\nS: <SLEEP 500ms>\n",
            framed(&[0xB1, 0x71, 0x91, 0x07]),
            framed(body)
        ));
        let d = driver_with(&stub.uri(), |c| c);
        let mut s = d.session(SessionConfig::default()).unwrap();
        let mut stream = s.run("RETURN 1 AS n", None).unwrap();
        let mut rows = boltc::Rows::new();
        let mut seen = Vec::new();
        let err = loop {
            match stream.next_rows(10, &mut rows) {
                Ok(more) => {
                    seen.extend(rows.iter().map(<[Value]>::to_vec));
                    assert!(more, "the bad record was accepted: {seen:?}");
                }
                Err(e) => break e,
            }
        };
        assert_eq!(seen, [vec![Value::Int(7)]]);
        assert_kind(&err, ErrorKind::Protocol);
        drop(stream);
        drop(s);
        assert_eq!(d.pool_metrics()[0].1.closed, 1);
        d.close();
        stub.finish();
    }
}

/// Issue 16 #9: a RUN reply's `fields` must be a list of strings; a non-string entry used to
/// be dropped, shifting every later column onto the wrong name.
#[test]
fn run_fields_that_are_not_all_strings() {
    let script = HELLO.replace(r#"{"fields": ["n"]}"#, r#"{"fields": ["n", 1, "m"]}"#);
    // Nothing after the bad reply: the driver closes the connection on it, so a RECORD
    // scripted after it raced that close (a failed write in the stub under load).
    let stub = StubServer::start(&format!("{script}S: <SLEEP 500ms>\n"));
    let d = driver_with(&stub.uri(), |c| c);
    let e = first_error(&d);
    assert_kind(&e, ErrorKind::Protocol);
    assert!(e.to_string().contains("fields are not all strings"), "{e}");
    assert_eq!(d.pool_metrics()[0].1.closed, 1);
    d.close();
    stub.finish();
}

#[test]
fn a_record_before_the_reply_to_run_is_a_protocol_violation() {
    // RECORD [1] arrives as the reply to RUN, in place of its SUCCESS: no server may send that.
    let script = HELLO.replace("S: SUCCESS {\"fields\": [\"n\"]}\n", "S: RECORD [1]\n");
    assert_ne!(script, HELLO);
    let stub = StubServer::start(&format!("{script}S: <SLEEP 500ms>\n"));
    let d = driver_with(&stub.uri(), |c| {
        c.read_timeout(Some(Duration::from_secs(2)))
    });
    let e = first_error(&d);
    assert_kind(&e, ErrorKind::Protocol);
    assert!(e.to_string().contains("RECORD in reply to Run"), "{e}");
    assert!(!e.is_retryable(), "{e:?}");
    let m = d.pool_metrics()[0].1;
    assert_eq!((m.closed, m.idle), (1, 0), "{m:?}");
}
