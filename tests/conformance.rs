//! Regression tests for behaviour the TestKit conformance suite pins down: summaries
//! (notifications, GQL status objects, query types), notification filters, and results used
//! after their scope ended.

mod common;
mod support;

use boltc::packstream::Dialect;
use boltc::{
    AccessMode, Classification, DateTime, ErrorKind, NotificationFilter, SessionConfig, Severity,
    Value,
};
use common::{assert_kind, body, driver, driver_with, framed, params};
use support::StubServer;

fn hello(version: &str, server: &str) -> String {
    let logon = if version.starts_with('5') {
        "C: LOGON {..}\nS: SUCCESS {}\n"
    } else {
        ""
    };
    format!(
        "!: BOLT {version}\n!: AUTO RESET\n\
         C: HELLO {{..}}\n\
         S: SUCCESS {{\"server\": \"{server}\", \"connection_id\": \"bolt-1\"}}\n{logon}"
    )
}

#[test]
fn driver_notification_filter_goes_with_hello_only() {
    let stub = StubServer::start(
        "!: BOLT 5.2\n!: AUTO RESET\n\
         C: HELLO {\"user_agent\": *, \
                   \"notifications_minimum_severity\": \"WARNING\", \
                   \"notifications_disabled_categories\": [\"HINT\"]}\n\
         S: SUCCESS {\"server\": \"Neo4j/5.2.0\", \"connection_id\": \"bolt-1\"}\n\
         C: LOGON {..}\nS: SUCCESS {}\n\
         C: RUN \"RETURN 1\" {} {}\n\
         C: PULL {\"n\": 1000}\n\
         S: SUCCESS {\"fields\": [\"n\"]}\n\
         S: SUCCESS {\"type\": \"r\"}\n\
         C: BEGIN {}\nS: SUCCESS {}\n\
         C: RUN \"RETURN 1\" {} {}\n\
         C: PULL {\"n\": 1000}\n\
         S: SUCCESS {\"fields\": [\"n\"]}\n\
         S: SUCCESS {\"type\": \"r\"}\n\
         C: COMMIT\nS: SUCCESS {}\n",
    );
    let d = driver_with(&stub.uri(), |b| {
        b.notification_filter(NotificationFilter {
            minimum_severity: Some("WARNING".into()),
            disabled_categories: Some(vec!["HINT".into()]),
        })
    });
    let mut s = d.session(SessionConfig::default()).unwrap();
    s.run("RETURN 1", None).unwrap().consume().unwrap();
    let mut tx = s.begin_transaction(&Default::default()).unwrap();
    tx.run("RETURN 1", None).unwrap().consume().unwrap();
    tx.commit().unwrap();
    drop(s);
    stub.finish();
}

#[test]
fn session_notification_filter_goes_with_run_and_begin() {
    let stub = StubServer::start(
        "!: BOLT 5.2\n!: AUTO RESET\n\
         C: HELLO {\"user_agent\": *}\n\
         S: SUCCESS {\"server\": \"Neo4j/5.2.0\", \"connection_id\": \"bolt-1\"}\n\
         C: LOGON {..}\nS: SUCCESS {}\n\
         C: RUN \"RETURN 1\" {} {\"notifications_minimum_severity\": \"OFF\"}\n\
         C: PULL {\"n\": 1000}\n\
         S: SUCCESS {\"fields\": [\"n\"]}\n\
         S: SUCCESS {\"type\": \"r\"}\n\
         C: BEGIN {\"notifications_minimum_severity\": \"OFF\"}\nS: SUCCESS {}\n\
         C: RUN \"RETURN 1\" {} {}\n\
         C: PULL {\"n\": 1000}\n\
         S: SUCCESS {\"fields\": [\"n\"]}\n\
         S: SUCCESS {\"type\": \"r\"}\n\
         C: COMMIT\nS: SUCCESS {}\n",
    );
    let d = driver(&stub.uri());
    let mut s = d
        .session(SessionConfig {
            notifications: NotificationFilter {
                minimum_severity: Some("OFF".into()),
                disabled_categories: None,
            },
            ..SessionConfig::default()
        })
        .unwrap();
    s.run("RETURN 1", None).unwrap().consume().unwrap();
    let mut tx = s.begin_transaction(&Default::default()).unwrap();
    tx.run("RETURN 1", None).unwrap().consume().unwrap();
    tx.commit().unwrap();
    drop(s);
    stub.finish();
}

