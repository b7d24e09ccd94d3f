//! Per-version sessions against the stub server: Bolt 1 (seed 002 transcripts byte for byte),
//! 2, 3, 4.0-4.4 (seed 004 example exchanges), 5.x and 6.0.

mod common;
mod support;

use boltc::packstream::Dialect;
use boltc::{
    AccessMode, DateTime, ErrorKind, QueryType, SessionConfig, TransactionConfig, Value, Vector,
};
use common::{assert_kind, body, driver, driver_with, framed, params};
use std::time::Duration;
use support::StubServer;

// ----- seed 002: Bolt 1, byte for byte -----

/// Seed 002: INIT "MyClient/1.0" {"scheme": "basic", "principal": "neo4j", "credentials": "secret"}.
const INIT: &str = "00 40 B2 01 8C 4D 79 43 6C 69 65 6E 74 2F 31 2E 30 A3 86 73 63 68 65 6D 65 85 62 61 73 69 63 89 70 72 69 6E 63 69 70 61 6C 85 6E 65 6F 34 6A 8B 63 72 65 64 65 6E 74 69 61 6C 73 86 73 65 63 72 65 74 00 00";
/// SUCCESS { "server": "Neo4j/3.1.0" }
const INIT_OK: &str =
    "00 16 B1 70 A1 86 73 65 72 76 65 72 8B 4E 65 6F 34 6A 2F 33 2E 31 2E 30 00 00";
/// RUN "RETURN 1 AS num" {}
const RUN_1: &str = "00 13 B2 10 8F 52 45 54 55 52 4E 20 31 20 41 53 20 6E 75 6D A0 00 00";
const PULL_ALL: &str = "00 02 B0 3F 00 00";
/// SUCCESS { "fields": ["num"], "result_available_after": 12 }
const RUN_1_OK: &str = "00 28 B1 70 A2 86 66 69 65 6C 64 73 91 83 6E 75 6D D0 16 72 65 73 75 6C 74 5F 61 76 61 69 6C 61 62 6C 65 5F 61 66 74 65 72 0C 00 00";
/// RECORD [1]
const RECORD_1: &str = "00 04 B1 71 91 01 00 00";
/// SUCCESS { "type": "r", "result_consumed_after": 12 }
const PULL_1_OK: &str = "00 22 B1 70 A2 84 74 79 70 65 81 72 D0 15 72 65 73 75 6C 74 5F 63 6F 6E 73 75 6D 65 64 5F 61 66 74 65 72 0C 00 00";
/// RUN "This will cause a syntax error" {}
const RUN_BAD: &str = "00 23 B2 10 D0 1E 54 68 69 73 20 77 69 6C 6C 20 63 61 75 73 65 20 61 20 73 79 6E 74 61 78 20 65 72 72 6F 72 A0 00 00";
/// FAILURE { "code": "Neo.ClientError.Statement.SyntaxError", "message": "Invalid input 'T'..." }
const FAILURE_SYNTAX: &str = "00 9E B1 7F A2 84 63 6F 64 65 D0 25 4E 65 6F 2E 43 6C 69 65 6E 74 45 72 72 6F 72 2E 53 74 61 74 65 6D 65 6E 74 2E 53 79 6E 74 61 78 45 72 72 6F 72 87 6D 65 73 73 61 67 65 D0 65 49 6E 76 61 6C 69 64 20 69 6E 70 75 74 20 27 54 27 3A 20 65 78 70 65 63 74 65 64 20 3C 69 6E 69 74 3E 20 28 6C 69 6E 65 20 31 2C 20 63 6F 6C 75 6D 6E 20 31 20 28 6F 66 66 73 65 74 3A 20 30 29 29 0A 22 54 68 69 73 20 77 69 6C 6C 20 63 61 75 73 65 20 61 20 73 79 6E 74 61 78 20 65 72 72 6F 72 22 0A 20 5E 00 00";
const IGNORED: &str = "00 02 B0 7E 00 00";
const ACK_FAILURE: &str = "00 02 B0 0E 00 00";
const RESET: &str = "00 02 B0 0F 00 00";
const SUCCESS_EMPTY: &str = "00 03 B1 70 A0 00 00";
/// RUN "BEGIN" {}
const RUN_BEGIN: &str = "00 09 B2 10 85 42 45 47 49 4E A0 00 00";
/// RUN "ROLLBACK" {}
const RUN_ROLLBACK: &str = "00 0C B2 10 88 52 4F 4C 4C 42 41 43 4B A0 00 00";
/// SUCCESS { "fields": [], "result_available_after": 12 }
const EMPTY_FIELDS_OK: &str = "00 24 B1 70 A2 86 66 69 65 6C 64 73 90 D0 16 72 65 73 75 6C 74 5F 61 76 61 69 6C 61 62 6C 65 5F 61 66 74 65 72 0C 00 00";
/// RUN "CREATE ()" {}
const RUN_CREATE: &str = "00 0D B2 10 89 43 52 45 41 54 45 20 28 29 A0 00 00";
/// SUCCESS { "type": "w", "stats": { "nodes-created": 1 }, "result_consumed_after": 12 }
const CREATE_OK: &str = "00 38 B1 70 A3 84 74 79 70 65 81 77 85 73 74 61 74 73 A1 8D 6E 6F 64 65 73 2D 63 72 65 61 74 65 64 01 D0 15 72 65 73 75 6C 74 5F 63 6F 6E 73 75 6D 65 64 5F 61 66 74 65 72 0C 00 00";

/// The Bolt 1 preamble: the driver's first proposal set is refused (first connection), the
/// fallback set [4.0, 3, 2, 1] gets version 1 (second connection), then INIT byte for byte.
fn bolt1(rest: &str) -> String {
    format!("!: BOLT 1\n!: CONNECTIONS 2\nC: <RAW> {INIT}\nS: <RAW> {INIT_OK}\n{rest}")
}

#[test]
fn bolt1_seed_running_a_query_byte_for_byte() {
    let stub = StubServer::start(&bolt1(&format!(
        "C: <RAW> {RUN_1}\nC: <RAW> {PULL_ALL}\nS: <RAW> {RUN_1_OK}\nS: <RAW> {RECORD_1}\nS: <RAW> {PULL_1_OK}\n"
    )));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let mut result = s.run("RETURN 1 AS num", None).unwrap();
    assert_eq!(&*result.keys().unwrap(), ["num".to_owned()]);
    let record = result.next().unwrap().unwrap();
    assert_eq!(record.get::<i64, _>("num").unwrap(), 1);
    assert!(result.next().is_none());
    let summary = result.consume().unwrap();
    assert_eq!(summary.query_type, Some(QueryType::Read));
    assert_eq!(summary.result_available_after, Some(12));
    assert_eq!(summary.result_consumed_after, Some(12));
    assert_eq!(summary.server.agent, "Neo4j/3.1.0");
    assert_eq!(summary.server.protocol_version, (1, 0));
    drop(s);
    stub.finish();
}

