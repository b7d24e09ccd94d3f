//! Client-side routing against scripted clusters of stub servers on loopback.

mod support;

use boltc::net::Address;
use boltc::{AccessMode, Config, Driver, ErrorKind, SessionConfig};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::StubServer;

/// `!: BOLT` plus the HELLO (and LOGON on 5.1+) exchange.
fn header(version: &str) -> String {
    let (major, minor) = version.split_once('.').unwrap();
    let bolt = if major == "3" {
        "HANDSHAKE 00 00 00 03".to_owned()
    } else {
        format!("BOLT {version}")
    };
    let mut s = format!(
        "!: {bolt}\n!: AUTO RESET\nC: HELLO {{\"user_agent\": \"*\", ..}}\n\
         S: SUCCESS {{\"server\": \"Neo4j/{version}.0\", \"connection_id\": \"bolt-1\"}}\n"
    );
    if major.parse::<u8>().unwrap() > 5 || (major == "5" && minor != "0") {
        s.push_str("C: LOGON {\"scheme\": \"none\"}\nS: SUCCESS {}\n");
    }
    s
}

const BYE: &str = "?{\nC: GOODBYE\n}\n";

fn list(addrs: &[&str]) -> String {
    addrs
        .iter()
        .map(|a| format!("\"{a}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A routing table map: `{"ttl": .., "db": .., "servers": [..]}`.
fn rt(ttl: i64, db: Option<&str>, routers: &[&str], readers: &[&str], writers: &[&str]) -> String {
    let db = db.map(|d| format!(", \"db\": \"{d}\"")).unwrap_or_default();
    format!(
        "{{\"ttl\": {ttl}{db}, \"servers\": [{{\"addresses\": [{}], \"role\": \"ROUTE\"}}, \
         {{\"addresses\": [{}], \"role\": \"READ\"}}, {{\"addresses\": [{}], \"role\": \"WRITE\"}}]}}",
        list(routers),
        list(readers),
        list(writers)
    )
}

/// A server that answers one `RETURN 1` auto-commit query with `meta` (exact keys).
fn query_server(version: &str, meta: &str) -> StubServer {
    StubServer::start(&format!(
        "{}C: RUN \"RETURN 1 AS n\" {{}} {meta}\nS: SUCCESS {{\"fields\": [\"n\"]}}\n\
         C: PULL {{\"n\": 1000}}\nS: RECORD [1]\nS: SUCCESS {{\"type\": \"r\"}}\n{BYE}",
        header(version)
    ))
}

fn driver(uri: &str) -> Driver {
    let config = Config::builder(uri)
        .connection_timeout(Duration::from_secs(2))
        .connection_acquisition_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    Driver::new(config).unwrap()
}

fn run_one(driver: &Driver, config: SessionConfig) -> boltc::Result<i64> {
    let mut session = driver.session(config)?;
    let record = session.run("RETURN 1 AS n", None)?.single()?;
    record.get::<i64, _>("n")
}

fn neo4j_uri(router: &StubServer) -> String {
    format!("neo4j://{}", router.address())
}

fn reads(db: &str) -> SessionConfig {
    SessionConfig::database(db).with_access_mode(AccessMode::Read)
}

fn route_count(stub: &StubServer) -> usize {
    stub.transcripts()
        .iter()
        .flatten()
        .filter(|l| l.starts_with("C: ROUTE"))
        .count()
}

#[test]
fn route_4_4_sends_reads_to_readers_and_writes_to_writers() {
    let reader = query_server("4.4", r#"{"mode": "r", "db": "neo4j"}"#);
    let writer = query_server("4.4", r#"{"db": "neo4j"}"#);
    let (r, w) = (reader.address(), writer.address());
    let router = StubServer::start(&format!(
        "{}C: ROUTE {{\"address\": \"*\", \"region\": \"eu\"}} [] {{\"db\": \"neo4j\"}}\n\
         S: SUCCESS {{\"rt\": {}}}\n{BYE}",
        header("4.4"),
        rt(300, Some("neo4j"), &["ROUTER"], &[&r], &[&w])
    ));
    let router_addr = router.address();
    let d = driver(&format!("neo4j://{router_addr}?region=eu"));
    assert_eq!(run_one(&d, reads("neo4j")).unwrap(), 1);
    assert_eq!(run_one(&d, SessionConfig::database("neo4j")).unwrap(), 1);
    let table = d.routing_table(Some("neo4j")).unwrap();
    assert_eq!(table.readers, [Address::parse(&r, 7687).unwrap()]);
    assert_eq!(table.database.as_deref(), Some("neo4j"));
    d.close();
    reader.finish();
    writer.finish();
    router.finish();
}

#[test]
fn route_4_3_sends_the_database_as_a_string() {
    let reader = query_server("4.3", r#"{"mode": "r", "db": "foo"}"#);
    let r = reader.address();
    let router = StubServer::start(&format!(
        "{}C: ROUTE {{\"address\": \"*\"}} [] \"foo\"\nS: SUCCESS {{\"rt\": {}}}\n{BYE}",
        header("4.3"),
        rt(300, Some("foo"), &["x:1"], &[&r], &[])
    ));
    let d = driver(&neo4j_uri(&router));
    assert_eq!(run_one(&d, reads("foo")).unwrap(), 1);
    d.close();
    reader.finish();
    router.finish();
}

#[test]
fn procedure_4_2_runs_on_the_system_database() {
    let reader = query_server("4.2", r#"{"mode": "r", "db": "foo"}"#);
    let r = reader.address();
    let router = StubServer::start(&format!(
        "{}C: RUN \"CALL dbms.routing.getRoutingTable($context, $database)\" \
         {{\"context\": {{\"address\": \"*\"}}, \"database\": \"foo\"}} {{\"mode\": \"r\", \"db\": \"system\"}}\n\
         C: PULL {{\"n\": -1}}\nS: SUCCESS {{\"fields\": [\"ttl\", \"servers\"]}}\n\
         S: RECORD [300, {}]\nS: SUCCESS {{\"type\": \"r\"}}\n{BYE}",
        header("4.2"),
        servers_only(&[&r])
    ));
    let d = driver(&neo4j_uri(&router));
    assert_eq!(run_one(&d, reads("foo")).unwrap(), 1);
    d.close();
    reader.finish();
    router.finish();
}

/// The `servers` list of a procedure record: one router "x:1" and `readers`.
fn servers_only(readers: &[&str]) -> String {
    format!(
        "[{{\"addresses\": [\"x:1\"], \"role\": \"ROUTE\"}}, {{\"addresses\": [{}], \"role\": \"READ\"}}]",
        list(readers)
    )
}

#[test]
fn route_5_home_database_is_resolved_and_pinned() {
    let reader = query_server("5.4", r#"{"mode": "r", "db": "homedb"}"#);
    let r = reader.address();
    let router = StubServer::start(&format!(
        "{}C: ROUTE {{\"address\": \"*\"}} [] {{}}\nS: SUCCESS {{\"rt\": {}}}\n{BYE}",
        header("5.4"),
        rt(300, Some("homedb"), &["x:1"], &[&r], &[])
    ));
    let d = driver(&neo4j_uri(&router));
    let config = SessionConfig::default().with_access_mode(AccessMode::Read);
    assert_eq!(run_one(&d, config).unwrap(), 1);
    assert!(d.routing_table(Some("homedb")).is_some());
    assert!(
        d.routing_table(None).is_some(),
        "the home database maps to its table"
    );
    d.close();
    reader.finish();
    router.finish();
}

#[test]
fn route_4_4_sends_the_impersonated_user() {
    let reader = query_server("4.4", r#"{"mode": "r", "db": "userdb", "imp_user": "bob"}"#);
    let r = reader.address();
    let router = StubServer::start(&format!(
        "{}C: ROUTE {{\"address\": \"*\"}} [] {{\"imp_user\": \"bob\"}}\nS: SUCCESS {{\"rt\": {}}}\n{BYE}",
        header("4.4"),
        rt(300, Some("userdb"), &["x:1"], &[&r], &[])
    ));
    let d = driver(&neo4j_uri(&router));
    let config = SessionConfig::default()
        .with_access_mode(AccessMode::Read)
        .with_impersonated_user("bob");
    assert_eq!(run_one(&d, config).unwrap(), 1);
    d.close();
    reader.finish();
    router.finish();
}

#[test]
fn route_5_1_session_credentials_log_on_the_router_connection_too() {
    let alice = r#"{"scheme": "basic", "principal": "alice", "credentials": "pw"}"#;
    let hello = |version: &str| {
        format!(
            "!: BOLT {version}\n!: AUTO RESET\nC: HELLO {{\"user_agent\": \"*\", ..}}\n\
             S: SUCCESS {{\"server\": \"Neo4j/{version}.0\", \"connection_id\": \"bolt-1\"}}\n\
             C: LOGON {alice}\nS: SUCCESS {{}}\n"
        )
    };
    let reader = StubServer::start(&format!(
        "{}C: RUN \"RETURN 1 AS n\" {{}} {{\"mode\": \"r\", \"db\": \"adb\"}}\n\
         S: SUCCESS {{\"fields\": [\"n\"]}}\n\
         C: PULL {{\"n\": 1000}}\nS: RECORD [1]\nS: SUCCESS {{\"type\": \"r\"}}\n{BYE}",
        hello("5.1")
    ));
    let r = reader.address();
    let router = StubServer::start(&format!(
        "{}C: ROUTE {{\"address\": \"*\"}} [] {{\"db\": \"adb\"}}\nS: SUCCESS {{\"rt\": {}}}\n{BYE}",
        hello("5.1"),
        rt(300, Some("adb"), &["x:1"], &[&r], &[])
    ));
    let d = driver(&neo4j_uri(&router));
    let config = reads("adb").with_auth(boltc::AuthToken::basic("alice", "pw"));
    assert_eq!(run_one(&d, config).unwrap(), 1);
    d.close();
    reader.finish();
    router.finish();
}

#[test]
fn a_router_connection_logs_on_again_in_the_same_write_as_route() {
    // Two sessions without a database (Bolt 5.1: each resolves its home database), the second
    // with other credentials: the pooled router connection logs off and on again, and the
    // router answers only once ROUTE has arrived too (as servers may).
    let alice = r#"{"scheme": "basic", "principal": "alice", "credentials": "pw"}"#;
    let bob = r#"{"scheme": "basic", "principal": "bob", "credentials": "pw2"}"#;
    let route = |rt: &str| {
        format!("C: ROUTE {{\"address\": \"*\"}} [] {{}}\nS: SUCCESS {{\"rt\": {rt}}}\n")
    };
    let run = "C: RUN \"RETURN 1 AS n\" {} {\"mode\": \"r\", \"db\": \"home\"}\n\
               C: PULL {\"n\": 1000}\n";
    let rows = "S: SUCCESS {\"fields\": [\"n\"]}\nS: RECORD [1]\nS: SUCCESS {}\n";
    let reader = StubServer::start(&format!(
        "{}{run}{rows}C: LOGOFF\nC: LOGON {bob}\n{run}S: SUCCESS {{}}\nS: SUCCESS {{}}\n{rows}{BYE}",
        header("5.1").replace("{\"scheme\": \"none\"}", alice)
    ));
    let table = rt(300, Some("home"), &["x:1"], &[&reader.address()], &[]);
    let router = StubServer::start(&format!(
        "{}{}C: LOGOFF\nC: LOGON {bob}\n{}{BYE}",
        header("5.1").replace("{\"scheme\": \"none\"}", alice),
        route(&table),
        route(&table).replace("S: SUCCESS", "S: SUCCESS {}\nS: SUCCESS {}\nS: SUCCESS")
    ));
    let d = driver(&neo4j_uri(&router));
    let home = || SessionConfig::default().with_access_mode(AccessMode::Read);
    let alice_cfg = home().with_auth(boltc::AuthToken::basic("alice", "pw"));
    assert_eq!(run_one(&d, alice_cfg).unwrap(), 1);
    let bob_cfg = home().with_auth(boltc::AuthToken::basic("bob", "pw2"));
    assert_eq!(run_one(&d, bob_cfg).unwrap(), 1);
    d.close();
    reader.finish();
    router.finish();
}

#[test]
fn expired_ttl_fetches_again() {
    let reader = StubServer::start(&format!(
        "!: CONNECTIONS 1..2\n{}*{{\nC: RUN \"RETURN 1 AS n\" {{}} {{\"mode\": \"r\", \"db\": \"neo4j\"}}\n\
         S: SUCCESS {{\"fields\": [\"n\"]}}\nC: PULL {{\"n\": 1000}}\nS: RECORD [1]\nS: SUCCESS {{}}\n}}\n{BYE}",
        header("5.0")
    ));
    let r = reader.address();
    let route = format!(
        "C: ROUTE {{\"address\": \"*\"}} [] {{\"db\": \"neo4j\"}}\nS: SUCCESS {{\"rt\": {}}}\n",
        rt(0, Some("neo4j"), &["x:1"], &[&r], &[])
    );
    let router = StubServer::start(&format!("{}{route}{route}{BYE}", header("5.0")));
    let d = driver(&neo4j_uri(&router));
    assert_eq!(run_one(&d, reads("neo4j")).unwrap(), 1);
    // "x:1" cannot be reached, so the seed router is asked again.
    assert_eq!(run_one(&d, reads("neo4j")).unwrap(), 1);
    d.close();
    reader.finish();
    let mut router = router;
    router.try_finish().unwrap();
    assert_eq!(route_count(&router), 2);
}

#[test]
fn the_refresher_fetches_before_the_ttl_runs_out() {
    let reader = query_server("5.0", r#"{"mode": "r", "db": "neo4j"}"#);
    let r = reader.address();
    let router = StubServer::start(&format!(
        "{}*{{\nC: ROUTE {{\"address\": \"*\"}} [] {{\"db\": \"neo4j\"}}\nS: SUCCESS {{\"rt\": {}}}\n}}\n{BYE}",
        header("5.0"),
        rt(1, Some("neo4j"), &["ROUTER"], &[&r], &[])
    ));
    let d = driver(&neo4j_uri(&router));
    let t0 = Instant::now();
    assert_eq!(run_one(&d, reads("neo4j")).unwrap(), 1);
    let first = d.routing_table(Some("neo4j")).unwrap().fetched;
    let mut refreshed = None;
    while t0.elapsed() < Duration::from_secs(3) {
        let t = d.routing_table(Some("neo4j")).unwrap().fetched;
        if t > first {
            refreshed = Some(t);
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let refreshed = refreshed.expect("refreshed in the background");
    let age = refreshed.duration_since(first);
    assert!(
        age < Duration::from_secs(1),
        "before the TTL ran out: {age:?}"
    );
    d.close();
    reader.finish();
    router.finish();
}

#[test]
fn a_dead_router_is_skipped_and_removed() {
    let dead = dead_address();
    let reader = StubServer::start(&format!(
        "!: CONNECTIONS 1..2\n{}*{{\nC: RUN \"RETURN 1 AS n\" {{}} {{\"mode\": \"r\", \"db\": \"neo4j\"}}\n\
         S: SUCCESS {{\"fields\": [\"n\"]}}\nC: PULL {{\"n\": 1000}}\nS: RECORD [1]\nS: SUCCESS {{}}\n}}\n{BYE}",
        header("5.0")
    ));
    let r = reader.address();
    let route = |routers: &[&str]| {
        format!(
            "C: ROUTE {{\"address\": \"*\"}} [] {{\"db\": \"neo4j\"}}\nS: SUCCESS {{\"rt\": {}}}\n",
            rt(0, Some("neo4j"), routers, &[&r], &[])
        )
    };
    let router2 = StubServer::start(&format!("{}{}{BYE}", header("5.0"), route(&["x:1"])));
    let r2 = router2.address();
    let router = StubServer::start(&format!("{}{}{BYE}", header("5.0"), route(&[&dead, &r2])));
    let d = driver(&neo4j_uri(&router));
    assert_eq!(run_one(&d, reads("neo4j")).unwrap(), 1);
    assert_eq!(run_one(&d, reads("neo4j")).unwrap(), 1);
    d.close();
    reader.finish();
    router.finish();
    let mut router2 = router2;
    router2.try_finish().unwrap();
    assert_eq!(
        route_count(&router2),
        1,
        "the second fetch went to the live router"
    );
}

#[test]
fn no_reachable_router_is_service_unavailable() {
    let d = driver(&format!("neo4j://{}", dead_address()));
    let err = run_one(&d, reads("neo4j")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ServiceUnavailable, "{err}");
    assert!(
        d.routing_table(Some("neo4j")).is_none(),
        "the failed entry is removed"
    );
}

#[test]
fn a_dead_reader_is_removed_and_the_table_fetched_again() {
    let dead = dead_address();
    let reader = query_server("5.0", r#"{"mode": "r", "db": "neo4j"}"#);
    let r = reader.address();
    let route = |readers: &[&str]| {
        format!(
            "C: ROUTE {{\"address\": \"*\"}} [] {{\"db\": \"neo4j\"}}\nS: SUCCESS {{\"rt\": {}}}\n",
            rt(300, Some("neo4j"), &["ROUTER"], readers, &[])
        )
    };
    let script = format!("{}{}{}{BYE}", header("5.0"), route(&[&dead]), route(&[&r]));
    let router = StubServer::start(&script.replace("\"ROUTER\"", "\"x:1\""));
    let d = driver(&neo4j_uri(&router));
    // One acquisition uses one table: its only reader is dead, so this one fails...
    let err = run_one(&d, reads("neo4j")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SessionExpired, "{err}");
    let table = d.routing_table(Some("neo4j")).unwrap();
    assert!(!table.readers.iter().any(|a| a.to_string() == dead));
    // ...and the next one fetches a new table.
    assert_eq!(run_one(&d, reads("neo4j")).unwrap(), 1);
    d.close();
    reader.finish();
    router.finish();
}

#[test]
fn database_not_found_is_a_client_error() {
    let router = StubServer::start(&format!(
        "{}C: ROUTE {{\"address\": \"*\"}} [] {{\"db\": \"nope\"}}\n\
         S: FAILURE {{\"code\": \"Neo.ClientError.Database.DatabaseNotFound\", \"message\": \"no such db\"}}\n\
         C: RESET\nS: SUCCESS {{}}\n{BYE}",
        header("5.0")
    ));
    let d = driver(&neo4j_uri(&router));
    let err = run_one(&d, reads("nope")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ClientError);
    assert_eq!(
        err.server_code(),
        Some("Neo.ClientError.Database.DatabaseNotFound")
    );
    assert!(!err.is_retryable());
    assert!(d.routing_table(Some("nope")).is_none());
    d.close();
    router.finish();
}

#[test]
fn the_resolver_supplies_the_initial_routers() {
    let reader = query_server("5.0", r#"{"mode": "r", "db": "neo4j"}"#);
    let r = reader.address();
    let router = StubServer::start(&format!(
        "{}C: ROUTE {{\"address\": \"cluster.invalid:7687\"}} [] {{\"db\": \"neo4j\"}}\n\
         S: SUCCESS {{\"rt\": {}}}\n{BYE}",
        header("5.0"),
        rt(300, Some("neo4j"), &["x:1"], &[&r], &[])
    ));
    let target = Address::parse(&router.address(), 7687).unwrap();
    let calls = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = calls.clone();
    let config = Config::builder("neo4j://cluster.invalid:7687")
        .resolver(Arc::new(move |a: &Address| {
            seen.lock().unwrap().push(a.to_string());
            if a.host() == "cluster.invalid" {
                vec![Address::new("127.0.0.1", 1), target.clone()]
            } else {
                vec![a.clone()]
            }
        }))
        .connection_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let d = Driver::new(config).unwrap();
    assert_eq!(run_one(&d, reads("neo4j")).unwrap(), 1);
    // The seed, then the reader of the fetched table (its router only when it is asked).
    assert_eq!(
        *calls.lock().unwrap(),
        vec!["cluster.invalid:7687".to_owned(), r.clone()]
    );
    d.close();
    reader.finish();
    router.finish();
}

/// The official drivers pass every routing-table member through the resolver, not only the
/// seed: a cluster that names its members (or, like a single Neo4j, the seed it was asked
/// for) by names only the resolver knows is reachable. Readers and writers are resolved each
/// time a request is routed to them (a member the resolver returns nothing for is skipped;
/// DNS still resolves the names it returns at connect time), routers when they are asked for
/// a table; the table keeps the server's names.
#[test]
fn the_resolver_also_resolves_the_members_of_a_routing_table() {
    let reader = StubServer::start(&format!(
        "{}C: RUN \"RETURN 1 AS n\" {{}} {{\"mode\": \"r\", \"db\": \"neo4j\"}}\n\
         S: SUCCESS {{\"fields\": [\"n\"]}}\n\
         C: PULL {{\"n\": 1000}}\nS: RECORD [1]\nS: SUCCESS {{\"type\": \"r\"}}\n\
         C: RUN \"RETURN 1 AS n\" {{}} {{\"mode\": \"r\", \"db\": \"neo4j\"}}\n\
         S: SUCCESS {{\"fields\": [\"n\"]}}\n\
         C: PULL {{\"n\": 1000}}\nS: RECORD [1]\nS: SUCCESS {{\"type\": \"r\"}}\n{BYE}",
        header("5.0")
    ));
    let r = Address::parse(&reader.address(), 7687).unwrap();
    let members = |ttl: i64| {
        rt(
            ttl,
            Some("neo4j"),
            &["router.invalid:7687", "gone.invalid:1"],
            &["reader.invalid:7687", "gone.invalid:1"],
            &["writer.invalid:7687"],
        )
    };
    // The seed's table expires at once: the next query asks its router, named
    // router.invalid, which only the resolver knows.
    let seed_router = StubServer::start(&format!(
        "{}C: ROUTE {{\"address\": \"cluster.invalid:7687\"}} [] {{\"db\": \"neo4j\"}}\n\
         S: SUCCESS {{\"rt\": {}}}\n{BYE}",
        header("5.0"),
        members(0)
    ));
    let second_router = StubServer::start(&format!(
        "{}C: ROUTE {{\"address\": \"cluster.invalid:7687\"}} [] {{\"db\": \"neo4j\"}}\n\
         S: SUCCESS {{\"rt\": {}}}\n{BYE}",
        header("5.0"),
        members(300)
    ));
    let seed = Address::parse(&seed_router.address(), 7687).unwrap();
    let second = Address::parse(&second_router.address(), 7687).unwrap();
    // "localhost" keeps DNS in the path: the resolver's answer is a name, not an IP.
    let reader_by_name = Address::new("localhost", r.port());
    let asked = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = asked.clone();
    let config = Config::builder("neo4j://cluster.invalid:7687")
        .resolver(Arc::new(move |a: &Address| {
            log.lock().unwrap().push(a.host().to_owned());
            match a.host() {
                "cluster.invalid" => vec![seed.clone()],
                "router.invalid" => vec![second.clone()],
                "reader.invalid" => vec![reader_by_name.clone(), reader_by_name.clone()],
                "writer.invalid" => {
                    vec![Address::new("localhost", 1), Address::new("127.0.0.1", 1)]
                }
                _ => Vec::new(),
            }
        }))
        .connection_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let d = Driver::new(config).unwrap();
    assert_eq!(run_one(&d, reads("neo4j")).unwrap(), 1);
    assert_eq!(run_one(&d, reads("neo4j")).unwrap(), 1);
    // The table keeps the names the server sent; the resolver's answers are used to connect.
    let table = d.routing_table(Some("neo4j")).unwrap();
    assert_eq!(
        table.routers,
        vec![
            Address::new("router.invalid", 7687),
            Address::new("gone.invalid", 1)
        ]
    );
    assert_eq!(
        table.readers,
        vec![
            Address::new("reader.invalid", 7687),
            Address::new("gone.invalid", 1)
        ]
    );
    assert_eq!(table.writers, vec![Address::new("writer.invalid", 7687)]);
    let asked = asked.lock().unwrap().clone();
    assert_eq!(asked[0], "cluster.invalid");
    assert!(asked.contains(&"router.invalid".to_owned()), "{asked:?}");
    d.close();
    reader.finish();
    seed_router.finish();
    second_router.finish();
}

#[test]
fn database_unavailable_on_commit_is_reported_and_the_writer_forgotten() {
    let writer = StubServer::start(&format!(
        "{}C: BEGIN {{\"db\": \"neo4j\"}}\nS: SUCCESS {{}}\n\
         C: RUN \"RETURN 1 AS n\" {{}} {{}}\nS: SUCCESS {{\"fields\": [\"n\"]}}\n\
         C: PULL {{\"n\": 1000}}\nS: RECORD [1]\nS: SUCCESS {{\"type\": \"r\"}}\n\
         C: COMMIT\nS: FAILURE {{\"code\": \"Neo.TransientError.General.DatabaseUnavailable\", \
         \"message\": \"Database shut down.\"}}\nS: <EXIT>\n",
        header("5.0")
    ));
    let w = writer.address();
    let router = StubServer::start(&format!(
        "{}C: ROUTE {{\"address\": \"*\"}} [] {{\"db\": \"neo4j\"}}\nS: SUCCESS {{\"rt\": {}}}\n{BYE}",
        header("5.0"),
        rt(300, Some("neo4j"), &["x:1"], &["y:1"], &[&w])
    ));
    let d = driver(&neo4j_uri(&router));
    let mut session = d.session(SessionConfig::database("neo4j")).unwrap();
    let mut tx = session.begin_transaction(&Default::default()).unwrap();
    assert_eq!(tx.run("RETURN 1 AS n", None).unwrap().count(), 1);
    let err = tx.commit().unwrap_err();
    // The server answered COMMIT: the outcome is known even though it hung up afterwards.
    assert_ne!(err.kind(), ErrorKind::IncompleteCommit, "{err}");
    assert_eq!(
        err.server_code(),
        Some("Neo.TransientError.General.DatabaseUnavailable")
    );
    assert!(err.is_retryable());
    let table = d.routing_table(Some("neo4j")).unwrap();
    assert!(table.writers.is_empty(), "{table:?}");
    drop(session);
    d.close();
    writer.finish();
    router.finish();
}

#[test]
fn server_info_fetches_the_home_table_afresh_and_checks_pooled_connections() {
    let reader = StubServer::start(&format!(
        "{}C: RESET\nS: SUCCESS {{}}\n{BYE}",
        header("5.0")
    ));
    let r = reader.address();
    let route = |home: &str| {
        format!(
            "C: ROUTE {{\"address\": \"*\"}} [] {{}}\nS: SUCCESS {{\"rt\": {}}}\n",
            rt(300, Some(home), &["x:1"], &[&r], &[])
        )
    };
    let router = StubServer::start(&format!(
        "{}{}{}{BYE}",
        header("5.0"),
        route("homedb"),
        route("homedb2")
    ));
    let d = driver(&neo4j_uri(&router));
    let first = d.server_info().unwrap();
    assert_eq!(first.address, r);
    assert!(d.routing_table(Some("homedb")).is_some());
    // The table is fresh, yet the home database is asked for again (it changed), and the
    // pooled connection is checked with a RESET before it counts as reachable.
    let second = d.server_info().unwrap();
    assert_eq!(second.address, r);
    assert!(d.routing_table(Some("homedb2")).is_some());
    d.close();
    let mut reader = reader;
    reader.try_finish().unwrap();
    let resets = reader
        .transcripts()
        .iter()
        .flatten()
        .filter(|l| l.starts_with("C: RESET"))
        .count();
    assert_eq!(resets, 1);
    let mut router = router;
    router.try_finish().unwrap();
    assert_eq!(route_count(&router), 2);
}

#[test]
fn authorization_expired_on_one_router_tries_the_next() {
    let reader = query_server("5.0", r#"{"mode": "r", "db": "neo4j"}"#);
    let r = reader.address();
    let expired = StubServer::start(&format!(
        "{}C: ROUTE {{\"address\": \"*\"}} [] {{\"db\": \"neo4j\"}}\n\
         S: FAILURE {{\"code\": \"Neo.ClientError.Security.AuthorizationExpired\", \"message\": \"expired\"}}\n\
         ?{{\nC: RESET\nS: SUCCESS {{}}\n}}\n{BYE}",
        header("5.0")
    ));
    let good = StubServer::start(&format!(
        "{}C: ROUTE {{\"address\": \"*\"}} [] {{\"db\": \"neo4j\"}}\nS: SUCCESS {{\"rt\": {}}}\n{BYE}",
        header("5.0"),
        rt(300, Some("neo4j"), &["x:1"], &[&r], &[])
    ));
    let first = Address::parse(&expired.address(), 7687).unwrap();
    let second = Address::parse(&good.address(), 7687).unwrap();
    let config = Config::builder("neo4j://cluster.invalid:7687")
        .resolver(Arc::new(move |a: &Address| {
            if a.host() == "cluster.invalid" {
                vec![first.clone(), second.clone()]
            } else {
                vec![a.clone()]
            }
        }))
        .connection_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let d = Driver::new(config).unwrap();
    assert_eq!(run_one(&d, reads("neo4j")).unwrap(), 1);
    d.close();
    reader.finish();
    expired.finish();
    good.finish();
}

/// A loopback address where nothing listens.
fn dead_address() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let a = l.local_addr().unwrap();
    drop(l);
    a.to_string()
}

#[test]
fn a_routing_failure_followed_by_a_hangup_reports_the_server_error() {
    let router = StubServer::start(&format!(
        "{}C: ROUTE {{\"address\": \"*\"}} [] {{\"db\": \"adb\"}}\n\
         S: FAILURE {{\"code\": \"Neo.ClientError.Security.MadeUp\", \"message\": \"no\"}}\n\
         S: <EXIT>\n",
        header("5.1"),
    ));
    let d = driver(&neo4j_uri(&router));
    let err = run_one(&d, reads("adb")).unwrap_err();
    assert_eq!(err.server_code(), Some("Neo.ClientError.Security.MadeUp"));
    d.close();
    router.finish();
}

#[test]
fn procedure_3_x_calls_dbms_cluster_routing_get_routing_table() {
    let reader = StubServer::start(&format!(
        "{}C: RUN \"RETURN 1 AS n\" {{}} {{\"mode\": \"r\"}}\nC: PULL_ALL\n\
         S: SUCCESS {{\"fields\": [\"n\"]}}\nS: RECORD [1]\nS: SUCCESS {{\"type\": \"r\"}}\n{BYE}",
        header("3.5")
    ));
    let r = reader.address();
    // No database parameter, no system database, and the routing context from the URI.
    let router = StubServer::start(&format!(
        "{}C: RUN \"CALL dbms.cluster.routing.getRoutingTable($context)\" \
         {{\"context\": {{\"address\": \"*\", \"policy\": \"eu\"}}}} {{\"mode\": \"r\"}}\n\
         C: PULL_ALL\nS: SUCCESS {{\"fields\": [\"ttl\", \"servers\"]}}\n\
         S: RECORD [300, {}]\nS: SUCCESS {{\"type\": \"r\"}}\n{BYE}",
        header("3.5"),
        servers_only(&[&r])
    ));
    let d = driver(&format!("neo4j://{}?policy=eu", router.address()));
    let config = SessionConfig::default().with_access_mode(AccessMode::Read);
    assert_eq!(run_one(&d, config).unwrap(), 1);
    let table = d
        .routing_table(None)
        .expect("a table for the default database");
    assert_eq!(table.readers, [Address::parse(&r, 7687).unwrap()]);
    assert_eq!(table.ttl, Duration::from_secs(300));
    d.close();
    reader.finish();
    router.finish();
}

#[test]
fn unused_tables_and_the_cached_home_database_are_purged() {
    let reader = StubServer::start(&format!(
        "!: CONNECTIONS 1..2\n{}*{{\nC: RUN \"RETURN 1 AS n\" {{}} {{\"mode\": \"r\", \"db\": \"homedb\"}}\n\
         S: SUCCESS {{\"fields\": [\"n\"]}}\nC: PULL {{\"n\": 1000}}\nS: RECORD [1]\nS: SUCCESS {{}}\n}}\n{BYE}",
        header("5.0")
    ));
    let r = reader.address();
    let home_route = format!(
        "C: ROUTE {{\"address\": \"*\"}} [] {{}}\nS: SUCCESS {{\"rt\": {}}}\n",
        rt(1, Some("homedb"), &["x:1"], &[&r], &[])
    );
    let named_route = format!(
        "C: ROUTE {{\"address\": \"*\"}} [] {{\"db\": \"homedb\"}}\nS: SUCCESS {{\"rt\": {}}}\n",
        rt(1, Some("homedb"), &["x:1"], &[&r], &[])
    );
    // 1: the home database is resolved; 2: the refresher refreshes the used table by name;
    // 3: after the purge the home database is resolved again (the cache was purged too).
    let router = StubServer::start(&format!(
        "{}{home_route}{named_route}{home_route}?{{\n{named_route}}}\n{BYE}",
        header("5.0")
    ));
    let config = Config::builder(&neo4j_uri(&router))
        .connection_timeout(Duration::from_secs(2))
        .routing_table_purge_delay(Duration::from_millis(100))
        .build()
        .unwrap();
    let d = Driver::new(config).unwrap();
    let home = || SessionConfig::default().with_access_mode(AccessMode::Read);
    assert_eq!(run_one(&d, home()).unwrap(), 1);
    assert!(d.routing_table(Some("homedb")).is_some());
    let t0 = Instant::now();
    while d.routing_table(Some("homedb")).is_some() {
        assert!(
            t0.elapsed() < Duration::from_secs(5),
            "the unused table was never purged"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        t0.elapsed() > Duration::from_millis(900),
        "purged before the TTL (1 s) plus the purge delay ran out: {:?}",
        t0.elapsed()
    );
    assert_eq!(run_one(&d, home()).unwrap(), 1);
    d.close();
    reader.finish();
    let mut router = router;
    router.try_finish().unwrap();
    assert!(route_count(&router) >= 3);
}

/// A reader that answers `RETURN 1` auto-commit queries on `db` (any number of them).
fn home_reader(version: &str, db: &str) -> StubServer {
    StubServer::start(&format!(
        "!: CONNECTIONS 1..3\n!: CONCURRENT\n{}*{{\nC: RUN \"RETURN 1 AS n\" {{}} {{\"mode\": \"r\", \"db\": \"{db}\", ..}}\n\
         S: SUCCESS {{\"fields\": [\"n\"]}}\nC: PULL {{\"n\": 1000}}\nS: RECORD [1]\nS: SUCCESS {{}}\n}}\n{BYE}",
        header(version)
    ))
}

#[test]
fn before_5_8_each_session_resolves_its_home_database_and_keeps_it() {
    // The second session carries a bookmark: its own ROUTE resolves another home database,
    // while the first session (still open) stays on the one it resolved.
    let reader1 = home_reader("5.0", "home1");
    let reader2 = home_reader("5.0", "home2");
    // The tables name the router itself (the second resolution asks the routers of the first).
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap();
    let me = addr.to_string();
    let router = StubServer::start_on(
        addr,
        &format!(
            "{}C: ROUTE {{\"address\": \"*\"}} [] {{}}\nS: SUCCESS {{\"rt\": {}}}\n\
         C: ROUTE {{\"address\": \"*\"}} [\"bm\"] {{}}\nS: SUCCESS {{\"rt\": {}}}\n{BYE}",
            header("5.0"),
            rt(300, Some("home1"), &[&me], &[&reader1.address()], &[]),
            rt(300, Some("home2"), &[&me], &[&reader2.address()], &[])
        ),
    );
    let d = driver(&neo4j_uri(&router));
    let home = || SessionConfig::default().with_access_mode(AccessMode::Read);
    let mut s1 = d.session(home()).unwrap();
    let one = |s: &mut boltc::Session| -> i64 {
        s.run("RETURN 1 AS n", None)
            .unwrap()
            .single()
            .unwrap()
            .get("n")
            .unwrap()
    };
    assert_eq!(one(&mut s1), 1);
    let mut s2 = d
        .session(home().with_bookmarks(vec!["bm".to_owned()]))
        .unwrap();
    assert_eq!(one(&mut s2), 1);
    // Both tables are fresh: no more routing requests, each session on its own database.
    assert_eq!(one(&mut s1), 1);
    assert_eq!(one(&mut s2), 1);
    drop((s1, s2));
    d.close();
    reader1.finish();
    reader2.finish();
    router.finish();
}

#[test]
fn from_5_8_the_resolved_home_database_is_cached_for_later_sessions() {
    let reader = home_reader("5.8", "home1");
    let router = StubServer::start(&format!(
        "{}C: ROUTE {{\"address\": \"*\"}} [] {{}}\nS: SUCCESS {{\"rt\": {}}}\n{BYE}",
        header("5.8"),
        rt(300, Some("home1"), &["x:1"], &[&reader.address()], &[])
    ));
    let d = driver(&neo4j_uri(&router));
    let home = || SessionConfig::default().with_access_mode(AccessMode::Read);
    for _ in 0..3 {
        assert_eq!(run_one(&d, home()).unwrap(), 1);
    }
    d.close();
    reader.finish();
    let mut router = router;
    router.try_finish().unwrap();
    assert_eq!(route_count(&router), 1, "one ROUTE for three sessions");
}

#[test]
fn reads_go_to_the_reader_with_the_fewest_connections_in_use() {
    // Both readers run the same script: an explicit transaction, or auto-commit queries.
    let script = format!(
        "{}?{{\nC: BEGIN {{..}}\nS: SUCCESS {{}}\nC: ROLLBACK\nS: SUCCESS {{}}\n}}\n\
         *{{\nC: RUN \"RETURN 1 AS n\" {{}} {{\"mode\": \"r\", \"db\": \"neo4j\"}}\n\
         S: SUCCESS {{\"fields\": [\"n\"]}}\nC: PULL {{\"n\": 1000}}\nS: RECORD [1]\nS: SUCCESS {{}}\n}}\n{BYE}",
        header("5.0")
    );
    let (r1, r2) = (StubServer::start(&script), StubServer::start(&script));
    let (a1, a2) = (r1.address(), r2.address());
    let router = StubServer::start(&format!(
        "{}C: ROUTE {{\"address\": \"*\"}} [] {{\"db\": \"neo4j\"}}\nS: SUCCESS {{\"rt\": {}}}\n{BYE}",
        header("5.0"),
        rt(300, Some("neo4j"), &["x:1"], &[&a1, &a2], &[])
    ));
    let d = driver(&neo4j_uri(&router));
    let mut held = d.session(reads("neo4j")).unwrap();
    let tx = held
        .begin_transaction(&boltc::TransactionConfig::default())
        .unwrap();
    let busy = tx.connection_info().unwrap().address;
    // Round robin alone would send one of these to the busy reader.
    for _ in 0..4 {
        let mut s = d.session(reads("neo4j")).unwrap();
        let summary = s.run("RETURN 1 AS n", None).unwrap().consume().unwrap();
        assert_ne!(summary.server.address, busy, "sent to the busy reader");
    }
    tx.rollback().unwrap();
    drop(held);
    d.close();
    r1.finish();
    r2.finish();
    router.finish();
}
