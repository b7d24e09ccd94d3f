//! Session and result semantics, transactions, bookmarks, temporal/spatial values and the
//! pool, against the stub (Bolt 5.4 unless said otherwise).

mod common;
mod support;

use boltc::{
    Date, DateTime, DateTimeZoneId, Duration as BoltDuration, ErrorKind, LocalDateTime, LocalTime,
    Point2D, Point3D, SessionConfig, Time, TransactionConfig, Value,
};
use common::{assert_kind, driver, driver_with, params};
use std::time::{Duration, Instant};
use support::StubServer;

const HELLO: &str = "!: BOLT 5.4\n\
    C: HELLO {\"user_agent\": \"MyClient/1.0\", ..}\n\
    S: SUCCESS {\"server\": \"Neo4j/5.4.0\", \"connection_id\": \"bolt-7\"}\n\
    C: LOGON {\"scheme\": \"basic\", \"principal\": \"neo4j\", \"credentials\": \"secret\"}\n\
    S: SUCCESS {}\n";

fn script(rest: &str) -> String {
    format!("{HELLO}{rest}")
}

fn unwind(n: usize, fetch: i64) -> String {
    let records: String = (1..=n).map(|i| format!("S: RECORD [{i}]\n")).collect();
    format!(
        "C: RUN \"UNWIND $xs AS x RETURN x\" {{\"xs\": *}} {{}}\n\
         C: PULL {{\"n\": {fetch}}}\n\
         S: SUCCESS {{\"fields\": [\"x\"]}}\n{records}\
         S: SUCCESS {{\"type\": \"r\"}}\n"
    )
}

fn xs(n: i64) -> Option<boltc::Map> {
    params([("xs", Value::List((1..=n).map(Value::Int).collect()))])
}

/// The iterator takes the records that are ready in one go and hands them out itself; every
/// other call on the stream must see the ones it has not handed out yet, in order.
#[test]
fn the_iterator_and_the_other_calls_read_one_sequence() {
    let stub = StubServer::start(&script(&format!("{}{}", unwind(8, 1000), unwind(3, 1000))));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let x = |r: boltc::Record| r.get::<i64, _>("x").unwrap();
    {
        let mut r = s.run("UNWIND $xs AS x RETURN x", xs(8)).unwrap();
        assert_eq!(x(r.next().unwrap().unwrap()), 1);
        assert_eq!(x(r.next().unwrap().unwrap()), 2);
        assert_eq!(r.peek().unwrap().unwrap().get::<i64, _>("x").unwrap(), 3);
        assert_eq!(x(r.next().unwrap().unwrap()), 3);
        let mut rows = boltc::Rows::new();
        assert!(r.next_rows(2, &mut rows).unwrap());
        let got: Vec<_> = rows.iter().map(|row| row[0].clone()).collect();
        assert_eq!(got, [Value::Int(4), Value::Int(5)]);
        assert_eq!(x(r.next().unwrap().unwrap()), 6);
        let mut batch = Vec::new();
        assert!(r.next_batch(1, &mut batch).unwrap());
        assert_eq!(batch.into_iter().map(x).collect::<Vec<_>>(), [7]);
        assert_eq!(x(r.next().unwrap().unwrap()), 8);
        assert!(r.next().is_none());
    }
    let mut r = s.run("UNWIND $xs AS x RETURN x", xs(3)).unwrap();
    assert_eq!(x(r.next().unwrap().unwrap()), 1);
    let rest = r.collect_records().unwrap();
    assert_eq!(rest.into_iter().map(x).collect::<Vec<_>>(), [2, 3]);
}

#[test]
fn keys_peek_next_consume_and_single() {
    let stub = StubServer::start(&script(&format!(
        "{}{}{}{}",
        unwind(3, 1000),
        unwind(1, 1000),
        unwind(0, 1000),
        unwind(2, 1000)
    )));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    {
        let mut r = s.run("UNWIND $xs AS x RETURN x", xs(3)).unwrap();
        assert_eq!(&*r.keys().unwrap(), ["x".to_owned()]);
        assert_eq!(r.peek().unwrap().unwrap().get::<i64, _>("x").unwrap(), 1);
        assert_eq!(r.peek().unwrap().unwrap().get::<i64, _>("x").unwrap(), 1);
        assert_eq!(r.next().unwrap().unwrap().get::<i64, _>("x").unwrap(), 1);
        let e = r
            .next()
            .unwrap()
            .unwrap()
            .get::<String, _>("x")
            .unwrap_err();
        assert_kind(&e, ErrorKind::Conversion);
        let e = r
            .next()
            .unwrap()
            .unwrap()
            .get::<i64, _>("nope")
            .unwrap_err();
        assert!(e.message().contains("nope"), "{e}");
        assert!(r.next().is_none());
        assert!(r.next().is_none(), "the end is sticky");
        let summary = r.consume().unwrap();
        assert_eq!(summary.query, "UNWIND $xs AS x RETURN x");
    }
    let one = s
        .run("UNWIND $xs AS x RETURN x", xs(1))
        .unwrap()
        .single()
        .unwrap();
    assert_eq!(one.get::<i64, _>(0).unwrap(), 1);
    let e = s
        .run("UNWIND $xs AS x RETURN x", xs(0))
        .unwrap()
        .single()
        .unwrap_err();
    assert_kind(&e, ErrorKind::ResultNotSingle);
    let e = s
        .run("UNWIND $xs AS x RETURN x", xs(2))
        .unwrap()
        .single()
        .unwrap_err();
    assert_kind(&e, ErrorKind::ResultNotSingle);
    drop(s);
    stub.finish();
}

