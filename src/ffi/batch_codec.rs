//! The batch encoding: one buffer per batch, decoded by bindings in their own language.
//!
//! Little-endian throughout. `str` is `u32 length` + UTF-8 bytes; `map` is `u32 count` +
//! (`str key`, `value`) pairs in the map's order (the order the server sent).
//!
//! ```text
//! batch  := "BCB1" u32 columns, columns × str, u32 rows, rows × columns × value
//! value  := u8 tag (the boltc_value_type number) + payload:
//!   0 null  -              1 bool  u8          2 int  i64        3 float f64
//!   4 bytes u32 n + bytes  5 string str        6 list u32 n + n × value   7 map map
//!   8 node  node           9 relationship rel  10 unbound  i64 id, str eid, str type, map
//!   11 path u32 n + n × node, u32 m + m × rel (each distinct node and relationship once),
//!           u32 s + u32 start + s × (u32 rel, u32 node): the walk as indices into those lists
//!   12 date i64 days       13 time i64 ns, i32 offset      14 local_time i64 ns
//!   15 datetime i64 s, i32 ns, i32 offset   16 datetime_zone_id i64 s, i32 ns, str zone
//!   17 local_datetime i64 s, i32 ns         18 duration i64 months, i64 days, i64 s, i32 ns
//!   19 point2d i64 srid, f64 x, f64 y       20 point3d i64 srid, f64 x, f64 y, f64 z
//!   21 vector u8 element type (BOLTC_VECTOR_*), u32 n, n elements
//!   22 unsupported str name, i64 major, i64 minor, u8 has_message [, str message]
//!   23 struct u8 tag, u32 n + n × value
//! node := i64 id, str element_id, u32 n + n × str label, map properties
//! rel  := i64 id, str eid, i64 start_id, str start_eid, i64 end_id, str end_eid, str type, map
//! ```
//!
//! The columnar form (`boltc_batch_encode_columns`) stores the same values column by column;
//! a column whose values all have one scalar type is a plain array:
//!
//! ```text
//! columns := "BCC1" u32 columns, columns × str, u32 rows, columns × column
//! column  := u8 kind + payload:
//!   0 values   rows × value (as above)      1 ints    rows × i64
//!   2 floats   rows × f64                   4 bools   rows × u8
//!   3 strings  u32 n, n bytes (all strings concatenated, UTF-8),
//!              rows × u32 end offset of each string in characters (Unicode scalar values)
//!   5 strings  u32 n, n bytes: the strings joined by NUL (when none contains NUL)
//!   6 json     u32 n, n bytes: a JSON array with one element per row (when every value is
//!              null, bool, int, float, string, list or map; floats always carry a `.` or an
//!              exponent, non-finite ones are `NaN`, `Infinity`, `-Infinity`)
//!   7 maps     u32 k, k × str key, k × column (each of `rows` values): every value is a map
//!              with exactly these keys in this order (other orders fall back to kinds 6
//!              or 0, so each map keeps its own); column i holds the values of key i
//!   8 lists    u32 n, rows × u32 end offset of each list in elements, then one column of the
//!              n elements of all lists (every value is a list)
//! ```
//!
//! File length: over 600 lines only with its unit tests (the encoder itself is about 530).
//!
//! Kinds 7 and 8 nest: their inner columns are columns of any kind.
//!
//! File length: over 600 lines only with its unit tests (the encoding is specified and tested in one place).

use super::status::{Failure, FfiResult};
use super::value::{
    type_of as value_type_of, BOLTC_VECTOR_F32, BOLTC_VECTOR_F64, BOLTC_VECTOR_I16,
    BOLTC_VECTOR_I32, BOLTC_VECTOR_I64, BOLTC_VECTOR_I8,
};
use crate::driver::Rows;
use crate::value::{Map, Node, Path, Relationship, Value, Vector};
use std::collections::HashMap;
use std::sync::Arc;

struct W(Vec<u8>);

