//! A scripted stub Bolt server for tests.
//!
//! [`StubServer::start`] binds `127.0.0.1:0`, accepts connections on a background thread and runs
//! the script once per connection; [`StubServer::finish`] (or drop) waits for the script to be
//! played out and panics with the differences if the client did something else.
//!
//! # Script language
//!
//! One item per line; blank lines and lines starting with `#` are ignored.
//!
//! ```text
//! !: BOLT 5.4                 # version(s) the server accepts, in its order of preference
//! !: BOLT 4.4 4.3             #   (several on one line, or several lines)
//! !: HANDSHAKE 00 00 00 00    # reply these bytes to any proposal instead (needs no BOLT line)
//! !: MANIFEST                 # Bolt 5.7+ manifest v1 negotiation, offering the BOLT versions
//!                             #   (a proposal without the manifest is answered as usual)
//! !: NO RANGES                # read proposals like a 4.0-4.2 server: the range byte is ignored
//! !: MAJOR ONLY               # read proposals like a Bolt 1-3 server: the major byte only
//! !: CONNECTIONS 2            # exactly 2 connections run the script, one after the other
//! !: CONNECTIONS 1..3         # between 1 and 3 connections
//! !: CONCURRENT               # connections run at the same time (each on its own thread)
//! !: AUTO RESET               # an unexpected RESET gets SUCCESS {} (GOODBYE gets nothing)
//!
//! C: HELLO {"user_agent": "*", "scheme": "basic", ..}
//! S: SUCCESS {"server": "Neo4j/5.4.0", "connection_id": "bolt-1"}
//! C: RUN "RETURN 1 AS n" {} {}
//! S: SUCCESS {"fields": ["n"]}
//! C: PULL {"n": 1000}
//! S: RECORD [1]
//! S: RECORD [@Node[1, ["L"], {"p": 1.5}, "n1"]]
//! S: SUCCESS {"type": "r"}
//! ?{                          # optional block: runs if the next client message matches its
//! C: RESET                    #   first line (which must be a C: message line)
//! S: SUCCESS {}
//! }
//! *{                          # repeat block: runs while the next client message matches
//! C: PULL {"n": *}
//! S: SUCCESS {"has_more": true}
//! }
//! C: GOODBYE
//! C: <EOF>                    # the client closes the connection
//! S: <RAW> 00 03 B1 70 A0 00 00   # bytes as they are (no chunking added)
//! S: <NOOP>                   # an empty chunk: 00 00
//! S: <SLEEP 200ms>            # also `<SLEEP 2s>`
//! S: <EXIT>                   # close the connection (rest of the script is skipped)
//! C: <RAW> 00 02 B0 0F 00 00  # expect exactly these bytes (chunk headers included)
//! ```
//!
//! Values are written as in `pattern.rs`: `null`, `true`, `1`, `1.5`, `"s"`, `b[01 02]`, `[..]`,
//! `{..}`, `@N[fields]` structures; in client lines `*` (or `"*"`) matches anything and a trailing
//! `..` in a map allows extra keys (without it the keys must be exactly those written). Server maps
//! are sent in script order, so transcripts can be byte-exact.
//!
//! Message names: INIT/HELLO 01, GOODBYE 02, ACK_FAILURE 0E, RESET 0F, RUN 10, BEGIN 11,
//! COMMIT 12, ROLLBACK 13, DISCARD_ALL/DISCARD 2F, PULL_ALL/PULL 3F, TELEMETRY 54, ROUTE 66,
//! LOGON 6A, LOGOFF 6B, SUCCESS 70, RECORD 71, IGNORED 7E, FAILURE 7F, or `0xNN` for any tag.
//! Client messages are compared by tag and fields, so `INIT` and `HELLO` are interchangeable.
//!
//! Handshake: the server reads `60 60 B0 17` and four proposals `[0, range, minor, major]` (each
//! covers `major.minor` down to `major.(minor - range)`), answers the first proposal (in client
//! order) that covers a `!: BOLT` version, or `00 00 00 00` and closes. A rejected handshake is a
//! failure only if the script has steps and no later connection may run them: a client that falls
//! back to older proposals on a second connection is scripted with `!: CONNECTIONS 2`.
//! At the end of the script the server closes the socket.

