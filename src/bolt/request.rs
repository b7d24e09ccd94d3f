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
    /// Queues BEGIN (RUN "BEGIN" + PULL_ALL on Bolt 1-2, with the last bookmark as the
    /// statement's parameters). Every message sent is named `tag` (see
    /// [`Connection::send_tagged`]); the exchange knows how many replies follow.
    ///
    /// # Errors
    /// As [`Connection::send`].
    pub fn send_begin(&mut self, meta: &TxMeta, tag: Tag) -> Result<()> {
        // The statement's parameters exist only for the RUN form.
        let params = (self.compat().tx_statement() == TxStatement::RunPullAll).then(|| {
            let mut params = Map::new();
            if let Some(last) = meta.bookmarks.last() {
                params.insert("bookmark".into(), Value::String(last.clone()));
                params.insert(
                    "bookmarks".into(),
                    Value::List(meta.bookmarks.iter().cloned().map(Value::String).collect()),
                );
            }
            params
        });
        self.send_tx_statement(&Request::Begin(meta), "BEGIN", params.as_ref(), tag)
    }

    /// Queues COMMIT (RUN "COMMIT" + PULL_ALL on Bolt 1-2), named `tag`.
    ///
    /// # Errors
    /// As [`Connection::send`].
    pub fn send_commit(&mut self, tag: Tag) -> Result<()> {
        self.send_tx_statement(&Request::Commit, "COMMIT", None, tag)
    }

    /// Queues ROLLBACK (RUN "ROLLBACK" + PULL_ALL on Bolt 1-2), named `tag`.
    ///
    /// # Errors
    /// As [`Connection::send`].
    pub fn send_rollback(&mut self, tag: Tag) -> Result<()> {
        self.send_tx_statement(&Request::Rollback, "ROLLBACK", None, tag)
    }

    /// A transaction statement as this version sends it: `message` on 3+, else the
    /// statement `query` (with `params`) as RUN + PULL_ALL; every message named `tag`.
    fn send_tx_statement(
        &mut self,
        message: &Request<'_>,
        query: &str,
        params: Option<&Map>,
        tag: Tag,
    ) -> Result<()> {
        if self.compat().tx_statement() == TxStatement::Message {
            return self.send_tagged(message, tag);
        }
        self.send_tagged(
            &Request::Run {
                query,
                params,
                meta: None,
            },
            tag,
        )?;
        self.send_tagged(&Request::Pull { n: -1, qid: -1 }, tag)
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
