//! PackStream marker bytes and the structure tags this crate knows.

/// Null.
pub(crate) const NULL: u8 = 0xC0;
/// 64-bit float.
pub(crate) const FLOAT_64: u8 = 0xC1;
/// Boolean false.
pub(crate) const FALSE: u8 = 0xC2;
/// Boolean true.
pub(crate) const TRUE: u8 = 0xC3;
/// 8-bit signed integer.
pub(crate) const INT_8: u8 = 0xC8;
/// 16-bit signed integer.
pub(crate) const INT_16: u8 = 0xC9;
/// 32-bit signed integer.
pub(crate) const INT_32: u8 = 0xCA;
/// 64-bit signed integer.
pub(crate) const INT_64: u8 = 0xCB;
/// Bytes with an 8-bit size.
pub(crate) const BYTES_8: u8 = 0xCC;
/// Bytes with a 16-bit size.
pub(crate) const BYTES_16: u8 = 0xCD;
/// Bytes with a 32-bit size.
pub(crate) const BYTES_32: u8 = 0xCE;
/// Tiny string (size in the low nibble).
pub(crate) const TINY_STRING: u8 = 0x80;
/// String with an 8-bit size.
pub(crate) const STRING_8: u8 = 0xD0;
/// String with a 16-bit size.
pub(crate) const STRING_16: u8 = 0xD1;
/// String with a 32-bit size.
pub(crate) const STRING_32: u8 = 0xD2;
/// Tiny list (size in the low nibble).
pub(crate) const TINY_LIST: u8 = 0x90;
/// List with an 8-bit size.
pub(crate) const LIST_8: u8 = 0xD4;
/// List with a 16-bit size.
pub(crate) const LIST_16: u8 = 0xD5;
/// List with a 32-bit size.
pub(crate) const LIST_32: u8 = 0xD6;
/// Tiny map (size in the low nibble).
pub(crate) const TINY_MAP: u8 = 0xA0;
/// Map with an 8-bit size.
pub(crate) const MAP_8: u8 = 0xD8;
/// Map with a 16-bit size.
pub(crate) const MAP_16: u8 = 0xD9;
/// Map with a 32-bit size.
pub(crate) const MAP_32: u8 = 0xDA;
/// Tiny structure (field count in the low nibble).
pub(crate) const TINY_STRUCT: u8 = 0xB0;
/// Structure with an 8-bit field count: Bolt 1 and 2 only (see `Dialect::wide_structs`).
pub(crate) const STRUCT_8: u8 = 0xDC;
/// Structure with a 16-bit field count: Bolt 1 and 2 only (see `Dialect::wide_structs`).
pub(crate) const STRUCT_16: u8 = 0xDD;

/// Structure tags of the values Bolt defines.
pub(crate) mod tag {
    pub(crate) const NODE: u8 = b'N';
    pub(crate) const RELATIONSHIP: u8 = b'R';
    pub(crate) const UNBOUND_RELATIONSHIP: u8 = b'r';
    pub(crate) const PATH: u8 = b'P';
    pub(crate) const DATE: u8 = b'D';
    pub(crate) const TIME: u8 = b'T';
    pub(crate) const LOCAL_TIME: u8 = b't';
    pub(crate) const DATE_TIME: u8 = b'I';
    pub(crate) const DATE_TIME_LEGACY: u8 = b'F';
    pub(crate) const DATE_TIME_ZONE_ID: u8 = b'i';
    pub(crate) const DATE_TIME_ZONE_ID_LEGACY: u8 = b'f';
    pub(crate) const LOCAL_DATE_TIME: u8 = b'd';
    pub(crate) const DURATION: u8 = b'E';
    pub(crate) const POINT_2D: u8 = b'X';
    pub(crate) const POINT_3D: u8 = b'Y';
    pub(crate) const VECTOR: u8 = b'V';
    pub(crate) const UNSUPPORTED: u8 = b'?';
}

/// Element-type markers inside a Vector structure (the PackStream marker of the element type,
/// with 0xC6 standing for 32-bit floats).
pub(crate) mod vector_type {
    pub(crate) const I8: u8 = 0xC8;
    pub(crate) const I16: u8 = 0xC9;
    pub(crate) const I32: u8 = 0xCA;
    pub(crate) const I64: u8 = 0xCB;
    pub(crate) const F32: u8 = 0xC6;
    pub(crate) const F64: u8 = 0xC1;
}
