//! Tests of the stub Bolt server itself, driven by a raw `TcpStream` client.

mod support;

use boltc::packstream::{DecodeOptions, Decoder, Dialect, Encoder};
use boltc::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use support::pattern::{parse_hex, Pv, ValueParser};
use support::script::{Script, StepKind};
use support::StubServer;

// ----- a minimal raw client -----

fn connect(stub: &StubServer) -> TcpStream {
    let s = TcpStream::connect(stub.address()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s
}

fn handshake(s: &mut TcpStream, proposals: &[u8]) -> [u8; 4] {
    let mut out = vec![0x60, 0x60, 0xB0, 0x17];
    out.extend_from_slice(proposals);
    out.resize(20, 0);
    s.write_all(&out).unwrap();
    let mut reply = [0u8; 4];
    s.read_exact(&mut reply).unwrap();
    reply
}

/// One message in one chunk plus the `00 00` end marker.
fn chunked(body: &[u8]) -> Vec<u8> {
    let mut out = u16::try_from(body.len()).unwrap().to_be_bytes().to_vec();
    out.extend_from_slice(body);
    out.extend_from_slice(&[0, 0]);
    out
}

/// A chunked message whose fields are written by `f`.
fn message(tag: u8, fields: u8, f: impl FnOnce(&mut Encoder<'_>)) -> Vec<u8> {
    let mut body = Vec::new();
    let mut enc = Encoder::new(&mut body, Dialect::LATEST);
    enc.write_struct_header(fields, tag);
    f(&mut enc);
    chunked(&body)
}

/// A map with entries in the given order (Value::Map would sort the keys).
fn ordered_map(enc: &mut Encoder<'_>, entries: &[(&str, Value)]) {
    enc.write_map_header(entries.len()).unwrap();
    for (k, v) in entries {
        enc.write_str(k).unwrap();
        enc.write_value(v).unwrap();
    }
}

fn read_bytes(s: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    s.read_exact(&mut buf).unwrap();
    buf
}

/// Reads one whole message, framing included, as sent (chunk headers and end marker).
fn read_raw_message(s: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let header = read_bytes(s, 2);
        out.extend_from_slice(&header);
        let n = usize::from(u16::from_be_bytes([header[0], header[1]]));
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&read_bytes(s, n));
    }
}

/// Reads one message and decodes it to (tag, fields).
fn read_message(s: &mut TcpStream) -> (u8, Vec<Value>) {
    let raw = read_raw_message(s);
    let body = &raw[2..raw.len() - 2];
    let mut dec = Decoder::new(body, DecodeOptions::default());
    let (n, tag) = dec.read_struct_header().unwrap();
    let fields = (0..n).map(|_| dec.read_value().unwrap()).collect();
    (tag, fields)
}

fn assert_closed(s: &mut TcpStream) {
    let mut buf = [0u8; 1];
    match s.read(&mut buf) {
        Ok(0) => {}
        Ok(_) => panic!("expected the server to close, got data"),
        Err(e) => assert!(
            e.kind() != std::io::ErrorKind::WouldBlock,
            "connection still open: {e}"
        ),
    }
}

// ----- script language -----

