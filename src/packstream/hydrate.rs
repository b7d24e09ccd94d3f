//! Turning decoded structures into graph, temporal, spatial and vector values.

use super::decode::{map_size, Budget, DecodeError};
use super::marker::{tag, vector_type};
use super::zone;
use crate::value::{
    Date, DateTime, DateTimeZoneId, Duration, LocalDateTime, LocalTime, Map, Node, Path, Point2D,
    Point3D, Relationship, Structure, Time, UnboundRelationship, Unsupported, Value, Vector,
};
use std::collections::hash_map::{Entry, HashMap};
use std::sync::Arc;

/// Builds the value for a structure with `tag` and decoded `fields`.
///
/// Both field-count forms of graph values are accepted whatever the dialect, decided by the
/// number of fields. Unknown tags become [`Value::Struct`].
///
/// What hydration copies beyond the decoded fields (a path's bound relationships) is charged
/// to `budget`.
pub(crate) fn hydrate(
    tag: u8,
    fields: Vec<Value>,
    budget: &mut Budget,
) -> Result<Value, DecodeError> {
    let n = fields.len();
    let mut f = Fields {
        tag,
        it: fields.into_iter(),
    };
    let value = match (tag, n) {
        (tag::NODE, 3 | 4) => Value::Node(Box::new(node(&mut f, n == 4)?)),
        (tag::RELATIONSHIP, 5 | 8) => Value::Relationship(Box::new(relationship(&mut f, n == 8)?)),
        (tag::UNBOUND_RELATIONSHIP, 3 | 4) => {
            Value::UnboundRelationship(Box::new(unbound(&mut f, n == 4)?))
        }
        (tag::PATH, 3) => Value::Path(Box::new(path(&mut f, budget)?)),
        (tag::DATE, 1) => Value::Date(Date { days: f.int()? }),
        (tag::TIME, 2) => Value::Time(Time {
            nanoseconds: f.int()?,
            tz_offset_seconds: f.i32()?,
        }),
        (tag::LOCAL_TIME, 1) => Value::LocalTime(LocalTime {
            nanoseconds: f.int()?,
        }),
        (tag::DATE_TIME, 3) => Value::DateTime(DateTime {
            seconds: f.int()?,
            nanoseconds: f.i32()?,
            tz_offset_seconds: f.i32()?,
        }),
        (tag::DATE_TIME_LEGACY, 3) => {
            let local = f.int()?;
            let nanoseconds = f.i32()?;
            let tz_offset_seconds = f.i32()?;
            let seconds = local
                .checked_sub(i64::from(tz_offset_seconds))
                .ok_or_else(|| f.invalid("seconds out of range"))?;
            Value::DateTime(DateTime {
                seconds,
                nanoseconds,
                tz_offset_seconds,
            })
        }
        // The UTC form carries the instant, but a zone id the zone database does not know
        // fails the record as in the legacy form: the value's wall-clock time and offset could
        // not be computed, and the same server value decodes the same on every Bolt version.
        (tag::DATE_TIME_ZONE_ID, 3) => {
            let seconds = f.int()?;
            let nanoseconds = f.i32()?;
            let tz_id = f.string()?;
            if zone::parse(&tz_id).is_none() {
                return Err(DecodeError::UnknownTimeZone(tz_id));
            }
            Value::DateTimeZoneId(Box::new(DateTimeZoneId {
                seconds,
                nanoseconds,
                tz_id,
            }))
        }
        (tag::DATE_TIME_ZONE_ID_LEGACY, 3) => {
            let local = f.int()?;
            let nanoseconds = f.i32()?;
            let tz_id = f.string()?;
            let Some(tz) = zone::parse(&tz_id) else {
                return Err(DecodeError::UnknownTimeZone(tz_id));
            };
            let seconds =
                zone::local_to_utc(tz, local).ok_or_else(|| f.invalid("seconds out of range"))?;
            Value::DateTimeZoneId(Box::new(DateTimeZoneId {
                seconds,
                nanoseconds,
                tz_id,
            }))
        }
        (tag::LOCAL_DATE_TIME, 2) => Value::LocalDateTime(LocalDateTime {
            seconds: f.int()?,
            nanoseconds: f.i32()?,
        }),
        (tag::DURATION, 4) => Value::Duration(Duration {
            months: f.int()?,
            days: f.int()?,
            seconds: f.int()?,
            nanoseconds: f.i32()?,
        }),
        (tag::POINT_2D, 3) => Value::Point2D(Point2D {
            srid: f.int()?,
            x: f.float()?,
            y: f.float()?,
        }),
        (tag::POINT_3D, 4) => Value::Point3D(Point3D {
            srid: f.int()?,
            x: f.float()?,
            y: f.float()?,
            z: f.float()?,
        }),
        (tag::VECTOR, 2) => Value::Vector(vector(&mut f)?),
        (tag::UNSUPPORTED, 4) => Value::Unsupported(Box::new(unsupported(&mut f)?)),
        (
            tag::NODE
            | tag::RELATIONSHIP
            | tag::UNBOUND_RELATIONSHIP
            | tag::PATH
            | tag::DATE
            | tag::TIME
            | tag::LOCAL_TIME
            | tag::DATE_TIME
            | tag::DATE_TIME_LEGACY
            | tag::DATE_TIME_ZONE_ID
            | tag::DATE_TIME_ZONE_ID_LEGACY
            | tag::LOCAL_DATE_TIME
            | tag::DURATION
            | tag::POINT_2D
            | tag::POINT_3D
            | tag::VECTOR
            | tag::UNSUPPORTED,
            _,
        ) => return Err(f.invalid("wrong number of fields")),
        _ => Value::Struct(Structure {
            tag,
            fields: f.it.collect(),
        }),
    };
    Ok(value)
}

