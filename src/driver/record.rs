//! Records: one row of a result, with access by index and by key.
//!
//! File length: over 600 lines only with its unit tests (the code is about 450).

use crate::convert::FromValue;
use crate::error::{Error, ErrorKind, Result};
use crate::packstream::{DecodeError, Decoder};
use crate::value::{Keys, Value};
use std::cell::RefCell;
use std::fmt;
use std::mem::ManuallyDrop;

/// One row of a result.
#[derive(Clone)]
pub struct Record {
    keys: Keys,
    /// Dropped by `Record`'s `Drop`, which skips the out-of-line drop glue when there is
    /// nothing to free.
    values: ManuallyDrop<Values>,
}

impl Drop for Record {
    #[inline]
    fn drop(&mut self) {
        if !self.values.owns_nothing() {
            self.values.drop_values();
        }
    }
}

thread_local! {
    /// The values of records dropped on this thread, which [`Record::decode`] decodes the next
    /// records into (see [`Values::drop_values`]): a loop that reads each record and drops it (the
    /// common use of an iterator over a result) then allocates nothing per record once the rows
    /// keep their shape, as [`Rows`](crate::Rows) blocks do. At most [`MAX_SPARES`] of them, of
    /// records whose decoding was charged at most [`MAX_SPARE_SIZE`] bytes.
    static SPARES: RefCell<Spares> = const {
        RefCell::new(Spares {
            rows: Vec::new(),
            ones: Vec::new(),
        })
    };
}

/// A thread's spare values, by the shape of the records they came from, so that a record takes
/// one of its own shape or none (one list of both made a single-column record drop the value
/// list of a wide one, and the other way round). The lists hold plain `Vec`s and values rather
/// than [`Values`], which are taken out of a dropped record and put into a decoded one in place
/// (see [`Values::drop_values`] and [`Values::decode_to`]).
struct Spares {
    /// The value lists of dropped records of several columns ([`Values::Spare`]).
    rows: Vec<Vec<Value>>,
    /// The single strings of dropped one-column records.
    ones: Vec<Value>,
}

/// The most spare values a thread keeps: more than a batch of wide records decoded ahead (24;
/// see `Session::take_buffered_records`). Of a batch of single-column records (128), the first
/// 32 reuse spares.
const MAX_SPARES: usize = 32;

/// The most a record's decoding may have been charged ([`Decoder::charged`]: its value slots,
/// string bytes, a fixed allowance of about 700 bytes per map) for its values to be kept as
/// spares ([`Values::Spare`]), and the most bytes a single string column may hold. What the
/// values hold is at most about this much, or twice it for a string or list refilled with more
/// than it had room for (its buffer grew); a record decoded with more is dropped, not kept.
/// So a thread keeps at most about 128 KiB, and a few kilobytes for rows of a few columns.
const MAX_SPARE_SIZE: usize = 2 << 10;

/// Takes a spare from the list `list` picks, if this thread has one.
#[inline(always)]
fn take_spare<T>(list: impl FnOnce(&mut Spares) -> &mut Vec<T>) -> Option<T> {
    SPARES
        .try_with(|s| list(&mut *s.try_borrow_mut().ok()?).pop())
        .ok()
        .flatten()
}

/// Keeps `spare` in the list `list` picks, unless this thread holds [`MAX_SPARES`] already (or
/// its spares are borrowed, or it is being torn down): then `spare` is dropped.
#[inline(always)]
fn keep_spare<T>(list: impl FnOnce(&mut Spares) -> &mut Vec<T>, spare: T) {
    // The closure owns the spare: when it does not run, the spare is dropped with it.
    let _ = SPARES.try_with(move |s| {
        if let Ok(mut s) = s.try_borrow_mut() {
            if s.rows.len() + s.ones.len() < MAX_SPARES {
                let list = list(&mut s);
                if list.capacity() == 0 {
                    list.reserve_exact(MAX_SPARES);
                }
                list.push(spare);
            }
        }
    });
}

/// A record's values. A single column (the common shape of a streamed result) is kept inline,
/// so such records need no allocation; wider rows use a `Vec`.
#[derive(Clone)]
enum Values {
    One(Value),
    Many(Vec<Value>),
    /// Many values of a decoded record small enough ([`MAX_SPARE_SIZE`]) to be kept as spares
    /// when the record is dropped (a variant rather than a flag: the record stays as small).
    Spare(Vec<Value>),
}

