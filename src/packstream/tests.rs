//! Byte-exact tables (every example of the Bolt v1 PackStream spec), boundaries, round trips and
//! hostile inputs for the codec.
//!
//! File length: long because it is a table: every example of the PackStream spec and the hostile inputs.

use super::*;
use crate::value::{
    Date, DateTime, DateTimeZoneId, Duration, LocalDateTime, LocalTime, Map, Node, Path, Point2D,
    Point3D, Relationship, Structure, Time, UnboundRelationship, Unsupported, Value, Vector,
};
use crate::ErrorKind;
use std::sync::Arc;

/// Parses "C0 01 ..." into bytes.
fn h(s: &str) -> Vec<u8> {
    s.split_whitespace()
        .map(|b| u8::from_str_radix(b, 16).unwrap())
        .collect()
}

fn enc_with(v: &Value, dialect: Dialect) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::new();
    Encoder::new(&mut out, dialect).write_value(v)?;
    Ok(out)
}

fn enc(v: &Value) -> Vec<u8> {
    enc_with(v, Dialect::LATEST).unwrap()
}

fn dec_with(b: &[u8], opts: DecodeOptions) -> Result<Value, DecodeError> {
    let mut d = Decoder::new(b, opts);
    let v = d.read_value()?;
    assert!(d.is_at_end(), "trailing bytes after {v:?}");
    Ok(v)
}

fn dec(b: &[u8]) -> Result<Value, DecodeError> {
    dec_with(b, DecodeOptions::default())
}

/// Asserts `got == want` and, as map equality ignores order, that their maps (at any depth)
/// list their entries in the same order.
#[track_caller]
fn same(got: &Value, want: &Value) {
    assert_eq!(got, want);
    assert_eq!(format!("{got:?}"), format!("{want:?}"), "entry order");
}

/// Checks both directions: `v` encodes to exactly `hex` and `hex` decodes to `v`.
fn both(v: Value, hex: &str) {
    let bytes = h(hex);
    assert_eq!(enc(&v), bytes, "encoding {v:?}");
    same(&dec(&bytes).unwrap(), &v);
}

fn s(x: &str) -> Value {
    Value::String(x.to_owned())
}

fn map(entries: &[(&str, Value)]) -> Value {
    Value::Map(
        entries
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    )
}

// ---------------------------------------------------------------------------------------------
// Seed 002 (Bolt v1 spec) examples
// ---------------------------------------------------------------------------------------------

#[test]
fn spec_null_and_booleans() {
    both(Value::Null, "C0");
    both(Value::Bool(true), "C3");
    both(Value::Bool(false), "C2");
}

#[test]
fn spec_integers() {
    both(Value::Int(1), "01");
    both(Value::Int(42), "2A");
    both(Value::Int(i64::MIN), "CB 80 00 00 00 00 00 00 00");
    both(Value::Int(i64::MAX), "CB 7F FF FF FF FF FF FF FF");
}

#[test]
fn spec_integer_42_in_every_width_decodes() {
    for hex in [
        "2A",
        "C8 2A",
        "C9 00 2A",
        "CA 00 00 00 2A",
        "CB 00 00 00 00 00 00 00 2A",
    ] {
        assert_eq!(dec(&h(hex)).unwrap(), Value::Int(42), "{hex}");
    }
}

#[test]
fn spec_floats() {
    both(Value::Float(1.1), "C1 3F F1 99 99 99 99 99 9A");
    both(Value::Float(-1.1), "C1 BF F1 99 99 99 99 99 9A");
}

#[test]
fn spec_strings() {
    both(s(""), "80");
    both(s("a"), "81 61");
    both(s("Hello"), "85 48 65 6C 6C 6F");
    both(
        s("abcdefghijklmnopqrstuvwxyz"),
        "D0 1A 61 62 63 64 65 66 67 68 69 6A 6B 6C 6D 6E 6F 70 71 72 73 74 75 76 77 78 79 7A",
    );
    both(
        s("En å flöt över ängen"),
        "D0 18 45 6E 20 C3 A5 20 66 6C C3 B6 74 20 C3 B6 76 65 72 20 C3 A4 6E 67 65 6E",
    );
}

#[test]
fn spec_lists() {
    both(Value::List(vec![]), "90");
    both(
        Value::List(vec![Value::Int(1), Value::Int(2), Value::Int(3)]),
        "93 01 02 03",
    );
}

#[test]
fn spec_maps() {
    both(map(&[]), "A0");
    both(map(&[("a", Value::Int(1))]), "A1 81 61 01");
    let keys = "abcdefghijklmnop";
    let vals = [1, 1, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6];
    let m: Map = keys
        .chars()
        .zip(vals)
        .map(|(k, v)| (k.to_string(), Value::Int(v)))
        .collect();
    both(
        Value::Map(m),
        "D8 10 81 61 01 81 62 01 81 63 03 81 64 04 81 65 05 81 66 06 81 67 07 81 68 08 81 69 09 \
         81 6A 00 81 6B 01 81 6C 02 81 6D 03 81 6E 04 81 6F 05 81 70 06",
    );
}

