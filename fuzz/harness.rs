// The fuzz target bodies, shared by the cargo-fuzz targets in fuzz/fuzz_targets/ (through
// `include!`) and by the corpus replay test tests/fuzz_replay.rs (through `#[path]`), so CI
// replays exactly what the fuzzer ran. Each takes arbitrary bytes and must not panic.

use boltc::bolt::chunk::ChunkReader;
use boltc::bolt::handshake::{perform, FALLBACK, FIRST, MANIFEST_FIRST};
use boltc::bolt::message::decode_response;
use boltc::packstream::{DecodeOptions, Decoder, Dialect};
use boltc::Value;
use std::io::{self, Read, Write};

/// The first input byte picks the dialect, so both structure forms are reached.
fn options(sel: u8) -> DecodeOptions {
    let dialect = if sel & 1 == 0 {
        Dialect::LATEST
    } else {
        Dialect::V1
    };
    DecodeOptions {
        dialect,
        ..DecodeOptions::default()
    }
}

/// PackStream decoder: values until the input ends or an error.
pub fn packstream(data: &[u8]) {
    let Some((&sel, bytes)) = data.split_first() else {
        return;
    };
    let mut d = Decoder::new(bytes, options(sel));
    while !d.is_at_end() {
        if d.read_value().is_err() {
            break;
        }
    }
    // Decoding into the slot of the value before (as `Rows` does) gives what a fresh decode
    // gives: the same value (compared by `Debug`, which treats NaN alike), the same position,
    // the same error.
    let mut fresh = Decoder::new(bytes, options(sel));
    let mut refill = Decoder::new(bytes, options(sel));
    let mut slot = Value::Null;
    while !fresh.is_at_end() {
        match (fresh.read_item(), refill.refill_item(&mut slot)) {
            (Ok(v), Ok(())) => {
                assert_eq!(
                    format!("{v:?}"),
                    format!("{slot:?}"),
                    "refilled value differs"
                );
                assert_eq!(
                    fresh.position(),
                    refill.position(),
                    "refill ended elsewhere"
                );
            }
            (Err(a), Err(b)) => {
                assert_eq!(a, b, "refill failed differently");
                break;
            }
            (a, b) => panic!("fresh decode {a:?}, refill {b:?}"),
        }
    }
}

/// Response message decoder (SUCCESS, RECORD, FAILURE, IGNORED).
pub fn message(data: &[u8]) {
    let Some((&sel, bytes)) = data.split_first() else {
        return;
    };
    let _ = decode_response(bytes, options(sel));
}

/// Hands out at most `step` bytes per read.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.step.min(out.len()).min(self.data.len());
        out[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Chunk reader: arbitrary framing through split reads; two control bytes pick the read step
/// and the buffer and message-limit sizes.
pub fn chunk(data: &[u8]) {
    let [step, sizes, rest @ ..] = data else {
        return;
    };
    let step = usize::from(*step).max(1);
    let capacity = 64 << (sizes & 0x07);
    let limit = 16 << (sizes >> 4);
    let mut reader = ChunkReader::new(capacity, limit);
    let mut src = Trickle { data: rest, step };
    // Looking ahead past "records" (0x71 first byte) must find the message that reading
    // returns first after them.
    let is_record = |m: &[u8]| m.first() == Some(&0x71);
    let mut peeked: Option<Vec<u8>> = None;
    for _ in 0..64 {
        if peeked.is_none() {
            peeked = reader.peek_after(is_record).map(<[u8]>::to_vec);
        }
        match reader.read_message(&mut src) {
            Ok(msg) => {
                assert!(msg.len() <= limit, "a message over the limit was returned");
                if !is_record(msg) {
                    if let Some(p) = peeked.take() {
                        assert_eq!(msg, &p[..], "peek_after saw another message");
                    }
                }
            }
            Err(_) => break,
        }
    }
    // Raw reads (the handshake path) after whatever the framing left.
    let _ = reader.read_raw(&mut src, 4);
}

/// Reads the input as the server's bytes; discards what the client writes.
struct Duplex<'a> {
    input: &'a [u8],
}