#[test]
fn notifications_before_5_6_are_taken_as_sent() {
    let stub = StubServer::start(&format!(
        "{}C: RUN \"RETURN 1\" {{}} {{}}\n\
         C: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{\"fields\": [\"n\"]}}\n\
         S: SUCCESS {{\"type\": \"r\", \"notifications\": [{{\"severity\": \"ANYTHING\", \
            \"code\": \"Neo.ClientNotification.X\", \"title\": \"t\", \"description\": \"d\", \
            \"category\": \"GENERIC\"}}]}}\n",
        hello("4.4", "Neo4j/4.4.0")
    ));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let sum = s.run("RETURN 1", None).unwrap().consume().unwrap();
    assert_eq!(sum.notifications.len(), 1);
    let n = &sum.notifications[0];
    assert_eq!(
        (n.code.as_str(), n.severity.as_str()),
        ("Neo.ClientNotification.X", "ANYTHING")
    );
    assert_eq!(n.severity_level(), Severity::Unknown);
    assert_eq!(n.category_level(), Classification::Generic);
    assert!(n.position.is_none());
    // The status objects a 5.6 server would have sent: no record came back ("no data"), and the
    // notification (not a WARNING) as an informational status.
    let codes: Vec<&str> = sum
        .gql_status_objects
        .iter()
        .map(|g| g.gql_status.as_str())
        .collect();
    assert_eq!(codes, ["02000", "03N42"]);
    let info = &sum.gql_status_objects[1];
    assert!(info.is_notification);
    assert_eq!(info.status_description, "d");
    assert_eq!(info.raw_severity.as_deref(), Some("ANYTHING"));
    assert_eq!(info.classification(), Classification::Generic);
    drop(s);
    stub.finish();
}

/// Before 5.6 the outcome status depends on whether records came back, whether they were read
/// (`single`) or dropped unread (`consume`).
#[test]
fn status_objects_before_5_6_follow_the_records_and_the_notifications() {
    for consume in [false, true] {
        let stub = StubServer::start(&format!(
            "{}C: RUN \"RETURN 1\" {{}} {{}}\n\
             C: PULL {{\"n\": 1000}}\n\
             S: SUCCESS {{\"fields\": [\"n\"]}}\n\
             S: RECORD [1]\n\
             S: SUCCESS {{\"type\": \"r\", \"notifications\": [{{\"severity\": \"WARNING\", \
                \"code\": \"Neo.ClientNotification.X\", \"title\": \"t\", \
                \"category\": \"HINT\", \"position\": {{\"line\": 1, \"column\": 2, \"offset\": 1}}}}]}}\n",
            hello("4.4", "Neo4j/4.4.0")
        ));
        let d = driver(&stub.uri());
        let mut s = d.session(SessionConfig::default()).unwrap();
        let mut r = s.run("RETURN 1", None).unwrap();
        if !consume {
            r.next().unwrap().unwrap();
        }
        let sum = r.consume().unwrap();
        let codes: Vec<&str> = sum
            .gql_status_objects
            .iter()
            .map(|g| g.gql_status.as_str())
            .collect();
        assert_eq!(codes, ["01N42", "00000"], "consume: {consume}");
        let warn = &sum.gql_status_objects[0];
        assert_eq!(warn.status_description, "warn: unknown warning");
        assert_eq!(warn.severity(), Severity::Warning);
        assert_eq!(warn.classification(), Classification::Hint);
        assert!(warn.position.is_some());
        assert!(!sum.gql_status_objects[1].is_notification);
        drop(s);
        stub.finish();
    }
}