impl W {
    fn len32(&mut self, n: usize) -> FfiResult<()> {
        let n = u32::try_from(n).map_err(|_| Failure::invalid("too large to encode"))?;
        self.0.extend_from_slice(&n.to_le_bytes());
        Ok(())
    }
    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i32(&mut self, v: i32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn f64(&mut self, v: f64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn str(&mut self, s: &str) -> FfiResult<()> {
        self.len32(s.len())?;
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
    fn map(&mut self, m: &Map) -> FfiResult<()> {
        self.len32(m.len())?;
        for (k, v) in m {
            self.str(k)?;
            self.value(v)?;
        }
        Ok(())
    }
    fn node(&mut self, n: &Node) -> FfiResult<()> {
        self.i64(n.id);
        self.str(&n.element_id)?;
        self.len32(n.labels.len())?;
        for l in &n.labels {
            self.str(l)?;
        }
        self.map(&n.properties)
    }
    fn rel(&mut self, r: &Relationship) -> FfiResult<()> {
        self.i64(r.id);
        self.str(&r.element_id)?;
        self.i64(r.start_node_id);
        self.str(&r.start_node_element_id)?;
        self.i64(r.end_node_id);
        self.str(&r.end_node_element_id)?;
        self.str(&r.rel_type)?;
        self.map(&r.properties)
    }
    /// A path as its distinct nodes and relationships (a walk may repeat them: they are shared
    /// `Arc`s, written once each) and the walk as indices, so the batch stays as small as the
    /// message that carried the path.
    fn path(&mut self, p: &Path) -> FfiResult<()> {
        fn distinct<T>(items: &[Arc<T>]) -> (Vec<&T>, Vec<u32>) {
            let mut index: HashMap<*const T, u32> = HashMap::new();
            let mut unique = Vec::new();
            let mut walk = Vec::with_capacity(items.len());
            for item in items {
                let i = *index.entry(Arc::as_ptr(item)).or_insert_with(|| {
                    unique.push(&**item);
                    // At most as many as the items, which the batch's u32 lengths bound.
                    u32::try_from(unique.len() - 1).unwrap_or(u32::MAX)
                });
                walk.push(i);
            }
            (unique, walk)
        }
        let (nodes, node_walk) = distinct(&p.nodes);
        let (rels, rel_walk) = distinct(&p.relationships);
        self.len32(nodes.len())?;
        for n in nodes {
            self.node(n)?;
        }
        self.len32(rels.len())?;
        for r in rels {
            self.rel(r)?;
        }
        self.len32(rel_walk.len())?;
        let (&start, steps) = node_walk
            .split_first()
            .ok_or_else(|| Failure::invalid("a path without nodes"))?;
        if steps.len() != rel_walk.len() {
            return Err(Failure::invalid(
                "a path needs one node more than relationships",
            ));
        }
        self.0.extend_from_slice(&start.to_le_bytes());
        for (r, n) in rel_walk.iter().zip(steps) {
            self.0.extend_from_slice(&r.to_le_bytes());
            self.0.extend_from_slice(&n.to_le_bytes());
        }
        Ok(())
    }

    fn vector(&mut self, v: &Vector) -> FfiResult<()> {
        macro_rules! elems {
            ($tag:expr, $x:expr) => {{
                self.0.push($tag as u8);
                self.len32($x.len())?;
                for e in $x {
                    self.0.extend_from_slice(&e.to_le_bytes());
                }
            }};
        }
        match v {
            Vector::I8(x) => elems!(BOLTC_VECTOR_I8, x),
            Vector::I16(x) => elems!(BOLTC_VECTOR_I16, x),
            Vector::I32(x) => elems!(BOLTC_VECTOR_I32, x),
            Vector::I64(x) => elems!(BOLTC_VECTOR_I64, x),
            Vector::F32(x) => elems!(BOLTC_VECTOR_F32, x),
            Vector::F64(x) => elems!(BOLTC_VECTOR_F64, x),
        }
        Ok(())
    }
    fn value(&mut self, v: &Value) -> FfiResult<()> {
        self.0.push(value_type_of(v) as u8);
        match v {
            Value::Null => {}
            Value::Bool(b) => self.0.push(u8::from(*b)),
            Value::Int(i) => self.i64(*i),
            Value::Float(f) => self.f64(*f),
            Value::Bytes(b) => {
                self.len32(b.len())?;
                self.0.extend_from_slice(b);
            }
            Value::String(s) => self.str(s)?,
            Value::List(l) => {
                self.len32(l.len())?;
                for x in l {
                    self.value(x)?;
                }
            }
            Value::Map(m) => self.map(m)?,
            Value::Node(n) => self.node(n)?,
            Value::Relationship(r) => self.rel(r)?,
            Value::UnboundRelationship(r) => {
                self.i64(r.id);
                self.str(&r.element_id)?;
                self.str(&r.rel_type)?;
                self.map(&r.properties)?;
            }
            Value::Path(p) => self.path(p)?,
            Value::Date(d) => self.i64(d.days),
            Value::Time(t) => {
                self.i64(t.nanoseconds);
                self.i32(t.tz_offset_seconds);
            }
            Value::LocalTime(t) => self.i64(t.nanoseconds),
            Value::DateTime(d) => {
                self.i64(d.seconds);
                self.i32(d.nanoseconds);
                self.i32(d.tz_offset_seconds);
            }
            Value::DateTimeZoneId(d) => {
                self.i64(d.seconds);
                self.i32(d.nanoseconds);
                self.str(&d.tz_id)?;
            }
            Value::LocalDateTime(d) => {
                self.i64(d.seconds);
                self.i32(d.nanoseconds);
            }
            Value::Duration(d) => {
                self.i64(d.months);
                self.i64(d.days);
                self.i64(d.seconds);
                self.i32(d.nanoseconds);
            }
            Value::Point2D(p) => {
                self.i64(p.srid);
                self.f64(p.x);
                self.f64(p.y);
            }
            Value::Point3D(p) => {
                self.i64(p.srid);
                self.f64(p.x);
                self.f64(p.y);
                self.f64(p.z);
            }
            Value::Vector(v) => self.vector(v)?,
            Value::Unsupported(u) => {
                self.str(&u.name)?;
                self.i64(u.min_protocol.0);
                self.i64(u.min_protocol.1);
                match &u.message {
                    Some(m) => {
                        self.0.push(1);
                        self.str(m)?;
                    }
                    None => self.0.push(0),
                }
            }
            Value::Struct(s) => {
                self.0.push(s.tag);
                self.len32(s.fields.len())?;
                for f in &s.fields {
                    self.value(f)?;
                }
            }
        }
        Ok(())
    }
}

/// Encodes a batch (see the module docs).
pub(crate) fn encode_batch(rows: &Rows) -> FfiResult<Vec<u8>> {
    let keys = rows.keys();
    let mut w = W(Vec::with_capacity(64 + rows.len() * keys.len() * 12));
    w.0.extend_from_slice(b"BCB1");
    w.len32(keys.len())?;
    for k in keys {
        w.str(k)?;
    }
    w.len32(rows.len())?;
    for r in rows.iter() {
        for c in 0..keys.len() {
            w.value(r.get(c).unwrap_or(&Value::Null))?;
        }
    }
    Ok(w.0)
}

const COL_VALUES: u8 = 0;
const COL_INTS: u8 = 1;
const COL_FLOATS: u8 = 2;
const COL_STRINGS: u8 = 3;
const COL_BOOLS: u8 = 4;
const COL_JOINED: u8 = 5;
const COL_JSON: u8 = 6;
const COL_MAPS: u8 = 7;
const COL_LISTS: u8 = 8;

/// The packed kind of a column: the one type shared by all its values (scalars, lists, maps
/// with the same keys), else JSON when every value has a JSON form, else values.
fn column_kind(values: &[&Value]) -> u8 {
    let kind = |v: &Value| match v {
        Value::Int(_) => COL_INTS,
        Value::Float(_) => COL_FLOATS,
        Value::String(_) => COL_STRINGS,
        Value::Bool(_) => COL_BOOLS,
        Value::Map(_) => COL_MAPS,
        Value::List(_) => COL_LISTS,
        _ => COL_VALUES,
    };
    let first = values.first().map_or(COL_VALUES, |v| kind(v));
    let same = first != COL_VALUES && values.iter().all(|v| kind(v) == first);
    if same && (first != COL_MAPS || same_keys(values)) {
        first
    } else if !values.is_empty() && values.iter().all(|v| json_ok(v)) {
        COL_JSON
    } else {
        COL_VALUES
    }
}

fn as_map<'a>(v: &&'a Value) -> Option<&'a Map> {
    match v {
        Value::Map(m) => Some(m),
        _ => None,
    }
}

fn as_list<'a>(v: &&'a Value) -> Option<&'a [Value]> {
    match v {
        Value::List(l) => Some(l.as_slice()),
        _ => None,
    }
}