impl Read for Duplex<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.input.read(out)
    }
}

impl Write for Duplex<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Handshake reply, including the manifest v1 exchange; the first byte picks the proposal set.
pub fn handshake(data: &[u8]) {
    let Some((&sel, input)) = data.split_first() else {
        return;
    };
    let proposals = &[FIRST, FALLBACK, MANIFEST_FIRST][usize::from(sel % 3)];
    let mut reader = ChunkReader::new(64, 1 << 16);
    let mut stream = Duplex { input };
    let _ = perform(&mut stream, &mut reader, proposals);
}

/// URI parsing; whatever parses must also format itself.
pub fn uri(data: &[u8]) {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(uri) = boltc::net::parse_uri(s) {
            let _ = format!("{uri:?} {}", uri.address());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// `session`: a whole driver session against a hostile server.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// Counts, per thread, the bytes live and their peak, and the number of allocations: the
/// session target measures what the driver's own thread allocates (the server thread, and
/// other tests running in parallel in the replay test, count apart).
struct ThreadCounting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

fn count_alloc(size: usize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get() + size as isize;
        live.set(now);
        let _ = PEAK.try_with(|p| p.set(p.get().max(now)));
        let _ = ALLOCS.try_with(|a| a.set(a.get() + 1));
    });
}

fn count_free(size: usize) {
    let _ = LIVE.try_with(|live| live.set(live.get() - size as isize));
}

// SAFETY: forwards every call to the system allocator unchanged; it only counts.
unsafe impl GlobalAlloc for ThreadCounting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, forwarded.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            count_alloc(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, forwarded.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            count_alloc(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.dealloc(ptr, layout) };
        count_free(layout.size());
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract, forwarded.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            count_free(layout.size());
            count_alloc(new_size);
        }
        p
    }
}

#[global_allocator]
static COUNTING: ThreadCounting = ThreadCounting;

/// Peak decoded memory allowed per byte the server sent (the decoder's own bound is
/// `packstream::DECODED_PER_BYTE`, 320; the rest is headroom for buffers and records held).
pub const SESSION_BYTES_PER_BYTE: usize = 512;
/// Memory the session may use whatever it received: driver, connection and buffers.
pub const SESSION_FLOOR: usize = 4 << 20;
/// Allocations allowed per byte the server sent (the work bound; a decoded value is at most
/// a few allocations and takes at least one byte).
pub const SESSION_ALLOCS_PER_BYTE: usize = 8;
/// Allocations the session may make whatever it received.
pub const SESSION_ALLOCS_FLOOR: usize = 20_000;

/// The loopback server: each connection gets the bytes of the current input, then the server
/// closes its side and reads whatever the client sends until it closes.
struct Loopback {
    port: u16,
    reply: Mutex<Arc<Vec<u8>>>,
    sent: AtomicUsize,
}

fn loopback() -> &'static Loopback {
    static SERVER: OnceLock<&'static Loopback> = OnceLock::new();
    SERVER.get_or_init(|| {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let server: &'static Loopback = Box::leak(Box::new(Loopback {
            port: listener.local_addr().expect("local address").port(),
            reply: Mutex::new(Arc::new(Vec::new())),
            sent: AtomicUsize::new(0),
        }));
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let reply = server
                    .reply
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .clone();
                server.sent.fetch_add(reply.len(), Ordering::SeqCst);
                std::thread::spawn(move || serve(conn, &reply));
            }
        });
        server
    })
}

fn serve(mut conn: TcpStream, reply: &[u8]) {
    let _ = conn.set_write_timeout(Some(std::time::Duration::from_secs(5)));
    let _ = conn.set_read_timeout(Some(std::time::Duration::from_secs(5)));
    let _ = conn.write_all(reply);
    let _ = conn.shutdown(std::net::Shutdown::Write);
    let mut sink = [0u8; 4096];
    while matches!(conn.read(&mut sink), Ok(n) if n > 0) {}
}