#[test]
fn values_parse_print_and_parse_again() {
    let text = r#"null true -3 1.5 "a\"b\n" b[01 FF] [1, [2]] {"k": *, ..} @N[1, ["L"], {}, "n1"] @Date[3] @0x7F[]"#;
    let values = ValueParser::new(text).values().unwrap();
    assert_eq!(values.len(), 11);
    assert_eq!(values[2], Pv::Int(-3));
    assert_eq!(values[3], Pv::Float(1.5));
    assert_eq!(
        values[7],
        Pv::Map {
            entries: vec![("k".into(), Pv::Any)],
            open: true
        }
    );
    assert_eq!(
        values[9],
        Pv::Struct {
            tag: b'D',
            fields: vec![Pv::Int(3)]
        }
    );
    let printed: Vec<String> = values.iter().map(ToString::to_string).collect();
    assert_eq!(
        ValueParser::new(&printed.join(" ")).values().unwrap(),
        values
    );
    assert_eq!(
        parse_hex("60 60 b0 17").unwrap(),
        vec![0x60, 0x60, 0xB0, 0x17]
    );
    assert!(ValueParser::new(r#"{"a" 1}"#).values().is_err());
    assert!(ValueParser::new("[1, 2").values().is_err());
}

#[test]
fn scripts_parse_with_blocks_and_directives() {
    let script = Script::parse(
        "!: BOLT 5.4 5.3\n!: CONNECTIONS 1..2\n!: AUTO RESET\n# comment\n\
         C: HELLO {\"user_agent\": \"*\", ..}\nS: SUCCESS {}\n?{\n  C: RESET\n  S: SUCCESS {}\n}\n\
         *{\nC: PULL {\"n\": *}\nS: RECORD [1]\n}\nS: <SLEEP 20ms>\nS: <NOOP>\nS: <EXIT>\n",
    )
    .unwrap();
    assert_eq!(script.versions, vec![(5, 4), (5, 3)]);
    assert_eq!(script.connections, (1, 2));
    assert_eq!(script.auto, vec![0x0F]);
    assert_eq!(script.steps.len(), 7);
    assert!(matches!(&script.steps[2].kind, StepKind::Optional(b) if b.len() == 2));
    assert!(matches!(&script.steps[3].kind, StepKind::Repeat(b) if b.len() == 2));
    assert_eq!(
        script.steps[4].kind,
        StepKind::Sleep(Duration::from_millis(20))
    );

    for (bad, line) in [
        ("!: BOLT 5.4\nC: HELLO {}\nC: NOPE {}\n", "line 3"),
        ("!: BOLT 5.4\nS: SUCCESS {\"a\": *}\n", "line 2"),
        ("!: BOLT 5.4\n?{\nS: SUCCESS {}\n}\n", "line 2"),
        ("!: BOLT 5.4\n*{\nC: RESET\n", "line 2"),
        ("C: HELLO {}\n", "BOLT"),
    ] {
        let err = Script::parse(bad).unwrap_err();
        assert!(err.contains(line), "{err}");
    }
}

// ----- handshake -----

#[test]
fn handshake_accepts_a_version_inside_a_proposed_range() {
    let stub = StubServer::start("!: BOLT 5.4\n");
    let mut s = connect(&stub);
    // 4.4 is not it; 00 08 08 05 covers 5.8 down to 5.0.
    let reply = handshake(&mut s, &[0, 0, 4, 4, 0, 8, 8, 5]);
    assert_eq!(reply, [0, 0, 4, 5]);
    drop(s);
    stub.finish();
}

#[test]
fn handshake_rejects_uncovered_proposals_and_closes() {
    let stub = StubServer::start("!: BOLT 5.4\n");
    let mut s = connect(&stub);
    // 5.3 down to 5.0, and 4.4.
    let reply = handshake(&mut s, &[0, 3, 3, 5, 0, 0, 4, 4]);
    assert_eq!(reply, [0, 0, 0, 0]);
    assert_closed(&mut s);
    stub.finish();
}

#[test]
fn no_ranges_and_major_only_servers_read_part_of_each_proposal() {
    // `00 02 04 04` is 4.4..4.2 to a range reader, 4.4 to a 4.2 server that ignores ranges.
    let stub = StubServer::start("!: BOLT 4.2\n!: NO RANGES\n!: CONNECTIONS 2\n");
    let mut s = connect(&stub);
    assert_eq!(handshake(&mut s, &[0, 2, 4, 4]), [0, 0, 0, 0]);
    drop(s);
    let mut s = connect(&stub);
    assert_eq!(handshake(&mut s, &[0, 2, 4, 4, 0, 0, 2, 4]), [0, 0, 2, 4]);
    drop(s);
    stub.finish();
    // A Bolt 3 server takes any proposal with major 3.
    let stub = StubServer::start("!: BOLT 3\n!: MAJOR ONLY\n");
    let mut s = connect(&stub);
    assert_eq!(handshake(&mut s, &[0, 8, 8, 5, 0, 0, 9, 3]), [0, 0, 0, 3]);
    drop(s);
    stub.finish();
}

#[test]
fn a_manifest_server_answers_a_proposal_without_the_manifest_classically() {
    let stub = StubServer::start("!: BOLT 6.0 5.8\n!: MANIFEST\n!: CONNECTIONS 2\n");
    let mut s = connect(&stub);
    assert_eq!(handshake(&mut s, &[0, 8, 8, 5]), [0, 0, 8, 5]);
    drop(s);
    // Nothing it speaks proposed, and no manifest: refused.
    let mut s = connect(&stub);
    assert_eq!(handshake(&mut s, &[0, 4, 4, 4]), [0, 0, 0, 0]);
    drop(s);
    stub.finish();
}

#[test]
fn rejected_handshake_is_a_failure_when_the_script_has_steps() {
    let mut stub = StubServer::start("!: BOLT 5.4\nC: HELLO {..}\n");
    let mut s = connect(&stub);
    assert_eq!(handshake(&mut s, &[0, 0, 0, 4]), [0, 0, 0, 0]);
    let err = stub.try_finish().unwrap_err();
    assert!(err.contains("handshake rejected"), "{err}");
}

#[test]
fn raw_handshake_reply() {
    let stub = StubServer::start("!: HANDSHAKE 00 00 01 FF\n");
    let mut s = connect(&stub);
    assert_eq!(handshake(&mut s, &[0, 0, 4, 5]), [0, 0, 1, 0xFF]);
    drop(s);
    stub.finish();
}

#[test]
fn manifest_handshake_offers_versions_and_reads_the_choice() {
    let stub = StubServer::start("!: BOLT 5.8 5.7\n!: MANIFEST\nC: RESET\nS: SUCCESS {}\n");
    let mut s = connect(&stub);
    assert_eq!(
        handshake(&mut s, &[0, 0, 1, 0xFF, 0, 8, 8, 5]),
        [0, 0, 1, 0xFF]
    );
    // count 2, 5.8, 5.7, capabilities 0
    assert_eq!(read_bytes(&mut s, 10), vec![2, 0, 0, 8, 5, 0, 0, 7, 5, 0]);
    s.write_all(&[0, 0, 7, 5, 0]).unwrap();
    s.write_all(&message(0x0F, 0, |_| {})).unwrap();
    assert_eq!(read_message(&mut s).0, 0x70);
    drop(s);
    stub.finish();
}

// ----- exchanges -----

/// Seed 002, "Running a Cypher query" (Bolt 1): every byte as in the specification.
#[test]
fn bolt1_transcript_is_byte_exact() {
    let stub = StubServer::start(
        r#"
        !: BOLT 1
        C: INIT "MyClient/1.0" {"scheme": "basic", "principal": "neo4j", "credentials": "secret"}
        S: SUCCESS {"server": "Neo4j/3.1.0"}
        C: RUN "RETURN 1 AS num" {}
        S: SUCCESS {"fields": ["num"], "result_available_after": 12}
        C: PULL_ALL
        S: RECORD [1]
        S: SUCCESS {"type": "r", "result_consumed_after": 12}
        "#,
    );
    let init = message(0x01, 2, |e| {
        e.write_str("MyClient/1.0").unwrap();
        let s = |v: &str| Value::String(v.into());
        ordered_map(
            e,
            &[
                ("scheme", s("basic")),
                ("principal", s("neo4j")),
                ("credentials", s("secret")),
            ],
        );
    });
    let seed_init = parse_hex(
        "00 40 B2 01 8C 4D 79 43 6C 69 65 6E 74 2F 31 2E 30 A3 86 73 63 68 65 6D 65 85 62 61 73 69 63 89
         70 72 69 6E 63 69 70 61 6C 85 6E 65 6F 34 6A 8B 63 72 65 64 65 6E 74 69 61 6C 73 86 73 65 63 72
         65 74 00 00",
    )
    .unwrap();
    assert_eq!(init, seed_init, "the Encoder builds the seed's INIT");
    let run = message(0x10, 2, |e| {
        e.write_str("RETURN 1 AS num").unwrap();
        e.write_map_header(0).unwrap();
    });
    assert_eq!(
        run,
        parse_hex("00 13 b2 10 8f 52 45 54 55 52 4e 20 31 20 41 53 20 6e 75 6d a0 00 00").unwrap()
    );

    let mut s = connect(&stub);
    assert_eq!(handshake(&mut s, &[0, 0, 0, 1]), [0, 0, 0, 1]);
    s.write_all(&init).unwrap();
    let expect = |hex: &str| parse_hex(hex).unwrap();
    assert_eq!(
        read_raw_message(&mut s),
        expect("00 16 B1 70 A1 86 73 65 72 76 65 72 8B 4E 65 6F 34 6A 2F 33 2E 31 2E 30 00 00")
    );
    s.write_all(&run).unwrap();
    assert_eq!(
        read_raw_message(&mut s),
        expect(
            "00 28 B1 70 A2 86 66 69 65 6C 64 73 91 83 6E 75 6D D0 16 72 65 73 75 6C 74 5F 61 76 61 69 6C 61
             62 6C 65 5F 61 66 74 65 72 0C 00 00"
        )
    );
    s.write_all(&expect("00 02 B0 3F 00 00")).unwrap();
    assert_eq!(read_raw_message(&mut s), expect("00 04 b1 71 91 01 00 00"));
    assert_eq!(
        read_raw_message(&mut s),
        expect(
            "00 22 B1 70 A2 84 74 79 70 65 81 72 D0 15 72 65 73 75 6C 74 5F 63 6F 6E 73 75 6D 65 64 5F 61 66
             74 65 72 0C 00 00"
        )
    );
    assert_closed(&mut s);
    stub.finish();
}

/// Seed 004, Example 2 (Bolt 4.0), pipelined, with the server's bytes checked against the Encoder.
#[test]
fn bolt4_hello_run_pull_exchange_is_byte_exact() {
    let stub = StubServer::start(
        r#"
        !: BOLT 4.0
        C: HELLO {"user_agent": "Example/4.0.0", "scheme": "basic", "principal": "user", "credentials": "password"}
        S: SUCCESS {"server": "Neo4j/4.0.0", "connection_id": "example-connection-id:1"}
        C: RUN "RETURN $x AS example" {"x": 123} {"mode": "r", "db": "example_database"}
        S: SUCCESS {"fields": ["example"]}
        C: PULL {"n": -1}
        S: RECORD [123]
        S: SUCCESS {"bookmark": "example-bookmark:1", "t_last": 300, "type": "r", "db": "example_database"}
        C: GOODBYE
        C: <EOF>
        "#,
    );
    let st = |v: &str| Value::String(v.into());
    let mut client = message(0x01, 1, |e| {
        let auth = [
            ("user_agent", st("Example/4.0.0")),
            ("scheme", st("basic")),
            ("principal", st("user")),
            ("credentials", st("password")),
        ];
        ordered_map(e, &auth);
    });
    let hello_len = client.len();
    client.extend(message(0x10, 3, |e| {
        e.write_str("RETURN $x AS example").unwrap();
        ordered_map(e, &[("x", Value::Int(123))]);
        ordered_map(e, &[("mode", st("r")), ("db", st("example_database"))]);
    }));
    client.extend(message(0x3F, 1, |e| {
        ordered_map(e, &[("n", Value::Int(-1))])
    }));

    let server = [
        message(0x70, 1, |e| {
            ordered_map(
                e,
                &[
                    ("server", st("Neo4j/4.0.0")),
                    ("connection_id", st("example-connection-id:1")),
                ],
            )
        }),
        message(0x70, 1, |e| {
            ordered_map(e, &[("fields", Value::List(vec![st("example")]))])
        }),
        message(0x71, 1, |e| {
            e.write_value(&Value::List(vec![Value::Int(123)])).unwrap()
        }),
        message(0x70, 1, |e| {
            let meta = [
                ("bookmark", st("example-bookmark:1")),
                ("t_last", Value::Int(300)),
                ("type", st("r")),
                ("db", st("example_database")),
            ];
            ordered_map(e, &meta);
        }),
    ];

    let mut s = connect(&stub);
    assert_eq!(handshake(&mut s, &[0, 0, 0, 4]), [0, 0, 0, 4]);
    s.write_all(&client[..hello_len]).unwrap();
    assert_eq!(read_raw_message(&mut s), server[0]);
    // RUN and PULL pipelined in one write.
    s.write_all(&client[hello_len..]).unwrap();
    for expected in &server[1..] {
        assert_eq!(&read_raw_message(&mut s), expected);
    }
    s.write_all(&message(0x02, 0, |_| {})).unwrap();
    drop(s);
    stub.finish();
}

#[test]
fn a_wrong_message_is_reported_with_a_diff() {
    let mut stub = StubServer::start(
        "!: BOLT 5.4\nC: HELLO {\"user_agent\": \"*\", ..}\nS: SUCCESS {}\nC: RUN \"RETURN 1\" {} {}\nS: SUCCESS {}\n",
    );
    let mut s = connect(&stub);
    handshake(&mut s, &[0, 0, 4, 5]);
    let st = |v: &str| Value::String(v.into());
    s.write_all(&message(0x01, 1, |e| {
        ordered_map(e, &[("user_agent", st("x/1")), ("scheme", st("none"))])
    }))
    .unwrap();
    assert_eq!(read_message(&mut s).0, 0x70);
    s.write_all(&message(0x3F, 1, |e| {
        ordered_map(e, &[("n", Value::Int(1000))])
    }))
    .unwrap();
    assert_closed(&mut s);
    let err = stub.try_finish().unwrap_err();
    assert!(
        err.contains("script line 4: expected C: RUN \"RETURN 1\" {} {}"),
        "{err}"
    );
    assert!(err.contains("got C: PULL {\"n\": 1000}"), "{err}");
    assert!(
        // In the order sent (maps keep it).
        err.contains("C: HELLO {\"user_agent\": \"x/1\", \"scheme\": \"none\"}"),
        "transcript: {err}"
    );
}

#[test]
fn finish_panics_with_the_report() {
    let stub = StubServer::start("!: BOLT 5.4\nC: RESET\n");
    let mut s = connect(&stub);
    handshake(&mut s, &[0, 0, 4, 5]);
    s.write_all(&message(0x13, 0, |_| {})).unwrap();
    assert_closed(&mut s);
    let panic =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| stub.finish())).unwrap_err();
    let text = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        text.contains("expected C: RESET") && text.contains("got C: ROLLBACK"),
        "{text}"
    );
}

