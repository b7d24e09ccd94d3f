//! Encoding values to PackStream bytes.

use super::marker::{self, tag, vector_type};
use super::{zone, Dialect};
use crate::value::{DateTime, DateTimeZoneId, Map, Value, Vector};
use std::fmt;

/// Why a value could not be encoded.
#[derive(Debug, Clone, PartialEq)]
pub enum EncodeError {
    /// This type can be received but not sent (nodes, relationships, paths, ...).
    Unsendable(&'static str),
    /// The type is not available in the negotiated protocol version.
    NotInVersion(&'static str),
    /// A string, list, map or byte array longer than PackStream can express.
    TooLarge(usize),
    /// A time zone name the IANA database does not know (needed for the legacy zoned form).
    UnknownTimeZone(String),
    /// A temporal value whose conversion to the legacy wall-clock form overflows.
    OutOfRange(&'static str),
    /// Lists and maps nested deeper than [`MAX_ENCODE_DEPTH`].
    TooDeep,
}

/// The deepest nesting of lists and maps [`Encoder::write_value`] writes (a parameter map
/// counts as one level), as deep as the decoder reads by default: deeper values are refused
/// with [`EncodeError::TooDeep`] rather than overflowing the stack.
pub const MAX_ENCODE_DEPTH: usize = 128;

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::Unsendable(t) => write!(f, "a {t} can be received but not sent"),
            EncodeError::NotInVersion(t) => {
                write!(
                    f,
                    "a {t} cannot be sent with the negotiated protocol version"
                )
            }
            EncodeError::TooLarge(n) => {
                write!(f, "size {n} exceeds the PackStream maximum of {}", u32::MAX)
            }
            EncodeError::UnknownTimeZone(z) => write!(f, "unknown time zone {z:?}"),
            EncodeError::OutOfRange(t) => write!(f, "{t} is out of the encodable range"),
            EncodeError::TooDeep => write!(
                f,
                "lists and maps nested more than {MAX_ENCODE_DEPTH} levels deep"
            ),
        }
    }
}

impl std::error::Error for EncodeError {}

impl From<EncodeError> for crate::Error {
    fn from(e: EncodeError) -> crate::Error {
        crate::Error::new(
            crate::ErrorKind::InvalidArgument,
            format!("cannot encode value: {e}"),
        )
        .with_source(e)
    }
}

/// Appends PackStream-encoded values to a buffer.
pub struct Encoder<'a> {
    out: &'a mut Vec<u8>,
    dialect: Dialect,
    /// Lists and maps entered by `write_value`/`write_map` and not yet left.
    depth: usize,
}

impl<'a> Encoder<'a> {
    /// An encoder appending to `out`.
    pub fn new(out: &'a mut Vec<u8>, dialect: Dialect) -> Self {
        Encoder {
            out,
            dialect,
            depth: 0,
        }
    }