/// The fields of one structure, taken in order with type checks.
struct Fields {
    tag: u8,
    it: std::vec::IntoIter<Value>,
}

impl Fields {
    fn invalid(&self, reason: &'static str) -> DecodeError {
        DecodeError::InvalidStruct {
            tag: self.tag,
            reason,
        }
    }

    fn next(&mut self) -> Result<Value, DecodeError> {
        self.it.next().ok_or_else(|| self.invalid("missing field"))
    }

    fn int(&mut self) -> Result<i64, DecodeError> {
        match self.next()? {
            Value::Int(i) => Ok(i),
            _ => Err(self.invalid("expected an integer field")),
        }
    }

    fn i32(&mut self) -> Result<i32, DecodeError> {
        let i = self.int()?;
        i32::try_from(i).map_err(|_| self.invalid("integer field out of 32-bit range"))
    }

    fn float(&mut self) -> Result<f64, DecodeError> {
        match self.next()? {
            Value::Float(x) => Ok(x),
            _ => Err(self.invalid("expected a float field")),
        }
    }

    fn string(&mut self) -> Result<String, DecodeError> {
        match self.next()? {
            Value::String(s) => Ok(s),
            _ => Err(self.invalid("expected a string field")),
        }
    }

    fn bytes(&mut self) -> Result<Vec<u8>, DecodeError> {
        match self.next()? {
            Value::Bytes(b) => Ok(b),
            _ => Err(self.invalid("expected a bytes field")),
        }
    }

    fn map(&mut self) -> Result<Map, DecodeError> {
        match self.next()? {
            Value::Map(m) => Ok(m),
            _ => Err(self.invalid("expected a map field")),
        }
    }

    fn list(&mut self) -> Result<Vec<Value>, DecodeError> {
        match self.next()? {
            Value::List(l) => Ok(l),
            _ => Err(self.invalid("expected a list field")),
        }
    }

    fn strings(&mut self) -> Result<Vec<String>, DecodeError> {
        let list = self.list()?;
        let mut out = Vec::with_capacity(list.len());
        for v in list {
            match v {
                Value::String(s) => out.push(s),
                _ => return Err(self.invalid("expected a list of strings")),
            }
        }
        Ok(out)
    }

    /// The element id field if `present`, else the legacy id as a string.
    fn element_id(&mut self, present: bool, id: i64) -> Result<String, DecodeError> {
        if present {
            self.string()
        } else {
            Ok(id.to_string())
        }
    }
}

fn node(f: &mut Fields, with_element_id: bool) -> Result<Node, DecodeError> {
    let id = f.int()?;
    let labels = f.strings()?;
    let properties = f.map()?;
    let element_id = f.element_id(with_element_id, id)?;
    Ok(Node {
        id,
        element_id,
        labels,
        properties,
    })
}

fn relationship(f: &mut Fields, with_element_ids: bool) -> Result<Relationship, DecodeError> {
    let id = f.int()?;
    let start_node_id = f.int()?;
    let end_node_id = f.int()?;
    let rel_type = f.string()?;
    let properties = f.map()?;
    let element_id = f.element_id(with_element_ids, id)?;
    let start_node_element_id = f.element_id(with_element_ids, start_node_id)?;
    let end_node_element_id = f.element_id(with_element_ids, end_node_id)?;
    Ok(Relationship {
        id,
        element_id,
        start_node_id,
        start_node_element_id,
        end_node_id,
        end_node_element_id,
        rel_type,
        properties,
    })
}

fn unbound(f: &mut Fields, with_element_id: bool) -> Result<UnboundRelationship, DecodeError> {
    let id = f.int()?;
    let rel_type = f.string()?;
    let properties = f.map()?;
    let element_id = f.element_id(with_element_id, id)?;
    Ok(UnboundRelationship {
        id,
        element_id,
        rel_type,
        properties,
    })
}