#[test]
fn map_patterns_require_exact_keys_unless_open() {
    let mut stub = StubServer::start("!: BOLT 5.0\nC: BEGIN {\"db\": \"*\"}\n");
    let mut s = connect(&stub);
    handshake(&mut s, &[0, 0, 0, 5]);
    let st = |v: &str| Value::String(v.into());
    s.write_all(&message(0x11, 1, |e| {
        ordered_map(e, &[("db", st("a")), ("mode", st("r"))])
    }))
    .unwrap();
    assert_closed(&mut s);
    assert!(stub
        .try_finish()
        .unwrap_err()
        .contains("expected C: BEGIN {\"db\": *}"));
}

#[test]
fn finish_times_out_when_nobody_connects() {
    let mut stub = StubServer::start("!: BOLT 5.4\nC: HELLO {..}\n");
    stub.set_finish_timeout(Duration::from_millis(200));
    let started = Instant::now();
    let err = stub.try_finish().unwrap_err();
    assert!(err.contains("timed out"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn finish_stops_a_connection_waiting_for_the_client() {
    let mut stub = StubServer::start("!: BOLT 5.4\nC: HELLO {..}\n");
    stub.set_finish_timeout(Duration::from_millis(200));
    let mut s = connect(&stub);
    handshake(&mut s, &[0, 0, 4, 5]);
    let started = Instant::now();
    let err = stub.try_finish().unwrap_err();
    assert!(
        err.contains("timed out") && err.contains("stopped by finish()"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn exit_closes_the_connection() {
    let stub = StubServer::start(
        "!: BOLT 5.4\nC: RESET\nS: SUCCESS {}\nS: <EXIT>\nS: SUCCESS {\"never\": true}\n",
    );
    let mut s = connect(&stub);
    handshake(&mut s, &[0, 0, 4, 5]);
    s.write_all(&message(0x0F, 0, |_| {})).unwrap();
    assert_eq!(read_message(&mut s).0, 0x70);
    assert_closed(&mut s);
    stub.finish();
}

#[test]
fn noop_chunks_and_raw_bytes_are_sent_as_written() {
    let stub = StubServer::start(
        "!: BOLT 5.4\nS: <NOOP>\nS: <NOOP>\nS: <RAW> 00 03 B0 7E 00 00\nS: IGNORED\n",
    );
    let mut s = connect(&stub);
    handshake(&mut s, &[0, 0, 4, 5]);
    assert_eq!(read_bytes(&mut s, 6), vec![0, 0, 0, 0, 0, 3]);
    assert_eq!(read_bytes(&mut s, 5), vec![0xB0, 0x7E, 0, 0, 0]);
    assert_eq!(read_bytes(&mut s, 5), vec![2, 0xB0, 0x7E, 0, 0]);
    stub.finish();
}

#[test]
fn client_noops_are_skipped_and_raw_expectations_compared() {
    let stub = StubServer::start(
        "!: BOLT 5.4\nC: <RAW> 00 00 00 02 B0 0F 00 00\nS: SUCCESS {}\nC: RESET\nS: SUCCESS {}\n",
    );
    let mut s = connect(&stub);
    handshake(&mut s, &[0, 0, 4, 5]);
    s.write_all(&[0, 0, 0, 2, 0xB0, 0x0F, 0, 0]).unwrap();
    assert_eq!(read_message(&mut s).0, 0x70);
    // NOOP chunks before the message are keep-alives.
    s.write_all(&[0, 0, 0, 0, 0, 2, 0xB0, 0x0F, 0, 0]).unwrap();
    assert_eq!(read_message(&mut s).0, 0x70);
    stub.finish();
}

#[test]
fn structure_literals_reach_the_client_as_graph_values() {
    let stub = StubServer::start(
        "!: BOLT 5.4\nC: PULL {\"n\": *}\n\
         S: RECORD [@Node[1, [\"L\"], {\"p\": 1.5}, \"n1\"], @Date[19000], b[01 02]]\n",
    );
    let mut s = connect(&stub);
    handshake(&mut s, &[0, 0, 4, 5]);
    s.write_all(&message(0x3F, 1, |e| {
        ordered_map(e, &[("n", Value::Int(-1))])
    }))
    .unwrap();
    let (tag, fields) = read_message(&mut s);
    assert_eq!(tag, 0x71);
    let Value::List(items) = &fields[0] else {
        panic!("{fields:?}")
    };
    let Value::Node(node) = &items[0] else {
        panic!("{items:?}")
    };
    assert_eq!(
        (node.id, node.element_id.as_str(), node.labels.clone()),
        (1, "n1", vec!["L".to_string()])
    );
    assert_eq!(node.properties.get("p"), Some(&Value::Float(1.5)));
    assert!(matches!(&items[1], Value::Date(d) if d.days == 19000));
    assert_eq!(items[2], Value::Bytes(vec![1, 2]));
    stub.finish();
}

#[test]
fn client_structure_patterns_match_hydrated_values() {
    let stub =
        StubServer::start("!: BOLT 5.4\nC: RUN \"q\" {\"d\": @Date[19000]} {}\nS: SUCCESS {}\n");
    let mut s = connect(&stub);
    handshake(&mut s, &[0, 0, 4, 5]);
    s.write_all(&message(0x10, 3, |e| {
        e.write_str("q").unwrap();
        e.write_map_header(1).unwrap();
        e.write_str("d").unwrap();
        e.write_struct_header(1, b'D');
        e.write_int(19000);
        e.write_map_header(0).unwrap();
    }))
    .unwrap();
    assert_eq!(read_message(&mut s).0, 0x70);
    stub.finish();
}

#[test]
fn optional_repeat_and_auto() {
    let stub = StubServer::start(
        "!: BOLT 5.4\n!: AUTO RESET\n\
         ?{\nC: ROLLBACK\nS: SUCCESS {\"rolled\": true}\n}\n\
         *{\nC: PULL {\"n\": *}\nS: SUCCESS {\"has_more\": true}\n}\n\
         C: COMMIT\nS: SUCCESS {\"bookmark\": \"b1\"}\n",
    );
    let mut s = connect(&stub);
    handshake(&mut s, &[0, 0, 4, 5]);
    for _ in 0..3 {
        s.write_all(&message(0x3F, 1, |e| {
            ordered_map(e, &[("n", Value::Int(10))])
        }))
        .unwrap();
        assert_eq!(
            read_message(&mut s).1[0],
            Value::Map([("has_more".to_string(), Value::Bool(true))].into())
        );
    }
    s.write_all(&message(0x0F, 0, |_| {})).unwrap();
    assert_eq!(
        read_message(&mut s),
        (0x70, vec![Value::Map(Default::default())])
    );
    s.write_all(&message(0x12, 0, |_| {})).unwrap();
    assert_eq!(read_message(&mut s).0, 0x70);
    stub.finish();
}

#[test]
fn sequential_connections_each_run_the_script() {
    let mut stub = StubServer::start("!: BOLT 5.4\n!: CONNECTIONS 2\nC: RESET\nS: SUCCESS {}\n");
    for _ in 0..2 {
        let mut s = connect(&stub);
        handshake(&mut s, &[0, 0, 4, 5]);
        s.write_all(&message(0x0F, 0, |_| {})).unwrap();
        assert_eq!(read_message(&mut s).0, 0x70);
        assert_closed(&mut s);
    }
    stub.try_finish().unwrap();
    assert_eq!(stub.transcripts().len(), 2);
}

#[test]
fn concurrent_connections_run_at_the_same_time() {
    let stub = StubServer::start(
        "!: BOLT 5.4\n!: CONNECTIONS 2\n!: CONCURRENT\nC: RESET\nS: SUCCESS {}\n",
    );
    let mut a = connect(&stub);
    let mut b = connect(&stub);
    // Both handshakes complete before either connection finishes its script.
    handshake(&mut a, &[0, 0, 4, 5]);
    handshake(&mut b, &[0, 0, 4, 5]);
    for s in [&mut b, &mut a] {
        s.write_all(&message(0x0F, 0, |_| {})).unwrap();
        assert_eq!(read_message(s).0, 0x70);
    }
    stub.finish();
}

#[test]
fn too_few_connections_is_reported() {
    let mut stub = StubServer::start("!: BOLT 5.4\n!: CONNECTIONS 2\n");
    stub.set_finish_timeout(Duration::from_millis(300));
    let mut s = connect(&stub);
    handshake(&mut s, &[0, 0, 4, 5]);
    drop(s);
    let err = stub.try_finish().unwrap_err();
    assert!(
        err.contains("timed out") && err.contains("1 connection(s) accepted"),
        "{err}"
    );
}
