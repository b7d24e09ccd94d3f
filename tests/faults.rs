//! Faults between the driver and the server, through the fault-injecting proxy in
//! `tests/support/proxy.rs`: dropped connections, delays, a black hole, truncated and corrupted
//! replies, refused connections. Each call must fail with a typed error within its timeout, the
//! pool must recover, `execute_write` must succeed once the fault clears, and where the outcome is
//! known no write may be lost or applied twice (counted by a unique key in FalkorDB).
//!
//! Run with `--nocapture` to see the timing table that RELIABILITY.md quotes.

mod common;
mod support;

use boltc::{AuthToken, Config, Driver, ErrorKind, Map, RetryPolicy, SessionConfig, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};
use support::{FalkorDb, Fault, FaultProxy, StubServer};

const READ_TIMEOUT: Duration = Duration::from_millis(800);
const CONNECT_TIMEOUT: Duration = Duration::from_millis(800);
const ACQUIRE_TIMEOUT: Duration = Duration::from_millis(1500);
/// How long the fault stays armed while `execute_write` keeps retrying.
const FAULT_SPAN: Duration = Duration::from_millis(1500);

fn driver(uri: &str) -> Driver {
    let policy = RetryPolicy::new()
        .with_initial_delay(Duration::from_millis(100))
        .with_multiplier(1.5)
        .with_jitter(0.0);
    let config = Config::builder(uri)
        .auth(AuthToken::basic("falkordb", ""))
        .connection_timeout(CONNECT_TIMEOUT)
        .read_timeout(Some(READ_TIMEOUT))
        .connection_acquisition_timeout(ACQUIRE_TIMEOUT)
        .max_connection_pool_size(4)
        .max_transaction_retry_time(Duration::from_secs(20))
        .retry_policy(policy)
        .build()
        .unwrap();
    Driver::new(config).unwrap()
}

fn key_param(key: &str) -> Option<Map> {
    let mut p = Map::new();
    p.insert("k".into(), Value::String(key.into()));
    Some(p)
}

fn count(d: &Driver, key: &str) -> i64 {
    let mut s = d.session(SessionConfig::default()).unwrap();
    let rec = s
        .run("MATCH (n:F {key: $k}) RETURN count(n) AS c", key_param(key))
        .unwrap()
        .single()
        .unwrap();
    rec.get("c").unwrap()
}

fn write(d: &Driver, key: &str) -> boltc::Result<u32> {
    let mut s = d.session(SessionConfig::default())?;
    let mut attempts = 0;
    s.execute_write(|tx| {
        attempts += 1;
        tx.run("CREATE (:F {key: $k})", key_param(key))?.consume()?;
        Ok(())
    })?;
    Ok(attempts)
}

fn read_one(d: &Driver) -> boltc::Result<i64> {
    let mut s = d.session(SessionConfig::default())?;
    let r = s.run("RETURN 1 AS n", None)?.single()?;
    r.get("n")
}

/// Whether the first request of an attempt made under this fault can have reached the server.
fn may_reach_server(f: Fault) -> bool {
    !matches!(f, Fault::DropAfter(0) | Fault::Stall | Fault::Refuse)
}

fn falkor_addr(db: &FalkorDb) -> SocketAddr {
    db.bolt_address().parse().unwrap()
}

