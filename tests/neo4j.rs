//! End-to-end against a real Neo4j Community (`scripts/neo4j.sh start`; every running server
//! line in turn). Each test prints `SKIPPED` and returns when no Neo4j runs (set
//! `BOLTC_REQUIRE_NEO4J=1` to make that a failure). Protocol negotiation, every value type
//! both ways, graph values with element ids.

mod common;
mod support;

use boltc::{
    Date, DateTime, DateTimeZoneId, Duration, LocalDateTime, LocalTime, Map, Point2D, Point3D,
    SessionConfig, Time, TransactionConfig, Value, Vector,
};
use common::params;
use support::Neo4j;

/// `RETURN $v AS v, <check> AS c`: the value back and the server's view of it.
fn echo(s: &mut boltc::Session, v: Value, check: &str) -> (Value, Value) {
    let rec = s
        .run(&format!("RETURN $v AS v, {check} AS c"), params([("v", v)]))
        .unwrap()
        .single()
        .unwrap();
    (
        rec.value("v").unwrap().clone(),
        rec.value("c").unwrap().clone(),
    )
}

/// The drivers most tests here run through: one on the first connection's protocol (5.8), and
/// on servers with Bolt 6 one whose connections are all made after the manifest is known
/// (each acquisition opens a new connection, so every query runs on Bolt 6).
fn value_drivers(db: &Neo4j) -> Vec<(String, boltc::Driver)> {
    let mut out = vec![(format!("{db} first connection"), db.driver())];
    if db.version_tuple() >= (2025, 10) {
        let d = boltc::Driver::new(
            db.config(&db.bolt_uri())
                .max_connection_lifetime(Some(std::time::Duration::from_millis(1)))
                .build()
                .unwrap(),
        )
        .unwrap();
        d.verify_connectivity().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(5));
        let mut s = d.session(SessionConfig::default()).unwrap();
        let tx = s.begin_transaction(&TransactionConfig::default()).unwrap();
        let v = tx.connection_info().unwrap().protocol_version;
        assert!(v >= (6, 0), "{db}: {v:?}");
        tx.rollback().unwrap();
        drop(s);
        out.push((format!("{db} on Bolt {}.{}", v.0, v.1), d));
    }
    out
}

#[test]
fn negotiates_bolt_5_8_first_and_the_manifest_afterwards() {
    for db in Neo4j::servers() {
        let d = db.driver();
        let info = d.server_info().unwrap();
        assert!(info.agent.starts_with("Neo4j/"), "{db}: {info:?}");
        assert!(info.agent.contains(db.version()), "{db}: {info:?}");
        // The first proposal has no manifest: 5.8 is the newest range it offers.
        assert_eq!(info.protocol_version, (5, 8), "{db}: {info:?}");
        // A second connection (the first is held by an open transaction) proposes the
        // manifest to a server known to speak it: Bolt 6 where the server has it.
        let mut a = d.session(SessionConfig::default()).unwrap();
        let tx = a.begin_transaction(&TransactionConfig::default()).unwrap();
        let mut b = d.session(SessionConfig::default()).unwrap();
        let tx_b = b.begin_transaction(&TransactionConfig::default()).unwrap();
        let second = tx_b.connection_info().unwrap().protocol_version;
        tx_b.rollback().unwrap();
        eprintln!(
            "{db}: first connection {:?}, second {second:?}",
            info.protocol_version
        );
        if db.version_tuple() >= (2025, 10) {
            assert!(second >= (6, 0), "{db}: {second:?}");
        } else {
            assert_eq!(second, (5, 8), "{db}");
        }
        tx.rollback().unwrap();
    }
}

#[test]
fn integers_at_every_encoding_edge_both_ways() {
    let edges = [
        0,
        1,
        -1,
        -16,
        -17,
        127,
        128,
        -128,
        -129,
        32_767,
        32_768,
        -32_768,
        -32_769,
        i64::from(i32::MAX),
        i64::from(i32::MAX) + 1,
        i64::from(i32::MIN),
        i64::from(i32::MIN) - 1,
        i64::MAX,
        i64::MIN,
    ];
    for server in Neo4j::servers() {
        for (db, d) in value_drivers(&server) {
            let mut s = d.session(SessionConfig::default()).unwrap();
            for i in edges {
                let (v, c) = echo(&mut s, Value::Int(i), "toString($v)");
                assert_eq!(v, Value::Int(i), "{db}");
                assert_eq!(c, Value::String(i.to_string()), "{db}");
                // Server-made, through the driver's decoder.
                let rec = s
                    .run(&format!("RETURN toInteger('{i}') AS v"), None)
                    .unwrap()
                    .single()
                    .unwrap();
                assert_eq!(rec.value("v"), Some(&Value::Int(i)), "{db}");
            }
        }
    }
}