#[test]
fn bolt1_seed_update_statistics() {
    let stub = StubServer::start(&bolt1(&format!(
        "C: <RAW> {RUN_CREATE}\nC: <RAW> {PULL_ALL}\nS: <RAW> {EMPTY_FIELDS_OK}\nS: <RAW> {CREATE_OK}\n"
    )));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let summary = s.run("CREATE ()", None).unwrap().consume().unwrap();
    assert_eq!(summary.query_type, Some(QueryType::Write));
    assert_eq!(summary.counters.nodes_created, 1);
    assert!(summary.counters.contains_updates);
    drop(s);
    stub.finish();
}

#[test]
fn bolt1_seed_failure_is_acknowledged_with_ack_failure_and_the_session_recovers() {
    let stub = StubServer::start(&bolt1(&format!(
        "C: <RAW> {RUN_BAD}\nC: <RAW> {PULL_ALL}\nS: <RAW> {FAILURE_SYNTAX}\nS: <RAW> {IGNORED}\n\
         C: <RAW> {ACK_FAILURE}\nS: <RAW> {SUCCESS_EMPTY}\n\
         C: <RAW> {RUN_1}\nC: <RAW> {PULL_ALL}\nS: <RAW> {RUN_1_OK}\nS: <RAW> {RECORD_1}\nS: <RAW> {PULL_1_OK}\n"
    )));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let e = s.run("This will cause a syntax error", None).err().unwrap();
    assert_kind(&e, ErrorKind::ClientError);
    assert_eq!(
        e.server_code(),
        Some("Neo.ClientError.Statement.SyntaxError")
    );
    assert_eq!(e.classification(), Some("ClientError"));
    assert!(e.message().contains("Invalid input 'T'"), "{e}");
    let n: i64 = s
        .run("RETURN 1 AS num", None)
        .unwrap()
        .single()
        .unwrap()
        .get(0)
        .unwrap();
    assert_eq!(n, 1);
    drop(s);
    stub.finish();
}

#[test]
fn bolt1_failure_in_a_transaction_is_cleared_with_reset_which_ends_it() {
    // Seed 002: ACK_FAILURE would leave the failed transaction open on the server; RESET
    // clears the failure and ends the transaction, so no RUN "ROLLBACK" follows and the
    // connection is clean for the next query.
    let stub = StubServer::start(&bolt1(&format!(
        "C: <RAW> {RUN_BEGIN}\nC: <RAW> {PULL_ALL}\nS: <RAW> {EMPTY_FIELDS_OK}\nS: <RAW> {SUCCESS_EMPTY}\n\
         C: <RAW> {RUN_BAD}\nC: <RAW> {PULL_ALL}\nS: <RAW> {FAILURE_SYNTAX}\nS: <RAW> {IGNORED}\n\
         C: <RAW> {RESET}\nS: <RAW> {SUCCESS_EMPTY}\n\
         C: <RAW> {RUN_1}\nC: <RAW> {PULL_ALL}\nS: <RAW> {RUN_1_OK}\nS: <RAW> {RECORD_1}\nS: <RAW> {PULL_1_OK}\n"
    )));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let mut tx = s.begin_transaction(&TransactionConfig::default()).unwrap();
    let e = tx
        .run("This will cause a syntax error", None)
        .err()
        .unwrap();
    assert_eq!(
        e.server_code(),
        Some("Neo.ClientError.Statement.SyntaxError")
    );
    let again = tx.run("RETURN 1 AS num", None).err().unwrap();
    assert_kind(&again, ErrorKind::IllegalState);
    tx.rollback().unwrap();
    s.run("RETURN 1 AS num", None).unwrap().consume().unwrap();
    drop(s);
    stub.finish();
}

#[test]
fn bolt1_explicit_transaction_commits_with_run_commit() {
    let stub = StubServer::start(&bolt1(&format!(
        "C: <RAW> {RUN_BEGIN}\nC: <RAW> {PULL_ALL}\nS: <RAW> {EMPTY_FIELDS_OK}\nS: <RAW> {SUCCESS_EMPTY}\n\
         C: <RAW> {RUN_1}\nC: <RAW> {PULL_ALL}\nS: <RAW> {RUN_1_OK}\nS: <RAW> {RECORD_1}\nS: <RAW> {PULL_1_OK}\n\
         C: RUN \"COMMIT\" {{}}\nC: PULL_ALL\nS: SUCCESS {{\"fields\": []}}\nS: SUCCESS {{\"bookmark\": \"bm:1\"}}\n"
    )));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let mut tx = s.begin_transaction(&TransactionConfig::default()).unwrap();
    let n: i64 = tx
        .run("RETURN 1 AS num", None)
        .unwrap()
        .single()
        .unwrap()
        .get("num")
        .unwrap();
    assert_eq!(n, 1);
    tx.commit().unwrap();
    assert_eq!(s.last_bookmarks(), ["bm:1".to_owned()]);
    drop(s);
    stub.finish();
}

#[test]
fn bolt1_explicit_transaction_rolls_back_with_run_rollback() {
    let stub = StubServer::start(&bolt1(&format!(
        "C: <RAW> {RUN_BEGIN}\nC: <RAW> {PULL_ALL}\nS: <RAW> {EMPTY_FIELDS_OK}\nS: <RAW> {SUCCESS_EMPTY}\n\
         C: <RAW> {RUN_CREATE}\nC: <RAW> {PULL_ALL}\nS: <RAW> {EMPTY_FIELDS_OK}\nS: <RAW> {CREATE_OK}\n\
         C: <RAW> {RUN_ROLLBACK}\nC: <RAW> {PULL_ALL}\nS: <RAW> {EMPTY_FIELDS_OK}\nS: <RAW> {SUCCESS_EMPTY}\n"
    )));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let mut tx = s.begin_transaction(&TransactionConfig::default()).unwrap();
    let summary = tx.run("CREATE ()", None).unwrap().consume().unwrap();
    assert_eq!(summary.counters.nodes_created, 1);
    tx.rollback().unwrap();
    assert!(s.last_bookmarks().is_empty());
    drop(s);
    stub.finish();
}

