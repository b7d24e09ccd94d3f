//! [`RecordStream`]: a lazy iterator over a result's records.

use super::record::Record;
use super::rows::Rows;
use super::session::{ResultId, Session};
use super::summary::Summary;
use crate::error::{ErrorKind, Result};
use crate::value::Keys;

/// The records of a query, pulled from the server in batches of the fetch size as the
/// iteration advances (never buffered in full unless the session needs the connection for
/// other work).
///
/// Dropping it before the end discards the remaining records.
pub struct RecordStream<'s> {
    session: &'s mut Session,
    id: ResultId,
    /// The iterator has yielded an error that ends the result (a server failure, a lost
    /// connection, a protocol error): it ends there (`None` from then on), so that
    /// `stream.flatten()` or `filter_map(Result::ok)` cannot loop forever on a failed result.
    /// The other calls (`consume`, `single`, ...) still report the failure. A `Conversion`
    /// error fails its own record only (e.g. a zone the driver does not know), and the
    /// records after it still come.
    iter_failed: bool,
    /// Records the iterator took from the session in one go and hands out one by one, which
    /// skips the session's per-record look-up of the result: a vector's iterator rather than
    /// a queue, whose every pop pays the wrap-around of its ring (W1 through the iterator:
    /// 279.0M -> 268.9M instructions, 10 a record). The session decodes each batch straight
    /// into the allocation of the one before ([`Session::result_take_ready`]), so a stream
    /// read to the end allocates nothing per batch. Every other method first gives them back
    /// ([`Self::give_back`]), so the iterator and the other calls see one sequence of records.
    ahead: std::vec::IntoIter<Record>,
    /// `ahead` has an allocation (the iterator was used), which the drop gives back to the
    /// session for the next iterator.
    ahead_allocated: bool,
}

impl<'s> RecordStream<'s> {
    pub(crate) fn new(session: &'s mut Session, id: ResultId) -> Self {
        RecordStream {
            session,
            id,
            iter_failed: false,
            ahead: Vec::new().into_iter(),
            ahead_allocated: false,
        }
    }

    /// Gives the records the iterator took but did not hand out back to the session, in
    /// front of the ones it still holds.
    fn give_back(&mut self) {
        if self.ahead.len() > 0 {
            let rest = std::mem::take(&mut self.ahead);
            self.session.result_unread(self.id, rest);
        }
    }

    /// What the iterator yields for a record or an error: an error other than `Conversion`
    /// ends the iteration (see `iter_failed`).
    #[inline(always)]
    fn yielded(&mut self, r: Result<Record>) -> Option<Result<Record>> {
        if let Err(e) = &r {
            self.iter_failed = e.kind() != ErrorKind::Conversion;
        }
        Some(r)
    }

    /// `ahead`'s vector, emptied: the records not handed out are dropped, and what is left is
    /// their allocation. (The standard library collects a filtered `vec::IntoIter` in place,
    /// keeping its allocation: an optimization it does not promise; without it, this
    /// allocates once a batch.)
    fn take_ahead_vec(&mut self) -> Vec<Record> {
        std::mem::take(&mut self.ahead).filter(|_| false).collect()
    }

    /// [`Iterator::next`] once the records taken ahead are handed out: takes the next ones
    /// that are ready, or reads through the session.
    #[inline(never)]
    fn next_slow(&mut self) -> Option<Result<Record>> {
        if self.iter_failed {
            return None;
        }
        let mut spare = if self.ahead_allocated {
            self.take_ahead_vec()
        } else {
            // The first batch: into the vector of an earlier iterator of this session.
            self.ahead_allocated = true;
            self.session.result_spare_vec()
        };
        self.session.result_take_ready(self.id, &mut spare);
        self.ahead = spare.into_iter();
        if let Some(r) = self.ahead.next() {
            return Some(Ok(r));
        }
        let next = self.session.result_next(self.id).transpose()?;
        self.yielded(next)
    }

    /// The column names.
    ///
    /// # Errors
    /// The RUN failure, if any.
    pub fn keys(&mut self) -> Result<Keys> {
        self.session.result_keys(self.id)
    }

    /// The next record without consuming it.
    ///
    /// # Errors
    /// Server and connection errors.
    pub fn peek(&mut self) -> Result<Option<&Record>> {
        self.give_back();
        self.session.result_peek(self.id)
    }

    /// The one and only record.
    ///
    /// # Errors
    /// `ResultNotSingle` for zero or several records; server and connection errors.
    pub fn single(mut self) -> Result<Record> {
        self.give_back();
        self.session.result_single(self.id)
    }

    /// Discards the remaining records and returns the summary.
    ///
    /// # Errors
    /// Server and connection errors.
    pub fn consume(mut self) -> Result<Summary> {
        self.give_back();
        self.session.result_consume(self.id)
    }

    /// Collects the remaining records; those not requested yet are fetched from the server in
    /// one go rather than in batches of the fetch size.
    ///
    /// # Errors
    /// The first error met.
    pub fn collect_records(mut self) -> Result<Vec<Record>> {
        self.give_back();
        self.session.result_list(self.id)
    }

    /// Up to `max` records appended to `out`; `false` once the result is exhausted.
    ///
    /// # Errors
    /// Server and connection errors.
    pub fn next_batch(&mut self, max: usize, out: &mut Vec<Record>) -> Result<bool> {
        self.give_back();
        self.session.result_next_batch(self.id, max, out)
    }

    /// Up to `max` next rows into `rows` (which is emptied first and can be reused from call to
    /// call); `false` once the result is exhausted. The fastest way to stream: rows are decoded
    /// into one buffer, without a [`Record`] each.
    ///
    /// ```no_run
    /// # fn demo(session: &mut boltc::Session) -> boltc::Result<()> {
    /// let mut result = session.run("UNWIND range(1, 1000000) AS i RETURN i", None)?;
    /// let mut rows = boltc::Rows::new();
    /// let mut sum = 0;
    /// loop {
    ///     let more = result.next_rows(1000, &mut rows)?;
    ///     for row in rows.iter() {
    ///         if let boltc::Value::Int(i) = row[0] {
    ///             sum += i;
    ///         }
    ///     }
    ///     if !more {
    ///         break;
    ///     }
    /// }
    /// # let _ = sum;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// Server and connection errors; if some rows were read before one, they are returned and
    /// the error comes with the next call.
    pub fn next_rows(&mut self, max: usize, rows: &mut Rows) -> Result<bool> {
        self.give_back();
        self.session.result_next_rows(self.id, max, rows)
    }

    /// The handle inside the session (for the owned API).
    pub fn id(&self) -> ResultId {
        self.id
    }
}

impl Iterator for RecordStream<'_> {
    type Item = Result<Record>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if !self.iter_failed {
            if let Some(r) = self.ahead.next() {
                return Some(Ok(r));
            }
        }
        self.next_slow()
    }
}

impl Drop for RecordStream<'_> {
    fn drop(&mut self) {
        // The records not handed out go with the rest of the result; their vector is kept
        // for the next iterator.
        if self.ahead_allocated {
            let spare = self.take_ahead_vec();
            self.session.result_keep_vec(spare);
        }
        self.session.result_free(self.id);
    }
}