#[test]
fn floats_including_nan_infinities_and_negative_zero_both_ways() {
    for server in Neo4j::servers() {
        for (db, d) in value_drivers(&server) {
            let mut s = d.session(SessionConfig::default()).unwrap();
            for (f, text) in [
                (1.5, "1.5"),
                (-2.25e-300, "-2.25E-300"),
                (f64::MAX, "1.7976931348623157E308"),
                (5e-324, "4.9E-324"),
                (f64::INFINITY, "Infinity"),
                (f64::NEG_INFINITY, "-Infinity"),
                (-0.0, "-0.0"),
            ] {
                let (v, c) = echo(&mut s, Value::Float(f), "toString($v)");
                let back = v.as_float().unwrap();
                assert_eq!(back.to_bits(), f.to_bits(), "{db}: {f}");
                assert_eq!(c, Value::String(text.into()), "{db}: {f}");
            }
            let (v, c) = echo(&mut s, Value::Float(f64::NAN), "$v <> $v");
            assert!(v.as_float().unwrap().is_nan(), "{db}: {v:?}");
            assert_eq!(
                c,
                Value::Bool(true),
                "{db}: NaN is unequal to itself on the server"
            );
            let rec = s
                .run(
                    "RETURN 0.0 / 0.0 AS nan, 1.0 / 0.0 AS inf, -1.0 / 0.0 AS ninf",
                    None,
                )
                .unwrap()
                .single()
                .unwrap();
            assert!(rec.value("nan").unwrap().as_float().unwrap().is_nan());
            assert_eq!(rec.value("inf"), Some(&Value::Float(f64::INFINITY)));
            assert_eq!(rec.value("ninf"), Some(&Value::Float(f64::NEG_INFINITY)));
        }
    }
}

#[test]
fn one_megabyte_strings_and_byte_arrays_both_ways() {
    for server in Neo4j::servers() {
        for (db, d) in value_drivers(&server) {
            let mut s = d.session(SessionConfig::default()).unwrap();
            // ASCII, 2-byte and 3-byte UTF-8 (all one UTF-16 unit, so size() counts characters).
            let unit = "aé日";
            let text = unit.repeat(1 << 18);
            assert!(text.len() > 1_500_000);
            let (v, c) = echo(&mut s, Value::String(text.clone()), "size($v)");
            assert_eq!(c, Value::Int(3 << 18), "{db}");
            assert!(
                v == Value::String(text.clone()),
                "{db}: the 1.5 MB string came back changed"
            );
            // A 1 MiB string made by the server.
            let rec = s
                .run(
                    "RETURN reduce(acc = 'x', i IN range(1, 20) | acc + acc) AS s",
                    None,
                )
                .unwrap()
                .single()
                .unwrap();
            assert_eq!(
                rec.value("s").unwrap().as_str().unwrap(),
                "x".repeat(1 << 20),
                "{db}"
            );
            // Bytes: every byte value, 1 MiB in all; the server sees their count and a few bytes.
            let bytes: Vec<u8> = (0..1usize << 20).map(|i| (i % 256) as u8).collect();
            let (v, c) = echo(&mut s, Value::Bytes(bytes.clone()), "size($v)");
            assert_eq!(c, Value::Int(1 << 20), "{db}");
            assert!(
                v == Value::Bytes(bytes),
                "{db}: the bytes came back changed"
            );
            let (v, c) = echo(&mut s, Value::Bytes(vec![]), "size($v)");
            assert_eq!((v, c), (Value::Bytes(vec![]), Value::Int(0)), "{db}");
        }
    }
}