/// Rebuilds the walk from the distinct nodes, distinct relationships and index sequence.
///
/// The walk shares its elements: each distinct node is one `Arc`, and each distinct binding of
/// a relationship (which relationship, between which two nodes) is built once, however many
/// steps repeat it. Each binding copies the relationship and two element ids, which is
/// charged to `budget`: distinct bindings are bounded by the steps, not by the message size.
fn path(f: &mut Fields, budget: &mut Budget) -> Result<Path, DecodeError> {
    let mut nodes = Vec::new();
    for v in f.list()? {
        match v {
            Value::Node(n) => nodes.push(Arc::new(*n)),
            _ => return Err(f.invalid("expected a list of nodes")),
        }
    }
    let mut rels = Vec::new();
    for v in f.list()? {
        match v {
            Value::UnboundRelationship(r) => rels.push(*r),
            _ => return Err(f.invalid("expected a list of unbound relationships")),
        }
    }
    let mut indices = Vec::new();
    for v in f.list()? {
        match v {
            Value::Int(i) => indices.push(i),
            _ => return Err(f.invalid("expected a list of integer indices")),
        }
    }
    if nodes.is_empty() {
        return Err(f.invalid("path without nodes"));
    }
    if indices.len() % 2 != 0 {
        return Err(f.invalid("odd number of path indices"));
    }
    let steps = indices.len() / 2;
    let mut walk_nodes = Vec::with_capacity(steps + 1);
    let mut walk_rels = Vec::with_capacity(steps);
    // (relationship, start node, end node) -> the bound relationship.
    let mut bound: HashMap<(usize, usize, usize), Arc<Relationship>> = HashMap::new();
    let mut prev = 0usize;
    walk_nodes.push(nodes[0].clone());
    for pair in indices.chunks_exact(2) {
        let (rel_index, node_index) = (pair[0], pair[1]);
        let next = usize::try_from(node_index)
            .ok()
            .filter(|&i| i < nodes.len())
            .ok_or_else(|| f.invalid("node index out of range"))?;
        let r = usize::try_from(rel_index.unsigned_abs())
            .ok()
            .and_then(|i| i.checked_sub(1))
            .filter(|&i| i < rels.len())
            .ok_or_else(|| f.invalid("relationship index out of range"))?;
        let (start, end) = if rel_index > 0 {
            (prev, next)
        } else {
            (next, prev)
        };
        let rel = match bound.entry((r, start, end)) {
            Entry::Occupied(e) => e.get().clone(),
            Entry::Vacant(e) => {
                let rel = &rels[r];
                budget.charge(
                    std::mem::size_of::<Relationship>()
                        .saturating_add(rel.element_id.len())
                        .saturating_add(rel.rel_type.len())
                        .saturating_add(map_size(&rel.properties))
                        .saturating_add(nodes[start].element_id.len())
                        .saturating_add(nodes[end].element_id.len()),
                )?;
                let bound = rel.clone().bind(&nodes[start], &nodes[end]);
                e.insert(Arc::new(bound)).clone()
            }
        };
        walk_rels.push(rel);
        walk_nodes.push(nodes[next].clone());
        prev = next;
    }
    Ok(Path {
        nodes: walk_nodes,
        relationships: walk_rels,
    })
}

fn vector(f: &mut Fields) -> Result<Vector, DecodeError> {
    let ty = f.bytes()?;
    let data = f.bytes()?;
    let ty = match ty.as_slice() {
        [t] => *t,
        _ => return Err(f.invalid("vector type must be one byte")),
    };
    let bad_len = || DecodeError::InvalidStruct {
        tag: tag::VECTOR,
        reason: "vector data length is not a multiple of the element size",
    };
    Ok(match ty {
        vector_type::I8 => Vector::I8(data.iter().map(|&b| i8::from_be_bytes([b])).collect()),
        vector_type::I16 => Vector::I16(elements(&data, i16::from_be_bytes).ok_or_else(bad_len)?),
        vector_type::I32 => Vector::I32(elements(&data, i32::from_be_bytes).ok_or_else(bad_len)?),
        vector_type::I64 => Vector::I64(elements(&data, i64::from_be_bytes).ok_or_else(bad_len)?),
        vector_type::F32 => Vector::F32(
            elements(&data, |b| f32::from_bits(u32::from_be_bytes(b))).ok_or_else(bad_len)?,
        ),
        vector_type::F64 => Vector::F64(
            elements(&data, |b| f64::from_bits(u64::from_be_bytes(b))).ok_or_else(bad_len)?,
        ),
        _ => return Err(f.invalid("unknown vector element type")),
    })
}

/// Splits big-endian data into elements of `N` bytes, or `None` if the length does not divide.
fn elements<T, const N: usize>(data: &[u8], f: impl Fn([u8; N]) -> T) -> Option<Vec<T>> {
    if data.len() % N != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(data.len() / N);
    for chunk in data.chunks_exact(N) {
        let mut a = [0u8; N];
        a.copy_from_slice(chunk);
        out.push(f(a));
    }
    Some(out)
}

fn unsupported(f: &mut Fields) -> Result<Unsupported, DecodeError> {
    let name = f.string()?;
    let major = f.int()?;
    let minor = f.int()?;
    let extra = f.map()?;
    let message = match extra.get("message") {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    Ok(Unsupported {
        name,
        min_protocol: (major, minor),
        message,
    })
}