impl Values {
    #[inline]
    fn as_slice(&self) -> &[Value] {
        match self {
            Values::One(v) => std::slice::from_ref(v),
            Values::Many(v) | Values::Spare(v) => v,
        }
    }

    /// Whether dropping it frees nothing: a single scalar, the common single-column row.
    #[inline]
    fn owns_nothing(&self) -> bool {
        matches!(
            self,
            Values::One(Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_))
        )
    }

    /// No values, owning nothing: a record's values before they are decoded into it in place,
    /// and after they are taken.
    #[inline(always)]
    fn none() -> Values {
        Values::Many(Vec::new())
    }

    /// Takes the values, leaving none (and no allocation).
    #[inline]
    fn take(&mut self) -> Values {
        std::mem::replace(self, Values::none())
    }

    /// Drops the values, or keeps them for [`Record::decode`] to decode the next record into
    /// when they are small ([`Values::Spare`], or a single string column of at most
    /// [`MAX_SPARE_SIZE`] bytes) and this thread has room for them. Out of line, so that
    /// dropping a record that owns nothing stays a compare.
    #[inline(never)]
    fn drop_values(&mut self) {
        // What is kept is taken out of its place, leaving an empty list or string that owns
        // nothing; anything else is dropped, leaving an empty `Many`. (Taking the whole
        // `Values` first copied it to the stack and read the list back from the middle of two
        // stores: a stall on every record.)
        match self {
            Values::Spare(items) => keep_spare(|s| &mut s.rows, std::mem::take(items)),
            Values::One(Value::String(text)) if text.capacity() <= MAX_SPARE_SIZE => {
                keep_spare(|s| &mut s.ones, Value::String(std::mem::take(text)));
            }
            _ => drop(self.take()),
        }
    }

    /// The `len` values of a record (after its list header): a single scalar straight into
    /// the record (the common single column: nothing to reuse, nothing to keep), anything else
    /// through [`Values::decode_to`].
    #[inline(always)]
    fn read(d: &mut Decoder<'_>, len: usize) -> std::result::Result<Values, DecodeError> {
        let mut values = ManuallyDrop::new(Values::none());
        Values::read_to(d, len, &mut values)?;
        Ok(ManuallyDrop::into_inner(values))
    }

    /// [`Values::read`] into `dest`, which owns nothing (it is overwritten, not dropped), and
    /// is left as it was on an error.
    #[inline(always)]
    fn read_to(
        d: &mut Decoder<'_>,
        len: usize,
        dest: &mut ManuallyDrop<Values>,
    ) -> std::result::Result<(), DecodeError> {
        if len == 1 {
            if let Some(v) = d.scalar() {
                *dest = ManuallyDrop::new(Values::One(v));
                return Ok(());
            }
        }
        Values::decode_to(d, len, dest)
    }

    /// The `len` values of a record (anything but a single scalar), decoded into a spare
    /// when this thread has one of that shape (see [`Values::drop_values`]), written into
    /// `dest` as [`Values::read_to`] says. Out of line, it writes them into their place itself:
    /// returned by value, they went through a temporary that the caller read back in wide
    /// loads right after this function's narrow stores (a stall on every record).
    #[inline(never)]
    fn decode_to(
        d: &mut Decoder<'_>,
        len: usize,
        dest: &mut ManuallyDrop<Values>,
    ) -> std::result::Result<(), DecodeError> {
        // Each shape written where it is made: merged into one write first, the values went
        // through the stack again.
        if len == 1 {
            let value = match take_spare(|s| &mut s.ones) {
                Some(mut v) => {
                    d.refill_item(&mut v)?;
                    v
                }
                None => d.read_item()?,
            };
            *dest = ManuallyDrop::new(Values::One(value));
            return Ok(());
        }
        let items = match take_spare(|s| &mut s.rows) {
            Some(mut items) => {
                d.refill_items(&mut items, len)?;
                items
            }
            None => d.read_items(len)?,
        };
        // All this message's values: the decoder is this message's. The variant first, then
        // the list into it: written as one enum, it was assembled on the stack and copied
        // whole, padding included, in loads that spanned the stores just made.
        *dest = ManuallyDrop::new(if d.charged() <= MAX_SPARE_SIZE {
            Values::Spare(Vec::new())
        } else {
            Values::Many(Vec::new())
        });
        if let Values::Spare(slot) | Values::Many(slot) = &mut **dest {
            *slot = items;
        }
        Ok(())
    }

    fn into_vec(self) -> Vec<Value> {
        match self {
            Values::One(v) => vec![v],
            Values::Many(v) | Values::Spare(v) => v,
        }
    }
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Record")
            .field("keys", &self.keys)
            .field("values", &self.values())
            .finish()
    }
}

