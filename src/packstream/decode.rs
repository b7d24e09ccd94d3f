//! Decoding PackStream bytes to values, with bounds on size and depth.
//!
//! File length: kept whole: the size, depth and memory bounds are checked in the same loop that decodes, one function per marker family; splitting it would scatter the bound checks.

use super::marker;
use super::Dialect;
use crate::value::{index_size, Map, Value};
use std::fmt;

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
    /// A key that appears twice in one map: "a violation of the bolt protocol" (seed 002).
    DuplicateKey(String),
    /// A known structure with wrong fields.
    InvalidStruct {
        /// The structure tag.
        tag: u8,
        /// What was wrong.
        reason: &'static str,
    },
    /// A zoned datetime whose zone id this driver does not know. The bytes around it are
    /// intact: only the value is lost.
    UnknownTimeZone(String),
    /// The values would take more than `DecodeOptions::max_decoded_size` bytes of memory.
    DecodedTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// Something else was expected here (e.g. a structure header).
    Unexpected {
        /// What was expected.
        expected: &'static str,
        /// The marker found.
        marker: u8,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::UnexpectedEnd => f.write_str("input ended in the middle of a value"),
            DecodeError::ReservedMarker(m) => write!(f, "reserved marker byte 0x{m:02X}"),
            DecodeError::InvalidUtf8 => f.write_str("string is not valid UTF-8"),
            DecodeError::TooDeep => f.write_str("values nested too deeply"),
            DecodeError::SizeTooLarge(n) => {
                write!(f, "size {n} is larger than the remaining input could hold")
            }
            DecodeError::NonStringKey => f.write_str("map key is not a string"),
            DecodeError::DuplicateKey(k) => write!(f, "map key {k:?} appears twice"),
            DecodeError::InvalidStruct { tag, reason } => {
                write!(
                    f,
                    "invalid structure 0x{tag:02X} ({:?}): {reason}",
                    char::from(*tag)
                )
            }
            DecodeError::UnknownTimeZone(id) => write!(f, "unknown time zone id {id:?}"),
            DecodeError::DecodedTooLarge { limit } => write!(
                f,
                "the message decodes to more than {limit} bytes of values (the limit is \
                 max_decoded_size, and at most {DECODED_PER_BYTE} times the message size)"
            ),
            DecodeError::Unexpected { expected, marker } => {
                write!(f, "expected {expected}, found marker 0x{marker:02X}")
            }
        }
    }
}

impl std::error::Error for DecodeError {}

impl From<DecodeError> for crate::Error {
    fn from(e: DecodeError) -> crate::Error {
        let message = match e {
            // Well-formed data, only too much of it once decoded.
            DecodeError::DecodedTooLarge { .. } => format!("server message refused: {e}"),
            _ => format!("invalid PackStream data: {e}"),
        };
        crate::Error::new(crate::ErrorKind::Protocol, message).with_source(e)
    }
}

/// The default of [`DecodeOptions::max_decoded_size`]: 256 MiB, four times the default
/// message size limit. A message of strings or bytes decodes to about its own size, but a
/// one-byte integer becomes a 40-byte [`Value`], so a maximal message of tiny values would
/// otherwise take 40 times its size.
pub const DEFAULT_MAX_DECODED_SIZE: usize = 256 << 20;

/// Bounds and dialect for decoding.
#[derive(Debug, Clone, Copy)]
pub struct DecodeOptions {
    /// Structure forms of the negotiated version.
    pub dialect: Dialect,
    /// Maximum nesting depth of lists, maps and structures.
    pub max_depth: usize,
    /// Most bytes of memory the values of one [`Decoder`] (one message) may take, charged
    /// while decoding: `size_of::<Value>()` per list item, a key and an entry per map entry,
    /// the bytes of each string and byte array, and what a path's relationships copy from
    /// their nodes. Beyond it decoding stops with [`DecodeError::DecodedTooLarge`].
    pub max_decoded_size: usize,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            dialect: Dialect::LATEST,
            max_depth: 128,
            max_decoded_size: DEFAULT_MAX_DECODED_SIZE,
        }
    }
}

/// What one list item costs against [`DecodeOptions::max_decoded_size`].
pub(crate) const VALUE_SIZE: usize = std::mem::size_of::<Value>();
/// What one map entry costs besides its key's bytes and its value (a key and a value slot).
const ENTRY_SIZE: usize = std::mem::size_of::<String>() + VALUE_SIZE;
/// What a non-empty map costs besides its entries and its hash index
/// ([`crate::value::index_size`]): a fixed allowance for its allocation, kept at the size of
/// the B-tree node maps took before they kept the server's order (11 entries and a header), so
/// the limits documented with [`DECODED_PER_BYTE`] stay as they were.
const MAP_BASE_SIZE: usize = 11 * ENTRY_SIZE + 16;

