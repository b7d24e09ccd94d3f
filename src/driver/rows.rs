//! [`Rows`]: a block of a result's rows decoded together, for streaming without a per-row
//! allocation or reference count.

use super::record::Record;
use crate::value::Value;
use std::sync::Arc;

/// Rows of a result, filled by [`RecordStream::next_rows`](super::RecordStream::next_rows):
/// the values of all rows in one buffer, reused from one call to the next.
///
/// Reading a result this way skips what a [`Record`] costs per row (its own values, a shared
/// reference to the column names); a stream of small rows reads several times faster. Rows
/// are borrowed slices, valid until the next fill.
#[derive(Clone, Debug)]
pub struct Rows {
    keys: Arc<[String]>,
    values: Vec<Value>,
    /// Where each row ends in `values`.
    ends: Vec<usize>,
}

impl Default for Rows {
    fn default() -> Self {
        Rows::new()
    }
}

impl Rows {
    /// An empty block, to pass to `next_rows`.
    pub fn new() -> Rows {
        Rows {
            keys: Arc::from(Vec::new()),
            values: Vec::new(),
            ends: Vec::new(),
        }
    }

    /// The column names.
    pub fn keys(&self) -> &[String] {
        &self.keys
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The values of row `i`, in column order.
    pub fn row(&self, i: usize) -> Option<&[Value]> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.values[start..end])
    }

    /// The rows in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[Value]> + '_ {
        (0..self.len()).map(|i| self.row(i).expect("invariant: index below len"))
    }

    /// The rows as records (each with its own values).
    pub fn to_records(&self) -> Vec<Record> {
        self.iter()
            .map(|values| Record::new(self.keys.clone(), values.to_vec()))
            .collect()
    }

    /// Empties the block (keeping its memory) for the result with columns `keys`.
    pub(crate) fn reset(&mut self, keys: &Arc<[String]>) {
        if !Arc::ptr_eq(&self.keys, keys) {
            self.keys = keys.clone();
        }
        self.values.clear();
        self.ends.clear();
    }

    /// Appends a record.
    pub(crate) fn push_record(&mut self, record: Record) {
        self.values.extend(record.into_values());
        self.ends.push(self.values.len());
    }

    /// Appends the row `fill` pushes onto the value buffer; if `fill` gives up (`None`), what
    /// it pushed is dropped and no row is added. Returns whether the row was added.
    pub(crate) fn push_row(&mut self, fill: impl FnOnce(&mut Vec<Value>) -> Option<()>) -> bool {
        let start = self.values.len();
        if fill(&mut self.values).is_some() {
            self.ends.push(self.values.len());
            true
        } else {
            self.values.truncate(start);
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_keep_their_boundaries_and_convert_to_records() {
        let keys: Arc<[String]> = Arc::from(vec!["a".to_owned(), "b".to_owned()]);
        let mut rows = Rows::new();
        rows.reset(&keys);
        rows.push_record(Record::new(keys.clone(), vec![Value::Int(1), Value::Null]));
        let added = rows.push_row(|values| {
            values.push(Value::Int(7));
            None
        });
        assert!(!added, "a row given up on is not added");
        assert!(rows.push_row(|values| {
            values.extend([Value::Int(2), Value::String("x".into())]);
            Some(())
        }));
        assert_eq!(rows.len(), 2);
        assert_eq!(rows.keys(), ["a", "b"]);
        assert_eq!(rows.row(0), Some(&[Value::Int(1), Value::Null][..]));
        assert_eq!(
            rows.row(1),
            Some(&[Value::Int(2), Value::String("x".into())][..])
        );
        assert_eq!(rows.row(2), None);
        let records = rows.to_records();
        assert_eq!(records[1].get::<String, _>("b").unwrap(), "x");
        rows.reset(&keys);
        assert!(rows.is_empty());
        assert_eq!(rows.iter().count(), 0);
    }
}