impl PartialEq for Record {
    fn eq(&self, other: &Self) -> bool {
        self.keys == other.keys && self.values() == other.values()
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for usize {}
    impl Sealed for &str {}
    impl Sealed for &String {}
}

/// A column position or name; implemented for `usize` and `&str`.
pub trait RecordIndex: sealed::Sealed {
    /// The position of the column in `keys`.
    fn position(&self, keys: &[String]) -> Option<usize>;
    /// The column, for error messages.
    fn describe(&self) -> String;
}

impl RecordIndex for usize {
    fn position(&self, keys: &[String]) -> Option<usize> {
        (*self < keys.len()).then_some(*self)
    }
    fn describe(&self) -> String {
        format!("column {self}")
    }
}

impl RecordIndex for &str {
    fn position(&self, keys: &[String]) -> Option<usize> {
        keys.iter().position(|k| k == self)
    }
    fn describe(&self) -> String {
        format!("column {self:?}")
    }
}

impl RecordIndex for &String {
    fn position(&self, keys: &[String]) -> Option<usize> {
        self.as_str().position(keys)
    }
    fn describe(&self) -> String {
        self.as_str().describe()
    }
}

impl Record {
    /// A record from its keys and values.
    pub fn new(keys: impl Into<Keys>, values: Vec<Value>) -> Record {
        Record {
            keys: keys.into(),
            values: ManuallyDrop::new(Values::Many(values)),
        }
    }

    /// Decodes the field list of a RECORD message (the decoder, made for this message, is
    /// positioned at the list header); a single value is decoded straight into the record.
    /// Anything but a single scalar is decoded into the values of a record dropped earlier on
    /// this thread when there are some (see [`Values::drop_values`]).
    #[inline]
    pub(crate) fn decode(
        keys: &Keys,
        d: &mut Decoder<'_>,
    ) -> std::result::Result<Record, DecodeError> {
        let len = d.read_list_header()?;
        let values = Values::read(d, len)?;
        Ok(Record {
            keys: keys.clone(),
            values: ManuallyDrop::new(values),
        })
    }

    /// Decodes the field list of a RECORD message as [`Record::decode`] does, and appends the
    /// record to `out` when the fields are one value per key and the whole rest of `d`, and
    /// `out` has room for it (the caller reserves a batch); `false`, with `out` as it was,
    /// otherwise.
    ///
    /// A single integer column (the commonest streamed row) with interned keys is pushed here,
    /// as one literal, and anything else out of line: the compiler then writes the integer row
    /// straight into its slot. Where the paths met in one push (including the two ways of
    /// cloning keys), it built each record in a temporary on the stack and copied it into the
    /// slot in 16-byte loads right after storing its fields one by one, and the processor
    /// stalled on every record (a load spanning two pending stores cannot take its bytes from
    /// them; perf: about 15% of W1's time through the iterator).
    #[inline(always)]
    pub(crate) fn decode_into(keys: &Keys, d: &mut Decoder<'_>, out: &mut Vec<Record>) -> bool {
        let Ok(len) = d.read_list_header() else {
            return false;
        };
        if len != keys.len() || out.len() == out.capacity() {
            return false;
        }
        if let (1, Some(keys)) = (len, keys.copy_interned()) {
            if let Some(i) = d.int() {
                if !d.is_at_end() {
                    return false;
                }
                out.push(Record {
                    keys,
                    values: ManuallyDrop::new(Values::One(Value::Int(i))),
                });
                return true;
            }
        }
        Self::decode_other_into(keys, d, len, out)
    }

    /// [`Record::decode_into`] for anything but a single integer, after the list header. The
    /// record goes into its slot first, with no values, and they are decoded into it in place
    /// (see [`Values::decode_to`]); a record that does not decode is taken out again.
    #[inline(never)]
    fn decode_other_into(
        keys: &Keys,
        d: &mut Decoder<'_>,
        len: usize,
        out: &mut Vec<Record>,
    ) -> bool {
        // Known here (the caller checked), so that the push has no growing path.
        if out.len() == out.capacity() {
            return false;
        }
        // One push for each way of sharing the keys: merged before one push, the keys went
        // through the stack and were read back in a wide load (the stall described above).
        match keys.copy_interned() {
            Some(keys) => out.push(Record {
                keys,
                values: ManuallyDrop::new(Values::none()),
            }),
            None => out.push(Record {
                keys: keys.clone(),
                values: ManuallyDrop::new(Values::none()),
            }),
        }
        let Some(record) = out.last_mut() else {
            return false;
        };
        if Values::read_to(d, len, &mut record.values).is_ok() && d.is_at_end() {
            return true;
        }
        out.pop();
        false
    }