/// However large `max_decoded_size`, one message's values may take at most this many bytes per
/// byte of the message (plus [`DECODED_FLOOR`]): the most that well-formed data needs is about
/// 275 (a list of one-entry maps such as `{"": 1}`: 3 bytes on the wire, a value slot and a
/// map's whole allowance in memory), strings and byte arrays about 1.
pub const DECODED_PER_BYTE: usize = 320;
/// The budget a message has whatever its size (below `max_decoded_size`).
pub const DECODED_FLOOR: usize = 64 << 10;

/// The memory the values decoded so far may still take (see
/// [`DecodeOptions::max_decoded_size`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    left: usize,
    limit: usize,
}

impl Budget {
    /// The budget of an `input_len`-byte message under `max_decoded_size`.
    fn new(max_decoded_size: usize, input_len: usize) -> Budget {
        let relative = input_len
            .saturating_mul(DECODED_PER_BYTE)
            .saturating_add(DECODED_FLOOR);
        let limit = max_decoded_size.min(relative);
        Budget { left: limit, limit }
    }

    /// Takes `n` bytes from the budget, or fails with `DecodedTooLarge`.
    #[inline]
    pub(crate) fn charge(&mut self, n: usize) -> Result<(), DecodeError> {
        match self.left.checked_sub(n) {
            Some(left) => {
                self.left = left;
                Ok(())
            }
            None => Err(DecodeError::DecodedTooLarge { limit: self.limit }),
        }
    }

    /// Takes `count` times `size` bytes.
    #[inline]
    pub(crate) fn charge_n(&mut self, count: usize, size: usize) -> Result<(), DecodeError> {
        self.charge(count.saturating_mul(size))
    }
}

/// What `v`'s contents cost against [`DecodeOptions::max_decoded_size`] when copied (its own
/// slot excluded): the same charges as decoding it, for hydration that copies values.
pub(crate) fn decoded_size(v: &Value) -> usize {
    match v {
        Value::String(s) => s.len(),
        Value::Bytes(b) => b.len(),
        Value::List(l) => l
            .iter()
            .fold(0, |n, x| n.saturating_add(VALUE_SIZE + decoded_size(x))),
        Value::Map(m) => map_size(m),
        Value::Node(n) => std::mem::size_of::<crate::value::Node>()
            .saturating_add(n.element_id.len())
            .saturating_add(n.labels.iter().map(|l| l.len() + ENTRY_SIZE).sum())
            .saturating_add(map_size(&n.properties)),
        Value::Struct(st) => st
            .fields
            .iter()
            .fold(0, |n, x| n.saturating_add(VALUE_SIZE + decoded_size(x))),
        // Anything else is small and fixed, or shares what it holds (paths).
        _ => 64,
    }
}

/// [`decoded_size`] of a map's entries.
pub(crate) fn map_size(m: &Map) -> usize {
    let node = if m.is_empty() {
        0
    } else {
        MAP_BASE_SIZE.saturating_add(index_size(m.len()))
    };
    m.iter().fold(node, |n, (k, v)| {
        n.saturating_add(k.len() + ENTRY_SIZE)
            .saturating_add(decoded_size(v))
    })
}

/// Reads values from a byte slice.
///
/// Every read checks bounds: malformed input yields a [`DecodeError`], never a panic.
pub struct Decoder<'a> {
    buf: &'a [u8],
    pos: usize,
    opts: DecodeOptions,
    budget: Budget,
}

impl<'a> Decoder<'a> {
    /// A decoder over `buf`, whose values together may take at most
    /// `opts.max_decoded_size` bytes, and at most [`DECODED_PER_BYTE`] per byte of `buf`
    /// (plus [`DECODED_FLOOR`]).
    pub fn new(buf: &'a [u8], opts: DecodeOptions) -> Self {
        Decoder {
            buf,
            pos: 0,
            opts,
            budget: Budget::new(opts.max_decoded_size, buf.len()),
        }
    }

    /// Reads one value, hydrating known structures (graph, temporal, spatial, vector).
    ///
    /// # Errors
    /// Any [`DecodeError`] when the bytes are not a well-formed value.
    pub fn read_value(&mut self) -> Result<Value, DecodeError> {
        self.value(0)
    }

