//! Connection identity (user agent, bolt_agent, server-assigned connection ids on sessions,
//! transactions and summaries) and the admin helpers (`dbms.listConnections`,
//! `dbms.killConnection(s)`), against the stub server and FalkorDB.

mod common;
mod support;

use boltc::{Config, Driver, ErrorKind, SessionConfig, TransactionConfig, DEFAULT_USER_AGENT};
use common::{assert_kind, driver};
use support::{FalkorDb, StubServer};

const HELLO_54: &str = "!: BOLT 5.4\n!: AUTO RESET\n\
    C: HELLO {\"user_agent\": \"MyClient/1.0\", ..}\n\
    S: SUCCESS {\"server\": \"Neo4j/5.4.0\", \"connection_id\": \"bolt-7\"}\n\
    C: LOGON {\"scheme\": \"basic\", \"principal\": \"neo4j\", \"credentials\": \"secret\"}\n\
    S: SUCCESS {}\n";
const BYE: &str = "?{\nC: GOODBYE\n}\n";

#[test]
fn default_user_agent_and_bolt_agent_are_sent_on_5_3_plus() {
    assert!(DEFAULT_USER_AGENT.starts_with("boltc/"));
    let version = env!("CARGO_PKG_VERSION");
    let stub = StubServer::start(&format!(
        "!: BOLT 5.3\n\
         C: HELLO {{\"user_agent\": \"boltc/{version}\", \"bolt_agent\": {{\"product\": \"boltc/{version}\", \
           \"platform\": *, \"language\": \"Rust\", \"language_details\": *}}}}\n\
         S: SUCCESS {{\"server\": \"Neo4j/5.3.0\", \"connection_id\": \"bolt-53\"}}\n\
         C: LOGON {{\"scheme\": \"none\"}}\n\
         S: SUCCESS {{}}\n{BYE}"
    ));
    let d = Driver::new(Config::builder(&stub.uri()).build().unwrap()).unwrap();
    let info = d.server_info().unwrap();
    assert_eq!(info.connection_id, "bolt-53");
    assert_eq!(info.agent, "Neo4j/5.3.0");
    assert_eq!(info.protocol_version, (5, 3));
    assert_eq!(info.address, stub.address());
    d.close();
    stub.finish();
}

#[test]
fn no_bolt_agent_before_5_3() {
    // Without `..` the HELLO map must be exactly this: no bolt_agent key on 5.2.
    let stub = StubServer::start(&format!(
        "!: BOLT 5.2\n\
         C: HELLO {{\"user_agent\": \"MyClient/1.0\"}}\n\
         S: SUCCESS {{\"server\": \"Neo4j/5.2.0\", \"connection_id\": \"bolt-52\"}}\n\
         C: LOGON {{..}}\n\
         S: SUCCESS {{}}\n{BYE}"
    ));
    let d = driver(&stub.uri());
    assert_eq!(d.server_info().unwrap().connection_id, "bolt-52");
    d.close();
    stub.finish();
}

#[test]
fn sessions_transactions_and_summaries_name_their_connection() {
    let stub = StubServer::start(&format!(
        "{HELLO_54}\
         C: BEGIN {{}}\nS: SUCCESS {{}}\n\
         C: RUN \"RETURN 1 AS n\" {{}} {{}}\nS: SUCCESS {{\"fields\": [\"n\"]}}\n\
         C: PULL {{\"n\": 1000}}\nS: RECORD [1]\nS: SUCCESS {{\"type\": \"r\"}}\n\
         C: COMMIT\nS: SUCCESS {{\"bookmark\": \"bm\"}}\n{BYE}"
    ));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    assert_eq!(s.connection_info(), None);
    let mut tx = s.begin_transaction(&TransactionConfig::default()).unwrap();
    let info = tx
        .connection_info()
        .expect("a transaction holds a connection");
    assert_eq!(info.connection_id, "bolt-7");
    assert_eq!(info.agent, "Neo4j/5.4.0");
    assert_eq!(info.protocol_version, (5, 4));
    assert_eq!(info.address, stub.address());
    let summary = tx.run("RETURN 1 AS n", None).unwrap().consume().unwrap();
    assert_eq!(summary.server, info);
    tx.commit().unwrap();
    assert_eq!(s.connection_info(), None, "given back after commit");
    drop(s);
    d.close();
    stub.finish();
}

fn list_script() -> String {
    format!(
        "{HELLO_54}\
         C: RUN \"CALL dbms.listConnections()\" {{}} {{}}\n\
         C: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{\"fields\": [\"connectionId\", \"connectTime\", \"connector\", \"username\", \"userAgent\", \"serverAddress\", \"clientAddress\"]}}\n\
         S: RECORD [\"bolt-21\", \"2018-10-10T12:11:42.276Z\", \"bolt\", \"alwood\", \"neo4j-java/1.6.3\", \"localhost:7687\", \"127.0.0.1:53929\"]\n\
         S: RECORD [\"http-11\", \"2018-10-10T12:37:19.014Z\", \"http\", null, \"Mozilla/5.0\", \"localhost:7474\", \"127.0.0.1:54118\"]\n\
         S: SUCCESS {{\"type\": \"r\"}}\n{BYE}"
    )
}

