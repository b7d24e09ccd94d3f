//! boltc's benchmark harness: the workloads every client runs, and small Bolt wire helpers
//! shared by the replay server and the raw limit clients.
//!
//! The workload queries are plain Cypher that FalkorDB can also run; the replay server
//! recognises them by shape (see [`Workload::parse`]) and answers from pre-encoded memory.

use boltc::bolt::chunk::write_message;
use boltc::packstream::{Dialect, Encoder};
use std::io::{self, Read, Write};
use std::time::Instant;

/// W1: one integer column.
pub fn w1_query(rows: u64) -> String {
    format!("UNWIND range(1, {rows}) AS i RETURN i")
}

/// W1b: an int, a string, a 2-item list and a 1-entry map per row.
pub fn w1b_query(rows: u64) -> String {
    format!(
        "UNWIND range(1, {rows}) AS i RETURN i, 'name-' + toString(i) AS s, [i, i + 1] AS l, {{k: i}} AS m"
    )
}

/// W2/W3: the smallest round trip.
pub const RETURN_1: &str = "RETURN 1 AS n";

/// What a query asks the replay server for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Workload {
    /// `rows` single-int records.
    Ints(u64),
    /// `rows` wide records.
    Wide(u64),
    /// One record `[1]`.
    One,
}

impl Workload {
    /// Recognises the queries above; anything else is answered like `RETURN 1 AS n`.
    pub fn parse(query: &str) -> Workload {
        let Some(rest) = query.strip_prefix("UNWIND range(1, ") else {
            return Workload::One;
        };
        let Some(end) = rest.find(')') else {
            return Workload::One;
        };
        let Ok(rows) = rest[..end].trim().parse::<u64>() else {
            return Workload::One;
        };
        if query.contains(" AS s") {
            Workload::Wide(rows)
        } else {
            Workload::Ints(rows)
        }
    }

    /// The column names.
    pub fn fields(&self) -> &'static [&'static str] {
        match self {
            Workload::Ints(_) => &["i"],
            Workload::Wide(_) => &["i", "s", "l", "m"],
            Workload::One => &["n"],
        }
    }

    /// Number of records.
    pub fn rows(&self) -> u64 {
        match self {
            Workload::Ints(n) | Workload::Wide(n) => *n,
            Workload::One => 1,
        }
    }

    /// Appends the body of record `i` (0-based) to `out` (not chunked).
    fn record_body(&self, i: u64, out: &mut Vec<u8>) {
        let mut e = Encoder::new(out, Dialect::LATEST);
        e.write_struct_header(1, 0x71);
        let v = i64::try_from(i + 1).expect("invariant: row counts fit in i64");
        match self {
            Workload::Ints(_) => {
                e.write_list_header(1).expect("invariant: tiny list");
                e.write_int(v);
            }
            Workload::Wide(_) => {
                e.write_list_header(4).expect("invariant: tiny list");
                e.write_int(v);
                e.write_str(&format!("name-{v}"))
                    .expect("invariant: short string");
                e.write_list_header(2).expect("invariant: tiny list");
                e.write_int(v);
                e.write_int(v + 1);
                e.write_map_header(1).expect("invariant: tiny map");
                e.write_str("k").expect("invariant: short string");
                e.write_int(v);
            }
            Workload::One => {
                e.write_list_header(1).expect("invariant: tiny list");
                e.write_int(1);
            }
        }
    }

    /// All records, chunked, with the offset where each starts (and one past the end).
    pub fn encode(&self) -> Encoded {
        let rows = usize::try_from(self.rows()).expect("invariant: fits in memory");
        let mut bytes = Vec::with_capacity(rows * 12);
        let mut offsets = Vec::with_capacity(rows + 1);
        let mut body = Vec::with_capacity(64);
        for i in 0..self.rows() {
            offsets.push(bytes.len());
            body.clear();
            self.record_body(i, &mut body);
            write_message(&mut bytes, &body, 0xFFFF);
        }
        offsets.push(bytes.len());
        Encoded { bytes, offsets }
    }
}

/// A result as the wire carries it.
pub struct Encoded {
    /// Every RECORD message, chunked, back to back.
    pub bytes: Vec<u8>,
    /// `offsets[k]` is where record `k` starts; the last entry is `bytes.len()`.
    pub offsets: Vec<usize>,
}

