//! The result slab: the session's open results ([`ResultId`] indexes with a generation), their
//! records buffered from the connection, and the requests that feed them (RUN+PULL, more
//! PULLs, the pull-ahead of the next batch).

use super::*;

impl Session {
    pub(super) fn new_stream(&mut self, query: &str, params: Option<Map>, in_tx: bool) -> ResultId {
        self.generation = self.generation.wrapping_add(1);
        let stream = Stream {
            generation: self.generation,
            keys: Keys::default(),
            qid: -1,
            buffer: self.spares.buffer(),
            phase: Phase::Running,
            run_meta: Map::new(),
            query: self.spares.query(query),
            params,
            in_tx,
            discarding: false,
            had_record: false,
            pulled_at: None,
        };
        let index = match self.streams.iter().position(Option::is_none) {
            Some(i) => {
                self.streams[i] = Some(stream);
                i
            }
            None => {
                self.streams.push(Some(stream));
                self.streams.len() - 1
            }
        };
        // The slab never holds more than u32::MAX results at once.
        #[allow(clippy::cast_possible_truncation)]
        ResultId {
            index: index as u32,
            generation: self.generation,
        }
    }

    /// After queueing RUN + PULL: register them, or undo the stream if encoding failed.
    pub(super) fn after_send(&mut self, id: ResultId, sent: Result<()>) -> Result<ResultId> {
        if let Err(e) = sent {
            self.streams[id.index as usize] = None;
            self.release_if_idle();
            return Err(e);
        }
        // The RUN reply is read now, so errors surface here and the keys are known.
        self.stream_mut(id).phase = Phase::Running;
        while matches!(self.stream_mut(id).phase, Phase::Running) {
            self.process_one()?;
        }
        if let Phase::Failed(e) = &self.stream_mut(id).phase {
            let e = e.clone();
            // The server error is the answer even if the connection dies right after it
            // (the server may hang up after a security error).
            self.drain_quietly();
            self.streams[id.index as usize] = None;
            self.release_if_idle();
            return Err(e);
        }
        Ok(id)
    }

    pub(super) fn send_more(&mut self, id: ResultId, req: Request<'_>) -> Result<()> {
        // The latest query is the server's default target: no need to name it.
        let req = match req {
            Request::Pull { n, qid } if Some(qid) == self.last_qid => Request::Pull { n, qid: -1 },
            Request::Discard { n, qid } if Some(qid) == self.last_qid => {
                Request::Discard { n, qid: -1 }
            }
            other => other,
        };
        let conn = self.conn.as_mut().ok_or_else(|| {
            Error::new(
                ErrorKind::ServiceUnavailable,
                "the connection of this result was lost",
            )
        })?;
        conn.send_tagged(&req, Pending::tag(id))?;
        let s = self.stream_mut(id);
        if let Phase::Streaming { pulling, .. } = &mut s.phase {
            *pulling = true;
        }
        // The time since the stream's last PULL of a batch is what one batch took: the
        // connection times its ways of getting batches with it (see `net/pace.rs`).
        if matches!(req, Request::Pull { n, .. } if n > 0) {
            let now = Instant::now();
            if let (Some(at), Some(conn)) = (s.pulled_at.replace(now), self.conn.as_mut()) {
                conn.stream_mut()
                    .batch_took(now.saturating_duration_since(at));
            }
        }
        Ok(())
    }

