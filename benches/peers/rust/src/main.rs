//! The Rust peers (the `neo4j` crate, synchronous; `neo4rs`, on tokio) running the same
//! workloads as `benches/harness/src/bin/boltc.rs`, printing the same JSON line.
//!
//! `peers-rust neo4j|neo4rs URI WORKLOAD [N] [THREADS]`; credentials from `BENCH_USER` /
//! `BENCH_PASSWORD` (default `neo4j` / `password`).

use std::sync::Arc;
use std::time::Instant;

const RETURN_1: &str = "RETURN 1 AS n";

fn credentials() -> (String, String) {
    (
        std::env::var("BENCH_USER").unwrap_or_else(|_| "neo4j".into()),
        std::env::var("BENCH_PASSWORD").unwrap_or_else(|_| "password".into()),
    )
}

/// The process's CPU time so far, in seconds (user + sys, all threads, finished ones too).
fn process_cpu() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; the call only writes into it.
    if unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) } != 0 {
        return 0.0;
    }
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}

/// The process CPU time (f64 bits) at the last `start_timer`.
static CPU_AT_START: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Starts the timed part: the wall-clock start for `report`, and the CPU time for `cpu_s`.
fn start_timer() -> Instant {
    CPU_AT_START.store(process_cpu().to_bits(), std::sync::atomic::Ordering::Relaxed);
    Instant::now()
}

fn report(client: &str, workload: &str, ops: u64, started: Instant, extra: &str) {
    let secs = started.elapsed().as_secs_f64();
    let cpu = process_cpu() - f64::from_bits(CPU_AT_START.load(std::sync::atomic::Ordering::Relaxed));
    let per_op_us = secs * 1e6 / ops.max(1) as f64;
    let rss = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_owned))
        })
        .unwrap_or_else(|| "0".into());
    println!(
        "{{\"client\": \"{client}\", \"workload\": \"{workload}\", \"ops\": {ops}, \"seconds\": {secs:.6}, \"per_op_us\": {per_op_us:.3}, \"max_rss_kb\": {rss}, \"cpu_s\": {cpu:.6}{extra}}}"
    );
}

