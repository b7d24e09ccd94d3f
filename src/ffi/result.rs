//! `boltc_result`, `boltc_record` and `boltc_batch` (`boltc_summary` is in `summary.rs`).

use super::error::boltc_error;
use super::error::ffi_status;
use super::guard::ffi_value;
use super::handle::{
    box_free, box_into_raw, box_ref, declare_handle, str_arg, view, write_str, Handle, Out,
};
use super::shared::SessionShared;
use super::status::{boltc_status, Failure, FfiResult};
use super::summary::boltc_summary;
use super::value::boltc_value;
use crate::driver::{Record, ResultId, Rows, Session};
use crate::error::Result;
use crate::value::{Keys, Value};
use parking_lot::Mutex;
use std::ffi::c_char;
use std::ptr;
use std::sync::{Arc, OnceLock, Weak};

/// The result of a query: column names, a stream of records, then a summary.
///
/// Ownership: made by `boltc_session_run` / `boltc_transaction_run`, freed with
/// `boltc_result_free` (records still on the server are discarded lazily). It keeps its
/// session's state alive; after the session is closed it fails with
/// `BOLTC_STATUS_ILLEGAL_STATE`. Threads: as its session: a call while another thread uses the
/// session (or this result) gets `BOLTC_STATUS_BUSY`; the column names, once known, are
/// answered to any thread.
pub struct boltc_result {
    magic: u32,
    // Every entry point borrows the handle shared (never `&mut`): what changes is behind the
    // session's lock or set once, so concurrent calls are serialized or BUSY, never racing.
    shared: Arc<SessionShared>,
    id: ResultId,
    /// The column names, fetched once under the session's lock; never replaced afterwards, so
    /// the key pointers handed out stay valid until the result is freed.
    keys: OnceLock<Keys>,
    /// The rows of the last batch freed, for the next batch to decode into (see [`Rows`]).
    spare: Arc<Mutex<Option<Rows>>>,
}

declare_handle!(Box, boltc_result, 0xB017_0E50);

impl boltc_result {
    pub(crate) fn new(shared: Arc<SessionShared>, id: ResultId) -> boltc_result {
        boltc_result {
            magic: Self::MAGIC,
            shared,
            id,
            keys: OnceLock::new(),
            spare: Arc::default(),
        }
    }

    fn keys(&self) -> FfiResult<&Keys> {
        if let Some(k) = self.keys.get() {
            return Ok(k);
        }
        let id = self.id;
        // Fetched and stored under the session's lock: a second thread gets BUSY, and a later
        // one finds the keys set.
        self.shared.with(|st| {
            if self.keys.get().is_none() {
                let k = st.session()?.result_keys(id)?;
                // Cannot fail: only this thread (holding the lock) sets it.
                let _ = self.keys.set(k);
            }
            Ok(())
        })?;
        Ok(self
            .keys
            .get()
            .expect("invariant: set above under the lock"))
    }

    /// Runs `f` on the session with this result's id, under the session's lock (another
    /// thread gets BUSY; a closed session ILLEGAL_STATE).
    fn with_session<R>(&self, f: impl FnOnce(&mut Session, ResultId) -> Result<R>) -> FfiResult<R> {
        let id = self.id;
        self.shared.with(|st| Ok(f(st.session()?, id)?))
    }
}

/// One row. Ownership: the caller's (from `boltc_result_next` / `boltc_result_single`), freed
/// with `boltc_record_free`; values read from it are borrowed until then. Threads: immutable,
/// any thread.
pub struct boltc_record {
    magic: u32,
    record: Record,
}

declare_handle!(Box, boltc_record, 0xB017_0EC0);

impl boltc_record {
    /// A new record handle (the caller's, freed with `boltc_record_free`).
    fn into_raw(record: Record) -> *mut boltc_record {
        box_into_raw(boltc_record {
            magic: Self::MAGIC,
            record,
        })
    }
}