#[test]
fn status_objects_from_5_6_with_diagnostic_defaults_and_derived_notifications() {
    let stub = StubServer::start(&format!(
        "{}C: RUN \"RETURN 1\" {{}} {{}}\n\
         C: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{\"fields\": [\"n\"]}}\n\
         S: SUCCESS {{\"type\": \"r\", \"statuses\": [\
            {{\"gql_status\": \"02000\", \"status_description\": \"note: no data\"}}, \
            {{\"gql_status\": \"01N01\", \"status_description\": \"warn: x\", \
              \"neo4j_code\": \"Neo.ClientNotification.Foo\", \"title\": \"t\", \
              \"description\": \"d\", \"diagnostic_record\": {{\"OPERATION\": \"OP\", \
              \"_severity\": \"WARNING\", \"_classification\": \"HINT\", \
              \"_position\": {{\"offset\": 1, \"line\": 2, \"column\": 3}}}}}}]}}\n",
        hello("5.6", "Neo4j/5.6.0")
    ));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let sum = s.run("RETURN 1", None).unwrap().consume().unwrap();
    assert_eq!(sum.gql_status_objects.len(), 2);
    let no_data = &sum.gql_status_objects[0];
    assert_eq!(no_data.gql_status, "02000");
    assert!(!no_data.is_notification);
    assert_eq!(no_data.severity(), Severity::Unknown);
    assert_eq!(no_data.raw_severity, None);
    let rec = &no_data.diagnostic_record;
    assert_eq!(rec.get("OPERATION").and_then(|v| v.as_str()), Some(""));
    assert_eq!(
        rec.get("OPERATION_CODE").and_then(|v| v.as_str()),
        Some("0")
    );
    assert_eq!(
        rec.get("CURRENT_SCHEMA").and_then(|v| v.as_str()),
        Some("/")
    );
    let warn = &sum.gql_status_objects[1];
    assert!(warn.is_notification);
    assert_eq!(warn.classification(), Classification::Hint);
    assert_eq!(
        warn.diagnostic_record
            .get("OPERATION")
            .and_then(|v| v.as_str()),
        Some("OP")
    );
    assert!(warn.position.is_some());
    assert_eq!(
        sum.notifications.len(),
        1,
        "only status objects with a neo4j_code"
    );
    let n = &sum.notifications[0];
    assert_eq!(
        (n.code.as_str(), n.title.as_str(), n.description.as_str()),
        ("Neo.ClientNotification.Foo", "t", "d")
    );
    assert_eq!(n.severity_level(), Severity::Warning);
    assert_eq!(n.category.as_deref(), Some("HINT"));
    assert_eq!(n.position, warn.position);
    drop(s);
    stub.finish();
}

#[test]
fn an_unknown_query_type_is_a_protocol_error() {
    let stub = StubServer::start(&format!(
        "{}C: RUN \"RETURN 1\" {{}} {{}}\n\
         C: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{\"fields\": [\"n\"]}}\n\
         S: RECORD [1]\n\
         S: SUCCESS {{\"type\": \"wr\"}}\n",
        hello("4.4", "Neo4j/4.4.0")
    ));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let e = s.run("RETURN 1", None).unwrap().consume().unwrap_err();
    assert_kind(&e, ErrorKind::Protocol);
    assert!(e.message().contains("wr"), "{e}");
    drop(s);
    stub.finish();
}

#[test]
fn a_detached_begin_can_override_the_access_mode() {
    let stub = StubServer::start(&format!(
        "{}C: BEGIN {{\"mode\": \"r\"}}\nS: SUCCESS {{}}\nC: COMMIT\nS: SUCCESS {{}}\n\
         C: BEGIN {{}}\nS: SUCCESS {{}}\nC: COMMIT\nS: SUCCESS {{}}\n",
        hello("4.4", "Neo4j/4.4.0")
    ));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    s.begin_detached_in_mode(&Default::default(), AccessMode::Read)
        .unwrap();
    s.commit_detached().unwrap();
    let mut s = d
        .session(SessionConfig {
            default_access_mode: AccessMode::Read,
            ..SessionConfig::default()
        })
        .unwrap();
    s.begin_detached_in_mode(&Default::default(), AccessMode::Write)
        .unwrap();
    s.commit_detached().unwrap();
    assert_eq!(s.config().default_access_mode, AccessMode::Read);
    drop(s);
    stub.finish();
}