#[test]
fn bolt1_seed_reset_on_the_liveness_check() {
    // The pool checks a connection idle longer than the liveness timeout with RESET.
    let stub = StubServer::start(&bolt1(&format!(
        "C: <RAW> {RUN_1}\nC: <RAW> {PULL_ALL}\nS: <RAW> {RUN_1_OK}\nS: <RAW> {RECORD_1}\nS: <RAW> {PULL_1_OK}\n\
         C: <RAW> {RESET}\nS: <RAW> {SUCCESS_EMPTY}\n\
         C: <RAW> {RUN_1}\nC: <RAW> {PULL_ALL}\nS: <RAW> {RUN_1_OK}\nS: <RAW> {RECORD_1}\nS: <RAW> {PULL_1_OK}\n"
    )));
    let d = driver_with(&stub.uri(), |c| {
        c.liveness_check_timeout(Some(Duration::ZERO))
    });
    let mut s = d.session(SessionConfig::default()).unwrap();
    s.run("RETURN 1 AS num", None).unwrap().consume().unwrap();
    std::thread::sleep(Duration::from_millis(5));
    s.run("RETURN 1 AS num", None).unwrap().consume().unwrap();
    drop(s);
    stub.finish();
}

#[test]
fn bolt1_bytes_parameter_is_refused_without_breaking_the_connection() {
    let stub = StubServer::start(&bolt1(&format!(
        "C: <RAW> {RUN_1}\nC: <RAW> {PULL_ALL}\nS: <RAW> {RUN_1_OK}\nS: <RAW> {RECORD_1}\nS: <RAW> {PULL_1_OK}\n"
    )));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let e = s
        .run("RETURN $b", params([("b", Value::Bytes(vec![1]))]))
        .err()
        .unwrap();
    assert_kind(&e, ErrorKind::InvalidArgument);
    s.run("RETURN 1 AS num", None).unwrap().consume().unwrap();
    drop(s);
    stub.finish();
}

/// Seed 002, INIT: the reply is "SUCCESS {} if initialization has completed successfully", so
/// a server that names no agent is accepted: `ServerInfo::agent` is empty (and a warning is
/// logged); the session works as usual.
#[test]
fn seed_002_init_reply_success_without_server_is_accepted() {
    let stub = StubServer::start(&format!(
        "!: BOLT 1\n!: CONNECTIONS 2\nC: <RAW> {INIT}\nS: <RAW> {SUCCESS_EMPTY}\n\
         C: <RAW> {RUN_1}\nC: <RAW> {PULL_ALL}\nS: <RAW> {RUN_1_OK}\nS: <RAW> {RECORD_1}\nS: <RAW> {PULL_1_OK}\n"
    ));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let mut result = s.run("RETURN 1 AS num", None).unwrap();
    assert_eq!(
        result
            .next()
            .unwrap()
            .unwrap()
            .get::<i64, _>("num")
            .unwrap(),
        1
    );
    let summary = result.consume().unwrap();
    assert_eq!(summary.server.agent, "");
    assert_eq!(summary.server.protocol_version, (1, 0));
    drop(s);
    stub.finish();
}

/// An agent that is there must be Neo4j's (TestKit's versions suite refuses `FooBar/4.3.0`,
/// `neo4j/4.1.0`, `Neo4j4.3.0` and `AgentSmith/0.0.1` as untrusted, and accepts
/// `Neo4j/Funky!`); an agent that is not a string is malformed. Both are protocol errors.
#[test]
fn init_reply_with_another_products_agent_is_refused() {
    for agent in ["\"FooBar/4.3.0\"", "\"neo4j/4.1.0\"", "\"Neo4j4.3.0\"", "3"] {
        let stub = StubServer::start(&bolt_any(&format!("S: SUCCESS {{\"server\": {agent}}}\n")));
        let d = driver_with(&stub.uri(), |c| {
            c.max_transaction_retry_time(Duration::ZERO)
        });
        let mut s = d.session(SessionConfig::default()).unwrap();
        let e = match s.run("RETURN 1 AS num", None) {
            Err(e) => e,
            Ok(_) => panic!("agent {agent} was accepted"),
        };
        assert_kind(&e, ErrorKind::Protocol);
        assert!(e.to_string().contains("not a Neo4j-compatible"), "{e}");
        drop(s);
        stub.finish();
    }
    let stub = StubServer::start(&bolt_any(
        "S: SUCCESS {\"server\": \"Neo4j/Funky!\"}\n\
         C: RUN \"RETURN 1 AS num\" {}\nC: PULL_ALL\n\
         S: SUCCESS {\"fields\": [\"num\"]}\nS: RECORD [1]\nS: SUCCESS {}\n",
    ));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let summary = s.run("RETURN 1 AS num", None).unwrap().consume().unwrap();
    assert_eq!(summary.server.agent, "Neo4j/Funky!");
    drop(s);
    stub.finish();
}

/// A Bolt 1 script whose INIT is answered by `reply`.
fn bolt_any(reply: &str) -> String {
    format!(
        "!: BOLT 1\n!: CONNECTIONS 2\n\
         C: INIT \"MyClient/1.0\" {{\"scheme\": \"basic\", \"principal\": \"neo4j\", \"credentials\": \"secret\"}}\n\
         {reply}"
    )
}

