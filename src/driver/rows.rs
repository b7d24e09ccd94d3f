//! [`Rows`]: a block of a result's rows decoded together, for streaming without a per-row
//! allocation or reference count.

use super::record::Record;
use crate::value::{Keys, Value};
use std::fmt;

/// Rows of a result, filled by [`RecordStream::next_rows`](super::RecordStream::next_rows):
/// the values of all rows in one buffer, reused from one call to the next.
///
/// Reading a result this way skips what a [`Record`] costs per row (its own values, a shared
/// reference to the column names), and each fill decodes into the memory of the block
/// before it: a string's buffer, a list, a small map with the same keys are reused, so a
/// stream of rows that keep their shape allocates nothing per row. Rows are borrowed slices,
/// valid until the next fill. A block holds on to the memory of its largest fill until it is
/// dropped.
pub struct Rows {
    keys: Keys,
    /// The values of the rows (the first `used`), then values of earlier fills kept for
    /// their memory.
    values: Vec<Value>,
    used: usize,
    /// Where each row ends in `values`.
    ends: Vec<usize>,
}

/// Where a row is decoded: see [`Rows::push_row`].
pub(crate) struct RowSlots<'r> {
    values: &'r mut Vec<Value>,
    used: &'r mut usize,
}

impl RowSlots<'_> {
    /// The next `n` slots of the row, holding whatever earlier fills left there.
    pub(crate) fn take(&mut self, n: usize) -> &mut [Value] {
        let start = *self.used;
        let end = start + n;
        if self.values.len() < end {
            self.values.resize_with(end, || Value::Null);
        }
        *self.used = end;
        &mut self.values[start..end]
    }
}

impl Default for Rows {
    fn default() -> Self {
        Rows::new()
    }
}

impl Clone for Rows {
    fn clone(&self) -> Self {
        Rows {
            keys: self.keys.clone(),
            values: self.values[..self.used].to_vec(),
            used: self.used,
            ends: self.ends.clone(),
        }
    }
}

impl fmt::Debug for Rows {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rows")
            .field("keys", &self.keys)
            .field("rows", &RowList(self))
            .finish()
    }
}

/// The rows of a block, for `Debug`.
struct RowList<'r>(&'r Rows);

impl fmt::Debug for RowList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.iter()).finish()
    }
}

impl Rows {
    /// An empty block, to pass to `next_rows`.
    pub fn new() -> Rows {
        Rows {
            keys: Keys::default(),
            values: Vec::new(),
            used: 0,
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
        // Each row starts where the one before it ended: one bounds check a row, where
        // looking each row up by index checked both of its ends.
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let row = &self.values[start..end];
            start = end;
            row
        })
    }

    /// The rows as records (each with its own values).
    pub fn to_records(&self) -> Vec<Record> {
        self.iter()
            .map(|values| Record::new(self.keys.clone(), values.to_vec()))
            .collect()
    }

    /// Empties the block (keeping its memory) for the result with columns `keys`.
    pub(crate) fn reset(&mut self, keys: &Keys) {
        if !Keys::ptr_eq(&self.keys, keys) {
            self.keys = keys.clone();
        }
        self.used = 0;
        self.ends.clear();
    }

    /// Appends a record.
    pub(crate) fn push_record(&mut self, record: Record) {
        self.push_row(|slots| {
            let values = record.into_values();
            for (slot, value) in slots.take(values.len()).iter_mut().zip(values) {
                *slot = value;
            }
            Some(())
        });
    }

    /// Appends the row `fill` decodes into the slots it takes; if `fill` gives up (`None`),
    /// the slots are released and no row is added. Returns whether the row was added.
    pub(crate) fn push_row(&mut self, fill: impl FnOnce(&mut RowSlots<'_>) -> Option<()>) -> bool {
        let start = self.used;
        let mut slots = RowSlots {
            values: &mut self.values,
            used: &mut self.used,
        };
        if fill(&mut slots).is_some() {
            self.ends.push(self.used);
            true
        } else {
            self.used = start;
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_keep_their_boundaries_and_convert_to_records() {
        let keys = Keys::new(&["a", "b"]);
        let mut rows = Rows::new();
        rows.reset(&keys);
        rows.push_record(Record::new(keys.clone(), vec![Value::Int(1), Value::Null]));
        let added = rows.push_row(|slots| {
            slots.take(1)[0] = Value::Int(7);
            None
        });
        assert!(!added, "a row given up on is not added");
        assert!(rows.push_row(|slots| {
            slots
                .take(2)
                .clone_from_slice(&[Value::Int(2), Value::String("x".into())]);
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

    #[test]
    fn a_refill_shows_only_its_own_rows() {
        let keys = Keys::new(&["a"]);
        let mut rows = Rows::new();
        rows.reset(&keys);
        for i in 0..3 {
            rows.push_record(Record::new(
                keys.clone(),
                vec![Value::String(format!("row {i}"))],
            ));
        }
        rows.reset(&keys);
        assert!(rows.push_row(|slots| {
            let slot = &mut slots.take(1)[0];
            assert_eq!(
                slot,
                &Value::String("row 0".into()),
                "the old value, for its memory"
            );
            *slot = Value::Int(9);
            Some(())
        }));
        assert_eq!(rows.len(), 1);
        assert_eq!(rows.iter().collect::<Vec<_>>(), [&[Value::Int(9)][..]]);
        assert_eq!(rows.clone().values.len(), 1, "a clone copies only the rows");
        let shown = format!("{rows:?}");
        assert!(
            shown.contains("Int(9)") && !shown.contains("row 1"),
            "{shown}"
        );
    }
}
