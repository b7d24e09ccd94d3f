//! Values exchanged with the server: scalars, collections, graph, temporal and spatial types.

mod graph;
mod keys;
pub mod map;
mod temporal;

pub use graph::{Node, Path, Relationship, UnboundRelationship};
pub use keys::Keys;
pub(crate) use map::index_size;
pub use map::Map;
pub use temporal::{
    Date, DateTime, DateTimeZoneId, Duration, LocalDateTime, LocalTime, Point2D, Point3D, Time,
};

/// A Bolt value.
///
/// Graph types (`Node`, `Relationship`, `Path`, ...) can be received but not sent as parameters.
/// Large variants are boxed so a `Value` stays 40 bytes.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// The absence of a value.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A 64-bit signed integer.
    Int(i64),
    /// A 64-bit float.
    Float(f64),
    /// A byte array (Bolt 2+).
    Bytes(Vec<u8>),
    /// A UTF-8 string.
    String(String),
    /// An ordered list.
    List(Vec<Value>),
    /// A string-keyed map, its entries in the order the server sent them (see [`Map`]).
    Map(Map),
    /// A node.
    Node(Box<Node>),
    /// A relationship with its end points.
    Relationship(Box<Relationship>),
    /// A relationship without end points (only inside paths on the wire).
    UnboundRelationship(Box<UnboundRelationship>),
    /// A walk through the graph.
    Path(Box<Path>),
    /// A calendar date.
    Date(Date),
    /// A time of day with a UTC offset.
    Time(Time),
    /// A time of day without a zone.
    LocalTime(LocalTime),
    /// An instant with a UTC offset.
    DateTime(DateTime),
    /// An instant with a named time zone.
    DateTimeZoneId(Box<DateTimeZoneId>),
    /// A date and time without a zone.
    LocalDateTime(LocalDateTime),
    /// A temporal amount.
    Duration(Duration),
    /// A 2D point.
    Point2D(Point2D),
    /// A 3D point.
    Point3D(Point3D),
    /// A typed numeric vector (Bolt 6.0+).
    Vector(Vector),
    /// A placeholder for a server value the negotiated protocol cannot carry (Bolt 6.0+).
    Unsupported(Box<Unsupported>),
    /// A structure this driver does not know.
    Struct(Structure),
}

/// A typed numeric vector (Bolt 6.0 `Vector`).
#[derive(Debug, Clone, PartialEq)]
pub enum Vector {
    /// 8-bit integers.
    I8(Vec<i8>),
    /// 16-bit integers.
    I16(Vec<i16>),
    /// 32-bit integers.
    I32(Vec<i32>),
    /// 64-bit integers.
    I64(Vec<i64>),
    /// 32-bit floats.
    F32(Vec<f32>),
    /// 64-bit floats.
    F64(Vec<f64>),
}

impl Vector {
    /// The number of elements.
    pub fn len(&self) -> usize {
        match self {
            Vector::I8(v) => v.len(),
            Vector::I16(v) => v.len(),
            Vector::I32(v) => v.len(),
            Vector::I64(v) => v.len(),
            Vector::F32(v) => v.len(),
            Vector::F64(v) => v.len(),
        }
    }

    /// Whether the vector has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A server value of a type the negotiated protocol cannot carry (Bolt 6.0 `Unsupported`).
#[derive(Debug, Clone, PartialEq)]
pub struct Unsupported {
    /// The name of the server type.
    pub name: String,
    /// The minimum protocol version (major, minor) that carries it.
    pub min_protocol: (i64, i64),
    /// An explanation from the server, if any.
    pub message: Option<String>,
}

/// A structure with a tag this driver does not interpret.
#[derive(Debug, Clone, PartialEq)]
pub struct Structure {
    /// The structure's tag byte.
    pub tag: u8,
    /// The structure's fields.
    pub fields: Vec<Value>,
}

impl Value {
    /// The name of this value's type, for error messages (`"Integer"`, `"String"`, ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "Null",
            Value::Bool(_) => "Boolean",
            Value::Int(_) => "Integer",
            Value::Float(_) => "Float",
            Value::Bytes(_) => "Bytes",
            Value::String(_) => "String",
            Value::List(_) => "List",
            Value::Map(_) => "Map",
            Value::Node(_) => "Node",
            Value::Relationship(_) => "Relationship",
            Value::UnboundRelationship(_) => "UnboundRelationship",
            Value::Path(_) => "Path",
            Value::Date(_) => "Date",
            Value::Time(_) => "Time",
            Value::LocalTime(_) => "LocalTime",
            Value::DateTime(_) => "DateTime",
            Value::DateTimeZoneId(_) => "DateTime",
            Value::LocalDateTime(_) => "LocalDateTime",
            Value::Duration(_) => "Duration",
            Value::Point2D(_) => "Point",
            Value::Point3D(_) => "Point",
            Value::Vector(_) => "Vector",
            Value::Unsupported(_) => "Unsupported",
            Value::Struct(_) => "Structure",
        }
    }

    /// Whether this is `Value::Null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The integer, if this is an integer.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The float, if this is a float.
    pub fn as_float(&self) -> Option<f64> {
        match self {
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// The boolean, if this is a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The list, if this is a list.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    /// The map, if this is a map.
    pub fn as_map(&self) -> Option<&Map> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }
}

#[cfg(test)]
mod size_tests {
    #[test]
    fn value_stays_small() {
        assert!(
            std::mem::size_of::<super::Value>() <= 40,
            "{}",
            std::mem::size_of::<super::Value>()
        );
    }
}
