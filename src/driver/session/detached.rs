//! The owned ("detached") API: results as [`ResultId`] handles kept in the session instead of
//! borrowing wrappers. It exists for the bindings (the C API, and through it C++ and Python,
//! and the TestKit backend), which cannot hold Rust lifetimes; Rust programs use
//! [`Session::run`], [`RecordStream`] and [`Transaction`] instead. Each entry point applies the
//! call deadline once (`Session::call`).

use super::*;

impl Session {
    /// Runs an auto-commit query; returns a handle to its result.
    ///
    /// # Errors
    /// As [`Session::run`].
    pub fn run_detached(
        &mut self,
        query: &str,
        params: Option<Map>,
        config: &TransactionConfig,
    ) -> Result<ResultId> {
        self.call(|s| {
            s.check_open()?;
            if s.tx.is_some() {
                return Err(Error::new(
                    ErrorKind::IllegalState,
                    "a transaction is open in this session; run queries in it or close it first",
                ));
            }
            s.settle_open_streams(false)?;
            let mut params = params;
            let mut sent_in: Option<ResultId> = None;
            s.with_reconnect(true, |s, _| {
                if let Some(id) = sent_in.take() {
                    // Again: the parameters went with the first attempt's stream.
                    params = s.streams[id.index as usize].take().and_then(|st| st.params);
                }
                s.ensure_connection()?;
                let meta = s.tx_meta(config, s.mode);
                let id = s.new_stream(query, params.take(), false);
                sent_in = Some(id);
                let sent = s
                    .queue_telemetry(TelemetryApi::AutoCommit)
                    .and_then(|()| s.send_run_pull(id, query, Some(&meta)));
                s.after_send(id, sent)
            })
        })
    }

    /// Begins an explicit transaction and waits for the server's reply.
    ///
    /// # Errors
    /// As [`Session::begin_transaction`], plus server errors for BEGIN.
    pub fn begin_detached(&mut self, config: &TransactionConfig) -> Result<()> {
        self.begin_inner(config, true)
    }

    /// As [`Session::begin_detached`], in access mode `mode` instead of the session's default:
    /// for bindings that drive their own transaction functions (read or write) on top of it.
    ///
    /// # Errors
    /// As [`Session::begin_detached`].
    pub fn begin_detached_in_mode(
        &mut self,
        config: &TransactionConfig,
        mode: AccessMode,
    ) -> Result<()> {
        let saved = std::mem::replace(&mut self.mode, mode);
        let res = self.begin_inner(config, true);
        self.mode = saved;
        res
    }

    /// Runs a query in the open transaction; returns a handle to its result.
    ///
    /// # Errors
    /// `IllegalState` without an open transaction or after it failed; server errors.
    pub fn tx_run_detached(&mut self, query: &str, params: Option<Map>) -> Result<ResultId> {
        self.call(|s| {
            s.check_open()?;
            s.check_tx_usable()?;
            let multi = s
                .conn
                .as_ref()
                .is_some_and(|c| c.compat().several_open_results());
            if !multi {
                s.settle_open_streams(true)?;
            }
            s.ensure_connection()?;
            let first = s.tx.as_ref().is_some_and(|t| !t.begun);
            let mut params = params;
            let mut sent_in: Option<ResultId> = None;
            // Only the first query can go again elsewhere: BEGIN left with it, so nothing of
            // the transaction lives on the dead connection.
            s.with_reconnect(first, |s, first_error| {
                if let Some(e) = first_error {
                    if let Some(id) = sent_in.take() {
                        params = s.streams[id.index as usize].take().and_then(|st| st.params);
                    }
                    let meta = s.tx.as_mut().and_then(|t| {
                        t.failed = None;
                        t.begin.clone()
                    });
                    let Some(meta) = meta else { return Err(e) };
                    s.ensure_connection()?;
                    s.queue_begin(&meta)?;
                }
                let id = s.new_stream(query, params.take(), true);
                sent_in = Some(id);
                let sent = s.send_run_pull(id, query, None);
                if let Some(tx) = &mut s.tx {
                    tx.begun = true;
                }
                s.after_send(id, sent)
            })
        })
    }

    /// Commits the open transaction. Results not yet read are discarded.
    ///
    /// # Errors
    /// Server errors; `IncompleteCommit` when the connection dropped before the reply.
    pub fn commit_detached(&mut self) -> Result<()> {
        self.end_tx(true)
    }

    /// Rolls the open transaction back. Results not yet read are discarded.
    ///
    /// # Errors
    /// Server and connection errors.
    pub fn rollback_detached(&mut self) -> Result<()> {
        self.end_tx(false)
    }