#[test]
fn bolt4_4_utc_patch_switches_datetimes_to_the_utc_forms() {
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
        "!: BOLT 4.4\n\
         C: HELLO {{\"user_agent\": *, \"scheme\": *, \"principal\": *, \"credentials\": *, \
                   \"patch_bolt\": [\"utc\"]}}\n\
         S: SUCCESS {{\"server\": \"Neo4j/4.4.0\", \"connection_id\": \"bolt-1\", \
                   \"patch_bolt\": [\"utc\"]}}\n\
         C: <RAW> {}\n\
         C: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{\"fields\": [\"t\", \"z\"]}}\n\
         S: RECORD [@DateTime[1704161045, 7, 3600], @DateTimeZoneId[1704161045, 0, \"Europe/Stockholm\"]]\n\
         S: SUCCESS {{}}\n",
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
    let Some(Value::DateTimeZoneId(z)) = rec.value("z") else {
        panic!("{rec:?}")
    };
    assert_eq!(
        (z.seconds, z.tz_id.as_str()),
        (1_704_161_045, "Europe/Stockholm")
    );
    drop(s);
    stub.finish();
}

/// A zoned datetime in a zone the driver's zone database does not know fails its own record,
/// in the legacy form (4.4) and in the UTC form (5.x) alike; the next record is fine.
#[test]
fn a_datetime_in_an_unknown_zone_fails_its_record_only() {
    let cases = [
        (
            hello("4.4", "Neo4j/4.4.0"),
            "@LegacyDateTimeZoneId[3600, 0, \"Europe/Neo4j\"]",
            "@LegacyDateTime[5400, 0, 1800]",
        ),
        (
            hello("5.1", "Neo4j/5.1.0"),
            "@DateTimeZoneId[3600, 0, \"Europe/Neo4j\"]",
            "@DateTime[3600, 0, 1800]",
        ),
    ];
    for (hello, unknown, known) in cases {
        let stub = StubServer::start(&format!(
            "{hello}C: BEGIN {{}}\nS: SUCCESS {{}}\n\
             C: RUN \"RETURN 1\" {{}} {{}}\n\
             C: PULL {{\"n\": 1000}}\n\
             S: SUCCESS {{\"fields\": [\"dt\"]}}\n\
             S: RECORD [{unknown}]\n\
             S: RECORD [{known}]\n\
             S: SUCCESS {{\"type\": \"r\"}}\n\
             C: COMMIT\nS: SUCCESS {{}}\n"
        ));
        let d = driver(&stub.uri());
        let mut s = d.session(SessionConfig::default()).unwrap();
        let mut tx = s.begin_transaction(&Default::default()).unwrap();
        let mut r = tx.run("RETURN 1", None).unwrap();
        let e = r.peek().unwrap_err();
        assert_kind(&e, ErrorKind::Conversion);
        assert!(e.message().contains("Europe/Neo4j"), "{e}");
        let e = r.next().unwrap().unwrap_err();
        assert!(
            e.message().contains("Europe/Neo4j"),
            "peek kept the error: {e}"
        );
        let rec = r.next().unwrap().unwrap();
        assert_eq!(
            rec.value("dt"),
            Some(&Value::DateTime(DateTime {
                seconds: 3600,
                nanoseconds: 0,
                tz_offset_seconds: 1800,
            })),
            "{unknown}"
        );
        assert!(r.next().is_none());
        drop(r);
        tx.commit().unwrap();
        drop(s);
        stub.finish();
    }
}

#[test]
fn results_are_out_of_scope_once_their_transaction_ended() {
    for end in ["COMMIT", "ROLLBACK"] {
        let stub = StubServer::start(&format!(
            "{}C: BEGIN {{}}\nS: SUCCESS {{}}\n\
             C: RUN \"RETURN 1 AS n\" {{}} {{}}\n\
             C: PULL {{\"n\": 2}}\n\
             S: SUCCESS {{\"fields\": [\"n\"]}}\n\
             S: RECORD [1]\nS: RECORD [2]\nS: SUCCESS {{\"has_more\": true}}\n\
             C: DISCARD {{\"n\": -1}}\nS: SUCCESS {{\"type\": \"r\"}}\n\
             C: {end}\nS: SUCCESS {{}}\n",
            hello("4.4", "Neo4j/4.4.0")
        ));
        let d = driver_with(&stub.uri(), |b| b.fetch_size(2));
        let mut s = d.session(SessionConfig::default()).unwrap();
        s.begin_detached(&Default::default()).unwrap();
        let id = s.tx_run_detached("RETURN 1 AS n", None).unwrap();
        if end == "COMMIT" {
            s.commit_detached().unwrap();
        } else {
            s.rollback_detached().unwrap();
        }
        let e = s.result_next(id).unwrap_err();
        assert_kind(&e, ErrorKind::ResultConsumed);
        let e = s.result_peek(id).unwrap_err();
        assert_kind(&e, ErrorKind::ResultConsumed);
        drop(s);
        stub.finish();
    }
}

