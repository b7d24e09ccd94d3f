//! Explicit transactions: BEGIN (sent with the first query), COMMIT/ROLLBACK, and what ending a
//! transaction does to the results still open in it.

use super::*;

impl Session {
    pub(super) fn begin_inner(&mut self, config: &TransactionConfig, eager: bool) -> Result<()> {
        self.call(|s| {
            s.check_open()?;
            if s.conn.is_none() && s.tx.as_ref().is_some_and(|t| t.failed.is_some()) {
                // The transaction died with its connection: there is nothing left to roll back,
                // so a new one may begin without an explicit rollback (its results stay failed).
                s.finish_tx_streams();
                s.tx = None;
            }
            if s.tx.is_some() {
                return Err(Error::new(
                    ErrorKind::IllegalState,
                    "a transaction is already open",
                ));
            }
            s.settle_open_streams(false)?;
            s.with_reconnect(eager, |s, _| {
                s.ensure_connection()?;
                let meta = s.tx_meta(config, s.mode);
                s.queue_begin(&meta)?;
                s.tx = Some(TxState {
                    failed: None,
                    begun: false,
                    begin: Some(meta),
                });
                if eager {
                    s.await_begin()
                } else {
                    Ok(())
                }
            })
        })
    }

    /// Queues BEGIN (and on Bolt 1-2 its second message) on the current connection, after
    /// TELEMETRY when that is due.
    pub(super) fn queue_begin(&mut self, meta: &TxMeta) -> Result<()> {
        let api = self.api.unwrap_or(TelemetryApi::UnmanagedTransaction);
        self.queue_telemetry(api)?;
        let conn = self
            .conn
            .as_mut()
            .expect("invariant: connected before BEGIN");
        conn.send_begin(meta, Pending::BEGIN)?;
        Ok(())
    }

    /// Queues TELEMETRY for `api` ahead of the next request when the server asked for it and
    /// the driver has not turned it off; not again in an API call the server acknowledged.
    pub(super) fn queue_telemetry(&mut self, api: TelemetryApi) -> Result<()> {
        let conn = self
            .conn
            .as_mut()
            .expect("invariant: connected before TELEMETRY");
        if !conn.telemetry_enabled() || self.api_announced || self.driver.config.telemetry_disabled
        {
            return Ok(());
        }
        conn.send(&Request::Telemetry(api as i64))?;
        Ok(())
    }

    /// Reads the BEGIN reply (eager begin); on failure the transaction is gone.
    pub(super) fn await_begin(&mut self) -> Result<()> {
        let res = self.drain();
        // The first error wins: a FAILURE for BEGIN, not the lost connection after it.
        let failed = self.tx.as_ref().and_then(|t| t.failed.clone());
        if let Some(e) = failed.or(res.err()) {
            self.tx = None;
            self.release_if_idle();
            return Err(e);
        }
        if let Some(tx) = &mut self.tx {
            tx.begin = None;
        }
        Ok(())
    }

    pub(super) fn end_tx(&mut self, commit: bool) -> Result<()> {
        self.call(|s| {
            s.check_open()?;
            if s.tx.is_none() {
                return Err(Error::new(
                    ErrorKind::IllegalState,
                    "no transaction is open",
                ));
            }
            if let Err(e) = s.discard_tx_streams() {
                s.finish_tx_streams();
                s.tx = None;
                s.release_if_idle();
                return Err(e);
            }
            let tx = s.tx.as_ref().expect("invariant: checked above");
            if let Some(e) = &tx.failed {
                let e = e.clone();
                s.finish_tx_streams();
                s.drain_quietly();
                s.tx = None;
                s.release_if_idle();
                return if commit {
                    Err(e.context("cannot commit a transaction that failed"))
                } else {
                    Ok(())
                };
            }
            let conn = s
                .conn
                .as_mut()
                .expect("invariant: a transaction holds its connection");
            if commit {
                conn.send_commit(Pending::COMMIT)?;
            } else {
                conn.send_rollback(Pending::ROLLBACK)?;
            }
            let res = s.drain();
            s.finish_tx_streams();
            let failed = s.tx.take().and_then(|t| t.failed);
            s.release_if_idle();
            match (res, failed) {
                // The server refused COMMIT/ROLLBACK (and may have hung up after that).
                (_, Some(e)) if e.server_code().is_some() => Err(e),
                // A read timeout leaves the outcome just as unknown as a lost connection.
                (Err(e), _)
                    if commit
                        && matches!(
                            e.kind(),
                            ErrorKind::ServiceUnavailable
                                | ErrorKind::Timeout
                                | ErrorKind::Interrupted
                        ) =>
                {
                    Err(Error::new(
                        ErrorKind::IncompleteCommit,
                        format!(
                            "the connection was lost during COMMIT; the outcome is unknown: {e}"
                        ),
                    ))
                }
                (Err(e), _) | (Ok(()), Some(e)) => Err(e),
                (Ok(()), None) => Ok(()),
            }
        })
    }