#[test]
fn nested_lists_and_maps_both_ways() {
    for server in Neo4j::servers() {
        for (db, d) in value_drivers(&server) {
            let mut s = d.session(SessionConfig::default()).unwrap();
            let inner: Map = [
                (
                    "b".to_owned(),
                    Value::List(vec![Value::Int(1), Value::Null, Value::Bool(false)]),
                ),
                ("e".to_owned(), Value::Map(Map::new())),
                ("l".to_owned(), Value::List(vec![])),
            ]
            .into_iter()
            .collect();
            let deep = (0..40).fold(Value::String("bottom".into()), |acc, _| {
                Value::List(vec![acc])
            });
            let outer: Map = [
                ("a".to_owned(), Value::Map(inner)),
                (
                    "x".to_owned(),
                    Value::List(vec![Value::Float(0.5), Value::String("s".into())]),
                ),
                ("deep".to_owned(), deep),
                (
                    "wide".to_owned(),
                    Value::List((0..70_000).map(Value::Int).collect()),
                ),
            ]
            .into_iter()
            .collect();
            let v = Value::Map(outer);
            let (back, c) = echo(
                &mut s,
                v.clone(),
                "[$v.a.b[2], size(keys($v.a.e)), size($v.wide), $v.wide[69999], $v.x[1]]",
            );
            assert!(back == v, "{db}: the nested map came back changed");
            assert_eq!(
                c,
                Value::List(vec![
                    Value::Bool(false),
                    Value::Int(0),
                    Value::Int(70_000),
                    Value::Int(69_999),
                    Value::String("s".into())
                ]),
                "{db}"
            );
            let rec = s
                .run("RETURN {k: [1, {m: 'n'}, []], e: {}} AS m", None)
                .unwrap()
                .single()
                .unwrap();
            let m = rec.value("m").unwrap().as_map().unwrap();
            assert_eq!(
                m.get("k"),
                Some(&Value::List(vec![
                    Value::Int(1),
                    Value::Map(
                        [("m".to_owned(), Value::String("n".into()))]
                            .into_iter()
                            .collect()
                    ),
                    Value::List(vec![])
                ]))
            );
            assert_eq!(m.get("e"), Some(&Value::Map(Map::new())));
        }
    }
}

#[test]
fn nodes_relationships_and_paths_carry_element_ids() {
    for server in Neo4j::servers() {
        for (db, d) in value_drivers(&server) {
            let mut s = d.session(SessionConfig::default()).unwrap();
            let l = server.label("Graph");
            let q = format!(
            "CREATE p = (a:{l}:Extra {{name: 'a', n: 1}})-[r:KNOWS {{since: 2020}}]->(b:{l} {{name: 'b'}})\
             <-[q:LIKES]-(c:{l} {{name: 'c'}}) \
             RETURN a, r, b, q, c, p, elementId(a) AS ea, elementId(r) AS er, elementId(q) AS eq, \
             elementId(c) AS ec, id(a) AS ia"
        );
            let rec = s.run(&q, None).unwrap().single().unwrap();
            let node = |k: &str| match rec.value(k) {
                Some(Value::Node(n)) => n.clone(),
                other => panic!("{db}: {k}: {other:?}"),
            };
            let rel = |k: &str| match rec.value(k) {
                Some(Value::Relationship(r)) => r.clone(),
                other => panic!("{db}: {k}: {other:?}"),
            };
            let text = |k: &str| rec.value(k).unwrap().as_str().unwrap().to_owned();
            let (a, b, c, r, q) = (node("a"), node("b"), node("c"), rel("r"), rel("q"));
            assert_eq!(a.element_id, text("ea"), "{db}");
            assert_eq!(c.element_id, text("ec"), "{db}");
            assert_eq!(r.element_id, text("er"), "{db}");
            assert_eq!(q.element_id, text("eq"), "{db}");
            assert_eq!(Value::Int(a.id), *rec.value("ia").unwrap(), "{db}");
            let mut labels = a.labels.clone();
            labels.sort();
            assert_eq!(labels, vec!["Extra".to_owned(), l.clone()], "{db}");
            assert_eq!(a.properties.get("n"), Some(&Value::Int(1)));
            assert_eq!(
                (r.rel_type.as_str(), q.rel_type.as_str()),
                ("KNOWS", "LIKES")
            );
            assert_eq!(r.properties.get("since"), Some(&Value::Int(2020)));
            assert_eq!(
                (&r.start_node_element_id, &r.end_node_element_id),
                (&a.element_id, &b.element_id)
            );
            assert_eq!((r.start_node_id, r.end_node_id), (a.id, b.id));
            // q points backwards along the path: c -> b.
            assert_eq!(
                (&q.start_node_element_id, &q.end_node_element_id),
                (&c.element_id, &b.element_id)
            );
            let Some(Value::Path(p)) = rec.value("p") else {
                panic!("{db}: {rec:?}")
            };
            let ids: Vec<&str> = p.nodes.iter().map(|n| n.element_id.as_str()).collect();
            assert_eq!(ids, [&a.element_id, &b.element_id, &c.element_id], "{db}");
            assert_eq!(p.relationships.len(), 2);
            assert_eq!(*p.relationships[0], *r, "{db}");
            assert_eq!(
                *p.relationships[1], *q,
                "{db}: the reversed hop keeps its direction"
            );
            // Element ids work as parameters in the other direction.
            let rec = s
                .run(
                    "MATCH (n) WHERE elementId(n) = $id RETURN n.name AS name",
                    params([("id", Value::String(b.element_id.clone()))]),
                )
                .unwrap()
                .single()
                .unwrap();
            assert_eq!(rec.value("name"), Some(&Value::String("b".into())));
            s.run(&format!("MATCH (n:{l}) DETACH DELETE n"), None)
                .unwrap()
                .consume()
                .unwrap();
        }
    }
}