use super::conn::Conn;
use super::script::Script;
use std::io::ErrorKind as IoKind;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How long [`StubServer::finish`] waits for the script to be played out by default.
pub const DEFAULT_FINISH_TIMEOUT: Duration = Duration::from_secs(10);

/// How often blocked reads and the accept loop look at the stop flag.
pub(super) const POLL: Duration = Duration::from_millis(20);

/// A scripted Bolt server on a loopback port.
pub struct StubServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
    finish_timeout: Duration,
    result: Option<Result<(), String>>,
}

pub(super) struct Shared {
    pub(super) script: Script,
    pub(super) stop: AtomicBool,
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    accepted: usize,
    done: usize,
    errors: Vec<String>,
    transcripts: Vec<(usize, Vec<String>)>,
    /// The client messages matched so far, on any connection, as they arrive.
    received: Vec<String>,
}

impl StubServer {
    /// Parses `script` and starts serving it.
    ///
    /// # Panics
    /// On a script syntax error (the message names the line) or if no port can be bound.
    pub fn start(script: &str) -> StubServer {
        StubServer::start_on("127.0.0.1:0".parse().expect("a socket address"), script)
    }

    /// Like [`StubServer::start`], on the loopback address `addr` (e.g. the port of a stub that
    /// was finished, to stand for a server replaced at the same address).
    ///
    /// # Panics
    /// As [`StubServer::start`], or if `addr` cannot be bound.
    pub fn start_on(addr: SocketAddr, script: &str) -> StubServer {
        let script = Script::parse(script).unwrap_or_else(|e| panic!("bad stub script: {e}"));
        let listener = TcpListener::bind(addr).expect("bind a loopback port");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let addr = listener.local_addr().expect("listener address");
        let shared = Arc::new(Shared {
            script,
            stop: AtomicBool::new(false),
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
        });
        let for_thread = Arc::clone(&shared);
        let acceptor = thread::Builder::new()
            .name("stub-accept".into())
            .spawn(move || accept_loop(&listener, &for_thread))
            .expect("spawn the stub server thread");
        StubServer {
            addr,
            shared,
            acceptor: Some(acceptor),
            finish_timeout: DEFAULT_FINISH_TIMEOUT,
            result: None,
        }
    }

    /// Reads a script file (relative paths are taken from the crate root) and starts serving it.
    ///
    /// # Panics
    /// If the file cannot be read, or as [`StubServer::start`].
    pub fn start_file(path: &str) -> StubServer {
        let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
        let text = std::fs::read_to_string(&full)
            .unwrap_or_else(|e| panic!("read {}: {e}", full.display()));
        StubServer::start(&text)
    }

    /// `"127.0.0.1:port"`.
    pub fn address(&self) -> String {
        self.addr.to_string()
    }

    /// `"bolt://127.0.0.1:port"`.
    pub fn uri(&self) -> String {
        format!("bolt://{}", self.addr)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Changes how long `finish` waits for the script to complete (default 10 s).
    pub fn set_finish_timeout(&mut self, timeout: Duration) {
        self.finish_timeout = timeout;
    }

    /// How many connections were accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.lock().accepted
    }

    /// The client messages the script matched so far (`C: ...` lines, all connections, in
    /// arrival order), while connections are still running.
    pub fn received(&self) -> Vec<String> {
        self.shared.lock().received.clone()
    }

    /// What each connection did so far (`C: ...`/`S: ...` lines), by connection number.
    pub fn transcripts(&self) -> Vec<Vec<String>> {
        let mut t = self.shared.lock().transcripts.clone();
        t.sort_by_key(|(id, _)| *id);
        t.into_iter().map(|(_, lines)| lines).collect()
    }

