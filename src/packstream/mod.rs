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
}

impl Dialect {
    /// The newest dialect (Bolt 6.x).
    pub const LATEST: Dialect = Dialect {
        bytes: true,
        utc_datetime: true,
        vector: true,
    };
    /// Bolt 1.
    pub const V1: Dialect = Dialect {
        bytes: false,
        utc_datetime: false,
        vector: false,
    };
}
