//! Runs one workload with boltc's Rust API and prints one JSON line (see `boltc_bench::report`).
//!
//! `boltc URI WORKLOAD [N] [THREADS]`, WORKLOAD one of:
//! - `w1`: stream N (default 1,000,000) single-int records, summing them;
//! - `w1b`: stream N (default 200,000) wide records (int, string, 2-list, 1-map);
//! - `w2`: N (default 5,000) sequential `RETURN 1 AS n` on one session;
//! - `w3`: THREADS (default 4) threads × N (default 2,000) `RETURN 1 AS n`, one shared driver;
//! - `w4`: N (default 200) × new driver, verify connectivity, close.
//!
//! W1/W1b read records through the `Iterator` of `RecordStream`, or, with
//! `BOLTC_BENCH_API=rows`, blocks of 1000 rows through `RecordStream::next_rows` (reported as
//! client `boltc-rust-rows`).
//!
//! `BOLTC_BENCH_BUSY_POLL_US` sets the busy-poll window (for A/B runs; default otherwise).
//! Built with `--features poll-stats`, the client also prints to stderr what busy polling did
//! in the timed part (`boltc::net::poll_stats`): how many waits polled, hit, missed or slept
//! at once, and how long it spun.
//!
//! Fetch size 1000 throughout; the timer starts after the driver has connected (except W4).
//! Credentials come from `BENCH_USER` / `BENCH_PASSWORD` (default `neo4j` / `password`).

use boltc::{AuthToken, Config, Driver, SessionConfig, Value};
use boltc_bench::{credentials, report, start_timer, w1_query, w1b_query, RETURN_1};

const CLIENT: &str = "boltc-rust";

fn main() -> boltc::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let uri = args
        .first()
        .expect("usage: boltc URI WORKLOAD [N] [THREADS]");
    let workload = args.get(1).map_or("w1", String::as_str);
    let n: Option<u64> = args.get(2).map(|s| s.parse().expect("N"));
    let threads: u64 = args.get(3).map_or(4, |s| s.parse().expect("THREADS"));
    match workload {
        "w1" => stream(uri, "w1", &w1_query(n.unwrap_or(1_000_000))),
        "w1b" => stream(uri, "w1b", &w1b_query(n.unwrap_or(200_000))),
        "w2" => sequential(uri, n.unwrap_or(5_000)),
        "w3" => concurrent(uri, n.unwrap_or(2_000), threads),
        "w4" => reconnect(uri, n.unwrap_or(200)),
        other => panic!("unknown workload {other}"),
    }
}

fn driver(uri: &str) -> boltc::Result<Driver> {
    Driver::new(
        Config::builder(uri)
            .auth({
                let (user, password) = credentials();
                AuthToken::basic(user, password)
            })
            .fetch_size(1000)
            .busy_poll(boltc_bench::busy_poll())
            .build()?,
    )
}

fn stream(uri: &str, name: &str, query: &str) -> boltc::Result<()> {
    let driver = driver(uri)?;
    driver.verify_connectivity()?;
    let mut session = driver.session(SessionConfig::default())?;
    let started = start_timer();
    let mut rows = 0u64;
    let mut sum = 0i64;
    let by_rows = std::env::var("BOLTC_BENCH_API").is_ok_and(|v| v == "rows");
    let mut result = session.run(query, None)?;
    if by_rows {
        let mut block = boltc::Rows::new();
        loop {
            let more = result.next_rows(1000, &mut block)?;
            for row in block.iter() {
                if let Some(Value::Int(i)) = row.first() {
                    sum += i;
                }
            }
            rows += block.len() as u64;
            if !more {
                break;
            }
        }
    } else {
        for record in result {
            let record = record?;
            if let Some(Value::Int(i)) = record.values().first() {
                sum += i;
            }
            rows += 1;
        }
    }
    report(
        if by_rows { "boltc-rust-rows" } else { CLIENT },
        name,
        rows,
        started,
        &format!(", \"rows\": {rows}, \"check\": {sum}"),
    );
    Ok(())
}

fn return_1(session: &mut boltc::Session) -> boltc::Result<()> {
    let n: i64 = session.run(RETURN_1, None)?.single()?.get(0)?;
    assert_eq!(n, 1);
    Ok(())
}

fn sequential(uri: &str, n: u64) -> boltc::Result<()> {
    let driver = driver(uri)?;
    let mut session = driver.session(SessionConfig::default())?;
    for _ in 0..n.min(200) {
        return_1(&mut session)?;
    }
    let started = start_timer();
    for _ in 0..n {
        return_1(&mut session)?;
    }
    report(CLIENT, "w2", n, started, "");
    Ok(())
}

fn concurrent(uri: &str, n: u64, threads: u64) -> boltc::Result<()> {
    let driver = driver(uri)?;
    // Warm the pool with one connection per thread.
    std::thread::scope(|s| {
        for _ in 0..threads {
            let d = driver.clone();
            s.spawn(move || return_1(&mut d.session(SessionConfig::default())?));
        }
    });
    let started = start_timer();
    std::thread::scope(|s| -> boltc::Result<()> {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let d = driver.clone();
                s.spawn(move || -> boltc::Result<()> {
                    let mut session = d.session(SessionConfig::default())?;
                    for _ in 0..n {
                        return_1(&mut session)?;
                    }
                    Ok(())
                })
            })
            .collect();
        for h in handles {
            h.join().expect("worker thread panicked")?;
        }
        Ok(())
    })?;
    report(
        CLIENT,
        "w3",
        n * threads,
        started,
        &format!(", \"threads\": {threads}"),
    );
    Ok(())
}

fn reconnect(uri: &str, n: u64) -> boltc::Result<()> {
    let started = start_timer();
    for _ in 0..n {
        let d = driver(uri)?;
        d.verify_connectivity()?;
        d.close();
    }
    report(CLIENT, "w4", n, started, "");
    Ok(())
}
