//! Failures and recovery against the stub (Bolt 5.4): server errors on RUN and mid-stream,
//! failed transactions, lost connections, IncompleteCommit, NOOP chunks, and no credentials
//! in errors or debug output.

mod common;
mod support;

use boltc::{AuthToken, Config, ErrorKind, SessionConfig, TransactionConfig};
use common::{assert_kind, driver};
use support::StubServer;

const HELLO: &str = "!: BOLT 5.4\n\
    C: HELLO {\"user_agent\": \"MyClient/1.0\", ..}\n\
    S: SUCCESS {\"server\": \"Neo4j/5.4.0\", \"connection_id\": \"bolt-7\"}\n\
    C: LOGON {\"scheme\": \"basic\", \"principal\": \"neo4j\", \"credentials\": \"secret\"}\n\
    S: SUCCESS {}\n";

fn script(rest: &str) -> String {
    format!("{HELLO}{rest}")
}

const RUN_1: &str = "C: RUN \"RETURN 1 AS n\" {} {}\n\
    C: PULL {\"n\": 1000}\n\
    S: SUCCESS {\"fields\": [\"n\"]}\n\
    S: RECORD [1]\n\
    S: SUCCESS {\"type\": \"r\"}\n";

const SYNTAX: &str =
    "{\"code\": \"Neo.ClientError.Statement.SyntaxError\", \"message\": \"Invalid input\"}";

#[test]
fn failure_on_run_is_a_server_error_and_the_session_recovers_after_reset() {
    let stub = StubServer::start(&script(&format!(
        "C: RUN \"RETRUN 1\" {{}} {{}}\n\
         C: PULL {{\"n\": 1000}}\n\
         S: FAILURE {SYNTAX}\n\
         S: IGNORED\n\
         C: RESET\n\
         S: SUCCESS {{}}\n{RUN_1}"
    )));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let e = s.run("RETRUN 1", None).err().unwrap();
    assert_kind(&e, ErrorKind::ClientError);
    assert_eq!(
        e.server_code(),
        Some("Neo.ClientError.Statement.SyntaxError")
    );
    assert_eq!(e.classification(), Some("ClientError"));
    assert!(!e.is_retryable());
    assert_eq!(
        s.run("RETURN 1 AS n", None)
            .unwrap()
            .single()
            .unwrap()
            .get::<i64, _>(0)
            .unwrap(),
        1
    );
    drop(s);
    stub.finish();
}

#[test]
fn transient_failure_is_retryable() {
    let stub = StubServer::start(&script(
        "C: RUN \"RETURN 1 AS n\" {} {}\n\
         C: PULL {\"n\": 1000}\n\
         S: FAILURE {\"code\": \"Neo.TransientError.General.DatabaseUnavailable\", \"message\": \"later\"}\n\
         S: IGNORED\n\
         C: RESET\n\
         S: SUCCESS {}\n",
    ));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let e = s.run("RETURN 1 AS n", None).err().unwrap();
    assert_kind(&e, ErrorKind::TransientError);
    assert!(e.is_retryable());
    drop(s);
    stub.finish();
}

#[test]
fn failure_mid_stream_ends_the_iteration_with_the_error_and_the_session_recovers() {
    let stub = StubServer::start(&script(&format!(
        "C: RUN \"UNWIND [1, 0] AS x RETURN 1 / x\" {{}} {{}}\n\
         C: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{\"fields\": [\"1 / x\"]}}\n\
         S: RECORD [1]\n\
         S: FAILURE {{\"code\": \"Neo.ClientError.Statement.ArithmeticError\", \"message\": \"/ by zero\"}}\n\
         C: RESET\n\
         S: SUCCESS {{}}\n{RUN_1}"
    )));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    {
        let mut r = s.run("UNWIND [1, 0] AS x RETURN 1 / x", None).unwrap();
        assert_eq!(r.next().unwrap().unwrap().get::<i64, _>(0).unwrap(), 1);
        let e = r.next().unwrap().unwrap_err();
        assert_eq!(
            e.server_code(),
            Some("Neo.ClientError.Statement.ArithmeticError")
        );
        // The iteration ends with the error (a fused end, so `flatten()` or
        // `filter_map(Result::ok)` cannot loop forever on it; found by the session fuzz
        // target), while consume still reports the failure.
        assert!(r.next().is_none());
        assert!(r.next().is_none());
        let e = r.consume().unwrap_err();
        assert_eq!(
            e.server_code(),
            Some("Neo.ClientError.Statement.ArithmeticError")
        );
    }
    assert_eq!(
        s.run("RETURN 1 AS n", None)
            .unwrap()
            .single()
            .unwrap()
            .get::<i64, _>(0)
            .unwrap(),
        1
    );
    drop(s);
    stub.finish();
}

