//! Transaction functions, retries with an injected (deterministic) backoff, bookmark managers.

mod support;

use boltc::{
    AccessMode, BookmarkManager, Config, DefaultBookmarkManager, Driver, ErrorKind, QueryConfig,
    RetryPolicy, SessionConfig,
};
use parking_lot::Mutex;
use std::sync::Arc;
use std::time::Duration;
use support::StubServer;

const HEADER: &str = "!: BOLT 5.0\n!: AUTO RESET\nC: HELLO {\"user_agent\": \"*\", ..}\n\
    S: SUCCESS {\"server\": \"Neo4j/5.0.0\", \"connection_id\": \"bolt-1\"}\n";
const BYE: &str = "?{\nC: GOODBYE\n}\n";

/// BEGIN + RUN + PULL where the RUN fails with `code`.
fn failing_tx(begin: &str, code: &str) -> String {
    format!(
        "C: BEGIN {begin}\nS: SUCCESS {{}}\nC: RUN \"RETURN 1 AS n\" {{}} {{}}\n\
         S: FAILURE {{\"code\": \"{code}\", \"message\": \"m\"}}\nC: PULL {{\"n\": 1000}}\nS: IGNORED\n\
         C: RESET\nS: SUCCESS {{}}\n"
    )
}

/// BEGIN + RUN + PULL + COMMIT that succeeds with bookmark `bm`.
fn good_tx(begin: &str, bm: &str) -> String {
    format!(
        "C: BEGIN {begin}\nS: SUCCESS {{}}\nC: RUN \"RETURN 1 AS n\" {{}} {{}}\n\
         S: SUCCESS {{\"fields\": [\"n\"]}}\nC: PULL {{\"n\": 1000}}\nS: RECORD [1]\n\
         S: SUCCESS {{\"type\": \"r\"}}\nC: COMMIT\nS: SUCCESS {{\"bookmark\": \"{bm}\"}}\n"
    )
}

/// A driver whose retries record their delays instead of sleeping.
fn driver(uri: &str) -> (Driver, Arc<Mutex<Vec<Duration>>>) {
    let delays = Arc::new(Mutex::new(Vec::new()));
    let d = delays.clone();
    let policy = RetryPolicy::new()
        .with_jitter(0.0)
        .with_sleeper(Arc::new(move |t| d.lock().push(t)));
    let config = Config::builder(uri)
        .retry_policy(policy)
        .max_transaction_retry_time(Duration::from_secs(5))
        .connection_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    (Driver::new(config).unwrap(), delays)
}

fn return_one(tx: &mut boltc::ManagedTransaction<'_>) -> boltc::Result<i64> {
    tx.run("RETURN 1 AS n", None)?.single()?.get::<i64, _>("n")
}

#[test]
fn transient_errors_are_retried_with_backoff() {
    let stub = StubServer::start(&format!(
        "{HEADER}{}{}{}{BYE}",
        failing_tx("{}", "Neo.TransientError.General.TemporarilyUnavailable"),
        failing_tx("{}", "Neo.TransientError.General.TemporarilyUnavailable"),
        good_tx("{}", "bm:1")
    ));
    let (d, delays) = driver(&stub.uri());
    let mut session = d.session(SessionConfig::default()).unwrap();
    let mut attempts = 0;
    let n = session
        .execute_write(|tx| {
            attempts += 1;
            return_one(tx)
        })
        .unwrap();
    assert_eq!((n, attempts), (1, 3));
    assert_eq!(
        *delays.lock(),
        [Duration::from_secs(1), Duration::from_secs(2)]
    );
    assert_eq!(session.last_bookmarks(), ["bm:1"]);
    drop(session);
    d.close();
    stub.finish();
}

#[test]
fn client_errors_are_not_retried() {
    let stub = StubServer::start(&format!(
        "{HEADER}{}{BYE}",
        failing_tx("{}", "Neo.ClientError.Statement.SyntaxError")
    ));
    let (d, delays) = driver(&stub.uri());
    let mut session = d.session(SessionConfig::default()).unwrap();
    let mut attempts = 0;
    let err = session
        .execute_write(|tx| {
            attempts += 1;
            return_one(tx)
        })
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ClientError);
    assert_eq!(attempts, 1);
    assert!(delays.lock().is_empty());
    drop(session);
    d.close();
    stub.finish();
}

#[test]
fn retrying_stops_after_the_max_retry_time() {
    let stub = StubServer::start(&format!(
        "{HEADER}*{{\n{}}}\n{BYE}",
        failing_tx(
            r#"{"mode": "r"}"#,
            "Neo.TransientError.General.TemporarilyUnavailable"
        )
    ));
    let (d, delays) = driver(&stub.uri());
    let mut session = d.session(SessionConfig::default()).unwrap();
    let err = session.execute_read(return_one).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TransientError);
    // 1 + 2 + 4 s of (virtual) waiting passes the 5 s limit.
    let secs: Vec<u64> = delays.lock().iter().map(Duration::as_secs).collect();
    assert_eq!(secs, [1, 2, 4]);
    drop(session);
    d.close();
    stub.finish();
}

