//! Reply dispatch: reading the connection's replies in request order (the exchange says which
//! request of the session's each answers, by its tag), handing records to their result and
//! turning SUCCESS/FAILURE/IGNORED into stream, transaction and connection state.

use super::*;
use crate::bolt::response::{PullSuccess, RunSuccess};

impl Session {
    /// What the next reply answers, if any request waits.
    #[inline]
    pub(super) fn front(&self) -> Option<Pending> {
        self.conn.as_ref()?.next_reply().map(Pending::of)
    }

    /// Whether a request sent on the session's connection waits for its reply.
    #[inline]
    pub(super) fn waiting(&self) -> bool {
        self.conn.as_ref().is_some_and(|c| c.is_waiting())
    }

    /// Reads the next reply and what it answers.
    pub(super) fn recv(&mut self) -> Result<(Response, Pending)> {
        let Some(conn) = self.conn.as_mut() else {
            return Err(Error::new(ErrorKind::ServiceUnavailable, "no connection"));
        };
        let answer = match self.spares.meta_for(conn.next_reply().map(Pending::of)) {
            Some(spare) => conn.recv_answer_reusing(spare),
            None => conn.recv_answer(),
        };
        match answer {
            Ok((r, answered)) => {
                self.unproven = false;
                Ok((r, Pending::of(answered)))
            }
            Err(e) => {
                let e = self.explain(e);
                let Some(conn) = self.conn.as_mut() else {
                    return Err(e);
                };
                if std::mem::take(&mut self.unproven) && e.kind() == ErrorKind::ServiceUnavailable {
                    // Not a server failure worth telling routing about: retried by the caller.
                    self.idle_death = Some(conn.address().clone());
                    self.connection_lost(&e);
                } else if self.failure.is_some() {
                    // The server answered a FAILURE and then hung up (servers close the
                    // connection after security errors): it is alive, so routing keeps it.
                    log::debug!(
                        "[#@{}] the server hung up after a failure: {e}",
                        conn.address()
                    );
                    self.connection_lost(&e);
                } else {
                    self.connection_failed(&e);
                }
                Err(e)
            }
        }
    }

    /// Reads and dispatches one response.
    pub(super) fn process_one(&mut self) -> Result<()> {
        if !self.waiting() {
            return Err(Error::new(ErrorKind::IllegalState, "no reply is pending"));
        }
        let (resp, front) = self.recv()?;
        self.handle(front, resp)
    }

    pub(super) fn drain(&mut self) -> Result<()> {
        while self.waiting() {
            self.process_one()?;
        }
        Ok(())
    }

    /// As [`Session::drain`]; on an error that left replies unread (the connection is then
    /// closed), everything still waiting fails with it.
    pub(super) fn drain_quietly(&mut self) {
        if let Err(e) = self.drain() {
            if self.waiting() {
                if let Some(c) = self.conn.as_mut() {
                    c.mark_broken("replies left unread");
                }
                self.connection_lost(&e);
            }
        }
    }

    /// Handles a reply to `front`.
    pub(super) fn handle(&mut self, front: Pending, resp: Response) -> Result<()> {
        let values = match resp {
            Response::Record(values) => Ok(values),
            Response::InvalidRecord(e) => Err(e),
            summary => return self.handle_summary(front, summary),
        };
        let Pending::Pull(id) = front else {
            return Err(self.protocol_violation("sent a RECORD out of turn"));
        };
        let columns = self.stream_opt_mut(id).map(|s| s.keys.len());
        if let (Ok(values), Some(columns)) = (&values, columns) {
            self.check_record_len(values.len(), columns)?;
        }
        if let Some(s) = self.stream_opt_mut(id) {
            s.had_record = true;
            if !s.discarding {
                let r = match values {
                    Ok(values) => Ok(Record::new(s.keys.clone(), values)),
                    Err(e) => Err(undecodable_record(e)),
                };
                s.buffer.push_back(r);
            }
        }
        Ok(())
    }

