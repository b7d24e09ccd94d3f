//! Criterion micro-benchmarks: PackStream encode/decode, chunking, and record decoding, on the
//! shapes the end-to-end workloads use (W1: one int; W1b: int, string, 2-list, 1-map).
//!
//! `cargo bench --bench micro` (add `-- --quick` for a fast pass). No sockets: bytes in memory.

use boltc::bolt::chunk::{write_message, ChunkReader, MAX_CHUNK_SIZE};
use boltc::bolt::message::{decode_response, Response};
use boltc::packstream::{DecodeOptions, Decoder, Dialect, Encoder};
use boltc::{Map, Value};
use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};

/// The W1b row for `i`: [i, "name-i", [i, i + 1], {k: i}].
fn wide_row(i: i64) -> Vec<Value> {
    let mut m = Map::new();
    m.insert("k".into(), Value::Int(i));
    vec![
        Value::Int(i),
        Value::String(format!("name-{i}")),
        Value::List(vec![Value::Int(i), Value::Int(i + 1)]),
        Value::Map(m),
    ]
}

/// A RECORD message body (not chunked) carrying `values`.
fn record_body(values: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut e = Encoder::new(&mut out, Dialect::LATEST);
    e.write_struct_header(1, 0x71);
    e.write_list_header(values.len()).unwrap();
    for v in values {
        e.write_value(v).unwrap();
    }
    out
}

/// `n` chunked RECORD messages followed by nothing else.
fn wire(n: i64, row: impl Fn(i64) -> Vec<Value>) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 1..=n {
        write_message(&mut out, &record_body(&row(i)), MAX_CHUNK_SIZE);
    }
    out
}

fn encode(c: &mut Criterion) {
    let mut g = c.benchmark_group("packstream/encode");
    let row = wide_row(123_456);
    let mut params = Map::new();
    for (k, v) in [
        ("id", Value::Int(42)),
        ("name", Value::String("Alice".into())),
    ] {
        params.insert(k.into(), v);
    }
    params.insert(
        "tags".into(),
        Value::List(vec![Value::String("a".into()); 8]),
    );
    let mut out = Vec::with_capacity(4096);
    g.bench_function("wide_row", |b| {
        b.iter(|| {
            out.clear();
            let mut e = Encoder::new(&mut out, Dialect::LATEST);
            for v in black_box(&row) {
                e.write_value(v).unwrap();
            }
        })
    });
    g.bench_function("params_map", |b| {
        b.iter(|| {
            out.clear();
            Encoder::new(&mut out, Dialect::LATEST)
                .write_map(black_box(&params))
                .unwrap();
        })
    });
    g.finish();
}

fn decode(c: &mut Criterion) {
    let mut g = c.benchmark_group("packstream/decode");
    let opts = DecodeOptions::default();
    let int_body = record_body(&[Value::Int(123_456)]);
    let wide_body = record_body(&wide_row(123_456));
    // Skip the structure header: the values start at byte 2.
    g.bench_function("int_fields", |b| {
        b.iter(|| {
            Decoder::new(black_box(&int_body[2..]), opts)
                .read_list_of_values()
                .unwrap()
        })
    });
    g.bench_function("wide_fields", |b| {
        b.iter(|| {
            Decoder::new(black_box(&wide_body[2..]), opts)
                .read_list_of_values()
                .unwrap()
        })
    });
    g.finish();
}

fn chunking(c: &mut Criterion) {
    let mut g = c.benchmark_group("chunk");
    for size in [16usize, 1024, 200_000] {
        let body = vec![7u8; size];
        let mut out = Vec::with_capacity(size + 64);
        g.throughput(Throughput::Bytes(size as u64));
        g.bench_function(format!("write_message/{size}"), |b| {
            b.iter(|| {
                out.clear();
                write_message(&mut out, black_box(&body), MAX_CHUNK_SIZE);
            })
        });
    }
    // Reading 1000 W1 records (one PULL batch) from memory, framing only.
    let batch = wire(1000, |i| vec![Value::Int(i)]);
    g.throughput(Throughput::Elements(1000));
    g.bench_function("read_message/1000_int_records", |b| {
        b.iter_batched_ref(
            || ChunkReader::new(64 * 1024, 64 << 20),
            |r| {
                let mut src = &batch[..];
                let mut n = 0;
                for _ in 0..1000 {
                    n += r.read_message(&mut src).unwrap().len();
                }
                n
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn records(c: &mut Criterion) {
    let mut g = c.benchmark_group("record");
    let opts = DecodeOptions::default();
    for (name, batch) in [
        ("1000_int_records", wire(1000, |i| vec![Value::Int(i)])),
        ("1000_wide_records", wire(1000, wide_row)),
    ] {
        g.throughput(Throughput::Elements(1000));
        // Bytes to Response::Record, as a connection does for each message of a PULL batch.
        g.bench_function(name, |b| {
            b.iter_batched_ref(
                || ChunkReader::new(64 * 1024, 64 << 20),
                |r| {
                    let mut src = &batch[..];
                    let mut cells = 0;
                    for _ in 0..1000 {
                        let msg = r.read_message(&mut src).unwrap();
                        match decode_response(msg, opts).unwrap() {
                            Response::Record(v) => cells += v.len(),
                            _ => unreachable!(),
                        }
                    }
                    cells
                },
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, encode, decode, chunking, records);
criterion_main!(benches);
