//! Load through the pool against FalkorDB: many threads, a small pool, zero errors, the
//! connection count never above the pool size, RSS stable across rounds, and acquisition
//! timeouts that fire on time when the pool is exhausted.
//!
//! The normal run uses 16 threads x 100 queries; the full figures (64 threads x 1,000 queries,
//! three rounds) come from the ignored test:
//!
//! ```text
//! BOLTC_REQUIRE_FALKORDB=1 cargo test --test load -- --ignored --nocapture
//! LOAD_POOL=1 BOLTC_REQUIRE_FALKORDB=1 cargo test --test load -- --ignored --nocapture falkordb
//! ```
//!
//! FalkorDB 4.16.3 itself crashes (`illegal decrRefCount`, in its query thread pool) after some
//! thousands of queries arriving on two or more Bolt connections at once, so the pool-of-8 figure
//! against it fails on the server side; `LOAD_POOL` sets the pool size, and the stub variant gives
//! the pool-of-8 figures for the driver alone.

mod support;

use boltc::{AuthToken, Config, Driver, ErrorKind, Map, SessionConfig, TransactionConfig, Value};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};
use support::FalkorDb;

/// The pool size of the load figures (`LOAD_POOL` overrides it for the FalkorDB runs).
const POOL: usize = 8;
/// [`POOL`], or `LOAD_POOL` when set.
fn pool_size() -> usize {
    std::env::var("LOAD_POOL")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(POOL)
}