    /// Handles a SUCCESS, FAILURE or IGNORED reply to `front`.
    pub(super) fn handle_summary(&mut self, front: Pending, resp: Response) -> Result<()> {
        match resp {
            Response::Success(meta) => self.on_success(front, meta)?,
            Response::Failure(meta) if front == Pending::Auth => {
                // The new credentials were refused: everything sent after them fails with
                // that error, and the connection is not used again.
                let mut e = failure_error(&meta);
                if self.config.auth.is_none() {
                    let token = self.conn.as_ref().and_then(|c| c.auth().cloned());
                    e = self.driver.on_security_error(token.as_ref(), e);
                }
                self.on_failure(front, e.clone());
                self.connection_lost(&e);
            }
            Response::Failure(meta) => {
                let mut e = failure_error(&meta);
                self.report_failure(&e);
                if self.config.auth.is_none() {
                    let token = self.conn.as_ref().and_then(|c| c.auth().cloned());
                    e = self.driver.on_security_error(token.as_ref(), e);
                }
                self.on_failure(front, e.clone());
                self.failure = Some(e);
                let in_tx = self.tx.is_some();
                let conn = self
                    .conn
                    .as_mut()
                    .expect("invariant: replies need a connection");
                conn.send_clear_failure(in_tx)?;
            }
            Response::Ignored => {
                let e = self.failure.clone().unwrap_or_else(|| {
                    Error::new(ErrorKind::IllegalState, "the server ignored the request")
                });
                self.on_failure(front, e);
            }
            Response::Record(_) | Response::InvalidRecord(_) => {
                unreachable!("records are handled by the caller")
            }
        }
        Ok(())
    }

    /// Handles a SUCCESS to `front`.
    ///
    /// # Errors
    /// `Protocol` (the connection is closed) for a RUN reply whose `fields` is not a list of
    /// strings.
    pub(super) fn on_success(&mut self, front: Pending, meta: Map) -> Result<()> {
        match front {
            Pending::Run(id) => {
                self.note_database(&meta);
                let run = match RunSuccess::parse(&meta, self.last_keys.as_ref()) {
                    Ok(run) => run,
                    Err(why) => return Err(self.protocol_violation(why)),
                };
                if let Some(q) = run.qid {
                    self.last_qid = Some(q);
                }
                if let Some(keys) = &run.fields {
                    self.last_keys = Some(keys.clone());
                }
                if let Some(s) = self.stream_opt_mut(id) {
                    if let Some(keys) = run.fields {
                        s.keys = keys;
                    }
                    if let Some(q) = run.qid {
                        s.qid = q;
                    }
                    s.run_meta = meta;
                    s.phase = Phase::Streaming {
                        has_more: false,
                        pulling: true,
                    };
                }
            }
            Pending::Pull(id) | Pending::Discard(id) => {
                let PullSuccess { has_more, bookmark } = PullSuccess::parse(&meta);
                if !has_more {
                    if let (false, Some(b)) = (self.stream_in_tx(id), bookmark) {
                        self.set_bookmark(b);
                    }
                }
                let server = match &self.conn {
                    Some(c) if !has_more => c.info_shared(),
                    _ => Arc::default(),
                };
                // A PULL sent ahead (see `pull_ahead`) is next in line: its records come next.
                let pulled_ahead = self.front() == Some(Pending::Pull(id));
                let mut done = false;
                if has_more {
                    self.spares.keep_end_meta(meta);
                    if let Some(s) = self.stream_opt_mut(id) {
                        s.phase = Phase::Streaming {
                            has_more: true,
                            pulling: pulled_ahead,
                        };
                    }
                } else if let Some(s) = self.stream_opt_mut(id) {
                    let summary = LazySummary::new(
                        std::mem::take(&mut s.query),
                        s.params.take(),
                        std::mem::take(&mut s.run_meta),
                        meta,
                        server,
                        s.had_record,
                    );
                    s.phase = match summary {
                        Err(e) => {
                            s.buffer.clear();
                            Phase::Failed(e)
                        }
                        Ok(summary) if s.discarding => Phase::Consumed(summary),
                        Ok(summary) => Phase::Done(summary),
                    };
                    done = true;
                }
                if done {
                    self.release_if_idle();
                }
            }
            // On Bolt 1-2 the COMMIT bookmark arrives with the PULL_ALL reply (`Aux`).
            Pending::Commit | Pending::Aux => {
                if let Some(Value::String(b)) = meta.get("bookmark") {
                    self.set_bookmark(b);
                }
            }
            Pending::Reset => self.failure = None,
            Pending::Auth => {}
            Pending::Begin => self.note_database(&meta),
            Pending::Rollback => {}
            Pending::Telemetry => self.api_announced = self.api.is_some(),
            Pending::Other => {}
        }
        Ok(())
    }