/// Up to `max` records of a result, as rows × columns of values.
///
/// Ownership: the caller's (from `boltc_result_next_batch`), freed with `boltc_batch_free`;
/// values and the encoded buffer read from it are borrowed until then. Threads: immutable,
/// any thread (the encodings are cached once, safely from several threads).
pub struct boltc_batch {
    magic: u32,
    rows: Rows,
    more: bool,
    /// The encodings, made once (several threads may ask at once; one of them encodes).
    encoded: OnceLock<Vec<u8>>,
    columns: OnceLock<Vec<u8>>,
    /// Where the rows go back when the batch is freed, while the result lives.
    spare: Weak<Mutex<Option<Rows>>>,
}

impl Drop for boltc_batch {
    fn drop(&mut self) {
        if let Some(spare) = self.spare.upgrade() {
            *spare.lock() = Some(std::mem::take(&mut self.rows));
        }
    }
}

declare_handle!(Box, boltc_batch, 0xB017_0BA7);

impl boltc_batch {
    /// The rows of the batch.
    pub(super) fn rows(&self) -> &Rows {
        &self.rows
    }

    /// A batch of `rows`, for tests of the functions that read batches.
    #[cfg(test)]
    pub(super) fn of_rows(rows: Rows) -> boltc_batch {
        boltc_batch {
            magic: Self::MAGIC,
            rows,
            more: false,
            encoded: OnceLock::new(),
            columns: OnceLock::new(),
            spare: Weak::new(),
        }
    }
}

/// The number of columns (waits for the RUN reply if needed).
#[no_mangle]
pub extern "C" fn boltc_result_keys_len(
    result: *mut boltc_result,
    len_out: *mut usize,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let out = Out::new(len_out, "len_out")?;
        // SAFETY: NULL or a live boltc_result (header contract); borrowed shared only.
        let r = unsafe { box_ref(result) }?;
        out.write(r.keys()?.len());
        Ok(())
    })
}

/// The name of column `index` as UTF-8 bytes (not NUL-terminated) and their length, borrowed
/// until `result` is freed. `BOLTC_STATUS_INVALID_ARGUMENT` for an index out of range.
#[no_mangle]
pub extern "C" fn boltc_result_key(
    result: *mut boltc_result,
    index: usize,
    key_out: *mut *const c_char,
    key_len_out: *mut usize,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or a live boltc_result (header contract); borrowed shared only.
        let r = unsafe { box_ref(result) }?;
        let keys = r.keys()?;
        let k = keys
            .get(index)
            .ok_or_else(|| Failure::invalid(format!("column {index} out of range")))?;
        write_str(k, key_out, key_len_out)
    })
}

/// The next record. On success `*record_out` receives a record the caller frees with
/// `boltc_record_free`, or NULL at the end of the result. Server errors are reported here.
#[no_mangle]
pub extern "C" fn boltc_result_next(
    result: *mut boltc_result,
    record_out: *mut *mut boltc_record,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let out = Out::new(record_out, "record_out")?;
        // SAFETY: NULL or a live boltc_result used by this thread (header contract).
        let r = unsafe { box_ref(result) }?;
        let rec = r.with_session(|s, id| s.result_next(id))?;
        out.write(rec.map_or(ptr::null_mut(), boltc_record::into_raw));
        Ok(())
    })
}

/// Up to `max` (>= 1) next records in one call. On success `*batch_out` receives a batch freed
/// with `boltc_batch_free`; it has fewer than `max` rows (possibly 0) only at the end of the
/// result (`boltc_batch_has_more` is then false). An error is reported only if no row could be
/// read; otherwise the rows before it are returned and the error comes with the next call.
#[no_mangle]
pub extern "C" fn boltc_result_next_batch(
    result: *mut boltc_result,
    max: usize,
    batch_out: *mut *mut boltc_batch,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let out = Out::new(batch_out, "batch_out")?;
        if max == 0 {
            return Err(Failure::invalid("max must be at least 1"));
        }
        // SAFETY: NULL or a live boltc_result (header contract); borrowed shared only.
        let r = unsafe { box_ref(result) }?;
        // Decode into the memory of the batch freed last (the usual loop frees each batch
        // before it asks for the next).
        let mut rows = r.spare.lock().take().unwrap_or_default();
        let more = r.with_session(|s, id| s.result_next_rows(id, max, &mut rows))?;
        out.write(box_into_raw(boltc_batch {
            magic: boltc_batch::MAGIC,
            rows,
            more,
            encoded: OnceLock::new(),
            columns: OnceLock::new(),
            spare: Arc::downgrade(&r.spare),
        }));
        Ok(())
    })
}

