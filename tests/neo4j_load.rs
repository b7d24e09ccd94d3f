//! Load through the pool against a real Neo4j (`scripts/neo4j.sh start`; every running server
//! line in turn; skipped with a notice when none runs, a failure under `BOLTC_REQUIRE_NEO4J=1`),
//! the requirement FalkorDB could not meet (tests/load.rs): many threads through a pool of 8,
//! three rounds, and
//!
//! * zero errors, every row checked against its parameter;
//! * the server's own count of the load driver's connections never above 8: a monitor driver
//!   (its own connection, a user agent of its own) samples `CALL dbms.listConnections()`
//!   throughout and counts the rows with the load driver's user agent, so the monitor's
//!   connection is never counted (the count of all Bolt connections but the monitor's is printed beside);
//! * the client's VmRSS (`/proc/self/status`, after each round) flat: the last round no more
//!   than 16 MiB above the first, as in tests/load.rs.
//!
//! CI runs 64 threads x 100 queries x 3 rounds per server line (19,200 queries per line, a few
//! seconds each). The full figure, 64 threads x 1,000 queries x 3 rounds, by hand (RELIABILITY.md
//! has the measured run):
//!
//! ```text
//! scripts/neo4j.sh start --line lts
//! NEO4J_LOAD_QUERIES=1000 cargo test --release --test neo4j_load -- --nocapture
//! ```
//!
//! `NEO4J_LOAD_THREADS`, `NEO4J_LOAD_QUERIES` (per thread and round) and `NEO4J_LOAD_ROUNDS`
//! change the run.

mod support;

use boltc::{Driver, Map, SessionConfig, Value};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};
use support::Neo4j;

/// The pool size under test.
const POOL: usize = 8;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
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
    /// Most connections with the load driver's agent the server listed at once.
    server_max: usize,
    /// Most connections of anyone the server listed at once, less the monitor's own.
    server_max_all: usize,
    samples: usize,
    elapsed: Duration,
    rss_kib: u64,
}

/// The server's connections: (those with user agent `agent`, all other Bolt connections but
/// the monitor's own, which carries the monitor driver's user agent).
fn server_connections(monitor: &Driver, agent: &str) -> (usize, usize) {
    let rows = monitor.list_connections().unwrap();
    let monitor_agent = monitor.config().user_agent();
    let load = rows.iter().filter(|c| c.user_agent == agent).count();
    let others = rows
        .iter()
        .filter(|c| c.connector == "bolt" && c.user_agent != monitor_agent)
        .count();
    (load, others)
}

/// `threads` threads each run `per_thread` queries (a new session every 10 queries) through
/// `d`, while the monitor samples the server's connection list.
fn round(d: &Driver, monitor: &Driver, agent: &str, threads: usize, per_thread: usize) -> Round {
    let errors = AtomicUsize::new(0);
    let done = AtomicBool::new(false);
    let start = Instant::now();
    let (server_max, server_max_all, samples) = thread::scope(|scope| {
        let sampler = scope.spawn(|| {
            let (mut max, mut max_all, mut n) = (0, 0, 0);
            while !done.load(Ordering::SeqCst) {
                let (load, all) = server_connections(monitor, agent);
                max = max.max(load);
                max_all = max_all.max(all);
                n += 1;
                thread::sleep(Duration::from_millis(5));
            }
            (max, max_all, n)
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
                            let mut p = Map::new();
                            p.insert("i".into(), Value::Int(n));
                            let got = s
                                .run("RETURN $i AS n, 'x' AS s", Some(p))
                                .and_then(|r| r.single())
                                .and_then(|r| r.get::<i64, _>("n"));
                            match got {
                                Ok(v) if v == n => {}
                                Ok(v) => panic!("got {v} for {n}"),
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
        sampler.join().unwrap()
    });
    Round {
        queries: threads * per_thread,
        errors: errors.load(Ordering::SeqCst),
        server_max,
        server_max_all,
        samples,
        elapsed: start.elapsed(),
        rss_kib: rss_kib(),
    }
}

#[test]
fn load_64_threads_pool_of_8_three_rounds_server_counted_connections() {
    let threads = env_or("NEO4J_LOAD_THREADS", 64);
    let per_thread = env_or("NEO4J_LOAD_QUERIES", 100);
    let rounds = env_or("NEO4J_LOAD_ROUNDS", 3);
    for db in Neo4j::servers() {
        // A user agent of this run's own, so the monitor counts exactly the load driver's
        // connections (others may be using the server).
        let agent = format!("boltc-load/{}.{}", std::process::id(), db.port());
        let d = Driver::new(
            db.config(&db.bolt_uri())
                .user_agent(&agent)
                .max_connection_pool_size(POOL)
                .connection_acquisition_timeout(Duration::from_secs(120))
                .build()
                .unwrap(),
        )
        .unwrap();
        let monitor = Driver::new(
            db.config(&db.bolt_uri())
                .user_agent(format!("boltc-load-monitor/{}", std::process::id()))
                .max_connection_pool_size(1)
                .build()
                .unwrap(),
        )
        .unwrap();
        d.verify_connectivity().unwrap();
        let mut rss = Vec::new();
        for r in 0..rounds {
            let res = round(&d, &monitor, &agent, threads, per_thread);
            eprintln!(
                "LOAD {db} round {} | {threads} threads x {per_thread} | {} queries in {:.2} s \
                 ({:.0}/s) | errors {} | server-side connections of the load driver: max {} \
                 (pool {POOL}; {} samples; all bolt connections but the monitor's: max {}) | \
                 VmRSS {} KiB",
                r + 1,
                res.queries,
                res.elapsed.as_secs_f64(),
                res.queries as f64 / res.elapsed.as_secs_f64(),
                res.errors,
                res.server_max,
                res.samples,
                res.server_max_all,
                res.rss_kib
            );
            assert_eq!(res.errors, 0, "{db}");
            assert!(res.samples > 0, "{db}: the monitor never sampled");
            assert!(
                (1..=POOL).contains(&res.server_max),
                "{db}: the server listed {} connections of the load driver",
                res.server_max
            );
            rss.push(res.rss_kib);
        }
        let m = d.pool_metrics();
        eprintln!("LOAD {db} pool metrics after the rounds: {m:?}");
        assert_eq!(m.len(), 1, "{db}");
        assert_eq!(m[0].1.closed, 0, "{db}: no connection lost: {m:?}");
        assert!(m[0].1.created <= POOL as u64, "{db}: {m:?}");
        // The server still lists no more than the pool once the load is over.
        assert!(server_connections(&monitor, &agent).0 <= POOL, "{db}");
        let (first, last) = (rss[0], rss[rss.len() - 1]);
        assert!(
            last <= first + 16 * 1024,
            "{db}: RSS grew from {first} KiB to {last} KiB: {rss:?}"
        );
    }
}