    /// Sends the PULL for `id`'s next batch (of `n`) as soon as the summary that ends the
    /// current batch is in the read buffer saying the server has more, before the records
    /// ahead of it are decoded: the server produces the next batch while this one is read,
    /// instead of the two taking turns. At most the current batch and the next are ever
    /// buffered (by the socket), so memory stays bounded by the fetch size.
    ///
    /// Only for batches of [`PULL_AHEAD_MIN`] records or more: decoding a smaller one takes
    /// less than the round trip it would hide, and a user who asks for tiny batches wants the
    /// server to do no more than asked. A pull of everything (`n` = -1), a discarded stream or
    /// anything else in flight is left alone too, and so is a connection whose streams found
    /// that pulling after each batch gets them faster (see `net/pace.rs`).
    ///
    /// The PULL sent ahead is the second `Pull(id)` waiting (nothing else is in flight
    /// when it leaves, and none goes out while it waits); the current batch's summary finds it
    /// there and keeps the stream pulling.
    pub(super) fn pull_ahead(&mut self, id: ResultId, n: i64) -> Result<()> {
        if n < PULL_AHEAD_MIN {
            return Ok(());
        }
        let (Some(conn), Some(Some(s))) =
            (self.conn.as_mut(), self.streams.get_mut(id.index as usize))
        else {
            return Ok(());
        };
        if conn.next_reply() != Some((Wire::Pull, Pending::tag(id)))
            || conn.waiting().nth(1).is_some()
            || s.generation != id.generation
            || s.discarding
            || !matches!(s.phase, Phase::Streaming { pulling: true, .. })
            || !conn.stream().pulls_ahead()
            || conn.buffered_batch_has_more() != Some(true)
        {
            return Ok(());
        }
        // Queued only: the connection takes no buffered record while a request waits, so the
        // next read (right after this) sends it first, with that read's error handling.
        let qid = s.qid;
        self.send_more(id, Request::Pull { n, qid })
    }

    /// Decodes the records of `id` that the connection has already buffered whole, in one tight
    /// loop, into the stream's buffer. A batch of wide rows stays within the values a thread
    /// keeps from dropped records (`MAX_SPARES` in record.rs), so that a loop that drops each
    /// record decodes the next batch into them; single-column records are held inline, so they
    /// come in larger batches (fewer calls per record; 6 -> 32 took W1's iterator from 428 to
    /// 404 instructions a record; 32 -> 128 took it from 284 to 279, and 256 would save 1
    /// more). Wide rows went from 6 to 24 a batch when records were first decoded into spares
    /// and the iterator traded allocations with the stream (W1b through the iterator: 232.7M
    /// -> 223.3M instructions; 16: 224.9M, 32: 222.6M). Stops at anything else (a summary, a
    /// record that does not decode), which is left for [`Session::receive_for`] to read and
    /// handle. Returns how many were decoded.
    pub(super) fn take_buffered_records(&mut self, id: ResultId) -> usize {
        let batch = self.record_batch(id);
        // A record of another length than the columns is left for `receive_for` to refuse.
        // Early returns rather than `match .. if` guard: with the guard, LLVM copied each
        // decoded record through the stack several times (W1 +15 instructions a record,
        // depending only on how the crate fell into codegen units).
        self.take_buffered_into(id, batch, |s, d| {
            let Ok(r) = Record::decode(&s.keys, d) else {
                return false;
            };
            if !d.is_at_end() || r.len() != s.keys.len() {
                return false;
            }
            s.buffer.push_back(Ok(r));
            true
        })
    }

    /// How many buffered records of `id` are decoded in one go (see
    /// [`Session::take_buffered_records`]).
    fn record_batch(&self, id: ResultId) -> usize {
        match self.streams.get(id.index as usize) {
            Some(Some(s)) if s.keys.len() == 1 => 128,
            _ => 24,
        }
    }

    /// [`Session::take_buffered_records`] for the iterator: the records go straight into
    /// `out` (see [`Record::decode_into`]) rather than through the stream's buffer, in batches
    /// of the same size. Returns how many. (W1 through the iterator: 269M -> 230M instructions,
    /// and W1b's 223M stay: the queue's push and the move out of it, and a stall of the
    /// processor on every record, are gone.)
    pub(super) fn take_buffered_records_into(
        &mut self,
        id: ResultId,
        out: &mut Vec<Record>,
    ) -> usize {
        let batch = self.record_batch(id);
        out.reserve(batch);
        self.take_buffered_into(id, batch, |s, d| Record::decode_into(&s.keys, d, out))
    }

