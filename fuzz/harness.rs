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
