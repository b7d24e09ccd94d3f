//! The user-facing API: Driver → Session → Transaction → RecordStream.

mod admin;
mod bookmarks;
mod config;
#[allow(clippy::module_inception)]
// driver::driver holds the Driver type, as the style guide lays out
mod driver;
mod extras;
pub(crate) mod managed;
mod query;
mod record;
mod result;
pub(crate) mod retry;
mod rows;
mod session;
mod statuses;
mod summary;
mod transaction;

pub use admin::{ConnectionInfo, KillResult};
pub use bookmarks::{BookmarkManager, DefaultBookmarkManager};
pub use config::{
    AccessMode, Config, ConfigBuilder, SessionConfig, TransactionConfig, DEFAULT_BUSY_POLL,
    DEFAULT_READ_TIMEOUT, DEFAULT_USER_AGENT, DEFAULT_WRITE_TIMEOUT,
};
pub use driver::Driver;
pub use managed::ManagedTransaction;
pub use query::{EagerResult, QueryBookmarkManager, QueryConfig, RoutingControl};
pub use record::{Record, RecordIndex};
pub use result::RecordStream;
pub use retry::{RetryLoop, RetryPolicy, Sleeper};
pub use rows::Rows;
pub use session::{ResultId, Session, SessionInterrupt, TelemetryApi};
pub use summary::{
    Classification, Counters, GqlStatusObject, Notification, Plan, PlanStats, QueryType, Severity,
    Summary,
};
pub use transaction::Transaction;
