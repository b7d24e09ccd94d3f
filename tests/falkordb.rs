//! End-to-end against a real FalkorDB (Bolt 5.7). Each test prints `SKIPPED` and returns when
//! FalkorDB is not installed (set `BOLTC_REQUIRE_FALKORDB=1` to make that a failure).

mod support;

use boltc::{AuthToken, Config, Driver, ErrorKind, Map, SessionConfig, TransactionConfig, Value};
use std::time::Duration;
use support::FalkorDb;

fn connect(db: &FalkorDb, fetch_size: i64) -> Driver {
    let config = Config::builder(&db.bolt_uri())
        .auth(AuthToken::basic("falkordb", ""))
        .connection_timeout(Duration::from_secs(5))
        .read_timeout(Some(Duration::from_secs(20)))
        .connection_acquisition_timeout(Duration::from_secs(10))
        .fetch_size(fetch_size)
        .build()
        .unwrap();
    Driver::new(config).unwrap()
}

fn graph(name: &str) -> SessionConfig {
    SessionConfig::database(name)
}

#[test]
fn connects_and_verifies_connectivity() {
    let Some(db) = FalkorDb::start() else { return };
    let d = connect(&db, 1000);
    d.verify_connectivity().unwrap();
    let info = d.server_info().unwrap();
    assert_eq!(info.protocol_version, (5, 7));
    assert!(info.agent.starts_with("Neo4j/"), "{info:?}");
}

#[test]
fn parameters_of_the_core_types_round_trip() {
    let Some(db) = FalkorDb::start() else { return };
    let d = connect(&db, 1000);
    let mut s = d.session(graph("params")).unwrap();
    let mut map = Map::new();
    map.insert("k".into(), Value::String("v".into()));
    map.insert("n".into(), Value::Int(-7));
    let cases = [
        Value::Int(42),
        Value::Int(i64::MIN),
        Value::Float(1.5),
        Value::String("héllo".into()),
        Value::Bool(true),
        Value::Null,
        Value::List(vec![Value::Int(1), Value::String("a".into()), Value::Null]),
        Value::Map(map),
    ];
    for v in cases {
        let mut p = Map::new();
        p.insert("v".into(), v.clone());
        let rec = s.run("RETURN $v AS v", Some(p)).unwrap().single().unwrap();
        assert_eq!(rec.value("v"), Some(&v));
    }
}

#[test]
fn streams_100k_rows_with_a_small_fetch_size() {
    let Some(db) = FalkorDb::start() else { return };
    // FalkorDB ignores PULL's n and sends everything after the first PULL.
    let d = connect(&db, 100);
    let mut s = d.session(graph("stream")).unwrap();
    let mut count = 0i64;
    let mut sum = 0i64;
    for rec in s
        .run("UNWIND range(1, 100000) AS x RETURN x", None)
        .unwrap()
    {
        sum += rec.unwrap().get::<i64, _>(0).unwrap();
        count += 1;
    }
    assert_eq!(count, 100_000);
    assert_eq!(sum, 100_000 * 100_001 / 2);
    // The session and connection are usable afterwards.
    let n: i64 = s
        .run("RETURN 1", None)
        .unwrap()
        .single()
        .unwrap()
        .get(0)
        .unwrap();
    assert_eq!(n, 1);
    drop(s);
    let m = d.pool_metrics();
    assert_eq!((m[0].1.in_use, m[0].1.idle), (0, 1), "{m:?}");
}

#[test]
fn nodes_relationships_and_paths_with_element_ids() {
    let Some(db) = FalkorDb::start() else { return };
    let d = connect(&db, 1000);
    let mut s = d.session(graph("g")).unwrap();
    s.run(
        "CREATE (:P {name: 'a'})-[:KNOWS {since: 2020}]->(:P {name: 'b'})",
        None,
    )
    .unwrap()
    .consume()
    .unwrap();
    let rec = s
        .run("MATCH p = (a:P)-[r:KNOWS]->(b:P) RETURN a, r, b, p", None)
        .unwrap()
        .single()
        .unwrap();
    let Some(Value::Node(a)) = rec.value("a") else {
        panic!("{rec:?}")
    };
    let Some(Value::Node(b)) = rec.value("b") else {
        panic!("{rec:?}")
    };
    let Some(Value::Relationship(r)) = rec.value("r") else {
        panic!("{rec:?}")
    };
    let Some(Value::Path(p)) = rec.value("p") else {
        panic!("{rec:?}")
    };
    assert_eq!(a.labels, ["P".to_owned()]);
    assert_eq!(a.properties.get("name"), Some(&Value::String("a".into())));
    assert!(!a.element_id.is_empty() && a.element_id != b.element_id);
    assert_eq!(r.rel_type, "KNOWS");
    assert_eq!(r.properties.get("since"), Some(&Value::Int(2020)));
    assert_eq!(r.start_node_element_id, a.element_id);
    assert_eq!(r.end_node_element_id, b.element_id);
    assert_eq!(p.nodes.len(), 2);
    assert_eq!(p.relationships.len(), 1);
    assert_eq!(p.relationships[0].element_id, r.element_id);
    assert_eq!(p.start().unwrap().element_id, a.element_id);
    assert_eq!(p.end().unwrap().element_id, b.element_id);
}

