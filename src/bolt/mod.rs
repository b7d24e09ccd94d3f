//! Bolt: chunked framing, the handshake, versioned messages and the connection.
