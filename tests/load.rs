//! Load through the pool: many threads, a small pool, zero errors, the connection count never
//! above the pool size, RSS stable across rounds, and acquisition timeouts that fire on time when
//! the pool is exhausted.
//!
//! In CI (fast): 16 threads x 100 queries, two rounds, through a pool of 8 against a concurrent
//! stub server and through a pool of 1 against every running Neo4j line (`scripts/neo4j.sh
//! start`; skipped with a notice when none runs, a failure under `BOLTC_REQUIRE_NEO4J=1`); the
//! pool-of-8 acquisition timeout against FalkorDB. By hand, the same pool-of-1 run against
//! FalkorDB and the full figures (64 threads x 1,000 queries, three rounds):
//!
//! ```text
//! BOLTC_REQUIRE_FALKORDB=1 cargo test --release --test load -- --ignored --nocapture
//! LOAD_POOL=1 BOLTC_REQUIRE_FALKORDB=1 cargo test --release --test load -- --ignored --nocapture falkordb
//! ```
//!
//! `LOAD_POOL`, `LOAD_THREADS`, `LOAD_QUERIES` (per thread) and `LOAD_ROUNDS` change the ignored
//! FalkorDB run; `LOAD_BUSY_POLL_US` sets every load driver's busy-poll window (0: off). FalkorDB
//! 4.16.3 itself crashes (`illegal decrRefCount` in `CommandCtx_Free`) when Bolt queries overlap:
//! its Bolt path runs each query on a thread-pool thread without Redis's lock and retains/frees
//! the shared `GRAPH.QUERY` command string there, so that string's reference count is updated from
//! two threads without synchronisation (RELIABILITY.md, Load, has the evidence). Two or more
//! connections crash it within seconds; one connection rarely, when a RUN arrives while the
//! previous query's thread is still freeing its context, so whether a run passes depends on the
//! timing of client and server threads. That is why the CI load runs against Neo4j, and against
//! FalkorDB only the acquisition timeout, whose open transactions never reach a query thread.

mod support;

use boltc::{
    AuthToken, Config, ConfigBuilder, Driver, ErrorKind, Map, SessionConfig, TransactionConfig,
    Value,
};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};
use support::{FalkorDb, Neo4j};

/// The pool size of the load figures (`LOAD_POOL` overrides it for the FalkorDB runs).
const POOL: usize = 8;

/// The environment variable `name` as a number, or `default`.
fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn driver(uri: &str, pool: usize, acquire: Duration) -> Driver {
    let config = Config::builder(uri)
        .auth(AuthToken::basic("falkordb", ""))
        .connection_timeout(Duration::from_secs(2))
        .read_timeout(Some(Duration::from_secs(20)));
    sized(config, pool, acquire)
}

