//! The version handshake (proposal sets, fallback, refusals, non-Bolt peers) and what leaves
//! the driver in one write (pipelining).

mod common;
mod support;

use boltc::{ErrorKind, SessionConfig, TransactionConfig};
use common::{assert_kind, driver, driver_with};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};
use support::StubServer;

/// `[5.8..5.0, 4.4..4.2, 4.1, 3.0]`: the first connection to an address.
const FIRST_SET: &str =
    "C: <HANDSHAKE> 60 60 B0 17 00 08 08 05 00 02 04 04 00 00 01 04 00 00 00 03";
/// `[manifest v1, 4.0, 2.0, 1.0]`: after the server answered "none".
const FALLBACK_SET: &str =
    "C: <HANDSHAKE> 60 60 B0 17 00 00 01 FF 00 00 00 04 00 00 00 02 00 00 00 01";
/// `[manifest v1, 5.8..5.0, 4.4..4.2, 3.0]`: an address whose server negotiated 5.7+ before.
const MANIFEST_SET: &str =
    "C: <HANDSHAKE> 60 60 B0 17 00 00 01 FF 00 08 08 05 00 02 04 04 00 00 00 03";

const HELLO_5X: &str = "C: HELLO {\"user_agent\": \"MyClient/1.0\", ..}\n\
     S: SUCCESS {\"server\": \"Neo4j/5.26.0\"}\n\
     C: LOGON {\"scheme\": \"basic\", ..}\n\
     S: SUCCESS {}\n\
     ?{\n\
     C: GOODBYE\n\
     }\n";

const HELLO_4X: &str = "C: HELLO {\"user_agent\": \"MyClient/1.0\", ..}\n\
     S: SUCCESS {\"server\": \"Neo4j/4.2.0\"}\n\
     ?{\n\
     C: GOODBYE\n\
     }\n";

/// The handshake lines of each connection's transcript (proposal, reply, manifest exchange).
fn handshakes(stub: &StubServer) -> Vec<Vec<String>> {
    stub.transcripts()
        .into_iter()
        .map(|t| {
            t.into_iter()
                .filter(|l| l.contains("<HANDSHAKE>") || l.contains("<MANIFEST>"))
                .collect()
        })
        .collect()
}

#[test]
fn a_bolt2_server_is_reached_by_the_fallback_set_on_a_second_connection() {
    let mut stub = StubServer::start(
        "!: BOLT 2\n!: CONNECTIONS 2\n\
         C: INIT \"MyClient/1.0\" {\"scheme\": \"basic\", ..}\n\
         S: SUCCESS {\"server\": \"Neo4j/3.4.0\"}\n",
    );
    let d = driver(&stub.uri());
    let info = d.server_info().unwrap();
    assert_eq!(info.protocol_version, (2, 0));
    stub.try_finish().unwrap();
    let t = stub.transcripts();
    assert_eq!(t.len(), 2, "{t:?}");
    assert_eq!(t[0], [FIRST_SET, "S: <HANDSHAKE> 00 00 00 00"], "{t:?}");
    assert_eq!(t[1][0], FALLBACK_SET);
    assert_eq!(t[1][1], "S: <HANDSHAKE> 00 00 00 02");
}

#[test]
fn a_5x_server_is_reached_with_the_first_set_on_one_connection() {
    let mut stub = StubServer::start(
        "!: BOLT 5.4\n\
         C: HELLO {\"user_agent\": \"MyClient/1.0\", ..}\n\
         S: SUCCESS {\"server\": \"Neo4j/5.4.0\"}\n\
         C: LOGON {\"scheme\": \"basic\", ..}\n\
         S: SUCCESS {}\n",
    );
    let d = driver(&stub.uri());
    assert_eq!(d.server_info().unwrap().protocol_version, (5, 4));
    stub.try_finish().unwrap();
    let t = stub.transcripts();
    assert_eq!(t.len(), 1);
    assert_eq!(t[0][..2], [FIRST_SET, "S: <HANDSHAKE> 00 00 04 05"]);
}