/// Seed 002's marker table: STRUCT_8 (0xDC) and STRUCT_16 (0xDD) hold structures of up to
/// 255 / 65,535 fields. A Bolt 1 or 2 server may send a node in either form; from Bolt 3 on the
/// markers are reserved, and a record using one is a protocol error (the connection is not
/// reused).
#[test]
fn seed_002_struct_8_and_struct_16_records_on_bolt_1_and_2_and_reserved_from_bolt_3() {
    // RECORD [Node(7, ["L"], {})] with the node in STRUCT_8, then in STRUCT_16.
    let node_8 = framed(&[
        0xB1, 0x71, 0x91, 0xDC, 0x03, 0x4E, 0x07, 0x91, 0x81, 0x4C, 0xA0,
    ]);
    let node_16 = framed(&[
        0xB1, 0x71, 0x91, 0xDD, 0x00, 0x03, 0x4E, 0x07, 0x91, 0x81, 0x4C, 0xA0,
    ]);
    let query = |records: &str| {
        format!(
            "C: RUN \"MATCH (n) RETURN n\" {{}}\nC: PULL_ALL\n\
             S: SUCCESS {{\"fields\": [\"n\"]}}\n{records}S: SUCCESS {{}}\n"
        )
    };
    let records = format!("S: <RAW> {node_8}\nS: <RAW> {node_16}\n");
    for version in [1, 2] {
        let stub = StubServer::start(&format!(
            "!: BOLT {version}\n!: CONNECTIONS 2\n\
             C: INIT \"MyClient/1.0\" {{\"scheme\": \"basic\", \"principal\": \"neo4j\", \"credentials\": \"secret\"}}\n\
             S: SUCCESS {{\"server\": \"Neo4j/3.4.0\"}}\n{}",
            query(&records)
        ));
        let d = driver(&stub.uri());
        let mut s = d.session(SessionConfig::default()).unwrap();
        let rows: Vec<_> = s
            .run("MATCH (n) RETURN n", None)
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(rows.len(), 2, "Bolt {version}");
        for row in rows {
            let Some(Value::Node(n)) = row.value("n") else {
                panic!("Bolt {version}: not a node: {row:?}");
            };
            assert_eq!((n.id, n.labels.clone()), (7, vec!["L".to_owned()]));
        }
        drop(s);
        stub.finish();
    }
    let stub = StubServer::start(&format!(
        "!: BOLT 3\n{HELLO3}C: RUN \"MATCH (n) RETURN n\" {{}} {{}}\nC: PULL_ALL\n\
         S: SUCCESS {{\"fields\": [\"n\"]}}\nS: <RAW> {node_8}\nS: SUCCESS {{}}\n\
         ?{{\nC: RESET\nS: SUCCESS {{}}\n}}\n?{{\nC: GOODBYE\n}}\n"
    ));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let e = s
        .run("MATCH (n) RETURN n", None)
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap_err();
    assert_kind(&e, ErrorKind::Protocol);
    assert!(e.to_string().contains("0xDC"), "{e}");
    drop(s);
    stub.finish();
}

/// Seed 002, Maps: "if duplicate keys are sent, this is a violation of the bolt protocol and an
/// error will occur": a record holding such a map fails with a protocol error naming the key.
#[test]
fn seed_002_duplicate_map_keys_in_a_record_are_a_protocol_violation() {
    // RECORD [{"a": 1, "a": 2}]
    let dup = framed(&[0xB1, 0x71, 0x91, 0xA2, 0x81, 0x61, 0x01, 0x81, 0x61, 0x02]);
    let stub = StubServer::start(&bolt_any(&format!(
        "S: SUCCESS {{\"server\": \"Neo4j/3.1.0\"}}\n\
         C: RUN \"RETURN $m AS m\" {{}}\nC: PULL_ALL\n\
         S: SUCCESS {{\"fields\": [\"m\"]}}\nS: <RAW> {dup}\nS: SUCCESS {{}}\n\
         ?{{\nC: RESET\nS: SUCCESS {{}}\n}}\n"
    )));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let e = s
        .run("RETURN $m AS m", None)
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap_err();
    assert_kind(&e, ErrorKind::Protocol);
    assert!(e.to_string().contains("\"a\" appears twice"), "{e}");
    drop(s);
    stub.finish();
}

// ----- Neo4j 4.0 servers -----

/// A Neo4j 4.0 server speaks Bolt 4.0 and 3.0 and reads no version ranges, so the first
/// proposal set (5.8.., 4.4.., 4.1, 3.0) leaves it on 3.0, which has no database selection.
/// Its HELLO reply says `Neo4j/4.0.x`: the driver then opens a connection that proposes 4.0
/// first (once per address, remembered), so the session ends on 4.0 and `database` works.
fn neo4j_4_0_stub(connections: &str) -> StubServer {
    StubServer::start(&format!(
        "!: BOLT 4.0\n!: BOLT 3.0\n!: NO RANGES\n!: CONNECTIONS {connections}\n\
         C: HELLO {{\"user_agent\": \"MyClient/1.0\", ..}}\n\
         S: SUCCESS {{\"server\": \"Neo4j/4.0.12\", \"connection_id\": \"bolt-40\"}}\n\
         ?{{\nC: GOODBYE\nS: <EXIT>\n}}\n\
         C: RUN \"RETURN 1 AS n\" {{}} {{\"db\": \"movies\"}}\n\
         C: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{\"fields\": [\"n\"]}}\n\
         S: RECORD [1]\n\
         S: SUCCESS {{\"type\": \"r\", \"db\": \"movies\"}}\n\
         ?{{\nC: RESET\nS: SUCCESS {{}}\n}}\n\
         ?{{\nC: GOODBYE\n}}\n"
    ))
}

#[test]
fn a_neo4j_4_0_server_that_settles_on_3_0_is_reconnected_with_4_0_first() {
    let stub = neo4j_4_0_stub("2..3");
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::database("movies")).unwrap();
    let summary = s.run("RETURN 1 AS n", None).unwrap().consume().unwrap();
    assert_eq!(summary.server.protocol_version, (4, 0));
    assert_eq!(summary.server.agent, "Neo4j/4.0.12");
    drop(s);
    // The next connection to the address proposes 4.0 first: no second 3.0 connection.
    let mut s = d.session(SessionConfig::database("movies")).unwrap();
    let summary = s.run("RETURN 1 AS n", None).unwrap().consume().unwrap();
    assert_eq!(summary.server.protocol_version, (4, 0));
    drop(s);
    d.close();
    let t = stub.transcripts();
    stub.finish();
    // Connection 1: 3.0, HELLO, GOODBYE; every later one: 4.0 at once.
    assert!(t.len() >= 2, "{t:?}");
    assert!(t[0].iter().any(|l| l.contains("GOODBYE")), "{:?}", t[0]);
    assert!(t[1].iter().any(|l| l.contains("RUN")), "{:?}", t[1]);
}

// ----- Bolt 2 -----

#[test]
fn bolt2_bytes_are_sent_and_received() {
    let stub = StubServer::start(
        "!: BOLT 2\n!: CONNECTIONS 2\n\
         C: INIT \"MyClient/1.0\" {\"scheme\": \"basic\", \"principal\": \"neo4j\", \"credentials\": \"secret\"}\n\
         S: SUCCESS {\"server\": \"Neo4j/3.4.0\"}\n\
         C: RUN \"RETURN $b AS b\" {\"b\": b[00 01 FF]}\n\
         C: PULL_ALL\n\
         S: SUCCESS {\"fields\": [\"b\"]}\n\
         S: RECORD [b[CA FE]]\n\
         S: SUCCESS {\"type\": \"r\"}\n",
    );
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let r = s
        .run(
            "RETURN $b AS b",
            params([("b", Value::Bytes(vec![0, 1, 255]))]),
        )
        .unwrap();
    let rec = r.single().unwrap();
    assert_eq!(rec.value("b"), Some(&Value::Bytes(vec![0xCA, 0xFE])));
    assert_eq!(
        s.connection_info(),
        None,
        "the connection went back to the pool"
    );
    drop(s);
    stub.finish();
}