/// Message tags (requests and responses).
pub mod tag {
    #![allow(missing_docs)]
    pub const HELLO: u8 = 0x01;
    pub const GOODBYE: u8 = 0x02;
    pub const RESET: u8 = 0x0F;
    pub const RUN: u8 = 0x10;
    pub const BEGIN: u8 = 0x11;
    pub const COMMIT: u8 = 0x12;
    pub const ROLLBACK: u8 = 0x13;
    pub const DISCARD: u8 = 0x2F;
    pub const PULL: u8 = 0x3F;
    pub const TELEMETRY: u8 = 0x54;
    pub const ROUTE: u8 = 0x66;
    pub const LOGON: u8 = 0x6A;
    pub const LOGOFF: u8 = 0x6B;
    pub const SUCCESS: u8 = 0x70;
    pub const RECORD: u8 = 0x71;
    pub const IGNORED: u8 = 0x7E;
    pub const FAILURE: u8 = 0x7F;
}

/// Builds one chunked message: a structure with `tag` whose fields `fill` writes.
pub fn message(out: &mut Vec<u8>, fields: u8, tag: u8, fill: impl FnOnce(&mut Encoder<'_>)) {
    let mut body = Vec::with_capacity(128);
    let mut e = Encoder::new(&mut body, Dialect::LATEST);
    e.write_struct_header(fields, tag);
    fill(&mut e);
    write_message(out, &body, 0xFFFF);
}

/// Writes a map of string keys to string values.
pub fn write_str_map(e: &mut Encoder<'_>, entries: &[(&str, &str)]) {
    e.write_map_header(entries.len())
        .expect("invariant: small map");
    for (k, v) in entries {
        e.write_str(k).expect("invariant: short string");
        e.write_str(v).expect("invariant: short string");
    }
}

/// The busy-poll window of the benchmark clients: `BOLTC_BENCH_BUSY_POLL_US` (for A/B runs),
/// else boltc's default.
pub fn busy_poll() -> std::time::Duration {
    std::env::var("BOLTC_BENCH_BUSY_POLL_US").map_or(boltc::DEFAULT_BUSY_POLL, |us| {
        std::time::Duration::from_micros(us.parse().expect("BOLTC_BENCH_BUSY_POLL_US: µs"))
    })
}

/// The client side of a minimal Bolt connection for the raw limit clients: handshake (5.7..5.0,
/// then 4.4), HELLO (+LOGON), then raw bytes.
///
/// Its reads wait the way boltc's do by default (busy polling for
/// [`boltc::DEFAULT_BUSY_POLL`] before sleeping; `BOLTC_BENCH_BUSY_POLL_US` overrides), so a
/// limit measures the work of a client, not a different way of waiting.
pub struct RawConn {
    /// The socket.
    pub stream: boltc::net::Stream,
    /// The negotiated (major, minor).
    pub version: (u8, u8),
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl RawConn {
    /// Connects to `host:port`, negotiates and authenticates.
    ///
    /// # Errors
    /// Transport errors, or `InvalidData` when the server refuses.
    pub fn connect(addr: &str) -> io::Result<RawConn> {
        RawConn::connect_with_buffer(addr, 256 * 1024)
    }

    /// [`RawConn::connect`] with a read buffer of `size` bytes (a connect-only floor needs
    /// little; a drain wants a large one).
    ///
    /// # Errors
    /// As [`RawConn::connect`].
    pub fn connect_with_buffer(addr: &str, size: usize) -> io::Result<RawConn> {
        let tcp = std::net::TcpStream::connect(addr)?;
        tcp.set_nodelay(true)?;
        let mut stream = boltc::net::Stream::from_tcp(tcp);
        stream.set_busy_poll(busy_poll());
        stream.write_all(&[
            0x60, 0x60, 0xB0, 0x17, 0, 7, 7, 5, 0, 0, 4, 4, 0, 0, 0, 0, 0, 0, 0, 0,
        ])?;
        let mut v = [0u8; 4];
        stream.read_exact(&mut v)?;
        if v == [0; 4] {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "no common version",
            ));
        }
        let version = (v[3], v[2]);
        let mut conn = RawConn {
            stream,
            version,
            buf: vec![0; size],
            start: 0,
            end: 0,
        };
        let mut out = Vec::new();
        let logon = version >= (5, 1);
        let (user, password) = credentials();
        let (user, password) = (user.as_str(), password.as_str());
        // Bolt 5.3+ servers refuse a HELLO without `bolt_agent` (a map with at least `product`).
        let agent = version >= (5, 3);
        message(&mut out, 1, tag::HELLO, |e| {
            if logon {
                e.write_map_header(1 + usize::from(agent))
                    .expect("invariant: small map");
                e.write_str("user_agent").expect("invariant: short string");
                e.write_str("boltc-raw/0").expect("invariant: short string");
                if agent {
                    e.write_str("bolt_agent").expect("invariant: short string");
                    write_str_map(e, &[("product", "boltc-raw/0")]);
                }
            } else {
                write_str_map(
                    e,
                    &[
                        ("user_agent", "boltc-raw/0"),
                        ("scheme", "basic"),
                        ("principal", user),
                        ("credentials", password),
                    ],
                );
            }
        });
        if logon {
            message(&mut out, 1, tag::LOGON, |e| {
                write_str_map(
                    e,
                    &[
                        ("scheme", "basic"),
                        ("principal", user),
                        ("credentials", password),
                    ],
                );
            });
        }
        conn.stream.write_all(&out)?;
        for _ in 0..(1 + usize::from(logon)) {
            let (t, _) = conn.next_message_tag()?;
            if t != tag::SUCCESS {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "auth refused"));
            }
        }
        Ok(conn)
    }

    fn fill(&mut self, n: usize) -> io::Result<()> {
        if self.end - self.start >= n {
            return Ok(());
        }
        if self.start + n > self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        while self.end - self.start < n {
            let r = self.stream.read(&mut self.buf[self.end..])?;
            if r == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            self.end += r;
        }
        Ok(())
    }

    /// Skips to the end of the next message without decoding it: returns its tag and whether
    /// its first chunk contains the bytes `has_more` (only looked at for SUCCESS).
    ///
    /// # Errors
    /// Transport errors and EOF.
    pub fn next_message_tag(&mut self) -> io::Result<(u8, bool)> {
        let mut tag = None;
        let mut has_more = false;
        loop {
            self.fill(2)?;
            let size = usize::from(u16::from_be_bytes([
                self.buf[self.start],
                self.buf[self.start + 1],
            ]));
            self.start += 2;
            if size == 0 {
                if let Some(t) = tag {
                    return Ok((t, has_more));
                }
                continue; // NOOP
            }
            if tag.is_none() {
                self.fill(size.min(2))?;
                let t = self.buf[self.start + size.min(2) - 1];
                if t == tag::SUCCESS {
                    self.fill(size)?;
                    has_more = self.buf[self.start..self.start + size]
                        .windows(8)
                        .any(|w| w == b"has_more");
                }
                tag = Some(t);
            }
            self.skip(size)?;
        }
    }

    fn skip(&mut self, mut n: usize) -> io::Result<()> {
        while n > 0 {
            if self.start == self.end {
                self.start = 0;
                self.end = 0;
                self.fill(1)?;
            }
            let take = n.min(self.end - self.start);
            self.start += take;
            n -= take;
        }
        Ok(())
    }
}

