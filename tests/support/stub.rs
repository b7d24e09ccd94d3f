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
//! failure only if the script has steps. At the end of the script the server closes the socket.

use super::pattern::{hex, Show};
use super::script::{client_message_name, Handshake, Msg, Script, Step, StepKind};
use boltc::packstream::{DecodeOptions, Decoder, Dialect, Encoder};
use boltc::Value;
use std::io::{ErrorKind as IoKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How long [`StubServer::finish`] waits for the script to be played out by default.
pub const DEFAULT_FINISH_TIMEOUT: Duration = Duration::from_secs(10);

/// How often blocked reads and the accept loop look at the stop flag.
const POLL: Duration = Duration::from_millis(20);

/// A scripted Bolt server on a loopback port.
pub struct StubServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
    finish_timeout: Duration,
    result: Option<Result<(), String>>,
}

struct Shared {
    script: Script,
    stop: AtomicBool,
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    accepted: usize,
    done: usize,
    errors: Vec<String>,
    transcripts: Vec<(usize, Vec<String>)>,
}

impl StubServer {
    /// Parses `script` and starts serving it.
    ///
    /// # Panics
    /// On a script syntax error (the message names the line) or if no port can be bound.
    pub fn start(script: &str) -> StubServer {
        let script = Script::parse(script).unwrap_or_else(|e| panic!("bad stub script: {e}"));
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
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
    let mut conn = Conn::new(stream, shared);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| conn.run()));
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

/// What the client sent next.
enum Incoming {
    Message { tag: u8, fields: Vec<Value> },
    Eof,
}

enum Flow {
    Continue,
    Exit,
}

/// The dialect a negotiated version uses (4.3/4.4 are taken without the `utc` patch).
pub fn dialect_for(major: u8) -> Dialect {
    Dialect {
        bytes: major >= 2,
        utc_datetime: major >= 5,
        vector: major >= 6,
    }
}

struct Conn<'a> {
    stream: TcpStream,
    shared: &'a Shared,
    major: u8,
    dialect: Dialect,
    pending: Option<Incoming>,
    log: Vec<String>,
}

impl<'a> Conn<'a> {
    fn new(stream: TcpStream, shared: &'a Shared) -> Self {
        let _ = stream.set_nodelay(true);
        let _ = stream.set_read_timeout(Some(POLL));
        let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
        Conn {
            stream,
            shared,
            major: 0,
            dialect: Dialect::LATEST,
            pending: None,
            log: Vec::new(),
        }
    }

    fn run(&mut self) -> Result<(), String> {
        let script = &self.shared.script;
        if !self.handshake()? {
            return match script.steps.first() {
                None => Ok(()),
                Some(step) => Err(format!(
                    "handshake rejected; script line {} and later were not run",
                    step.line
                )),
            };
        }
        self.steps(&script.steps).map(|_| ())
    }