/// Bolt versions the server may pick (the input's first byte chooses; the last takes the
/// reply's four bytes from the input).
const VERSIONS: [[u8; 4]; 8] = [
    [0, 0, 4, 5],
    [0, 0, 0, 5],
    [0, 0, 4, 4],
    [0, 0, 8, 5],
    [0, 0, 0, 6],
    [0, 0, 3, 4],
    [0, 0, 0, 3],
    [0, 0, 0, 0],
];

/// Reads the input piece by piece; missing bytes read as zero.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }
    fn bytes(&mut self, n: usize) -> &[u8] {
        let n = n.min(self.0.len());
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        a
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Builds the server's bytes from the input: a handshake reply, then messages of a few
/// shapes (a summary or record header with arbitrary PackStream after it, raw messages, a
/// unit repeated up to 65,535 times between a prefix and a suffix), each framed in chunks of
/// an input-chosen size, sometimes with NOOP chunks between them.
fn server_bytes(data: &[u8]) -> (Vec<u8>, u8) {
    let mut input = Input(data);
    let version = input.byte();
    let framing = input.byte();
    let api = input.byte();
    let mut out = Vec::new();
    match VERSIONS[usize::from(version & 7)] {
        [0, 0, 0, 0] => out.extend_from_slice(input.bytes(4)),
        v => out.extend_from_slice(&v),
    }
    let chunk = match framing & 3 {
        0 => 0xFFFF,
        1 => 1,
        2 => 7,
        _ => 300,
    };
    while !input.is_empty() {
        let kind = input.byte();
        let mut msg = Vec::new();
        match kind & 7 {
            0 => msg.extend([0xB1, 0x70]),             // SUCCESS ...
            1 => msg.extend([0xB1, 0x71]),             // RECORD ...
            2 => msg.extend([0xB1, 0x7F]),             // FAILURE ...
            3 => msg.extend([0xB1, 0x70, 0xA1, 0x86]), // SUCCESS {"fields"...
            4 => msg.extend([0xB1, 0x71, 0x91]),       // RECORD [...]
            5 => msg.extend([0xB1, 0x70, 0xA1, 0x88]), // SUCCESS {"has_more"...
            6 => msg.extend([0xB0, 0x7E]),             // IGNORED
            _ => {}                                    // raw
        }
        match kind & 7 {
            3 => msg.extend_from_slice(b"fields"),
            5 => msg.extend_from_slice(b"has_more"),
            _ => {}
        }
        let n = usize::from(input.byte());
        msg.extend_from_slice(input.bytes(n));
        if kind & 0x08 != 0 {
            // A repeated unit, then a suffix.
            let unit_len = usize::from(input.byte() & 0x0F);
            let unit = input.bytes(unit_len).to_vec();
            let times = usize::from(u16::from_be_bytes([input.byte(), input.byte()]));
            for _ in 0..times {
                msg.extend_from_slice(&unit);
            }
            let n = usize::from(input.byte());
            msg.extend_from_slice(input.bytes(n));
        }
        if kind & 0x10 != 0 {
            out.extend([0, 0]); // NOOP
        }
        for piece in msg.chunks(chunk) {
            out.extend((piece.len() as u16).to_be_bytes());
            out.extend_from_slice(piece);
        }
        if kind & 0x20 == 0 {
            out.extend([0, 0]); // end of message (sometimes left out)
        }
    }
    (out, api)
}

/// Iterates a result as a user would, up to its first error: a failed result gives its error
/// again on every `next` (it never ends), so `stream.flatten()` would loop for ever.
fn records(stream: boltc::RecordStream<'_>, check: impl Fn(&[String], &[Value])) {
    for r in stream.take(10_000) {
        match r {
            Ok(r) => check(r.keys(), r.values()),
            Err(_) => break,
        }
    }
}

/// Drives one session through the public API; checks what any result must satisfy.
fn drive(port: u16, api: u8) {
    let fetch = [1000, 1, 2, -1][usize::from(api >> 6)];
    let config = boltc::Config::builder(&format!("bolt://127.0.0.1:{port}"))
        .connection_timeout(std::time::Duration::from_secs(5))
        .read_timeout(Some(std::time::Duration::from_secs(5)))
        .fetch_size(fetch)
        .build()
        .expect("a valid config");
    let Ok(driver) = boltc::Driver::new(config) else {
        return;
    };
    let Ok(mut session) = driver.session(boltc::SessionConfig::default()) else {
        return;
    };
    let check = |keys: &[String], values: &[Value]| {
        assert_eq!(
            keys.len(),
            values.len(),
            "a record's length differs from the RUN's fields"
        );
    };
    match api & 7 {
        0 => {
            if let Ok(stream) = session.run("RETURN 1", None) {
                records(stream, check);
            }
        }
        1 => {
            if let Ok(mut stream) = session.run("RETURN 1", None) {
                let mut rows = boltc::Rows::new();
                let max = usize::from((api >> 3) & 7) + 1;
                for _ in 0..10_000 {
                    let more = stream.next_rows(max, &mut rows);
                    for row in rows.iter() {
                        check(rows.keys(), row);
                    }
                    if !matches!(more, Ok(true)) {
                        break;
                    }
                }
            }
        }
        2 => {
            if let Ok(mut stream) = session.run("RETURN 1", None) {
                let mut out = Vec::new();
                while matches!(stream.next_batch(3, &mut out), Ok(true)) && out.len() < 10_000 {}
                for r in &out {
                    check(r.keys(), r.values());
                }
            }
        }
        3 => {
            if let Ok(stream) = session.run("RETURN 1", None) {
                if let Ok(records) = stream.collect_records() {
                    for r in &records {
                        check(r.keys(), r.values());
                    }
                }
            }
        }
        4 => {
            if let Ok(stream) = session.run("RETURN 1", None) {
                if let Ok(r) = stream.single() {
                    check(r.keys(), r.values());
                }
            }
        }
        5 => {
            if let Ok(mut stream) = session.run("RETURN 1", None) {
                let _ = stream.keys();
                let _ = stream.consume();
            }
        }
        6 => {
            if let Ok(mut tx) = session.begin_transaction(&boltc::TransactionConfig::default()) {
                if let Ok(stream) = tx.run("RETURN 1", None) {
                    records(stream, check);
                }
                let _ = tx.commit();
            }
        }
        _ => {
            for _ in 0..2 {
                if let Ok(mut stream) = session.run("RETURN 1", None) {
                    let _ = stream.peek();
                    let _ = stream.consume();
                }
            }
        }
    }
    drop(session);
    driver.close();
}

/// A whole session (handshake, HELLO/LOGON, RUN, PULL, records, summaries, transactions)
/// against the server bytes built from `data`, over loopback TCP. Asserts records match
/// their columns, that the driver's peak memory stays within `SESSION_BYTES_PER_BYTE` times
/// the bytes the server sent (plus `SESSION_FLOOR`), and that its allocations (the work
/// measure) stay within `SESSION_ALLOCS_PER_BYTE` per byte (plus `SESSION_ALLOCS_FLOOR`).
pub fn session(data: &[u8]) {
    let (reply, api) = server_bytes(data);
    let server = loopback();
    // One session at a time (the replay test runs its tests on several threads).
    static ONE: Mutex<()> = Mutex::new(());
    let _one = ONE.lock().unwrap_or_else(|e| e.into_inner());
    *server.reply.lock().unwrap_or_else(|e| e.into_inner()) = Arc::new(reply);
    let sent_before = server.sent.load(Ordering::SeqCst);
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let allocs_before = ALLOCS.with(Cell::get);
    drive(server.port, api);
    let peak = usize::try_from(PEAK.with(Cell::get) - base).unwrap_or(0);
    let allocs = ALLOCS.with(Cell::get) - allocs_before;
    let received = server.sent.load(Ordering::SeqCst) - sent_before;
    assert!(
        peak <= received * SESSION_BYTES_PER_BYTE + SESSION_FLOOR,
        "peak memory {peak} bytes for {received} bytes received"
    );
    assert!(
        allocs <= received * SESSION_ALLOCS_PER_BYTE + SESSION_ALLOCS_FLOOR,
        "{allocs} allocations for {received} bytes received"
    );
}
