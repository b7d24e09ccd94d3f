//! Transaction functions: [`Session::execute_read`] / [`Session::execute_write`] with
//! retries, and [`ManagedTransaction`], the transaction they hand to the function.

use super::config::{AccessMode, TransactionConfig};
use super::result::RecordStream;
use super::retry::RetryLoop;
use super::session::{Session, TelemetryApi};
use super::transaction::Transaction;
use crate::error::Result;
use crate::value::Map;

/// The transaction a transaction function works in: it can run queries, while committing
/// and rolling back are left to [`Session::execute_read`] / [`Session::execute_write`].
pub struct ManagedTransaction<'s> {
    tx: Transaction<'s>,
}

impl ManagedTransaction<'_> {
    /// Runs a query in the transaction.
    ///
    /// # Errors
    /// Server errors (return them from the function: retryable ones make it run again),
    /// connection errors.
    pub fn run(&mut self, query: &str, params: Option<Map>) -> Result<RecordStream<'_>> {
        self.tx.run(query, params)
    }
}

impl Session {
    /// Runs `work` in a read transaction (routed to a reader) and commits it, retrying on
    /// retryable errors (transient server errors, unavailable servers, expired sessions, timeouts, lost
    /// connections) with exponential backoff until the driver's
    /// `max_transaction_retry_time`. Client errors are returned at once.
    ///
    /// **`work` may run more than once**, so it should have no effects outside the
    /// transaction, or only idempotent ones. It should consume the results it needs before
    /// returning.
    ///
    /// ```no_run
    /// # fn f(driver: &boltc::Driver) -> boltc::Result<()> {
    /// let mut session = driver.session(Default::default())?;
    /// let n: i64 = session.execute_read(|tx| tx.run("RETURN 1 AS n", None)?.single()?.get("n"))?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// The last error of `work`, BEGIN or COMMIT once retrying stops; `IllegalState` if a
    /// transaction is open.
    pub fn execute_read<T, F>(&mut self, work: F) -> Result<T>
    where
        F: FnMut(&mut ManagedTransaction<'_>) -> Result<T>,
    {
        self.execute_with_config(AccessMode::Read, &TransactionConfig::default(), work)
    }

    /// As [`Session::execute_read`], in a write transaction (routed to a writer).
    ///
    /// # Errors
    /// As [`Session::execute_read`].
    pub fn execute_write<T, F>(&mut self, work: F) -> Result<T>
    where
        F: FnMut(&mut ManagedTransaction<'_>) -> Result<T>,
    {
        self.execute_with_config(AccessMode::Write, &TransactionConfig::default(), work)
    }

    /// As [`Session::execute_read`] / [`Session::execute_write`], with a chosen access mode and
    /// transaction metadata and timeout.
    ///
    /// # Errors
    /// As [`Session::execute_read`].
    pub fn execute_with_config<T, F>(
        &mut self,
        mode: AccessMode,
        config: &TransactionConfig,
        work: F,
    ) -> Result<T>
    where
        F: FnMut(&mut ManagedTransaction<'_>) -> Result<T>,
    {
        self.execute_as(TelemetryApi::TransactionFunction, mode, config, work)
    }

    /// [`Session::execute_with_config`], reporting `api` to servers that want telemetry.
    pub(crate) fn execute_as<T, F>(
        &mut self,
        api: TelemetryApi,
        mode: AccessMode,
        config: &TransactionConfig,
        mut work: F,
    ) -> Result<T>
    where
        F: FnMut(&mut ManagedTransaction<'_>) -> Result<T>,
    {
        self.set_telemetry_api(Some(api));
        let retry = RetryLoop::for_config(self.driver_config());
        let res = retry.run(|| self.attempt(mode, config, &mut work));
        self.set_telemetry_api(None);
        res
    }

    fn attempt<T, F>(
        &mut self,
        mode: AccessMode,
        config: &TransactionConfig,
        work: &mut F,
    ) -> Result<T>
    where
        F: FnMut(&mut ManagedTransaction<'_>) -> Result<T>,
    {
        self.begin_in_mode(config, mode)?;
        let mut tx = ManagedTransaction {
            tx: Transaction::new(self),
        };
        let value = work(&mut tx)?; // dropping `tx` rolls back
        tx.tx.commit()?;
        Ok(value)
    }
}