// ----- Bolt 3 -----

const HELLO3: &str = "C: HELLO {\"user_agent\": \"MyClient/1.0\", \"scheme\": \"basic\", \"principal\": \"neo4j\", \"credentials\": \"secret\"}\nS: SUCCESS {\"server\": \"Neo4j/3.5.0\", \"connection_id\": \"bolt-3\"}\n";

#[test]
fn bolt3_hello_transactions_with_bookmarks_timeout_metadata_read_mode_and_goodbye() {
    let stub = StubServer::start(&format!(
        "!: BOLT 3\n{HELLO3}\
         C: BEGIN {{\"bookmarks\": [\"bm:0\"], \"tx_timeout\": 1500, \"tx_metadata\": {{\"app\": \"t\"}}, \"mode\": \"r\"}}\n\
         S: SUCCESS {{}}\n\
         C: RUN \"RETURN 1 AS n\" {{}} {{}}\n\
         C: PULL_ALL\n\
         S: SUCCESS {{\"fields\": [\"n\"]}}\n\
         S: RECORD [1]\n\
         S: SUCCESS {{\"type\": \"r\"}}\n\
         C: COMMIT\n\
         S: SUCCESS {{\"bookmark\": \"bm:1\"}}\n\
         C: BEGIN {{\"bookmarks\": [\"bm:1\"], \"mode\": \"r\"}}\n\
         S: SUCCESS {{}}\n\
         C: ROLLBACK\n\
         S: SUCCESS {{}}\n\
         C: RUN \"RETURN 2\" {{}} {{\"bookmarks\": [\"bm:1\"], \"tx_timeout\": 1, \"mode\": \"r\"}}\n\
         C: PULL_ALL\n\
         S: SUCCESS {{\"fields\": [\"2\"]}}\n\
         S: SUCCESS {{\"bookmark\": \"bm:2\"}}\n\
         C: GOODBYE\n\
         C: <EOF>\n"
    ));
    let d = driver(&stub.uri());
    let cfg = SessionConfig::default()
        .with_access_mode(AccessMode::Read)
        .with_bookmarks(vec!["bm:0".into()]);
    let mut s = d.session(cfg).unwrap();
    let mut meta = boltc::Map::new();
    meta.insert("app".into(), Value::String("t".into()));
    let txc = TransactionConfig {
        metadata: Some(meta),
        timeout: Some(Duration::from_millis(1500)),
    };
    let mut tx = s.begin_transaction(&txc).unwrap();
    assert_eq!(
        tx.run("RETURN 1 AS n", None)
            .unwrap()
            .single()
            .unwrap()
            .get::<i64, _>(0)
            .unwrap(),
        1
    );
    tx.commit().unwrap();
    assert_eq!(s.last_bookmarks(), ["bm:1".to_owned()]);
    s.begin_detached(&TransactionConfig::default()).unwrap();
    s.rollback_detached().unwrap();
    // A sub-millisecond timeout is rounded up, not sent as 0 (which means "no timeout").
    let auto = TransactionConfig {
        metadata: None,
        timeout: Some(Duration::from_micros(10)),
    };
    s.run_with_config("RETURN 2", None, &auto)
        .unwrap()
        .consume()
        .unwrap();
    assert_eq!(s.last_bookmarks(), ["bm:2".to_owned()]);
    drop(s);
    d.close();
    stub.finish();
}

// ----- Bolt 4.0 - 4.4: seed 004 example exchanges -----

fn hello4(version: &str, extra: &str) -> String {
    // 4.3 and 4.4 offer the utc patch (these servers do not take it).
    let patch = if version.starts_with("4.3") || version.starts_with("4.4") {
        ", \"patch_bolt\": [\"utc\"]"
    } else {
        ""
    };
    let extra = format!("{extra}{patch}");
    format!(
        "C: HELLO {{\"user_agent\": \"MyClient/1.0\", \"scheme\": \"basic\", \"principal\": \"neo4j\", \"credentials\": \"secret\"{extra}}}\n\
         S: SUCCESS {{\"server\": \"Neo4j/{version}\", \"connection_id\": \"example-connection-id:1\"}}\n"
    )
}

#[test]
fn seed004_example1_hello_and_goodbye() {
    let stub = StubServer::start(&format!(
        "!: BOLT 4.0\n!: CONNECTIONS 2\n{}C: GOODBYE\nC: <EOF>\n",
        hello4("4.0.0", "")
    ));
    let d = driver(&stub.uri());
    let info = d.server_info().unwrap();
    assert_eq!(info.agent, "Neo4j/4.0.0");
    assert_eq!(info.connection_id, "example-connection-id:1");
    assert_eq!(info.protocol_version, (4, 0));
    d.close();
    stub.finish();
}

