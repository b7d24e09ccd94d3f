//! Bolt: chunked framing, the handshake, versioned messages and the connection.

mod auth;
pub mod chunk;
pub mod compat;
pub mod connection;
pub mod exchange;
pub mod handshake;
mod logline;
pub mod message;
pub mod records;
mod request;
pub mod response;
#[cfg(test)]
mod test_messages;
mod transport;
pub mod version;

pub use auth::AuthToken;
pub use compat::Compat;
pub use connection::{Connection, Limits, ServerInfo, Transport};
pub use version::{Features, Version};
