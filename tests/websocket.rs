//! Bolt over WebSocket (seeds 002 and 003: "the client connects using either a regular socket or
//! a WebSocket. Once connected, both transport layers can be treated identically"): the stub
//! scripts run unchanged behind a WebSocket gateway (tests/support/ws.rs) that frames the
//! server's bytes in different ways, pings, and closes mid-message.
//!
//! Real Neo4j (for the Neo4j tests): Neo4j 4.x and 5.x serve WebSocket on the Bolt port itself
//! (the Bolt server tells an HTTP upgrade from a Bolt handshake by the first bytes; this is how
//! Neo4j Browser connects), with nothing to enable: `ws://127.0.0.1:<bolt port>` reaches the
//! same server as `bolt://`, and `wss://` works when the Bolt connector has TLS
//! (`server.bolt.tls_level` and the `bolt` SSL policy). The last test checks that against every
//! Neo4j line `scripts/neo4j.sh start` left running (skipped with a notice when none runs, a
//! failure under `BOLTC_REQUIRE_NEO4J=1`).

mod common;
mod support;

use boltc::{ErrorKind, SessionConfig, TrustStrategy, Value};
use common::{assert_kind, driver, driver_with, params};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::ServerConfig;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{Framing, Neo4j, StubServer, WsGateway, WsOptions};

const HELLO: &str = "!: BOLT 5.4\n\
    C: HELLO {\"user_agent\": \"MyClient/1.0\", ..}\n\
    S: SUCCESS {\"server\": \"Neo4j/5.4.0\", \"connection_id\": \"bolt-1\"}\n\
    C: LOGON {\"scheme\": \"basic\", \"principal\": \"neo4j\", \"credentials\": \"secret\"}\n\
    S: SUCCESS {}\n";

/// `UNWIND $xs AS x RETURN x` with `n` records, then GOODBYE.
fn unwind(n: i64) -> String {
    let records: String = (1..=n).map(|i| format!("S: RECORD [{i}]\n")).collect();
    format!(
        "{HELLO}C: RUN \"UNWIND $xs AS x RETURN x\" {{\"xs\": *}} {{}}\n\
         C: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{\"fields\": [\"x\"]}}\n{records}\
         S: SUCCESS {{\"type\": \"r\"}}\n\
         ?{{\n\
         C: GOODBYE\n\
         }}\n"
    )
}

/// Runs the UNWIND of `n` through `uri` and checks every value came back in order.
fn query(d: &boltc::Driver, n: i64) {
    let mut s = d.session(SessionConfig::default()).unwrap();
    let xs = params([("xs", Value::List((1..=n).map(Value::Int).collect()))]);
    let rows: Vec<i64> = s
        .run("UNWIND $xs AS x RETURN x", xs)
        .unwrap()
        .map(|r| r.unwrap().get::<i64, _>("x").unwrap())
        .collect();
    assert_eq!(rows, (1..=n).collect::<Vec<_>>());
}

/// The error of a query expected to fail.
fn run_err(s: &mut boltc::Session) -> boltc::Error {
    match s.run("RETURN 1", None) {
        Err(e) => e,
        Ok(_) => panic!("the query should have failed"),
    }
}

fn through(opts: WsOptions, n: i64) -> (StubServer, WsGateway) {
    let stub = StubServer::start(&unwind(n));
    let gw = WsGateway::start(&stub.address(), opts);
    let d = driver(&gw.uri("ws"));
    query(&d, n);
    d.close();
    (stub, gw)
}

#[test]
fn ws_scheme_carries_the_handshake_and_chunked_messages_in_binary_frames() {
    let (stub, gw) = through(WsOptions::default(), 3);
    stub.finish();
    assert_eq!(gw.accepted(), 1);
    assert_eq!(gw.violations(), Vec::<String>::new());
}

/// Seed 003, "A message can be divided across multiple chunks": over WebSocket the chunks of
/// one message (and the four handshake bytes) may also be divided across WebSocket messages.
#[test]
fn a_bolt_message_may_span_websocket_messages() {
    for n in [1, 2, 3, 7] {
        let opts = WsOptions {
            framing: Framing::Messages(n),
            ..WsOptions::default()
        };
        let (stub, gw) = through(opts, 5);
        stub.finish();
        assert_eq!(gw.violations(), Vec::<String>::new());
    }
}

#[test]
fn a_websocket_message_may_come_in_fragments() {
    let opts = WsOptions {
        framing: Framing::Fragments(4),
        ..WsOptions::default()
    };
    let (stub, gw) = through(opts, 5);
    stub.finish();
    assert_eq!(gw.violations(), Vec::<String>::new());
}

#[test]
fn one_websocket_frame_may_hold_several_chunks_and_messages() {
    let opts = WsOptions {
        framing: Framing::Coalesce(Duration::from_millis(40)),
        ..WsOptions::default()
    };
    let (stub, gw) = through(opts, 200);
    stub.finish();
    assert_eq!(gw.violations(), Vec::<String>::new());
}

