//! Decoding PackStream bytes to values, with bounds on size and depth.

use super::Dialect;
use crate::value::{Map, Value};

/// Why bytes could not be decoded.
#[derive(Debug, Clone, PartialEq)]
pub enum DecodeError {
    /// The input ended in the middle of a value.
    UnexpectedEnd,
    /// A reserved marker byte.
    ReservedMarker(u8),
    /// A string that is not UTF-8.
    InvalidUtf8,
    /// Nesting deeper than `DecodeOptions::max_depth`.
    TooDeep,
    /// A size header larger than the remaining input could hold.
    SizeTooLarge(u64),
    /// A map key that is not a string.
    NonStringKey,
    /// A known structure with wrong fields.
    InvalidStruct {
        /// The structure tag.
        tag: u8,
        /// What was wrong.
        reason: &'static str,
    },
    /// Something else was expected here (e.g. a structure header).
    Unexpected {
        /// What was expected.
        expected: &'static str,
        /// The marker found.
        marker: u8,
    },
}

/// Bounds and dialect for decoding.
#[derive(Debug, Clone, Copy)]
pub struct DecodeOptions {
    /// Structure forms of the negotiated version.
    pub dialect: Dialect,
    /// Maximum nesting depth of lists, maps and structures.
    pub max_depth: usize,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            dialect: Dialect::LATEST,
            max_depth: 128,
        }
    }
}

/// Reads values from a byte slice.
pub struct Decoder<'a> {
    buf: &'a [u8],
    pos: usize,
    opts: DecodeOptions,
}

impl<'a> Decoder<'a> {
    /// A decoder over `buf`.
    pub fn new(buf: &'a [u8], opts: DecodeOptions) -> Self {
        Decoder { buf, pos: 0, opts }
    }
    /// Reads one value, hydrating known structures (graph, temporal, spatial, vector).
    pub fn read_value(&mut self) -> Result<Value, DecodeError> {
        let _ = (self.buf, self.pos, self.opts);
        todo!()
    }
    /// Reads a structure header: (number of fields, tag).
    pub fn read_struct_header(&mut self) -> Result<(usize, u8), DecodeError> {
        todo!()
    }
    /// Reads a list header: the number of items.
    pub fn read_list_header(&mut self) -> Result<usize, DecodeError> {
        todo!()
    }
    /// Reads a map.
    pub fn read_map(&mut self) -> Result<Map, DecodeError> {
        todo!()
    }
    /// Whether all input was read.
    pub fn is_at_end(&self) -> bool {
        self.pos >= self.buf.len()
    }
    /// Bytes read so far.
    pub fn position(&self) -> usize {
        self.pos
    }
}

impl Decoder<'_> {
    /// Reads a list of values (record fields).
    pub fn read_list_of_values(&mut self) -> Result<Vec<Value>, DecodeError> {
        todo!()
    }
}

impl From<DecodeError> for crate::Error {
    fn from(e: DecodeError) -> Self {
        crate::Error::new(crate::ErrorKind::Protocol, format!("{e:?}"))
    }
}