/// RUN `query` (no parameters) + PULL `n`, pre-encoded for the negotiated version.
pub fn run_pull(query: &str, n: i64) -> Vec<u8> {
    let mut out = Vec::new();
    message(&mut out, 3, tag::RUN, |e| {
        e.write_str(query).expect("invariant: short query");
        e.write_map_header(0).expect("invariant: empty map");
        e.write_map_header(0).expect("invariant: empty map");
    });
    out.extend(pull(n));
    out
}

/// PULL {n}.
pub fn pull(n: i64) -> Vec<u8> {
    let mut out = Vec::new();
    message(&mut out, 1, tag::PULL, |e| {
        e.write_map_header(1).expect("invariant: tiny map");
        e.write_str("n").expect("invariant: short string");
        e.write_int(n);
    });
    out
}

/// The credentials every bench client uses: `BENCH_USER` / `BENCH_PASSWORD`, default `neo4j` /
/// `password` (the replay server accepts any).
pub fn credentials() -> (String, String) {
    (
        std::env::var("BENCH_USER").unwrap_or_else(|_| "neo4j".into()),
        std::env::var("BENCH_PASSWORD").unwrap_or_else(|_| "password".into()),
    )
}

/// The process's CPU time so far (user + sys, all threads, including finished ones).
pub fn process_cpu() -> std::time::Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the call only writes into it.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return std::time::Duration::ZERO;
    }
    std::time::Duration::new(
        u64::try_from(ts.tv_sec).unwrap_or(0),
        u32::try_from(ts.tv_nsec).unwrap_or(0),
    )
}