    /// Reads a list header and then its items: the body of a RECORD message.
    ///
    /// # Errors
    /// Any [`DecodeError`]; `Unexpected` when the next value is not a list.
    pub fn read_list_of_values(&mut self) -> Result<Vec<Value>, DecodeError> {
        let len = self.read_list_header()?;
        self.items_charged(len, 1)
    }

    /// Reads one item of a list whose header was read (nested one level deep).
    ///
    /// # Errors
    /// Any [`DecodeError`] when the bytes are not a well-formed value.
    #[inline]
    pub fn read_item(&mut self) -> Result<Value, DecodeError> {
        self.value(1)
    }

    /// Reads the `len` items of a list whose header was read (nested one level deep; the
    /// header paid for the items' slots).
    ///
    /// # Errors
    /// Any [`DecodeError`] when the bytes are not well-formed values.
    pub fn read_items(&mut self, len: usize) -> Result<Vec<Value>, DecodeError> {
        self.items_charged(len, 1)
    }

    /// [`Decoder::read_items`] into `items`, reusing the memory of the values it holds as
    /// [`Decoder::refill_item`] does (a record's values decoded into those of a dropped one),
    /// with the checks and errors of [`Decoder::read_items`].
    ///
    /// # Errors
    /// Any [`DecodeError`] when the bytes are not well-formed values; `items` then holds some
    /// values, not necessarily meaningful ones.
    #[inline]
    pub fn refill_items(&mut self, items: &mut Vec<Value>, len: usize) -> Result<(), DecodeError> {
        self.check_items(len, 1)?;
        self.refill_slots(items, len, 1)
    }

    /// Refills `items`, made `len` long, with the next `len` values, nested `depth` containers
    /// deep (each as [`Decoder::refill_item`]); the caller made the checks of their header.
    #[inline(always)]
    fn refill_slots(
        &mut self,
        items: &mut Vec<Value>,
        len: usize,
        depth: usize,
    ) -> Result<(), DecodeError> {
        if items.len() != len {
            items.resize_with(len, || Value::Null);
        }
        for slot in items {
            self.refill_value(slot, depth)?;
        }
        Ok(())
    }

    /// Reads a structure header: (number of fields, tag).
    ///
    /// # Errors
    /// `Unexpected` when the next value is not a structure; `UnexpectedEnd` on short input.
    pub fn read_struct_header(&mut self) -> Result<(usize, u8), DecodeError> {
        let m = self.u8()?;
        if m & 0xF0 != marker::TINY_STRUCT {
            return Err(DecodeError::Unexpected {
                expected: "a structure",
                marker: m,
            });
        }
        let fields = usize::from(m & 0x0F);
        let tag = self.u8()?;
        self.check_items(fields, 1)?;
        Ok((fields, tag))
    }

    /// Reads a list header: the number of items, whose slots it charges to the budget (the
    /// caller is about to hold that many values).
    ///
    /// # Errors
    /// `Unexpected` when the next value is not a list; `SizeTooLarge` when the input cannot
    /// hold that many items; `DecodedTooLarge` when their slots exceed the budget.
    #[inline]
    pub fn read_list_header(&mut self) -> Result<usize, DecodeError> {
        let m = self.u8()?;
        // A tiny list (up to 15 items, a row of up to 15 columns) without the general match.
        let len = if m & 0xF0 == 0x90 {
            usize::from(m & 0x0F)
        } else {
            self.list_len(m)?.ok_or(DecodeError::Unexpected {
                expected: "a list",
                marker: m,
            })?
        };
        self.check_items(len, 1)?;
        self.budget.charge_n(len, VALUE_SIZE)?;
        Ok(len)
    }

    /// Reads a map.
    ///
    /// # Errors
    /// `Unexpected` when the next value is not a map, and any error of its entries.
    pub fn read_map(&mut self) -> Result<Map, DecodeError> {
        let len = self.map_header()?;
        self.map_entries(len, 1)
    }

    /// Reads a map into `map`, as [`Decoder::read_map`] does, but reusing what `map` holds
    /// when the map read has the same keys in the same order (its keys, strings and lists
    /// refilled in place): a server's replies of one kind keep their shape, so decoding each
    /// into the map of the one before allocates nothing.
    ///
    /// # Errors
    /// As [`Decoder::read_map`]; `map` then holds some map, not necessarily a meaningful one.
    pub fn read_map_into(&mut self, map: &mut Map) -> Result<(), DecodeError> {
        let len = self.map_header()?;
        self.map_into(map, len, 1)
    }