/// One row of the fault matrix.
fn case(db: &FalkorDb, name: &str, fault: Fault, fresh_connections: bool) {
    let proxy = FaultProxy::start(falkor_addr(db));
    let d = driver(&proxy.uri());
    // Warm the pool (unless the fault is about opening connections) and check the path works.
    if !fresh_connections {
        let mut ok = false;
        for _ in 0..5 {
            if read_one(&d).is_ok() {
                ok = true;
                break;
            }
        }
        assert!(ok, "{name}: no connection before the fault");
    }
    proxy.set(fault);
    let start = Instant::now();
    let first = read_one(&d);
    let failed_in = start.elapsed();
    let bound = READ_TIMEOUT + CONNECT_TIMEOUT + ACQUIRE_TIMEOUT;
    assert!(
        failed_in < bound,
        "{name}: took {failed_in:?} (> {bound:?})"
    );
    let kind = match &first {
        Ok(_) => "ok".to_string(),
        Err(e) => {
            assert!(
                matches!(
                    e.kind(),
                    ErrorKind::ServiceUnavailable
                        | ErrorKind::Timeout
                        | ErrorKind::Protocol
                        | ErrorKind::SessionExpired
                ),
                "{name}: {e:?}"
            );
            format!("{:?}", e.kind())
        }
    };
    if fault != Fault::Delay(Duration::from_millis(50)) {
        assert!(
            first.is_err(),
            "{name}: the call succeeded through the fault"
        );
    }
    // Re-arm (restarting the byte count), heal after FAULT_SPAN, write meanwhile.
    proxy.set(fault);
    let key = format!("{name}-{}", std::process::id());
    let start = Instant::now();
    let (result, recovered_in) = thread::scope(|scope| {
        scope.spawn(|| {
            thread::sleep(FAULT_SPAN);
            proxy.clear();
        });
        let mut r = write(&d, &key);
        // A corrupted reply is a protocol error, which is not retried (the bytes cannot be
        // trusted); the caller's next call, after the fault cleared, must succeed.
        if matches!(fault, Fault::Corrupt(_)) {
            if let Err(e) = &r {
                assert_eq!(e.kind(), ErrorKind::Protocol, "{name}: {e:?}");
                thread::sleep(FAULT_SPAN);
                r = write(&d, &key).map(|n| n + 100);
            }
        }
        (r, start.elapsed())
    });
    let attempts = result.unwrap_or_else(|e| panic!("{name}: execute_write failed: {e:?}"));
    let n = count(&d, &key);
    assert!(n >= 1, "{name}: the write was lost");
    if !may_reach_server(fault) {
        assert_eq!(n, 1, "{name}: applied {n} times");
    }
    // The pool recovered: nothing left in use, never above its size.
    let metrics = d.pool_metrics();
    for (_, m) in &metrics {
        assert_eq!(m.in_use, 0, "{name}: {m:?}");
        assert!(m.idle <= 4, "{name}: {m:?}");
    }
    let m = metrics.first().map(|(_, m)| *m).unwrap_or_default();
    eprintln!(
        "FAULT | {name:<14} | first call: {kind:<18} in {:>5} ms | execute_write ok after {:>5} ms, \
         {attempts} attempt(s) (+100: a second call) | nodes with key: {n} | pool created {} closed {} idle {}",
        failed_in.as_millis(),
        recovered_in.as_millis(),
        m.created,
        m.closed,
        m.idle
    );
    d.close();
}

/// Runs [`case`]; if it failed because the FalkorDB process died, restarts the server and runs
/// the case once more, which must then pass. FalkorDB 4.16 crashes when two connections query
/// at once (the race that blocks issue 7), and under a delay fault a query of an attempt the
/// driver gave up on can still reach the server while the next attempt queries; that is the
/// server's failure, not the driver's, and it is reported.
fn case_on_live_server(db: &mut FalkorDb, name: &str, fault: Fault, fresh_connections: bool) {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        case(db, name, fault, fresh_connections)
    }));
    if let Err(panic) = outcome {
        if db.is_running() {
            std::panic::resume_unwind(panic);
        }
        eprintln!(
            "FAULT | {name}: FalkorDB died during the case (log: {}); restarted, running it again",
            db.log_path().display()
        );
        db.restart();
        case(db, name, fault, fresh_connections);
    }
}

#[test]
fn fault_matrix_against_falkordb() {
    let Some(mut db) = FalkorDb::start() else {
        return;
    };
    case_on_live_server(&mut db, "drop-after-0", Fault::DropAfter(0), false);
    case_on_live_server(&mut db, "drop-after-30", Fault::DropAfter(30), false);
    case_on_live_server(
        &mut db,
        "delay-50ms",
        Fault::Delay(Duration::from_millis(50)),
        false,
    );
    case_on_live_server(
        &mut db,
        "delay-1500ms",
        Fault::Delay(Duration::from_millis(1500)),
        false,
    );
    case_on_live_server(&mut db, "stall", Fault::Stall, false);
    case_on_live_server(&mut db, "truncate-10", Fault::Truncate(10), false);
    case_on_live_server(&mut db, "corrupt-0", Fault::Corrupt(0), false);
    case_on_live_server(&mut db, "corrupt-4", Fault::Corrupt(4), false);
    case_on_live_server(&mut db, "refuse", Fault::Refuse, true);
}

/// The stub scripts after the handshake (Bolt 5.4, the seed credentials of `common`).
const HELLO: &str = "!: BOLT 5.4\n\
    C: HELLO {\"user_agent\": \"MyClient/1.0\", ..}\n\
    S: SUCCESS {\"server\": \"Neo4j/5.4.0\", \"connection_id\": \"bolt-7\"}\n\
    C: LOGON {\"scheme\": \"basic\", \"principal\": \"neo4j\", \"credentials\": \"secret\"}\n\
    S: SUCCESS {}\n";