#[test]
fn next_after_consume_is_result_consumed() {
    let stub = StubServer::start(&script(&unwind(2, 1000)));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let id = s
        .run_detached(
            "UNWIND $xs AS x RETURN x",
            xs(2),
            &TransactionConfig::default(),
        )
        .unwrap();
    assert!(s.result_next(id).unwrap().is_some());
    s.result_consume(id).unwrap();
    assert_kind(&s.result_next(id).unwrap_err(), ErrorKind::ResultConsumed);
    // Consuming again returns the same summary.
    assert_eq!(
        s.result_consume(id).unwrap().query,
        "UNWIND $xs AS x RETURN x"
    );
    drop(s);
    stub.finish();
}

#[test]
fn an_unread_auto_commit_result_is_buffered_when_the_session_runs_again() {
    let stub = StubServer::start(&script(&format!("{}{}", unwind(2, 1000), unwind(1, 1000))));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let a = s
        .run_detached(
            "UNWIND $xs AS x RETURN x",
            xs(2),
            &TransactionConfig::default(),
        )
        .unwrap();
    let b = s
        .run_detached(
            "UNWIND $xs AS x RETURN x",
            xs(1),
            &TransactionConfig::default(),
        )
        .unwrap();
    assert_eq!(
        s.result_next(a).unwrap().unwrap().get::<i64, _>(0).unwrap(),
        1
    );
    assert_eq!(
        s.result_next(a).unwrap().unwrap().get::<i64, _>(0).unwrap(),
        2
    );
    assert!(s.result_next(a).unwrap().is_none());
    assert_eq!(
        s.result_next(b).unwrap().unwrap().get::<i64, _>(0).unwrap(),
        1
    );
    drop(s);
    stub.finish();
}

/// Found by TestKit's `test_iteration_nested` against Neo4j: a result whose next record was
/// already decoded into its buffer, buffered in full because the session runs again, kept the
/// later records ahead of that one (3 came before 2).
#[test]
fn buffering_an_auto_commit_result_keeps_its_records_in_order() {
    let stub = StubServer::start(&script(
        "C: RUN \"UNWIND $xs AS x RETURN x\" {\"xs\": *} {}\n\
         C: PULL {\"n\": 2}\n\
         S: SUCCESS {\"fields\": [\"x\"]}\n\
         S: RECORD [1]\n\
         S: RECORD [2]\n\
         S: <SLEEP 200ms>\n\
         S: SUCCESS {\"has_more\": true}\n\
         C: PULL {\"n\": -1}\n\
         S: RECORD [3]\n\
         S: RECORD [4]\n\
         S: SUCCESS {\"type\": \"r\"}\n\
         C: RUN \"UNWIND $xs AS x RETURN x\" {\"xs\": *} {}\n\
         C: PULL {\"n\": 2}\n\
         S: SUCCESS {\"fields\": [\"x\"]}\n\
         S: RECORD [7]\n\
         S: SUCCESS {\"type\": \"r\"}\n",
    ));
    let d = driver_with(&stub.uri(), |c| c.fetch_size(2));
    let mut s = d.session(SessionConfig::default()).unwrap();
    let tx = TransactionConfig::default();
    let a = s
        .run_detached("UNWIND $xs AS x RETURN x", xs(4), &tx)
        .unwrap();
    let next = |s: &mut boltc::Session, id| {
        s.result_next(id)
            .unwrap()
            .map(|r| r.get::<i64, _>(0).unwrap())
    };
    assert_eq!(next(&mut s, a), Some(1));
    let b = s
        .run_detached("UNWIND $xs AS x RETURN x", xs(1), &tx)
        .unwrap();
    assert_eq!(next(&mut s, b), Some(7));
    assert_eq!(next(&mut s, b), None);
    let rest: Vec<_> = std::iter::from_fn(|| next(&mut s, a)).collect();
    assert_eq!(rest, [2, 3, 4]);
    drop(s);
    stub.finish();
}

#[test]
fn results_are_out_of_scope_after_commit_and_unread_records_are_discarded_first() {
    let stub = StubServer::start(&script(
        "C: BEGIN {}\n\
         S: SUCCESS {}\n\
         C: RUN \"UNWIND range(1, 3) AS x RETURN x\" {} {}\n\
         C: PULL {\"n\": 1}\n\
         S: SUCCESS {\"fields\": [\"x\"], \"qid\": 0}\n\
         S: RECORD [1]\n\
         S: SUCCESS {\"has_more\": true}\n\
         C: DISCARD {\"n\": -1}\n\
         S: SUCCESS {}\n\
         C: COMMIT\n\
         S: SUCCESS {\"bookmark\": \"bm:1\"}\n",
    ));
    let d = driver_with(&stub.uri(), |c| c.fetch_size(1));
    let mut s = d.session(SessionConfig::default()).unwrap();
    s.begin_detached(&TransactionConfig::default()).unwrap();
    let id = s
        .tx_run_detached("UNWIND range(1, 3) AS x RETURN x", None)
        .unwrap();
    s.commit_detached().unwrap();
    assert_kind(&s.result_next(id).unwrap_err(), ErrorKind::ResultConsumed);
    assert_eq!(s.last_bookmarks(), ["bm:1".to_owned()]);
    drop(s);
    stub.finish();
}