/// `(Cypher expression, the value it makes)` for every temporal and spatial type.
fn temporal_and_spatial_cases() -> Vec<(&'static str, Value)> {
    let ns = |h: i64, m: i64, s: i64, n: i64| ((h * 60 + m) * 60 + s) * 1_000_000_000 + n;
    vec![
        ("date('1970-01-01')", Value::Date(Date { days: 0 })),
        ("date('1899-12-31')", Value::Date(Date { days: -25_568 })),
        ("date('2400-02-29')", Value::Date(Date { days: 157_113 })),
        ("date('0001-01-01')", Value::Date(Date { days: -719_162 })),
        ("date('9999-12-31')", Value::Date(Date { days: 2_932_896 })),
        (
            "time('12:34:56.789123456-05:00')",
            Value::Time(Time {
                nanoseconds: ns(12, 34, 56, 789_123_456),
                tz_offset_seconds: -5 * 3600,
            }),
        ),
        (
            "localtime('23:59:59.999999999')",
            Value::LocalTime(LocalTime {
                nanoseconds: ns(23, 59, 59, 999_999_999),
            }),
        ),
        (
            "datetime('1969-07-20T20:17:40.000000001+01:30')",
            Value::DateTime(DateTime {
                seconds: -14_188_340,
                nanoseconds: 1,
                tz_offset_seconds: 5400,
            }),
        ),
        (
            "datetime('2150-07-01T12:00:00.5[Europe/Stockholm]')",
            Value::DateTimeZoneId(Box::new(DateTimeZoneId {
                seconds: 5_695_956_000,
                nanoseconds: 500_000_000,
                tz_id: "Europe/Stockholm".into(),
            })),
        ),
        (
            "datetime('1950-06-01T12:00:00[America/New_York]')",
            Value::DateTimeZoneId(Box::new(DateTimeZoneId {
                seconds: -618_048_000,
                nanoseconds: 0,
                tz_id: "America/New_York".into(),
            })),
        ),
        (
            "localdatetime('1800-01-01T00:00:00.000000001')",
            Value::LocalDateTime(LocalDateTime {
                seconds: -5_364_662_400,
                nanoseconds: 1,
            }),
        ),
        (
            "localdatetime('2262-04-12T23:47:16')",
            Value::LocalDateTime(LocalDateTime {
                seconds: 9_223_458_436,
                nanoseconds: 0,
            }),
        ),
        (
            "duration('P1Y2M3DT4H5M6.000000007S')",
            Value::Duration(Duration {
                months: 14,
                days: 3,
                seconds: 4 * 3600 + 5 * 60 + 6,
                nanoseconds: 7,
            }),
        ),
        (
            "duration('-PT1.5S')",
            Value::Duration(Duration {
                months: 0,
                days: 0,
                seconds: -2,
                nanoseconds: 500_000_000,
            }),
        ),
        (
            "point({x: 1.5, y: -2.5})",
            Value::Point2D(Point2D {
                srid: 7203,
                x: 1.5,
                y: -2.5,
            }),
        ),
        (
            "point({x: 1.0, y: 2.0, z: -3.0})",
            Value::Point3D(Point3D {
                srid: 9157,
                x: 1.0,
                y: 2.0,
                z: -3.0,
            }),
        ),
        (
            "point({longitude: 12.5, latitude: 56.25})",
            Value::Point2D(Point2D {
                srid: 4326,
                x: 12.5,
                y: 56.25,
            }),
        ),
        (
            "point({longitude: -0.5, latitude: 51.5, height: 100.25})",
            Value::Point3D(Point3D {
                srid: 4979,
                x: -0.5,
                y: 51.5,
                z: 100.25,
            }),
        ),
    ]
}

#[test]
fn temporal_and_spatial_values_both_ways() {
    for server in Neo4j::servers() {
        for (db, d) in value_drivers(&server) {
            let mut s = d.session(SessionConfig::default()).unwrap();
            for (expr, expected) in temporal_and_spatial_cases() {
                let rec = s
                    .run(
                        &format!("RETURN {expr} AS v, $p = {expr} AS same, toString($p) AS text"),
                        params([("p", expected.clone())]),
                    )
                    .unwrap()
                    .single()
                    .unwrap();
                assert_eq!(rec.value("v"), Some(&expected), "{db}: server-made {expr}");
                assert_eq!(
                    rec.value("same"),
                    Some(&Value::Bool(true)),
                    "{db}: {expected:?} sent is not {expr} on the server (it sees {:?})",
                    rec.value("text")
                );
            }
        }
    }
}

