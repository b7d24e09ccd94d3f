//! A Bolt server that answers from pre-encoded memory, so client benchmarks measure clients.
//!
//! `replay [--port P] [--max-minor M] [--latency-us L]` listens on 127.0.0.1 (port 0 picks one) and prints
//! `listening on 127.0.0.1:<port>` once ready. It negotiates Bolt 5.0–5.7 (the highest the client
//! offers, capped at 5.M) or 4.4, accepts any HELLO/LOGON, and answers RUN with the workload the
//! query names (see `boltc_bench::Workload`), honouring PULL n / has_more and DISCARD. BEGIN,
//! COMMIT, ROLLBACK, RESET, TELEMETRY, LOGOFF succeed; GOODBYE closes. One thread per connection
//! at a time (idle threads are reused for new connections);
//! replies are written when the client has nothing more buffered (so pipelined requests get their
//! replies in one write). `--latency-us` holds each write of replies back by L microseconds, a
//! stand-in for the round trip of a real network (loopback has almost none).
//!
//! A connection that starts with an HTTP request (`GET `) is upgraded to a WebSocket (Bolt over
//! WebSocket, the `ws://` scheme): the same conversation in binary WebSocket messages, one per
//! write of replies.

use boltc::bolt::chunk::ChunkReader;
use boltc::packstream::{DecodeOptions, Decoder};
use boltc::Value;
use boltc_bench::{message, tag, write_str_map, Encoded, Workload};
use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

type Cache = Arc<Mutex<HashMap<Workload, Arc<Encoded>>>>;

fn main() {
    let mut port = 0u16;
    let mut max_minor = 7u8;
    let mut preload = Vec::new();
    let mut latency = std::time::Duration::ZERO;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().expect("missing value after flag");
        match a.as_str() {
            "--port" => port = val().parse().expect("--port N"),
            "--max-minor" => max_minor = val().parse().expect("--max-minor M"),
            "--preload" => preload.push(val()),
            "--latency-us" => {
                latency = std::time::Duration::from_micros(val().parse().expect("--latency-us L"));
            }
            _ => panic!(
                "usage: replay [--port P] [--max-minor M] [--latency-us L] [--preload QUERY]..."
            ),
        }
    }
    let cache: Cache = Arc::default();
    for q in preload {
        encoded(&cache, Workload::parse(&q));
    }
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind");
    println!(
        "listening on {}",
        listener.local_addr().expect("local address")
    );
    io::stdout().flush().ok();
    // Connections go to idle worker threads, the one idle the shortest first, each woken
    // through its own channel; a new thread is started only when none is idle. So a
    // reconnecting client (W4) pays for neither a thread start nor more than one wake-up per
    // connection on the server.
    type Work = (usize, TcpStream);
    let idle: Arc<Mutex<Vec<std::sync::mpsc::Sender<Work>>>> = Arc::default();
    for (id, conn) in listener.incoming().enumerate() {
        let Ok(conn) = conn else { continue };
        let worker = idle.lock().expect("idle lock").pop();
        let worker = worker.unwrap_or_else(|| {
            let (to_worker, inbox) = std::sync::mpsc::channel::<Work>();
            let (me, idle, cache) = (to_worker.clone(), idle.clone(), cache.clone());
            std::thread::spawn(move || {
                while let Ok((id, conn)) = inbox.recv() {
                    if let Err(e) = serve_any(conn, id, max_minor, latency, &cache) {
                        if e.kind() != io::ErrorKind::UnexpectedEof {
                            eprintln!("replay: connection {id}: {e}");
                        }
                    }
                    idle.lock().expect("idle lock").push(me.clone());
                }
            });
            to_worker
        });
        worker
            .send((id, conn))
            .expect("a worker waits on its channel");
    }
}

fn encoded(cache: &Cache, w: Workload) -> Arc<Encoded> {
    let mut c = cache.lock().expect("cache lock");
    c.entry(w).or_insert_with(|| Arc::new(w.encode())).clone()
}