    /// Reads the header of a map that [`Decoder::read_map`] or [`Decoder::read_map_into`]
    /// reads: its number of entries, or `Unexpected` when the next value is not a map.
    fn map_header(&mut self) -> Result<usize, DecodeError> {
        let m = self.u8()?;
        self.map_len(m)?.ok_or(DecodeError::Unexpected {
            expected: "a map",
            marker: m,
        })
    }

    /// Moves past `prefix` when the input goes on with it, and says so; reads nothing
    /// otherwise.
    #[inline]
    pub fn skip_prefix(&mut self, prefix: &[u8]) -> bool {
        let found = self
            .buf
            .get(self.pos..)
            .is_some_and(|rest| rest.starts_with(prefix));
        if found {
            self.pos += prefix.len();
        }
        found
    }

    /// Whether all input was read.
    pub fn is_at_end(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// What the values read so far were charged against [`DecodeOptions::max_decoded_size`]
    /// (about the memory they hold: their slots, string bytes, a fixed allowance per map).
    pub fn charged(&self) -> usize {
        self.budget.limit - self.budget.left
    }

    /// Bytes read so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Reads one value nested `depth` containers deep.
    ///
    /// The common scalars (ints of every size, floats, booleans, null) are read by
    /// [`Decoder::scalar`], inline in the callers' loops; everything else goes through
    /// [`Decoder::value_slow`].
    #[inline(always)]
    pub(crate) fn value(&mut self, depth: usize) -> Result<Value, DecodeError> {
        match self.scalar() {
            Some(v) => Ok(v),
            None => self.value_slow(depth),
        }
    }

    /// The value at the current position if it is one of the common scalars (an int of any
    /// size, a float, a boolean, null), read past; `None`, with nothing read, for any other
    /// value and for a scalar cut short, which [`Decoder::value_slow`] then reads or refuses.
    ///
    /// Kept small and branchy on purpose: it is inlined into every loop that decodes values.
    #[inline(always)]
    pub(crate) fn scalar(&mut self) -> Option<Value> {
        match self.int() {
            Some(i) => Some(Value::Int(i)),
            None => self.other_scalar(),
        }
    }

    /// [`Decoder::scalar`] for what is not an integer (null, a boolean, a float).
    #[inline(always)]
    fn other_scalar(&mut self) -> Option<Value> {
        let m = *self.buf.get(self.pos)?;
        let v = match m {
            marker::NULL => Value::Null,
            marker::FALSE => Value::Bool(false),
            marker::TRUE => Value::Bool(true),
            marker::FLOAT_64 => {
                Value::Float(f64::from_bits(u64::from_be_bytes(self.after_marker()?)))
            }
            _ => return None,
        };
        // The marker, and the bytes `after_marker` read (it moved past them).
        self.pos += 1;
        Some(v)
    }

    /// The integer (of any size) at the current position, read past; `None`, with nothing
    /// read, for any other value and for an integer cut short. Apart from the other scalars,
    /// so that its arms meet in one `i64` rather than in a whole [`Value`] built from the
    /// pieces of each variant.
    #[inline(always)]
    pub(crate) fn int(&mut self) -> Option<i64> {
        let m = *self.buf.get(self.pos)?;
        let i = match m {
            0x00..=0x7F => i64::from(m),
            0xF0..=0xFF => i64::from(i8::from_be_bytes([m])),
            marker::INT_8 => i64::from(i8::from_be_bytes(self.after_marker()?)),
            marker::INT_16 => i64::from(i16::from_be_bytes(self.after_marker()?)),
            marker::INT_32 => i64::from(i32::from_be_bytes(self.after_marker()?)),
            marker::INT_64 => i64::from_be_bytes(self.after_marker()?),
            _ => return None,
        };
        self.pos += 1;
        Some(i)
    }

    /// The `N` bytes after the marker at the current position, moving past them (not past the
    /// marker); `None` when the input ends first.
    #[inline(always)]
    fn after_marker<const N: usize>(&mut self) -> Option<[u8; N]> {
        let bytes = *self.buf.get(self.pos + 1..)?.first_chunk::<N>()?;
        self.pos += N;
        Some(bytes)
    }

    /// Reads one value nested `depth` containers deep, whatever its marker.
    #[inline(never)]
    fn value_slow(&mut self, depth: usize) -> Result<Value, DecodeError> {
        let m = self.u8()?;
        Ok(match m {
            // The common scalars: `scalar` reads them (whole; cut short, they end the input).
            0x00..=0x7F
            | 0xF0..=0xFF
            | marker::NULL
            | marker::FALSE
            | marker::TRUE
            | marker::INT_8
            | marker::INT_16
            | marker::INT_32
            | marker::INT_64
            | marker::FLOAT_64 => {
                self.pos -= 1;
                return self.scalar().ok_or(DecodeError::UnexpectedEnd);
            }
            0x80..=0x8F => Value::String(self.string(usize::from(m & 0x0F))?),
            0x90..=0x9F => self.list(usize::from(m & 0x0F), depth)?,
            0xA0..=0xAF => Value::Map(self.map(usize::from(m & 0x0F), depth)?),
            0xB0..=0xBF => self.structure(usize::from(m & 0x0F), depth)?,
            marker::BYTES_8 => {
                let n = usize::from(self.u8()?);
                Value::Bytes(self.bytes(n)?)
            }
            marker::BYTES_16 => {
                let n = usize::from(self.u16()?);
                Value::Bytes(self.bytes(n)?)
            }
            marker::BYTES_32 => {
                let n = self.u32_size()?;
                Value::Bytes(self.bytes(n)?)
            }
            marker::STRING_8 => {
                let n = usize::from(self.u8()?);
                Value::String(self.string(n)?)
            }
            marker::STRING_16 => {
                let n = usize::from(self.u16()?);
                Value::String(self.string(n)?)
            }
            marker::STRING_32 => {
                let n = self.u32_size()?;
                Value::String(self.string(n)?)
            }
            marker::LIST_8 => {
                let n = usize::from(self.u8()?);
                self.list(n, depth)?
            }
            marker::LIST_16 => {
                let n = usize::from(self.u16()?);
                self.list(n, depth)?
            }
            marker::LIST_32 => {
                let n = self.u32_size()?;
                self.list(n, depth)?
            }
            marker::MAP_8 => {
                let n = usize::from(self.u8()?);
                Value::Map(self.map(n, depth)?)
            }
            marker::MAP_16 => {
                let n = usize::from(self.u16()?);
                Value::Map(self.map(n, depth)?)
            }
            marker::MAP_32 => {
                let n = self.u32_size()?;
                Value::Map(self.map(n, depth)?)
            }
            // Bolt 1 and 2 only; reserved from Bolt 3 on (see `Dialect::wide_structs`).
            marker::STRUCT_8 if self.opts.dialect.wide_structs => {
                let n = usize::from(self.u8()?);
                self.structure(n, depth)?
            }
            marker::STRUCT_16 if self.opts.dialect.wide_structs => {
                let n = usize::from(self.u16()?);
                self.structure(n, depth)?
            }
            _ => return Err(DecodeError::ReservedMarker(m)),
        })
    }

    /// Reads `len` items of a list, each nested at `depth`.
    pub(crate) fn items(&mut self, len: usize, depth: usize) -> Result<Vec<Value>, DecodeError> {
        self.check_items(len, 1)?;
        self.budget.charge_n(len, VALUE_SIZE)?;
        self.items_charged(len, depth)
    }

    /// [`Decoder::items`] whose slots were already charged to the budget.
    fn items_charged(&mut self, len: usize, depth: usize) -> Result<Vec<Value>, DecodeError> {
        self.check_items(len, 1)?;
        let mut items = Vec::with_capacity(len);
        // Decoded into place: pushing each item copied it through the stack several times.
        items.resize_with(len, || Value::Null);
        for slot in &mut items {
            if let Some(i) = self.int() {
                put(slot, Value::Int(i));
                continue;
            }
            match self.other_scalar() {
                Some(v) => put(slot, v),
                None => put(slot, self.value_slow(depth)?),
            }
        }
        Ok(items)
    }

    /// Reads into `slot` one item of a list whose header was read, reusing the memory `slot`
    /// owns when it holds a value of the same shape: a string's buffer, a list's items, a
    /// map's entries when its keys come again in the same order. Decoding a stream's rows into the slots
    /// of the previous block this way allocates nothing once the rows keep their shape.
    ///
    /// # Errors
    /// Any [`DecodeError`]; `slot` then holds some value, not necessarily a meaningful one.
    #[inline(always)]
    pub fn refill_item(&mut self, slot: &mut Value) -> Result<(), DecodeError> {
        self.refill_value(slot, 1)
    }

    /// [`Decoder::refill_item`] for a value nested `depth` containers deep: a common scalar
    /// inline, anything else in [`Decoder::refill_other`].
    #[inline(always)]
    fn refill_value(&mut self, slot: &mut Value, depth: usize) -> Result<(), DecodeError> {
        if let Some(i) = self.int() {
            put(slot, Value::Int(i));
            return Ok(());
        }
        match self.other_scalar() {
            Some(v) => {
                put(slot, v);
                Ok(())
            }
            None => self.refill_other(slot, depth),
        }
    }

    /// [`Decoder::refill_value`] for what is not a common scalar.
    #[inline(never)]
    fn refill_other(&mut self, slot: &mut Value, depth: usize) -> Result<(), DecodeError> {
        let m = *self.buf.get(self.pos).ok_or(DecodeError::UnexpectedEnd)?;
        match (m, &mut *slot) {
            (
                0x80..=0x8F | marker::STRING_8 | marker::STRING_16 | marker::STRING_32,
                Value::String(s),
            ) => {
                self.pos += 1;
                let n = self.string_len(m)?;
                self.refill_string(s, n)
            }
            (
                0x90..=0x9F | marker::LIST_8 | marker::LIST_16 | marker::LIST_32,
                Value::List(items),
            ) => {
                // The checks in the order of a fresh decode, for the same errors.
                self.pos += 1;
                let len = self.list_len(m)?.unwrap_or(0);
                self.enter(depth)?;
                self.check_items(len, 1)?;
                self.budget.charge_n(len, VALUE_SIZE)?;
                self.refill_slots(items, len, depth + 1)
            }
            (0xA0..=0xAF | marker::MAP_8 | marker::MAP_16 | marker::MAP_32, Value::Map(map)) => {
                self.pos += 1;
                let len = self.map_len(m)?.unwrap_or(0);
                self.enter(depth)?;
                self.map_into(map, len, depth + 1)
            }
            _ => {
                *slot = self.value_slow(depth)?;
                Ok(())
            }
        }
    }

    /// Reads `len` entries (after a map's header) into `map`, their values nested at `depth`:
    /// refilled in place when they come with `map`'s keys in `map`'s order, decoded afresh
    /// otherwise, with the checks and errors of a fresh decode either way.
    #[inline(always)]
    fn map_into(&mut self, map: &mut Map, len: usize, depth: usize) -> Result<(), DecodeError> {
        self.check_items(len, 2)?;
        let (start, budget) = (self.pos, self.budget);
        self.charge_map(len)?;
        if !self.refill_map(map, len, depth)? {
            // Other keys: decode afresh.
            self.pos = start;
            self.budget = budget;
            *map = self.map_entries(len, depth)?;
        }
        Ok(())
    }

    /// Refills `s` with the next `n` bytes, a string (see [`refill_utf8`]).
    #[inline(never)]
    fn refill_string(&mut self, s: &mut String, n: usize) -> Result<(), DecodeError> {
        refill_utf8(s, self.take(n)?)?;
        self.budget.charge(n)
    }

    /// Refills the values of `map` from `len` entries when they have `map`'s keys in `map`'s
    /// order (so the order kept is the one sent, and the keys stay unique). `Ok(false)` as
    /// soon as they do not, with the decoder somewhere inside the entries.
    #[inline(always)]
    fn refill_map(&mut self, map: &mut Map, len: usize, depth: usize) -> Result<bool, DecodeError> {
        if len != map.len() {
            return Ok(false);
        }
        for (k, value) in map.iter_mut() {
            // Compared as bytes: equal to a `String`'s, they are UTF-8 (and a key that is not
            // fails in the fresh decode that follows a mismatch).
            let key = self.key_bytes()?;
            self.budget.charge(key.len() + ENTRY_SIZE)?;
            if key != k.as_bytes() {
                return Ok(false);
            }
            self.refill_value(value, depth)?;
        }
        Ok(true)
    }

    /// The length of a string whose marker `m` (a string marker) was read.
    #[inline]
    fn string_len(&mut self, m: u8) -> Result<usize, DecodeError> {
        Ok(match m {
            marker::STRING_8 => usize::from(self.u8()?),
            marker::STRING_16 => usize::from(self.u16()?),
            marker::STRING_32 => self.u32_size()?,
            _ => usize::from(m & 0x0F),
        })
    }

    fn list(&mut self, len: usize, depth: usize) -> Result<Value, DecodeError> {
        self.enter(depth)?;
        Ok(Value::List(self.items(len, depth + 1)?))
    }

    fn map(&mut self, len: usize, depth: usize) -> Result<Map, DecodeError> {
        self.enter(depth)?;
        self.map_entries(len, depth + 1)
    }

    fn structure(&mut self, fields: usize, depth: usize) -> Result<Value, DecodeError> {
        self.enter(depth)?;
        let tag = self.u8()?;
        let fields = self.items(fields, depth + 1)?;
        super::hydrate::hydrate(tag, fields, &mut self.budget)
    }

    /// The size of a list after marker `m`, or `None` if `m` is not a list marker.
    fn list_len(&mut self, m: u8) -> Result<Option<usize>, DecodeError> {
        let len = match m {
            0x90..=0x9F => usize::from(m & 0x0F),
            marker::LIST_8 => usize::from(self.u8()?),
            marker::LIST_16 => usize::from(self.u16()?),
            marker::LIST_32 => self.u32_size()?,
            _ => return Ok(None),
        };
        Ok(Some(len))
    }

    /// The size of a map after marker `m`, or `None` if `m` is not a map marker.
    #[inline]
    fn map_len(&mut self, m: u8) -> Result<Option<usize>, DecodeError> {
        let len = match m {
            0xA0..=0xAF => usize::from(m & 0x0F),
            marker::MAP_8 => usize::from(self.u8()?),
            marker::MAP_16 => usize::from(self.u16()?),
            marker::MAP_32 => self.u32_size()?,
            _ => return Ok(None),
        };
        Ok(Some(len))
    }

    /// Reads `len` key/value pairs, the values nested at `depth`, keeping the order sent.
    fn map_entries(&mut self, len: usize, depth: usize) -> Result<Map, DecodeError> {
        // Each entry needs at least a one-byte key and a one-byte value.
        self.check_items(len, 2)?;
        self.charge_map(len)?;
        let mut map = Map::with_capacity(len);
        for _ in 0..len {
            let key = self.key_str()?;
            self.budget.charge(key.len() + ENTRY_SIZE)?;
            // Seed 002, Maps: "if duplicate keys are sent, this is a violation of the bolt
            // protocol and an error will occur".
            let vacant = map
                .lookup(key)
                .err()
                .ok_or_else(|| DecodeError::DuplicateKey(key.to_owned()))?;
            let key = key.to_owned();
            let value = self.value(depth)?;
            map.push_vacant(vacant, key, value);
        }
        Ok(map)
    }

    /// A map key, borrowed from the input.
    fn key_str(&mut self) -> Result<&'a str, DecodeError> {
        std::str::from_utf8(self.key_bytes()?).map_err(|_| DecodeError::InvalidUtf8)
    }