/// Servers that read only some bytes of a proposal (as 4.0-4.2 and Bolt 1-3 servers, and
/// TestKit's stubs for them, do) are reached on the first connection.
#[test]
fn servers_that_ignore_ranges_or_minors_are_reached_on_one_connection() {
    let cases = [
        // A 4.2 server that ignores ranges sees 5.8, 4.4, 4.1, 3.0 and takes 4.1.
        (
            "!: BOLT 4.2 4.1\n!: NO RANGES\n",
            HELLO_4X,
            "00 00 01 04",
            (4, 1),
        ),
        (
            "!: BOLT 4.1\n!: NO RANGES\n",
            HELLO_4X,
            "00 00 01 04",
            (4, 1),
        ),
        // A 4.2 server that reads ranges takes 4.2 from 4.4..4.2.
        ("!: BOLT 4.2 4.1\n", HELLO_4X, "00 00 02 04", (4, 2)),
        ("!: BOLT 4.3\n", HELLO_4X, "00 00 03 04", (4, 3)),
        (
            "!: BOLT 3\n!: MAJOR ONLY\n",
            HELLO_4X,
            "00 00 00 03",
            (3, 0),
        ),
        ("!: BOLT 5.8\n", HELLO_5X, "00 00 08 05", (5, 8)),
    ];
    for (directives, hello, reply, version) in cases {
        let mut stub = StubServer::start(&format!("{directives}{hello}"));
        let d = driver(&stub.uri());
        assert_eq!(d.server_info().unwrap().protocol_version, version);
        d.close();
        stub.try_finish().unwrap();
        assert_eq!(
            handshakes(&stub),
            [vec![
                FIRST_SET.to_owned(),
                format!("S: <HANDSHAKE> {reply}")
            ]],
            "{directives}"
        );
    }
}

/// A server that speaks only through the manifest (e.g. Bolt 6 only) refuses the first set and
/// gets 6.0 on the second connection; the driver then proposes the manifest first there.
#[test]
fn a_manifest_only_server_gets_6_0_on_the_second_connection_then_on_the_first() {
    let mut stub = StubServer::start(&format!(
        "!: BOLT 6.0\n!: MANIFEST\n!: CONNECTIONS 3\n{HELLO_5X}"
    ));
    let d = driver_with(&stub.uri(), |c| {
        c.max_connection_lifetime(Some(Duration::from_millis(100)))
    });
    assert_eq!(d.server_info().unwrap().protocol_version, (6, 0));
    // The pooled connection expires, so the next acquisition opens a third connection.
    thread::sleep(Duration::from_millis(200));
    assert_eq!(d.server_info().unwrap().protocol_version, (6, 0));
    d.close();
    stub.try_finish().unwrap();
    let manifest = "S: <MANIFEST> 00 00 01 FF 01 00 00 00 06 00";
    let chose_6 = "C: <MANIFEST> 00 00 00 06 capabilities 0";
    assert_eq!(
        handshakes(&stub),
        [
            vec![FIRST_SET, "S: <HANDSHAKE> 00 00 00 00"],
            vec![FALLBACK_SET, manifest, chose_6],
            vec![MANIFEST_SET, manifest, chose_6],
        ]
    );
}

