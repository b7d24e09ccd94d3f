//! Test support shared by the integration tests (`mod support;` in each test file).
//!
//! - [`stub`]: a scripted stub Bolt server on a loopback port (script language documented there).
//! - [`proxy`]: a fault-injecting TCP proxy (drop, delay, stall, truncate, corrupt, refuse).
//! - [`falkordb`]: starts a real FalkorDB (a Redis module with a Bolt listener) for end-to-end tests.
//! - [`neo4j`]: the real Neo4j servers `scripts/neo4j.sh start` runs, read from their env files.
//! - [`ws`]: a WebSocket gateway in front of a stub (framing, pings, close frames, drops).
//! - [`relay`]: a TCP relay giving each new connection the next backend (per-connection scripts).
//! - [`pattern`], [`script`]: the value syntax and the script parser behind the stub; `conn`
//!   plays a script on one connection.

// Each integration test binary compiles this module and uses only a part of it, so the rest (and
// the convenience re-exports below) would
// trigger dead-code / unused-import warnings (and fail clippy with -D warnings) in that binary.
#![allow(dead_code, unused_imports)]

mod conn;
pub mod falkordb;
pub mod neo4j;
pub mod pattern;
pub mod proxy;
pub mod relay;
pub mod script;
pub mod stub;
pub mod ws;

pub use falkordb::FalkorDb;
pub use neo4j::Neo4j;
pub use proxy::{Fault, FaultProxy};
pub use relay::Relay;
pub use stub::StubServer;
pub use ws::{Framing, WsGateway, WsOptions};