#[test]
fn list_connections_returns_typed_rows() {
    let stub = StubServer::start(&list_script());
    let d = driver(&stub.uri());
    let rows = d.list_connections().unwrap();
    assert_eq!(rows.len(), 2);
    let c = &rows[0];
    assert_eq!(c.connection_id, "bolt-21");
    assert_eq!(c.connect_time, "2018-10-10T12:11:42.276Z");
    assert_eq!(c.connector, "bolt");
    assert_eq!(c.username.as_deref(), Some("alwood"));
    assert_eq!(c.user_agent, "neo4j-java/1.6.3");
    assert_eq!(c.server_address, "localhost:7687");
    assert_eq!(c.client_address, "127.0.0.1:53929");
    assert_eq!(rows[1].username, None);
    assert_eq!(rows[1].connector, "http");
    assert_eq!(rows[0].raw.len(), 7);
    d.close();
    stub.finish();
}

#[test]
fn kill_connection_and_kill_connections() {
    let stub = StubServer::start(&format!(
        "{HELLO_54}\
         C: RUN \"CALL dbms.killConnection($id)\" {{\"id\": \"bolt-4321\"}} {{}}\n\
         C: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{\"fields\": [\"connectionId\", \"username\", \"message\"]}}\n\
         S: RECORD [\"bolt-4321\", \"joesmith\", \"Connection found\"]\n\
         S: SUCCESS {{\"type\": \"r\"}}\n\
         C: RUN \"CALL dbms.killConnections($ids)\" {{\"ids\": [\"bolt-37\", \"http-42\"]}} {{}}\n\
         C: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{\"fields\": [\"connectionId\", \"username\", \"message\"]}}\n\
         S: RECORD [\"bolt-37\", \"joesmith\", \"Connection found\"]\n\
         S: RECORD [\"http-42\", \"n/a\", \"No connection found with this id\"]\n\
         S: SUCCESS {{\"type\": \"r\"}}\n{BYE}"
    ));
    let d = driver(&stub.uri());
    let one = d.kill_connection("bolt-4321").unwrap();
    assert_eq!(
        (
            one.connection_id.as_str(),
            one.username.as_str(),
            one.found()
        ),
        ("bolt-4321", "joesmith", true)
    );
    let many = d.kill_connections(["bolt-37", "http-42"]).unwrap();
    assert_eq!(many.len(), 2);
    assert!(many[0].found());
    assert!(!many[1].found());
    assert_eq!(many[1].message, "No connection found with this id");
    assert_eq!(many[1].username, "n/a");
    d.close();
    stub.finish();
}

#[test]
fn a_missing_procedure_is_an_unsupported_error() {
    let stub = StubServer::start(&format!(
        "{HELLO_54}\
         C: RUN \"CALL dbms.listConnections()\" {{}} {{}}\n\
         C: PULL {{\"n\": 1000}}\n\
         S: FAILURE {{\"code\": \"Neo.ClientError.Procedure.ProcedureNotFound\", \
           \"message\": \"There is no procedure with the name `dbms.listConnections` registered for this database instance.\"}}\n\
         S: IGNORED\n\
         C: RESET\nS: SUCCESS {{}}\n{BYE}"
    ));
    let d = driver(&stub.uri());
    let e = d.list_connections().unwrap_err();
    assert_kind(&e, ErrorKind::Unsupported);
    assert_eq!(
        e.server_code(),
        Some("Neo.ClientError.Procedure.ProcedureNotFound")
    );
    assert!(e.message().contains("dbms.listConnections"), "{e}");
    d.close();
    stub.finish();
}

#[test]
fn a_forbidden_call_stays_a_client_error() {
    let stub = StubServer::start(&format!(
        "{HELLO_54}\
         C: RUN \"CALL dbms.killConnection($id)\" {{\"id\": \"bolt-1\"}} {{}}\n\
         C: PULL {{\"n\": 1000}}\n\
         S: FAILURE {{\"code\": \"Neo.ClientError.Security.Forbidden\", \"message\": \"Permission denied.\"}}\n\
         S: IGNORED\n\
         C: RESET\nS: SUCCESS {{}}\n{BYE}"
    ));
    let d = driver(&stub.uri());
    let e = d.kill_connection("bolt-1").unwrap_err();
    assert_kind(&e, ErrorKind::ClientError);
    assert_eq!(e.server_code(), Some("Neo.ClientError.Security.Forbidden"));
    d.close();
    stub.finish();
}

#[test]
fn falkordb_has_no_list_connections_and_says_so_quickly() {
    let Some(db) = FalkorDb::start() else { return };
    let d = Driver::new(
        Config::builder(&db.bolt_uri())
            .auth(boltc::AuthToken::basic("falkordb", ""))
            .connection_timeout(std::time::Duration::from_secs(3))
            .read_timeout(Some(std::time::Duration::from_secs(10)))
            .build()
            .unwrap(),
    )
    .unwrap();
    let t = std::time::Instant::now();
    let e = d.list_connections().unwrap_err();
    assert!(t.elapsed() < std::time::Duration::from_secs(10), "{e}");
    assert_kind(&e, ErrorKind::Unsupported);
    assert!(e.message().contains("dbms.listConnections"), "{e}");
    // The driver is still usable afterwards.
    let info = d.server_info().unwrap();
    assert_eq!(info.protocol_version, (5, 7));
    d.close();
}