#[test]
fn a_moved_writer_is_dropped_and_the_work_retried_on_the_new_one() {
    let w1 = StubServer::start(&format!(
        "{HEADER}{}{BYE}",
        failing_tx(r#"{"db": "neo4j"}"#, "Neo.ClientError.Cluster.NotALeader")
    ));
    let w2 = StubServer::start(&format!(
        "{HEADER}{}{BYE}",
        good_tx(r#"{"db": "neo4j"}"#, "bm:2")
    ));
    let route = |w: &str| {
        format!(
            "C: ROUTE {{\"address\": \"*\"}} [] {{\"db\": \"neo4j\"}}\nS: SUCCESS {{\"rt\": {{\"ttl\": 300, \
             \"db\": \"neo4j\", \"servers\": [{{\"addresses\": [\"x:1\"], \"role\": \"ROUTE\"}}, \
             {{\"addresses\": [\"x:2\"], \"role\": \"READ\"}}, {{\"addresses\": [\"{w}\"], \"role\": \"WRITE\"}}]}}}}\n"
        )
    };
    let router = StubServer::start(&format!(
        "{HEADER}{}{}{BYE}",
        route(&w1.address()),
        route(&w2.address())
    ));
    let (d, delays) = driver(&format!("neo4j://{}", router.address()));
    let mut session = d.session(SessionConfig::database("neo4j")).unwrap();
    let mut attempts = 0;
    let n = session
        .execute_write(|tx| {
            attempts += 1;
            return_one(tx)
        })
        .unwrap();
    assert_eq!((n, attempts), (1, 2));
    assert_eq!(delays.lock().len(), 1);
    let table = d.routing_table(Some("neo4j")).unwrap();
    assert_eq!(table.writers.len(), 1);
    assert_eq!(table.writers[0].port(), w2.port());
    drop(session);
    d.close();
    w1.finish();
    w2.finish();
    router.finish();
}

#[test]
fn a_bookmark_manager_chains_sessions() {
    let stub = StubServer::start(&format!(
        "{HEADER}{}{}{BYE}",
        good_tx("{}", "bm:1"),
        good_tx(r#"{"bookmarks": ["bm:0", "bm:1"], "mode": "r"}"#, "bm:2")
    ));
    let (d, _) = driver(&stub.uri());
    let manager = Arc::new(DefaultBookmarkManager::new(vec![]));
    let config = SessionConfig::default().with_bookmark_manager(manager.clone());
    let mut a = d.session(config.clone()).unwrap();
    a.execute_write(return_one).unwrap();
    drop(a);
    assert_eq!(manager.get_bookmarks(), ["bm:1"]);
    // The second session adds its own starting bookmark to the manager's.
    let mut b = d
        .session(
            config
                .with_bookmarks(vec!["bm:0".into()])
                .with_access_mode(AccessMode::Read),
        )
        .unwrap();
    b.execute_read(return_one).unwrap();
    drop(b);
    assert_eq!(manager.get_bookmarks(), ["bm:2"]);
    d.close();
    stub.finish();
}

#[test]
fn execute_query_chains_through_the_driver_bookmark_manager() {
    let stub = StubServer::start(&format!(
        "{HEADER}{}{}{BYE}",
        good_tx("{}", "bm:1"),
        good_tx(r#"{"bookmarks": ["bm:1"], "mode": "r"}"#, "bm:2")
    ));
    let (d, _) = driver(&stub.uri());
    let res = d
        .execute_query("RETURN 1 AS n", None, &QueryConfig::default())
        .unwrap();
    assert_eq!(res.keys, ["n"]);
    assert_eq!(res.records.len(), 1);
    assert_eq!(res.records[0].get::<i64, _>("n").unwrap(), 1);
    let res = d
        .execute_query("RETURN 1 AS n", None, &QueryConfig::read())
        .unwrap();
    assert_eq!(res.records.len(), 1);
    assert_eq!(d.execute_query_bookmark_manager().get_bookmarks(), ["bm:2"]);
    d.close();
    stub.finish();
}

/// `RetryLoop::for_config`, the loop the TestKit backend asks after each failure, takes the
/// driver's policy and maximum retry time.
#[test]
fn a_retry_loop_from_the_config_follows_its_policy_and_retry_time() {
    use boltc::{Error, RetryLoop};
    let delays = Arc::new(Mutex::new(Vec::new()));
    let d = delays.clone();
    let policy = RetryPolicy::new()
        .with_initial_delay(Duration::from_millis(30))
        .with_multiplier(3.0)
        .with_jitter(0.0)
        .with_sleeper(Arc::new(move |t| d.lock().push(t)));
    let config = |max| {
        Config::builder("bolt://localhost:7687")
            .retry_policy(policy.clone())
            .max_transaction_retry_time(max)
            .build()
            .unwrap()
    };
    let transient = Error::new(ErrorKind::TransientError, "deadlock");
    let mut retry = RetryLoop::for_config(&config(Duration::from_secs(5)));
    assert!(retry.retry_after(&transient) && retry.retry_after(&transient));
    assert!(!retry.retry_after(&Error::new(ErrorKind::ClientError, "syntax")));
    assert_eq!(
        *delays.lock(),
        [Duration::from_millis(30), Duration::from_millis(90)]
    );
    let mut none = RetryLoop::for_config(&config(Duration::ZERO));
    assert!(!none.retry_after(&transient));
    assert_eq!(delays.lock().len(), 2);
}