/// Whether all values are maps with the keys of the first, in its order (kind 7 keeps one key
/// order for the whole column).
fn same_keys(values: &[&Value]) -> bool {
    let Some(first) = values.first().and_then(as_map) else {
        return false;
    };
    values
        .iter()
        .all(|v| as_map(v).is_some_and(|m| m.len() == first.len() && m.keys().eq(first.keys())))
}

/// Whether `v` (recursively) has a JSON form that Python's `json` reads back as the same value.
fn json_ok(v: &Value) -> bool {
    match v {
        Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::String(_) => true,
        Value::List(l) => l.iter().all(json_ok),
        Value::Map(m) => m.values().all(json_ok),
        _ => false,
    }
}

fn json_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        if b == b'"' || b == b'\\' || b < 0x20 {
            out.extend_from_slice(&s.as_bytes()[start..i]);
            match b {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                _ => out.extend_from_slice(format!("\\u{b:04x}").as_bytes()),
            }
            start = i + 1;
        }
    }
    out.extend_from_slice(&s.as_bytes()[start..]);
    out.push(b'"');
}

/// Writes the JSON form of a value accepted by `json_ok`.
fn json(out: &mut Vec<u8>, v: &Value) {
    use std::io::Write as _;
    match v {
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) if f.is_nan() => out.extend_from_slice(b"NaN"),
        Value::Float(f) if f.is_infinite() => {
            out.extend_from_slice(if *f > 0.0 { b"Infinity" } else { b"-Infinity" });
        }
        // Debug always prints a `.` or an exponent (`1.0`, `1e300`), so it reads back as a float.
        Value::Float(f) => {
            let _ = write!(out, "{f:?}");
        }
        Value::String(s) => json_str(out, s),
        Value::List(l) => {
            out.push(b'[');
            for (i, x) in l.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                json(out, x);
            }
            out.push(b']');
        }
        Value::Map(m) => {
            out.push(b'{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                json_str(out, k);
                out.push(b':');
                json(out, x);
            }
            out.push(b'}');
        }
        _ => out.extend_from_slice(b"null"),
    }
}