    /// Half-closes, gives the client a moment to read what was sent, and drops the socket.
    fn close(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Write);
        let end = Instant::now() + Duration::from_millis(100);
        let mut sink = [0u8; 4096];
        while Instant::now() < end {
            match self.stream.read(&mut sink) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if matches!(e.kind(), IoKind::WouldBlock | IoKind::TimedOut) => {}
                Err(_) => break,
            }
        }
    }

    // ----- I/O -----

    /// Fills `buf`; `Ok(false)` if the client closed before sending any of it.
    fn read_full(&mut self, buf: &mut [u8]) -> Result<bool, String> {
        let mut got = 0;
        while got < buf.len() {
            match self.stream.read(&mut buf[got..]) {
                Ok(0) if got == 0 => return Ok(false),
                Ok(0) => {
                    return Err(format!(
                        "the client closed after {got} of {} bytes",
                        buf.len()
                    ))
                }
                Ok(n) => got += n,
                Err(e)
                    if matches!(
                        e.kind(),
                        IoKind::WouldBlock | IoKind::TimedOut | IoKind::Interrupted
                    ) =>
                {
                    if self.shared.stop.load(Ordering::SeqCst) {
                        return Err("stopped by finish() while waiting for the client".into());
                    }
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        IoKind::ConnectionReset | IoKind::ConnectionAborted
                    ) && got == 0 =>
                {
                    return Ok(false)
                }
                Err(e) => return Err(format!("read failed: {e}")),
            }
        }
        Ok(true)
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.stream
            .write_all(bytes)
            .map_err(|e| format!("write failed: {e}"))
    }

    fn read_message(&mut self) -> Result<Incoming, String> {
        let mut data = Vec::new();
        loop {
            let mut header = [0u8; 2];
            if !self.read_full(&mut header)? {
                if data.is_empty() {
                    return Ok(Incoming::Eof);
                }
                return Err("the client closed in the middle of a message".into());
            }
            let n = usize::from(u16::from_be_bytes(header));
            if n == 0 {
                if data.is_empty() {
                    self.log.push("C: <NOOP>".into());
                    continue;
                }
                break;
            }
            let start = data.len();
            data.resize(start + n, 0);
            if !self.read_full(&mut data[start..])? {
                return Err("the client closed in the middle of a chunk".into());
            }
        }
        let bad = |e| format!("undecodable client message {}: {e:?}", hex(&data));
        let opts = DecodeOptions {
            dialect: self.dialect,
            ..DecodeOptions::default()
        };
        let mut dec = Decoder::new(&data, opts);
        let (n, tag) = dec.read_struct_header().map_err(bad)?;
        let fields = (0..n)
            .map(|_| dec.read_value())
            .collect::<Result<Vec<_>, _>>()
            .map_err(bad)?;
        if !dec.is_at_end() {
            return Err(format!(
                "trailing bytes after client message {}",
                hex(&data)
            ));
        }
        Ok(Incoming::Message { tag, fields })
    }

    fn send(&mut self, msg: &Msg) -> Result<(), String> {
        let mut body = Vec::new();
        let mut enc = Encoder::new(&mut body, self.dialect);
        let n = u8::try_from(msg.fields.len()).map_err(|_| "too many fields".to_owned())?;
        enc.write_struct_header(n, msg.tag);
        for f in &msg.fields {
            f.encode(&mut enc)?;
        }
        let mut out = Vec::with_capacity(body.len() + 4);
        for chunk in body.chunks(usize::from(u16::MAX)) {
            let len = u16::try_from(chunk.len()).expect("invariant: chunk fits u16");
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(chunk);
        }
        out.extend_from_slice(&[0, 0]);
        self.write(&out)
    }

    // ----- handshake -----

    /// `Ok(true)` when a version was agreed on.
    fn handshake(&mut self) -> Result<bool, String> {
        let mut magic = [0u8; 4];
        if !self.read_full(&mut magic)? {
            return Err("the client closed before the handshake".into());
        }
        if magic != [0x60, 0x60, 0xB0, 0x17] {
            return Err(format!(
                "expected C: <RAW> 60 60 B0 17 (handshake), got C: <RAW> {}",
                hex(&magic)
            ));
        }
        let mut proposals = [0u8; 16];
        if !self.read_full(&mut proposals)? {
            return Err("the client closed during the handshake".into());
        }
        self.log
            .push(format!("C: <HANDSHAKE> 60 60 B0 17 {}", hex(&proposals)));
        let script = &self.shared.script;
        match &script.handshake {
            Handshake::Raw(reply) => {
                self.write(reply)?;
                self.log.push(format!("S: <HANDSHAKE> {}", hex(reply)));
                self.set_version(reply.get(3).copied().unwrap_or(0));
                Ok(true)
            }
            Handshake::Classic => {
                let chosen = proposals.chunks(4).find_map(|p| {
                    script.versions.iter().find(|(major, minor)| {
                        p[3] == *major && *minor <= p[2] && *minor >= p[2].saturating_sub(p[1])
                    })
                });
                let reply = chosen.map_or([0; 4], |(major, minor)| [0, 0, *minor, *major]);
                self.write(&reply)?;
                self.log.push(format!("S: <HANDSHAKE> {}", hex(&reply)));
                self.set_version(reply[3]);
                Ok(chosen.is_some())
            }
            Handshake::Manifest => self.manifest(&proposals),
        }
    }

    fn set_version(&mut self, major: u8) {
        self.major = major;
        self.dialect = dialect_for(major);
    }

    fn manifest(&mut self, proposals: &[u8; 16]) -> Result<bool, String> {
        if !proposals.chunks(4).any(|p| p[3] == 0xFF && p[2] == 0x01) {
            self.write(&[0; 4])?;
            return Err(format!(
                "`!: MANIFEST`: the client did not offer manifest v1 (00 00 01 FF): {}",
                hex(proposals)
            ));
        }
        let versions = &self.shared.script.versions;
        let mut reply = vec![0, 0, 1, 0xFF];
        push_varint(&mut reply, versions.len() as u64);
        for (major, minor) in versions {
            reply.extend_from_slice(&[0, 0, *minor, *major]);
        }
        push_varint(&mut reply, 0);
        self.write(&reply)?;
        self.log.push(format!("S: <MANIFEST> {}", hex(&reply)));
        let mut chosen = [0u8; 4];
        if !self.read_full(&mut chosen)? {
            return Err("the client closed instead of choosing a manifest version".into());
        }
        let caps = self.read_varint()?;
        self.log.push(format!(
            "C: <MANIFEST> {} capabilities {caps}",
            hex(&chosen)
        ));
        if chosen == [0; 4] {
            return Ok(false);
        }
        if !versions
            .iter()
            .any(|(major, minor)| chosen[3] == *major && chosen[2] == *minor)
        {
            return Err(format!(
                "the client chose {}, which the server did not offer",
                hex(&chosen)
            ));
        }
        self.set_version(chosen[3]);
        Ok(true)
    }

    fn read_varint(&mut self) -> Result<u64, String> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let mut b = [0u8; 1];
            if !self.read_full(&mut b)? {
                return Err("the client closed in the middle of a varint".into());
            }
            value |= u64::from(b[0] & 0x7F) << shift;
            if b[0] & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("varint too long".into())
    }

    // ----- steps -----

    fn steps(&mut self, steps: &[Step]) -> Result<Flow, String> {
        for step in steps {
            if let Flow::Exit = self.step(step)? {
                return Ok(Flow::Exit);
            }
        }
        Ok(Flow::Continue)
    }

    fn step(&mut self, step: &Step) -> Result<Flow, String> {
        match &step.kind {
            StepKind::Expect(msg) => self.expect(step, msg)?,
            StepKind::ExpectRaw(bytes) => self.expect_raw(step, bytes)?,
            StepKind::ExpectEof => match self.next()? {
                Incoming::Eof => self.log.push("C: <EOF>".into()),
                other => return Err(self.mismatch(step, &other)),
            },
            StepKind::Send(msg) => {
                self.send(msg)
                    .map_err(|e| format!("script line {}: {e}", step.line))?;
                self.log.push(format!("S: {msg}"));
            }
            StepKind::SendRaw(bytes) => {
                self.write(bytes)?;
                self.log.push(format!("S: <RAW> {}", hex(bytes)));
            }
            StepKind::Noop => {
                self.write(&[0, 0])?;
                self.log.push("S: <NOOP>".into());
            }
            StepKind::Exit => {
                self.log.push("S: <EXIT>".into());
                return Ok(Flow::Exit);
            }
            StepKind::Sleep(d) => {
                let end = Instant::now() + *d;
                while Instant::now() < end && !self.shared.stop.load(Ordering::SeqCst) {
                    thread::sleep(POLL.min(end.saturating_duration_since(Instant::now())));
                }
                self.log.push(format!("S: <SLEEP {}ms>", d.as_millis()));
            }
            StepKind::Optional(block) => {
                if self.next_matches(&block[0])? {
                    return self.steps(block);
                }
            }
            StepKind::Repeat(block) => {
                while self.next_matches(&block[0])? {
                    if let Flow::Exit = self.steps(block)? {
                        return Ok(Flow::Exit);
                    }
                }
            }
        }
        Ok(Flow::Continue)
    }

    fn next(&mut self) -> Result<Incoming, String> {
        match self.pending.take() {
            Some(incoming) => Ok(incoming),
            None => self.read_message(),
        }
    }

    fn next_matches(&mut self, head: &Step) -> Result<bool, String> {
        let incoming = self.next()?;
        let StepKind::Expect(msg) = &head.kind else {
            unreachable!("invariant: the parser checks blocks start with C: messages")
        };
        let hit = self.is_match(msg, &incoming);
        self.pending = Some(incoming);
        Ok(hit)
    }

    fn is_match(&self, msg: &Msg, incoming: &Incoming) -> bool {
        match incoming {
            Incoming::Message { tag, fields } => {
                *tag == msg.tag
                    && fields.len() == msg.fields.len()
                    && msg
                        .fields
                        .iter()
                        .zip(fields)
                        .all(|(p, v)| p.matches(v, self.dialect))
            }
            Incoming::Eof => false,
        }
    }

    fn expect(&mut self, step: &Step, msg: &Msg) -> Result<(), String> {
        loop {
            let incoming = self.next()?;
            if self.is_match(msg, &incoming) {
                self.log.push(self.describe(&incoming));
                return Ok(());
            }
            match incoming {
                Incoming::Message { tag, .. } if self.shared.script.auto.contains(&tag) => {
                    self.log
                        .push(format!("{} (auto)", self.describe(&incoming)));
                    if tag != 0x02 {
                        let ok = Msg {
                            name: "SUCCESS".into(),
                            tag: 0x70,
                            fields: vec![super::pattern::Pv::Map {
                                entries: vec![],
                                open: false,
                            }],
                        };
                        self.send(&ok)?;
                        self.log.push("S: SUCCESS {} (auto)".into());
                    }
                }
                other => return Err(self.mismatch(step, &other)),
            }
        }
    }

    fn expect_raw(&mut self, step: &Step, bytes: &[u8]) -> Result<(), String> {
        if self.pending.is_some() {
            return Err(format!(
                "script line {}: `C: <RAW>` right after a block, whose message was already read",
                step.line
            ));
        }
        let mut got = vec![0u8; bytes.len()];
        if !self.read_full(&mut got)? {
            return Err(format!(
                "script line {}: expected {step}\n    got C: <EOF>",
                step.line
            ));
        }
        if got != bytes {
            return Err(format!(
                "script line {}: expected {step}\n    got C: <RAW> {}",
                step.line,
                hex(&got)
            ));
        }
        self.log.push(format!("C: <RAW> {}", hex(&got)));
        Ok(())
    }

    fn describe(&self, incoming: &Incoming) -> String {
        match incoming {
            Incoming::Eof => "C: <EOF>".into(),
            Incoming::Message { tag, fields } => {
                let mut s = format!("C: {}", client_message_name(*tag, self.major));
                for f in fields {
                    s.push_str(&format!(" {}", Show(f)));
                }
                s
            }
        }
    }

    fn mismatch(&self, step: &Step, incoming: &Incoming) -> String {
        format!(
            "script line {}: expected {step}\n                   got {}",
            step.line,
            self.describe(incoming)
        )
    }
}

fn push_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7F) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}