fn query_for(workload: &str, n: Option<u64>) -> String {
    match workload {
        "w1" => format!("UNWIND range(1, {}) AS i RETURN i", n.unwrap_or(1_000_000)),
        _ => format!(
            "UNWIND range(1, {}) AS i RETURN i, 'name-' + toString(i) AS s, [i, i + 1] AS l, {{k: i}} AS m",
            n.unwrap_or(200_000)
        ),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let client = args[0].as_str();
    let uri = args[1].as_str();
    let workload = args[2].as_str();
    let n: Option<u64> = args.get(3).map(|s| s.parse().expect("N"));
    let threads: u64 = args.get(4).map_or(4, |s| s.parse().expect("THREADS"));
    let hostport = uri.trim_start_matches("bolt://");
    match client {
        "neo4j" => neo4j_crate::run(hostport, workload, n, threads),
        "neo4rs" => neo4rs_crate::run(hostport, workload, n, threads),
        other => panic!("unknown client {other}"),
    }
}

mod neo4j_crate {
    use super::*;
    use neo4j::address::Address;
    use neo4j::driver::auth::AuthToken;
    use neo4j::driver::{ConnectionConfig, Driver, DriverConfig};
    use neo4j::session::SessionConfig;
    use neo4j::ValueReceive;

    const CLIENT: &str = "rust-neo4j";

    fn driver(hostport: &str) -> Driver {
        let (host, port) = hostport.rsplit_once(':').expect("host:port");
        let address = Address::from((host, port.parse::<u16>().expect("port")));
        let (user, password) = credentials();
        Driver::new(
            ConnectionConfig::new(address).with_routing(false),
            DriverConfig::new()
                .with_auth(Arc::new(AuthToken::new_basic_auth(user, password)))
                .with_fetch_size(1000)
                .expect("fetch size"),
        )
    }

    fn return_1(driver: &Driver) {
        let mut session = driver.session(SessionConfig::new());
        let v = session
            .auto_commit(RETURN_1)
            .with_receiver(|stream| {
                let rec = stream.single().expect("one record")?;
                let v = rec.values().next().cloned();
                Ok(v)
            })
            .run()
            .expect("RETURN 1");
        assert_eq!(v, Some(ValueReceive::Integer(1)));
    }

    pub fn run(hostport: &str, workload: &str, n: Option<u64>, threads: u64) {
        match workload {
            "w1" | "w1b" => {
                let driver = driver(hostport);
                driver.verify_connectivity().expect("connect");
                let query = query_for(workload, n);
                let mut session = driver.session(SessionConfig::new());
                let started = start_timer();
                let (rows, sum) = session
                    .auto_commit(query.as_str())
                    .with_receiver(|stream| {
                        let mut rows = 0u64;
                        let mut sum = 0i64;
                        for rec in stream {
                            let rec = rec?;
                            if let Some(ValueReceive::Integer(i)) = rec.values().next() {
                                sum += i;
                            }
                            rows += 1;
                        }
                        Ok((rows, sum))
                    })
                    .run()
                    .expect("stream");
                report(CLIENT, workload, rows, started, &format!(", \"rows\": {rows}, \"check\": {sum}"));
            }
            "w2" => {
                let n = n.unwrap_or(5000);
                let driver = driver(hostport);
                for _ in 0..n.min(200) {
                    return_1(&driver);
                }
                let started = start_timer();
                for _ in 0..n {
                    return_1(&driver);
                }
                report(CLIENT, "w2", n, started, "");
            }
            "w3" => {
                let n = n.unwrap_or(2000);
                let driver = driver(hostport);
                std::thread::scope(|s| {
                    for _ in 0..threads {
                        s.spawn(|| return_1(&driver));
                    }
                });
                let started = start_timer();
                std::thread::scope(|s| {
                    for _ in 0..threads {
                        s.spawn(|| {
                            for _ in 0..n {
                                return_1(&driver);
                            }
                        });
                    }
                });
                report(CLIENT, "w3", n * threads, started, &format!(", \"threads\": {threads}"));
            }
            "w4" => {
                let n = n.unwrap_or(200);
                let started = start_timer();
                for _ in 0..n {
                    let d = driver(hostport);
                    d.verify_connectivity().expect("verify");
                    drop(d);
                }
                report(CLIENT, "w4", n, started, "");
            }
            other => panic!("unknown workload {other}"),
        }
    }
}

mod neo4rs_crate {
    use super::*;
    use neo4rs::{query, ConfigBuilder, Graph};

    const CLIENT: &str = "rust-neo4rs";

    async fn graph(hostport: &str) -> Graph {
        let (user, password) = credentials();
        let config = ConfigBuilder::default()
            .uri(hostport)
            .user(user)
            .password(password)
            .fetch_size(1000)
            .max_connections(16)
            .build()
            .expect("config");
        Graph::connect(config).await.expect("connect")
    }

    async fn return_1(graph: &Graph) {
        let mut stream = graph.execute(query(RETURN_1)).await.expect("RETURN 1");
        let mut count = 0;
        while let Some(row) = stream.next().await.expect("row") {
            assert_eq!(row.get::<i64>("n").expect("n"), 1);
            count += 1;
        }
        assert_eq!(count, 1);
    }

    pub fn run(hostport: &str, workload: &str, n: Option<u64>, threads: u64) {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads.max(1) as usize)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            match workload {
                "w1" | "w1b" => {
                    let graph = graph(hostport).await;
                    return_1(&graph).await; // connect before the timer
                    let started = start_timer();
                    let mut stream = graph.execute(query(&query_for(workload, n))).await.expect("run");
                    let (mut rows, mut sum) = (0u64, 0i64);
                    while let Some(row) = stream.next().await.expect("row") {
                        sum += row.get::<i64>("i").expect("i");
                        rows += 1;
                    }
                    report(CLIENT, workload, rows, started, &format!(", \"rows\": {rows}, \"check\": {sum}"));
                }
                "w2" => {
                    let n = n.unwrap_or(5000);
                    let graph = graph(hostport).await;
                    for _ in 0..n.min(200) {
                        return_1(&graph).await;
                    }
                    let started = start_timer();
                    for _ in 0..n {
                        return_1(&graph).await;
                    }
                    report(CLIENT, "w2", n, started, "");
                }
                "w3" => {
                    let n = n.unwrap_or(2000);
                    let graph = graph(hostport).await;
                    let warm: Vec<_> = (0..threads)
                        .map(|_| {
                            let g = graph.clone();
                            tokio::spawn(async move { return_1(&g).await })
                        })
                        .collect();
                    for w in warm {
                        w.await.expect("warm-up task");
                    }
                    let started = start_timer();
                    let tasks: Vec<_> = (0..threads)
                        .map(|_| {
                            let g = graph.clone();
                            tokio::spawn(async move {
                                for _ in 0..n {
                                    return_1(&g).await;
                                }
                            })
                        })
                        .collect();
                    for t in tasks {
                        t.await.expect("task");
                    }
                    report(CLIENT, "w3", n * threads, started, &format!(", \"threads\": {threads}"));
                }
                "w4" => {
                    // neo4rs has no verify_connectivity and connects lazily: one RETURN 1 verifies.
                    let n = n.unwrap_or(200);
                    let started = start_timer();
                    for _ in 0..n {
                        let g = graph(hostport).await;
                        return_1(&g).await;
                        drop(g);
                    }
                    report(CLIENT, "w4", n, started, "");
                }
                other => panic!("unknown workload {other}"),
            }
        });
    }
}
