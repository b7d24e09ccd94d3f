//! Decoding RECORDs that each carry one node with `props` properties (default 10, keys in no
//! sorted order, as Neo4j sends them), from chunked bytes in memory to `Response::Record`, as
//! a connection does for each message of a PULL batch. No sockets, a fixed amount of work, so
//! its instruction count under callgrind is comparable between builds:
//!
//! ```text
//! cargo bench --bench decode_nodes --no-run
//! valgrind --tool=callgrind target/release/deps/decode_nodes-* [props] [records] [passes]
//! ```
//!
//! Run plainly (`cargo bench --bench decode_nodes -- [props] [records] [passes]`) it prints the
//! wall time per node too (noisy on a loaded machine; use the instruction counts).

use boltc::bolt::chunk::{write_message, ChunkReader, MAX_CHUNK_SIZE};
use boltc::bolt::message::{decode_response, Response};
use boltc::packstream::{DecodeOptions, Dialect, Encoder};
use boltc::Value;
use std::hint::black_box;
use std::time::Instant;

/// Property names in the order a server would send them (not sorted), then `extraNN`.
const NAMES: [&str; 10] = [
    "name", "age", "email", "city", "country", "zip", "score", "active", "created", "tags",
];

/// The value of property `k` of node `i`: strings, ints, a float, a bool and a short list.
fn prop(k: usize, i: i64) -> Value {
    match k % 10 {
        0 => Value::String(format!("person-{i}")),
        1 => Value::Int(20 + i % 60),
        2 => Value::String(format!("p{i}@example.com")),
        3 => Value::String("Oslo".into()),
        4 => Value::String("NO".into()),
        5 => Value::String(format!("{:04}", i % 10_000)),
        6 => Value::Float(i as f64 * 0.5),
        7 => Value::Bool(i % 2 == 0),
        8 => Value::Int(1_700_000_000 + i),
        _ => Value::List(vec![Value::String("a".into()), Value::String("b".into())]),
    }
}

/// A RECORD message body with one field: node `i` (Bolt 5 form, with an element id).
fn record_body(i: i64, props: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut e = Encoder::new(&mut out, Dialect::LATEST);
    e.write_struct_header(1, 0x71);
    e.write_list_header(1).unwrap();
    e.write_struct_header(4, b'N');
    e.write_int(i);
    e.write_value(&Value::List(vec![Value::String("Person".into())]))
        .unwrap();
    e.write_map_header(props).unwrap();
    for k in 0..props {
        match NAMES.get(k) {
            Some(name) => e.write_str(name).unwrap(),
            None => e.write_str(&format!("extra{k:02}")).unwrap(),
        }
        e.write_value(&prop(k, i)).unwrap();
    }
    e.write_str(&format!("4:db:{i}")).unwrap();
    out
}

fn main() {
    // `cargo bench` passes `--bench`; skip flags.
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .map(|a| a.parse().expect("props, records and passes are numbers"))
        .collect();
    let props = args.first().copied().unwrap_or(10);
    let records = args.get(1).copied().unwrap_or(10_000);
    let passes = args.get(2).copied().unwrap_or(10);
    let mut wire = Vec::new();
    for i in 0..records {
        write_message(&mut wire, &record_body(i as i64, props), MAX_CHUNK_SIZE);
    }
    let opts = DecodeOptions::default();
    let mut reader = ChunkReader::new(64 * 1024, 64 << 20);
    let mut seen = 0usize;
    let start = Instant::now();
    for _ in 0..passes {
        let mut src = &wire[..];
        for _ in 0..records {
            let msg = reader.read_message(&mut src).unwrap();
            match decode_response(msg, opts).unwrap() {
                Response::Record(fields) => match &fields[0] {
                    Value::Node(n) => seen += black_box(n.properties.len()),
                    other => panic!("not a node: {other:?}"),
                },
                _ => unreachable!("only RECORDs were written"),
            }
        }
    }
    let elapsed = start.elapsed();
    assert_eq!(seen, props * records * passes);
    let nodes = records * passes;
    println!(
        "decode_nodes: {nodes} nodes of {props} properties in {elapsed:?} ({:.0} ns/node)",
        elapsed.as_nanos() as f64 / nodes as f64
    );
}