#[test]
fn pings_are_answered_with_pongs() {
    let opts = WsOptions {
        ping: true,
        framing: Framing::Messages(5),
        ..WsOptions::default()
    };
    let stub = StubServer::start(&unwind(3));
    let gw = WsGateway::start(&stub.address(), opts);
    let d = driver(&gw.uri("ws"));
    query(&d, 3);
    let deadline = Instant::now() + Duration::from_secs(5);
    while gw.pings_and_pongs().1 < gw.pings_and_pongs().0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let (pings, pongs) = gw.pings_and_pongs();
    assert!(pings >= 5, "{pings} pings");
    assert_eq!(pongs, pings);
    d.close();
    stub.finish();
}

/// A server that ends the connection in the middle of a message, with a close frame or without:
/// the query fails as a lost connection (retryable), at once, never a hang or a panic.
#[test]
fn a_server_closing_mid_message_is_a_lost_connection() {
    // HELLO's SUCCESS and LOGON's come first; cut inside the RUN reply.
    let script = format!(
        "{HELLO}C: RUN \"RETURN 1 AS n\" {{}} {{}}\n\
         C: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{\"fields\": [\"n\"], \"t_first\": 1}}\n\
         S: RECORD [1]\n\
         S: SUCCESS {{\"type\": \"r\"}}\n"
    );
    // Handshake reply, HELLO's SUCCESS (a 0x2B-byte body in one chunk), LOGON's SUCCESS {}.
    let hello_bytes = 4 + (2 + 0x2B + 2) + (2 + 3 + 2);
    for close_frame in [true, false] {
        let stub = StubServer::start(&script);
        let opts = WsOptions {
            close_after: close_frame.then_some(hello_bytes + 9),
            drop_after: (!close_frame).then_some(hello_bytes + 9),
            ..WsOptions::default()
        };
        let gw = WsGateway::start(&stub.address(), opts);
        let d = driver_with(&gw.uri("ws"), |c| {
            c.max_transaction_retry_time(Duration::ZERO)
        });
        let mut s = d.session(SessionConfig::default()).unwrap();
        let started = Instant::now();
        let e = match s.run("RETURN 1 AS n", None) {
            Err(e) => e,
            Ok(r) => r
                .collect::<Result<Vec<_>, _>>()
                .expect_err("the connection was cut"),
        };
        assert_kind(&e, ErrorKind::ServiceUnavailable);
        assert!(e.is_retryable(), "{e:?}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "close_frame {close_frame}"
        );
        drop(s);
        d.close();
        drop(stub);
    }
}

/// A close frame between messages (the stub's `<EXIT>`): the connection is gone, and the next
/// session gets a fresh one.
#[test]
fn a_close_frame_between_messages_ends_the_connection() {
    let script = format!("!: CONNECTIONS 2\n{HELLO}S: <EXIT>\n");
    let stub = StubServer::start(&script);
    let gw = WsGateway::start(&stub.address(), WsOptions::default());
    let d = driver_with(&gw.uri("ws"), |c| {
        c.max_transaction_retry_time(Duration::ZERO)
    });
    let mut s = d.session(SessionConfig::default()).unwrap();
    let e = run_err(&mut s);
    assert_kind(&e, ErrorKind::ServiceUnavailable);
    drop(s);
    // The pool dropped the closed connection: the next session opens a new one.
    let mut s = d.session(SessionConfig::default()).unwrap();
    assert_kind(&run_err(&mut s), ErrorKind::ServiceUnavailable);
    assert_eq!(gw.accepted(), 2);
    drop(s);
    d.close();
    stub.finish();
}

#[test]
fn a_plain_bolt_server_refusing_the_upgrade_is_a_clear_error() {
    // A server that speaks Bolt, not HTTP: it reads the upgrade request as a bad handshake and
    // closes the connection.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (mut c, _) = listener.accept().unwrap();
        let mut magic = [0u8; 4];
        std::io::Read::read_exact(&mut c, &mut magic).unwrap();
        assert_eq!(&magic, b"GET ");
    });
    let d = driver_with(&format!("ws://{addr}"), |c| {
        c.max_transaction_retry_time(Duration::ZERO)
    });
    let mut s = d.session(SessionConfig::default()).unwrap();
    let e = run_err(&mut s);
    assert_kind(&e, ErrorKind::ServiceUnavailable);
    assert!(e.to_string().contains("WebSocket upgrade"), "{e}");
    server.join().unwrap();
}

fn tls_config() -> Arc<ServerConfig> {
    let key = rcgen::KeyPair::generate().unwrap();
    let params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    let cert = params.self_signed(&key).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let chain: Vec<CertificateDer<'static>> = vec![cert.der().clone()];
    Arc::new(
        ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap(),
    )
}

