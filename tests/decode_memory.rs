//! Decoded memory against message size, measured by a counting global allocator: a hostile
//! server's few bytes must not become gigabytes in the client.
//!
//! The allocator counts the bytes live in this process and the peak since the last reset; each
//! test runs under one lock, so tests in this binary do not disturb each other's figures.

use boltc::packstream::{DecodeOptions, Decoder};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let now = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed)
                    + (new_size - layout.size());
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

static SERIAL: Mutex<()> = Mutex::new(());

/// Taken for a whole test: other tests allocating meanwhile would count in its peaks.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `f` and returns its result with the peak of bytes allocated above the start (under
/// [`serial`]).
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f();
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(base);
    (out, peak)
}

/// PackStream string bytes.
fn string(out: &mut Vec<u8>, s: &str) {
    let n = s.len();
    if n < 16 {
        out.push(0x80 | n as u8);
    } else if n < 256 {
        out.extend([0xD0, n as u8]);
    } else {
        out.push(0xD1);
        out.extend(u16::try_from(n).unwrap().to_be_bytes());
    }
    out.extend(s.as_bytes());
}

/// A list header of `n` items (LIST_32 beyond tiny).
fn list_header(out: &mut Vec<u8>, n: usize) {
    if n < 16 {
        out.push(0x90 | n as u8);
    } else {
        out.push(0xD6);
        out.extend((n as u32).to_be_bytes());
    }
}

/// A Bolt 5 node with element id `eid` and one property `p` of `prop` bytes.
fn node(out: &mut Vec<u8>, id: u8, eid: &str, prop: usize) {
    out.extend([0xB4, b'N', id, 0x91]);
    string(out, "L");
    out.push(0xA1);
    string(out, "p");
    string(out, &"x".repeat(prop));
    string(out, eid);
}

/// A path over two nodes (the first with a `prop`-byte property) and one relationship,
/// walking back and forth over it `pairs` times: 4 bytes per two steps.
fn back_and_forth_path(prop: usize, pairs: usize) -> Vec<u8> {
    let mut b = vec![0xB3, b'P', 0x92];
    node(&mut b, 1, "n1", prop);
    node(&mut b, 2, "n2", 0);
    b.extend([0x91, 0xB4, b'r', 3]);
    string(&mut b, "X");
    b.push(0xA0);
    string(&mut b, "r3");
    list_header(&mut b, pairs * 4);
    for _ in 0..pairs {
        b.extend([0x01, 0x01, 0xFF, 0x00]);
    }
    b
}

/// Issue 16 #1: a path repeating the same steps used to copy the node and relationship per
/// step (1 MB became 1 GB); it now shares them, so decoded memory is a small multiple of the
/// message (the index list itself decodes to a 40-byte value per byte, transiently).
#[test]
fn a_path_of_repeated_steps_decodes_in_memory_proportional_to_its_size() {
    let _serial = serial();
    let bytes = back_and_forth_path(4096, 10_000);
    let (value, peak) = peak_of(|| {
        let mut d = Decoder::new(&bytes, DecodeOptions::default());
        d.read_value()
    });
    let value = value.unwrap();
    let boltc::Value::Path(p) = &value else {
        panic!("not a path")
    };
    assert_eq!(p.len(), 20_000);
    let ratio = peak / bytes.len();
    eprintln!(
        "path: {} message bytes, peak {} decoded bytes ({ratio}x)",
        bytes.len(),
        peak
    );
    // Copying the 4 KB node per step would be 40 MB (~1000x); sharing is ~45x here, most of
    // it the transient index list.
    assert!(
        ratio <= 64,
        "a {}-byte path took {peak} bytes to decode ({ratio}x)",
        bytes.len()
    );
}

/// A RECORD message of `outer` lists of 10,000 lists of 15 one-byte integers each (16 bytes
/// per innermost list).
fn record_of_int_lists(outer: usize) -> Vec<u8> {
    let mut b = vec![0xB1, 0x71, 0x91];
    list_header(&mut b, outer);
    for _ in 0..outer {
        list_header(&mut b, 10_000);
        for _ in 0..10_000 {
            b.push(0x9F);
            b.extend([0x01; 15]);
        }
    }
    b
}