    /// The bytes of a map key (not checked to be UTF-8), borrowed from the input.
    #[inline]
    fn key_bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let m = self.u8()?;
        match m {
            0x80..=0x8F | marker::STRING_8 | marker::STRING_16 | marker::STRING_32 => {
                let n = self.string_len(m)?;
                self.take(n)
            }
            _ => Err(DecodeError::NonStringKey),
        }
    }

    /// Charges what a map of `len` entries takes besides its entries (none for an empty map).
    #[inline]
    fn charge_map(&mut self, len: usize) -> Result<(), DecodeError> {
        if len == 0 {
            Ok(())
        } else {
            self.budget
                .charge(MAP_BASE_SIZE.saturating_add(index_size(len)))
        }
    }

    /// Fails with `TooDeep` when a container at `depth` would exceed the limit.
    #[inline]
    fn enter(&self, depth: usize) -> Result<(), DecodeError> {
        if depth >= self.opts.max_depth {
            Err(DecodeError::TooDeep)
        } else {
            Ok(())
        }
    }

    #[inline]
    fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// Fails with `SizeTooLarge` unless `len` items of at least `min_size` bytes can fit.
    #[inline]
    fn check_items(&self, len: usize, min_size: usize) -> Result<(), DecodeError> {
        match len.checked_mul(min_size) {
            Some(need) if need <= self.remaining() => Ok(()),
            _ => Err(DecodeError::SizeTooLarge(len as u64)),
        }
    }

    /// The next `n` bytes.
    #[inline]
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.remaining() {
            return Err(DecodeError::SizeTooLarge(n as u64));
        }
        let start = self.pos;
        self.pos = start + n;
        self.buf
            .get(start..self.pos)
            .ok_or(DecodeError::UnexpectedEnd)
    }

    #[inline]
    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let end = self.pos.checked_add(N).ok_or(DecodeError::UnexpectedEnd)?;
        let bytes = self
            .buf
            .get(self.pos..end)
            .ok_or(DecodeError::UnexpectedEnd)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        self.pos = end;
        Ok(out)
    }

    #[inline]
    fn u8(&mut self) -> Result<u8, DecodeError> {
        let b = *self.buf.get(self.pos).ok_or(DecodeError::UnexpectedEnd)?;
        self.pos += 1;
        Ok(b)
    }

    #[inline]
    fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    /// A 32-bit size, as `usize` (saturating on 16-bit targets, where it cannot fit anyway).
    #[inline]
    fn u32_size(&mut self) -> Result<usize, DecodeError> {
        let n = u32::from_be_bytes(self.array()?);
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    /// The next `n` bytes as an owned string, charged to the budget.
    #[inline]
    fn string(&mut self, n: usize) -> Result<String, DecodeError> {
        let s = self.str(n)?;
        self.budget.charge(n)?;
        Ok(s.to_owned())
    }

    /// The next `n` bytes, owned, charged to the budget.
    fn bytes(&mut self, n: usize) -> Result<Vec<u8>, DecodeError> {
        let b = self.take(n)?;
        self.budget.charge(n)?;
        Ok(b.to_vec())
    }

    /// The next `n` bytes as a string.
    #[inline]
    fn str(&mut self, n: usize) -> Result<&'a str, DecodeError> {
        std::str::from_utf8(self.take(n)?).map_err(|_| DecodeError::InvalidUtf8)
    }
}