#[test]
fn explicit_transaction_commits() {
    let Some(db) = FalkorDb::start() else { return };
    let d = connect(&db, 1000);
    // BEGIN's db is ignored by FalkorDB: the transaction works on the default graph.
    let mut s = d.session(SessionConfig::default()).unwrap();
    let mut tx = s.begin_transaction(&TransactionConfig::default()).unwrap();
    tx.run("CREATE (:T {v: 1})", None)
        .unwrap()
        .consume()
        .unwrap();
    tx.run("CREATE (:T {v: 2})", None)
        .unwrap()
        .consume()
        .unwrap();
    tx.commit().unwrap();
    let n: i64 = s
        .run("MATCH (t:T) RETURN count(t) AS s", None)
        .unwrap()
        .single()
        .unwrap()
        .get("s")
        .unwrap();
    assert_eq!(n, 2);
}

#[test]
fn a_syntax_error_is_a_server_error_and_the_session_recovers() {
    let Some(db) = FalkorDb::start() else { return };
    let d = connect(&db, 1000);
    let mut s = d.session(graph("err")).unwrap();
    let e = s.run("RETRUN 1", None).err().unwrap();
    assert!(e.server_code().is_some(), "{e:?}");
    assert!(
        matches!(e.kind(), ErrorKind::ClientError | ErrorKind::DatabaseError),
        "{e:?}"
    );
    let n: i64 = s
        .run("RETURN 2", None)
        .unwrap()
        .single()
        .unwrap()
        .get(0)
        .unwrap();
    assert_eq!(n, 2);
}

#[test]
fn eight_threads_share_one_driver() {
    let Some(db) = FalkorDb::start() else { return };
    // FalkorDB 4.16.3 has a data race when two Bolt connections query at once (see
    // RELIABILITY.md, Load), so eight threads share a pool of one connection here: they still
    // contend for the pool and the driver, one query at a time on the server.
    let d = Driver::new(
        Config::builder(&db.bolt_uri())
            .auth(AuthToken::basic("falkordb", ""))
            .connection_timeout(Duration::from_secs(5))
            .read_timeout(Some(Duration::from_secs(20)))
            .connection_acquisition_timeout(Duration::from_secs(10))
            .max_connection_pool_size(1)
            .build()
            .unwrap(),
    )
    .unwrap();
    let handles: Vec<_> = (0..8i64)
        .map(|t| {
            let d = d.clone();
            std::thread::spawn(move || {
                let mut s = d.session(graph("mt")).unwrap();
                for i in 0..25i64 {
                    let mut p = Map::new();
                    p.insert("x".into(), Value::Int(t * 1000 + i));
                    let got: i64 = s
                        .run("RETURN $x AS x", Some(p))
                        .unwrap()
                        .single()
                        .unwrap()
                        .get("x")
                        .unwrap();
                    assert_eq!(got, t * 1000 + i);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let m = d.pool_metrics();
    assert_eq!(m[0].1.in_use, 0, "{m:?}");
    assert!(m[0].1.created <= 2, "{m:?}");
}

#[test]
fn a_server_that_dies_mid_stream_gives_a_typed_error_and_the_driver_recovers_after_restart() {
    let Some(mut db) = FalkorDb::start() else {
        return;
    };
    let d = connect(&db, 1000);
    let mut s = d.session(graph("die")).unwrap();
    let err = {
        let mut r = s
            .run("UNWIND range(1, 2000000) AS x RETURN x", None)
            .unwrap();
        r.next().unwrap().unwrap();
        db.stop();
        r.find_map(Result::err)
            .expect("the stream must fail once the server is gone")
    };
    assert!(
        matches!(
            err.kind(),
            ErrorKind::ServiceUnavailable | ErrorKind::Timeout
        ),
        "{err:?}"
    );
    drop(s);
    db.restart();
    let mut s = d.session(graph("die")).unwrap();
    let n: i64 = s
        .run("RETURN 7", None)
        .unwrap()
        .single()
        .unwrap()
        .get(0)
        .unwrap();
    assert_eq!(n, 7);
}
