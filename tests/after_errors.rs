//! What the driver does after a server error or a read timeout: which servers routing keeps,
//! which connections are reused and how, and what may be retried. TestKit checks these in the
//! parts of its tests that come after its per-driver error-name tables (see CONFORMANCE.md);
//! each test here stands for one defect those parts found.

mod common;
mod support;

use boltc::{AccessMode, ErrorKind, SessionConfig, TransactionConfig};
use common::{assert_kind, driver, driver_with};
use support::StubServer;

const BYE: &str = "?{\nC: GOODBYE\n}\n";

/// `!: BOLT`, HELLO (with `hints` in its reply) and, on 5.1+, LOGON with the test credentials.
fn header(version: &str, hints: &str) -> String {
    let logon = if version.starts_with('5') && version != "5.0" {
        "C: LOGON {\"scheme\": \"basic\", \"principal\": \"neo4j\", \"credentials\": \"secret\"}\n\
         S: SUCCESS {}\n"
    } else {
        ""
    };
    format!(
        "!: BOLT {version}\n!: AUTO RESET\nC: HELLO {{\"user_agent\": \"*\", ..}}\n\
         S: SUCCESS {{\"server\": \"Neo4j/{version}.0\", \"connection_id\": \"bolt-1\"{hints}}}\n\
         {logon}"
    )
}

/// `RETURN 1 AS n` (RUN and PULL) answered with one record.
fn return_one() -> String {
    "C: RUN \"RETURN 1 AS n\" * *\nC: PULL {\"n\": 1000}\n\
     S: SUCCESS {\"fields\": [\"n\"]}\nS: RECORD [1]\nS: SUCCESS {\"type\": \"r\"}\n"
        .to_owned()
}

/// A ROUTE exchange naming `server` as the only reader and writer of `neo4j`.
fn route(server: &str) -> String {
    format!(
        "C: ROUTE {{\"address\": \"*\"}} [] {{\"db\": \"neo4j\"}}\n\
         S: SUCCESS {{\"rt\": {{\"ttl\": 300, \"db\": \"neo4j\", \"servers\": [\
         {{\"addresses\": [\"x:1\"], \"role\": \"ROUTE\"}}, \
         {{\"addresses\": [\"{server}\"], \"role\": \"READ\"}}, \
         {{\"addresses\": [\"{server}\"], \"role\": \"WRITE\"}}]}}}}\n"
    )
}

fn reads() -> SessionConfig {
    SessionConfig::database("neo4j").with_access_mode(AccessMode::Read)
}

fn run_one(d: &boltc::Driver, config: SessionConfig, query: &str) -> boltc::Result<i64> {
    let mut s = d.session(config)?;
    let r = s.run(query, None)?.single()?;
    r.get::<i64, _>("n")
}

/// A server that answers a FAILURE and then hangs up (as servers do after security errors)
/// has answered: the RESET that would clear the failure finding the socket closed must not
/// make routing drop the server, so the next session reuses the routing table (one ROUTE).
#[test]
fn a_hangup_after_a_failure_keeps_the_server_in_the_routing_table() {
    let reader = StubServer::start(&format!(
        "{}!: CONNECTIONS 2\n\
         ?{{\nC: RUN \"FAIL\" * *\nC: PULL {{\"n\": 1000}}\n\
         S: FAILURE {{\"code\": \"Neo.ClientError.Security.TokenExpired\", \"message\": \"Token expired.\"}}\n\
         S: <EXIT>\n}}\n{}{BYE}",
        header("5.4", ""),
        return_one()
    ));
    let router = StubServer::start(&format!(
        "{}{}{BYE}",
        header("5.4", ""),
        route(&reader.address())
    ));
    let d = driver(&format!("neo4j://{}", router.address()));
    let e = run_one(&d, reads(), "FAIL").unwrap_err();
    assert_eq!(
        e.server_code(),
        Some("Neo.ClientError.Security.TokenExpired")
    );
    let table = d.routing_table(Some("neo4j")).unwrap();
    assert_eq!(
        table.readers.len(),
        1,
        "the server answered before it hung up: it stays a reader ({table:?})"
    );
    assert_eq!(run_one(&d, reads(), "RETURN 1 AS n").unwrap(), 1);
    d.close();
    reader.finish();
    router.finish();
}