/// The process CPU time at the last [`start_timer`], in nanoseconds.
static CPU_AT_START: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Starts the timed part of a workload: returns the wall-clock start for [`report`] and
/// remembers the process CPU time, so the report can give the CPU spent since (`cpu_s`).
pub fn start_timer() -> Instant {
    #[cfg(feature = "poll-stats")]
    poll_stats::start();
    let cpu = u64::try_from(process_cpu().as_nanos()).unwrap_or(u64::MAX);
    CPU_AT_START.store(cpu, std::sync::atomic::Ordering::Relaxed);
    Instant::now()
}

/// Prints the one JSON line every bench client prints: wall time since `started`, per-op µs,
/// peak RSS, and `cpu_s`, the process CPU (user + sys) since [`start_timer`].
pub fn report(client: &str, workload: &str, ops: u64, started: Instant, extra: &str) {
    let secs = started.elapsed().as_secs_f64();
    let cpu_ns = u64::try_from(process_cpu().as_nanos()).unwrap_or(u64::MAX)
        - CPU_AT_START.load(std::sync::atomic::Ordering::Relaxed);
    // Nanoseconds of a benchmark run fit an f64 exactly enough.
    #[allow(clippy::cast_precision_loss)]
    let cpu = cpu_ns as f64 / 1e9;
    // `ops` is at most a few million, exactly representable in an f64.
    #[allow(clippy::cast_precision_loss)]
    let per_op_us = secs * 1e6 / ops.max(1) as f64;
    println!(
        "{{\"client\": \"{client}\", \"workload\": \"{workload}\", \"ops\": {ops}, \"seconds\": {secs:.6}, \"per_op_us\": {per_op_us:.3}, \"max_rss_kb\": {}, \"cpu_s\": {cpu:.6}{extra}}}",
        max_rss_kb()
    );
    #[cfg(feature = "poll-stats")]
    poll_stats::report();
}

/// With the `poll-stats` feature: what boltc's busy polling did in the timed part (between
/// [`start_timer`] and [`report`]), printed to stderr as one line.
#[cfg(feature = "poll-stats")]
mod poll_stats {
    use boltc::net::{poll_stats, PollStats};
    use std::sync::Mutex;

    static AT_START: Mutex<Option<PollStats>> = Mutex::new(None);

    pub(crate) fn start() {
        *AT_START
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(poll_stats());
    }

    pub(crate) fn report() {
        let end = poll_stats();
        let start = AT_START
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .unwrap_or_default();
        eprintln!(
            "poll-stats: waits {} asked {} crowded {} skipped {} refused {} ready {} quick_hits {} late_hits {} misses {} spun_ms {:.3}",
            end.waits - start.waits,
            end.asked - start.asked,
            end.crowded - start.crowded,
            end.skipped - start.skipped,
            end.refused - start.refused,
            end.ready - start.ready,
            end.quick_hits - start.quick_hits,
            end.late_hits - start.late_hits,
            end.misses - start.misses,
            (end.spun - start.spun).as_secs_f64() * 1e3,
        );
    }
}

/// This process's peak resident set size (`VmHWM`), in KiB; 0 when unknown.
pub fn max_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_parse_to_their_workloads() {
        assert_eq!(
            Workload::parse(&w1_query(1_000_000)),
            Workload::Ints(1_000_000)
        );
        assert_eq!(
            Workload::parse(&w1b_query(200_000)),
            Workload::Wide(200_000)
        );
        assert_eq!(Workload::parse(RETURN_1), Workload::One);
    }

    #[test]
    fn encoded_records_decode_with_boltc() {
        let enc = Workload::Wide(3).encode();
        assert_eq!(enc.offsets.len(), 4);
        let mut r = boltc::bolt::chunk::ChunkReader::new(1024, 1 << 20);
        let mut src = &enc.bytes[..];
        let body = r.read_message(&mut src).unwrap().to_vec();
        let mut d = boltc::packstream::Decoder::new(&body, Default::default());
        assert_eq!(d.read_struct_header().unwrap(), (1, tag::RECORD));
        let values = d.read_list_of_values().unwrap();
        assert_eq!(values.len(), 4);
        assert_eq!(values[1], boltc::Value::String("name-1".into()));
    }
}