    /// Runs `f` one list or map deeper, or fails with `TooDeep` beyond [`MAX_ENCODE_DEPTH`].
    fn nested(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<(), EncodeError>,
    ) -> Result<(), EncodeError> {
        if self.depth >= MAX_ENCODE_DEPTH {
            return Err(EncodeError::TooDeep);
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    /// Writes null.
    #[inline]
    pub fn write_null(&mut self) {
        self.out.push(marker::NULL);
    }

    /// Writes a boolean.
    #[inline]
    pub fn write_bool(&mut self, v: bool) {
        self.out.push(if v { marker::TRUE } else { marker::FALSE });
    }

    /// Writes an integer in its most compact form.
    #[inline]
    pub fn write_int(&mut self, v: i64) {
        if (-16..=127).contains(&v) {
            // The tiny-int marker is the value's own two's-complement byte.
            self.out.push(v.to_be_bytes()[7]);
        } else if let Ok(b) = i8::try_from(v) {
            self.out
                .extend_from_slice(&[marker::INT_8, b.to_be_bytes()[0]]);
        } else if let Ok(s) = i16::try_from(v) {
            self.out.push(marker::INT_16);
            self.out.extend_from_slice(&s.to_be_bytes());
        } else if let Ok(i) = i32::try_from(v) {
            self.out.push(marker::INT_32);
            self.out.extend_from_slice(&i.to_be_bytes());
        } else {
            self.out.push(marker::INT_64);
            self.out.extend_from_slice(&v.to_be_bytes());
        }
    }

    /// Writes a 64-bit float.
    #[inline]
    pub fn write_float(&mut self, v: f64) {
        self.out.push(marker::FLOAT_64);
        self.out.extend_from_slice(&v.to_bits().to_be_bytes());
    }

    /// Writes a string.
    ///
    /// # Errors
    /// [`EncodeError::TooLarge`] when the string is longer than `u32::MAX` bytes.
    #[inline]
    pub fn write_str(&mut self, v: &str) -> Result<(), EncodeError> {
        self.sized_header(
            v.len(),
            marker::TINY_STRING,
            [marker::STRING_8, marker::STRING_16, marker::STRING_32],
        )?;
        self.out.extend_from_slice(v.as_bytes());
        Ok(())
    }

    /// Writes a byte array.
    ///
    /// # Errors
    /// [`EncodeError::NotInVersion`] when the dialect has no bytes (Bolt 1), and
    /// [`EncodeError::TooLarge`] when the array is longer than `u32::MAX` bytes.
    pub fn write_bytes(&mut self, v: &[u8]) -> Result<(), EncodeError> {
        if !self.dialect.bytes {
            return Err(EncodeError::NotInVersion("Bytes"));
        }
        self.raw_bytes(v)
    }

    /// Writes a list header for `len` items; the caller writes the items.
    ///
    /// # Errors
    /// [`EncodeError::TooLarge`] when `len` exceeds `u32::MAX`.
    #[inline]
    pub fn write_list_header(&mut self, len: usize) -> Result<(), EncodeError> {
        self.sized_header(
            len,
            marker::TINY_LIST,
            [marker::LIST_8, marker::LIST_16, marker::LIST_32],
        )
    }

    /// Writes a map header for `len` entries; the caller writes key, value, key, value...
    ///
    /// # Errors
    /// [`EncodeError::TooLarge`] when `len` exceeds `u32::MAX`.
    #[inline]
    pub fn write_map_header(&mut self, len: usize) -> Result<(), EncodeError> {
        self.sized_header(
            len,
            marker::TINY_MAP,
            [marker::MAP_8, marker::MAP_16, marker::MAP_32],
        )
    }

    /// Starts a map whose size is known only once its entries are written: a one-byte
    /// placeholder header, at the position returned, which [`Encoder::end_map`] fills in.
    pub(crate) fn begin_map(&mut self) -> usize {
        let at = self.out.len();
        self.out.push(marker::TINY_MAP);
        at
    }

    /// Completes the map begun at `at` with [`Encoder::begin_map`], now that its `len` entries
    /// follow: the placeholder becomes the header (a tiny one in place; a larger header moves
    /// the entries along, which no Bolt request's metadata needs).
    ///
    /// # Errors
    /// As [`Encoder::write_map_header`].
    pub(crate) fn end_map(&mut self, at: usize, len: usize) -> Result<(), EncodeError> {
        if len < 16 {
            // Fits the low nibble of the tiny-map marker.
            #[allow(clippy::cast_possible_truncation)]
            let n = len as u8;
            self.out[at] = marker::TINY_MAP | n;
            return Ok(());
        }
        let mut header = Vec::new();
        Encoder::new(&mut header, self.dialect).write_map_header(len)?;
        self.out.splice(at..=at, header);
        Ok(())
    }

    /// Writes a structure header (`fields` < 16) with `tag`; the caller writes the fields.
    ///
    /// # Panics
    /// When `fields` is 16 or more: every Bolt structure has fewer fields, so this is a bug in
    /// the caller.
    #[inline]
    pub fn write_struct_header(&mut self, fields: u8, tag: u8) {
        assert!(
            fields < 16,
            "invariant: structures have fewer than 16 fields"
        );
        self.out
            .extend_from_slice(&[marker::TINY_STRUCT | fields, tag]);
    }

    /// Writes any sendable value.
    ///
    /// # Errors
    /// [`EncodeError::Unsendable`] for graph values, `Unsupported` and unknown structures,
    /// [`EncodeError::NotInVersion`] for bytes or vectors the dialect lacks,
    /// [`EncodeError::TooLarge`] for collections longer than `u32::MAX`, and
    /// [`EncodeError::TooDeep`] for lists and maps nested deeper than [`MAX_ENCODE_DEPTH`].
    pub fn write_value(&mut self, v: &Value) -> Result<(), EncodeError> {
        match v {
            Value::Null => self.write_null(),
            Value::Bool(b) => self.write_bool(*b),
            Value::Int(i) => self.write_int(*i),
            Value::Float(f) => self.write_float(*f),
            Value::String(s) => self.write_str(s)?,
            Value::Bytes(b) => self.write_bytes(b)?,
            Value::List(items) => self.nested(|e| {
                e.write_list_header(items.len())?;
                for item in items {
                    e.write_value(item)?;
                }
                Ok(())
            })?,
            Value::Map(m) => self.write_map(m)?,
            Value::Date(d) => {
                self.write_struct_header(1, tag::DATE);
                self.write_int(d.days);
            }
            Value::Time(t) => {
                self.write_struct_header(2, tag::TIME);
                self.write_int(t.nanoseconds);
                self.write_int(i64::from(t.tz_offset_seconds));
            }
            Value::LocalTime(t) => {
                self.write_struct_header(1, tag::LOCAL_TIME);
                self.write_int(t.nanoseconds);
            }
            Value::DateTime(dt) => self.write_date_time(dt)?,
            Value::DateTimeZoneId(dt) => self.write_date_time_zone_id(dt)?,
            Value::LocalDateTime(dt) => {
                self.write_struct_header(2, tag::LOCAL_DATE_TIME);
                self.write_int(dt.seconds);
                self.write_int(i64::from(dt.nanoseconds));
            }
            Value::Duration(d) => {
                self.write_struct_header(4, tag::DURATION);
                self.write_int(d.months);
                self.write_int(d.days);
                self.write_int(d.seconds);
                self.write_int(i64::from(d.nanoseconds));
            }
            Value::Point2D(p) => {
                self.write_struct_header(3, tag::POINT_2D);
                self.write_int(p.srid);
                self.write_float(p.x);
                self.write_float(p.y);
            }
            Value::Point3D(p) => {
                self.write_struct_header(4, tag::POINT_3D);
                self.write_int(p.srid);
                self.write_float(p.x);
                self.write_float(p.y);
                self.write_float(p.z);
            }
            Value::Vector(vec) => self.write_vector(vec)?,
            Value::Node(_)
            | Value::Relationship(_)
            | Value::UnboundRelationship(_)
            | Value::Path(_)
            | Value::Unsupported(_)
            | Value::Struct(_) => return Err(EncodeError::Unsendable(v.type_name())),
        }
        Ok(())
    }

    /// Writes a map of values.
    ///
    /// # Errors
    /// As [`Encoder::write_value`], for any of the values.
    pub fn write_map(&mut self, m: &Map) -> Result<(), EncodeError> {
        self.nested(|e| {
            e.write_map_header(m.len())?;
            for (k, v) in m {
                e.write_str(k)?;
                e.write_value(v)?;
            }
            Ok(())
        })
    }

    /// Writes the header of a sized value: a tiny marker below 16, else the 8/16/32-bit form.
    #[inline]
    fn sized_header(&mut self, len: usize, tiny: u8, wide: [u8; 3]) -> Result<(), EncodeError> {
        if len < 16 {
            // len < 16, so the cast keeps every bit.
            self.out.push(tiny | len as u8);
        } else {
            self.wide_header(len, wide)?;
        }
        Ok(())
    }

    /// Writes the 8/16/32-bit size form.
    #[inline]
    fn wide_header(&mut self, len: usize, wide: [u8; 3]) -> Result<(), EncodeError> {
        if let Ok(n) = u8::try_from(len) {
            self.out.extend_from_slice(&[wide[0], n]);
        } else if let Ok(n) = u16::try_from(len) {
            self.out.push(wide[1]);
            self.out.extend_from_slice(&n.to_be_bytes());
        } else if let Ok(n) = u32::try_from(len) {
            self.out.push(wide[2]);
            self.out.extend_from_slice(&n.to_be_bytes());
        } else {
            return Err(EncodeError::TooLarge(len));
        }
        Ok(())
    }

    /// Writes a byte array whatever the dialect (vectors imply a version with bytes).
    fn raw_bytes(&mut self, v: &[u8]) -> Result<(), EncodeError> {
        self.wide_header(
            v.len(),
            [marker::BYTES_8, marker::BYTES_16, marker::BYTES_32],
        )?;
        self.out.extend_from_slice(v);
        Ok(())
    }

    fn write_date_time(&mut self, dt: &DateTime) -> Result<(), EncodeError> {
        let offset = i64::from(dt.tz_offset_seconds);
        if self.dialect.utc_datetime {
            self.write_struct_header(3, tag::DATE_TIME);
            self.write_int(dt.seconds);
        } else {
            let local = dt
                .seconds
                .checked_add(offset)
                .ok_or(EncodeError::OutOfRange("DateTime"))?;
            self.write_struct_header(3, tag::DATE_TIME_LEGACY);
            self.write_int(local);
        }
        self.write_int(i64::from(dt.nanoseconds));
        self.write_int(offset);
        Ok(())
    }

    fn write_date_time_zone_id(&mut self, dt: &DateTimeZoneId) -> Result<(), EncodeError> {
        if self.dialect.utc_datetime {
            self.write_struct_header(3, tag::DATE_TIME_ZONE_ID);
            self.write_int(dt.seconds);
        } else {
            let tz = zone::parse(&dt.tz_id)
                .ok_or_else(|| EncodeError::UnknownTimeZone(dt.tz_id.clone()))?;
            let local =
                zone::utc_to_local(tz, dt.seconds).ok_or(EncodeError::OutOfRange("DateTime"))?;
            self.write_struct_header(3, tag::DATE_TIME_ZONE_ID_LEGACY);
            self.write_int(local);
        }
        self.write_int(i64::from(dt.nanoseconds));
        self.write_str(&dt.tz_id)
    }

    fn write_vector(&mut self, v: &Vector) -> Result<(), EncodeError> {
        if !self.dialect.vector {
            return Err(EncodeError::NotInVersion("Vector"));
        }
        let (ty, data) = match v {
            Vector::I8(x) => (vector_type::I8, be_bytes(x, |e| e.to_be_bytes())),
            Vector::I16(x) => (vector_type::I16, be_bytes(x, |e| e.to_be_bytes())),
            Vector::I32(x) => (vector_type::I32, be_bytes(x, |e| e.to_be_bytes())),
            Vector::I64(x) => (vector_type::I64, be_bytes(x, |e| e.to_be_bytes())),
            Vector::F32(x) => (vector_type::F32, be_bytes(x, |e| e.to_bits().to_be_bytes())),
            Vector::F64(x) => (vector_type::F64, be_bytes(x, |e| e.to_bits().to_be_bytes())),
        };
        self.write_struct_header(2, tag::VECTOR);
        self.raw_bytes(&[ty])?;
        self.raw_bytes(&data)
    }
}

/// Concatenates the big-endian bytes of each element.
fn be_bytes<T: Copy, const N: usize>(items: &[T], f: impl Fn(T) -> [u8; N]) -> Vec<u8> {
    let mut out = Vec::with_capacity(items.len().saturating_mul(N));
    for &item in items {
        out.extend_from_slice(&f(item));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A map whose size is patched in at its end encodes as one whose header came first, for
    /// every header size (tiny, 8-, 16- and 32-bit counts).
    #[test]
    fn a_map_sized_at_its_end_matches_one_sized_first() {
        for len in [0usize, 1, 15, 16, 255, 256, 65_535, 65_536] {
            let mut first = vec![0x42];
            let mut e = Encoder::new(&mut first, Dialect::LATEST);
            e.write_map_header(len).unwrap();
            for i in 0..len {
                e.write_int(i as i64);
            }
            let mut last = vec![0x42];
            let mut e = Encoder::new(&mut last, Dialect::LATEST);
            let at = e.begin_map();
            for i in 0..len {
                e.write_int(i as i64);
            }
            e.end_map(at, len).unwrap();
            assert_eq!(first, last, "{len} entries");
        }
    }
}