    /// Before COMMIT/ROLLBACK: discard what the transaction's results still have on the
    /// server. A PULL in flight may end with `has_more`, so its reply is awaited and the rest
    /// discarded: the server accepts COMMIT only once every stream is closed.
    pub(super) fn discard_tx_streams(&mut self) -> Result<()> {
        let ids: Vec<ResultId> = self.stream_ids(|s| s.in_tx);
        for id in ids {
            let s = self.stream_mut(id);
            s.discarding = true;
            s.buffer.clear();
            loop {
                let s = self.stream_mut(id);
                match s.phase {
                    Phase::Streaming {
                        has_more: true,
                        pulling: false,
                    } => {
                        let qid = s.qid;
                        self.send_more(id, Request::Discard { n: -1, qid })?;
                    }
                    Phase::Running | Phase::Streaming { .. } => self.process_one()?,
                    _ => break,
                }
            }
        }
        Ok(())
    }

    pub(super) fn finish_tx_streams(&mut self) {
        for s in self.streams.iter_mut().flatten().filter(|s| s.in_tx) {
            s.buffer.clear();
            if !matches!(s.phase, Phase::Failed(_) | Phase::Consumed(_)) {
                s.phase = Phase::OutOfScope;
            }
        }
    }

    /// Makes room for new work: results of auto-commit queries (or, with `tx_only`, of the
    /// transaction) that still have records on the server are pulled in full (or discarded if
    /// the user let go of them).
    pub(super) fn settle_open_streams(&mut self, tx_only: bool) -> Result<()> {
        let ids = self.stream_ids(|s| {
            (!tx_only || s.in_tx) && matches!(s.phase, Phase::Running | Phase::Streaming { .. })
        });
        for id in ids {
            loop {
                let s = self.stream_mut(id);
                match s.phase {
                    Phase::Streaming {
                        has_more: true,
                        pulling: false,
                    } => {
                        let qid = s.qid;
                        let req = if s.discarding {
                            Request::Discard { n: -1, qid }
                        } else {
                            Request::Pull { n: -1, qid }
                        };
                        self.send_more(id, req)?;
                    }
                    Phase::Running | Phase::Streaming { .. } => {
                        if let Some(r) = self.receive_for(id)? {
                            // After any record already decoded into the buffer.
                            self.stream_mut(id).buffer.push_back(Ok(r));
                            self.buffer_rest(id)?;
                        }
                    }
                    _ => break,
                }
            }
        }
        if !tx_only {
            // Nothing else may be in flight before a new auto-commit query or transaction.
            self.drain()?;
        }
        self.release_if_idle();
        Ok(())
    }

    /// Reads everything pending for `id` into its buffer.
    pub(super) fn buffer_rest(&mut self, id: ResultId) -> Result<()> {
        while matches!(
            self.stream_mut(id).phase,
            Phase::Running | Phase::Streaming { pulling: true, .. }
        ) {
            self.process_one()?;
        }
        Ok(())
    }
}
