//! End-to-end against a real Neo4j Community (`scripts/neo4j.sh start`; every running server
//! line in turn). Each test prints `SKIPPED` and returns when no Neo4j runs (set
//! `BOLTC_REQUIRE_NEO4J=1` to make that a failure). Values, graph types, summaries.

mod support;

use boltc::Value;
use support::Neo4j;

#[test]
fn connects_and_negotiates_bolt_5() {
    for db in Neo4j::servers() {
        let d = db.driver();
        d.verify_connectivity().unwrap();
        let info = d.server_info().unwrap();
        eprintln!("{db}: {info:?}");
        assert!(info.agent.starts_with("Neo4j/"), "{db}: {info:?}");
        assert!(info.agent.contains(db.version()), "{db}: {info:?}");
        assert!(info.protocol_version.0 >= 5, "{db}: {info:?}");
        let mut s = d.session(Default::default()).unwrap();
        let rec = s.run("RETURN 1 + 1 AS n", None).unwrap().single().unwrap();
        assert_eq!(rec.value("n"), Some(&Value::Int(2)), "{db}");
    }
}