#[test]
fn bookmarks_from_commit_chain_into_the_next_begin_and_auto_commit_run() {
    let stub = StubServer::start(&script(
        "C: BEGIN {\"bookmarks\": [\"bm:0\"]}\n\
         S: SUCCESS {}\n\
         C: COMMIT\n\
         S: SUCCESS {\"bookmark\": \"bm:1\"}\n\
         C: BEGIN {\"bookmarks\": [\"bm:1\"]}\n\
         S: SUCCESS {}\n\
         C: COMMIT\n\
         S: SUCCESS {\"bookmark\": \"bm:2\"}\n\
         C: RUN \"RETURN 1\" {} {\"bookmarks\": [\"bm:2\"]}\n\
         C: PULL {\"n\": 1000}\n\
         S: SUCCESS {\"fields\": [\"1\"]}\n\
         S: SUCCESS {\"bookmark\": \"bm:3\"}\n\
         C: BEGIN {\"bookmarks\": [\"bm:3\"]}\n\
         S: SUCCESS {}\n\
         C: ROLLBACK\n\
         S: SUCCESS {}\n\
         C: BEGIN {\"bookmarks\": [\"bm:3\"]}\n\
         S: SUCCESS {}\n\
         C: COMMIT\n\
         S: SUCCESS {}\n",
    ));
    let d = driver(&stub.uri());
    let mut s = d
        .session(SessionConfig::default().with_bookmarks(vec!["bm:0".into()]))
        .unwrap();
    for _ in 0..2 {
        s.begin_transaction(&TransactionConfig::default())
            .unwrap()
            .commit()
            .unwrap();
    }
    s.run("RETURN 1", None).unwrap().consume().unwrap();
    assert_eq!(s.last_bookmarks(), ["bm:3".to_owned()]);
    s.begin_transaction(&TransactionConfig::default())
        .unwrap()
        .rollback()
        .unwrap();
    assert_eq!(
        s.last_bookmarks(),
        ["bm:3".to_owned()],
        "a rollback keeps the bookmark"
    );
    s.begin_transaction(&TransactionConfig::default())
        .unwrap()
        .commit()
        .unwrap();
    assert_eq!(
        s.last_bookmarks(),
        ["bm:3".to_owned()],
        "a commit without one keeps it too"
    );
    drop(s);
    stub.finish();
}

#[test]
fn a_second_transaction_or_an_auto_commit_run_inside_one_is_illegal() {
    let stub = StubServer::start(&script(
        "C: BEGIN {}\nS: SUCCESS {}\nC: ROLLBACK\nS: SUCCESS {}\n",
    ));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    s.begin_detached(&TransactionConfig::default()).unwrap();
    assert_kind(
        &s.begin_detached(&TransactionConfig::default()).unwrap_err(),
        ErrorKind::IllegalState,
    );
    assert_kind(
        &s.run("RETURN 1", None).err().unwrap(),
        ErrorKind::IllegalState,
    );
    s.rollback_detached().unwrap();
    assert_kind(&s.commit_detached().unwrap_err(), ErrorKind::IllegalState);
    drop(s);
    stub.finish();
}

#[test]
fn dropping_an_open_transaction_rolls_it_back() {
    let stub = StubServer::start(&script(&format!(
        "C: BEGIN {{}}\nS: SUCCESS {{}}\n{}C: ROLLBACK\nS: SUCCESS {{}}\n",
        unwind(1, 1000)
    )));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    {
        let mut tx = s.begin_transaction(&TransactionConfig::default()).unwrap();
        tx.run("UNWIND $xs AS x RETURN x", xs(1))
            .unwrap()
            .consume()
            .unwrap();
    }
    assert!(!s.in_transaction());
    drop(s);
    stub.finish();
}

// ----- temporal and spatial values -----

#[test]
fn temporal_and_spatial_values_round_trip_on_bolt_5() {
    let values = [
        Value::Date(Date { days: 19_724 }),
        Value::Time(Time {
            nanoseconds: 3_723_000_000_004,
            tz_offset_seconds: -3600,
        }),
        Value::LocalTime(LocalTime { nanoseconds: 1 }),
        Value::DateTime(DateTime {
            seconds: 1_704_161_045,
            nanoseconds: 5,
            tz_offset_seconds: 7200,
        }),
        Value::DateTimeZoneId(Box::new(DateTimeZoneId {
            seconds: 1_704_161_045,
            nanoseconds: 0,
            tz_id: "Europe/Paris".into(),
        })),
        Value::LocalDateTime(LocalDateTime {
            seconds: -1,
            nanoseconds: 999_999_999,
        }),
        Value::Duration(BoltDuration {
            months: 14,
            days: -3,
            seconds: 59,
            nanoseconds: 1,
        }),
        Value::Point2D(Point2D {
            srid: 7203,
            x: 1.5,
            y: -2.0,
        }),
        Value::Point3D(Point3D {
            srid: 4979,
            x: 12.5,
            y: 55.0,
            z: 100.25,
        }),
    ];
    let wire = "[@Date[19724], @Time[3723000000004, -3600], @LocalTime[1], \
                @DateTime[1704161045, 5, 7200], @DateTimeZoneId[1704161045, 0, \"Europe/Paris\"], \
                @LocalDateTime[-1, 999999999], @Duration[14, -3, 59, 1], \
                @Point2D[7203, 1.5, -2.0], @Point3D[4979, 12.5, 55.0, 100.25]]";
    let stub = StubServer::start(&script(&format!(
        "C: RUN \"RETURN $v AS v\" {{\"v\": {wire}}} {{}}\n\
         C: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{\"fields\": [\"v\"]}}\n\
         S: RECORD [{wire}]\n\
         S: SUCCESS {{}}\n"
    )));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let list = Value::List(values.to_vec());
    let rec = s
        .run("RETURN $v AS v", params([("v", list.clone())]))
        .unwrap()
        .single()
        .unwrap();
    assert_eq!(rec.value("v"), Some(&list));
    drop(s);
    stub.finish();
}