/// Makes `s` hold `bytes`, in the memory it has, if they are UTF-8; fails with `InvalidUtf8`
/// if they are not (`s` then holds some prefix of them).
///
/// Only the bytes after the prefix `s` already holds are checked and copied: that prefix,
/// cut back to a character boundary of `s`, is whole characters, so `bytes` are UTF-8 exactly
/// when the rest is. A short ASCII rest is pushed byte by byte, cheaper than `from_utf8`
/// (which walks a short string byte by byte through its multi-byte cases) and a call to copy.
#[inline(always)]
fn refill_utf8(s: &mut String, bytes: &[u8]) -> Result<(), DecodeError> {
    let mut same = common_prefix(s.as_bytes(), bytes);
    while !s.is_char_boundary(same) {
        same -= 1;
    }
    let rest = bytes.get(same..).unwrap_or_default();
    s.truncate(same);
    if rest.len() > SHORT_STRING {
        s.push_str(std::str::from_utf8(rest).map_err(|_| DecodeError::InvalidUtf8)?);
        return Ok(());
    }
    for (i, &b) in rest.iter().enumerate() {
        if b.is_ascii() {
            s.push(char::from(b));
        } else {
            // ASCII up to here (whole characters): what follows must be UTF-8 on its own.
            let tail = rest.get(i..).unwrap_or_default();
            s.push_str(std::str::from_utf8(tail).map_err(|_| DecodeError::InvalidUtf8)?);
            break;
        }
    }
    Ok(())
}

