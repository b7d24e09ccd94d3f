//! Requests whose shape depends on the Bolt version: transaction statements (messages on 3+,
//! `RUN "BEGIN"` + PULL_ALL on 1-2) and clearing a failure (RESET, or ACK_FAILURE on 1-2).
//! Built on [`Connection::send`]; the rules themselves are in `compat.rs`.

use super::compat::TxStatement;
use super::connection::{Connection, Transport};
use super::exchange::Tag;
use super::message::{Request, TxMeta};
use crate::error::Result;
use crate::value::{Map, Value};

impl<S: Transport> Connection<S> {
    /// Queues BEGIN (RUN "BEGIN" + PULL_ALL on Bolt 1-2). Every message sent is named `tag`
    /// (see [`Connection::send_tagged`]). Returns how many summaries to expect.
    ///
    /// # Errors
    /// As [`Connection::send`].
    pub fn send_begin(&mut self, meta: &TxMeta, tag: Tag) -> Result<usize> {
        let shape = self.compat().tx_statement();
        if shape == TxStatement::Message {
            self.send_tagged(&Request::Begin(meta), tag)?;
            return Ok(shape.replies());
        }
        let mut params = Map::new();
        if let Some(last) = meta.bookmarks.last() {
            params.insert("bookmark".into(), Value::String(last.clone()));
            params.insert(
                "bookmarks".into(),
                Value::List(meta.bookmarks.iter().cloned().map(Value::String).collect()),
            );
        }
        self.send_legacy_tx_statement("BEGIN", Some(&params), tag)
    }

    /// Queues COMMIT (RUN "COMMIT" + PULL_ALL on Bolt 1-2). Every message sent is named `tag`
    /// (see [`Connection::send_tagged`]). Returns how many summaries to expect.
    ///
    /// # Errors
    /// As [`Connection::send`].
    pub fn send_commit(&mut self, tag: Tag) -> Result<usize> {
        let shape = self.compat().tx_statement();
        if shape == TxStatement::Message {
            self.send_tagged(&Request::Commit, tag)?;
            return Ok(shape.replies());
        }
        self.send_legacy_tx_statement("COMMIT", None, tag)
    }

    /// Queues ROLLBACK (RUN "ROLLBACK" + PULL_ALL on Bolt 1-2). Returns how many summaries to
    /// expect.
    ///
    /// # Errors
    /// As [`Connection::send`].
    pub fn send_rollback(&mut self, tag: Tag) -> Result<usize> {
        let shape = self.compat().tx_statement();
        if shape == TxStatement::Message {
            self.send_tagged(&Request::Rollback, tag)?;
            return Ok(shape.replies());
        }
        self.send_legacy_tx_statement("ROLLBACK", None, tag)
    }

    fn send_legacy_tx_statement(
        &mut self,
        query: &str,
        params: Option<&Map>,
        tag: Tag,
    ) -> Result<usize> {
        self.send_tagged(
            &Request::Run {
                query,
                params,
                meta: None,
            },
            tag,
        )?;
        self.send_tagged(&Request::Pull { n: -1, qid: -1 }, tag)?;
        Ok(TxStatement::RunPullAll.replies())
    }

    /// Queues the message that clears a FAILURE: RESET, or on Bolt 1-2 ACK_FAILURE outside a
    /// transaction (inside one, RESET, so the failed transaction is rolled back as on 3+).
    ///
    /// # Errors
    /// As [`Connection::send`].
    pub fn send_clear_failure(&mut self, in_tx: bool) -> Result<()> {
        if self.compat().clears_failure_with_reset(in_tx) {
            self.send(&Request::Reset)
        } else {
            self.send(&Request::AckFailure)
        }
    }
}