#[test]
fn zoned_datetimes_use_the_legacy_local_seconds_form_on_bolt_4() {
    // 2024-01-02T02:04:05Z is 03:04:05 in Paris (UTC+1): local seconds 1704164645.
    let legacy = boltc::packstream::Dialect {
        bytes: true,
        utc_datetime: false,
        vector: false,
        wide_structs: false,
    };
    let run = common::body(legacy, |e| {
        e.write_struct_header(3, 0x10);
        e.write_str("RETURN $t AS t").unwrap();
        e.write_map_header(1).unwrap();
        e.write_str("t").unwrap();
        e.write_struct_header(3, b'f');
        e.write_int(1_704_164_645);
        e.write_int(0);
        e.write_str("Europe/Paris").unwrap();
        e.write_map_header(0).unwrap();
    });
    let stub = StubServer::start(&format!(
        "!: BOLT 4.4\n\
         C: HELLO {{\"user_agent\": \"MyClient/1.0\", ..}}\n\
         S: SUCCESS {{\"server\": \"Neo4j/4.4.0\"}}\n\
         C: <RAW> {}\n\
         C: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{\"fields\": [\"t\"]}}\n\
         S: RECORD [@LegacyDateTimeZoneId[1704164645, 0, \"Europe/Paris\"]]\n\
         S: SUCCESS {{}}\n",
        common::framed(&run)
    ));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let t = Value::DateTimeZoneId(Box::new(DateTimeZoneId {
        seconds: 1_704_161_045,
        nanoseconds: 0,
        tz_id: "Europe/Paris".into(),
    }));
    let rec = s
        .run("RETURN $t AS t", params([("t", t.clone())]))
        .unwrap()
        .single()
        .unwrap();
    assert_eq!(rec.value("t"), Some(&t));
    drop(s);
    stub.finish();
}

// ----- the pool -----

fn metrics(d: &boltc::Driver) -> (usize, usize) {
    let m = d.pool_metrics();
    assert_eq!(m.len(), 1, "{m:?}");
    (m[0].1.in_use, m[0].1.idle)
}

#[test]
fn a_result_dropped_early_is_discarded_and_the_connection_returns_idle() {
    let stub = StubServer::start(&script(
        "C: RUN \"UNWIND range(1, 3) AS x RETURN x\" {} {}\n\
         C: PULL {\"n\": 1}\n\
         S: SUCCESS {\"fields\": [\"x\"]}\n\
         S: RECORD [1]\n\
         S: SUCCESS {\"has_more\": true}\n\
         C: DISCARD {\"n\": -1}\n\
         S: SUCCESS {}\n\
         C: RUN \"RETURN 1\" {} {}\n\
         C: PULL {\"n\": 1}\n\
         S: SUCCESS {\"fields\": [\"1\"]}\n\
         S: RECORD [1]\n\
         S: SUCCESS {}\n",
    ));
    let d = driver_with(&stub.uri(), |c| c.fetch_size(1));
    let mut s = d.session(SessionConfig::default()).unwrap();
    {
        let mut r = s.run("UNWIND range(1, 3) AS x RETURN x", None).unwrap();
        r.next().unwrap().unwrap();
    }
    s.run("RETURN 1", None).unwrap().consume().unwrap();
    assert_eq!(metrics(&d), (0, 1));
    drop(s);
    assert_eq!(metrics(&d), (0, 1));
    stub.finish();
}

#[test]
fn consuming_returns_the_connection_at_once() {
    let stub = StubServer::start(&script(
        "C: RUN \"UNWIND range(1, 3) AS x RETURN x\" {} {}\n\
         C: PULL {\"n\": 1}\n\
         S: SUCCESS {\"fields\": [\"x\"]}\n\
         S: RECORD [1]\n\
         S: SUCCESS {\"has_more\": true}\n\
         C: DISCARD {\"n\": -1}\n\
         S: SUCCESS {\"type\": \"r\"}\n",
    ));
    let d = driver_with(&stub.uri(), |c| c.fetch_size(1));
    let mut s = d.session(SessionConfig::default()).unwrap();
    let mut r = s.run("UNWIND range(1, 3) AS x RETURN x", None).unwrap();
    r.next().unwrap().unwrap();
    assert_eq!(metrics(&d), (1, 0));
    r.consume().unwrap();
    assert_eq!(metrics(&d), (0, 1));
    drop(s);
    stub.finish();
}

#[test]
fn max_pool_size_is_respected_and_acquisition_times_out() {
    let stub = StubServer::start(&script(
        "C: BEGIN {}\nS: SUCCESS {}\nC: COMMIT\nS: SUCCESS {}\n\
         C: RUN \"RETURN 1\" {} {}\nC: PULL {\"n\": 1000}\n\
         S: SUCCESS {\"fields\": [\"1\"]}\nS: SUCCESS {}\n",
    ));
    let d = driver_with(&stub.uri(), |c| {
        c.max_connection_pool_size(1)
            .connection_acquisition_timeout(Duration::from_millis(200))
    });
    let mut a = d.session(SessionConfig::default()).unwrap();
    let mut b = d.session(SessionConfig::default()).unwrap();
    a.begin_detached(&TransactionConfig::default()).unwrap();
    let start = Instant::now();
    let e = b.run("RETURN 1", None).err().unwrap();
    assert_kind(&e, ErrorKind::Timeout);
    assert!(
        start.elapsed() >= Duration::from_millis(150),
        "{:?}",
        start.elapsed()
    );
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    a.commit_detached().unwrap();
    b.run("RETURN 1", None).unwrap().consume().unwrap();
    let m = d.pool_metrics();
    assert_eq!(m[0].1.created, 1, "{m:?}");
    drop((a, b));
    stub.finish();
}