/// The version to answer, from the 16 proposal bytes: the first proposal that covers
/// 5.0..=5.max_minor or a 4.x (4.4 from a range; neo4rs 0.8 offers only 4.1 and 4.0).
fn choose(proposals: &[u8], max_minor: u8) -> Option<(u8, u8)> {
    for p in proposals.chunks(4) {
        let (range, minor, major) = (p[1], p[2], p[3]);
        let lowest = minor.saturating_sub(range);
        match major {
            5 if lowest <= max_minor => return Some((5, minor.min(max_minor))),
            4 if minor <= 4 => return Some((4, minor)),
            4 if lowest <= 4 => return Some((4, 4)),
            _ => {}
        }
    }
    None
}

/// The result a connection is streaming.
struct Cursor {
    data: Arc<Encoded>,
    next: usize,
}

/// Serves plain Bolt, or Bolt over WebSocket when the client starts with an HTTP request.
fn serve_any(
    conn: TcpStream,
    id: usize,
    max_minor: u8,
    latency: std::time::Duration,
    cache: &Cache,
) -> io::Result<()> {
    conn.set_nodelay(true)?;
    let mut first = [0u8; 4];
    loop {
        match conn.peek(&mut first)? {
            // Closed before saying anything (a port probe): nothing to serve. Peeking on
            // at end of stream would return 0 forever, and the worker would never be idle.
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n if n < 4 => std::thread::sleep(std::time::Duration::from_micros(100)),
            _ => break,
        }
    }
    if &first != b"GET " {
        return serve(conn, id, max_minor, latency, cache);
    }
    let ws = tungstenite::accept(conn).map_err(|e| io::Error::other(e.to_string()))?;
    serve(
        WsConn {
            ws,
            inbox: Default::default(),
            pos: 0,
        },
        id,
        max_minor,
        latency,
        cache,
    )
}

/// The server side of Bolt over WebSocket: reads through binary messages, each write is one
/// binary message.
struct WsConn {
    ws: tungstenite::WebSocket<TcpStream>,
    inbox: tungstenite::Bytes,
    pos: usize,
}