    /// The column names.
    pub fn keys(&self) -> &[String] {
        &self.keys
    }

    /// The shared column names.
    pub fn shared_keys(&self) -> &Keys {
        &self.keys
    }

    /// The values, in column order.
    pub fn values(&self) -> &[Value] {
        self.values.as_slice()
    }

    /// Takes the values.
    pub fn into_values(mut self) -> Vec<Value> {
        self.values.take().into_vec()
    }

    /// The number of columns.
    pub fn len(&self) -> usize {
        self.values().len()
    }

    /// Whether the record has no columns.
    pub fn is_empty(&self) -> bool {
        self.values().is_empty()
    }

    /// The raw value of a column, if it exists.
    pub fn value<I: RecordIndex>(&self, idx: I) -> Option<&Value> {
        idx.position(&self.keys).and_then(|i| self.values().get(i))
    }

    /// The value of a column converted to `T`.
    ///
    /// # Errors
    /// `InvalidArgument` when the column does not exist; `Conversion` (naming the column and
    /// both types) when the value has another type.
    pub fn get<T: FromValue, I: RecordIndex>(&self, idx: I) -> Result<T> {
        let v = self.value(&idx).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!("no {} in record with keys {:?}", idx.describe(), self.keys),
            )
        })?;
        T::from_value(v.clone()).map_err(|e| e.context(idx.describe()))
    }

    /// Key/value pairs.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.keys
            .iter()
            .map(String::as_str)
            .zip(self.values().iter())
    }
}

impl<I: RecordIndex> RecordIndex for &I {
    fn position(&self, keys: &[String]) -> Option<usize> {
        (*self).position(keys)
    }
    fn describe(&self) -> String {
        (*self).describe()
    }
}

impl<I: RecordIndex> sealed::Sealed for &I {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Map;
    use std::sync::Arc;

    #[test]
    fn decoded_records_equal_built_ones_whatever_their_storage() {
        use crate::packstream::DecodeOptions;
        let keys = Keys::new(&["n"]);
        // [1000] (one INT_16 column, stored inline) and [1, "x"] (two columns).
        let one = [0x91, 0xC9, 0x03, 0xE8];
        let two = [0x92, 0x01, 0x81, b'x'];
        let mut d = Decoder::new(&one, DecodeOptions::default());
        let r = Record::decode(&keys, &mut d).unwrap();
        assert!(d.is_at_end());
        assert_eq!(r, Record::new(keys.clone(), vec![Value::Int(1000)]));
        assert_eq!(r.values(), &[Value::Int(1000)]);
        assert_eq!((r.len(), r.get::<i64, _>("n").unwrap()), (1, 1000));
        assert_eq!(format!("{r:?}"), format!("{:?}", r.clone()));
        assert!(format!("{r:?}").contains("values: [Int(1000)]"));
        assert_eq!(r.into_values(), vec![Value::Int(1000)]);
        let mut d = Decoder::new(&two, DecodeOptions::default());
        let r = Record::decode(&keys, &mut d).unwrap();
        assert_eq!(
            r.into_values(),
            vec![Value::Int(1), Value::String("x".into())]
        );
        // Truncated input is an error, not a panic.
        let mut d = Decoder::new(&one[..3], DecodeOptions::default());
        assert!(Record::decode(&keys, &mut d).is_err());
    }

    /// A RECORD's field list of `fields`, as the server sends it.
    fn encode(fields: Vec<Value>) -> Vec<u8> {
        use crate::packstream::{Dialect, Encoder};
        let mut out = Vec::new();
        Encoder::new(&mut out, Dialect::LATEST)
            .write_value(&Value::List(fields))
            .unwrap();
        out
    }