#[test]
fn pull_names_the_qid_only_for_an_earlier_query_of_the_transaction() {
    let stub = StubServer::start(&script(
        "C: BEGIN {}\nS: SUCCESS {}\n\
         C: RUN \"RETURN 1\" {} {}\nC: PULL {\"n\": 1}\n\
         S: SUCCESS {\"fields\": [\"x\"], \"qid\": 0}\n\
         S: RECORD [1]\nS: SUCCESS {\"has_more\": true}\n\
         C: RUN \"RETURN 2\" {} {}\nC: PULL {\"n\": 1}\n\
         S: SUCCESS {\"fields\": [\"x\"], \"qid\": 1}\n\
         S: RECORD [2]\nS: SUCCESS {\"has_more\": true}\n\
         C: PULL {\"n\": 1, \"qid\": 0}\n\
         S: RECORD [3]\nS: SUCCESS {\"has_more\": false}\n\
         C: PULL {\"n\": 1}\n\
         S: RECORD [4]\nS: SUCCESS {\"has_more\": false}\n\
         C: COMMIT\nS: SUCCESS {}\n",
    ));
    let d = driver_with(&stub.uri(), |c| c.fetch_size(1));
    let mut s = d.session(SessionConfig::default()).unwrap();
    s.begin_detached(&TransactionConfig::default()).unwrap();
    let a = s.tx_run_detached("RETURN 1", None).unwrap();
    let b = s.tx_run_detached("RETURN 2", None).unwrap();
    let next = |s: &mut boltc::Session, id| {
        s.result_next(id)
            .unwrap()
            .unwrap()
            .get::<i64, _>(0)
            .unwrap()
    };
    assert_eq!(next(&mut s, a), 1);
    assert_eq!(next(&mut s, a), 3);
    assert_eq!(next(&mut s, b), 2);
    assert_eq!(next(&mut s, b), 4);
    s.commit_detached().unwrap();
    drop(s);
    stub.finish();
}

#[test]
fn listing_a_result_fetches_the_records_not_requested_yet_in_one_pull() {
    let stub = StubServer::start(&script(
        "C: RUN \"UNWIND range(1, 5) AS x RETURN x\" {} {}\n\
         C: PULL {\"n\": 2}\n\
         S: SUCCESS {\"fields\": [\"x\"]}\n\
         S: RECORD [1]\n\
         S: RECORD [2]\n\
         S: SUCCESS {\"has_more\": true}\n\
         C: PULL {\"n\": -1}\n\
         S: RECORD [3]\n\
         S: RECORD [4]\n\
         S: RECORD [5]\n\
         S: SUCCESS {\"type\": \"r\"}\n",
    ));
    let d = driver_with(&stub.uri(), |c| c.fetch_size(2));
    let mut s = d.session(SessionConfig::default()).unwrap();
    let mut r = s.run("UNWIND range(1, 5) AS x RETURN x", None).unwrap();
    assert_eq!(r.next().unwrap().unwrap().get::<i64, _>(0).unwrap(), 1);
    let rest: Vec<i64> = r
        .collect_records()
        .unwrap()
        .iter()
        .map(|rec| rec.get::<i64, _>(0).unwrap())
        .collect();
    assert_eq!(rest, [2, 3, 4, 5]);
    drop(s);
    stub.finish();
}

// ----- pulling the next batch ahead -----

/// `RECORD [from]` .. `RECORD [to]`, one script line each.
fn records(from: i64, to: i64) -> String {
    (from..=to).map(|i| format!("S: RECORD [{i}]\n")).collect()
}