#[test]
fn a_failed_result_ends_a_flattened_iteration() {
    let stub = StubServer::start(&script(
        "C: RUN \"UNWIND [1, 0] AS x RETURN 1 / x\" {} {}\n\
         C: PULL {\"n\": 1000}\n\
         S: SUCCESS {\"fields\": [\"1 / x\"]}\n\
         S: RECORD [1]\n\
         S: FAILURE {\"code\": \"Neo.ClientError.Statement.ArithmeticError\", \"message\": \"/ by zero\"}\n\
         C: RESET\n\
         S: SUCCESS {}\n",
    ));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let r = s.run("UNWIND [1, 0] AS x RETURN 1 / x", None).unwrap();
    // Before, the failed result repeated its error forever and this never ended.
    let values: Vec<i64> = r.flatten().map(|rec| rec.get(0).unwrap()).collect();
    assert_eq!(values, [1]);
    drop(s);
    stub.finish();
}

#[test]
fn a_failed_transaction_can_only_be_rolled_back() {
    let stub = StubServer::start(&script(&format!(
        "C: BEGIN {{}}\n\
         S: SUCCESS {{}}\n\
         C: RUN \"RETRUN 1\" {{}} {{}}\n\
         C: PULL {{\"n\": 1000}}\n\
         S: FAILURE {SYNTAX}\n\
         S: IGNORED\n\
         C: RESET\n\
         S: SUCCESS {{}}\n\
         C: BEGIN {{}}\n\
         S: SUCCESS {{}}\n\
         C: RUN \"RETRUN 1\" {{}} {{}}\n\
         C: PULL {{\"n\": 1000}}\n\
         S: FAILURE {SYNTAX}\n\
         S: IGNORED\n\
         C: RESET\n\
         S: SUCCESS {{}}\n{RUN_1}"
    )));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    // Rollback after the failure: fine, nothing more is sent (RESET ended it).
    let mut tx = s.begin_transaction(&TransactionConfig::default()).unwrap();
    assert!(tx.run("RETRUN 1", None).is_err());
    let e = tx.run("RETURN 1 AS n", None).err().unwrap();
    assert_kind(&e, ErrorKind::IllegalState);
    tx.rollback().unwrap();
    // Commit after the failure: an error that keeps the server's code.
    let mut tx = s.begin_transaction(&TransactionConfig::default()).unwrap();
    assert!(tx.run("RETRUN 1", None).is_err());
    let e = tx.commit().unwrap_err();
    assert_eq!(
        e.server_code(),
        Some("Neo.ClientError.Statement.SyntaxError"),
        "{e:?}"
    );
    assert!(!s.in_transaction());
    assert_eq!(
        s.run("RETURN 1 AS n", None)
            .unwrap()
            .single()
            .unwrap()
            .get::<i64, _>(0)
            .unwrap(),
        1
    );
    drop(s);
    stub.finish();
}

#[test]
fn noop_chunks_between_and_before_messages_are_skipped() {
    let stub = StubServer::start(&script(
        "C: RUN \"UNWIND [1, 2] AS n RETURN n\" {} {}\n\
         C: PULL {\"n\": 1000}\n\
         S: <NOOP>\n\
         S: SUCCESS {\"fields\": [\"n\"]}\n\
         S: <NOOP>\n\
         S: <NOOP>\n\
         S: RECORD [1]\n\
         S: <NOOP>\n\
         S: RECORD [2]\n\
         S: <NOOP>\n\
         S: SUCCESS {\"type\": \"r\"}\n",
    ));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let xs: Vec<i64> = s
        .run("UNWIND [1, 2] AS n RETURN n", None)
        .unwrap()
        .map(|r| r.unwrap().get(0).unwrap())
        .collect();
    assert_eq!(xs, [1, 2]);
    drop(s);
    stub.finish();
}