fn seed004_example2_or_3(version: &str, uri_extra: &str, routing: &str, routed: bool) {
    // The HELLO pattern needs the stub's port; start a placeholder to learn nothing: instead,
    // the routing address is matched with `*` and checked from the transcript below.
    let mut stub = StubServer::start(&format!(
        "!: BOLT {version}\n!: CONNECTIONS {}\n{}\
         C: RUN \"RETURN $x AS example\" {{\"x\": 123}} {{\"mode\": \"r\", \"db\": \"example_database\"}}\n\
         S: SUCCESS {{\"fields\": [\"example\"]}}\n\
         C: PULL {{\"n\": -1}}\n\
         S: RECORD [123]\n\
         S: SUCCESS {{\"bookmark\": \"example-bookmark:1\", \"t_last\": 300, \"type\": \"r\", \"db\": \"example_database\"}}\n\
         C: GOODBYE\n",
        // 4.0 is proposed only on the second connection (after "none" to the first set).
        if version == "4.0" { 2 } else { 1 },
        hello4(&format!("{version}.0"), routing)
    ));
    // Routed: a router stub answers the routing procedure with a table whose reader is `stub`.
    let mut router = routed.then(|| {
        StubServer::start(&format!(
            "!: BOLT {version}\n{}\
             C: RUN \"CALL dbms.routing.getRoutingTable($context, $database)\" \
             {{\"context\": *, \"database\": \"example_database\"}} {{\"mode\": \"r\", \"db\": \"system\"}}\n\
             C: PULL {{\"n\": -1}}\n\
             S: SUCCESS {{\"fields\": [\"ttl\", \"servers\"]}}\n\
             S: RECORD [300, [{{\"addresses\": [\"x:1\"], \"role\": \"ROUTE\"}}, {{\"addresses\": [\"{}\"], \"role\": \"READ\"}}]]\n\
             S: SUCCESS {{}}\n?{{\nC: GOODBYE\n}}\n",
            hello4(&format!("{version}.0"), routing),
            stub.address()
        ))
    });
    let scheme = if routed { "neo4j" } else { "bolt" };
    let entry = router
        .as_ref()
        .map_or_else(|| stub.address(), StubServer::address);
    let uri = format!("{scheme}://{entry}{uri_extra}");
    let d = driver_with(&uri, |c| c.fetch_size(-1));
    let cfg = SessionConfig::database("example_database").with_access_mode(AccessMode::Read);
    let mut s = d.session(cfg).unwrap();
    let r = s
        .run("RETURN $x AS example", params([("x", Value::Int(123))]))
        .unwrap();
    let rec = r.single().unwrap();
    assert_eq!(rec.get::<i64, _>("example").unwrap(), 123);
    assert_eq!(s.last_bookmarks(), ["example-bookmark:1".to_owned()]);
    drop(s);
    d.close();
    stub.try_finish().unwrap();
    let mut transcript = stub.transcripts().concat().join("\n");
    if let Some(r) = router.as_mut() {
        r.try_finish().unwrap();
        transcript.push_str(&r.transcripts().concat().join("\n"));
    }
    if routed {
        let addr = format!("\"address\": \"{}\"", uri_address(&uri));
        assert!(transcript.contains(&addr), "{transcript}");
    }
}

fn uri_address(uri: &str) -> String {
    let rest = uri.split("://").nth(1).unwrap();
    rest.split('?').next().unwrap().to_owned()
}

#[test]
fn seed004_example2_auto_commit_with_db_and_mode() {
    seed004_example2_or_3("4.0", "", "", false);
}

#[test]
fn seed004_example3_routing_context_in_hello_on_4_1() {
    seed004_example2_or_3(
        "4.1",
        "?policy=example_policy_routing_context&region=example_region_routing_context",
        ", \"routing\": {\"address\": *, \"policy\": \"example_policy_routing_context\", \"region\": \"example_region_routing_context\"}",
        true,
    );
}

#[test]
fn bolt4_1_direct_uri_sends_no_routing_context() {
    seed004_example2_or_3("4.1", "", "", false);
}

/// As the seed's example 4, except that DISCARD leaves out `qid` 0: it is the latest query,
/// which is the server's default target (the same request, shorter).
#[test]
fn seed004_example4_explicit_transaction_with_qid_paging_and_discard() {
    let stub = StubServer::start(&format!(
        "!: BOLT 4.0\n!: CONNECTIONS 2\n{}\
         C: BEGIN {{\"mode\": \"r\", \"db\": \"example_database\", \"tx_metadata\": {{\"foo\": \"bar\"}}, \"tx_timeout\": 300}}\n\
         S: SUCCESS {{}}\n\
         C: RUN \"UNWIND [1,2,3,4] AS x RETURN x\" {{}} {{}}\n\
         S: SUCCESS {{\"fields\": [\"x\"], \"qid\": 0}}\n\
         C: PULL {{\"n\": 2}}\n\
         S: RECORD [1]\n\
         S: RECORD [2]\n\
         S: SUCCESS {{\"has_more\": true}}\n\
         C: DISCARD {{\"n\": -1}}\n\
         S: SUCCESS {{\"type\": \"r\", \"db\": \"test\"}}\n\
         C: COMMIT\n\
         S: SUCCESS {{\"bookmark\": \"neo4j:bookmark-test-1\"}}\n",
        hello4("4.0.0", "")
    ));
    let d = driver(&stub.uri());
    let cfg = SessionConfig::database("example_database")
        .with_access_mode(AccessMode::Read)
        .with_fetch_size(2);
    let mut s = d.session(cfg).unwrap();
    let mut meta = boltc::Map::new();
    meta.insert("foo".into(), Value::String("bar".into()));
    let txc = TransactionConfig {
        metadata: Some(meta),
        timeout: Some(Duration::from_millis(300)),
    };
    let mut tx = s.begin_transaction(&txc).unwrap();
    let mut r = tx.run("UNWIND [1,2,3,4] AS x RETURN x", None).unwrap();
    let first: Vec<i64> = r
        .by_ref()
        .take(2)
        .map(|rec| rec.unwrap().get(0).unwrap())
        .collect();
    assert_eq!(first, [1, 2]);
    let summary = r.consume().unwrap();
    assert_eq!(summary.database.as_deref(), Some("test"));
    tx.commit().unwrap();
    assert_eq!(s.last_bookmarks(), ["neo4j:bookmark-test-1".to_owned()]);
    drop(s);
    stub.finish();
}

#[test]
fn bolt4_has_more_paging_pulls_with_the_fetch_size() {
    let stub = StubServer::start(&format!(
        "!: BOLT 4.4\n{}\
         C: RUN \"UNWIND range(1, 5) AS x RETURN x\" {{}} {{}}\n\
         C: PULL {{\"n\": 2}}\n\
         S: SUCCESS {{\"fields\": [\"x\"]}}\n\
         S: RECORD [1]\nS: RECORD [2]\nS: SUCCESS {{\"has_more\": true}}\n\
         C: PULL {{\"n\": 2}}\n\
         S: RECORD [3]\nS: RECORD [4]\nS: SUCCESS {{\"has_more\": true}}\n\
         C: PULL {{\"n\": 2}}\n\
         S: RECORD [5]\nS: SUCCESS {{\"type\": \"r\", \"bookmark\": \"bm:5\"}}\n",
        hello4("4.4.0", "")
    ));
    let d = driver_with(&stub.uri(), |c| c.fetch_size(2));
    let mut s = d.session(SessionConfig::default()).unwrap();
    let xs: Vec<i64> = s
        .run("UNWIND range(1, 5) AS x RETURN x", None)
        .unwrap()
        .map(|r| r.unwrap().get(0).unwrap())
        .collect();
    assert_eq!(xs, [1, 2, 3, 4, 5]);
    assert_eq!(s.last_bookmarks(), ["bm:5".to_owned()]);
    drop(s);
    stub.finish();
}