#[test]
fn vectors_on_bolt_6() {
    for db in Neo4j::servers() {
        if db.version_tuple() < (2025, 10) {
            eprintln!("{db}: no vector type before 2025.10");
            continue;
        }
        let d = db.driver();
        d.verify_connectivity().unwrap();
        // The second connection negotiates Bolt 6 (see the negotiation test).
        let mut a = d.session(SessionConfig::default()).unwrap();
        let tx = a.begin_transaction(&TransactionConfig::default()).unwrap();
        let mut s = d.session(SessionConfig::default()).unwrap();
        let mut tx_s = s.begin_transaction(&TransactionConfig::default()).unwrap();
        assert!(tx_s.connection_info().unwrap().protocol_version >= (6, 0));
        let rec = tx_s
            .run(
                "CYPHER 25 RETURN vector([1.5, -2.0, 3.25], 3, FLOAT32) AS f, \
                 vector([1, -2, 127], 3, INT8) AS i",
                None,
            )
            .unwrap()
            .single()
            .unwrap();
        assert_eq!(
            rec.value("f"),
            Some(&Value::Vector(Vector::F32(vec![1.5, -2.0, 3.25]))),
            "{db}"
        );
        assert_eq!(
            rec.value("i"),
            Some(&Value::Vector(Vector::I8(vec![1, -2, 127]))),
            "{db}"
        );
        let v = Value::Vector(Vector::F64(vec![0.5, 1e300]));
        let rec = tx_s
            .run(
                "CYPHER 25 RETURN $v AS v, toString($v) AS c",
                params([("v", v.clone())]),
            )
            .unwrap()
            .single()
            .unwrap();
        eprintln!("{db}: vector as text on the server: {:?}", rec.value("c"));
        assert_eq!(rec.value("v"), Some(&v), "{db}");
        tx_s.rollback().unwrap();
        tx.rollback().unwrap();
    }
}

fn summary_of(s: &mut boltc::Session, q: &str) -> boltc::Summary {
    s.run(q, None).unwrap().consume().unwrap()
}

#[test]
fn counters_and_query_types_of_real_updates() {
    for server in Neo4j::servers() {
        for (db, d) in value_drivers(&server) {
            let mut s = d.session(SessionConfig::default()).unwrap();
            let l = server.label("Counted");
            let sum = summary_of(
                &mut s,
                &format!("CREATE (a:{l} {{x: 1, y: 2}})-[:R {{w: 3}}]->(b:{l}:Other)"),
            );
            let c = &sum.counters;
            assert_eq!(
                (
                    c.nodes_created,
                    c.relationships_created,
                    c.properties_set,
                    c.labels_added
                ),
                (2, 1, 3, 3),
                "{db}: {c:?}"
            );
            assert!(
                c.contains_updates && !c.contains_system_updates,
                "{db}: {c:?}"
            );
            assert_eq!(sum.query_type, Some(boltc::QueryType::Write), "{db}");
            assert_eq!(sum.database.as_deref(), Some("neo4j"), "{db}");
            assert!(sum.result_available_after.is_some(), "{db}");
            let sum = summary_of(&mut s, &format!("MATCH (n:{l}) RETURN n"));
            assert_eq!(sum.query_type, Some(boltc::QueryType::Read), "{db}");
            assert!(!sum.counters.contains_updates, "{db}");
            let sum = summary_of(
                &mut s,
                &format!("MATCH (n:Other:{l}) REMOVE n:Other SET n.z = 1 RETURN n"),
            );
            assert_eq!(sum.query_type, Some(boltc::QueryType::ReadWrite), "{db}");
            assert_eq!(
                (sum.counters.labels_removed, sum.counters.properties_set),
                (1, 1),
                "{db}"
            );
            let index = format!("idx_{l}");
            let sum = summary_of(
                &mut s,
                &format!("CREATE INDEX {index} FOR (n:{l}) ON (n.x)"),
            );
            assert_eq!(sum.query_type, Some(boltc::QueryType::Schema), "{db}");
            assert_eq!(sum.counters.indexes_added, 1, "{db}");
            let sum = summary_of(&mut s, &format!("DROP INDEX {index}"));
            assert_eq!(sum.counters.indexes_removed, 1, "{db}");
            let cons = format!("cons_{l}");
            let sum = summary_of(
                &mut s,
                &format!("CREATE CONSTRAINT {cons} FOR (n:{l}) REQUIRE n.y IS UNIQUE"),
            );
            assert_eq!(sum.counters.constraints_added, 1, "{db}");
            let sum = summary_of(&mut s, &format!("DROP CONSTRAINT {cons}"));
            assert_eq!(sum.counters.constraints_removed, 1, "{db}");
            let sum = summary_of(&mut s, &format!("MATCH (n:{l}) DETACH DELETE n"));
            assert_eq!(
                (
                    sum.counters.nodes_deleted,
                    sum.counters.relationships_deleted
                ),
                (2, 1),
                "{db}"
            );
            // A system update, on the system database.
            let mut sys = d.session(SessionConfig::database("system")).unwrap();
            let user = server.label("counted_user");
            let sum = summary_of(
                &mut sys,
                &format!("CREATE USER {user} SET PASSWORD 'long-enough-1' CHANGE NOT REQUIRED"),
            );
            assert!(sum.counters.system_updates >= 1, "{db}: {:?}", sum.counters);
            assert!(sum.counters.contains_system_updates, "{db}");
            assert!(!sum.counters.contains_updates, "{db}");
            summary_of(&mut sys, &format!("DROP USER {user}"));
        }
    }
}