#[test]
fn connection_cut_during_commit_is_incomplete_commit_and_not_retried() {
    // The stub answers COMMIT only after a pause; the proxy cuts the connection in that pause.
    let mut stub = StubServer::start(&format!(
        "{HELLO}C: BEGIN {{}}\n\
         S: SUCCESS {{}}\n\
         C: RUN \"CREATE (n)\" {{}} {{}}\n\
         C: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{\"fields\": []}}\n\
         S: SUCCESS {{\"type\": \"w\"}}\n\
         C: COMMIT\n\
         S: <SLEEP 300ms>\n\
         S: SUCCESS {{\"bookmark\": \"b1\"}}\n\
         ?{{\n\
         C: GOODBYE\n\
         }}\n"
    ));
    let proxy = Arc::new(FaultProxy::start(stub.address().parse().unwrap()));
    let d = common::driver_with(&proxy.uri(), |c| {
        c.read_timeout(Some(READ_TIMEOUT))
            .max_transaction_retry_time(Duration::from_secs(5))
    });
    let mut s = d.session(SessionConfig::default()).unwrap();
    let p = Arc::clone(&proxy);
    let mut attempts = 0;
    let start = Instant::now();
    let e = s
        .execute_write(|tx| {
            attempts += 1;
            tx.run("CREATE (n)", None)?.consume()?;
            // Cut the connection once COMMIT is on its way.
            let p = Arc::clone(&p);
            thread::spawn(move || {
                thread::sleep(Duration::from_millis(100));
                p.set(Fault::DropAfter(0));
            });
            Ok(())
        })
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::IncompleteCommit, "{e:?}");
    assert_eq!(
        attempts, 1,
        "a commit with an unknown outcome must not be retried"
    );
    assert!(start.elapsed() < READ_TIMEOUT * 2, "{:?}", start.elapsed());
    drop(s);
    let m = d.pool_metrics()[0].1;
    assert_eq!((m.in_use, m.idle), (0, 0), "{m:?}");
    // Connections the proxy cut (or the driver abandoned) do not play the script out.
    let _ = stub.try_finish();
}

#[test]
fn stalled_server_times_out_and_the_pool_recovers() {
    let mut stub = StubServer::start(&format!(
        "!: CONNECTIONS 1..4\n!: CONCURRENT\n{HELLO}\
         C: RUN \"RETURN 1 AS n\" {{}} {{}}\n\
         C: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{\"fields\": [\"n\"]}}\n\
         S: RECORD [1]\n\
         S: SUCCESS {{\"type\": \"r\"}}\n\
         ?{{\n\
         C: GOODBYE\n\
         }}\n"
    ));
    let proxy = FaultProxy::start(stub.address().parse().unwrap());
    let d = common::driver_with(&proxy.uri(), |c| c.read_timeout(Some(READ_TIMEOUT)));
    proxy.set(Fault::Stall);
    let mut s = d.session(SessionConfig::default()).unwrap();
    let start = Instant::now();
    let e = s.run("RETURN 1 AS n", None).err().unwrap();
    let took = start.elapsed();
    assert!(
        matches!(e.kind(), ErrorKind::ServiceUnavailable | ErrorKind::Timeout),
        "{e:?}"
    );
    assert!(
        took < CONNECT_TIMEOUT + READ_TIMEOUT + Duration::from_secs(3),
        "{took:?}"
    );
    drop(s);
    proxy.clear();
    let mut s = d.session(SessionConfig::default()).unwrap();
    let n: i64 = s
        .run("RETURN 1 AS n", None)
        .unwrap()
        .single()
        .unwrap()
        .get("n")
        .unwrap();
    assert_eq!(n, 1);
    drop(s);
    d.close();
    // Connections the proxy cut (or the driver abandoned) do not play the script out.
    let _ = stub.try_finish();
}

#[test]
fn commit_reply_timing_out_is_incomplete_commit_and_not_retried() {
    // The COMMIT reply comes after the read timeout: the outcome is unknown, like a lost
    // connection, so it must not be reported as a plain (retryable-looking) timeout.
    let mut stub = StubServer::start(&format!(
        "{HELLO}C: BEGIN {{}}\n\
         S: SUCCESS {{}}\n\
         C: RUN \"CREATE (n)\" {{}} {{}}\n\
         C: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{\"fields\": []}}\n\
         S: SUCCESS {{\"type\": \"w\"}}\n\
         C: COMMIT\n\
         S: <SLEEP 1500ms>\n\
         S: SUCCESS {{\"bookmark\": \"b1\"}}\n"
    ));
    let d = common::driver_with(&stub.uri(), |c| {
        c.read_timeout(Some(Duration::from_millis(300)))
            .max_transaction_retry_time(Duration::from_secs(5))
    });
    let mut s = d.session(SessionConfig::default()).unwrap();
    let mut attempts = 0;
    let start = Instant::now();
    let e = s
        .execute_write(|tx| {
            attempts += 1;
            tx.run("CREATE (n)", None)?.consume()?;
            Ok(())
        })
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::IncompleteCommit, "{e:?}");
    assert_eq!(attempts, 1);
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    drop(s);
    let m = d.pool_metrics()[0].1;
    assert_eq!((m.in_use, m.idle, m.closed), (0, 0, 1), "{m:?}");
    // Connections the proxy cut (or the driver abandoned) do not play the script out.
    let _ = stub.try_finish();
}