    /// Whether a transaction is open.
    pub fn in_transaction(&self) -> bool {
        self.tx.is_some()
    }

    /// The column names of a result (waits for the RUN reply).
    ///
    /// # Errors
    /// The RUN failure; `InvalidArgument` for a stale handle.
    pub fn result_keys(&mut self, id: ResultId) -> Result<Keys> {
        self.call(|s| {
            while matches!(s.stream_checked(id)?.phase, Phase::Running) {
                s.process_one()?;
            }
            let s = s.stream_checked(id)?;
            match &s.phase {
                Phase::Failed(e) if s.keys.is_empty() => Err(e.clone()),
                _ => Ok(s.keys.clone()),
            }
        })
    }

    /// The next record of a result, or `None` at its end.
    ///
    /// # Errors
    /// Server and connection errors (returned again on later calls); `ResultConsumed` after
    /// consume or after its transaction ended.
    #[inline]
    pub fn result_next(&mut self, id: ResultId) -> Result<Option<Record>> {
        // The common case while streaming: a record decoded earlier is waiting (no I/O, so
        // no call deadline either). Inline, so it merges into the caller's loop.
        if let Some(Some(s)) = self.streams.get_mut(id.index as usize) {
            if s.generation == id.generation {
                if let Some(r) = s.buffer.pop_front() {
                    return r.map(Some);
                }
            }
        }
        self.result_next_unbuffered(id)
    }

    /// [`Session::result_next`] when no record of `id` is buffered.
    #[inline(never)]
    fn result_next_unbuffered(&mut self, id: ResultId) -> Result<Option<Record>> {
        // Next most common: the record is in the connection's read buffer, whole. It is
        // decoded straight from there (no I/O either, and no trip through `buffer`).
        if self.take_buffered_records(id) > 0 {
            if let Some(r) = self.stream_mut(id).buffer.pop_front() {
                return r.map(Some);
            }
        }
        self.call(|s| {
            if !s.fill(id)? {
                return Ok(None);
            }
            let s = s.stream_checked_mut(id)?;
            s.buffer
                .pop_front()
                .expect("invariant: fill buffered a record")
                .map(Some)
        })
    }

    /// Appends to `out` the records of `id` that are ready without I/O: those decoded earlier
    /// (up to the first error buffered among them), or else those the connection has buffered
    /// whole, decoded straight into `out`. Returns how many; none when the next thing to read
    /// is not a record of `id` (a summary, an error, bytes still to come), which
    /// [`Session::result_next`] handles. For the iterator of
    /// [`RecordStream`](crate::RecordStream), which hands the records out itself and gives back
    /// what it did not ([`Session::result_unread`]), and refills the same vector batch after
    /// batch.
    pub(crate) fn result_take_ready(&mut self, id: ResultId, out: &mut Vec<Record>) -> usize {
        let Some(s) = self.stream_opt_mut(id) else {
            return 0;
        };
        if s.buffer.is_empty() {
            return self.take_buffered_records_into(id, out);
        }
        let before = out.len();
        while let Some(Ok(_)) = s.buffer.front() {
            if let Some(Ok(r)) = s.buffer.pop_front() {
                out.push(r);
            }
        }
        out.len() - before
    }

    /// An empty vector for [`Session::result_take_ready`] to fill: the one an earlier
    /// iterator gave back ([`Session::result_keep_vec`]) when there is one, so a query read
    /// through the iterator allocates none.
    pub(crate) fn result_spare_vec(&mut self) -> Vec<Record> {
        self.spares.records()
    }

    /// Takes back the vector of an iterator that is done (emptied here), for the next one.
    pub(crate) fn result_keep_vec(&mut self, records: Vec<Record>) {
        self.spares.keep_records(records);
    }

    /// Puts `records` (taken by [`Session::result_take_ready`] and not handed out) back in
    /// front of what `id` still holds, in their order.
    pub(crate) fn result_unread(
        &mut self,
        id: ResultId,
        records: impl DoubleEndedIterator<Item = Record>,
    ) {
        if let Some(s) = self.stream_opt_mut(id) {
            for r in records.rev() {
                s.buffer.push_front(Ok(r));
            }
        }
    }

    /// All the remaining records of a result. Records not yet requested from the server are
    /// fetched in one go (`PULL n=-1`) rather than in batches of the fetch size.
    ///
    /// # Errors
    /// As [`Session::result_next`] (the records before an error are lost).
    pub fn result_list(&mut self, id: ResultId) -> Result<Vec<Record>> {
        let mut out = Vec::new();
        while self.fill_with(id, -1)? {
            let s = self.stream_checked_mut(id)?;
            out.push(
                s.buffer
                    .pop_front()
                    .expect("invariant: fill buffered a record")?,
            );
        }
        Ok(out)
    }