    #[test]
    fn records_decoded_into_a_vector_equal_decoded_ones_and_bad_ones_leave_it_alone() {
        use crate::packstream::DecodeOptions;
        let one = Keys::new(&["n"]);
        // Over the interning limits: reference counted, the other path of `decode_into`.
        let shared = Keys::from(Arc::<[String]>::from(vec!["n".to_owned()]));
        assert!(!shared.is_interned());
        let wide = Keys::new(&["i", "s", "l"]);
        let wide_row = || {
            vec![
                Value::Int(7),
                Value::String("seven".into()),
                Value::List(vec![Value::Int(1), Value::Float(2.5)]),
            ]
        };
        let cases = [
            (one.clone(), vec![Value::Int(1_000_000)]),
            (one.clone(), vec![Value::Int(-3)]),
            (shared.clone(), vec![Value::Int(42)]),
            (one.clone(), vec![Value::Float(0.5)]),
            (one.clone(), vec![Value::String("x".into())]),
            (wide.clone(), wide_row()),
            (wide.clone(), wide_row()),
        ];
        let mut out = Vec::with_capacity(cases.len());
        for (keys, fields) in &cases {
            let bytes = encode(fields.clone());
            let mut d = Decoder::new(&bytes, DecodeOptions::default());
            assert!(Record::decode_into(keys, &mut d, &mut out), "{fields:?}");
            let mut d = Decoder::new(&bytes, DecodeOptions::default());
            let decoded = Record::decode(keys, &mut d).unwrap();
            let last = out.last().unwrap();
            assert_eq!((last.keys(), last.values()), (&keys[..], &fields[..]));
            assert_eq!(last, &decoded);
        }
        assert!(out.iter().all(|r| r.len() == r.keys().len()));
        // Refused, leaving `out` as it was: more or fewer values than keys, bytes after the
        // fields, a cut-off record, and no room left (the caller reserves its batch).
        let refused = [
            (one.clone(), encode(vec![Value::Int(1), Value::Int(2)])),
            (wide.clone(), encode(vec![Value::Int(1)])),
            (
                one.clone(),
                [encode(vec![Value::Int(1)]), vec![0x01]].concat(),
            ),
            (
                shared.clone(),
                [encode(vec![Value::Int(1)]), vec![0x01]].concat(),
            ),
            (wide.clone(), encode(wide_row())[..6].to_vec()),
        ];
        let mut out = Vec::with_capacity(1);
        for (keys, bytes) in &refused {
            let mut d = Decoder::new(bytes, DecodeOptions::default());
            assert!(!Record::decode_into(keys, &mut d, &mut out), "{bytes:02X?}");
            assert!(out.is_empty());
        }
        let bytes = encode(vec![Value::Int(5)]);
        let mut d = Decoder::new(&bytes, DecodeOptions::default());
        assert!(Record::decode_into(&one, &mut d, &mut out));
        let mut d = Decoder::new(&bytes, DecodeOptions::default());
        assert!(!Record::decode_into(&one, &mut d, &mut out));
        assert_eq!(out.len(), 1);
    }

    /// How many spare values this thread holds.
    fn spares() -> usize {
        let (rows, ones) = spares_by_shape();
        rows + ones
    }

    /// How many spares of each shape (rows of several values, single strings) this thread
    /// holds.
    fn spares_by_shape() -> (usize, usize) {
        SPARES.with(|s| {
            let s = s.borrow();
            (s.rows.len(), s.ones.len())
        })
    }

    #[test]
    fn a_record_takes_a_spare_of_its_own_shape_only() {
        use crate::packstream::DecodeOptions;
        let decode = |keys: &Keys, bytes: &[u8]| {
            let mut d = Decoder::new(bytes, DecodeOptions::default());
            Record::decode(keys, &mut d).unwrap()
        };
        // Whatever earlier tests on this thread left is dropped.
        SPARES.with(|s| {
            let mut s = s.borrow_mut();
            s.rows.clear();
            s.ones.clear();
        });
        let wide = Keys::new(&["a", "b"]);
        let one = Keys::new(&["s"]);
        let row = encode(vec![Value::Int(1), Value::String("two".into())]);
        let text = encode(vec![Value::String("solo".into())]);
        drop(decode(&wide, &row));
        assert_eq!(spares_by_shape(), (1, 0));
        // A single string column does not take (and waste) a row's list ...
        let s = decode(&one, &text);
        assert_eq!(spares_by_shape(), (1, 0));
        // ... and its string is kept among the single values when it is dropped.
        drop(s);
        assert_eq!(spares_by_shape(), (1, 1));
        // Each shape takes its own, and gives it back, the values right.
        let w = decode(&wide, &row);
        assert_eq!(spares_by_shape(), (0, 1));
        let s = decode(&one, &text);
        assert_eq!(spares_by_shape(), (0, 0));
        assert_eq!(w.values(), &[Value::Int(1), Value::String("two".into())]);
        assert_eq!(s.values(), &[Value::String("solo".into())]);
        drop((w, s));
        assert_eq!(spares_by_shape(), (1, 1));
        // The bound is on both lists together.
        let rows: Vec<Record> = (0..MAX_SPARES).map(|_| decode(&wide, &row)).collect();
        drop(rows);
        assert_eq!(spares_by_shape(), (MAX_SPARES - 1, 1));
    }