/// A 5.8 server that also offers 6.0 through the manifest: the first connection takes 5.8
/// from the ranges, later connections to the same address negotiate 6.0 through the manifest.
#[test]
fn after_a_5_7_plus_server_the_driver_proposes_the_manifest_to_that_address() {
    let mut stub = StubServer::start(&format!(
        "!: BOLT 6.0 5.8\n!: MANIFEST\n!: CONNECTIONS 2\n{HELLO_5X}"
    ));
    let d = driver_with(&stub.uri(), |c| {
        c.max_connection_lifetime(Some(Duration::from_millis(100)))
    });
    assert_eq!(d.server_info().unwrap().protocol_version, (5, 8));
    thread::sleep(Duration::from_millis(200));
    assert_eq!(d.server_info().unwrap().protocol_version, (6, 0));
    d.close();
    stub.try_finish().unwrap();
    assert_eq!(
        handshakes(&stub),
        [
            vec![FIRST_SET, "S: <HANDSHAKE> 00 00 08 05"],
            vec![
                MANIFEST_SET,
                "S: <MANIFEST> 00 00 01 FF 02 00 00 00 06 00 00 08 05 00",
                "C: <MANIFEST> 00 00 00 06 capabilities 0",
            ],
        ]
    );
    // Another driver has its own memory and starts over.
    let mut stub2 = StubServer::start(&format!("!: BOLT 6.0 5.8\n!: MANIFEST\n{HELLO_5X}"));
    let d2 = driver(&stub2.uri());
    assert_eq!(d2.server_info().unwrap().protocol_version, (5, 8));
    d2.close();
    stub2.try_finish().unwrap();
}

/// A remembered address whose server was replaced by an older one still gets a connection, and
/// the driver forgets that the address spoke the manifest.
#[test]
fn a_remembered_address_that_now_runs_a_4_1_server_is_still_reached() {
    // First a 5.8 server (it closes the connection after LOGON), then a range-ignoring 4.1
    // server on the same port.
    let mut new = StubServer::start(
        "!: BOLT 5.8\n\
         C: HELLO {\"user_agent\": \"MyClient/1.0\", ..}\n\
         S: SUCCESS {\"server\": \"Neo4j/5.26.0\"}\n\
         C: LOGON {\"scheme\": \"basic\", ..}\n\
         S: SUCCESS {}\n",
    );
    let d = driver_with(&new.uri(), |c| {
        c.max_connection_lifetime(Some(Duration::from_millis(100)))
    });
    assert_eq!(d.server_info().unwrap().protocol_version, (5, 8));
    new.try_finish().unwrap();
    thread::sleep(Duration::from_millis(200));
    let addr = new.address().parse().unwrap();
    let mut old = StubServer::start_on(
        addr,
        &format!("!: BOLT 4.1\n!: NO RANGES\n!: CONNECTIONS 3\n{HELLO_4X}"),
    );
    assert_eq!(d.server_info().unwrap().protocol_version, (4, 1));
    thread::sleep(Duration::from_millis(200));
    assert_eq!(d.server_info().unwrap().protocol_version, (4, 1));
    d.close();
    old.try_finish().unwrap();
    assert_eq!(
        handshakes(&old),
        [
            vec![MANIFEST_SET, "S: <HANDSHAKE> 00 00 00 00"],
            vec![FIRST_SET, "S: <HANDSHAKE> 00 00 01 04"],
            vec![FIRST_SET, "S: <HANDSHAKE> 00 00 01 04"],
        ]
    );
}

#[test]
fn a_server_that_refuses_every_proposal_is_a_clear_error() {
    let mut stub = StubServer::start("!: BOLT 9.9\n!: CONNECTIONS 2\n");
    let d = driver(&stub.uri());
    let e = d.verify_connectivity().unwrap_err();
    assert_kind(&e, ErrorKind::ServiceUnavailable);
    assert!(e.message().contains("none of the proposed"), "{e}");
    assert!(e.message().contains(&stub.address()), "{e}");
    stub.try_finish().unwrap();
    assert_eq!(stub.transcripts().len(), 2);
}

#[test]
fn an_http_server_is_a_protocol_error_naming_the_address() {
    let stub = StubServer::start("!: HANDSHAKE 48 54 54 50\n");
    let d = driver(&stub.uri());
    let e = d.verify_connectivity().unwrap_err();
    assert_kind(&e, ErrorKind::Protocol);
    assert!(e.message().contains("not a Bolt server"), "{e}");
    assert!(e.message().contains(&stub.address()), "{e}");
    stub.finish();
}