/// A message field for the byte examples: a value, or a map in the spec's (unsorted) order.
enum F {
    V(Value),
    OrderedMap(Vec<(&'static str, Value)>),
}

/// Checks a message example: encoding the fields in order gives `hex`, and decoding `hex`
/// gives a structure with these fields.
fn message(tag: u8, fields: Vec<F>, hex: &str) {
    let bytes = h(hex);
    let mut out = Vec::new();
    let mut e = Encoder::new(&mut out, Dialect::V1);
    e.write_struct_header(u8::try_from(fields.len()).unwrap(), tag);
    let mut expected = Vec::new();
    for f in fields {
        match f {
            F::V(v) => {
                e.write_value(&v).unwrap();
                expected.push(v);
            }
            F::OrderedMap(entries) => {
                e.write_map_header(entries.len()).unwrap();
                for (k, v) in &entries {
                    e.write_str(k).unwrap();
                    e.write_value(v).unwrap();
                }
                expected.push(map(&entries));
            }
        }
    }
    assert_eq!(out, bytes, "encoding message 0x{tag:02X}");
    let mut d = Decoder::new(&bytes, DecodeOptions::default());
    let (n, t) = d.read_struct_header().unwrap();
    assert_eq!((n, t), (expected.len(), tag));
    let got: Vec<Value> = (0..n).map(|_| d.read_value().unwrap()).collect();
    assert!(d.is_at_end());
    same(&Value::List(got), &Value::List(expected.clone()));
    // Read as a value, a message is a structure with an unknown tag, except where its tag is
    // also a value tag (PULL_ALL 0x3F is Unsupported '?'): messages are read by header.
    if tag == b'?' {
        assert!(matches!(
            dec(&bytes),
            Err(DecodeError::InvalidStruct { .. })
        ));
    } else {
        assert_eq!(
            dec(&bytes).unwrap(),
            Value::Struct(Structure {
                tag,
                fields: expected
            })
        );
    }
}

#[test]
fn spec_messages() {
    let auth = vec![
        ("scheme", s("basic")),
        ("principal", s("neo4j")),
        ("credentials", s("secret")),
    ];
    message(
        0x01,
        vec![F::V(s("MyClient/1.0")), F::OrderedMap(auth)],
        "B2 01 8C 4D 79 43 6C 69 65 6E 74 2F 31 2E 30 A3 86 73 63 68 65 6D 65 85 62 61 73 69 63 \
         89 70 72 69 6E 63 69 70 61 6C 85 6E 65 6F 34 6A 8B 63 72 65 64 65 6E 74 69 61 6C 73 86 \
         73 65 63 72 65 74",
    );
    message(
        0x10,
        vec![F::V(s("RETURN 1 AS num")), F::V(map(&[]))],
        "B2 10 8F 52 45 54 55 52 4E 20 31 20 41 53 20 6E 75 6D A0",
    );
    message(
        0x10,
        vec![F::V(s("This will cause a syntax error")), F::V(map(&[]))],
        "b2 10 d0 1e 54 68 69 73 20 77 69 6c 6c 20 63 61 75 73 65 20 61 20 73 79 6e 74 61 78 20 \
         65 72 72 6f 72 a0",
    );
    message(0x2F, vec![], "B0 2F");
    message(0x3F, vec![], "B0 3F");
    message(0x0E, vec![], "B0 0E");
    message(0x0F, vec![], "B0 0F");
    message(0x7E, vec![], "B0 7E");
    let ints = |v: &[i64]| Value::List(v.iter().map(|&i| Value::Int(i)).collect());
    message(0x71, vec![F::V(ints(&[1, 2, 3]))], "B1 71 93 01 02 03");
    message(0x71, vec![F::V(ints(&[1]))], "b1 71 91 01");
    message(
        0x70,
        vec![F::V(map(&[(
            "fields",
            Value::List(vec![s("name"), s("age")]),
        )]))],
        "B1 70 A1 86 66 69 65 6C 64 73 92 84 6E 61 6D 65 83 61 67 65",
    );
    message(0x70, vec![F::V(map(&[]))], "b1 70 a0");
    message(
        0x70,
        vec![F::V(map(&[("server", s("Neo4j/3.1.0"))]))],
        "B1 70 A1 86 73 65 72 76 65 72 8B 4E 65 6F 34 6A 2F 33 2E 31 2E 30",
    );
    message(
        0x70,
        vec![F::V(map(&[
            ("fields", Value::List(vec![s("num")])),
            ("result_available_after", Value::Int(12)),
        ]))],
        "B1 70 A2 86 66 69 65 6C 64 73 91 83 6E 75 6D D0 16 72 65 73 75 6C 74 5F 61 76 61 69 6C \
         61 62 6C 65 5F 61 66 74 65 72 0C",
    );
    message(
        0x70,
        vec![F::OrderedMap(vec![
            ("type", s("r")),
            ("result_consumed_after", Value::Int(12)),
        ])],
        "B1 70 A2 84 74 79 70 65 81 72 D0 15 72 65 73 75 6C 74 5F 63 6F 6E 73 75 6D 65 64 5F 61 \
         66 74 65 72 0C",
    );
    message(
        0x7F,
        vec![F::V(map(&[
            ("code", s("Neo.ClientError.Statement.SyntaxError")),
            ("message", s("Invalid syntax.")),
        ]))],
        "B1 7F A2 84 63 6F 64 65 D0 25 4E 65 6F 2E 43 6C 69 65 6E 74 45 72 72 6F 72 2E 53 74 61 \
         74 65 6D 65 6E 74 2E 53 79 6E 74 61 78 45 72 72 6F 72 87 6D 65 73 73 61 67 65 8F 49 6E \
         76 61 6C 69 64 20 73 79 6E 74 61 78 2E",
    );
    message(
        0x7F,
        vec![F::V(map(&[
            ("code", s("Neo.ClientError.Statement.SyntaxError")),
            (
                "message",
                s(
                    "Invalid input 'T': expected <init> (line 1, column 1 (offset: 0))\n\
                   \"This will cause a syntax error\"\n ^",
                ),
            ),
        ]))],
        "B1 7F A2 84 63 6F 64 65 D0 25 4E 65 6F 2E 43 6C 69 65 6E 74 45 72 72 6F 72 2E 53 74 61 \
         74 65 6D 65 6E 74 2E 53 79 6E 74 61 78 45 72 72 6F 72 87 6D 65 73 73 61 67 65 D0 65 49 \
         6E 76 61 6C 69 64 20 69 6E 70 75 74 20 27 54 27 3A 20 65 78 70 65 63 74 65 64 20 3C 69 \
         6E 69 74 3E 20 28 6C 69 6E 65 20 31 2C 20 63 6F 6C 75 6D 6E 20 31 20 28 6F 66 66 73 65 \
         74 3A 20 30 29 29 0A 22 54 68 69 73 20 77 69 6C 6C 20 63 61 75 73 65 20 61 20 73 79 6E \
         74 61 78 20 65 72 72 6F 72 22 0A 20 5E",
    );
}

// ---------------------------------------------------------------------------------------------
// Boundary tables
// ---------------------------------------------------------------------------------------------

#[test]
fn integer_boundaries() {
    let table: &[(i64, &str)] = &[
        (0, "00"),
        (-1, "FF"),
        (-16, "F0"),
        (-17, "C8 EF"),
        (127, "7F"),
        (128, "C9 00 80"),
        (-128, "C8 80"),
        (-129, "C9 FF 7F"),
        (32767, "C9 7F FF"),
        (32768, "CA 00 00 80 00"),
        (-32768, "C9 80 00"),
        (-32769, "CA FF FF 7F FF"),
        (2_147_483_647, "CA 7F FF FF FF"),
        (2_147_483_648, "CB 00 00 00 00 80 00 00 00"),
        (-2_147_483_648, "CA 80 00 00 00"),
        (-2_147_483_649, "CB FF FF FF FF 7F FF FF FF"),
    ];
    for &(v, hex) in table {
        both(Value::Int(v), hex);
    }
}

/// The header bytes expected for a sized value of `len` with the given markers.
fn header(len: usize, tiny: u8, wide: [u8; 3]) -> Vec<u8> {
    if len < 16 {
        vec![tiny | u8::try_from(len).unwrap()]
    } else if len < 256 {
        vec![wide[0], u8::try_from(len).unwrap()]
    } else if len < 65536 {
        let mut v = vec![wide[1]];
        v.extend_from_slice(&u16::try_from(len).unwrap().to_be_bytes());
        v
    } else {
        let mut v = vec![wide[2]];
        v.extend_from_slice(&u32::try_from(len).unwrap().to_be_bytes());
        v
    }
}

const SIZES: [usize; 8] = [0, 1, 15, 16, 255, 256, 65535, 65536];

#[test]
fn string_size_boundaries() {
    for len in SIZES {
        let v = s(&"x".repeat(len));
        let bytes = enc(&v);
        assert_eq!(
            bytes[..bytes.len() - len],
            header(len, 0x80, [0xD0, 0xD1, 0xD2]),
            "{len}"
        );
        assert_eq!(dec(&bytes).unwrap(), v);
    }
}

#[test]
fn bytes_size_boundaries() {
    for len in SIZES {
        let v = Value::Bytes(vec![7; len]);
        let bytes = enc(&v);
        // Bytes have no tiny form.
        let expected = if len < 256 {
            vec![0xCC, u8::try_from(len).unwrap()]
        } else {
            header(len, 0, [0xCC, 0xCD, 0xCE])
        };
        assert_eq!(bytes[..bytes.len() - len], expected, "{len}");
        assert_eq!(dec(&bytes).unwrap(), v);
    }
}

#[test]
fn list_size_boundaries() {
    for len in SIZES {
        let v = Value::List(vec![Value::Null; len]);
        let bytes = enc(&v);
        assert_eq!(
            bytes[..bytes.len() - len],
            header(len, 0x90, [0xD4, 0xD5, 0xD6]),
            "{len}"
        );
        assert_eq!(dec(&bytes).unwrap(), v);
    }
}

#[test]
fn map_size_boundaries() {
    for len in SIZES {
        let m: Map = (0..len).map(|i| (format!("{i:05}"), Value::Null)).collect();
        let v = Value::Map(m);
        let bytes = enc(&v);
        let body = len * 7; // "85 xxxxx C0"
        assert_eq!(
            bytes[..bytes.len() - body],
            header(len, 0xA0, [0xD8, 0xD9, 0xDA]),
            "{len}"
        );
        assert_eq!(dec(&bytes).unwrap(), v);
    }
}

#[test]
fn struct_headers() {
    for fields in 0..16u8 {
        let mut out = Vec::new();
        Encoder::new(&mut out, Dialect::LATEST).write_struct_header(fields, 0x42);
        assert_eq!(out, [0xB0 | fields, 0x42]);
    }
}

#[test]
fn bytes_need_a_dialect_with_bytes() {
    let v = Value::Bytes(vec![1, 2, 3]);
    assert_eq!(
        enc_with(&v, Dialect::V1),
        Err(EncodeError::NotInVersion("Bytes"))
    );
    both(v, "CC 03 01 02 03");
    both(Value::Bytes(vec![]), "CC 00");
}

// ---------------------------------------------------------------------------------------------
// Graph structures
// ---------------------------------------------------------------------------------------------

/// Encodes a structure whose fields are written by `f` (graph values cannot be sent).
fn raw_struct(tag: u8, n: u8, f: impl FnOnce(&mut Encoder<'_>)) -> Vec<u8> {
    let mut out = Vec::new();
    let mut e = Encoder::new(&mut out, Dialect::LATEST);
    e.write_struct_header(n, tag);
    f(&mut e);
    out
}

fn node(id: i64, element_id: Option<&str>, label: &str) -> (Vec<u8>, Node) {
    let props: Map = [("name".to_owned(), s(label))].into_iter().collect();
    let n = if element_id.is_some() { 4 } else { 3 };
    let bytes = raw_struct(b'N', n, |e| {
        e.write_int(id);
        e.write_value(&Value::List(vec![s(label)])).unwrap();
        e.write_map(&props).unwrap();
        if let Some(eid) = element_id {
            e.write_str(eid).unwrap();
        }
    });
    let node = Node {
        id,
        element_id: element_id.map_or_else(|| id.to_string(), str::to_owned),
        labels: vec![label.to_owned()],
        properties: props,
    };
    (bytes, node)
}

fn unbound(id: i64, element_id: Option<&str>, ty: &str) -> (Vec<u8>, UnboundRelationship) {
    let n = if element_id.is_some() { 4 } else { 3 };
    let bytes = raw_struct(b'r', n, |e| {
        e.write_int(id);
        e.write_str(ty).unwrap();
        e.write_map_header(0).unwrap();
        if let Some(eid) = element_id {
            e.write_str(eid).unwrap();
        }
    });
    let rel = UnboundRelationship {
        id,
        element_id: element_id.map_or_else(|| id.to_string(), str::to_owned),
        rel_type: ty.to_owned(),
        properties: Map::new(),
    };
    (bytes, rel)
}

#[test]
fn node_both_forms() {
    let (bytes, n) = node(1, None, "Person");
    assert_eq!(
        bytes,
        h("B3 4E 01 91 86 50 65 72 73 6F 6E A1 84 6E 61 6D 65 86 50 65 72 73 6F 6E")
    );
    assert_eq!(dec(&bytes).unwrap(), Value::Node(Box::new(n.clone())));
    assert_eq!(n.element_id, "1");
    let (bytes, n) = node(1, Some("4:abc:1"), "Person");
    assert_eq!(dec(&bytes).unwrap(), Value::Node(Box::new(n.clone())));
    assert_eq!(n.element_id, "4:abc:1");
    // Either form decodes under any dialect.
    let v1 = DecodeOptions {
        dialect: Dialect::V1,
        ..DecodeOptions::default()
    };
    assert_eq!(dec_with(&bytes, v1).unwrap(), Value::Node(Box::new(n)));
}

#[test]
fn relationship_both_forms() {
    let legacy = raw_struct(b'R', 5, |e| {
        e.write_int(9);
        e.write_int(1);
        e.write_int(2);
        e.write_str("KNOWS").unwrap();
        e.write_map(&map_of(&[("since", Value::Int(1999))]))
            .unwrap();
    });
    assert_eq!(
        legacy,
        h("B5 52 09 01 02 85 4B 4E 4F 57 53 A1 85 73 69 6E 63 65 C9 07 CF")
    );
    let expected = Relationship {
        id: 9,
        element_id: "9".into(),
        start_node_id: 1,
        start_node_element_id: "1".into(),
        end_node_id: 2,
        end_node_element_id: "2".into(),
        rel_type: "KNOWS".into(),
        properties: map_of(&[("since", Value::Int(1999))]),
    };
    assert_eq!(
        dec(&legacy).unwrap(),
        Value::Relationship(Box::new(expected.clone()))
    );
    let modern = raw_struct(b'R', 8, |e| {
        e.write_int(9);
        e.write_int(1);
        e.write_int(2);
        e.write_str("KNOWS").unwrap();
        e.write_map(&map_of(&[("since", Value::Int(1999))]))
            .unwrap();
        e.write_str("r9").unwrap();
        e.write_str("n1").unwrap();
        e.write_str("n2").unwrap();
    });
    let expected = Relationship {
        element_id: "r9".into(),
        start_node_element_id: "n1".into(),
        end_node_element_id: "n2".into(),
        ..expected
    };
    assert_eq!(
        dec(&modern).unwrap(),
        Value::Relationship(Box::new(expected))
    );
}

fn map_of(entries: &[(&str, Value)]) -> Map {
    entries
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

#[test]
fn unbound_relationship_both_forms() {
    let (bytes, r) = unbound(5, None, "X");
    assert_eq!(bytes, h("B3 72 05 81 58 A0"));
    assert_eq!(
        dec(&bytes).unwrap(),
        Value::UnboundRelationship(Box::new(r))
    );
    let (bytes, r) = unbound(5, Some("r5"), "X");
    assert_eq!(
        dec(&bytes).unwrap(),
        Value::UnboundRelationship(Box::new(r))
    );
}

/// Encodes a path structure from encoded nodes, rels and an index sequence.
fn path_bytes(nodes: &[Vec<u8>], rels: &[Vec<u8>], seq: &[i64]) -> Vec<u8> {
    let mut out = vec![0xB3, b'P'];
    Encoder::new(&mut out, Dialect::LATEST)
        .write_list_header(nodes.len())
        .unwrap();
    for n in nodes {
        out.extend_from_slice(n);
    }
    Encoder::new(&mut out, Dialect::LATEST)
        .write_list_header(rels.len())
        .unwrap();
    for r in rels {
        out.extend_from_slice(r);
    }
    let seq = Value::List(seq.iter().map(|&i| Value::Int(i)).collect());
    Encoder::new(&mut out, Dialect::LATEST)
        .write_value(&seq)
        .unwrap();
    out
}

#[test]
fn path_walk_from_the_spec_with_backwards_relationships() {
    // (A)-[:X]->(B)-[:Y]->(C)<-[:Z]-(B)<-[:X]-(A), S = [1, 1, 2, 2, -3, 1, -1, 0]
    let (na, a) = node(10, None, "A");
    let (nb, b) = node(11, Some("e11"), "B");
    let (nc, c) = node(12, None, "C");
    let (rx, x) = unbound(20, None, "X");
    let (ry, y) = unbound(21, Some("e21"), "Y");
    let (rz, z) = unbound(22, None, "Z");
    let bytes = path_bytes(&[na, nb, nc], &[rx, ry, rz], &[1, 1, 2, 2, -3, 1, -1, 0]);
    let Value::Path(p) = dec(&bytes).unwrap() else {
        panic!("not a path")
    };
    let arcs = |v: Vec<Node>| v.into_iter().map(Arc::new).collect::<Vec<_>>();
    assert_eq!(
        p.nodes,
        arcs(vec![a.clone(), b.clone(), c.clone(), b.clone(), a.clone()])
    );
    let expected: Vec<Arc<Relationship>> = vec![
        x.clone().bind(&a, &b),
        y.bind(&b, &c),
        z.bind(&b, &c), // traversed backwards from C to B: Z goes B -> C
        x.bind(&a, &b), // traversed backwards from B to A: X goes A -> B
    ]
    .into_iter()
    .map(Arc::new)
    .collect();
    assert_eq!(p.relationships, expected);
    assert_eq!(p.relationships[2].start_node_element_id, "e11");
    assert_eq!(p.relationships[2].end_node_id, 12);
    assert_eq!(p.len(), 4);
    assert_eq!(p.start(), Some(&a));
    assert_eq!(p.end(), Some(&a));
}

#[test]
fn a_path_shares_the_elements_its_steps_repeat() {
    // A -X-> B, then back and forth over X 1,000 times: one node list entry and one bound
    // relationship per direction, each shared by every step that repeats it.
    let (na, a) = node(1, None, "A");
    let (nb, b) = node(2, None, "B");
    let (rx, x) = unbound(3, None, "X");
    let mut seq = Vec::new();
    for _ in 0..1000 {
        seq.extend([1, 1, -1, 0]);
    }
    let Value::Path(p) = dec(&path_bytes(&[na, nb], &[rx], &seq)).unwrap() else {
        panic!("not a path")
    };
    assert_eq!(p.len(), 2000);
    assert_eq!(*p.nodes[0], a);
    assert_eq!(*p.nodes[1], b);
    assert_eq!(*p.relationships[0], x.clone().bind(&a, &b));
    assert_eq!(*p.relationships[1], x.bind(&a, &b));
    for (i, n) in p.nodes.iter().enumerate() {
        assert!(Arc::ptr_eq(n, &p.nodes[i % 2]), "node {i} is a copy");
    }
    for (i, r) in p.relationships.iter().enumerate() {
        // Both directions bind X from A to B: one shared value.
        assert!(
            Arc::ptr_eq(r, &p.relationships[0]),
            "relationship {i} is a copy"
        );
    }
}

#[test]
fn zero_length_path() {
    let (na, a) = node(1, None, "A");
    let bytes = path_bytes(&[na], &[], &[]);
    assert_eq!(
        dec(&bytes).unwrap(),
        Value::Path(Box::new(Path {
            nodes: vec![Arc::new(a)],
            relationships: vec![]
        }))
    );
}

#[test]
fn invalid_paths_are_errors() {
    let (na, _) = node(1, None, "A");
    let (nb, _) = node(2, None, "B");
    let (rx, _) = unbound(3, None, "X");
    let bad = [
        (vec![na.clone(), nb.clone()], vec![rx.clone()], vec![0, 1]),
        (vec![na.clone(), nb.clone()], vec![rx.clone()], vec![2, 1]),
        (vec![na.clone(), nb.clone()], vec![rx.clone()], vec![-2, 1]),
        (
            vec![na.clone(), nb.clone()],
            vec![rx.clone()],
            vec![i64::MIN, 1],
        ),
        (vec![na.clone(), nb.clone()], vec![rx.clone()], vec![1, 2]),
        (vec![na.clone(), nb.clone()], vec![rx.clone()], vec![1, -1]),
        (vec![na.clone(), nb.clone()], vec![rx.clone()], vec![1]),
        (vec![], vec![rx.clone()], vec![]),
    ];
    for (nodes, rels, seq) in bad {
        let err = dec(&path_bytes(&nodes, &rels, &seq)).unwrap_err();
        assert!(
            matches!(err, DecodeError::InvalidStruct { tag: b'P', .. }),
            "{seq:?}: {err:?}"
        );
    }
    // Wrong element types in the lists.
    let wrong = path_bytes(std::slice::from_ref(&rx), &[], &[]);
    assert!(matches!(
        dec(&wrong),
        Err(DecodeError::InvalidStruct { tag: b'P', .. })
    ));
    let wrong = path_bytes(&[na], &[nb], &[]);
    assert!(matches!(
        dec(&wrong),
        Err(DecodeError::InvalidStruct { tag: b'P', .. })
    ));
}

#[test]
fn graph_values_cannot_be_sent() {
    let (_, n) = node(1, None, "A");
    let (_, r) = unbound(2, None, "X");
    let rel = r.clone().bind(&n, &n);
    let cases = [
        (Value::Node(Box::new(n.clone())), "Node"),
        (Value::Relationship(Box::new(rel)), "Relationship"),
        (
            Value::UnboundRelationship(Box::new(r)),
            "UnboundRelationship",
        ),
        (
            Value::Path(Box::new(Path {
                nodes: vec![Arc::new(n)],
                relationships: vec![],
            })),
            "Path",
        ),
        (
            Value::Unsupported(Box::new(Unsupported {
                name: "X".into(),
                min_protocol: (6, 1),
                message: None,
            })),
            "Unsupported",
        ),
        (
            Value::Struct(Structure {
                tag: 1,
                fields: vec![],
            }),
            "Structure",
        ),
    ];
    for (v, name) in cases {
        assert_eq!(
            enc_with(&v, Dialect::LATEST),
            Err(EncodeError::Unsendable(name))
        );
        // Also nested inside a list or map.
        let nested = Value::List(vec![map(&[("k", v)])]);
        assert_eq!(
            enc_with(&nested, Dialect::LATEST),
            Err(EncodeError::Unsendable(name))
        );
    }
}

#[test]
fn unknown_tags_become_structures() {
    assert_eq!(
        dec(&h("B2 01 01 81 61")).unwrap(),
        Value::Struct(Structure {
            tag: 0x01,
            fields: vec![Value::Int(1), s("a")]
        })
    );
    assert_eq!(
        dec(&h("B0 7A")).unwrap(),
        Value::Struct(Structure {
            tag: 0x7A,
            fields: vec![]
        })
    );
}

// ---------------------------------------------------------------------------------------------
// Temporal, spatial, vector, unsupported
// ---------------------------------------------------------------------------------------------

const LEGACY: Dialect = Dialect {
    bytes: true,
    utc_datetime: false,
    vector: false,
    wide_structs: false,
};

#[test]
fn temporal_and_spatial_bytes() {
    both(Value::Date(Date { days: 19000 }), "B1 44 C9 4A 38");
    both(
        Value::Time(Time {
            nanoseconds: 1,
            tz_offset_seconds: 3600,
        }),
        "B2 54 01 C9 0E 10",
    );
    both(Value::LocalTime(LocalTime { nanoseconds: 12 }), "B1 74 0C");
    both(
        Value::DateTime(DateTime {
            seconds: 0,
            nanoseconds: 5,
            tz_offset_seconds: 3600,
        }),
        "B3 49 00 05 C9 0E 10",
    );
    both(
        Value::DateTimeZoneId(Box::new(DateTimeZoneId {
            seconds: 0,
            nanoseconds: 0,
            tz_id: "UTC".into(),
        })),
        "B3 69 00 00 83 55 54 43",
    );
    both(
        Value::LocalDateTime(LocalDateTime {
            seconds: 1,
            nanoseconds: 2,
        }),
        "B2 64 01 02",
    );
    both(
        Value::Duration(Duration {
            months: 1,
            days: 2,
            seconds: 3,
            nanoseconds: 4,
        }),
        "B4 45 01 02 03 04",
    );
    both(
        Value::Point2D(Point2D {
            srid: 7203,
            x: 1.0,
            y: -1.0,
        }),
        "B3 58 C9 1C 23 C1 3F F0 00 00 00 00 00 00 C1 BF F0 00 00 00 00 00 00",
    );
    both(
        Value::Point3D(Point3D {
            srid: 9157,
            x: 0.0,
            y: 0.0,
            z: 1.0,
        }),
        "B4 59 C9 23 C5 C1 00 00 00 00 00 00 00 00 C1 00 00 00 00 00 00 00 00 \
         C1 3F F0 00 00 00 00 00 00",
    );
}

#[test]
fn legacy_date_time_uses_local_seconds() {
    let v = Value::DateTime(DateTime {
        seconds: 0,
        nanoseconds: 5,
        tz_offset_seconds: 3600,
    });
    let bytes = enc_with(&v, LEGACY).unwrap();
    assert_eq!(bytes, h("B3 46 C9 0E 10 05 C9 0E 10"));
    assert_eq!(dec(&bytes).unwrap(), v);
}

#[test]
fn legacy_zoned_date_time_converts_through_the_zone_database() {
    // 1970-01-01T00:00Z is 01:00 wall clock in Stockholm (CET, +1).
    let v = Value::DateTimeZoneId(Box::new(DateTimeZoneId {
        seconds: 0,
        nanoseconds: 7,
        tz_id: "Europe/Stockholm".into(),
    }));
    let bytes = enc_with(&v, LEGACY).unwrap();
    let mut expected = h("B3 66 C9 0E 10 07 D0 10");
    expected.extend_from_slice(b"Europe/Stockholm");
    assert_eq!(bytes, expected);
    assert_eq!(dec(&bytes).unwrap(), v);
    // Summer time (+2): 2021-07-01T12:00:00Z.
    let summer = Value::DateTimeZoneId(Box::new(DateTimeZoneId {
        seconds: 1_625_140_800,
        nanoseconds: 0,
        tz_id: "Europe/Stockholm".into(),
    }));
    let bytes = enc_with(&summer, LEGACY).unwrap();
    let mut d = Decoder::new(&bytes[2..], DecodeOptions::default());
    assert_eq!(d.read_value().unwrap(), Value::Int(1_625_140_800 + 7200));
    assert_eq!(dec(&bytes).unwrap(), summer);
}

fn legacy_zoned(local: i64, tz: &str) -> Vec<u8> {
    raw_struct(b'f', 3, |e| {
        e.write_int(local);
        e.write_int(0);
        e.write_str(tz).unwrap();
    })
}

#[test]
fn ambiguous_local_time_picks_the_earlier_instant() {
    // 2021-10-31T02:30 happens twice in Stockholm: at 00:30Z (+2) and 01:30Z (+1).
    let local = 1_635_647_400; // 2021-10-31T02:30:00 as if UTC
    let Value::DateTimeZoneId(dt) = dec(&legacy_zoned(local, "Europe/Stockholm")).unwrap() else {
        panic!("not a zoned datetime")
    };
    assert_eq!(dt.seconds, local - 7200);
    // A time in the spring gap (2021-03-28T02:30) still decodes.
    assert!(dec(&legacy_zoned(1_616_898_600, "Europe/Stockholm")).is_ok());
}

#[test]
fn unknown_zone_ids() {
    assert!(matches!(
        dec(&legacy_zoned(0, "Mars/Olympus_Mons")),
        Err(DecodeError::UnknownTimeZone(id)) if id == "Mars/Olympus_Mons"
    ));
    // The UTC form carries the instant, but an unknown zone fails the same way.
    let v = Value::DateTimeZoneId(Box::new(DateTimeZoneId {
        seconds: 0,
        nanoseconds: 0,
        tz_id: "Mars/Olympus_Mons".into(),
    }));
    assert!(matches!(
        dec(&enc(&v)),
        Err(DecodeError::UnknownTimeZone(id)) if id == "Mars/Olympus_Mons"
    ));
    let known = Value::DateTimeZoneId(Box::new(DateTimeZoneId {
        seconds: 0,
        nanoseconds: 0,
        tz_id: "Europe/Stockholm".into(),
    }));
    assert_eq!(dec(&enc(&known)).unwrap(), known);
    assert_eq!(
        enc_with(&v, LEGACY),
        Err(EncodeError::UnknownTimeZone("Mars/Olympus_Mons".into()))
    );
}

#[test]
fn known_tags_with_wrong_fields_are_invalid() {
    let cases = [
        "B0 4E",
        "B2 4E 01 90",
        "B3 4E 81 61 90 A0",
        "B3 4E 01 91 01 A0",
        "B3 4E 01 90 90",
        "B4 4E 01 90 A0 01",
        "B4 52 01 02 03 81 58",
        "B3 72 01 01 A0",
        "B2 44 01 02",
        "B1 44 81 61",
        "B2 54 01 CB 00 00 00 01 00 00 00 00",
        "B3 49 01 01 C0",
        "B3 46 CB 80 00 00 00 00 00 00 00 00 01",
        "B3 69 01 01 01",
        "B3 58 01 01 01",
        "B4 59 01 C1 00 00 00 00 00 00 00 00 C1 00 00 00 00 00 00 00 00 01",
        "B2 56 CC 01 C8 01",
        "B2 56 CC 02 C8 C8 CC 00",
        "B2 56 CC 01 C4 CC 00",
        "B2 56 CC 01 C9 CC 03 00 01 02",
        "B4 3F 81 58 06 01 01",
        "B1 50 90",
    ];
    for hex in cases {
        let err = dec(&h(hex)).unwrap_err();
        assert!(
            matches!(err, DecodeError::InvalidStruct { .. }),
            "{hex}: {err:?}"
        );
    }
}

#[test]
fn vector_bytes_and_round_trips() {
    both(
        Value::Vector(Vector::I8(vec![1, -1])),
        "B2 56 CC 01 C8 CC 02 01 FF",
    );
    both(
        Value::Vector(Vector::I16(vec![256])),
        "B2 56 CC 01 C9 CC 02 01 00",
    );
    both(
        Value::Vector(Vector::F32(vec![1.0])),
        "B2 56 CC 01 C6 CC 04 3F 80 00 00",
    );
    both(Value::Vector(Vector::F64(vec![])), "B2 56 CC 01 C1 CC 00");
    let vectors = [
        Vector::I8(vec![i8::MIN, 0, i8::MAX]),
        Vector::I16(vec![i16::MIN, 0, i16::MAX]),
        Vector::I32(vec![i32::MIN, 0, i32::MAX]),
        Vector::I64(vec![i64::MIN, 0, i64::MAX]),
        Vector::F32(vec![f32::MIN, 0.5, f32::MAX]),
        Vector::F64(vec![f64::MIN, -0.25, f64::MAX]),
    ];
    for v in vectors {
        let v = Value::Vector(v);
        assert_eq!(dec(&enc(&v)).unwrap(), v);
        assert_eq!(
            enc_with(&v, LEGACY),
            Err(EncodeError::NotInVersion("Vector"))
        );
    }
}

#[test]
fn unsupported_placeholder() {
    let mut bytes = h("B4 3F 84");
    bytes.extend_from_slice(b"UUID");
    bytes.extend_from_slice(&h("06 01 A1 87"));
    bytes.extend_from_slice(b"message");
    bytes.extend_from_slice(&h("82 68 69"));
    assert_eq!(
        dec(&bytes).unwrap(),
        Value::Unsupported(Box::new(Unsupported {
            name: "UUID".into(),
            min_protocol: (6, 1),
            message: Some("hi".into()),
        }))
    );
    assert_eq!(
        dec(&h("B4 3F 81 58 06 00 A0")).unwrap(),
        Value::Unsupported(Box::new(Unsupported {
            name: "X".into(),
            min_protocol: (6, 0),
            message: None
        }))
    );
}

#[test]
fn round_trips_for_every_sendable_type() {
    let values = vec![
        Value::Null,
        Value::Bool(true),
        Value::Int(-5_000_000_000),
        Value::Float(f64::INFINITY),
        Value::Float(-0.0),
        Value::Bytes(vec![0, 255]),
        s("héllo wörld ✓ 🚀"),
        Value::List(vec![Value::Int(1), s("x"), Value::List(vec![])]),
        map(&[("a", Value::Null), ("b", map(&[("c", Value::Int(3))]))]),
        Value::Date(Date { days: -719_162 }),
        Value::Time(Time {
            nanoseconds: 86_399_999_999_999,
            tz_offset_seconds: -64800,
        }),
        Value::LocalTime(LocalTime { nanoseconds: 0 }),
        Value::DateTime(DateTime {
            seconds: 1_700_000_000,
            nanoseconds: 999_999_999,
            tz_offset_seconds: -18000,
        }),
        Value::DateTimeZoneId(Box::new(DateTimeZoneId {
            seconds: 1_700_000_000,
            nanoseconds: 1,
            tz_id: "America/New_York".into(),
        })),
        Value::LocalDateTime(LocalDateTime {
            seconds: -1,
            nanoseconds: 0,
        }),
        Value::Duration(Duration {
            months: -1,
            days: 400,
            seconds: i64::MAX,
            nanoseconds: 1,
        }),
        Value::Point2D(Point2D {
            srid: 4326,
            x: 12.5,
            y: 55.7,
        }),
        Value::Point3D(Point3D {
            srid: 4979,
            x: 1.0,
            y: 2.0,
            z: 3.0,
        }),
        Value::Vector(Vector::I32(vec![1, 2, 3])),
    ];
    for dialect in [Dialect::LATEST, LEGACY] {
        for v in &values {
            if matches!(v, Value::Vector(_)) && !dialect.vector {
                continue;
            }
            let bytes = enc_with(v, dialect).unwrap();
            assert_eq!(&dec(&bytes).unwrap(), v, "{dialect:?}");
        }
        let all = Value::List(
            values
                .iter()
                .filter(|v| dialect.vector || !matches!(v, Value::Vector(_)))
                .cloned()
                .collect(),
        );
        assert_eq!(dec(&enc_with(&all, dialect).unwrap()).unwrap(), all);
    }
    let nan = dec(&enc(&Value::Float(f64::NAN))).unwrap();
    assert!(nan.as_float().unwrap().is_nan());
}

// ---------------------------------------------------------------------------------------------
// Decoder entry points
// ---------------------------------------------------------------------------------------------

#[test]
fn read_list_of_values_and_headers() {
    let b0 = h("B1 71 93 01 81 61 C3");
    let mut d = Decoder::new(&b0, DecodeOptions::default());
    assert_eq!(d.read_struct_header().unwrap(), (1, 0x71));
    assert_eq!(
        d.read_list_of_values().unwrap(),
        vec![Value::Int(1), s("a"), Value::Bool(true)]
    );
    assert!(d.is_at_end());
    assert_eq!(d.position(), 7);

    let b1 = h("D4 02 01 02");
    let mut d = Decoder::new(&b1, DecodeOptions::default());
    assert_eq!(d.read_list_header().unwrap(), 2);

    let b2 = h("A1 81 61 01");
    let mut d = Decoder::new(&b2, DecodeOptions::default());
    assert_eq!(d.read_map().unwrap(), map_of(&[("a", Value::Int(1))]));

    let unexpected = |r: Result<(), DecodeError>, m: u8| match r {
        Err(DecodeError::Unexpected { marker, .. }) => assert_eq!(marker, m),
        other => panic!("{other:?}"),
    };
    let o = DecodeOptions::default();
    unexpected(
        Decoder::new(&[0x01], o).read_list_of_values().map(drop),
        0x01,
    );
    unexpected(
        Decoder::new(&[0x91, 0x01], o)
            .read_struct_header()
            .map(drop),
        0x91,
    );
    unexpected(Decoder::new(&[0xB0, 0x01], o).read_map().map(drop), 0xB0);
    unexpected(Decoder::new(&[0xA0], o).read_list_header().map(drop), 0xA0);
    assert_eq!(
        Decoder::new(&[], o).read_value(),
        Err(DecodeError::UnexpectedEnd)
    );
}

// ---------------------------------------------------------------------------------------------
// Hostile input
// ---------------------------------------------------------------------------------------------

#[test]
fn huge_size_headers_fail_before_allocating() {
    for hex in [
        "D6 FF FF FF FF",
        "D5 FF FF 01",
        "D4 FF",
        "9F 01",
        "DA FF FF FF FF",
        "D9 FF FF",
        "D8 02 81 61 01",
        "D2 FF FF FF FF",
        "D1 FF FF",
        "D0 05 61",
        "8F 61",
        "CE FF FF FF FF",
        "CD FF FF",
        "CC 02 00",
        "BF 01",
    ] {
        assert!(
            matches!(dec(&h(hex)), Err(DecodeError::SizeTooLarge(_))),
            "{hex}: {:?}",
            dec(&h(hex))
        );
    }
    let o = DecodeOptions::default();
    assert_eq!(
        Decoder::new(&h("D6 FF FF FF FF"), o).read_list_of_values(),
        Err(DecodeError::SizeTooLarge(u64::from(u32::MAX)))
    );
    assert!(matches!(
        Decoder::new(&h("DA FF FF FF FF 81 61"), o).read_map(),
        Err(DecodeError::SizeTooLarge(_))
    ));
}

#[test]
fn deep_nesting_is_bounded() {
    for (open, close) in [
        (vec![0x91], vec![]),
        (vec![0xA1, 0x81, 0x61], vec![]),
        (vec![0xB1, 0x01], vec![]),
    ] {
        let mut bytes = Vec::new();
        for _ in 0..1000 {
            bytes.extend_from_slice(&open);
        }
        bytes.push(0xC0);
        bytes.extend_from_slice(&close);
        assert_eq!(dec(&bytes), Err(DecodeError::TooDeep));
    }
    // Exactly max_depth containers are fine; one more is not.
    let opts = DecodeOptions {
        max_depth: 3,
        ..DecodeOptions::default()
    };
    assert!(dec_with(&h("91 91 91 C0"), opts).is_ok());
    assert_eq!(
        dec_with(&h("91 91 91 91 C0"), opts),
        Err(DecodeError::TooDeep)
    );
    let default_max = DecodeOptions::default().max_depth;
    let mut ok = vec![0x91; default_max];
    ok.push(0xC0);
    assert!(dec(&ok).is_ok());
}

#[test]
fn every_truncation_is_an_error() {
    let (na, _) = node(1, Some("n1"), "A");
    let (nb, _) = node(2, None, "B");
    let (rx, _) = unbound(3, None, "X");
    let mut full = vec![0x93];
    full.extend_from_slice(&path_bytes(&[na, nb], &[rx], &[1, 1]));
    let all = Value::List(vec![
        s(&"long string ".repeat(30)),
        Value::Int(i64::MIN),
        Value::Float(2.5),
        Value::Bytes(vec![1; 300]),
        map(&[("k", Value::Date(Date { days: 3 }))]),
        Value::Vector(Vector::F64(vec![1.0, 2.0])),
    ]);
    full.extend_from_slice(&enc(&all));
    full.extend_from_slice(&enc(&Value::DateTimeZoneId(Box::new(DateTimeZoneId {
        seconds: 1,
        nanoseconds: 2,
        tz_id: "Europe/Paris".into(),
    }))));
    assert!(dec(&full).is_ok());
    for len in 0..full.len() {
        assert!(dec(&full[..len]).is_err(), "prefix of {len} bytes decoded");
        let mut d = Decoder::new(&full[..len], DecodeOptions::default());
        assert!(d.read_list_of_values().is_err());
    }
}

#[test]
fn every_reserved_marker_is_rejected() {
    let reserved = (0xC4..=0xC7)
        .chain([0xCF, 0xD3, 0xD7])
        .chain(0xDB..=0xDF)
        .chain(0xE0..=0xEF);
    for m in reserved {
        assert_eq!(dec(&[m]), Err(DecodeError::ReservedMarker(m)));
        assert_eq!(
            dec(&[m, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap_err(),
            DecodeError::ReservedMarker(m)
        );
        assert_eq!(dec(&[0x91, m]), Err(DecodeError::ReservedMarker(m)));
    }
}

#[test]
fn non_string_keys_and_bad_utf8() {
    assert_eq!(dec(&h("A1 01 01")), Err(DecodeError::NonStringKey));
    assert_eq!(dec(&h("A1 C0 01")), Err(DecodeError::NonStringKey));
    assert_eq!(dec(&h("82 C3 28")), Err(DecodeError::InvalidUtf8));
    assert_eq!(dec(&h("A1 81 FF 01")), Err(DecodeError::InvalidUtf8));
    assert_eq!(dec(&h("D0 01 80")), Err(DecodeError::InvalidUtf8));
}

#[test]
fn random_bytes_never_panic() {
    // A small deterministic generator; biased towards marker-rich bytes.
    let mut next = xorshift(0x9E37_79B9_7F4A_7C15);
    let interesting = h("B3 4E 50 52 72 56 3F 66 91 A1 81 D0 D6 CC C8 CB 00 FF 01 02");
    for _ in 0..20_000 {
        let len = usize::try_from(next() % 24).unwrap();
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                let r = next();
                if r % 3 == 0 {
                    interesting[usize::try_from((r >> 8) % 20).unwrap()]
                } else {
                    r.to_be_bytes()[3]
                }
            })
            .collect();
        let _ = Decoder::new(&bytes, DecodeOptions::default()).read_value();
        let _ = Decoder::new(&bytes, DecodeOptions::default()).read_list_of_values();
        let _ = Decoder::new(&bytes, DecodeOptions::default()).read_map();
    }
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

#[test]
fn errors_convert_with_kinds_and_messages() {
    let e: crate::Error = DecodeError::ReservedMarker(0xC4).into();
    assert_eq!(e.kind(), ErrorKind::Protocol);
    assert!(e.message().contains("0xC4"), "{}", e.message());
    let e: crate::Error = DecodeError::InvalidStruct {
        tag: b'P',
        reason: "bad",
    }
    .into();
    assert!(
        e.message().contains("'P'") && e.message().contains("bad"),
        "{}",
        e.message()
    );
    let e: crate::Error = EncodeError::Unsendable("Node").into();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.message().contains("Node"), "{}", e.message());
    assert!(std::error::Error::source(&e).is_some());
    for d in [
        DecodeError::UnexpectedEnd,
        DecodeError::InvalidUtf8,
        DecodeError::TooDeep,
        DecodeError::SizeTooLarge(9),
        DecodeError::NonStringKey,
        DecodeError::Unexpected {
            expected: "a list",
            marker: 1,
        },
    ] {
        assert!(!d.to_string().is_empty());
    }
    for e in [
        EncodeError::NotInVersion("Vector"),
        EncodeError::TooLarge(1 << 33),
        EncodeError::UnknownTimeZone("X".into()),
        EncodeError::OutOfRange("DateTime"),
    ] {
        assert!(!e.to_string().is_empty());
    }
}

#[cfg(target_pointer_width = "64")]
#[test]
fn sizes_beyond_u32_are_too_large() {
    let mut out = Vec::new();
    let mut e = Encoder::new(&mut out, Dialect::LATEST);
    let big = usize::try_from(u64::from(u32::MAX) + 1).unwrap();
    assert_eq!(e.write_list_header(big), Err(EncodeError::TooLarge(big)));
    assert_eq!(e.write_map_header(big), Err(EncodeError::TooLarge(big)));
    e.write_list_header(usize::try_from(u32::MAX).unwrap())
        .unwrap();
    assert_eq!(out, h("D6 FF FF FF FF"));
}

/// Decoding 1M tiny records; run with `cargo test --release -- --ignored decode_speed`.
#[test]
#[ignore = "timing; run in release mode"]
fn decode_speed() {
    let record = h("B1 71 93 01 81 61 C3");
    let mut buf = Vec::new();
    for _ in 0..1_000_000 {
        buf.extend_from_slice(&record);
    }
    let start = std::time::Instant::now();
    let mut d = Decoder::new(&buf, DecodeOptions::default());
    let mut n = 0usize;
    while !d.is_at_end() {
        d.read_struct_header().unwrap();
        n += d.read_list_of_values().unwrap().len();
    }
    let elapsed = start.elapsed();
    assert_eq!(n, 3_000_000);
    println!("1M records decoded in {elapsed:?}");
}

// ---------------------------------------------------------------------------------------------
// Refilling a slot (the memory reuse of `Rows`)
// ---------------------------------------------------------------------------------------------

/// Values of every shape `refill_item` treats apart (strings, lists, maps of up to and over
/// 16 entries, nested ones) and some it leaves to a fresh decode, with their bytes.
fn refill_corpus() -> Vec<(Vec<u8>, Value)> {
    let wide: Vec<(String, Value)> = (0..17).map(|i| (format!("k{i}"), Value::Int(i))).collect();
    let wide_map = Value::Map(wide.iter().cloned().collect());
    let sixteen = Value::Map(wide[..16].iter().cloned().collect());
    let (node_bytes, node) = node(7, Some("7"), "L");
    let mut corpus: Vec<(Vec<u8>, Value)> = [
        Value::Null,
        Value::Int(1),
        // Every size of int (tiny negative, INT_8, INT_16, INT_32, INT_64): `Decoder::scalar`
        // reads them whole and leaves them cut short to the general path.
        Value::Int(-5),
        Value::Int(-100),
        Value::Int(-300),
        Value::Int(100_000),
        Value::Int(1 << 40),
        Value::Float(1.5),
        Value::Bool(true),
        Value::Bool(false),
        Value::Bytes(vec![1, 2]),
        s(""),
        s("name-1"),
        s(&"long ".repeat(60)),
        Value::List(vec![]),
        Value::List(vec![Value::Int(1), Value::Int(2)]),
        Value::List(vec![
            s("a"),
            Value::List(vec![Value::Int(1)]),
            map(&[("k", s("v"))]),
        ]),
        map(&[]),
        map(&[("k", Value::Int(1))]),
        map(&[("k", s("x")), ("j", Value::List(vec![Value::Null]))]),
        map(&[("j", s("y")), ("k", Value::Int(2))]),
        // The keys of the one before in the other order: a refill must not keep the old order.
        map(&[("k", Value::Int(3)), ("j", s("z"))]),
        map(&[("k", map(&[("z", Value::Int(1))]))]),
        // Deeper than the failure test's limit of 3.
        Value::List(vec![Value::List(vec![Value::List(vec![Value::List(
            vec![],
        )])])]),
        map(&[("a", map(&[("b", map(&[("c", map(&[]))]))]))]),
        sixteen,
        wide_map,
    ]
    .into_iter()
    .map(|v| (enc(&v), v))
    .collect();
    corpus.push((node_bytes, Value::Node(Box::new(node))));
    corpus
}

/// Decodes `bytes` as a list item into `slot`, as `Rows` does.
fn refill(bytes: &[u8], slot: &mut Value, opts: DecodeOptions) -> Result<(), DecodeError> {
    let mut d = Decoder::new(bytes, opts);
    d.refill_item(slot)?;
    assert!(d.is_at_end(), "trailing bytes after {slot:?}");
    Ok(())
}

#[test]
fn refilling_a_slot_gives_what_a_fresh_decode_gives() {
    let corpus = refill_corpus();
    for (before_bytes, before) in &corpus {
        for (bytes, after) in &corpus {
            let mut slot = before.clone();
            refill(bytes, &mut slot, DecodeOptions::default()).unwrap();
            same(&slot, after);
            // And back again, over what the first refill left.
            refill(before_bytes, &mut slot, DecodeOptions::default()).unwrap();
            same(&slot, before);
        }
    }
}

/// A string of any bytes (not necessarily UTF-8) on the wire.
fn raw_string(bytes: &[u8]) -> Vec<u8> {
    let mut out = match u8::try_from(bytes.len()) {
        Ok(n) if n < 16 => vec![0x80 | n],
        Ok(n) => vec![0xD0, n],
        Err(_) => panic!("test strings are short"),
    };
    out.extend_from_slice(bytes);
    out
}

/// Refilling a string slot checks and copies only what follows the prefix the slot already
/// holds (cut back to a character boundary of the old string): the result, or the refusal,
/// must be what `from_utf8` says of the whole new string, whatever the slot held.
#[test]
fn refilling_a_string_accepts_exactly_what_a_fresh_decode_accepts() {
    let olds = [
        "",
        "name-122456",
        "aé",
        "a€",
        "a𝄞",
        "éé",
        "k",
        "é",
        "long ascii string, 20+ bytes",
        "long string ending in é, over 16",
    ];
    let mut news: Vec<Vec<u8>> = [
        &b"name-123456"[..],
        b"name-122456",
        b"name-12245",
        b"name-1224567",
        b"a\xC3\xA8",         // "aè": shares half of "é" with "aé"
        b"a\xC3A",            // half of "é", then ASCII: invalid
        b"a\xC3",             // cut inside a character
        b"a\xE2\x82",         // half of "€"
        b"a\xE2\x82\xAD",     // "₭", two bytes in common with "€"
        b"a\xF0\x9D\x84\x9F", // the code point after "𝄞"
        b"a\xF0\x9D\x84",     // cut
        b"\xC3\xA9\xC3",      // "é" and half of one
        b"\xED\xA0\x80",      // a surrogate
        b"\xC0\xAF",          // overlong
        b"\xF4\x90\x80\x80",  // past U+10FFFF
        b"abc\xFF",
        b"\xA9", // a lone continuation byte
        b"k",
        b"",
        b"long ascii string, 20+ bytez",
        b"long ascii string, 20+ bytes\xFF",
        b"long string ending in \xC3\xA8, over 16",
        b"long string ending in \xC3, over 16!",
    ]
    .iter()
    .map(|b| b.to_vec())
    .collect();
    // Every string of one and two bytes, and of three after "a".
    news.extend((0..=255u8).map(|b| vec![b]));
    news.extend((0..=0xFFFFu16).map(|b| b.to_be_bytes().to_vec()));
    news.extend((0..=0xFFFFu16).map(|b| [b"a".as_slice(), &b.to_be_bytes()].concat()));
    for old in olds {
        for new in &news {
            let want = std::str::from_utf8(new).map(str::to_owned);
            let mut slot = s(old);
            match refill(&raw_string(new), &mut slot, DecodeOptions::default()) {
                Ok(()) => assert_eq!(Ok(slot), want.map(Value::String), "{new:02X?} over {old:?}"),
                Err(e) => {
                    assert_eq!(e, DecodeError::InvalidUtf8, "{new:02X?} over {old:?}");
                    assert!(want.is_err(), "{new:02X?} over {old:?} refused");
                }
            }
        }
    }
}

#[test]
fn refilling_a_map_with_a_repeated_key_fails_like_a_fresh_decode() {
    // {k: 1, k: 3} on the wire over {j: 1, k: 2}: same length, keys found, but "k" twice.
    let bytes = h("A2 81 6B 01 81 6B 03");
    let dup = DecodeError::DuplicateKey("k".into());
    assert_eq!(dec(&bytes), Err(dup.clone()));
    let mut slot = map(&[("j", Value::Int(1)), ("k", Value::Int(2))]);
    assert_eq!(
        refill(&bytes, &mut slot, DecodeOptions::default()),
        Err(dup)
    );
    // Other keys of the same count, and a key missing half-way.
    let mut slot = map(&[("a", Value::Int(1)), ("k", Value::Int(2))]);
    refill(
        &h("A2 81 6B 05 81 62 06"),
        &mut slot,
        DecodeOptions::default(),
    )
    .unwrap();
    assert_eq!(slot, map(&[("k", Value::Int(5)), ("b", Value::Int(6))]));
}

/// `read_map_into` (a reply's metadata decoded into the last reply's map) gives what
/// `read_map` gives, over any map it starts from, and fails as it does.
#[test]
fn reading_a_map_into_another_gives_what_read_map_gives() {
    let maps: Vec<_> = refill_corpus()
        .into_iter()
        .filter_map(|(bytes, v)| match v {
            Value::Map(m) => Some((bytes, m)),
            _ => None,
        })
        .collect();
    let read = |bytes: &[u8], into: &mut Map| {
        let mut d = Decoder::new(bytes, DecodeOptions::default());
        let r = d.read_map_into(into);
        assert!(r.is_err() || d.is_at_end(), "trailing bytes after {into:?}");
        r
    };
    for (_, before) in &maps {
        for (bytes, after) in &maps {
            let mut into = before.clone();
            read(bytes, &mut into).unwrap();
            same(&Value::Map(into.clone()), &Value::Map(after.clone()));
            assert_eq!(
                into.keys().collect::<Vec<_>>(),
                after.keys().collect::<Vec<_>>()
            );
        }
    }
    let fresh = |bytes: &[u8]| Decoder::new(bytes, DecodeOptions::default()).read_map();
    let failing = [
        // Not a map.
        h("91 01"),
        // The spare's key with a value that is not UTF-8.
        h("A1 81 6B 81 FF"),
        // A key that is not UTF-8, and one that is not a string.
        h("A1 81 FF 01"),
        h("A1 01 01"),
        // A key sent twice, the spare's keys or others.
        h("A2 81 6B 01 81 6B 03"),
        // Cut short.
        h("A2 81 6B 01 81"),
    ];
    for bytes in failing {
        let want = fresh(&bytes).unwrap_err();
        for spare in [
            Map::new(),
            [("k".to_owned(), s("x"))].into_iter().collect(),
            [
                ("k".to_owned(), Value::Int(1)),
                ("j".to_owned(), Value::Null),
            ]
            .into_iter()
            .collect(),
        ] {
            let mut into = spare;
            assert_eq!(read(&bytes, &mut into), Err(want.clone()), "{bytes:02X?}");
        }
    }
}

/// Seed 002, Maps: "Keys are unique within a map ... if duplicate keys are sent, this is a
/// violation of the bolt protocol and an error will occur."
#[test]
fn seed_002_duplicate_map_keys_are_a_protocol_violation() {
    let dup = |k: &str| Err(DecodeError::DuplicateKey(k.into()));
    // Tiny map, at the top and nested in a list, a map and a structure's fields.
    assert_eq!(dec(&h("A2 81 61 01 81 61 02")), dup("a"));
    assert_eq!(dec(&h("91 A2 81 61 01 81 61 01")), dup("a"));
    assert_eq!(dec(&h("A1 81 78 A3 81 61 01 81 62 02 81 61 03")), dup("a"));
    assert_eq!(dec(&h("B1 4E A2 81 61 01 81 61 02")), dup("a"));
    // MAP_8 with the same key in a long and a tiny string form.
    assert_eq!(dec(&h("D8 02 D0 01 61 01 81 61 02")), dup("a"));
    // The same keys once each are fine, in any order.
    assert_eq!(
        dec(&h("A2 81 62 01 81 61 02")),
        Ok(map(&[("a", Value::Int(2)), ("b", Value::Int(1))]))
    );
    let e: crate::Error = DecodeError::DuplicateKey("a".into()).into();
    assert_eq!(e.kind(), crate::ErrorKind::Protocol);
    assert!(e.to_string().contains("\"a\" appears twice"), "{e}");
}

/// Maps keep the order the server sent, at any size (small maps and indexed large ones), in
/// map values, node and relationship properties, and through a refill of the slot; encoding
/// writes them in the same order.
#[test]
fn maps_keep_the_order_sent() {
    let keys = |v: &Value| -> Vec<String> {
        match v {
            Value::Map(m) => m.keys().cloned().collect(),
            Value::Node(n) => n.properties.keys().cloned().collect(),
            Value::Relationship(r) => r.properties.keys().cloned().collect(),
            other => panic!("not a map: {other:?}"),
        }
    };
    // {zeta: 1, alpha: 2, mid: 3}
    let bytes = h("A3 84 7A 65 74 61 01 85 61 6C 70 68 61 02 83 6D 69 64 03");
    let v = dec(&bytes).unwrap();
    assert_eq!(keys(&v), ["zeta", "alpha", "mid"]);
    assert_eq!(enc(&v), bytes, "re-encoded in the same order");
    // A node whose properties arrive unsorted, as Neo4j sends them.
    let sent = [
        "name", "age", "city", "zip", "born", "email", "id", "active", "score", "tags",
    ];
    let props: Map = sent
        .iter()
        .zip(0..)
        .map(|(k, i)| ((*k).to_owned(), Value::Int(i)))
        .collect();
    let node = raw_struct(b'N', 4, |e| {
        e.write_int(1);
        e.write_value(&Value::List(vec![s("Person")])).unwrap();
        e.write_map_header(sent.len()).unwrap();
        for (i, k) in (0..).zip(sent) {
            e.write_str(k).unwrap();
            e.write_int(i);
        }
        e.write_str("4:x:1").unwrap();
    });
    assert_eq!(keys(&dec(&node).unwrap()), sent);
    let rel = raw_struct(b'R', 8, |e| {
        e.write_int(9);
        e.write_int(1);
        e.write_int(2);
        e.write_str("KNOWS").unwrap();
        e.write_map(&props).unwrap();
        e.write_str("r9").unwrap();
        e.write_str("n1").unwrap();
        e.write_str("n2").unwrap();
    });
    assert_eq!(keys(&dec(&rel).unwrap()), sent);
    // Past the size where lookups go through a hash index: 40 keys in descending order.
    let wide: Map = (0..40)
        .rev()
        .map(|i| (format!("k{i:02}"), Value::Int(i)))
        .collect();
    let wide_keys: Vec<String> = wide.keys().cloned().collect();
    let bytes = enc(&Value::Map(wide));
    let v = dec(&bytes).unwrap();
    assert_eq!(keys(&v), wide_keys);
    assert_eq!(v.as_map().unwrap().get("k07"), Some(&Value::Int(7)));
    // Refilling a row's slot with the same keys in another order takes the new order.
    let mut slot = dec(&h("A2 81 61 01 81 62 02")).unwrap();
    refill(
        &h("A2 81 62 03 81 61 04"),
        &mut slot,
        DecodeOptions::default(),
    )
    .unwrap();
    assert_eq!(keys(&slot), ["b", "a"]);
    assert_eq!(slot, map(&[("a", Value::Int(4)), ("b", Value::Int(3))]));
}

/// Seed 002's marker table lists STRUCT_8 (0xDC, "fewer than 2^8 fields") and STRUCT_16 (0xDD,
/// "fewer than 2^16 fields"): with Bolt 1 and 2 they are structures; from Bolt 3 on reserved.
#[test]
fn seed_002_struct_8_and_struct_16_are_structures_on_bolt_1_and_2_only() {
    let v1 = DecodeOptions {
        dialect: Dialect::V1,
        ..DecodeOptions::default()
    };
    let v2 = DecodeOptions {
        dialect: Dialect {
            bytes: true,
            ..Dialect::V1
        },
        ..DecodeOptions::default()
    };
    // An unknown tag with 2 fields, and a Node (3 fields) in each wide form.
    let unknown_8 = h("DC 02 33 01 02");
    let node_8 = h("DC 03 4E 07 91 81 4C A0");
    let node_16 = h("DD 00 03 4E 07 91 81 4C A0");
    let tiny_node = dec_with(&h("B3 4E 07 91 81 4C A0"), v1).unwrap();
    assert!(matches!(tiny_node, Value::Node(_)), "{tiny_node:?}");
    for opts in [v1, v2] {
        assert_eq!(dec_with(&node_8, opts), Ok(tiny_node.clone()));
        assert_eq!(dec_with(&node_16, opts), Ok(tiny_node.clone()));
        assert_eq!(
            dec_with(&unknown_8, opts),
            dec_with(&h("B2 33 01 02"), opts)
        );
        // Cut inside the size or the fields.
        assert_eq!(dec_with(&h("DD 00"), opts), Err(DecodeError::UnexpectedEnd));
        assert!(matches!(
            dec_with(&h("DC 03 4E 07 91 81"), opts),
            Err(DecodeError::UnexpectedEnd | DecodeError::SizeTooLarge(_))
        ));
        // A huge field count is refused before anything is allocated.
        assert!(matches!(
            dec_with(&h("DD FF FF 4E"), opts),
            Err(DecodeError::SizeTooLarge(_))
        ));
    }
    for version in [(3, 0), (4, 4), (5, 0), (6, 0)] {
        let dialect = crate::bolt::Version::new(version.0, version.1)
            .features()
            .dialect;
        let opts = DecodeOptions {
            dialect,
            ..DecodeOptions::default()
        };
        assert_eq!(
            dec_with(&node_8, opts),
            Err(DecodeError::ReservedMarker(0xDC))
        );
        assert_eq!(
            dec_with(&node_16, opts),
            Err(DecodeError::ReservedMarker(0xDD))
        );
    }
    assert!(
        crate::bolt::Version::new(2, 0)
            .features()
            .dialect
            .wide_structs
    );
}

#[test]
fn refilling_fails_exactly_where_a_fresh_decode_fails() {
    let opts = DecodeOptions {
        max_depth: 3,
        ..DecodeOptions::default()
    };
    let corpus = refill_corpus();
    let mut next = xorshift(0x2545_F491_4F6C_DD1D);
    // Valid encodings, cut short or with a byte changed, and random marker-rich bytes.
    let interesting = h("91 92 A1 A2 81 82 6B 62 D0 D4 D8 C0 01 FF C3 28 B1 4E 00 90 A0 80");
    let mut inputs: Vec<Vec<u8>> = Vec::new();
    for (bytes, _) in &corpus {
        inputs.push(bytes.clone());
        for cut in 0..bytes.len() {
            inputs.push(bytes[..cut].to_vec());
            let mut changed = bytes.clone();
            changed[cut] = interesting[cut % interesting.len()];
            inputs.push(changed);
        }
    }
    for _ in 0..5_000 {
        let len = usize::try_from(next() % 16).unwrap();
        inputs.push(
            (0..len)
                .map(|_| interesting[usize::try_from(next() % 22).unwrap()])
                .collect(),
        );
    }
    for bytes in &inputs {
        let mut d = Decoder::new(bytes, opts);
        let fresh = d.read_item().map(|v| (v, d.position()));
        for (_, before) in &corpus {
            let mut slot = before.clone();
            let mut d = Decoder::new(bytes, opts);
            let refilled = d.refill_item(&mut slot).map(|()| (slot, d.position()));
            assert_eq!(refilled, fresh, "{bytes:02X?} over {before:?}");
        }
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

/// `n` lists nested around one integer.
fn nest(n: usize) -> Value {
    let mut v = Value::Int(1);
    for _ in 0..n {
        v = Value::List(vec![v]);
    }
    v
}

/// Takes a nested value apart level by level (dropping it whole would recurse as deep).
fn unnest(mut v: Value) {
    while let Value::List(mut items) = v {
        v = items.pop().unwrap_or(Value::Null);
    }
}

/// Issue 16 #12: encoding a caller's deeply nested value recursed once per level and
/// overflowed the stack (100,000 nested lists); beyond MAX_ENCODE_DEPTH it is now an error.
#[test]
fn deeply_nested_values_are_refused_by_the_encoder() {
    let deep = nest(100_000);
    let mut out = Vec::new();
    assert_eq!(
        Encoder::new(&mut out, Dialect::LATEST).write_value(&deep),
        Err(EncodeError::TooDeep)
    );
    let e = crate::Error::from(EncodeError::TooDeep);
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.to_string().contains("nested more than 128"), "{e}");
    // In a map too; the map counts as a level.
    let mut m = Map::new();
    m.insert("x".into(), deep);
    out.clear();
    assert_eq!(
        Encoder::new(&mut out, Dialect::LATEST).write_map(&m),
        Err(EncodeError::TooDeep)
    );
    unnest(m.remove("x").unwrap());
    // At the limit it encodes, and decodes back with the default depth; one more does not.
    let at = nest(MAX_ENCODE_DEPTH);
    let bytes = enc(&at);
    assert_eq!(dec(&bytes).unwrap(), at);
    out.clear();
    let mut e = Encoder::new(&mut out, Dialect::LATEST);
    assert_eq!(
        e.write_value(&Value::List(vec![at.clone()])),
        Err(EncodeError::TooDeep)
    );
    // The encoder is usable after the error: its depth is back to zero.
    e.write_value(&at).unwrap();
}