/// `config` with a pool of `pool` and acquisition timeout `acquire`, and busy polling as
/// `LOAD_BUSY_POLL_US` says (µs; 0 turns it off) when set, else boltc's default: the by-hand
/// knob behind RELIABILITY.md's crash counts with polling on and off.
fn sized(config: ConfigBuilder, pool: usize, acquire: Duration) -> Driver {
    let mut config = config
        .connection_acquisition_timeout(acquire)
        .max_connection_pool_size(pool);
    if let Ok(us) = std::env::var("LOAD_BUSY_POLL_US") {
        let us = us.parse().expect("LOAD_BUSY_POLL_US: microseconds");
        config = config.busy_poll(Duration::from_micros(us));
    }
    Driver::new(config.build().unwrap()).unwrap()
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

/// What FalkorDB 4.16.3 logs when the command string's reference count race hits (see the
/// module docs); a failed run says whether the server died of it.
const FALKORDB_REFCOUNT_CRASH: &str = "illegal decrRefCount";

fn run_load(threads: usize, per_thread: usize, rounds: usize, pool: usize) {
    let Some(mut db) = FalkorDb::start() else {
        return;
    };
    let d = driver(&db.bolt_uri(), pool, Duration::from_secs(30));
    d.verify_connectivity().unwrap();
    let load = Load {
        threads,
        per_thread,
        rounds,
        pool,
    };
    load.check("FalkorDB", &d, || {
        let log = std::fs::read_to_string(db.log_path()).unwrap_or_default();
        let _ = std::fs::write(std::env::temp_dir().join("boltc-load-falkordb.log"), &log);
        let tail: Vec<&str> = log.lines().rev().take(40).collect();
        eprintln!(
            "FalkorDB running: {}; its known refcount crash ({FALKORDB_REFCOUNT_CRASH}): {}; \
             full log copied to {}; log tail:",
            db.is_running(),
            log.contains(FALKORDB_REFCOUNT_CRASH),
            std::env::temp_dir()
                .join("boltc-load-falkordb.log")
                .display()
        );
        // The server dying is not the driver's fault, but the driver must have reported it
        // as errors, not hung, and kept the pool bounded.
        for l in tail.iter().rev() {
            eprintln!("  {l}");
        }
    });
}

/// A load run: `rounds` rounds of `threads` x `per_thread` queries through a pool of `pool`.
struct Load {
    threads: usize,
    per_thread: usize,
    rounds: usize,
    pool: usize,
}

impl Load {
    /// Runs the rounds through `d` (a driver with a pool of `self.pool` against a real server)
    /// and asserts zero errors, never more connections than the pool, no connection lost and
    /// RSS stable; `on_errors` reports the server's side of a round that had errors first.
    fn check(&self, server: &str, d: &Driver, mut on_errors: impl FnMut()) {
        let pool = self.pool;
        let mut rss = Vec::new();
        for r in 0..self.rounds {
            let res = round(d, self.threads, self.per_thread, false);
            report(server, r, self.threads, self.per_thread, pool, &res);
            if res.errors > 0 {
                on_errors();
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
        eprintln!("LOAD {server} pool metrics after the rounds: {m:?}");
        assert!(m.created <= pool as u64 + m.closed, "{m:?}");
        assert_eq!(m.closed, 0, "no connection may be lost: {m:?}");
        assert_rss_stable(&rss);
    }
}

/// RSS stable: after the first round (thread stacks, buffers warmed up), later rounds may not
/// grow it by more than 16 MiB.
fn assert_rss_stable(rss: &[u64]) {
    if let (Some(&first), Some(&last)) = (rss.first(), rss.last()) {
        assert!(
            last <= first + 16 * 1024,
            "RSS grew from {first} KiB to {last} KiB: {rss:?}"
        );
    }
}

fn report(server: &str, r: usize, threads: usize, per_thread: usize, pool: usize, res: &Round) {
    eprintln!(
        "LOAD {server} round {} | {threads} threads x {per_thread} | {} queries in {:.2} s \
         ({:.0}/s) | errors {} | max connections {} (pool {pool}) | VmRSS {} KiB",
        r + 1,
        res.queries,
        res.elapsed.as_secs_f64(),
        res.queries as f64 / res.elapsed.as_secs_f64(),
        res.errors,
        res.max_connections,
        res.rss_kib
    );
}

/// The same load through a pool of [`POOL`] against a concurrent stub server: the driver side of
/// the figures without FalkorDB 4.16.3's thread-safety bug.
fn run_stub(threads: usize, per_thread: usize, rounds: usize) {
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
    for r in 0..rounds {
        let res = round(&d, threads, per_thread, true);
        report("stub", r, threads, per_thread, POOL, &res);
        assert_eq!(res.errors, 0);
        assert!(
            res.max_connections <= POOL,
            "{} connections",
            res.max_connections
        );
    }
    let m = d.pool_metrics()[0].1;
    assert!(m.created <= POOL as u64, "{m:?}");
    // No RSS assertion here: the in-process stub keeps a transcript of every message (about
    // 20 MiB per 64,000 queries), which hides the driver's own figure. The FalkorDB runs assert it.
    d.close();
    drop(stub);
}

#[test]
fn load_16_threads_x_100_queries_pool_of_8_against_a_stub() {
    run_stub(16, 100, 2);
}

#[test]
#[ignore = "FalkorDB 4.16.3's refcount race can crash the server under it (module docs); by hand"]
fn load_16_threads_x_100_queries_pool_of_1_against_falkordb() {
    // One connection: FalkorDB 4.16.3 crashes within seconds when two or more connections query
    // at once (module docs; with a pool of 2 this run crashed it in 2 of 20 runs), and now and
    // then with one (RELIABILITY.md, Load, has the counts). CI runs the same load against Neo4j.
    run_load(16, 100, 2, 1);
}

#[test]
fn load_16_threads_x_100_queries_pool_of_1_against_neo4j() {
    // 16 threads queueing for one connection, end to end against each running Neo4j line.
    for db in Neo4j::servers() {
        let d = sized(db.config(&db.bolt_uri()), 1, Duration::from_secs(30));
        d.verify_connectivity().unwrap();
        let load = Load {
            threads: 16,
            per_thread: 100,
            rounds: 2,
            pool: 1,
        };
        load.check(&db.to_string(), &d, || {});
    }
}

#[test]
#[ignore = "the full load figures (about a minute); run with --ignored --nocapture"]
fn load_64_threads_x_1000_queries_pool_of_8_three_rounds_falkordb() {
    run_load(
        env_or("LOAD_THREADS", 64),
        env_or("LOAD_QUERIES", 1000),
        env_or("LOAD_ROUNDS", 3),
        env_or("LOAD_POOL", POOL),
    );
}

#[test]
#[ignore = "the full load figures against a stub; run with --ignored --nocapture"]
fn load_64_threads_x_1000_queries_pool_of_8_against_a_stub() {
    run_stub(64, 1000, 3);
}

#[test]
fn acquisition_timeout_fires_on_time_when_the_pool_is_exhausted() {
    let Some(db) = FalkorDb::start() else { return };
    let timeout = Duration::from_millis(300);
    let late_by = Duration::from_millis(200);
    let d = driver(&db.bolt_uri(), POOL, timeout);
    // POOL sessions with open transactions hold every connection. (BEGIN is answered by
    // FalkorDB's event loop itself, so this is safe from its concurrent-query crash.)
    let mut holders: Vec<_> = (0..POOL)
        .map(|_| d.session(SessionConfig::default()).unwrap())
        .collect();
    let txs: Vec<_> = holders
        .iter_mut()
        .map(|s| s.begin_transaction(&TransactionConfig::default()).unwrap())
        .collect();
    let wait = |d: &Driver| {
        let mut c = d.session(SessionConfig::default()).unwrap();
        let start = Instant::now();
        let e = c
            .run("RETURN 1", None)
            .err()
            .expect("the pool is exhausted");
        let took = start.elapsed();
        assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
        assert!(took >= timeout, "{took:?}");
        assert!(took < timeout + late_by, "{took:?}");
        took.as_millis()
    };
    // One waiter at a time, then eight at once.
    let one: Vec<u128> = (0..5).map(|_| wait(&d)).collect();
    let many: Vec<u128> = thread::scope(|scope| {
        let waiters: Vec<_> = (0..8).map(|_| scope.spawn(|| wait(&d))).collect();
        waiters.into_iter().map(|w| w.join().unwrap()).collect()
    });
    eprintln!(
        "ACQUIRE pool {POOL} exhausted, timeout 300 ms fired after {one:?} ms (one waiter), \
         {many:?} ms (8 waiters at once)"
    );
    let m = d.pool_metrics()[0].1;
    assert_eq!(
        (m.in_use, m.waiting, m.created),
        (POOL, 0, POOL as u64),
        "{m:?}"
    );
    drop(txs);
    drop(holders);
    // Freed: the next acquisition succeeds on an existing connection.
    let mut c = d.session(SessionConfig::default()).unwrap();
    c.run("RETURN 1", None).unwrap().consume().unwrap();
    let m = d.pool_metrics()[0].1;
    assert_eq!(m.created, POOL as u64, "{m:?}");
}