    /// The server broke the protocol (`why` completes "the server ..."): the connection is
    /// closed, and everything waiting on it fails with the error returned.
    pub(super) fn protocol_violation(&mut self, why: &str) -> Error {
        let e = Error::new(ErrorKind::Protocol, format!("the server {why}"));
        if let Some(c) = self.conn.as_mut() {
            c.mark_broken(why);
        }
        self.connection_failed(&e);
        e
    }

    /// Fails with [`Session::protocol_violation`] unless a RECORD of `len` values fits the
    /// `columns` of its result (the RUN's `fields`).
    pub(super) fn check_record_len(&mut self, len: usize, columns: usize) -> Result<()> {
        if len == columns {
            Ok(())
        } else {
            Err(self.protocol_violation(&format!(
                "sent a RECORD of {len} values for {columns} columns (the RUN's fields)"
            )))
        }
    }

    pub(super) fn on_failure(&mut self, front: Pending, e: Error) {
        match front {
            Pending::Run(id) | Pending::Pull(id) | Pending::Discard(id) => {
                let in_tx = self.stream_in_tx(id);
                if let Some(s) = self.stream_opt_mut(id) {
                    s.buffer.clear();
                    s.phase = Phase::Failed(e.clone());
                }
                if in_tx {
                    self.fail_tx(e);
                }
            }
            Pending::Begin
            | Pending::Commit
            | Pending::Rollback
            | Pending::Aux
            | Pending::Telemetry => self.fail_tx(e),
            Pending::Reset => {
                if let Some(c) = self.conn.as_mut() {
                    c.mark_broken("RESET failed");
                }
            }
            Pending::Auth => {
                if let Some(c) = self.conn.as_mut() {
                    c.mark_broken("re-authentication failed");
                }
            }
            Pending::Other => {}
        }
    }

    /// The open transaction failed: remember the first error, and end the transaction's
    /// unfinished results with it. The server dropped their streams, so nothing more may be
    /// pulled or discarded for them (records already received stay readable).
    pub(super) fn fail_tx(&mut self, e: Error) {
        let Some(tx) = &mut self.tx else {
            return;
        };
        let e = tx.failed.get_or_insert(e).clone();
        for s in self.streams.iter_mut().flatten().filter(|s| s.in_tx) {
            if matches!(s.phase, Phase::Running | Phase::Streaming { .. }) {
                s.phase = Phase::Failed(e.clone());
            }
        }
    }

    /// The connection died: everything pending fails with `e`, and the connection goes back
    /// to the pool (which drops it).
    pub(super) fn connection_failed(&mut self, e: &Error) {
        self.report_failure(e);
        self.connection_lost(e);
    }

    /// As [`Session::connection_failed`], without telling routing.
    pub(super) fn connection_lost(&mut self, e: &Error) {
        let unanswered = self
            .conn
            .as_mut()
            .map(|c| c.take_unanswered())
            .unwrap_or_default();
        for p in unanswered {
            self.on_failure(Pending::of(p), e.clone());
        }
        for s in self.streams.iter_mut().flatten() {
            if matches!(s.phase, Phase::Running | Phase::Streaming { .. }) {
                s.phase = Phase::Failed(e.clone());
            }
        }
        if let Some(tx) = &mut self.tx {
            tx.failed.get_or_insert_with(|| e.clone());
        }
        self.failure = None;
        self.drop_connection();
    }

    /// Gives the connection back when nothing needs it.
    pub(super) fn release_if_idle(&mut self) {
        if self.conn.is_none() || self.tx.is_some() || self.waiting() {
            return;
        }
        let busy = self
            .streams
            .iter()
            .flatten()
            .any(|s| matches!(s.phase, Phase::Running | Phase::Streaming { .. }));
        if !busy {
            self.drop_connection();
        }
    }
}