#[test]
fn a_server_that_closes_during_the_handshake_is_service_unavailable() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = [0u8; 20];
        s.read_exact(&mut buf).unwrap();
    });
    let d = driver(&format!("bolt://{addr}"));
    let e = d.verify_connectivity().unwrap_err();
    server.join().unwrap();
    assert_kind(&e, ErrorKind::ServiceUnavailable);
    assert!(e.message().contains("closed"), "{e}");
    assert!(e.message().contains(&addr.to_string()), "{e}");
}

#[test]
fn a_server_that_never_answers_the_handshake_times_out_within_the_acquisition_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let keep = Arc::new(Mutex::new(Vec::new()));
    let held = Arc::clone(&keep);
    thread::spawn(move || {
        for s in listener.incoming().flatten() {
            held.lock().unwrap().push(s);
        }
    });
    let d = driver_with(&format!("bolt://{addr}"), |c| {
        c.connection_acquisition_timeout(Duration::from_millis(300))
    });
    let start = Instant::now();
    let e = d.verify_connectivity().unwrap_err();
    assert_kind(&e, ErrorKind::Timeout);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
}

/// A Bolt 4.4 server that answers each handshake after `delay`, then HELLO.
fn slow_handshake_server(delay: Duration) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for mut s in listener.incoming().flatten() {
            thread::spawn(move || {
                let mut proposal = [0u8; 20];
                if s.read_exact(&mut proposal).is_err() {
                    return;
                }
                thread::sleep(delay);
                if s.write_all(&[0, 0, 4, 4]).is_err() {
                    return;
                }
                // HELLO: one message, whatever its chunks; then SUCCESS {server: "Neo4j/4.4.0"}.
                let mut header = [0u8; 2];
                loop {
                    if s.read_exact(&mut header).is_err() {
                        return;
                    }
                    let n = usize::from(u16::from_be_bytes(header));
                    if n == 0 {
                        break;
                    }
                    let mut chunk = vec![0u8; n];
                    if s.read_exact(&mut chunk).is_err() {
                        return;
                    }
                }
                let mut body = vec![0xB1, 0x70, 0xA1, 0x86];
                body.extend_from_slice(b"server");
                body.push(0x8B);
                body.extend_from_slice(b"Neo4j/4.4.0");
                let mut reply = u16::try_from(body.len()).unwrap().to_be_bytes().to_vec();
                reply.extend_from_slice(&body);
                reply.extend_from_slice(&[0, 0]);
                let _ = s.write_all(&reply);
                let _ = s.read_to_end(&mut Vec::new());
            });
        }
    });
    addr
}

#[test]
fn a_server_answering_the_handshake_after_2_5_s_is_reached_with_a_30_s_connection_timeout() {
    let addr = slow_handshake_server(Duration::from_millis(2500));
    let d = driver_with(&format!("bolt://{addr}"), |c| {
        c.connection_timeout(Duration::from_secs(30))
            .connection_acquisition_timeout(Duration::from_secs(30))
    });
    let info = d.server_info().unwrap();
    assert_eq!(info.protocol_version, (4, 4));
}

/// The connection timeout is the socket's (TCP, TLS): a server that accepts but never answers
/// the handshake is given the acquisition timeout, not cut off after the connection timeout.
#[test]
fn a_silent_server_fails_after_the_acquisition_timeout_with_a_timeout_error() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let keep = Arc::new(Mutex::new(Vec::new()));
    let held = Arc::clone(&keep);
    thread::spawn(move || {
        for s in listener.incoming().flatten() {
            held.lock().unwrap().push(s);
        }
    });
    let d = driver_with(&format!("bolt://{addr}"), |c| {
        c.connection_timeout(Duration::from_millis(500))
            .connection_acquisition_timeout(Duration::from_millis(1500))
    });
    let start = Instant::now();
    let e = d.verify_connectivity().unwrap_err();
    let took = start.elapsed();
    assert_kind(&e, ErrorKind::Timeout);
    assert!(e.message().contains("timed out"), "{e}");
    assert!(!e.message().contains("os error"), "{e}");
    assert!(
        took >= Duration::from_millis(1400) && took < Duration::from_millis(2500),
        "{took:?}"
    );
}