/// The one record of the result. `BOLTC_STATUS_RESULT_NOT_SINGLE` if there are zero or several
/// (the rest is then discarded). On success `*record_out` receives a record freed with
/// `boltc_record_free`.
#[no_mangle]
pub extern "C" fn boltc_result_single(
    result: *mut boltc_result,
    record_out: *mut *mut boltc_record,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let out = Out::new(record_out, "record_out")?;
        // SAFETY: NULL or a live boltc_result used by this thread (header contract).
        let r = unsafe { box_ref(result) }?;
        out.write(boltc_record::into_raw(
            r.with_session(|s, id| s.result_single(id))?,
        ));
        Ok(())
    })
}

/// Discards the rest of the result and returns its summary: `*summary_out` receives a summary
/// freed with `boltc_summary_free`. Consuming again returns the summary again.
#[no_mangle]
pub extern "C" fn boltc_result_consume(
    result: *mut boltc_result,
    summary_out: *mut *mut boltc_summary,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let out = Out::new(summary_out, "summary_out")?;
        // SAFETY: NULL or a live boltc_result used by this thread (header contract).
        let r = unsafe { box_ref(result) }?;
        out.write(boltc_summary::into_raw(
            r.with_session(|s, id| s.result_consume(id))?,
        ));
        Ok(())
    })
}

/// Frees a result; records still on the server are discarded when the session next needs
/// the connection. Waits if another thread uses the session. NULL is ignored.
#[no_mangle]
pub extern "C" fn boltc_result_free(result: *mut boltc_result) {
    ffi_value!((), {
        // SAFETY: NULL or a live boltc_result (header contract).
        if let Ok(r) = unsafe { box_ref(result) } {
            let id = r.id;
            r.shared.with_blocking(|st| {
                if let Some(s) = st.session.as_mut() {
                    s.result_free(id);
                }
            });
        }
        // SAFETY: NULL or an owned boltc_result freed once (header contract).
        unsafe { box_free(result) }
    })
}

// ----- records -----

/// The number of values in the record; 0 for NULL.
#[no_mangle]
pub extern "C" fn boltc_record_len(record: *const boltc_record) -> usize {
    ffi_value!(0, {
        // SAFETY: NULL or a live boltc_record (header contract).
        unsafe { box_ref(record) }.map_or(0, |r| r.record.len())
    })
}

/// The value at `index`, borrowed until `record` is freed; NULL if `record` is NULL or
/// `index` is out of range.
#[no_mangle]
pub extern "C" fn boltc_record_get(
    record: *const boltc_record,
    index: usize,
) -> *const boltc_value {
    ffi_value!(ptr::null(), {
        // SAFETY: NULL or a live boltc_record (header contract).
        unsafe { box_ref(record) }
            .ok()
            .and_then(|r| r.record.values().get(index))
            .map_or(ptr::null(), view)
    })
}

/// The value of column `key` (`key_len` bytes of UTF-8). On success `*value_out` receives the
/// value, borrowed until `record` is freed, or NULL if there is no such column.
#[no_mangle]
pub extern "C" fn boltc_record_get_by_key(
    record: *const boltc_record,
    key: *const c_char,
    key_len: usize,
    value_out: *mut *const boltc_value,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let out = Out::new(value_out, "value_out")?;
        // SAFETY: NULL or a live boltc_record; key points at key_len bytes (header contract).
        let (r, k) = unsafe { (box_ref(record)?, str_arg(key, key_len, "key")?) };
        out.write(r.record.value(k).map_or(ptr::null(), view));
        Ok(())
    })
}

