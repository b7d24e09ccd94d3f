//! # boltc
//!
//! A synchronous, thread-based [Bolt](https://neo4j.com/docs/bolt/current/) driver for Neo4j and
//! every server that speaks Bolt, with a C ABI (`include/boltc.h`).
//!
//! ```no_run
//! use boltc::{AuthToken, Config, Driver};
//!
//! # fn main() -> boltc::Result<()> {
//! let driver = Driver::new(
//!     Config::builder("bolt://localhost:7687")
//!         .auth(AuthToken::basic("neo4j", "password"))
//!         .build()?,
//! )?;
//! let mut session = driver.session(Default::default())?;
//! for record in session.run("UNWIND range(1, 3) AS n RETURN n", None)? {
//!     let n: i64 = record?.get("n")?;
//!     println!("{n}");
//! }
//! # Ok(())
//! # }
//! ```
//!
//! ## Logging
//!
//! boltc logs through the `log` crate (C: `boltc_set_log_callback`). Lines about a connection
//! start with `[<connection id>@<host:port>]` (`#` before the server named the connection),
//! and Bolt traffic is written as `C: RUN ...` / `S: SUCCESS {...}` at debug level, records at
//! trace; pool and routing events are at debug/info. Credentials are always redacted. The full
//! syntax and level table are in `docs/LOGGING.md`.
#![deny(missing_docs)]
#![deny(unsafe_code)]

// Public modules. The API is the crate root's re-exports, plus `net` (addresses, URIs, trust,
// the resolver's input) and `routing` (the resolver type and routing-table introspection).
// `bolt`, `clock`, `ffi`, `packstream` and `pool` are public only so that boltc's own tests,
// benchmarks and TestKit backend can reach the layers below the driver: they are hidden from
// the documentation and carry no stability promise.
mod auth;
#[doc(hidden)]
pub mod bolt;
#[doc(hidden)]
pub mod clock;
mod connect;
pub(crate) mod convert;
mod driver;
mod error;
// The C ABI: the only module allowed to use `unsafe` (raw pointers from C; also the fork hook
// of `process`, in `ffi::fork`).
#[allow(unsafe_code)]
#[doc(hidden)]
pub mod ffi;
pub mod net;
#[doc(hidden)]
pub mod packstream;
#[doc(hidden)]
pub mod pool;
mod process;
pub mod routing;
mod value;

pub use auth::{AuthManager, AuthManagers, AuthProvider, ExpiringAuth};
pub use bolt::message::NotificationFilter;
pub use bolt::{AuthToken, ServerInfo};
pub use convert::{FromValue, IntoValue};
pub use driver::{
    AccessMode, BookmarkManager, Classification, Config, ConfigBuilder, ConnectionInfo, Counters,
    DefaultBookmarkManager, Driver, GqlStatusObject, KillResult, Notification, Plan, PlanStats,
    QueryType, Record, RecordIndex, RecordStream, ResultId, Rows, Session, SessionConfig,
    SessionInterrupt, Severity, Summary, TelemetryApi, Transaction, TransactionConfig,
    DEFAULT_BUSY_POLL, DEFAULT_USER_AGENT,
};
pub use driver::{
    EagerResult, ManagedTransaction, QueryBookmarkManager, QueryConfig, RetryLoop, RetryPolicy,
    RoutingControl, Sleeper,
};
pub use driver::{DEFAULT_READ_TIMEOUT, DEFAULT_WRITE_TIMEOUT};
pub use error::{Error, ErrorKind, GqlError, Result};
pub use net::TrustStrategy;
pub use value::map;
pub use value::{
    Date, DateTime, DateTimeZoneId, Duration, Keys, LocalDateTime, LocalTime, Map, Node, Path,
    Point2D, Point3D, Relationship, Structure, Time, UnboundRelationship, Unsupported, Value,
    Vector,
};
