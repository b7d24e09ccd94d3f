//! [`Transaction`]: an explicit transaction borrowing its session.

use super::result::RecordStream;
use super::session::Session;
use crate::bolt::ServerInfo;
use crate::error::Result;
use crate::value::Map;

/// An explicit transaction. At most one is open per session (it borrows the session mutably).
///
/// `commit` and `rollback` consume it; dropping it open rolls back as a best effort.
pub struct Transaction<'s> {
    session: &'s mut Session,
    open: bool,
}

impl<'s> Transaction<'s> {
    pub(crate) fn new(session: &'s mut Session) -> Self {
        Transaction {
            session,
            open: true,
        }
    }

    /// Runs a query in the transaction.
    ///
    /// # Errors
    /// Server errors (after which the transaction can only be rolled back), connection errors.
    pub fn run(&mut self, query: &str, params: Option<Map>) -> Result<RecordStream<'_>> {
        let id = self.session.tx_run_detached(query, params)?;
        Ok(RecordStream::new(self.session, id))
    }

    /// The server and connection this transaction runs on: address, server agent,
    /// server-assigned connection id and negotiated protocol version. `None` once the connection
    /// was lost.
    pub fn connection_info(&self) -> Option<ServerInfo> {
        self.session.connection_info()
    }

    /// Commits.
    ///
    /// # Errors
    /// Server errors; `IncompleteCommit` if the connection dropped before the reply.
    pub fn commit(mut self) -> Result<()> {
        self.open = false;
        self.session.commit_detached()
    }

    /// Rolls back.
    ///
    /// # Errors
    /// Connection errors.
    pub fn rollback(mut self) -> Result<()> {
        self.open = false;
        self.session.rollback_detached()
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if self.open && self.session.in_transaction() {
            if let Err(e) = self.session.rollback_detached() {
                log::debug!("rolling back a dropped transaction failed: {e}");
            }
        }
    }
}