#[test]
fn bolt4_4_impersonation_and_4_0_refuses_it() {
    let stub = StubServer::start(&format!(
        "!: BOLT 4.4\n{}\
         C: RUN \"RETURN 1\" {{}} {{\"db\": \"neo4j\", \"imp_user\": \"alice\"}}\n\
         C: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{\"fields\": [\"1\"]}}\n\
         S: SUCCESS {{}}\n\
         C: BEGIN {{\"db\": \"neo4j\", \"imp_user\": \"alice\"}}\n\
         C: RUN \"RETURN 2\" {{}} {{}}\n\
         C: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{}}\n\
         S: SUCCESS {{\"fields\": [\"2\"]}}\n\
         S: SUCCESS {{}}\n\
         C: COMMIT\n\
         S: SUCCESS {{}}\n",
        hello4("4.4.0", "")
    ));
    let d = driver(&stub.uri());
    let cfg = SessionConfig::database("neo4j").with_impersonated_user("alice");
    let mut s = d.session(cfg.clone()).unwrap();
    s.run("RETURN 1", None).unwrap().consume().unwrap();
    let mut tx = s.begin_transaction(&TransactionConfig::default()).unwrap();
    tx.run("RETURN 2", None).unwrap().consume().unwrap();
    tx.commit().unwrap();
    drop(s);
    stub.finish();

    let old = StubServer::start(&format!(
        "!: BOLT 4.0\n!: CONNECTIONS 2\n{}",
        hello4("4.0.0", "")
    ));
    let d = driver(&old.uri());
    let mut s = d.session(cfg).unwrap();
    let e = s.run("RETURN 1", None).err().unwrap();
    assert_kind(&e, ErrorKind::Unsupported);
    drop(s);
    old.finish();
}

#[test]
fn bolt4_4_legacy_datetime_received_and_sent() {
    // 2024-01-02T03:04:05+01:00 is 1704161045 UTC seconds; the legacy form carries the local
    // wall-clock seconds 1704164645.
    let dt = DateTime {
        seconds: 1_704_161_045,
        nanoseconds: 7,
        tz_offset_seconds: 3600,
    };
    let legacy = Dialect {
        bytes: true,
        utc_datetime: false,
        vector: false,
        wide_structs: false,
    };
    let run = body(legacy, |e| {
        e.write_struct_header(3, 0x10);
        e.write_str("RETURN $t AS t").unwrap();
        e.write_map_header(1).unwrap();
        e.write_str("t").unwrap();
        e.write_struct_header(3, b'F');
        e.write_int(1_704_164_645);
        e.write_int(7);
        e.write_int(3600);
        e.write_map_header(0).unwrap();
    });
    let stub = StubServer::start(&format!(
        "!: BOLT 4.4\n{}\
         C: <RAW> {}\n\
         C: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{\"fields\": [\"t\"]}}\n\
         S: RECORD [@LegacyDateTime[1704164645, 7, 3600]]\n\
         S: SUCCESS {{}}\n",
        hello4("4.4.0", ""),
        framed(&run)
    ));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let rec = s
        .run("RETURN $t AS t", params([("t", Value::DateTime(dt))]))
        .unwrap()
        .single()
        .unwrap();
    assert_eq!(rec.value("t"), Some(&Value::DateTime(dt)));
    drop(s);
    stub.finish();
}

// ----- Bolt 5.x -----

#[test]
fn bolt5_0_element_ids_and_utc_datetimes() {
    let dt = DateTime {
        seconds: 1_704_161_045,
        nanoseconds: 7,
        tz_offset_seconds: 3600,
    };
    let utc = Dialect {
        bytes: true,
        utc_datetime: true,
        vector: false,
        wide_structs: false,
    };
    let run = body(utc, |e| {
        e.write_struct_header(3, 0x10);
        e.write_str("RETURN $t AS t").unwrap();
        e.write_map_header(1).unwrap();
        e.write_str("t").unwrap();
        e.write_struct_header(3, b'I');
        e.write_int(1_704_161_045);
        e.write_int(7);
        e.write_int(3600);
        e.write_map_header(0).unwrap();
    });
    let stub = StubServer::start(&format!(
        "!: BOLT 5.0\n{}\
         C: <RAW> {}\n\
         C: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{\"fields\": [\"t\", \"n\", \"r\"]}}\n\
         S: RECORD [@DateTime[1704161045, 7, 3600], @Node[1, [\"L\"], {{\"p\": 1}}, \"4:db:1\"], @Relationship[9, 1, 2, \"T\", {{}}, \"5:db:9\", \"4:db:1\", \"4:db:2\"]]\n\
         S: SUCCESS {{}}\n",
        hello4("5.0.0", ""),
        framed(&run)
    ));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let rec = s
        .run("RETURN $t AS t", params([("t", Value::DateTime(dt))]))
        .unwrap()
        .single()
        .unwrap();
    assert_eq!(rec.value("t"), Some(&Value::DateTime(dt)));
    let Some(Value::Node(n)) = rec.value("n") else {
        panic!("{rec:?}")
    };
    assert_eq!(
        (n.id, n.element_id.as_str(), n.labels.as_slice()),
        (1, "4:db:1", &["L".to_owned()][..])
    );
    let Some(Value::Relationship(r)) = rec.value("r") else {
        panic!("{rec:?}")
    };
    assert_eq!(r.element_id, "5:db:9");
    assert_eq!(r.start_node_element_id, "4:db:1");
    assert_eq!(r.end_node_element_id, "4:db:2");
    drop(s);
    stub.finish();
}

#[test]
fn bolt4_4_graph_values_get_legacy_ids_as_element_ids() {
    let stub = StubServer::start(&format!(
        "!: BOLT 4.4\n{}\
         C: RUN \"MATCH (n) RETURN n\" {{}} {{}}\n\
         C: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{\"fields\": [\"n\"]}}\n\
         S: RECORD [@Node[42, [\"L\"], {{}}]]\n\
         S: SUCCESS {{}}\n",
        hello4("4.4.0", "")
    ));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let rec = s.run("MATCH (n) RETURN n", None).unwrap().single().unwrap();
    let Some(Value::Node(n)) = rec.value("n") else {
        panic!("{rec:?}")
    };
    assert_eq!((n.id, n.element_id.as_str()), (42, "42"));
    drop(s);
    stub.finish();
}

