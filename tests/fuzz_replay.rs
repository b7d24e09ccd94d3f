//! Replays the fuzz seeds, the minimized corpora of the campaign in RELIABILITY.md
//! (`tests/fuzz_corpus/<target>/`, from `cargo fuzz cmin`), and every input the fuzzers ever found
//! crashing (kept in `tests/fuzz_regressions/<target>/`) through the same bodies the cargo-fuzz
//! targets run (`fuzz/harness.rs`). A panic here is a regression. The fuzz campaign itself is
//! `scripts/fuzz.sh` (see RELIABILITY.md).

#[allow(dead_code)]
#[path = "../fuzz/harness.rs"]
mod harness;

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for dir in [
        root.join("fuzz/seeds").join(target),
        root.join("tests/fuzz_corpus").join(target),
        root.join("tests/fuzz_regressions").join(target),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut files: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        files.sort();
        for f in files {
            let data = std::fs::read(&f).unwrap();
            let r = std::panic::catch_unwind(|| run(&data));
            assert!(r.is_ok(), "{target}: {} panicked", f.display());
            n += 1;
        }
    }
    assert!(n > 0, "{target}: no inputs to replay");
    eprintln!("{target}: replayed {n} inputs");
}

#[test]
fn packstream() {
    replay("packstream", harness::packstream);
}

#[test]
fn message() {
    replay("message", harness::message);
}

#[test]
fn chunk() {
    replay("chunk", harness::chunk);
}

#[test]
fn handshake() {
    replay("handshake", harness::handshake);
}

#[test]
fn uri() {
    replay("uri", harness::uri);
}

#[test]
fn session() {
    replay("session", harness::session);
}

/// Framing-shaped random inputs (chunk headers, NOOPs, end markers, record and summary tags
/// in a random mix), a cheap sweep in the spirit of the fuzzer for the look-ahead over
/// buffered records as well as reading; deterministic, so a failure names its seed.
#[test]
fn chunk_random_framing() {
    let mut next = xorshift(0x2545_F491_4F6C_DD1D);
    for case in 0..20_000 {
        let r = next();
        let mut data = vec![(r % 17 + 1) as u8, (r >> 8) as u8];
        for _ in 0..(r >> 16) % 24 {
            let piece = next();
            match piece % 6 {
                0 => data.extend([0, 0]),
                1 | 2 => {
                    let len = (piece >> 8) % 6 + 1;
                    data.extend([0, len as u8, 0x71]);
                    data.extend((1..len).map(|i| i as u8));
                    data.extend([0, 0]);
                }
                3 => data.extend([0, 2, 0x70, (piece >> 8) as u8, 0, 0]),
                4 => data.extend([0, 1, 0x71, 0, 1, 0x72]),
                _ => data.extend(((piece >> 8) as u32).to_be_bytes()),
            }
        }
        let result = std::panic::catch_unwind(|| harness::chunk(&data));
        assert!(result.is_ok(), "case {case}: {data:02X?}");
    }
}

/// Sequences of well-formed values of few shapes (small ints, short strings, lists, maps over
/// three keys, repeated keys included), sometimes cut short, through the packstream target:
/// its refill check then meets values decoded over ones of the same shape, which a corpus
/// minimized for the plain decoder rarely holds. Deterministic, so a failure names its case.
#[test]
fn packstream_refill_sweep() {
    let mut next = xorshift(0x9E37_79B9_7F4A_7C15);
    fn value(out: &mut Vec<u8>, next: &mut dyn FnMut() -> u64, depth: u32) {
        let r = next();
        match if depth > 3 { r % 3 } else { r % 6 } {
            0 => out.push((r >> 8) as u8 & 0x7F),
            1 => {
                let len = (r >> 8) % 4;
                out.push(0x80 | len as u8);
                out.extend((0..len).map(|i| b'a' + i as u8));
            }
            2 => out.push(0xC0),
            3 | 4 => {
                let len = (r >> 8) % 4;
                out.push(0x90 | len as u8);
                for _ in 0..len {
                    value(out, next, depth + 1);
                }
            }
            _ => {
                let len = (r >> 8) % 4;
                out.push(0xA0 | len as u8);
                for i in 0..len {
                    out.extend([0x81, b"abk"[((r >> (16 + 2 * i)) % 3) as usize]]);
                    value(out, next, depth + 1);
                }
            }
        }
    }
    for case in 0..20_000 {
        let r = next();
        let mut data = vec![(r & 1) as u8];
        for _ in 0..(r >> 8) % 6 + 1 {
            value(&mut data, &mut next, 0);
        }
        if (r >> 16) % 4 == 0 {
            data.truncate(data.len() - 1);
        }
        let result = std::panic::catch_unwind(|| harness::packstream(&data));
        assert!(result.is_ok(), "case {case}: {data:02X?}");
    }
}

/// A small deterministic generator (xorshift64) for the random sweeps.
fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}