    /// Makes sure the next record of `id` (or the error in its place) is buffered; `false` at
    /// the end of the result.
    fn fill(&mut self, id: ResultId) -> Result<bool> {
        let n = self.fetch_size;
        self.fill_with(id, n)
    }

    /// [`Session::fill`], asking for `n` more records when the server has more.
    fn fill_with(&mut self, id: ResultId, n: i64) -> Result<bool> {
        loop {
            let s = self.stream_checked_mut(id)?;
            if !s.buffer.is_empty() {
                return Ok(true);
            }
            match &s.phase {
                Phase::Done(_) => return Ok(false),
                Phase::Failed(e) => return Err(e.clone()),
                Phase::Consumed(_) => return Err(consumed_error()),
                Phase::OutOfScope => return Err(out_of_scope_error()),
                Phase::Streaming {
                    has_more: true,
                    pulling: false,
                } => {
                    let qid = s.qid;
                    self.send_more(id, Request::Pull { n, qid })?;
                }
                phase @ (Phase::Running | Phase::Streaming { .. }) => {
                    // Past the first batch, the next read from the socket waits for the
                    // stream's next batch (a PULL is in flight whenever the server has more).
                    let later_batch = matches!(phase, Phase::Streaming { .. });
                    self.pull_ahead(id, n)?;
                    if self.take_buffered_records(id) > 0 {
                        return Ok(true);
                    }
                    if later_batch {
                        if let Some(conn) = self.conn.as_mut() {
                            conn.stream_mut().wait_for_batch();
                        }
                    }
                    let received = self.receive_for(id);
                    if later_batch {
                        if let Some(conn) = self.conn.as_mut() {
                            conn.stream_mut().batch_came();
                        }
                    }
                    if let Some(r) = received? {
                        self.stream_mut(id).buffer.push_back(Ok(r));
                        // That read may have brought the summary ending the batch: the
                        // next PULL goes out now, not after the records read with it
                        // (which `result_next` takes without coming here).
                        self.pull_ahead(id, n)?;
                        return Ok(true);
                    }
                }
            }
        }
    }

    /// Up to `max` records into `out` (appended); returns `false` once the result is exhausted.
    ///
    /// # Errors
    /// As [`Session::result_next`].
    pub fn result_next_batch(
        &mut self,
        id: ResultId,
        max: usize,
        out: &mut Vec<Record>,
    ) -> Result<bool> {
        self.call(|s| {
            let mut n = 0;
            while n < max {
                // Move what is buffered in one go; anything else goes through result_next.
                if let Some(Some(s)) = s.streams.get_mut(id.index as usize) {
                    if s.generation == id.generation {
                        while n < max && matches!(s.buffer.front(), Some(Ok(_))) {
                            if let Some(Ok(r)) = s.buffer.pop_front() {
                                out.push(r);
                            }
                            n += 1;
                        }
                    }
                }
                if n == max {
                    break;
                }
                match s.result_next(id)? {
                    Some(r) => out.push(r),
                    None => return Ok(false),
                }
                n += 1;
            }
            Ok(true)
        })
    }

    /// Up to `max` next rows into `rows` (emptied first); `false` once the result is
    /// exhausted. Rows already buffered whole by the connection are decoded straight into the
    /// block, without a [`Record`] each. An error is returned only if no row could be read;
    /// otherwise the rows before it are returned and the error comes with the next call.
    ///
    /// # Errors
    /// As [`Session::result_next`].
    pub fn result_next_rows(&mut self, id: ResultId, max: usize, rows: &mut Rows) -> Result<bool> {
        self.call(|s| {
            rows.reset(&s.stream_checked(id)?.keys);
            while rows.len() < max {
                // Records decoded earlier (by a peek, or a batch of the record path) come first.
                if let Some(Some(s)) = s.streams.get_mut(id.index as usize) {
                    while rows.len() < max && matches!(s.buffer.front(), Some(Ok(_))) {
                        if let Some(Ok(r)) = s.buffer.pop_front() {
                            rows.push_record(r);
                        }
                    }
                }
                if rows.len() == max {
                    break;
                }
                if s.stream_checked(id)?.buffer.is_empty() {
                    let n = s.fetch_size;
                    s.pull_ahead(id, n)?;
                    if s.take_buffered_rows(id, max - rows.len(), rows) > 0 {
                        continue;
                    }
                }
                // Anything else (I/O, a summary, an error, the next PULL) as for one record.
                match s.result_next(id) {
                    Ok(Some(r)) => rows.push_record(r),
                    Ok(None) => return Ok(false),
                    Err(e) if !rows.is_empty() => {
                        // The rows come first, the error with the next call: kept in front of
                        // the stream's buffer (a record that did not decode is gone otherwise; a
                        // failed stream would give its error again anyway).
                        if let Ok(s) = s.stream_checked_mut(id) {
                            s.buffer.push_front(Err(e));
                        }
                        return Ok(true);
                    }
                    Err(e) => return Err(e),
                }
            }
            Ok(true)
        })
    }