#[test]
fn explain_and_profile_return_typed_plans() {
    for server in Neo4j::servers() {
        for (db, d) in value_drivers(&server) {
            let mut s = d.session(SessionConfig::default()).unwrap();
            let l = server.label("Planned");
            let sum = summary_of(&mut s, &format!("EXPLAIN MATCH (n:{l}) RETURN n.x AS x"));
            assert!(
                sum.profile.is_none() && sum.profile_tree().is_none(),
                "{db}"
            );
            let plan = sum.plan_tree().expect("EXPLAIN gives a plan");
            let op = |p: &boltc::Plan| p.operator_type.split('@').next().unwrap().to_owned();
            assert_eq!(op(&plan), "ProduceResults", "{db}: {plan:?}");
            assert!(plan.identifiers.contains(&"x".to_owned()), "{db}: {plan:?}");
            assert!(plan.stats.is_none(), "{db}: a plan has no profile figures");
            assert!(
                plan.arguments.contains_key("planner"),
                "{db}: {:?}",
                plan.arguments
            );
            let ops: Vec<String> = plan.walk().into_iter().map(op).collect();
            assert!(ops.iter().any(|o| o == "NodeByLabelScan"), "{db}: {ops:?}");
            s.run(
                &format!("UNWIND range(1, 5) AS i CREATE (:{l} {{x: i}})"),
                None,
            )
            .unwrap()
            .consume()
            .unwrap();
            let sum = summary_of(&mut s, &format!("PROFILE MATCH (n:{l}) RETURN n.x AS x"));
            let profile = sum.profile_tree().expect("PROFILE gives a profile");
            let stats = profile.stats.expect("profile figures");
            assert_eq!(stats.rows, 5, "{db}: {profile:?}");
            let hits: i64 = profile
                .walk()
                .iter()
                .filter_map(|p| p.stats)
                .map(|s| s.db_hits)
                .sum();
            assert!(hits > 0, "{db}: {profile:?}");
            assert!(profile.walk().iter().all(|p| p.stats.is_some()), "{db}");
            s.run(&format!("MATCH (n:{l}) DELETE n"), None)
                .unwrap()
                .consume()
                .unwrap();
        }
    }
}