/// Column `c` of a batch.
fn encode_column(w: &mut W, rows: &Rows, c: usize) -> FfiResult<()> {
    let values: Vec<&Value> = rows
        .iter()
        .map(|r| r.get(c).unwrap_or(&Value::Null))
        .collect();
    encode_values(w, &values)
}

/// Kind 7: the keys of the first map, then one column per key.
fn encode_maps(w: &mut W, maps: &[&Value]) -> FfiResult<()> {
    let first = maps.first().and_then(as_map);
    let keys: Vec<&String> = first.map(|m| m.keys().collect()).unwrap_or_default();
    w.len32(keys.len())?;
    for k in &keys {
        w.str(k)?;
    }
    let mut iters: Vec<_> = maps.iter().filter_map(as_map).map(|m| m.values()).collect();
    for _ in &keys {
        let column: Vec<&Value> = iters.iter_mut().filter_map(Iterator::next).collect();
        encode_values(w, &column)?;
    }
    Ok(())
}

/// Kind 8: the element count, each list's end offset, then the elements as one column.
fn encode_lists(w: &mut W, lists: &[&Value]) -> FfiResult<()> {
    let elements: Vec<&Value> = lists.iter().filter_map(as_list).flatten().collect();
    w.len32(elements.len())?;
    let mut end = 0usize;
    for l in lists.iter().filter_map(as_list) {
        end += l.len();
        w.len32(end)?;
    }
    encode_values(w, &elements)
}

