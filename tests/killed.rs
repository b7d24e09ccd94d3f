//! Surviving a connection the server closed (killed by `dbms.killConnection`, a restart, a
//! crash): mid-stream, mid-transaction, during COMMIT and while idle in the pool, against stub
//! servers behind a relay (connection 1 gets one script, later ones another), and FalkorDB
//! stopped during a stream and restarted.

mod common;
mod support;

use boltc::{ErrorKind, RetryPolicy, SessionConfig, TransactionConfig};
use common::{assert_kind, driver, driver_with};
use std::sync::Arc;
use std::time::Duration;
use support::{FalkorDb, Relay, StubServer};

fn hello(id: &str) -> String {
    format!(
        "!: BOLT 5.4\n!: AUTO RESET\n\
         C: HELLO {{\"user_agent\": \"MyClient/1.0\", ..}}\n\
         S: SUCCESS {{\"server\": \"Neo4j/5.4.0\", \"connection_id\": \"{id}\"}}\n\
         C: LOGON {{..}}\nS: SUCCESS {{}}\n"
    )
}
const BYE: &str = "?{\nC: GOODBYE\n}\n";

/// RUN `q` + PULL answered with records 1..=n and a final SUCCESS.
fn query(q: &str, n: i64) -> String {
    let records: String = (1..=n).map(|i| format!("S: RECORD [{i}]\n")).collect();
    format!(
        "C: RUN \"{q}\" {{}} {{}}\nC: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{\"fields\": [\"x\"]}}\n{records}S: SUCCESS {{\"type\": \"r\"}}\n"
    )
}

/// RUN `q` + PULL answered with two records, then the server closes the connection.
fn dies_mid_stream(q: &str) -> String {
    format!(
        "C: RUN \"{q}\" {{}} {{}}\nC: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{\"fields\": [\"x\"]}}\nS: RECORD [1]\nS: RECORD [2]\nS: <EXIT>\n"
    )
}

fn no_sleep_policy() -> RetryPolicy {
    RetryPolicy::new()
        .with_jitter(0.0)
        .with_sleeper(Arc::new(|_| {}))
}