#[test]
fn the_server_closing_mid_stream_is_service_unavailable_naming_the_server() {
    let stub = StubServer::start(&script(
        "C: RUN \"UNWIND range(1, 3) AS n RETURN n\" {} {}\n\
         C: PULL {\"n\": 1000}\n\
         S: SUCCESS {\"fields\": [\"n\"]}\n\
         S: RECORD [1]\n\
         S: <EXIT>\n",
    ));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    {
        let mut r = s.run("UNWIND range(1, 3) AS n RETURN n", None).unwrap();
        assert_eq!(r.next().unwrap().unwrap().get::<i64, _>(0).unwrap(), 1);
        let e = r.next().unwrap().unwrap_err();
        assert_kind(&e, ErrorKind::ServiceUnavailable);
        assert!(e.message().contains(&stub.address()), "{e}");
        assert!(e.is_retryable());
    }
    drop(s);
    // The dead connection is not kept in the pool.
    let m = d.pool_metrics();
    assert_eq!((m[0].1.in_use, m[0].1.idle), (0, 0), "{m:?}");
    stub.finish();
}

#[test]
fn the_connection_dropping_during_commit_is_incomplete_commit() {
    let stub = StubServer::start(&script(
        "C: BEGIN {}\n\
         S: SUCCESS {}\n\
         C: RUN \"CREATE ()\" {} {}\n\
         C: PULL {\"n\": 1000}\n\
         S: SUCCESS {\"fields\": []}\n\
         S: SUCCESS {\"type\": \"w\"}\n\
         C: COMMIT\n\
         S: <EXIT>\n",
    ));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let mut tx = s.begin_transaction(&TransactionConfig::default()).unwrap();
    tx.run("CREATE ()", None).unwrap().consume().unwrap();
    let e = tx.commit().unwrap_err();
    assert_kind(&e, ErrorKind::IncompleteCommit);
    assert!(
        !e.is_retryable(),
        "the outcome is unknown: never retry blindly"
    );
    assert!(!s.in_transaction());
    drop(s);
    stub.finish();
}

#[test]
fn the_connection_dropping_during_rollback_is_not_incomplete_commit() {
    let stub = StubServer::start(&script(
        "C: BEGIN {}\n\
         S: SUCCESS {}\n\
         C: RUN \"CREATE ()\" {} {}\n\
         C: PULL {\"n\": 1000}\n\
         S: SUCCESS {\"fields\": []}\n\
         S: SUCCESS {\"type\": \"w\"}\n\
         C: ROLLBACK\n\
         S: <EXIT>\n",
    ));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let mut tx = s.begin_transaction(&TransactionConfig::default()).unwrap();
    tx.run("CREATE ()", None).unwrap().consume().unwrap();
    let e = tx.rollback().unwrap_err();
    assert_kind(&e, ErrorKind::ServiceUnavailable);
    drop(s);
    stub.finish();
}

#[test]
fn credentials_never_appear_in_debug_output_or_errors() {
    let password = "pa55-w0rd-XYZ";
    let auth = AuthToken::basic("neo4j", password);
    let config = Config::builder("bolt://127.0.0.1:1")
        .auth(auth.clone())
        .build()
        .unwrap();
    let builder = Config::builder("bolt://127.0.0.1:1").auth(auth.clone());
    let d = boltc::Driver::new(config.clone()).unwrap();
    for text in [
        format!("{auth:?}"),
        format!("{config:?}"),
        format!("{builder:?}"),
        format!("{d:?}"),
        format!("{:?}", AuthToken::bearer(password)),
        format!("{:?}", AuthToken::kerberos(password)),
        format!("{:?}", AuthToken::basic_with_realm("u", password, "r")),
    ] {
        assert!(!text.contains(password), "{text}");
    }

    let stub = StubServer::start(
        "!: BOLT 4.4\n\
         C: HELLO {\"user_agent\": *, ..}\n\
         S: FAILURE {\"code\": \"Neo.ClientError.Security.Unauthorized\", \"message\": \"The client is unauthorized due to authentication failure.\"}\n",
    );
    let d = boltc::Driver::new(
        Config::builder(&stub.uri())
            .auth(AuthToken::basic("neo4j", password))
            .build()
            .unwrap(),
    )
    .unwrap();
    let e = d.verify_connectivity().unwrap_err();
    assert_kind(&e, ErrorKind::Authentication);
    let text = format!("{e} {e:?}");
    assert!(!text.contains(password), "{text}");
    drop(d);
    stub.finish();
}

#[test]
fn a_failure_followed_by_a_hangup_keeps_the_server_error() {
    // The server answers RUN with a FAILURE and closes the connection (as Neo4j does for
    // some security errors): the error reported is the FAILURE, not the lost connection.
    let expired =
        "{\"code\": \"Neo.ClientError.Security.AuthorizationExpired\", \"message\": \"expired\"}";
    let stub = StubServer::start(&script(&format!(
        "C: BEGIN {{}}\nS: SUCCESS {{}}\n\
         C: RUN \"RETURN 1 AS n\" {{}} {{}}\nC: PULL {{\"n\": 1000}}\n\
         S: FAILURE {expired}\nS: <EXIT>\n"
    )));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    s.begin_detached(&TransactionConfig::default()).unwrap();
    let e = s.tx_run_detached("RETURN 1 AS n", None).unwrap_err();
    assert_eq!(
        e.server_code(),
        Some("Neo.ClientError.Security.AuthorizationExpired")
    );
    drop(s);
    stub.finish();
}