#[test]
fn notifications_and_gql_statuses_and_filters_that_suppress_them() {
    for server in Neo4j::servers() {
        for (db, d) in value_drivers(&server) {
            let mut s = d.session(SessionConfig::default()).unwrap();
            let q = "EXPLAIN MATCH (n:BoltcNoSuchLabel) RETURN n";
            let sum = summary_of(&mut s, q);
            let n = sum
                .notifications
                .iter()
                .find(|n| n.code == "Neo.ClientNotification.Statement.UnknownLabelWarning")
                .unwrap_or_else(|| panic!("{db}: {:?}", sum.notifications));
            assert_eq!(n.severity_level(), boltc::Severity::Warning, "{db}: {n:?}");
            assert_eq!(
                n.category_level(),
                boltc::Classification::Unrecognized,
                "{db}: {n:?}"
            );
            assert!(n.description.contains("BoltcNoSuchLabel"), "{db}: {n:?}");
            let pos = n.position.as_ref().expect("a position");
            assert!(
                pos.get("offset").and_then(Value::as_int).is_some(),
                "{db}: {pos:?}"
            );
            // Bolt 5.6+: the GQL status objects (01N50: the label does not exist).
            let g = sum
                .gql_status_objects
                .iter()
                .find(|g| g.gql_status == "01N50")
                .unwrap_or_else(|| panic!("{db}: {:?}", sum.gql_status_objects));
            assert!(g.is_notification, "{db}: {g:?}");
            assert_eq!(g.severity(), boltc::Severity::Warning, "{db}: {g:?}");
            assert_eq!(
                g.classification(),
                boltc::Classification::Unrecognized,
                "{db}: {g:?}"
            );
            assert!(!g.status_description.is_empty(), "{db}: {g:?}");
            // One status says how the query ended (00001: success, result omitted by EXPLAIN),
            // and it is no notification.
            let outcome = sum
                .gql_status_objects
                .iter()
                .find(|g| g.gql_status == "00001")
                .unwrap_or_else(|| panic!("{db}: {:?}", sum.gql_status_objects));
            assert!(!outcome.is_notification, "{db}: {outcome:?}");
            // The filters: the category disabled, or a minimum severity above WARNING, or all off.
            for filter in [
                boltc::NotificationFilter {
                    minimum_severity: None,
                    disabled_categories: Some(vec!["UNRECOGNIZED".into()]),
                },
                boltc::NotificationFilter {
                    minimum_severity: Some("OFF".into()),
                    disabled_categories: None,
                },
            ] {
                let mut f = d
                    .session(SessionConfig::default().with_notification_filter(filter.clone()))
                    .unwrap();
                let sum = summary_of(&mut f, q);
                assert!(
                    sum.notifications.is_empty(),
                    "{db}: {filter:?}: {:?}",
                    sum.notifications
                );
                assert!(
                    !sum.gql_status_objects
                        .iter()
                        .any(|g| g.gql_status == "01N50"),
                    "{db}: {filter:?}: {:?}",
                    sum.gql_status_objects
                );
            }
            // A driver-wide filter works the same way.
            let quiet = boltc::Driver::new(
                server
                    .config(&server.bolt_uri())
                    .notification_filter(boltc::NotificationFilter {
                        minimum_severity: None,
                        disabled_categories: Some(vec!["UNRECOGNIZED".into()]),
                    })
                    .build()
                    .unwrap(),
            )
            .unwrap();
            let mut qs = quiet.session(SessionConfig::default()).unwrap();
            assert!(summary_of(&mut qs, q).notifications.is_empty(), "{db}");
        }
    }
}

#[test]
fn paged_streams_interleaved_results_and_discard() {
    for db in Neo4j::servers() {
        // Neo4j honours PULL's n (FalkorDB does not): 100k rows in pages of 100.
        let d =
            boltc::Driver::new(db.config(&db.bolt_uri()).fetch_size(100).build().unwrap()).unwrap();
        let mut s = d.session(SessionConfig::default()).unwrap();
        let (mut count, mut sum) = (0i64, 0i64);
        for rec in s
            .run("UNWIND range(1, 100000) AS x RETURN x", None)
            .unwrap()
        {
            sum += rec.unwrap().get::<i64, _>(0).unwrap();
            count += 1;
        }
        assert_eq!((count, sum), (100_000, 100_000 * 100_001 / 2), "{db}");
        // Two results open in one transaction (qid), read alternately, page by page.
        s.begin_detached(&TransactionConfig::default()).unwrap();
        let ra = s
            .tx_run_detached("UNWIND range(1, 1000) AS x RETURN x", None)
            .unwrap();
        let rb = s
            .tx_run_detached("UNWIND range(1001, 2000) AS x RETURN x", None)
            .unwrap();
        let mut got = Vec::new();
        for _ in 0..1000 {
            let x = s
                .result_next(ra)
                .unwrap()
                .unwrap()
                .get::<i64, _>(0)
                .unwrap();
            let y = s
                .result_next(rb)
                .unwrap()
                .unwrap()
                .get::<i64, _>(0)
                .unwrap();
            got.push((x, y));
        }
        assert!(s.result_next(ra).unwrap().is_none() && s.result_next(rb).unwrap().is_none());
        assert_eq!(got[0], (1, 1001), "{db}");
        assert_eq!(got[999], (1000, 2000), "{db}");
        s.result_free(ra);
        s.result_free(rb);
        s.commit_detached().unwrap();
        // Consuming a result half-way discards the rest on the server.
        let mut r = s
            .run("UNWIND range(1, 1000000) AS x RETURN x", None)
            .unwrap();
        assert_eq!(r.next().unwrap().unwrap().get::<i64, _>(0).unwrap(), 1);
        let started = std::time::Instant::now();
        let sum = r.consume().unwrap();
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "{db}"
        );
        assert_eq!(sum.query_type, Some(boltc::QueryType::Read), "{db}");
        let n: i64 = s
            .run("RETURN 3", None)
            .unwrap()
            .single()
            .unwrap()
            .get(0)
            .unwrap();
        assert_eq!(n, 3, "{db}");
    }
}