#[test]
fn a_stream_cut_mid_way_fails_clearly_and_the_next_query_gets_a_new_connection() {
    let first = StubServer::start(&format!(
        "{}{}",
        hello("bolt-1"),
        dies_mid_stream("UNWIND range(1, 5) AS x RETURN x")
    ));
    let second = StubServer::start(&format!(
        "{}{}{BYE}",
        hello("bolt-2"),
        query("RETURN 1 AS x", 1)
    ));
    let relay = Relay::start(&[first.address(), second.address()]);
    let d = driver(&relay.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let mut stream = s.run("UNWIND range(1, 5) AS x RETURN x", None).unwrap();
    let mut got = Vec::new();
    let err = loop {
        match stream.next() {
            Some(Ok(r)) => got.push(r.get::<i64, _>("x").unwrap()),
            Some(Err(e)) => break e,
            None => panic!("the stream ended without an error"),
        }
    };
    drop(stream);
    assert_eq!(got, [1, 2]);
    assert_kind(&err, ErrorKind::ServiceUnavailable);
    assert!(err.is_retryable());
    let msg = err.to_string();
    assert!(msg.contains(&relay.address()), "names the server: {msg}");
    assert!(msg.contains("bolt-1"), "names the connection: {msg}");
    assert!(msg.contains("closed"), "says what happened: {msg}");
    // The dead connection is not pooled; the next query opens a new one.
    let idle: usize = d.pool_metrics().iter().map(|(_, m)| m.idle).sum();
    assert_eq!(idle, 0);
    let n: i64 = s
        .run("RETURN 1 AS x", None)
        .unwrap()
        .single()
        .unwrap()
        .get("x")
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(relay.connections(), 2);
    drop(s);
    d.close();
    first.finish();
    second.finish();
}

#[test]
fn execute_read_retries_on_a_new_connection_after_a_cut_stream() {
    let first = StubServer::start(&format!(
        "{}C: BEGIN {{\"mode\": \"r\"}}\nS: SUCCESS {{}}\n{}",
        hello("bolt-1"),
        dies_mid_stream("UNWIND range(1, 3) AS x RETURN x")
    ));
    let second = StubServer::start(&format!(
        "{}C: BEGIN {{\"mode\": \"r\"}}\nS: SUCCESS {{}}\n{}C: COMMIT\nS: SUCCESS {{\"bookmark\": \"bm:2\"}}\n{BYE}",
        hello("bolt-2"),
        query("UNWIND range(1, 3) AS x RETURN x", 3)
    ));
    let relay = Relay::start(&[first.address(), second.address()]);
    let d = driver_with(&relay.uri(), |c| c.retry_policy(no_sleep_policy()));
    let mut s = d.session(SessionConfig::default()).unwrap();
    let mut attempts = 0;
    let sum: i64 = s
        .execute_read(|tx| {
            attempts += 1;
            let mut total = 0;
            for r in tx.run("UNWIND range(1, 3) AS x RETURN x", None)? {
                total += r?.get::<i64, _>("x")?;
            }
            Ok(total)
        })
        .unwrap();
    assert_eq!((sum, attempts), (6, 2));
    assert_eq!(s.last_bookmarks(), ["bm:2"]);
    drop(s);
    d.close();
    first.finish();
    second.finish();
}

#[test]
fn a_transaction_cut_mid_way_fails_and_cannot_commit() {
    let first = StubServer::start(&format!(
        "{}C: BEGIN {{}}\nS: SUCCESS {{}}\n{}C: RUN \"RETURN 2 AS x\" {{}} {{}}\nC: PULL {{\"n\": 1000}}\nS: <EXIT>\n",
        hello("bolt-1"),
        query("RETURN 1 AS x", 1)
    ));
    let second = StubServer::start(&format!(
        "{}{}{BYE}",
        hello("bolt-2"),
        query("RETURN 3 AS x", 1)
    ));
    let relay = Relay::start(&[first.address(), second.address()]);
    let d = driver(&relay.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let mut tx = s.begin_transaction(&TransactionConfig::default()).unwrap();
    assert_eq!(tx.connection_info().unwrap().connection_id, "bolt-1");
    tx.run("RETURN 1 AS x", None).unwrap().consume().unwrap();
    let e = tx.run("RETURN 2 AS x", None).err().expect("the RUN fails");
    assert_kind(&e, ErrorKind::ServiceUnavailable);
    assert!(e.to_string().contains("bolt-1"), "{e}");
    assert_eq!(tx.connection_info(), None, "the connection is gone");
    let e = tx.commit().unwrap_err();
    assert_kind(&e, ErrorKind::ServiceUnavailable);
    let n: i64 = s
        .run("RETURN 3 AS x", None)
        .unwrap()
        .single()
        .unwrap()
        .get("x")
        .unwrap();
    assert_eq!(n, 1);
    drop(s);
    d.close();
    first.finish();
    second.finish();
}

#[test]
fn a_connection_lost_during_commit_is_an_incomplete_commit() {
    let first = StubServer::start(&format!(
        "{}C: BEGIN {{}}\nS: SUCCESS {{}}\n{}C: COMMIT\nS: <EXIT>\n",
        hello("bolt-1"),
        query("RETURN 1 AS x", 1)
    ));
    let d = driver(&first.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let mut tx = s.begin_transaction(&TransactionConfig::default()).unwrap();
    tx.run("RETURN 1 AS x", None).unwrap().consume().unwrap();
    let e = tx.commit().unwrap_err();
    assert_kind(&e, ErrorKind::IncompleteCommit);
    assert!(!e.is_retryable());
    drop(s);
    d.close();
    first.finish();
}

/// Connection 1 serves one query, then the server closes it while it sits in the pool.
fn killed_while_idle() -> StubServer {
    StubServer::start(&format!(
        "{}{}S: <EXIT>\n",
        hello("bolt-1"),
        query("RETURN 1 AS x", 1)
    ))
}

fn wait_until_closed(stub: StubServer) {
    stub.finish(); // returns once connection 1 played its script out (and closed)
    std::thread::sleep(Duration::from_millis(50));
}

#[test]
fn a_connection_killed_while_idle_is_replaced_without_an_error() {
    let first = killed_while_idle();
    let second = StubServer::start(&format!(
        "{}{}{BYE}",
        hello("bolt-2"),
        query("RETURN 2 AS x", 1)
    ));
    let relay = Relay::start(&[first.address(), second.address()]);
    let d = driver(&relay.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    s.run("RETURN 1 AS x", None).unwrap().consume().unwrap();
    wait_until_closed(first);
    let mut stream = s.run("RETURN 2 AS x", None).unwrap();
    assert_eq!(
        stream.next().unwrap().unwrap().get::<i64, _>("x").unwrap(),
        1
    );
    let summary = stream.consume().unwrap();
    assert_eq!(summary.server.connection_id, "bolt-2");
    assert_eq!(relay.connections(), 2);
    drop(s);
    d.close();
    second.finish();
}

#[test]
fn a_transaction_on_a_connection_killed_while_idle_begins_again_elsewhere() {
    let first = killed_while_idle();
    let second = StubServer::start(&format!(
        "{}C: BEGIN {{}}\nS: SUCCESS {{}}\n{}C: COMMIT\nS: SUCCESS {{\"bookmark\": \"bm:3\"}}\n{BYE}",
        hello("bolt-2"),
        query("RETURN 3 AS x", 1)
    ));
    let relay = Relay::start(&[first.address(), second.address()]);
    let d = driver(&relay.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    s.run("RETURN 1 AS x", None).unwrap().consume().unwrap();
    wait_until_closed(first);
    let mut tx = s.begin_transaction(&TransactionConfig::default()).unwrap();
    let n: i64 = tx
        .run("RETURN 3 AS x", None)
        .unwrap()
        .single()
        .unwrap()
        .get("x")
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(tx.connection_info().unwrap().connection_id, "bolt-2");
    tx.commit().unwrap();
    assert_eq!(s.last_bookmarks(), ["bm:3"]);
    drop(s);
    d.close();
    second.finish();
}

#[test]
fn an_eager_begin_on_a_connection_killed_while_idle_begins_again_elsewhere() {
    let first = killed_while_idle();
    let second = StubServer::start(&format!(
        "{}C: BEGIN {{}}\nS: SUCCESS {{}}\nC: ROLLBACK\nS: SUCCESS {{}}\n{BYE}",
        hello("bolt-2"),
    ));
    let relay = Relay::start(&[first.address(), second.address()]);
    let d = driver(&relay.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    s.run("RETURN 1 AS x", None).unwrap().consume().unwrap();
    wait_until_closed(first);
    s.begin_detached(&TransactionConfig::default()).unwrap();
    assert_eq!(s.connection_info().unwrap().connection_id, "bolt-2");
    s.rollback_detached().unwrap();
    drop(s);
    d.close();
    second.finish();
}

#[test]
fn a_reused_connection_that_dies_after_replying_is_not_resent() {
    // Connection 1 answers the second RUN, then dies: the query must fail, not run twice.
    let first = StubServer::start(&format!(
        "{}{}C: RUN \"RETURN 2 AS x\" {{}} {{}}\nC: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{\"fields\": [\"x\"]}}\nS: <EXIT>\n",
        hello("bolt-1"),
        query("RETURN 1 AS x", 1)
    ));
    let relay = Relay::start(&[first.address()]);
    let d = driver(&relay.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    s.run("RETURN 1 AS x", None).unwrap().consume().unwrap();
    let e = s.run("RETURN 2 AS x", None).unwrap().consume().unwrap_err();
    assert_kind(&e, ErrorKind::ServiceUnavailable);
    assert_eq!(relay.connections(), 1, "nothing was sent again");
    drop(s);
    d.close();
    first.finish();
}

#[test]
fn falkordb_stopped_during_a_stream_then_restarted() {
    let Some(mut db) = FalkorDb::start() else {
        return;
    };
    let d = boltc::Driver::new(
        boltc::Config::builder(&db.bolt_uri())
            .auth(boltc::AuthToken::basic("falkordb", ""))
            .connection_timeout(Duration::from_secs(3))
            .read_timeout(Some(Duration::from_secs(10)))
            .fetch_size(10)
            .retry_policy(RetryPolicy::new().with_initial_delay(Duration::from_millis(200)))
            .max_transaction_retry_time(Duration::from_secs(20))
            .build()
            .unwrap(),
    )
    .unwrap();
    let mut s = d.session(SessionConfig::default()).unwrap();
    // FalkorDB streams everything after the first PULL: stop it after reading a few records;
    // the rest may be buffered in the socket, so read until the error shows.
    let mut stream = s
        .run("UNWIND range(1, 200000) AS x RETURN x", None)
        .unwrap();
    for _ in 0..3 {
        stream.next().unwrap().unwrap();
    }
    db.stop();
    let err = loop {
        match stream.next() {
            Some(Ok(_)) => {}
            Some(Err(e)) => break Some(e),
            None => break None,
        }
    };
    drop(stream);
    if let Some(e) = err {
        assert_kind(&e, ErrorKind::ServiceUnavailable);
        assert!(e.to_string().contains(&db.bolt_address()), "{e}");
    } else {
        eprintln!("the whole result had arrived before the server stopped");
    }
    // While it is down: a clear, retryable error, not a hang.
    let e = s
        .run("RETURN 1 AS x", None)
        .err()
        .expect("the server is down");
    assert!(e.is_retryable(), "{e:?}");
    db.restart();
    let n: i64 = s
        .execute_read(|tx| tx.run("RETURN 41 + 1 AS x", None)?.single()?.get("x"))
        .unwrap();
    assert_eq!(n, 42);
    drop(s);
    d.close();
}