    /// As [`Session::take_buffered_records`], decoding into a block of rows.
    fn take_buffered_rows(&mut self, id: ResultId, max: usize, rows: &mut Rows) -> usize {
        self.take_buffered_into(id, max, |s, d| {
            let columns = s.keys.len();
            rows.push_row(|slots| {
                let len = d.read_list_header().ok()?;
                if len != columns {
                    // Left for `receive_for` to refuse.
                    return None;
                }
                for slot in slots.take(len) {
                    d.refill_item(slot).ok()?;
                }
                d.is_at_end().then_some(())
            })
        })
    }

    /// The next record without consuming it.
    ///
    /// # Errors
    /// As [`Session::result_next`].
    pub fn result_peek(&mut self, id: ResultId) -> Result<Option<&Record>> {
        if self.needs_deadline() {
            // Fill under the deadline, then look without I/O.
            self.timed(|s| s.result_peek(id).map(|_| ()))?;
        }
        if !self.fill(id)? {
            return Ok(None);
        }
        match self.stream_checked(id)?.buffer.front() {
            Some(Ok(r)) => Ok(Some(r)),
            Some(Err(e)) => Err(e.clone()),
            None => Ok(None),
        }
    }

    /// The one record of a result; fails if there are zero or several (the rest is discarded).
    ///
    /// # Errors
    /// `ResultNotSingle`, and as [`Session::result_next`].
    pub fn result_single(&mut self, id: ResultId) -> Result<Record> {
        self.call(|s| {
            let first = s.result_next(id)?;
            let more = s.result_peek(id)?.is_some();
            match (first, more) {
                (Some(r), false) => Ok(r),
                (None, _) => Err(Error::new(
                    ErrorKind::ResultNotSingle,
                    "expected exactly one record, but the result is empty",
                )),
                (Some(_), true) => {
                    s.result_consume(id)?;
                    Err(Error::new(
                        ErrorKind::ResultNotSingle,
                        "expected exactly one record, but the result has more",
                    ))
                }
            }
        })
    }

    /// Discards the rest of a result and returns its summary.
    ///
    /// # Errors
    /// Server and connection errors; `ResultConsumed` after its transaction ended.
    pub fn result_consume(&mut self, id: ResultId) -> Result<Summary> {
        self.call(|s| loop {
            let st = s.stream_checked_mut(id)?;
            st.discarding = true;
            st.buffer.clear();
            match &mut st.phase {
                Phase::Done(_) | Phase::Consumed(_) => {
                    let phase = std::mem::replace(&mut st.phase, Phase::OutOfScope);
                    let (Phase::Done(mut sum) | Phase::Consumed(mut sum)) = phase else {
                        unreachable!("matched above")
                    };
                    let got = sum.get().cloned();
                    st.phase = Phase::Consumed(sum);
                    return got;
                }
                Phase::Failed(e) => return Err(e.clone()),
                Phase::OutOfScope => return Err(out_of_scope_error()),
                Phase::Streaming {
                    has_more: true,
                    pulling: false,
                } => {
                    let qid = st.qid;
                    s.send_more(id, Request::Discard { n: -1, qid })?;
                }
                Phase::Running | Phase::Streaming { .. } => {
                    s.receive_for(id)?;
                }
            }
        })
    }

    /// Whether the result has been fully received or consumed (no records left on the server).
    ///
    /// # Errors
    /// `InvalidArgument` for a stale handle.
    pub fn result_is_finished(&self, id: ResultId) -> Result<bool> {
        Ok(!matches!(
            self.stream_checked(id)?.phase,
            Phase::Running | Phase::Streaming { .. }
        ))
    }

    /// Forgets a result. Records still on the server are discarded lazily.
    pub fn result_free(&mut self, id: ResultId) {
        let Some(idx) = self.valid_index(id) else {
            return;
        };
        let s = self.streams[idx].as_mut().expect("invariant: valid index");
        s.discarding = true;
        s.buffer.clear();
        let finished = !matches!(s.phase, Phase::Running | Phase::Streaming { .. });
        if finished {
            if let Some(s) = self.streams[idx].take() {
                self.spares.salvage(s);
            }
        }
    }
}