    /// Waits (bounded by the finish timeout) until the script was played out, stops the server and
    /// returns the mismatches, if any, as one readable report. Later calls return the same result,
    /// and drop no longer checks: the caller owns the report.
    ///
    /// # Errors
    /// When the client deviated from the script, made too few or too many connections, or the
    /// script did not complete in time.
    pub fn try_finish(&mut self) -> Result<(), String> {
        if let Some(result) = &self.result {
            return result.clone();
        }
        let (lo, hi) = self.shared.script.connections;
        let deadline = Instant::now() + self.finish_timeout;
        let mut timed_out = false;
        {
            let mut st = self.shared.lock();
            while !(st.done >= hi || (st.done >= lo && st.accepted == st.done)) {
                let now = Instant::now();
                if now >= deadline {
                    timed_out = true;
                    break;
                }
                st = self
                    .shared
                    .changed
                    .wait_timeout(st, deadline - now)
                    .expect("stub state lock")
                    .0;
            }
        }
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.acceptor.take() {
            if t.join().is_err() {
                self.shared
                    .lock()
                    .errors
                    .push("the accept thread panicked".into());
            }
        }
        let st = self.shared.lock();
        let mut errors = Vec::new();
        if timed_out {
            errors.push(format!(
                "timed out after {:?}: {} connection(s) accepted, {} finished, script wants {}",
                self.finish_timeout,
                st.accepted,
                st.done,
                range_text(lo, hi)
            ));
        } else if st.accepted < lo {
            errors.push(format!(
                "expected {} connection(s), got {}",
                range_text(lo, hi),
                st.accepted
            ));
        }
        errors.extend(st.errors.iter().cloned());
        let result = if errors.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "stub server {}: script not followed:\n{}",
                self.addr,
                errors.join("\n")
            ))
        };
        drop(st);
        self.result = Some(result.clone());
        result
    }

    /// Like [`StubServer::try_finish`], but panics with the report.
    ///
    /// # Panics
    /// When `try_finish` returns an error.
    pub fn finish(mut self) {
        if let Err(report) = self.try_finish() {
            panic!("{report}");
        }
    }
}

impl Drop for StubServer {
    fn drop(&mut self) {
        if self.result.is_some() {
            // `try_finish` already handed the report to the test.
            return;
        }
        if thread::panicking() {
            // Already failing: stop quickly and keep the original panic.
            self.finish_timeout = Duration::ZERO;
            let _ = self.try_finish();
        } else if let Err(report) = self.try_finish() {
            panic!("{report}");
        }
    }
}

impl Shared {
    /// Records a client message as soon as it matched (see [`StubServer::received`]).
    pub(super) fn note_received(&self, line: &str) {
        self.lock().received.push(line.to_owned());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panicking connection thread is reported, not propagated as poison.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn range_text(lo: usize, hi: usize) -> String {
    if lo == hi {
        lo.to_string()
    } else {
        format!("{lo}..{hi}")
    }
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic".into())
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    let (_, hi) = shared.script.connections;
    let mut running: Vec<JoinHandle<()>> = Vec::new();
    while !shared.stop.load(Ordering::SeqCst) {
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(e) if e.kind() == IoKind::WouldBlock => {
                thread::sleep(Duration::from_millis(5));
                continue;
            }
            Err(e) => {
                shared.lock().errors.push(format!("accept failed: {e}"));
                break;
            }
        };
        let id = {
            let mut st = shared.lock();
            st.accepted += 1;
            st.accepted
        };
        if id > hi {
            shared.lock().errors.push(format!(
                "connection {id}: unexpected, the script allows {hi}"
            ));
            drop(stream);
            continue;
        }
        let for_conn = Arc::clone(shared);
        let handle = thread::Builder::new()
            .name(format!("stub-conn-{id}"))
            .spawn(move || serve_connection(id, stream, &for_conn))
            .expect("spawn a stub connection thread");
        if shared.script.concurrent {
            running.push(handle);
        } else {
            let _ = handle.join();
        }
    }
    for handle in running {
        let _ = handle.join();
    }
}

fn serve_connection(id: usize, stream: TcpStream, shared: &Arc<Shared>) {
    let last = id >= shared.script.connections.1;
    let mut conn = Conn::new(stream, shared);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| conn.run(last)));
    conn.close();
    let mut st = shared.lock();
    let error = match outcome {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e),
        Err(payload) => Some(format!("the stub panicked: {}", panic_text(&*payload))),
    };
    if let Some(e) = error {
        let transcript: String = conn.log.iter().map(|l| format!("\n      {l}")).collect();
        st.errors.push(format!(
            "  connection {id}: {e}\n    transcript:{transcript}"
        ));
    }
    st.transcripts.push((id, std::mem::take(&mut conn.log)));
    st.done += 1;
    shared.changed.notify_all();
}