    /// Offers up to `max` RECORD messages of `id` that the connection has buffered whole to
    /// `take` (the stream, a decoder positioned at the field list), while `take` accepts them:
    /// the fast path of streaming, without I/O. Nothing is taken unless `id`'s PULL is the
    /// reply being read and its records are kept.
    pub(super) fn take_buffered_into(
        &mut self,
        id: ResultId,
        max: usize,
        mut take: impl FnMut(&mut Stream, &mut Decoder<'_>) -> bool,
    ) -> usize {
        let (Some(conn), Some(Some(s))) =
            (self.conn.as_mut(), self.streams.get_mut(id.index as usize))
        else {
            return 0;
        };
        if conn.next_reply() != Some((Wire::Pull, Pending::tag(id)))
            || s.generation != id.generation
            || s.discarding
        {
            return 0;
        }
        let taken = conn.take_buffered(max, |bytes, opts| {
            let mut d = Decoder::new(bytes, opts);
            records::at_fields(&mut d) && take(s, &mut d)
        });
        if taken > 0 {
            s.had_record = true;
        }
        taken
    }

    /// Reads one response; if it is a record of `id`'s (and `id` keeps its records) returns it
    /// directly instead of buffering.
    pub(super) fn receive_for(&mut self, id: ResultId) -> Result<Option<Record>> {
        if let Some(Pending::Pull(front)) = self.front() {
            if front == id {
                let (resp, answered) = self.recv()?;
                if let Response::Record(values) = resp {
                    let columns = self.stream_mut(id).keys.len();
                    self.check_record_len(values.len(), columns)?;
                    let s = self.stream_mut(id);
                    s.had_record = true;
                    if s.discarding {
                        return Ok(None);
                    }
                    return Ok(Some(Record::new(s.keys.clone(), values)));
                }
                self.handle(answered, resp)?;
                return Ok(None);
            }
        }
        self.process_one()?;
        Ok(None)
    }

    pub(super) fn stream_ids(&self, pred: impl Fn(&Stream) -> bool) -> Vec<ResultId> {
        self.streams
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().filter(|s| pred(s)).map(|s| (i, s.generation)))
            .map(|(i, generation)| {
                // The slab never holds more than u32::MAX results at once.
                #[allow(clippy::cast_possible_truncation)]
                ResultId {
                    index: i as u32,
                    generation,
                }
            })
            .collect()
    }

    pub(super) fn valid_index(&self, id: ResultId) -> Option<usize> {
        let i = id.index as usize;
        match self.streams.get(i) {
            Some(Some(s)) if s.generation == id.generation => Some(i),
            _ => None,
        }
    }

    pub(super) fn stream_opt_mut(&mut self, id: ResultId) -> Option<&mut Stream> {
        let i = self.valid_index(id)?;
        self.streams[i].as_mut()
    }

    pub(super) fn stream_in_tx(&self, id: ResultId) -> bool {
        self.valid_index(id)
            .and_then(|i| self.streams[i].as_ref())
            .is_some_and(|s| s.in_tx)
    }

    /// Queues RUN and the first PULL for a new stream (they leave in one write).
    pub(super) fn send_run_pull(
        &mut self,
        id: ResultId,
        query: &str,
        meta: Option<&TxMeta>,
    ) -> Result<()> {
        let params = self.streams[id.index as usize]
            .as_ref()
            .expect("invariant: live stream")
            .params
            .as_ref();
        let conn = self
            .conn
            .as_mut()
            .expect("invariant: connected before running");
        let tag = Pending::tag(id);
        conn.send_tagged(
            &Request::Run {
                query,
                params,
                meta,
            },
            tag,
        )?;
        conn.send_tagged(
            &Request::Pull {
                n: self.fetch_size,
                qid: -1,
            },
            tag,
        )
    }

    pub(super) fn stream_mut(&mut self, id: ResultId) -> &mut Stream {
        self.streams[id.index as usize]
            .as_mut()
            .expect("invariant: live stream")
    }

    pub(super) fn stream_checked(&self, id: ResultId) -> Result<&Stream> {
        match self.valid_index(id) {
            Some(i) => Ok(self.streams[i].as_ref().expect("invariant: valid index")),
            None => Err(stale_error()),
        }
    }

    pub(super) fn stream_checked_mut(&mut self, id: ResultId) -> Result<&mut Stream> {
        match self.valid_index(id) {
            Some(i) => Ok(self.streams[i].as_mut().expect("invariant: valid index")),
            None => Err(stale_error()),
        }
    }
}
