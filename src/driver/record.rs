//! Records: one row of a result, with access by index and by key.

use crate::convert::FromValue;
use crate::error::{Error, ErrorKind, Result};
use crate::packstream::{DecodeError, Decoder};
use crate::value::{Keys, Value};
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

/// A record's values. A single column (the common shape of a streamed result) is kept inline,
/// so such records need no allocation; wider rows use a `Vec`.
#[derive(Clone)]
enum Values {
    One(Value),
    Many(Vec<Value>),
}

impl Values {
    #[inline]
    fn as_slice(&self) -> &[Value] {
        match self {
            Values::One(v) => std::slice::from_ref(v),
            Values::Many(v) => v,
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

    /// Takes the values, leaving none (and no allocation).
    #[inline]
    fn take(&mut self) -> Values {
        std::mem::replace(self, Values::Many(Vec::new()))
    }

    /// Drops the values, out of line (so that dropping a record that owns nothing stays a
    /// compare and a reference count).
    #[inline(never)]
    fn drop_values(&mut self) {
        // The empty `Many` left behind owns nothing.
        drop(self.take());
    }

    fn into_vec(self) -> Vec<Value> {
        match self {
            Values::One(v) => vec![v],
            Values::Many(v) => v,
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

    /// Decodes the field list of a RECORD message (the decoder is positioned at the list
    /// header); a single value is decoded straight into the record.
    #[inline]
    pub(crate) fn decode(
        keys: &Keys,
        d: &mut Decoder<'_>,
    ) -> std::result::Result<Record, DecodeError> {
        let len = d.read_list_header()?;
        let values = if len == 1 {
            Values::One(d.read_item()?)
        } else {
            Values::Many(d.read_items(len)?)
        };
        Ok(Record {
            keys: keys.clone(),
            values: ManuallyDrop::new(values),
        })
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