const LOGON: &str = "C: LOGON {\"scheme\": \"basic\", \"principal\": \"neo4j\", \"credentials\": \"secret\"}\nS: SUCCESS {}\n";

#[test]
fn bolt5_1_sends_logon_after_hello_without_credentials_in_hello() {
    let stub = StubServer::start(&format!(
        "!: BOLT 5.1\n\
         C: HELLO {{\"user_agent\": \"MyClient/1.0\"}}\n\
         S: SUCCESS {{\"server\": \"Neo4j/5.1.0\", \"connection_id\": \"bolt-51\"}}\n{LOGON}\
         C: GOODBYE\n"
    ));
    let d = driver(&stub.uri());
    d.verify_connectivity().unwrap();
    d.close();
    stub.finish();
}

#[test]
fn bolt5_3_sends_bolt_agent() {
    let mut stub = StubServer::start(&format!(
        "!: BOLT 5.3\n\
         C: HELLO {{\"user_agent\": \"MyClient/1.0\", \"bolt_agent\": {{\"product\": \"*\", \"platform\": *, \"language\": *, \"language_details\": *}}}}\n\
         S: SUCCESS {{\"server\": \"Neo4j/5.3.0\", \"connection_id\": \"bolt-53\"}}\n{LOGON}"
    ));
    let d = driver(&stub.uri());
    d.verify_connectivity().unwrap();
    stub.try_finish().unwrap();
    let transcript = stub.transcripts().concat().join("\n");
    assert!(transcript.contains("\"product\": \"boltc/"), "{transcript}");
}

#[test]
fn bolt5_logon_failure_is_an_authentication_error_without_the_password() {
    let stub = StubServer::start(
        "!: BOLT 5.4\n\
         C: HELLO {\"user_agent\": \"MyClient/1.0\", ..}\n\
         S: SUCCESS {\"server\": \"Neo4j/5.4.0\"}\n\
         C: LOGON {\"scheme\": \"basic\", \"principal\": \"neo4j\", \"credentials\": \"secret\"}\n\
         S: FAILURE {\"code\": \"Neo.ClientError.Security.Unauthorized\", \"message\": \"bad credentials\"}\n",
    );
    let d = driver(&stub.uri());
    let e = d.verify_connectivity().unwrap_err();
    assert_kind(&e, ErrorKind::Authentication);
    assert!(!format!("{e} {e:?}").contains("secret"), "{e:?}");
    stub.finish();
}

#[test]
fn bolt5_7_from_the_version_ranges_of_the_first_proposal() {
    let mut stub = StubServer::start(&format!(
        "!: BOLT 5.7\n!: MANIFEST\n\
         C: HELLO {{\"user_agent\": \"MyClient/1.0\", \"bolt_agent\": *}}\n\
         S: SUCCESS {{\"server\": \"Neo4j/5.13.0\", \"connection_id\": \"bolt-57\"}}\n{LOGON}\
         C: RUN \"RETURN 1 AS n\" {{}} {{}}\n\
         C: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{\"fields\": [\"n\"]}}\n\
         S: RECORD [1]\n\
         S: SUCCESS {{}}\n"
    ));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let summary = s.run("RETURN 1 AS n", None).unwrap().consume().unwrap();
    assert_eq!(summary.server.protocol_version, (5, 7));
    drop(s);
    stub.try_finish().unwrap();
    let transcript = stub.transcripts().concat().join("\n");
    // The first connection to an address does not propose the manifest: 5.7 comes from the
    // 5.8..5.0 range (tests/handshake.rs covers the manifest on later connections).
    assert!(
        transcript.contains("S: <HANDSHAKE> 00 00 07 05"),
        "{transcript}"
    );
    assert!(!transcript.contains("<MANIFEST>"), "{transcript}");
}

/// A Bolt 6-only server refuses the first proposal; the second one offers the manifest.
#[test]
fn bolt6_0_through_the_manifest_with_a_vector_value() {
    let v6 = Dialect {
        bytes: true,
        utc_datetime: true,
        vector: true,
        wide_structs: false,
    };
    let run = body(v6, |e| {
        e.write_struct_header(3, 0x10);
        e.write_str("RETURN $v AS v").unwrap();
        e.write_map_header(1).unwrap();
        e.write_str("v").unwrap();
        e.write_struct_header(2, b'V');
        e.write_bytes(&[0xC9]).unwrap();
        e.write_bytes(&[0x00, 0x01, 0xFF, 0xFE]).unwrap();
        e.write_map_header(0).unwrap();
    });
    let mut stub = StubServer::start(&format!(
        "!: BOLT 6.0\n!: MANIFEST\n!: CONNECTIONS 2\n\
         C: HELLO {{\"user_agent\": \"MyClient/1.0\", \"bolt_agent\": *}}\n\
         S: SUCCESS {{\"server\": \"Neo4j/2025.10.0\"}}\n{LOGON}\
         C: <RAW> {}\n\
         C: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{\"fields\": [\"v\"]}}\n\
         S: RECORD [@Vector[b[C6], b[3F 80 00 00 40 00 00 00]]]\n\
         S: SUCCESS {{}}\n",
        framed(&run)
    ));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let rec = s
        .run(
            "RETURN $v AS v",
            params([("v", Value::Vector(Vector::I16(vec![1, -2])))]),
        )
        .unwrap()
        .single()
        .unwrap();
    assert_eq!(
        rec.value("v"),
        Some(&Value::Vector(Vector::F32(vec![1.0, 2.0])))
    );
    assert_eq!(s.connection_info(), None);
    drop(s);
    stub.try_finish().unwrap();
    let transcript = stub.transcripts().concat().join("\n");
    assert!(
        transcript.contains("C: <MANIFEST> 00 00 00 06"),
        "{transcript}"
    );
}

#[test]
fn vector_parameter_is_refused_before_bolt_6() {
    let stub = StubServer::start(&format!(
        "!: BOLT 5.7\n!: MANIFEST\n\
         C: HELLO {{\"user_agent\": \"MyClient/1.0\", \"bolt_agent\": *}}\n\
         S: SUCCESS {{\"server\": \"Neo4j/5.13.0\"}}\n{LOGON}"
    ));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let e = s
        .run(
            "RETURN $v",
            params([("v", Value::Vector(Vector::I8(vec![1])))]),
        )
        .err()
        .unwrap();
    assert_kind(&e, ErrorKind::InvalidArgument);
    drop(s);
    stub.finish();
}