/// Frees a record. NULL is ignored.
#[no_mangle]
pub extern "C" fn boltc_record_free(record: *mut boltc_record) {
    ffi_value!((), {
        // SAFETY: NULL or an owned boltc_record freed once (header contract).
        unsafe { box_free(record) }
    })
}

// ----- batches -----

/// The number of rows; 0 for NULL.
#[no_mangle]
pub extern "C" fn boltc_batch_rows(batch: *const boltc_batch) -> usize {
    ffi_value!(0, {
        // SAFETY: NULL or a live boltc_batch (header contract).
        unsafe { box_ref(batch) }.map_or(0, |b| b.rows.len())
    })
}

/// The number of columns (the result's keys); 0 for NULL.
#[no_mangle]
pub extern "C" fn boltc_batch_columns(batch: *const boltc_batch) -> usize {
    ffi_value!(0, {
        // SAFETY: NULL or a live boltc_batch (header contract).
        unsafe { box_ref(batch) }.map_or(0, |b| b.rows.keys().len())
    })
}

/// Whether the result may have more records after this batch (false: the result is
/// exhausted). False for NULL.
#[no_mangle]
pub extern "C" fn boltc_batch_has_more(batch: *const boltc_batch) -> bool {
    ffi_value!(false, {
        // SAFETY: NULL or a live boltc_batch (header contract).
        unsafe { box_ref(batch) }.is_ok_and(|b| b.more)
    })
}

/// The value at (`row`, `column`), borrowed until `batch` is freed; NULL when out of range.
#[no_mangle]
pub extern "C" fn boltc_batch_value(
    batch: *const boltc_batch,
    row: usize,
    column: usize,
) -> *const boltc_value {
    ffi_value!(ptr::null(), {
        // SAFETY: NULL or a live boltc_batch (header contract).
        unsafe { box_ref(batch) }
            .ok()
            .and_then(|b| b.rows.row(row))
            .and_then(|r| r.get(column))
            .map_or(ptr::null(), view)
    })
}

/// Copies column `column` of every row of `batch` into `out[0..rows)`, for C code that reads a
/// column of integers without a call per value. `out_len` is the room in `out` and must be at
/// least `boltc_batch_rows(batch)`. `BOLTC_STATUS_CONVERSION` if a value is not an integer
/// (NULL included), `BOLTC_STATUS_INVALID_ARGUMENT` for a column out of range or too little
/// room; `out` is written only on success.
#[no_mangle]
pub extern "C" fn boltc_batch_column_int(
    batch: *const boltc_batch,
    column: usize,
    out: *mut i64,
    out_len: usize,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: NULL or a live boltc_batch, and `out` NULL or valid for `out_len` writes
        // (header contract).
        unsafe {
            column_into(batch, column, out, out_len, "Integer", |v| match v {
                Value::Int(i) => Some(*i),
                _ => None,
            })
        }
    })
}

/// As `boltc_batch_column_int`, for a column of floats (integers are not converted).
#[no_mangle]
pub extern "C" fn boltc_batch_column_float(
    batch: *const boltc_batch,
    column: usize,
    out: *mut f64,
    out_len: usize,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        // SAFETY: as in boltc_batch_column_int.
        unsafe {
            column_into(batch, column, out, out_len, "Float", |v| match v {
                Value::Float(f) => Some(*f),
                _ => None,
            })
        }
    })
}