#[test]
fn server_errors_are_typed_with_gql_details_and_records_before_a_failure_arrive() {
    for server in Neo4j::servers() {
        for (db, d) in value_drivers(&server) {
            let mut s = d.session(SessionConfig::default()).unwrap();
            let err = s.run("RETRUN 1", None).err().expect("a syntax error");
            assert_eq!(err.kind(), boltc::ErrorKind::ClientError, "{db}: {err:?}");
            assert_eq!(
                err.server_code(),
                Some("Neo.ClientError.Statement.SyntaxError"),
                "{db}"
            );
            assert!(!err.is_retryable());
            // Bolt 5.7+: the GQL error (42xxx: syntax error or access rule violation).
            let gql = err
                .gql()
                .unwrap_or_else(|| panic!("{db}: no GQL error in {err:?}"));
            eprintln!("{db}: {gql:?}");
            if server.version_tuple() >= (2025, 1) {
                // 42001 invalid syntax, caused by 42I06 invalid input.
                assert_eq!(gql.gql_status, "42001", "{db}: {gql:?}");
                assert_eq!(
                    gql.classification.as_deref(),
                    Some("CLIENT_ERROR"),
                    "{db}: {gql:?}"
                );
                let cause = gql.cause.as_ref().expect("a cause");
                assert_eq!(cause.gql_status, "42I06", "{db}: {gql:?}");
            } else {
                // 5.26 itself sends the generic 50N42 (its own description, not the driver's
                // fallback for servers without GQL errors) and no classification.
                assert_eq!(gql.gql_status, "50N42", "{db}: {gql:?}");
                assert!(gql.description.contains("See debug log"), "{db}: {gql:?}");
                assert_eq!(gql.classification, None, "{db}: {gql:?}");
            }
            assert_eq!(
                gql.neo4j_code.as_deref(),
                Some("Neo.ClientError.Statement.SyntaxError"),
                "{db}"
            );
            // The session recovers.
            let n: i64 = s
                .run("RETURN 2", None)
                .unwrap()
                .single()
                .unwrap()
                .get(0)
                .unwrap();
            assert_eq!(n, 2, "{db}");
            // Records before a failure arrive, then the error.
            let mut r = s
                .run("UNWIND [1, 2, 0, 4] AS x RETURN 10 / x AS y", None)
                .unwrap();
            let mut seen = Vec::new();
            let err = loop {
                match r.next() {
                    Some(Ok(rec)) => seen.push(rec.get::<i64, _>("y").unwrap()),
                    Some(Err(e)) => break e,
                    None => panic!("{db}: no error after {seen:?}"),
                }
            };
            assert_eq!(seen, [10, 5], "{db}");
            assert_eq!(
                err.server_code(),
                Some("Neo.ClientError.Statement.ArithmeticError"),
                "{db}"
            );
            drop(r);
            // A constraint violation inside a transaction: the transaction is done for.
            let l = server.label("Unique");
            let cons = format!("uniq_{l}");
            s.run(
                &format!("CREATE CONSTRAINT {cons} FOR (n:{l}) REQUIRE n.k IS UNIQUE"),
                None,
            )
            .unwrap()
            .consume()
            .unwrap();
            let mut tx = s.begin_transaction(&TransactionConfig::default()).unwrap();
            tx.run(&format!("CREATE (:{l} {{k: 1}})"), None)
                .unwrap()
                .consume()
                .unwrap();
            let err = tx
                .run(&format!("CREATE (:{l} {{k: 1}})"), None)
                .and_then(boltc::RecordStream::consume)
                .unwrap_err();
            assert_eq!(
                err.server_code(),
                Some("Neo.ClientError.Schema.ConstraintValidationFailed"),
                "{db}: {err:?}"
            );
            let after = tx
                .run("RETURN 1", None)
                .and_then(boltc::RecordStream::consume);
            assert!(
                after.is_err(),
                "{db}: a failed transaction takes no more queries"
            );
            drop(tx);
            let n: i64 = s
                .run(&format!("MATCH (n:{l}) RETURN count(n)"), None)
                .unwrap()
                .single()
                .unwrap()
                .get(0)
                .unwrap();
            assert_eq!(n, 0, "{db}: the failed transaction was rolled back");
            s.run(&format!("DROP CONSTRAINT {cons}"), None)
                .unwrap()
                .consume()
                .unwrap();
        }
    }
}