/// One column of `values` (see the module docs).
fn encode_values(w: &mut W, values: &[&Value]) -> FfiResult<()> {
    let kind = column_kind(values);
    w.0.push(kind);
    let values = values.iter().copied();
    match kind {
        COL_MAPS => return encode_maps(w, &values.collect::<Vec<_>>()),
        COL_LISTS => return encode_lists(w, &values.collect::<Vec<_>>()),
        COL_INTS => values.for_each(|v| w.i64(if let Value::Int(i) = v { *i } else { 0 })),
        COL_FLOATS => values.for_each(|v| w.f64(if let Value::Float(f) = v { *f } else { 0.0 })),
        COL_BOOLS => values.for_each(|v| w.0.push(u8::from(matches!(v, Value::Bool(true))))),
        COL_STRINGS => {
            let strs: Vec<&str> = values
                .map(|v| {
                    if let Value::String(s) = v {
                        s.as_str()
                    } else {
                        ""
                    }
                })
                .collect();
            if !strs.iter().any(|s| s.contains('\0')) {
                // Joined by NUL: the binding splits them with one call.
                *w.0.last_mut().expect("invariant: kind pushed above") = COL_JOINED;
                w.len32(strs.iter().map(|s| s.len() + 1).sum::<usize>() - 1)?;
                for (i, s) in strs.iter().enumerate() {
                    if i > 0 {
                        w.0.push(0);
                    }
                    w.0.extend_from_slice(s.as_bytes());
                }
                return Ok(());
            }
            w.len32(strs.iter().map(|s| s.len()).sum())?;
            strs.iter()
                .for_each(|s| w.0.extend_from_slice(s.as_bytes()));
            let mut end = 0usize;
            for s in strs {
                end += if s.is_ascii() {
                    s.len()
                } else {
                    s.chars().count()
                };
                w.len32(end)?;
            }
        }
        COL_JSON => {
            let mut text = Vec::with_capacity(values.len() * 8);
            text.push(b'[');
            for (i, v) in values.enumerate() {
                if i > 0 {
                    text.push(b',');
                }
                json(&mut text, v);
            }
            text.push(b']');
            w.len32(text.len())?;
            w.0.extend_from_slice(&text);
        }
        _ => {
            for v in values {
                w.value(v)?;
            }
        }
    }
    Ok(())
}