/// TestKit's `test_should_encompass_the_version_handshake_in_time`: a handshake answered after
/// 1.5 s succeeds with a 1 s connection timeout and a 3 s acquisition timeout.
#[test]
fn a_handshake_slower_than_the_connection_timeout_succeeds_within_the_acquisition_timeout() {
    let addr = slow_handshake_server(Duration::from_millis(1500));
    let d = driver_with(&format!("bolt://{addr}"), |c| {
        c.connection_timeout(Duration::from_secs(1))
            .connection_acquisition_timeout(Duration::from_secs(3))
    });
    d.verify_connectivity().unwrap();
}

#[test]
fn a_refused_port_is_service_unavailable() {
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let d = driver(&format!("bolt://{addr}"));
    let e = d.verify_connectivity().unwrap_err();
    assert_kind(&e, ErrorKind::ServiceUnavailable);
}

// ----- pipelining: which messages arrive together -----

/// A Bolt 4.4 server that answers everything and records, for each `read()` after the
/// handshake, the tags of the messages completed by it.
struct Recorder {
    addr: String,
    batches: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl Recorder {
    fn start() -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let batches = Arc::new(Mutex::new(Vec::new()));
        let out = Arc::clone(&batches);
        thread::spawn(move || {
            if let Ok((s, _)) = listener.accept() {
                serve(s, &out);
            }
        });
        Recorder { addr, batches }
    }

    fn batches(&self) -> Vec<Vec<u8>> {
        self.batches.lock().unwrap().clone()
    }
}

fn reply(s: &mut TcpStream, body: &[u8]) {
    let mut out = u16::try_from(body.len()).unwrap().to_be_bytes().to_vec();
    out.extend_from_slice(body);
    out.extend_from_slice(&[0, 0]);
    s.write_all(&out).unwrap();
}

fn serve(mut s: TcpStream, batches: &Mutex<Vec<Vec<u8>>>) {
    let mut hs = [0u8; 20];
    if s.read_exact(&mut hs).is_err() {
        return;
    }
    s.write_all(&[0, 0, 4, 4]).unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 65536];
    loop {
        let n = match s.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
        let mut tags = Vec::new();
        // Whole messages of one chunk each (all the driver sends here is small).
        while buf.len() >= 2 {
            let len = usize::from(u16::from_be_bytes([buf[0], buf[1]]));
            if buf.len() < len + 4 {
                break;
            }
            tags.push(buf[3]);
            buf.drain(..len + 4);
        }
        if tags.is_empty() {
            continue;
        }
        // Recorded before replying, so the client never sees a reply before its record.
        batches.lock().unwrap().push(tags.clone());
        for tag in tags {
            match tag {
                // SUCCESS {"server": "Neo4j/4"}
                0x01 => reply(
                    &mut s,
                    &[
                        0xB1, 0x70, 0xA1, 0x86, b's', b'e', b'r', b'v', b'e', b'r', 0x87, b'N',
                        b'e', b'o', b'4', b'j', b'/', b'4',
                    ],
                ),
                // SUCCESS {} (BEGIN, COMMIT, ROLLBACK, RESET, DISCARD)
                0x11 | 0x12 | 0x13 | 0x0F | 0x2F => reply(&mut s, &[0xB1, 0x70, 0xA0]),
                // SUCCESS {"fields": ["x"]}
                0x10 => reply(
                    &mut s,
                    &[
                        0xB1, 0x70, 0xA1, 0x86, b'f', b'i', b'e', b'l', b'd', b's', 0x91, 0x81,
                        b'x',
                    ],
                ),
                // RECORD [1], SUCCESS {}
                0x3F => {
                    reply(&mut s, &[0xB1, 0x71, 0x91, 0x01]);
                    reply(&mut s, &[0xB1, 0x70, 0xA0]);
                }
                _ => return,
            }
        }
    }
}