#[test]
fn a_refused_begin_or_commit_followed_by_a_hangup_keeps_the_server_error() {
    let expired = "{\"code\": \"Neo.ClientError.Security.TokenExpired\", \"message\": \"expired\"}";
    for (rest, commit) in [
        (
            format!("C: BEGIN {{}}\nS: FAILURE {expired}\nS: <EXIT>\n"),
            false,
        ),
        (
            format!("C: BEGIN {{}}\nS: SUCCESS {{}}\nC: COMMIT\nS: FAILURE {expired}\nS: <EXIT>\n"),
            true,
        ),
    ] {
        let stub = StubServer::start(&script(&rest));
        let d = driver(&stub.uri());
        let mut s = d.session(SessionConfig::default()).unwrap();
        let e = if commit {
            s.begin_detached(&TransactionConfig::default()).unwrap();
            s.commit_detached().unwrap_err()
        } else {
            s.begin_detached(&TransactionConfig::default()).unwrap_err()
        };
        assert_eq!(
            e.server_code(),
            Some("Neo.ClientError.Security.TokenExpired")
        );
        // Closing the session does not fail because the connection is gone.
        s.close().unwrap();
        stub.finish();
    }
}

#[test]
fn closing_a_session_after_a_failure_and_a_hangup_succeeds() {
    let stub = StubServer::start(&script(&format!(
        "C: RUN \"RETURN 1 AS n\" {{}} {{}}\nC: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{\"fields\": [\"n\"]}}\nS: FAILURE {SYNTAX}\nS: <EXIT>\n"
    )));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let id = s
        .run_detached("RETURN 1 AS n", None, &TransactionConfig::default())
        .unwrap();
    let e = s.result_next(id).unwrap_err();
    assert_eq!(
        e.server_code(),
        Some("Neo.ClientError.Statement.SyntaxError")
    );
    s.close().unwrap();
    stub.finish();
}

#[test]
fn closing_a_session_with_an_open_transaction_on_a_dead_connection_succeeds() {
    let stub = StubServer::start(&script(
        "C: BEGIN {}\nS: SUCCESS {}\nC: RUN \"RETURN 1 AS n\" {} {}\nC: PULL {\"n\": 1000}\n\
         S: SUCCESS {\"fields\": [\"n\"]}\nS: RECORD [1]\nS: SUCCESS {\"type\": \"r\"}\nS: <EXIT>\n",
    ));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    s.begin_detached(&TransactionConfig::default()).unwrap();
    let id = s.tx_run_detached("RETURN 1 AS n", None).unwrap();
    assert!(s.result_next(id).unwrap().is_some());
    // The rollback cannot reach the server; closing still succeeds.
    s.close().unwrap();
    stub.finish();
}

#[test]
fn the_servers_recv_timeout_hint_bounds_each_read() {
    // The hint (1 s) applies although the driver configures no read timeout; a reply slower
    // than that fails the query and the connection is not reused.
    let stub = StubServer::start(
        "!: BOLT 5.4\n\
         C: HELLO {\"user_agent\": \"MyClient/1.0\", ..}\n\
         S: SUCCESS {\"server\": \"Neo4j/5.4.0\", \"connection_id\": \"bolt-7\", \
            \"hints\": {\"connection.recv_timeout_seconds\": 1}}\n\
         C: LOGON {\"scheme\": \"basic\", \"principal\": \"neo4j\", \"credentials\": \"secret\"}\n\
         S: SUCCESS {}\n\
         C: RUN \"RETURN 1 AS n\" {} {}\n\
         C: PULL {\"n\": 1000}\n\
         S: <SLEEP 3000ms>\n",
    );
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let started = std::time::Instant::now();
    let e = s.run("RETURN 1 AS n", None).err().unwrap();
    assert!(
        started.elapsed() < std::time::Duration::from_millis(2500),
        "{e}"
    );
    assert!(
        matches!(e.kind(), ErrorKind::Timeout | ErrorKind::ServiceUnavailable),
        "{e:?}"
    );
    drop(s);
    d.close();
}