#[test]
fn closing_a_session_discards_unfinished_results_and_rolls_back() {
    for touch in [true, false] {
        let stub = StubServer::start(&format!(
            "{}C: BEGIN {{\"mode\": \"r\"}}\nS: SUCCESS {{}}\n\
             C: RUN \"RETURN 1 AS n\" {{}} {{}}\n\
             C: PULL {{\"n\": 2}}\n\
             S: SUCCESS {{\"fields\": [\"n\"]}}\n\
             S: RECORD [1]\nS: RECORD [2]\nS: SUCCESS {{\"type\": \"r\", \"has_more\": true}}\n\
             C: DISCARD {{\"n\": -1}}\nS: SUCCESS {{}}\n\
             C: ROLLBACK\nS: SUCCESS {{}}\n",
            hello("4.4", "Neo4j/4.4.0")
        ));
        let d = driver(&stub.uri());
        let mut s = d
            .session(SessionConfig {
                default_access_mode: AccessMode::Read,
                fetch_size: Some(2),
                ..SessionConfig::default()
            })
            .unwrap();
        s.begin_detached(&Default::default()).unwrap();
        let id = s.tx_run_detached("RETURN 1 AS n", None).unwrap();
        if touch {
            assert!(s.result_next(id).unwrap().is_some());
        }
        s.close().unwrap();
        assert_eq!(
            d.pool_metrics()[0].1.idle,
            1,
            "the connection went back clean"
        );
        stub.finish();
    }
}

#[test]
fn a_failure_in_a_transaction_ends_its_other_results_without_pull_or_discard() {
    let stub = StubServer::start(
        "!: BOLT 4.4\n\
         C: HELLO {..}\n\
         S: SUCCESS {\"server\": \"Neo4j/4.4.0\", \"connection_id\": \"bolt-1\"}\n\
         C: BEGIN {}\nS: SUCCESS {}\n\
         C: RUN \"RETURN 1 AS n\" {} {}\n\
         C: PULL {\"n\": 2}\n\
         S: SUCCESS {\"fields\": [\"n\"], \"qid\": 1}\n\
         S: RECORD [1]\nS: RECORD [2]\nS: SUCCESS {\"has_more\": true}\n\
         C: RUN \"invalid\" {} {}\n\
         C: PULL {\"n\": 2}\n\
         S: FAILURE {\"code\": \"Neo.ClientError.Statement.SyntaxError\", \"message\": \"Invalid input\"}\n\
         S: IGNORED\n\
         C: RESET\nS: SUCCESS {}\n\
         ?{\nC: GOODBYE\n}\n",
    );
    let d = driver_with(&stub.uri(), |b| b.fetch_size(2));
    let mut s = d.session(SessionConfig::default()).unwrap();
    s.begin_detached(&Default::default()).unwrap();
    let res = s.tx_run_detached("RETURN 1 AS n", None).unwrap();
    assert!(s.result_next(res).unwrap().is_some());
    let e = s.tx_run_detached("invalid", None).unwrap_err();
    assert_eq!(
        e.server_code(),
        Some("Neo.ClientError.Statement.SyntaxError")
    );
    // The record already received is still there; then the transaction's failure.
    assert!(s.result_next(res).unwrap().is_some());
    let again = s.result_next(res).unwrap_err();
    assert_eq!(again.server_code(), e.server_code());
    let again = s.result_consume(res).unwrap_err();
    assert_eq!(again.server_code(), e.server_code());
    s.rollback_detached().unwrap();
    s.close().unwrap();
    d.close();
    stub.finish();
}
