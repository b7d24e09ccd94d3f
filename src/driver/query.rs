//! [`Driver::execute_query`]: one query in a retried transaction, results in memory.

use super::bookmarks::BookmarkManager;
use super::config::{AccessMode, SessionConfig, TransactionConfig};
use super::driver::Driver;
use super::record::Record;
use super::session::TelemetryApi;
use super::summary::Summary;
use crate::bolt::AuthToken;
use crate::error::Result;
use crate::value::Map;
use std::sync::Arc;

/// Where [`Driver::execute_query`] sends the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RoutingControl {
    /// To a writer (the default).
    #[default]
    Write,
    /// To a reader.
    Read,
}

/// Which bookmark manager [`Driver::execute_query`] uses.
#[derive(Debug, Clone, Default)]
pub enum QueryBookmarkManager {
    /// The driver's own, shared by all `execute_query` calls (the default).
    #[default]
    Driver,
    /// None: no causal chaining with earlier queries.
    Disabled,
    /// A manager of the caller's (e.g. shared with sessions).
    Custom(Arc<dyn BookmarkManager>),
}

/// Options of [`Driver::execute_query`].
#[derive(Debug, Clone, Default)]
pub struct QueryConfig {
    /// Reader or writer.
    pub routing: RoutingControl,
    /// The database (`None`: the home database).
    pub database: Option<String>,
    /// The user to impersonate (Bolt 4.4+).
    pub impersonated_user: Option<String>,
    /// The bookmark manager.
    pub bookmark_manager: QueryBookmarkManager,
    /// Transaction metadata and timeout.
    pub transaction: TransactionConfig,
    /// Credentials for this query only (Bolt 5.1+; `None`: the driver's).
    pub auth: Option<AuthToken>,
}

impl QueryConfig {
    /// A config routing to readers.
    #[must_use]
    pub fn read() -> QueryConfig {
        QueryConfig {
            routing: RoutingControl::Read,
            ..QueryConfig::default()
        }
    }

    /// Sets the database.
    #[must_use]
    pub fn with_database(mut self, db: impl Into<String>) -> Self {
        self.database = Some(db.into());
        self
    }
}

/// Everything a query returned: keys, records and summary.
#[derive(Debug, Clone)]
pub struct EagerResult {
    /// The column names.
    pub keys: Vec<String>,
    /// The records.
    pub records: Vec<Record>,
    /// The summary.
    pub summary: Summary,
}

impl Driver {
    /// Runs one query in a managed transaction (retried like [`crate::Session::execute_write`])
    /// and returns all of its records. Bookmarks chain the calls through the driver's bookmark
    /// manager unless `config` says otherwise.
    ///
    /// ```no_run
    /// # fn f(driver: &boltc::Driver) -> boltc::Result<()> {
    /// use boltc::QueryConfig;
    /// let res = driver.execute_query("RETURN 1 AS n", None, &QueryConfig::read())?;
    /// assert_eq!(res.keys, ["n"]);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// As [`crate::Session::execute_read`]; `IllegalState` after [`Driver::close`].
    pub fn execute_query(
        &self,
        query: &str,
        params: Option<Map>,
        config: &QueryConfig,
    ) -> Result<EagerResult> {
        let bookmark_manager = match &config.bookmark_manager {
            QueryBookmarkManager::Driver => Some(self.execute_query_bookmark_manager()),
            QueryBookmarkManager::Disabled => None,
            QueryBookmarkManager::Custom(m) => Some(m.clone()),
        };
        let mode = match config.routing {
            RoutingControl::Write => AccessMode::Write,
            RoutingControl::Read => AccessMode::Read,
        };
        let session_config = SessionConfig {
            database: config.database.clone(),
            default_access_mode: mode,
            impersonated_user: config.impersonated_user.clone(),
            bookmark_manager,
            auth: config.auth.clone(),
            ..SessionConfig::default()
        };
        let mut session = self.session(session_config)?;
        session.execute_as(
            TelemetryApi::ExecuteQuery,
            mode,
            &config.transaction,
            |tx| {
                let mut stream = tx.run(query, params.clone())?;
                let keys = stream.keys()?.to_vec();
                let mut records = Vec::new();
                while stream.next_batch(usize::MAX, &mut records)? {}
                let summary = stream.consume()?;
                Ok(EagerResult {
                    keys,
                    records,
                    summary,
                })
            },
        )
    }
}
