//! Encoding values to PackStream bytes.

use super::Dialect;
use crate::value::{Map, Value};

/// Why a value could not be encoded.
#[derive(Debug, Clone, PartialEq)]
pub enum EncodeError {
    /// This type can be received but not sent (nodes, relationships, paths, ...).
    Unsendable(&'static str),
    /// The type is not available in the negotiated protocol version.
    NotInVersion(&'static str),
    /// A string, list, map or byte array longer than PackStream can express.
    TooLarge(usize),
}

/// Appends PackStream-encoded values to a buffer.
pub struct Encoder<'a> {
    out: &'a mut Vec<u8>,
    dialect: Dialect,
}

impl<'a> Encoder<'a> {
    /// An encoder appending to `out`.
    pub fn new(out: &'a mut Vec<u8>, dialect: Dialect) -> Self {
        Encoder { out, dialect }
    }
    /// Writes null.
    pub fn write_null(&mut self) {
        let _ = (&self.out, self.dialect);
        todo!()
    }
    /// Writes a boolean.
    pub fn write_bool(&mut self, _v: bool) {
        todo!()
    }
    /// Writes an integer in its most compact form.
    pub fn write_int(&mut self, _v: i64) {
        todo!()
    }
    /// Writes a 64-bit float.
    pub fn write_float(&mut self, _v: f64) {
        todo!()
    }
    /// Writes a string.
    pub fn write_str(&mut self, _v: &str) -> Result<(), EncodeError> {
        todo!()
    }
    /// Writes a byte array.
    pub fn write_bytes(&mut self, _v: &[u8]) -> Result<(), EncodeError> {
        todo!()
    }
    /// Writes a list header for `len` items; the caller writes the items.
    pub fn write_list_header(&mut self, _len: usize) -> Result<(), EncodeError> {
        todo!()
    }
    /// Writes a map header for `len` entries; the caller writes key, value, key, value...
    pub fn write_map_header(&mut self, _len: usize) -> Result<(), EncodeError> {
        todo!()
    }
    /// Writes a structure header (`fields` < 16) with `tag`; the caller writes the fields.
    pub fn write_struct_header(&mut self, _fields: u8, _tag: u8) {
        todo!()
    }
    /// Writes any sendable value.
    pub fn write_value(&mut self, _v: &Value) -> Result<(), EncodeError> {
        todo!()
    }
    /// Writes a map of values.
    pub fn write_map(&mut self, _m: &Map) -> Result<(), EncodeError> {
        todo!()
    }
}

impl From<EncodeError> for crate::Error {
    fn from(e: EncodeError) -> Self {
        crate::Error::new(crate::ErrorKind::InvalidArgument, format!("{e:?}"))
    }
}