/// Waits (up to 5 s) until the stub has received `count` PULLs.
fn wait_for_pulls(stub: &StubServer, count: usize) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        let pulls = stub
            .received()
            .iter()
            .filter(|l| l.starts_with("C: PULL"))
            .count();
        if pulls >= count {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

/// RUN `query` (its SUCCESS carrying `run_meta` besides the fields) and two batches of 100
/// records, both ending with `has_more`; the first arrives 100 ms after the RUN reply.
fn two_batches_of_100(query: &str, run_meta: &str) -> String {
    format!(
        "C: RUN \"{query}\" {{}} {{}}\n\
         C: PULL {{\"n\": 100}}\n\
         S: SUCCESS {{\"fields\": [\"x\"]{run_meta}}}\n\
         S: <SLEEP 100ms>\n{}\
         S: SUCCESS {{\"has_more\": true}}\n\
         C: PULL {{\"n\": 100}}\n{}\
         S: SUCCESS {{\"has_more\": true}}\n",
        records(1, 100),
        records(101, 200)
    )
}

#[test]
fn a_large_batch_asks_for_the_next_one_as_soon_as_its_summary_arrives() {
    let stub = StubServer::start(&script(&format!(
        "{}C: PULL {{\"n\": 100}}\n{}S: SUCCESS {{\"type\": \"r\"}}\n",
        two_batches_of_100("UNWIND range(1, 250) AS x RETURN x", ""),
        records(201, 250)
    )));
    let d = driver_with(&stub.uri(), |c| c.fetch_size(100));
    let mut s = d.session(SessionConfig::default()).unwrap();
    let mut r = s.run("UNWIND range(1, 250) AS x RETURN x", None).unwrap();
    // The first batch follows the RUN reply 100 ms later: let all of it reach the socket, so
    // reading the first record buffers the whole batch, then read one more.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(r.next().unwrap().unwrap().get::<i64, _>(0).unwrap(), 1);
    assert_eq!(r.next().unwrap().unwrap().get::<i64, _>(0).unwrap(), 2);
    assert!(
        wait_for_pulls(&stub, 2),
        "the second PULL did not go out while 98 records of the first batch were unread: {:?}",
        stub.received()
    );
    let rest: Vec<i64> = r
        .by_ref()
        .map(|rec| rec.unwrap().get::<i64, _>(0).unwrap())
        .collect();
    assert_eq!(rest, (3..=250).collect::<Vec<_>>());
    assert_eq!(
        r.consume().unwrap().query_type,
        Some(boltc::QueryType::Read)
    );
    assert_eq!(metrics(&d), (0, 1));
    drop(s);
    stub.finish();
}

#[test]
fn a_result_dropped_with_the_next_batch_on_its_way_discards_after_it() {
    let stub = StubServer::start(&script(&format!(
        "{}C: DISCARD {{\"n\": -1}}\n\
         S: SUCCESS {{\"type\": \"r\"}}\n\
         C: RUN \"RETURN 1\" {{}} {{}}\n\
         C: PULL {{\"n\": 100}}\n\
         S: SUCCESS {{\"fields\": [\"1\"]}}\n\
         S: RECORD [1]\n\
         S: SUCCESS {{}}\n",
        two_batches_of_100("UNWIND range(1, 1000) AS x RETURN x", "")
    )));
    let d = driver_with(&stub.uri(), |c| c.fetch_size(100));
    let mut s = d.session(SessionConfig::default()).unwrap();
    {
        let mut r = s.run("UNWIND range(1, 1000) AS x RETURN x", None).unwrap();
        std::thread::sleep(Duration::from_millis(300));
        r.next().unwrap().unwrap();
        r.next().unwrap().unwrap();
        assert!(wait_for_pulls(&stub, 2), "{:?}", stub.received());
    }
    let one = s.run("RETURN 1", None).unwrap().single().unwrap();
    assert_eq!(one.get::<i64, _>(0).unwrap(), 1);
    assert_eq!(metrics(&d), (0, 1));
    drop(s);
    stub.finish();
}

#[test]
fn committing_with_the_next_batch_on_its_way_discards_the_rest_first() {
    let stub = StubServer::start(&script(&format!(
        "C: BEGIN {{}}\n\
         S: SUCCESS {{}}\n\
         {}C: DISCARD {{\"n\": -1}}\n\
         S: SUCCESS {{}}\n\
         C: COMMIT\n\
         S: SUCCESS {{\"bookmark\": \"bm:1\"}}\n",
        two_batches_of_100("UNWIND range(1, 1000) AS x RETURN x", ", \"qid\": 0")
    )));
    let d = driver_with(&stub.uri(), |c| c.fetch_size(100));
    let mut s = d.session(SessionConfig::default()).unwrap();
    let mut tx = s.begin_transaction(&TransactionConfig::default()).unwrap();
    let mut r = tx.run("UNWIND range(1, 1000) AS x RETURN x", None).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    r.next().unwrap().unwrap();
    r.next().unwrap().unwrap();
    assert!(wait_for_pulls(&stub, 2), "{:?}", stub.received());
    drop(r);
    tx.commit().unwrap();
    assert_eq!(s.last_bookmarks(), vec!["bm:1".to_owned()]);
    drop(s);
    stub.finish();
}

#[test]
fn small_batches_are_pulled_only_when_asked_for() {
    // Below 64 records a batch, the next PULL waits for the reader.
    let stub = StubServer::start(&script(&format!(
        "C: RUN \"UNWIND range(1, 100) AS x RETURN x\" {{}} {{}}\n\
         C: PULL {{\"n\": 63}}\n\
         S: SUCCESS {{\"fields\": [\"x\"]}}\n{}\
         S: SUCCESS {{\"has_more\": true}}\n\
         C: DISCARD {{\"n\": -1}}\n\
         S: SUCCESS {{\"type\": \"r\"}}\n",
        records(1, 63)
    )));
    let d = driver_with(&stub.uri(), |c| c.fetch_size(63));
    let mut s = d.session(SessionConfig::default()).unwrap();
    let mut r = s.run("UNWIND range(1, 100) AS x RETURN x", None).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    for _ in 0..62 {
        r.next().unwrap().unwrap();
    }
    r.consume().unwrap();
    drop(s);
    stub.finish();
}

// ----- rows in blocks -----

#[test]
fn rows_come_in_blocks_after_the_records_already_read() {
    let stub = StubServer::start(&script(
        "C: RUN \"UNWIND range(1, 7) AS x RETURN x, x * 10 AS y\" {} {}\n\
         C: PULL {\"n\": 3}\n\
         S: SUCCESS {\"fields\": [\"x\", \"y\"]}\n\
         S: RECORD [1, 10]\nS: RECORD [2, 20]\nS: RECORD [3, 30]\n\
         S: SUCCESS {\"has_more\": true}\n\
         C: PULL {\"n\": 3}\n\
         S: RECORD [4, 40]\nS: RECORD [5, 50]\nS: RECORD [6, 60]\n\
         S: SUCCESS {\"has_more\": true}\n\
         C: PULL {\"n\": 3}\n\
         S: RECORD [7, 70]\n\
         S: SUCCESS {\"type\": \"r\"}\n",
    ));
    let d = driver_with(&stub.uri(), |c| c.fetch_size(3));
    let mut s = d.session(SessionConfig::default()).unwrap();
    let mut r = s
        .run("UNWIND range(1, 7) AS x RETURN x, x * 10 AS y", None)
        .unwrap();
    assert_eq!(r.next().unwrap().unwrap().get::<i64, _>("x").unwrap(), 1);
    assert_eq!(r.peek().unwrap().unwrap().get::<i64, _>("y").unwrap(), 20);
    let mut rows = boltc::Rows::new();
    assert!(r.next_rows(4, &mut rows).unwrap());
    assert_eq!(rows.keys(), ["x", "y"]);
    let got: Vec<Vec<Value>> = rows.iter().map(<[Value]>::to_vec).collect();
    let want: Vec<Vec<Value>> = (2..=5)
        .map(|i| vec![Value::Int(i), Value::Int(i * 10)])
        .collect();
    assert_eq!(got, want);
    assert!(!r.next_rows(4, &mut rows).unwrap());
    let got: Vec<Vec<Value>> = rows.iter().map(<[Value]>::to_vec).collect();
    assert_eq!(
        got,
        [
            vec![Value::Int(6), Value::Int(60)],
            vec![Value::Int(7), Value::Int(70)]
        ]
    );
    assert!(!r.next_rows(4, &mut rows).unwrap());
    assert!(rows.is_empty());
    drop(r);
    assert_eq!(metrics(&d), (0, 1));
    drop(s);
    stub.finish();
}

#[test]
fn rows_before_a_failure_are_returned_and_the_failure_comes_next() {
    let stub = StubServer::start(&script(
        "C: RUN \"RETURN 1 / x\" {} {}\n\
         C: PULL {\"n\": 1000}\n\
         S: SUCCESS {\"fields\": [\"v\"]}\n\
         S: RECORD [1]\n\
         S: RECORD [2]\n\
         S: FAILURE {\"code\": \"Neo.ClientError.Statement.ArithmeticError\", \"message\": \"/ by zero\"}\n\
         C: RESET\n\
         S: SUCCESS {}\n",
    ));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let mut r = s.run("RETURN 1 / x", None).unwrap();
    let mut rows = boltc::Rows::new();
    assert!(r.next_rows(10, &mut rows).unwrap());
    assert_eq!(rows.len(), 2);
    assert_eq!(rows.row(1), Some(&[Value::Int(2)][..]));
    let e = r.next_rows(10, &mut rows).unwrap_err();
    assert_eq!(
        e.server_code(),
        Some("Neo.ClientError.Statement.ArithmeticError"),
        "{e}"
    );
    assert!(rows.is_empty());
    drop(r);
    drop(s);
    stub.finish();
}

#[test]
fn a_transaction_whose_connection_died_does_not_block_the_next_one() {
    // First connection: the transaction's query is answered by a hang-up. Second: a new
    // transaction, begun without rolling the dead one back.
    let stub = StubServer::start(&format!(
        "!: CONNECTIONS 2\n{HELLO}\
         C: BEGIN {{}}\n\
         S: SUCCESS {{}}\n\
         ?{{\n\
         C: RUN \"RETURN 1\" {{}} {{}}\n\
         C: PULL {{\"n\": 1000}}\n\
         S: <EXIT>\n\
         }}\n\
         C: RUN \"RETURN 2\" {{}} {{}}\n\
         C: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{\"fields\": [\"x\"]}}\n\
         S: RECORD [2]\n\
         S: SUCCESS {{\"type\": \"r\"}}\n\
         C: COMMIT\n\
         S: SUCCESS {{}}\n"
    ));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    s.begin_detached(&TransactionConfig::default()).unwrap();
    let e = s.tx_run_detached("RETURN 1", None).unwrap_err();
    assert_kind(&e, ErrorKind::ServiceUnavailable);
    assert!(
        s.in_transaction(),
        "the dead transaction still answers (with its error)"
    );
    assert!(s.tx_run_detached("RETURN 1", None).is_err());
    s.begin_detached(&TransactionConfig::default()).unwrap();
    let r = s.tx_run_detached("RETURN 2", None).unwrap();
    assert_eq!(
        s.result_next(r).unwrap().unwrap().get::<i64, _>(0).unwrap(),
        2
    );
    s.commit_detached().unwrap();
    drop(s);
    stub.finish();
}

#[test]
fn a_record_that_does_not_decode_comes_after_the_rows_before_it_and_the_rest_follow() {
    // An unknown time zone makes a record undecodable on its own; the stream goes on.
    let stub = StubServer::start(&script(
        "C: RUN \"RETURN dt\" {} {}\n\
         C: PULL {\"n\": 1000}\n\
         S: SUCCESS {\"fields\": [\"dt\"]}\n\
         S: RECORD [1]\n\
         S: RECORD [@DateTimeZoneId[3600, 0, \"Europe/Neo4j\"]]\n\
         S: RECORD [3]\n\
         S: SUCCESS {\"type\": \"r\"}\n",
    ));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let mut r = s.run("RETURN dt", None).unwrap();
    let mut rows = boltc::Rows::new();
    assert!(r.next_rows(10, &mut rows).unwrap());
    assert_eq!(rows.len(), 1);
    assert_eq!(rows.row(0), Some(&[Value::Int(1)][..]));
    let e = r.next_rows(10, &mut rows).unwrap_err();
    assert_kind(&e, ErrorKind::Conversion);
    assert!(e.message().contains("Europe/Neo4j"), "{e}");
    assert!(!r.next_rows(10, &mut rows).unwrap());
    assert_eq!(rows.len(), 1);
    assert_eq!(rows.row(0), Some(&[Value::Int(3)][..]));
    drop(r);
    drop(s);
    stub.finish();
}

/// Issue 16 #12: parameters nested deeper than the encoder writes (100,000 lists) are an
/// `InvalidArgument` error, not a stack overflow; nothing was sent, and the session goes on.
/// (Run on a thread with a large stack: cloning and dropping such a value, in this test and in
/// the driver, recurse once per level too.)
#[test]
fn deeply_nested_parameters_are_refused() {
    let stub = StubServer::start(&script(
        "C: RUN \"RETURN 1 AS n\" {} {}\n\
         C: PULL {\"n\": 1000}\n\
         S: SUCCESS {\"fields\": [\"n\"]}\n\
         S: RECORD [1]\n\
         S: SUCCESS {\"type\": \"r\"}\n",
    ));
    let uri = stub.uri();
    std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(move || {
            let d = driver(&uri);
            let mut s = d.session(SessionConfig::default()).unwrap();
            let mut deep = Value::Int(1);
            for _ in 0..100_000 {
                deep = Value::List(vec![deep]);
            }
            let e = s
                .run("RETURN $x", params([("x", deep)]))
                .map(drop)
                .expect_err("the deep value was sent");
            assert_kind(&e, ErrorKind::InvalidArgument);
            assert!(e.to_string().contains("nested more than 128"), "{e}");
            let r = s.run("RETURN 1 AS n", None).unwrap().single().unwrap();
            assert_eq!(r.get::<i64, _>("n").unwrap(), 1);
            drop(s);
            d.close();
        })
        .unwrap()
        .join()
        .unwrap();
    stub.finish();
}

/// A session decodes each RUN and final reply into the maps of the last result it finished
/// unread (in place when the keys come again in the same order). Every summary and bookmark
/// must still be that of its own query: nothing of an earlier reply may show through, whether
/// the next reply has the same keys (refilled), other keys, more or fewer of them.
#[test]
fn each_summary_is_its_own_when_replies_are_decoded_into_the_last_ones() {
    use boltc::QueryType::{ReadWrite, Schema, Write};
    // (run reply, final reply, what the summary must say when it is read: query type,
    // nodes created, database; `None`: the result is read and dropped, leaving its maps)
    type Check = Option<(boltc::QueryType, i64, Option<&'static str>)>;
    let queries: [(&str, &str, Check); 6] = [
        (
            r#"{"fields": ["n"], "t_first": 11}"#,
            r#"{"bookmark": "bm:1", "type": "r", "t_last": 21, "db": "neo4j"}"#,
            None,
        ),
        // The same keys in the same order as the one before: refilled.
        (
            r#"{"fields": ["n"], "t_first": 12}"#,
            r#"{"bookmark": "bm:2", "type": "w", "t_last": 22, "db": "system"}"#,
            Some((Write, 0, Some("system"))),
        ),
        (
            r#"{"fields": ["n"], "t_first": 13}"#,
            r#"{"bookmark": "bm:3", "stats": {"nodes-created": 2}, "type": "rw", "t_last": 23, "db": "other"}"#,
            None,
        ),
        // Refilled, a nested map included; the bookmark the session already holds.
        (
            r#"{"fields": ["n"], "t_first": 14}"#,
            r#"{"bookmark": "bm:3", "stats": {"nodes-created": 5}, "type": "rw", "t_last": 24, "db": "neo4j"}"#,
            Some((ReadWrite, 5, Some("neo4j"))),
        ),
        (
            r#"{"fields": ["n"], "t_first": 15}"#,
            r#"{"bookmark": "bm:5", "stats": {"nodes-created": 7}, "type": "r", "t_last": 25, "db": "x"}"#,
            None,
        ),
        // Other keys, in another order, and fewer: decoded afresh.
        (
            r#"{"t_first": 16, "fields": ["n"]}"#,
            r#"{"type": "s", "bookmark": "bm:6"}"#,
            Some((Schema, 0, None)),
        ),
    ];
    let script_text: String = queries
        .iter()
        .enumerate()
        .map(|(i, (run, end, _))| {
            format!(
                "C: RUN \"RETURN {}\" {{}} {{..}}\n\
                 C: PULL {{\"n\": 1000}}\n\
                 S: SUCCESS {run}\n\
                 S: RECORD [{}]\n\
                 S: SUCCESS {end}\n",
                i + 1,
                i + 1
            )
        })
        .collect();
    let stub = StubServer::start(&script(&script_text));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    for (i, (_, end, check)) in queries.iter().enumerate() {
        let n = i as i64 + 1;
        let query = format!("RETURN {n}");
        let mut r = s.run(&query, None).unwrap();
        assert_eq!(r.next().unwrap().unwrap().get::<i64, _>("n").unwrap(), n);
        let bookmark = end
            .split("\"bm:")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        match check {
            None => {
                assert!(r.next().is_none());
                drop(r);
            }
            Some((query_type, created, db)) => {
                let sum = r.consume().unwrap();
                assert_eq!(sum.query, query);
                assert_eq!(sum.result_available_after, Some(10 + n), "query {n}");
                let consumed = (n < 6).then_some(20 + n);
                assert_eq!(sum.result_consumed_after, consumed, "query {n}");
                assert_eq!(sum.query_type, Some(*query_type), "query {n}");
                assert_eq!(sum.counters.nodes_created, *created, "query {n}");
                assert_eq!(sum.database.as_deref(), *db, "query {n}");
                assert_eq!(sum.bookmark, Some(format!("bm:{bookmark}")), "query {n}");
            }
        }
        assert_eq!(s.last_bookmarks(), [format!("bm:{bookmark}")]);
    }
}
