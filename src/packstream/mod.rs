//! PackStream v1: the binary encoding of Bolt values. Bytes in, values out; no sockets.
//!
//! Overview:
//! - [`Dialect`] says which structure forms the negotiated Bolt version uses.
//! - [`Encoder`] appends values to a `Vec<u8>`.
//! - [`Decoder`] reads values from a byte slice, bounded by [`DecodeOptions`].

mod decode;
mod encode;
mod hydrate;
mod marker;
#[cfg(test)]
mod tests;
mod zone;

pub(crate) use decode::map_size;
pub use decode::{
    DecodeError, DecodeOptions, Decoder, DECODED_FLOOR, DECODED_PER_BYTE, DEFAULT_MAX_DECODED_SIZE,
};
pub use encode::{EncodeError, Encoder, MAX_ENCODE_DEPTH};

/// Which structure forms a connection uses, derived from the negotiated Bolt version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dialect {
    /// Bytes are allowed (Bolt 2+).
    pub bytes: bool,
    /// DateTime is sent in UTC form, tags `I`/`i` (Bolt 5.0+, or 4.3/4.4 with the `utc` patch);
    /// otherwise the legacy local-seconds form, tags `F`/`f`.
    pub utc_datetime: bool,
    /// Vector (tag `V`) may be sent (Bolt 6.0+).
    pub vector: bool,
    /// The STRUCT_8 (0xDC) and STRUCT_16 (0xDD) markers are structures (Bolt 1 and 2);
    /// otherwise they are reserved markers. Seed 002's marker table (Bolt 1) lists them. From
    /// Bolt 3 on, the PackStream that the Bolt specification refers to defines structures by
    /// the tiny marker 0xB0..0xBF alone (at most 15 fields, which every Bolt 3+ structure
    /// fits) and leaves 0xDC/0xDD out of its marker table, so they are reserved there, and
    /// encountering them "in a stream should treated as an error" (seed 002, Markers, sic).
    pub wide_structs: bool,
}

impl Dialect {
    /// The newest dialect (Bolt 6.x).
    pub const LATEST: Dialect = Dialect {
        bytes: true,
        utc_datetime: true,
        vector: true,
        wide_structs: false,
    };
    /// Bolt 1.
    pub const V1: Dialect = Dialect {
        bytes: false,
        utc_datetime: false,
        vector: false,
        wide_structs: true,
    };
}