/// Seed 003: with TLS "the connections need to be made using a secure socket or a secure
/// WebSocket", and the driver must not "simply accept any certificate without validating it":
/// `wss` verifies (and rejects a self-signed certificate), `wss+ssc` accepts one, like
/// `bolt+s` / `bolt+ssc`.
#[test]
fn secure_websocket_uses_the_tls_trust_options() {
    let tls = WsOptions {
        tls: Some(tls_config()),
        framing: Framing::Messages(7),
        ..WsOptions::default()
    };
    let stub = StubServer::start(&format!("!: CONNECTIONS 1..2\n{}", unwind(2)));
    let gw = WsGateway::start(&stub.address(), tls);
    let port = gw.uri("ws").rsplit(':').next().unwrap().to_owned();

    let strict = driver(&format!("wss://localhost:{port}"));
    let e = run_err(&mut strict.session(SessionConfig::default()).unwrap());
    assert_kind(&e, ErrorKind::Tls);
    strict.close();

    let d = driver(&format!("wss+ssc://localhost:{port}"));
    query(&d, 2);
    d.close();
    stub.finish();

    // The same trust options as bolt://: encryption and a trust strategy on a plain ws:// URI.
    let stub = StubServer::start(&unwind(1));
    let gw = WsGateway::start(
        &stub.address(),
        WsOptions {
            tls: Some(tls_config()),
            ..WsOptions::default()
        },
    );
    let port = gw.uri("ws").rsplit(':').next().unwrap().to_owned();
    let d = driver_with(&format!("ws://localhost:{port}"), |c| {
        c.encrypted(true).trust(TrustStrategy::TrustAll)
    });
    query(&d, 1);
    d.close();
    stub.finish();
}

/// Real Neo4j over `ws://` and `wss://` on its Bolt port, nothing enabled for it: a query with
/// parameters, a 20,000-row result read in batches (fetch size 1000, so many PULLs), a
/// transaction function, and the server's own connection list showing the WebSocket
/// connection with boltc's user agent; in plain text, over TLS verified with the test CA, and
/// over `wss+ssc`.
#[test]
fn websocket_to_real_neo4j_on_its_bolt_port() {
    for db in Neo4j::servers() {
        // Plain; TLS verified with the test CA (the `wss` scheme fixes the system roots, so
        // a custom CA goes with `ws` + encryption, as with `bolt`); TLS trusting any
        // certificate (`wss+ssc`).
        let uris = [
            (db.uri("ws", "127.0.0.1"), None),
            (db.uri("ws", db.tls_host()), Some(db.tls_ca())),
            (db.uri("wss+ssc", db.tls_host()), None),
        ];
        for (uri, ca) in uris {
            let mut cfg = db.config(&uri).fetch_size(1000);
            if let Some(ca) = ca {
                cfg = cfg.encrypted(true).trust(TrustStrategy::CustomCa(vec![ca]));
            }
            let d = boltc::Driver::new(cfg.build().unwrap()).unwrap();
            let mut s = d.session(SessionConfig::default()).unwrap();
            let r = s
                .run(
                    "RETURN $s + '!' AS s, $n * 2 AS n",
                    params([
                        ("s", Value::String("über".into())),
                        ("n", Value::Int(1 << 40)),
                    ]),
                )
                .unwrap()
                .single()
                .unwrap();
            assert_eq!(r.get::<String, _>("s").unwrap(), "über!", "{db} {uri}");
            assert_eq!(r.get::<i64, _>("n").unwrap(), 1 << 41, "{db} {uri}");
            let mut stream = s.run("UNWIND range(1, 20000) AS i RETURN i", None).unwrap();
            let (mut rows, mut sum) = (Vec::new(), 0i64);
            while stream.next_batch(3000, &mut rows).unwrap() {}
            for r in &rows {
                sum += r.get::<i64, _>("i").unwrap();
            }
            stream.consume().unwrap();
            assert_eq!((rows.len(), sum), (20000, 20000 * 20001 / 2), "{db} {uri}");
            let n: i64 = s
                .execute_write(|tx| tx.run("RETURN 41 + 1 AS n", None)?.single()?.get("n"))
                .unwrap();
            assert_eq!(n, 42, "{db} {uri}");
            let tx = s
                .begin_transaction(&boltc::TransactionConfig::default())
                .unwrap();
            let mine = tx.connection_info().unwrap();
            let rows = db.driver().list_connections().unwrap();
            let row = rows
                .iter()
                .find(|c| c.connection_id == mine.connection_id)
                .unwrap_or_else(|| panic!("{db} {uri}: {mine:?} not in {rows:?}"));
            assert_eq!(
                row.user_agent,
                format!("boltc/{}", env!("CARGO_PKG_VERSION")),
                "{db} {uri}: {row:?}"
            );
            eprintln!("{db} {uri}: Bolt {:?} as {row:?}", mine.protocol_version);
            tx.rollback().unwrap();
            drop(s);
            d.close();
        }
    }
}