/// Encodes a batch column by column (see the module docs).
pub(crate) fn encode_columns(rows: &Rows) -> FfiResult<Vec<u8>> {
    let keys = rows.keys();
    let mut w = W(Vec::with_capacity(64 + rows.len() * keys.len() * 10));
    w.0.extend_from_slice(b"BCC1");
    w.len32(keys.len())?;
    for k in keys {
        w.str(k)?;
    }
    w.len32(rows.len())?;
    for c in 0..keys.len() {
        encode_column(&mut w, rows, c)?;
    }
    Ok(w.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::Record;
    use crate::value::Keys;

    /// `records` as one block of rows.
    fn block(keys: &Keys, records: &[Record]) -> Rows {
        let mut rows = Rows::new();
        rows.reset(keys);
        for r in records {
            rows.push_record(r.clone());
        }
        rows
    }

    #[test]
    fn encodes_header_and_scalars() {
        let keys = Keys::new(&["a"]);
        let rows = vec![
            Record::new(keys.clone(), vec![Value::Int(1)]),
            Record::new(keys.clone(), vec![Value::String("xy".into())]),
        ];
        let b = encode_batch(&block(&keys, &rows)).unwrap();
        let mut want = b"BCB1".to_vec();
        want.extend_from_slice(&[1, 0, 0, 0, 1, 0, 0, 0, b'a', 2, 0, 0, 0]);
        want.push(2);
        want.extend_from_slice(&1i64.to_le_bytes());
        want.extend_from_slice(&[5, 2, 0, 0, 0, b'x', b'y']);
        assert_eq!(b, want);
    }

    #[test]
    fn encodes_columns() {
        let keys = Keys::new(&["i", "s", "m"]);
        let row = |i: i64, s: &str, m: Value| {
            Record::new(
                keys.clone(),
                vec![Value::Int(i), Value::String(s.into()), m],
            )
        };
        let rows = vec![row(1, "a", Value::Null), row(2, "é", Value::Bool(true))];
        let b = encode_columns(&block(&keys, &rows)).unwrap();
        let mut want = b"BCC1".to_vec();
        want.extend_from_slice(&[3, 0, 0, 0, 1, 0, 0, 0, b'i', 1, 0, 0, 0, b's', 1, 0, 0, 0]);
        want.extend_from_slice(&[b'm', 2, 0, 0, 0]);
        want.push(COL_INTS);
        want.extend_from_slice(&1i64.to_le_bytes());
        want.extend_from_slice(&2i64.to_le_bytes());
        want.push(COL_JOINED);
        want.extend_from_slice(&[4, 0, 0, 0, b'a', 0, 0xc3, 0xa9]);
        want.extend_from_slice(&[COL_JSON, 11, 0, 0, 0]);
        want.extend_from_slice(b"[null,true]");
        assert_eq!(b, want);
        let nul = vec![row(1, "a\0", Value::Null), row(2, "é", Value::Null)];
        let b = encode_columns(&block(&keys, &nul)).unwrap();
        let strings = [
            COL_STRINGS,
            4,
            0,
            0,
            0,
            b'a',
            0,
            0xc3,
            0xa9,
            2,
            0,
            0,
            0,
            3,
            0,
            0,
            0,
        ];
        assert!(b.windows(strings.len()).any(|w| w == strings));
        let empty = encode_columns(&block(&keys, &[])).unwrap();
        assert_eq!(&empty[empty.len() - 7..], &[0, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn json_columns() {
        let keys = Keys::new(&["v"]);
        let mut m = Map::new();
        m.insert("k\"\\\n".to_owned(), Value::Float(1.0));
        let vals = vec![
            Value::List(vec![
                Value::Int(-3),
                Value::Float(1e300),
                Value::Float(f64::NAN),
            ]),
            Value::Map(m),
            Value::Float(f64::NEG_INFINITY),
            Value::String("é\u{1}".into()),
            Value::Null,
        ];
        let rows: Vec<Record> = vals
            .into_iter()
            .map(|v| Record::new(keys.clone(), vec![v]))
            .collect();
        let b = encode_columns(&block(&keys, &rows)).unwrap();
        let text = r#"[[-3,1e300,NaN],{"k\"\\\u000a":1.0},-Infinity,"é\u0001",null]"#;
        assert_eq!(b[b.len() - text.len() - 5], COL_JSON);
        assert_eq!(&b[b.len() - text.len()..], text.as_bytes());
        let node = Record::new(
            keys.clone(),
            vec![Value::Date(crate::value::Date { days: 1 })],
        );
        let b = encode_columns(&block(&keys, &[node])).unwrap();
        assert_eq!(b[b.len() - 10], COL_VALUES);
    }
    #[test]
    fn map_and_list_columns() {
        let keys = Keys::new(&["m", "l"]);
        let map = |a: i64, b: &str| {
            let mut m = Map::new();
            m.insert("a".into(), Value::Int(a));
            m.insert("b".into(), Value::String(b.into()));
            Value::Map(m)
        };
        let ints = |v: &[i64]| Value::List(v.iter().map(|&i| Value::Int(i)).collect());
        let rows = vec![
            Record::new(keys.clone(), vec![map(1, "x"), ints(&[1, 2])]),
            Record::new(keys.clone(), vec![map(2, "y"), ints(&[3])]),
        ];
        let b = encode_columns(&block(&keys, &rows)).unwrap();
        let mut want = vec![
            COL_MAPS, 2, 0, 0, 0, 1, 0, 0, 0, b'a', 1, 0, 0, 0, b'b', COL_INTS,
        ];
        want.extend_from_slice(&1i64.to_le_bytes());
        want.extend_from_slice(&2i64.to_le_bytes());
        want.extend_from_slice(&[COL_JOINED, 3, 0, 0, 0, b'x', 0, b'y']);
        want.extend_from_slice(&[COL_LISTS, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, COL_INTS]);
        for i in 1..=3i64 {
            want.extend_from_slice(&i.to_le_bytes());
        }
        assert_eq!(&b[b.len() - want.len()..], &want[..]);

        // Maps with different keys fall back to JSON; lists nest with any element kind.
        let mut other = Map::new();
        other.insert("z".into(), Value::Null);
        let date = Value::Date(crate::value::Date { days: 1 });
        let rows = vec![
            Record::new(keys.clone(), vec![map(1, "x"), Value::List(vec![date])]),
            Record::new(keys.clone(), vec![Value::Map(other), Value::List(vec![])]),
        ];
        let b = encode_columns(&block(&keys, &rows)).unwrap();
        let json = br#"[{"a":1,"b":"x"},{"z":null}]"#;
        let at = b.windows(json.len()).position(|w| w == json).unwrap();
        assert_eq!(b[at - 5], COL_JSON);
        let lists = [
            COL_LISTS, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, COL_VALUES, 12,
        ];
        assert_eq!(&b[at + json.len()..at + json.len() + lists.len()], &lists);
        let empty_maps = vec![Record::new(
            keys.clone(),
            vec![Value::Map(Map::new()), ints(&[])],
        )];
        let b = encode_columns(&block(&keys, &empty_maps)).unwrap();
        assert_eq!(
            &b[b.len() - 15..],
            &[COL_MAPS, 0, 0, 0, 0, COL_LISTS, 0, 0, 0, 0, 0, 0, 0, 0, COL_VALUES]
        );
    }
}