fn driver(uri: &str, pool: usize, acquire: Duration) -> Driver {
    let config = Config::builder(uri)
        .auth(AuthToken::basic("falkordb", ""))
        .connection_timeout(Duration::from_secs(2))
        .read_timeout(Some(Duration::from_secs(20)))
        .connection_acquisition_timeout(acquire)
        .max_connection_pool_size(pool)
        .build()
        .unwrap();
    Driver::new(config).unwrap()
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

struct Round {
    queries: usize,
    errors: usize,
    max_connections: usize,
    elapsed: Duration,
    rss_kib: u64,
}

/// `threads` threads each run `per_thread` queries (a session per 10 queries), while a sampler
/// records the largest number of open connections (in use + idle) the pool reports.
fn round(d: &Driver, threads: usize, per_thread: usize, stub: bool) -> Round {
    let errors = AtomicUsize::new(0);
    let done = AtomicBool::new(false);
    let max_conns = AtomicUsize::new(0);
    let start = Instant::now();
    thread::scope(|scope| {
        scope.spawn(|| {
            while !done.load(Ordering::SeqCst) {
                let open: usize = d
                    .pool_metrics()
                    .iter()
                    .map(|(_, m)| m.in_use + m.idle)
                    .sum();
                max_conns.fetch_max(open, Ordering::SeqCst);
                thread::sleep(Duration::from_millis(2));
            }
        });
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let errors = &errors;
                scope.spawn(move || {
                    for batch in 0..per_thread.div_ceil(10) {
                        let mut s = match d.session(SessionConfig::default()) {
                            Ok(s) => s,
                            Err(e) => {
                                eprintln!("session: {e}");
                                errors.fetch_add(10, Ordering::SeqCst);
                                continue;
                            }
                        };
                        for i in 0..10.min(per_thread - batch * 10) {
                            let n = i64::try_from(t * 1_000_000 + batch * 10 + i).unwrap();
                            let (query, params, want) = if stub {
                                ("RETURN 1 AS n", None, 1)
                            } else {
                                let mut p = Map::new();
                                p.insert("i".into(), Value::Int(n));
                                ("RETURN $i AS n, 'x' AS s", Some(p), n)
                            };
                            let got = s
                                .run(query, params)
                                .and_then(|r| r.single())
                                .and_then(|r| r.get::<i64, _>("n"));
                            match got {
                                Ok(v) if v == want => {}
                                Ok(v) => panic!("got {v} for {want}"),
                                Err(e) => {
                                    eprintln!("query: {e}");
                                    errors.fetch_add(1, Ordering::SeqCst);
                                }
                            }
                        }
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        done.store(true, Ordering::SeqCst);
    });
    Round {
        queries: threads * per_thread,
        errors: errors.load(Ordering::SeqCst),
        max_connections: max_conns.load(Ordering::SeqCst),
        elapsed: start.elapsed(),
        rss_kib: rss_kib(),
    }
}

fn run_load(threads: usize, per_thread: usize, rounds: usize, pool: usize) {
    let Some(mut db) = FalkorDb::start() else {
        return;
    };
    let d = driver(&db.bolt_uri(), pool, Duration::from_secs(30));
    d.verify_connectivity().unwrap();
    let mut rss = Vec::new();
    for r in 0..rounds {
        let res = round(&d, threads, per_thread, false);
        eprintln!(
            "LOAD round {} | {threads} threads x {per_thread} | {} queries in {:.2} s ({:.0}/s) | \
             errors {} | max connections {} (pool {}) | VmRSS {} KiB",
            r + 1,
            res.queries,
            res.elapsed.as_secs_f64(),
            res.queries as f64 / res.elapsed.as_secs_f64(),
            res.errors,
            res.max_connections,
            pool,
            res.rss_kib
        );
        if res.errors > 0 {
            let log = std::fs::read_to_string(db.log_path()).unwrap_or_default();
            let _ = std::fs::write(std::env::temp_dir().join("boltc-load-falkordb.log"), &log);
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            eprintln!("FalkorDB running: {}; log tail:", db.is_running());
            // The server dying is not the driver's fault, but the driver must have reported it
            // as errors, not hung, and kept the pool bounded.
            for l in tail.iter().rev() {
                eprintln!("  {l}");
            }
        }
        assert_eq!(res.errors, 0);
        assert!(
            res.max_connections <= pool,
            "{} connections",
            res.max_connections
        );
        rss.push(res.rss_kib);
    }
    let m = d.pool_metrics()[0].1;
    eprintln!("LOAD pool metrics after the rounds: {m:?}");
    assert!(m.created <= pool as u64 + m.closed, "{m:?}");
    // RSS stable: after the first round (thread stacks, buffers warmed up), later rounds may not
    // grow it by more than 16 MiB.
    if rss.len() > 1 {
        let first = rss[0];
        let last = *rss.last().unwrap();
        assert!(
            last <= first + 16 * 1024,
            "RSS grew from {first} KiB to {last} KiB: {rss:?}"
        );
    }
}

#[test]
fn load_16_threads_x_100_queries_pool_of_2() {
    // Pool 2, not 8: FalkorDB 4.16.3 itself crashes within seconds when 4+ connections query at
    // once (module docs); the pool-of-8 figures are the ignored runs below.
    run_load(16, 100, 2, 2);
}

#[test]
#[ignore = "the full load figures (about a minute); run with --ignored --nocapture"]
fn load_64_threads_x_1000_queries_pool_of_8_three_rounds_falkordb() {
    run_load(64, 1000, 3, pool_size());
}

/// The same load against a concurrent stub server: the driver side of the figures without
/// FalkorDB 4.16.3, which crashes under concurrent Bolt load (see RELIABILITY.md).
#[test]
#[ignore = "the full load figures against a stub; run with --ignored --nocapture"]
fn load_64_threads_x_1000_queries_pool_of_8_against_a_stub() {
    let stub = support::StubServer::start(
        "!: BOLT 5.4\n!: CONCURRENT\n!: CONNECTIONS 1..8\n!: AUTO RESET\n\
         C: HELLO {\"user_agent\": \"*\", ..}\n\
         S: SUCCESS {\"server\": \"Neo4j/5.4.0\", \"connection_id\": \"bolt-1\"}\n\
         C: LOGON {..}\n\
         S: SUCCESS {}\n\
         *{\n\
         C: RUN \"RETURN 1 AS n\" {} {}\n\
         C: PULL {\"n\": 1000}\n\
         S: SUCCESS {\"fields\": [\"n\"]}\n\
         S: RECORD [1]\n\
         S: SUCCESS {\"type\": \"r\"}\n\
         }\n\
         ?{\n\
         C: GOODBYE\n\
         }\n",
    );
    let d = driver(&stub.uri(), POOL, Duration::from_secs(30));
    let mut rss = Vec::new();
    for r in 0..3 {
        let res = round(&d, 64, 1000, true);
        eprintln!(
            "LOAD stub round {} | 64 threads x 1000 | {} queries in {:.2} s ({:.0}/s) | errors {} | \
             max connections {} (pool {POOL}) | VmRSS {} KiB",
            r + 1,
            res.queries,
            res.elapsed.as_secs_f64(),
            res.queries as f64 / res.elapsed.as_secs_f64(),
            res.errors,
            res.max_connections,
            res.rss_kib
        );
        assert_eq!(res.errors, 0);
        assert!(res.max_connections <= POOL);
        rss.push(res.rss_kib);
    }
    // No RSS assertion here: the in-process stub keeps a transcript of every message (about
    // 20 MiB per round), which hides the driver's own figure. The FalkorDB test asserts it.
    d.close();
    drop(stub);
}

#[test]
fn acquisition_timeout_fires_on_time_when_the_pool_is_exhausted() {
    let Some(db) = FalkorDb::start() else { return };
    let timeout = Duration::from_millis(300);
    let d = driver(&db.bolt_uri(), 2, timeout);
    // Two sessions with open transactions hold both connections.
    let mut a = d.session(SessionConfig::default()).unwrap();
    let mut b = d.session(SessionConfig::default()).unwrap();
    let ta = a.begin_transaction(&TransactionConfig::default()).unwrap();
    let tb = b.begin_transaction(&TransactionConfig::default()).unwrap();
    let mut late = Vec::new();
    for _ in 0..5 {
        let mut c = d.session(SessionConfig::default()).unwrap();
        let start = Instant::now();
        let e = c
            .run("RETURN 1", None)
            .err()
            .expect("the pool is exhausted");
        let took = start.elapsed();
        assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
        assert!(took >= timeout, "{took:?}");
        assert!(took < timeout + Duration::from_millis(200), "{took:?}");
        late.push(took.as_millis());
    }
    eprintln!("ACQUIRE timeout 300 ms fired after {late:?} ms");
    let m = d.pool_metrics()[0].1;
    assert_eq!((m.in_use, m.waiting), (2, 0), "{m:?}");
    drop((ta, tb));
    drop((a, b));
    // Freed: the next acquisition succeeds.
    let mut c = d.session(SessionConfig::default()).unwrap();
    c.run("RETURN 1", None).unwrap().consume().unwrap();
}