/// Up to this many bytes, [`refill_utf8`] pushes ASCII one byte at a time; a longer rest goes
/// to `from_utf8`, which checks aligned words at a time, and one copy.
const SHORT_STRING: usize = 16;

/// How many bytes `a` and `b` have in common at their start: eight at a time, then one.
#[inline]
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let mut n = 0;
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        let x = u64::from_le_bytes(x.try_into().unwrap_or_default());
        let y = u64::from_le_bytes(y.try_into().unwrap_or_default());
        if x != y {
            // Little-endian: the first differing byte holds the lowest set bit.
            return n + (x ^ y).trailing_zeros() as usize / 8;
        }
        n += 8;
    }
    let (a, b) = (
        a.get(n..).unwrap_or_default(),
        b.get(n..).unwrap_or_default(),
    );
    n + a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// Stores `v` in `slot`. When `slot` holds a value that owns nothing (the common case when
/// rows of the same shape are decoded into the slots of earlier ones), it is overwritten
/// without going through the drop glue of [`Value`], which is out of line.
#[inline(always)]
fn put(slot: &mut Value, v: Value) {
    if matches!(
        slot,
        Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_)
    ) {
        // Forgetting a value that owns no memory leaks nothing.
        std::mem::forget(std::mem::replace(slot, v));
    } else {
        *slot = v;
    }
}
