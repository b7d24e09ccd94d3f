//! The user-facing API: Driver → Session → Transaction → RecordStream.

mod config;
#[allow(clippy::module_inception)]
// driver::driver holds the Driver type, as the style guide lays out
mod driver;
mod record;
mod result;
mod session;
mod summary;
mod transaction;

pub use config::{
    AccessMode, Config, ConfigBuilder, SessionConfig, TransactionConfig, DEFAULT_USER_AGENT,
};
pub use driver::Driver;
pub use record::{Record, RecordIndex};
pub use result::RecordStream;
pub use session::{ResultId, Session};
pub use summary::{
    Classification, Counters, GqlStatusObject, Notification, QueryType, Severity, Summary,
};
pub use transaction::Transaction;