/// After `AuthorizationExpired` a Bolt 5.1+ connection opened before it logs on again
/// (LOGOFF/LOGON, same credentials) before its next work, instead of being replaced.
#[test]
fn connections_of_an_expired_authorization_log_on_again_on_5_1() {
    let logon = "{\"scheme\": \"basic\", \"principal\": \"neo4j\", \"credentials\": \"secret\"}";
    let tx = "C: BEGIN {..}\nS: SUCCESS {}\nC: RUN \"RETURN 1 AS n\" * *\nC: PULL {\"n\": 1000}\n\
              S: SUCCESS {\"fields\": [\"n\"]}\nS: RECORD [1]\nS: SUCCESS {\"type\": \"r\"}\n\
              C: COMMIT\nS: SUCCESS {}\n";
    let server = StubServer::start(&format!(
        "{}!: CONCURRENT\n!: CONNECTIONS 2\n\
         ?{{\nC: RUN \"EXPIRE\" * *\nC: PULL {{\"n\": 1000}}\n\
         S: FAILURE {{\"code\": \"Neo.ClientError.Security.AuthorizationExpired\", \"message\": \"Authorization expired.\"}}\n\
         S: <EXIT>\n}}\n\
         {tx}C: LOGOFF\nC: LOGON {logon}\nS: SUCCESS {{}}\nS: SUCCESS {{}}\n{tx}{BYE}",
        header("5.4", "")
    ));
    let d = driver(&server.uri());
    let mut s1 = d.session(SessionConfig::default()).unwrap();
    let mut tx1 = s1.begin_transaction(&TransactionConfig::default()).unwrap();
    tx1.run("RETURN 1 AS n", None).unwrap().consume().unwrap();
    // A second connection (the first one is busy) sees the authorization expire.
    let e = run_one(&d, SessionConfig::default(), "EXPIRE").unwrap_err();
    assert_eq!(
        e.server_code(),
        Some("Neo.ClientError.Security.AuthorizationExpired")
    );
    tx1.commit().unwrap();
    let mut tx1 = s1.begin_transaction(&TransactionConfig::default()).unwrap();
    tx1.run("RETURN 1 AS n", None).unwrap().consume().unwrap();
    tx1.commit().unwrap();
    drop(s1);
    d.close();
    server.finish();
}

/// The server's `connection.recv_timeout_seconds` hint ran out: the connection is closed,
/// and with routing the server is taken out of the routing table, so the next work fetches a
/// new one (a second ROUTE) and opens a new connection.
#[test]
fn a_read_timeout_takes_the_server_out_of_the_routing_table() {
    let hint = ", \"hints\": {\"connection.recv_timeout_seconds\": 1}";
    let reader = StubServer::start(&format!(
        "{}!: CONNECTIONS 2\n\
         ?{{\nC: RUN \"SLOW\" * *\nC: PULL {{\"n\": 1000}}\nS: <SLEEP 1500ms>\nS: <EXIT>\n}}\n{}{BYE}",
        header("4.4", hint),
        return_one()
    ));
    let r = reader.address();
    let router = StubServer::start(&format!(
        "{}{}{}{BYE}",
        header("4.4", ""),
        route(&r),
        route(&r)
    ));
    let d = driver(&format!("neo4j://{}", router.address()));
    let e = run_one(&d, reads(), "SLOW").unwrap_err();
    assert_kind(&e, ErrorKind::Timeout);
    assert!(e.is_retryable(), "another connection may succeed: {e:?}");
    let table = d.routing_table(Some("neo4j")).unwrap();
    assert!(
        table.readers.is_empty() && table.writers.is_empty(),
        "the server that timed out is no longer routed to: {table:?}"
    );
    assert_eq!(run_one(&d, reads(), "RETURN 1 AS n").unwrap(), 1);
    d.close();
    reader.finish();
    router.finish();
}

/// A read timeout (the server's hint, or the configured one) closes the connection: the work
/// may succeed on another one, so the error is retryable (TestKit's backend and the C API
/// decide on retries by it). A call timeout running out is not.
#[test]
fn a_read_timeout_is_retryable_and_a_call_timeout_is_not() {
    let hint = ", \"hints\": {\"connection.recv_timeout_seconds\": 1}";
    let slow = "?{\nC: RUN \"SLOW\" * *\nC: PULL {\"n\": 1000}\nS: <SLEEP 1500ms>\nS: <EXIT>\n}\n";
    let server = StubServer::start(&format!(
        "{}!: CONNECTIONS 2\n{slow}{}{BYE}",
        header("4.4", hint),
        return_one()
    ));
    let d = driver(&server.uri());
    let e = run_one(&d, SessionConfig::default(), "SLOW").unwrap_err();
    assert_kind(&e, ErrorKind::Timeout);
    assert!(e.is_retryable(), "{e:?}");
    assert_eq!(
        run_one(&d, SessionConfig::default(), "RETURN 1 AS n").unwrap(),
        1
    );
    d.close();
    server.finish();

    let server = StubServer::start(&format!("{}{slow}", header("4.4", "")));
    let d = driver_with(&server.uri(), |c| c.read_timeout(None));
    let config = SessionConfig::default().with_call_timeout(std::time::Duration::from_millis(300));
    let e = run_one(&d, config, "SLOW").unwrap_err();
    assert_kind(&e, ErrorKind::Timeout);
    assert!(!e.is_retryable(), "the caller's own time ran out: {e:?}");
    d.close();
    let mut server = server;
    let _ = server.try_finish();
}
