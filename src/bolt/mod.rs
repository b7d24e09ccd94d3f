//! Bolt: chunked framing, the handshake, versioned messages and the connection.

pub mod chunk;
pub mod handshake;
pub mod version;

pub use version::{Features, Version};