impl Read for WsConn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.inbox.len() {
            match self.ws.read() {
                Ok(tungstenite::Message::Binary(b)) => {
                    self.inbox = b;
                    self.pos = 0;
                }
                Ok(tungstenite::Message::Close(_))
                | Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                    return Ok(0)
                }
                Ok(_) => {}
                Err(tungstenite::Error::Io(e)) => return Err(e),
                Err(e) => return Err(io::Error::other(e.to_string())),
            }
        }
        let n = buf.len().min(self.inbox.len() - self.pos);
        buf[..n].copy_from_slice(&self.inbox[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl Write for WsConn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.ws
            .send(tungstenite::Message::Binary(buf.to_vec().into()))
            .map_err(|e| match e {
                tungstenite::Error::Io(e) => e,
                e => io::Error::other(e.to_string()),
            })?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn serve<C: Read + Write>(
    mut conn: C,
    id: usize,
    max_minor: u8,
    latency: std::time::Duration,
    cache: &Cache,
) -> io::Result<()> {
    let mut hs = [0u8; 20];
    conn.read_exact(&mut hs)?;
    if hs[..4] != [0x60, 0x60, 0xB0, 0x17] {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "not Bolt"));
    }
    let Some((major, minor)) = choose(&hs[4..], max_minor) else {
        conn.write_all(&[0; 4])?;
        return Ok(());
    };
    conn.write_all(&[0, 0, minor, major])?;
    let mut reader = ChunkReader::new(64 * 1024, 16 << 20);
    let mut out = Vec::with_capacity(64 * 1024);
    let mut cursor: Option<Cursor> = None;
    let mut in_tx = false;
    let mut next_qid = 0i64;
    let conn_id = format!("bolt-{id}");
    loop {
        if reader.buffered() == 0 && !out.is_empty() {
            if !latency.is_zero() {
                std::thread::sleep(latency);
            }
            conn.write_all(&out)?;
            out.clear();
        }
        let body = reader
            .read_message(&mut conn)
            .map_err(|e| io::Error::new(io::ErrorKind::UnexpectedEof, format!("{e:?}")))?;
        let mut d = Decoder::new(body, DecodeOptions::default());
        let (_, t) = d
            .read_struct_header()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
        match t {
            tag::HELLO => {
                // As Neo4j does: a Bolt 5.3+ HELLO must carry `bolt_agent` (a map).
                let has_agent = match d.read_value() {
                    Ok(Value::Map(m)) => matches!(m.get("bolt_agent"), Some(Value::Map(_))),
                    _ => false,
                };
                if (major, minor) >= (5, 3) && !has_agent {
                    failure(
                        &mut out,
                        "Neo.ClientError.Request.Invalid",
                        "HELLO on Bolt 5.3+ needs a bolt_agent map",
                    );
                    conn.write_all(&out)?;
                    return Ok(());
                }
                success(
                    &mut out,
                    &[("server", "Neo4j/5.13.0"), ("connection_id", &conn_id)],
                )
            }
            tag::GOODBYE => {
                conn.write_all(&out)?;
                return Ok(());
            }
            tag::RUN => {
                let query = match d.read_value() {
                    Ok(Value::String(q)) => q,
                    _ => return Err(io::Error::new(io::ErrorKind::InvalidData, "RUN")),
                };
                let w = Workload::parse(&query);
                let qid = if in_tx {
                    next_qid += 1;
                    next_qid - 1
                } else {
                    -1
                };
                message(&mut out, 1, tag::SUCCESS, |e| {
                    e.write_map_header(2 + usize::from(in_tx)).expect("map");
                    e.write_str("fields").expect("str");
                    e.write_list_header(w.fields().len()).expect("list");
                    for f in w.fields() {
                        e.write_str(f).expect("str");
                    }
                    e.write_str("t_first").expect("str");
                    e.write_int(0);
                    if in_tx {
                        e.write_str("qid").expect("str");
                        e.write_int(qid);
                    }
                });
                cursor = Some(Cursor {
                    data: encoded(cache, w),
                    next: 0,
                });
            }
            tag::PULL | tag::DISCARD => {
                let n = match d.read_value() {
                    Ok(Value::Map(m)) => match m.get("n") {
                        Some(Value::Int(n)) => *n,
                        _ => -1,
                    },
                    _ => -1, // Bolt 3 PULL_ALL/DISCARD_ALL carry no fields
                };
                let Some(c) = cursor.as_mut() else {
                    failure(
                        &mut out,
                        "Neo.ClientError.Request.Invalid",
                        "nothing to pull",
                    );
                    continue;
                };
                let total = c.data.offsets.len() - 1;
                let take = if n < 0 {
                    total - c.next
                } else {
                    usize::try_from(n).unwrap_or(usize::MAX).min(total - c.next)
                };
                if t == tag::PULL {
                    let slice =
                        &c.data.bytes[c.data.offsets[c.next]..c.data.offsets[c.next + take]];
                    if slice.len() > 64 * 1024 {
                        conn.write_all(&out)?;
                        out.clear();
                        conn.write_all(slice)?;
                    } else {
                        out.extend_from_slice(slice);
                    }
                }
                c.next += take;
                if c.next < total {
                    message(&mut out, 1, tag::SUCCESS, |e| {
                        e.write_map_header(1).expect("map");
                        e.write_str("has_more").expect("str");
                        e.write_bool(true);
                    });
                } else {
                    cursor = None;
                    if in_tx {
                        success(&mut out, &[("type", "r"), ("db", "neo4j")]);
                    } else {
                        success(
                            &mut out,
                            &[("bookmark", "FB:replay"), ("type", "r"), ("db", "neo4j")],
                        );
                    }
                }
            }
            tag::BEGIN => {
                in_tx = true;
                next_qid = 0;
                success(&mut out, &[]);
            }
            tag::COMMIT => {
                in_tx = false;
                success(&mut out, &[("bookmark", "FB:replay")]);
            }
            tag::ROLLBACK => {
                in_tx = false;
                success(&mut out, &[]);
            }
            tag::RESET => {
                in_tx = false;
                cursor = None;
                success(&mut out, &[]);
            }
            tag::LOGON | tag::LOGOFF | tag::TELEMETRY => success(&mut out, &[]),
            tag::ROUTE => failure(
                &mut out,
                "Neo.ClientError.Procedure.ProcedureNotFound",
                "no routing",
            ),
            other => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("unexpected message 0x{other:02X}"),
                ))
            }
        }
    }
}

fn success(out: &mut Vec<u8>, meta: &[(&str, &str)]) {
    message(out, 1, tag::SUCCESS, |e| write_str_map(e, meta));
}

fn failure(out: &mut Vec<u8>, code: &str, msg: &str) {
    message(out, 1, tag::FAILURE, |e| {
        write_str_map(e, &[("code", code), ("message", msg)]);
    });
}
