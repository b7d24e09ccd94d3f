//! Records: one row of a result, with access by index and by key.

use crate::error::{Error, ErrorKind, Result};
use crate::value::{FromValue, Value};
use std::sync::Arc;

/// One row of a result.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    keys: Arc<[String]>,
    values: Vec<Value>,
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
    pub fn new(keys: Arc<[String]>, values: Vec<Value>) -> Record {
        Record { keys, values }
    }

    /// The column names.
    pub fn keys(&self) -> &[String] {
        &self.keys
    }

    /// The shared column names.
    pub fn keys_arc(&self) -> &Arc<[String]> {
        &self.keys
    }

    /// The values, in column order.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// Takes the values.
    pub fn into_values(self) -> Vec<Value> {
        self.values
    }

    /// The number of columns.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the record has no columns.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The raw value of a column, if it exists.
    pub fn value<I: RecordIndex>(&self, idx: I) -> Option<&Value> {
        idx.position(&self.keys).and_then(|i| self.values.get(i))
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
        self.keys.iter().map(String::as_str).zip(self.values.iter())
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
