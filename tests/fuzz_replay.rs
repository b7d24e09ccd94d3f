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