/// Issue 16 #8: a 33 MB RECORD of one-byte integers used to become 1.33 GB of values. With the
/// default budget (256 MiB) its list header alone is refused, before any value is allocated.
#[test]
fn a_33_mb_record_of_one_byte_ints_is_refused_with_a_clear_error() {
    let _serial = serial();
    let mut bytes = vec![0xB1, 0x71, 0x91];
    list_header(&mut bytes, 33_000_000);
    bytes.resize(bytes.len() + 33_000_000, 0x01);
    let (result, peak) = peak_of(|| {
        boltc::bolt::message::decode_response(&bytes, DecodeOptions::default()).map(drop)
    });
    let err = result.unwrap_err();
    assert!(
        matches!(err, boltc::packstream::DecodeError::DecodedTooLarge { limit } if limit == 256 << 20),
        "{err:?}"
    );
    let e = boltc::Error::from(err);
    assert_eq!(e.kind(), boltc::ErrorKind::Protocol);
    assert!(e.to_string().contains("max_decoded_size"), "{e}");
    assert!(peak < 1 << 20, "refusing took {peak} bytes");
}

/// The budget is charged while decoding: values nested in many small lists stop at the limit,
/// so the memory held when the error comes is about the limit, not 40 times the message.
#[test]
fn nested_values_stop_at_the_configured_budget() {
    let _serial = serial();
    let bytes = record_of_int_lists(200); // 32 MB, 1.3 GB of values
    let opts = DecodeOptions {
        max_decoded_size: 16 << 20,
        ..DecodeOptions::default()
    };
    let (result, peak) = peak_of(|| boltc::bolt::message::decode_response(&bytes, opts).map(drop));
    assert!(
        matches!(
            result,
            Err(boltc::packstream::DecodeError::DecodedTooLarge { limit }) if limit == 16 << 20
        ),
        "{result:?}"
    );
    eprintln!("stopped at a peak of {peak} bytes under a 16 MiB budget");
    assert!(peak <= (16 << 20) + (2 << 20), "peak {peak} bytes");
    // Within budget it decodes.
    let small = record_of_int_lists(1);
    assert!(boltc::bolt::message::decode_response(&small, DecodeOptions::default()).is_ok());
}

/// A path whose relationships each copy a long node element id: every distinct binding is
/// charged, and a small message may take at most DECODED_PER_BYTE times its size.
#[test]
fn path_bindings_copying_long_element_ids_are_bounded_by_the_message_size() {
    let _serial = serial();
    // Nodes A (element id of 8 KB) and B; 3,000 distinct relationships, each walked from A to
    // B and back (one binding, A to B, shared by both steps): each binding copies 8 KB, about
    // 25 MB in all from a 44 KB message.
    let rels = 3000;
    let mut b = vec![0xB3, b'P', 0x92];
    let long = "e".repeat(8 << 10);
    node(&mut b, 1, &long, 0);
    node(&mut b, 2, "n2", 0);
    list_header(&mut b, rels);
    for _ in 0..rels {
        b.extend([0xB3, b'r', 3]);
        string(&mut b, "X");
        b.push(0xA0);
    }
    list_header(&mut b, rels * 4);
    for i in 1..=rels as i32 {
        // +i to B (index 1), -i back to A (index 0): INT_16 indices.
        b.push(0xC9);
        b.extend((i as i16).to_be_bytes());
        b.push(0x01);
        b.push(0xC9);
        b.extend((-i as i16).to_be_bytes());
        b.push(0x00);
    }
    let (result, peak) = peak_of(|| Decoder::new(&b, DecodeOptions::default()).read_value());
    let limit = b.len() * boltc::packstream::DECODED_PER_BYTE + boltc::packstream::DECODED_FLOOR;
    let result = result.map(drop);
    eprintln!("{} bytes: {result:?} at a peak of {peak} bytes", b.len());
    assert!(
        matches!(result, Err(boltc::packstream::DecodeError::DecodedTooLarge { limit: l }) if l == limit),
        "{result:?}"
    );
    assert!(
        peak <= limit + (1 << 20),
        "peak {peak} bytes, limit {limit}"
    );
}