    #[test]
    fn records_are_decoded_into_the_values_of_dropped_ones_and_equal_fresh_decodes() {
        use crate::packstream::DecodeOptions;
        let keys = Keys::new(&["i", "s", "l", "m"]);
        let row = |i: i64| {
            vec![
                Value::Int(i),
                Value::String(format!("name-{i}")),
                Value::List(vec![Value::Int(i), Value::Int(i + 1)]),
                Value::Map([("k".to_owned(), Value::Int(i))].into_iter().collect()),
            ]
        };
        let decode = |bytes: &[u8]| {
            let mut d = Decoder::new(bytes, DecodeOptions::default());
            let r = Record::decode(&keys, &mut d);
            (r, d.is_at_end())
        };
        let fresh = |bytes: &[u8]| {
            let mut d = Decoder::new(bytes, DecodeOptions::default());
            let len = d.read_list_header().unwrap();
            d.read_items(len).unwrap()
        };
        // Spares left by other tests on this thread do not matter: they are values of some
        // shape, and every record below must equal a fresh decode whatever it was filled into.
        let first = encode(row(1));
        let (r, at_end) = decode(&first);
        assert!(at_end);
        let r = r.unwrap();
        assert_eq!(r.values(), &fresh(&first)[..]);
        let before = spares();
        drop(r);
        assert_eq!(spares(), (before + 1).min(MAX_SPARES));
        // Other shapes, one column, longer and shorter rows, kept records beside dropped ones.
        let shapes = [
            encode(row(22)),
            encode(vec![Value::Int(7), Value::Null]),
            encode(row(-5)),
            encode(vec![Value::String("solo".into())]),
            encode(vec![Value::String("x".into())]),
            encode(vec![Value::Int(3)]),
            encode(row(333_333)),
            encode(vec![
                Value::List(vec![]),
                Value::Map(Map::default()),
                Value::Bool(true),
            ]),
            encode(row(4)),
            encode(vec![]),
            encode(row(5)),
        ];
        let mut kept = Vec::new();
        for (n, bytes) in shapes.iter().enumerate() {
            let (r, at_end) = decode(bytes);
            assert!(at_end, "{n}");
            let r = r.unwrap();
            assert_eq!(r.values(), &fresh(bytes)[..], "{n}");
            if n % 3 == 0 {
                kept.push((r, fresh(bytes)));
            }
        }
        for (r, values) in &kept {
            assert_eq!(r.values(), &values[..]);
        }
        // A record that fails to decode takes its spare with it and leaves no record.
        drop(kept);
        let before = spares();
        assert!(before > 0);
        let bad = [0x94, 0x01, 0x85, b'n', b'a'];
        assert!(decode(&bad).0.is_err());
        assert_eq!(spares(), before - 1);
        // Values past the size bound are not kept.
        let big = encode(vec![
            Value::String("x".repeat(MAX_SPARE_SIZE + 1)),
            Value::Null,
        ]);
        let (r, _) = decode(&big);
        let r = r.unwrap();
        let before = spares();
        drop(r);
        assert_eq!(spares(), before);
        // Nor those of records built rather than decoded.
        drop(Record::new(keys.clone(), row(9)));
        assert_eq!(spares(), before);
        // Nor more than `MAX_SPARES`.
        let many: Vec<Record> = (0..MAX_SPARES + 3)
            .map(|i| decode(&encode(row(i as i64))).0.unwrap())
            .collect();
        drop(many);
        assert_eq!(spares(), MAX_SPARES);
    }

    #[test]
    fn access_by_index_and_key() {
        let r = Record::new(
            Arc::from(vec!["n".to_owned(), "s".to_owned()]),
            vec![Value::Int(1), Value::String("x".into())],
        );
        assert_eq!(r.get::<i64, _>("n").unwrap(), 1);
        assert_eq!(r.get::<String, _>(1).unwrap(), "x");
        let e = r.get::<i64, _>("s").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conversion);
        assert!(e.message().contains("\"s\""), "{}", e.message());
        assert_eq!(
            r.get::<i64, _>("zz").unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
    }
}