/// Converts column `column` of `batch` with `f` and writes it to `out` when every value
/// converts.
///
/// # Safety
/// `batch` is NULL or a live `boltc_batch`; `out` is NULL or valid for `out_len` writes.
unsafe fn column_into<T>(
    batch: *const boltc_batch,
    column: usize,
    out: *mut T,
    out_len: usize,
    want: &str,
    f: impl Fn(&Value) -> Option<T>,
) -> FfiResult<()> {
    // SAFETY: NULL or a live boltc_batch (the caller's contract).
    let b = unsafe { box_ref(batch) }?;
    if out.is_null() {
        return Err(Failure::null("out"));
    }
    if column >= b.rows.keys().len() {
        return Err(Failure::invalid(format!(
            "column {column} out of range (the batch has {})",
            b.rows.keys().len()
        )));
    }
    if out_len < b.rows.len() {
        return Err(Failure::invalid(format!(
            "out_len {out_len} is less than the {} rows",
            b.rows.len()
        )));
    }
    // Everything converts before anything is written.
    for (i, row) in b.rows.iter().enumerate() {
        let v = &row[column];
        if f(v).is_none() {
            return Err(Failure::with_status(
                boltc_status::Conversion,
                format!(
                    "row {i}, column {column}: expected a {want} value, got {}",
                    v.type_name()
                ),
            ));
        }
    }
    // SAFETY: `out` is non-NULL and valid for `out_len` >= rows writes (the caller's contract).
    let out = unsafe { std::slice::from_raw_parts_mut(out, b.rows.len()) };
    for (slot, row) in out.iter_mut().zip(b.rows.iter()) {
        if let Some(x) = f(&row[column]) {
            *slot = x;
        }
    }
    Ok(())
}

/// The whole batch serialized into one buffer (the format is described in `docs/C.md`, "The
/// batch encoding"), for bindings that decode it in their own language with one call instead
/// of one call per value. `*data_out`/`*len_out` receive the buffer, borrowed until `batch` is
/// freed (encoded once, then cached).
#[no_mangle]
pub extern "C" fn boltc_batch_encode(
    batch: *mut boltc_batch,
    data_out: *mut *const u8,
    len_out: *mut usize,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        write_encoding(batch, Encoding::Rows, data_out, len_out)
    })
}

/// The whole batch serialized column by column into one buffer (docs/C.md, "The columnar
/// batch encoding"): a column whose values all have one scalar type (int, float, string, bool)
/// is packed as a plain array, so a binding decodes it with a few calls instead of one per
/// value. `*data_out`/`*len_out` receive the buffer, borrowed until `batch` is freed (encoded
/// once, then cached).
#[no_mangle]
pub extern "C" fn boltc_batch_encode_columns(
    batch: *mut boltc_batch,
    data_out: *mut *const u8,
    len_out: *mut usize,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        write_encoding(batch, Encoding::Columns, data_out, len_out)
    })
}

/// Which of the batch's encodings `write_encoding` hands out.
#[derive(Clone, Copy)]
enum Encoding {
    /// Row by row (`boltc_batch_encode`).
    Rows,
    /// Column by column (`boltc_batch_encode_columns`).
    Columns,
}

/// The body of `boltc_batch_encode` and `boltc_batch_encode_columns`: writes the encoding
/// `which`, made on first use and then kept in the batch, as a buffer borrowed until the batch
/// is freed.
fn write_encoding(
    batch: *mut boltc_batch,
    which: Encoding,
    data_out: *mut *const u8,
    len_out: *mut usize,
) -> FfiResult<()> {
    let d = Out::new(data_out, "data_out")?;
    let l = Out::new(len_out, "len_out")?;
    // SAFETY: NULL or a live boltc_batch (header contract of both callers); borrowed shared
    // only.
    let b = unsafe { box_ref(batch) }?;
    let slot = match which {
        Encoding::Rows => &b.encoded,
        Encoding::Columns => &b.columns,
    };
    let buf = match slot.get() {
        Some(buf) => buf,
        None => {
            // Two threads may both encode; the first stored wins and both return it.
            let buf = match which {
                Encoding::Rows => super::batch_codec::encode_batch(&b.rows),
                Encoding::Columns => super::batch_codec::encode_columns(&b.rows),
            }?;
            slot.get_or_init(|| buf)
        }
    };
    d.write(buf.as_ptr());
    l.write(buf.len());
    Ok(())
}

/// Frees a batch. NULL is ignored.
#[no_mangle]
pub extern "C" fn boltc_batch_free(batch: *mut boltc_batch) {
    ffi_value!((), {
        // SAFETY: NULL or an owned boltc_batch freed once (header contract).
        unsafe { box_free(batch) }
    })
}