const HELLO: u8 = 0x01;
const BEGIN: u8 = 0x11;
const COMMIT: u8 = 0x12;
const RUN: u8 = 0x10;
const PULL: u8 = 0x3F;

#[test]
fn run_and_the_first_pull_leave_in_one_write() {
    let rec = Recorder::start();
    let d = driver(&format!("bolt://{}", rec.addr));
    let mut s = d.session(SessionConfig::default()).unwrap();
    let n: i64 = s
        .run("RETURN 1 AS x", None)
        .unwrap()
        .single()
        .unwrap()
        .get(0)
        .unwrap();
    assert_eq!(n, 1);
    s.run("RETURN 1 AS x", None).unwrap().consume().unwrap();
    assert_eq!(
        rec.batches(),
        [vec![HELLO], vec![RUN, PULL], vec![RUN, PULL]]
    );
}

#[test]
fn begin_transaction_sends_begin_with_the_first_run() {
    let rec = Recorder::start();
    let d = driver(&format!("bolt://{}", rec.addr));
    let mut s = d.session(SessionConfig::default()).unwrap();
    let mut tx = s.begin_transaction(&TransactionConfig::default()).unwrap();
    tx.run("RETURN 1 AS x", None).unwrap().consume().unwrap();
    tx.commit().unwrap();
    assert_eq!(
        rec.batches(),
        [vec![HELLO], vec![BEGIN, RUN, PULL], vec![COMMIT]]
    );
}

#[test]
fn begin_detached_waits_for_the_begin_reply() {
    let rec = Recorder::start();
    let d = driver(&format!("bolt://{}", rec.addr));
    let mut s = d.session(SessionConfig::default()).unwrap();
    s.begin_detached(&TransactionConfig::default()).unwrap();
    let id = s.tx_run_detached("RETURN 1 AS x", None).unwrap();
    s.result_consume(id).unwrap();
    s.commit_detached().unwrap();
    assert_eq!(
        rec.batches(),
        [vec![HELLO], vec![BEGIN], vec![RUN, PULL], vec![COMMIT]]
    );
}

#[test]
fn begin_failure_surfaces_at_begin_detached_but_at_the_first_run_of_begin_transaction() {
    let script = "!: BOLT 4.4\n\
         C: HELLO {\"user_agent\": \"MyClient/1.0\", ..}\n\
         S: SUCCESS {\"server\": \"Neo4j/4.4.0\"}\n\
         C: BEGIN {}\n\
         S: FAILURE {\"code\": \"Neo.ClientError.Transaction.InvalidBookmark\", \"message\": \"bad\"}\n\
         ?{\n\
         C: RUN \"RETURN 1\" {} {}\n\
         S: IGNORED\n\
         C: PULL {\"n\": 1000}\n\
         S: IGNORED\n\
         }\n\
         C: RESET\n\
         S: SUCCESS {}\n";
    let stub = StubServer::start(script);
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let e = s.begin_detached(&TransactionConfig::default()).unwrap_err();
    assert_eq!(
        e.server_code(),
        Some("Neo.ClientError.Transaction.InvalidBookmark")
    );
    assert!(!s.in_transaction());
    drop(s);
    stub.finish();

    let stub = StubServer::start(script);
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let mut tx = s.begin_transaction(&TransactionConfig::default()).unwrap();
    let e = tx.run("RETURN 1", None).err().unwrap();
    assert_eq!(
        e.server_code(),
        Some("Neo.ClientError.Transaction.InvalidBookmark")
    );
    tx.rollback().unwrap();
    drop(s);
    stub.finish();
}
