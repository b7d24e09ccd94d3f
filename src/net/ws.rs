//! Bolt over WebSocket and secure WebSocket (the `ws`, `wss` and `wss+ssc` schemes).
//!
//! Seed 003 gives two transports, "a regular socket or a WebSocket. Once connected, both
//! transport layers can be treated identically." [`WsIo`] makes that literal: it is one more kind
//! of [`Stream`], so the Bolt layer reads and writes the same bytes (the handshake, then chunked
//! messages) whichever transport carries them.
//!
//! The WebSocket runs over a [`Stream`] that [`connect`](super::connect) opened (plain TCP, or
//! TLS for `wss`), so the connect deadline, the TLS trust options (system roots, custom CAs,
//! trust-all, client certificates), keep-alive, read/write timeouts and busy polling apply
//! unchanged. The HTTP upgrade, framing and masking are the `tungstenite` crate's (blocking, no
//! async runtime, no TLS of its own: ours is used); this module only maps bytes to messages:
//!
//! - Reading: the payloads of binary messages are read through in order, whatever their frame
//!   boundaries: a Bolt message may span several WebSocket messages (or the fragments of one),
//!   and one WebSocket message may carry several chunks or Bolt messages. A ping is answered with
//!   a pong (queued by tungstenite and sent with the next read or write, before any wait). A
//!   close frame from the server reads as end of file, like a closed socket; the close reply is
//!   sent. A text message is refused ([`io::ErrorKind::InvalidData`]): Bolt uses binary frames.
//! - Writing: bytes are collected until `flush`, which sends them as one binary message, so a
//!   request (or a pipeline of them) leaves in one frame.
//! - Limits: one WebSocket message or frame above [`MAX_MESSAGE`] / [`MAX_FRAME`] bytes is
//!   refused ([`io::ErrorKind::InvalidData`]), so a hostile server cannot make the client buffer
//!   without bound; the Bolt layer's own message limit applies to what is inside.

use std::io::{self, Read, Write};

use tungstenite::handshake::HandshakeError;
use tungstenite::protocol::WebSocketConfig;
use tungstenite::{Bytes, Message, WebSocket};

use super::address::Address;
use super::stream::Stream;
use crate::{Error, ErrorKind};

/// The largest WebSocket message accepted from a server (64 MiB, the default Bolt message limit).
pub(crate) const MAX_MESSAGE: usize = 64 << 20;
/// The largest single WebSocket frame accepted from a server.
pub(crate) const MAX_FRAME: usize = 16 << 20;

/// Bolt's bytes in binary WebSocket messages over a [`Stream`]; see the module docs.
pub(crate) struct WsIo {
    ws: WebSocket<Stream>,
    /// The payload being read and how far.
    inbox: Bytes,
    pos: usize,
    /// Bytes written since the last flush.
    outbox: Vec<u8>,
    /// The server sent a close frame (or closed the connection): reads return end of file.
    closed: bool,
}

impl WsIo {
    /// The stream under the WebSocket.
    pub(crate) fn inner(&self) -> &Stream {
        self.ws.get_ref()
    }

    /// The stream under the WebSocket, mutably (busy-poll settings).
    pub(crate) fn inner_mut(&mut self) -> &mut Stream {
        self.ws.get_mut()
    }

    /// Whether buffered payload is waiting to be read (no need to wait for the socket).
    pub(crate) fn has_buffered(&self) -> bool {
        self.pos < self.inbox.len()
    }

    /// Sends a close frame, best effort (the connection is being closed anyway).
    pub(crate) fn close(&mut self) {
        if !self.closed {
            let _ = self.ws.close(None);
            let _ = self.ws.flush();
        }
    }
}

/// The tungstenite error as an I/O error: its own I/O errors unchanged (so timeouts stay
/// timeouts), everything else (protocol violations, oversized messages) as invalid data.
fn to_io(e: tungstenite::Error) -> io::Error {
    match e {
        tungstenite::Error::Io(e) => e,
        tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed => {
            io::Error::new(io::ErrorKind::NotConnected, "WebSocket closed")
        }
        other => io::Error::new(io::ErrorKind::InvalidData, format!("WebSocket: {other}")),
    }
}

impl Read for WsIo {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.has_buffered() || buf.is_empty() {
                let n = buf.len().min(self.inbox.len() - self.pos);
                buf[..n].copy_from_slice(&self.inbox[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            if self.closed {
                return Ok(0);
            }
            match self.ws.read() {
                Ok(Message::Binary(payload)) => {
                    self.inbox = payload;
                    self.pos = 0;
                }
                // tungstenite has queued the pong; the next read or write sends it.
                Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => {}
                Ok(Message::Text(_)) => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "the server sent a text WebSocket message; Bolt travels in binary ones",
                    ))
                }
                Ok(Message::Close(frame)) => {
                    log::debug!("WebSocket closed by the server: {frame:?}");
                    self.closed = true;
                    // Sends the close reply, best effort.
                    let _ = self.ws.flush();
                }
                // The server closed the connection after the close handshake, or without one
                // (dropped mid-frame or between frames): end of file, as for a socket; the Bolt
                // layer reports a connection lost in the middle of a message.
                Err(
                    tungstenite::Error::ConnectionClosed
                    | tungstenite::Error::AlreadyClosed
                    | tungstenite::Error::Protocol(
                        tungstenite::error::ProtocolError::ResetWithoutClosingHandshake,
                    ),
                ) => {
                    self.closed = true;
                }
                Err(e) => return Err(to_io(e)),
            }
        }
    }
}

impl Write for WsIo {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.outbox.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.outbox.is_empty() {
            let payload = std::mem::take(&mut self.outbox);
            self.ws
                .write(Message::Binary(Bytes::from(payload)))
                .map_err(to_io)?;
        }
        self.ws.flush().map_err(to_io)
    }
}

/// Upgrades a connected stream to a WebSocket: sends the HTTP upgrade request for
/// `ws://<addr>/` (`wss://` over TLS) and checks the server's answer. The stream's timeouts bound
/// the exchange.
///
/// # Errors
///
/// - [`ErrorKind::Timeout`]: the server did not answer in time.
/// - [`ErrorKind::ServiceUnavailable`]: the connection failed or closed, or the server refused
///   the upgrade (an HTTP status other than 101, named in the message).
/// - [`ErrorKind::Protocol`]: the answer is not a valid WebSocket upgrade.
pub(crate) fn upgrade(addr: &Address, stream: Stream) -> Result<Stream, Error> {
    let scheme = if stream.is_encrypted() { "wss" } else { "ws" };
    let url = format!("{scheme}://{addr}/");
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_FRAME));
    match tungstenite::client::client_with_config(url.as_str(), stream, Some(config)) {
        Ok((ws, response)) => {
            log::debug!(
                "WebSocket upgrade with {addr} done (HTTP {})",
                response.status()
            );
            Ok(Stream::websocket(WsIo {
                ws,
                inbox: Bytes::new(),
                pos: 0,
                outbox: Vec::new(),
                closed: false,
            }))
        }
        Err(HandshakeError::Interrupted(_)) => Err(Error::new(
            ErrorKind::Timeout,
            format!("timed out during the WebSocket upgrade with {addr}"),
        )),
        Err(HandshakeError::Failure(e)) => Err(upgrade_error(addr, e)),
    }
}

fn upgrade_error(addr: &Address, e: tungstenite::Error) -> Error {
    let (kind, msg) = match &e {
        tungstenite::Error::Io(io) if super::is_timeout(io) => (
            ErrorKind::Timeout,
            format!("timed out during the WebSocket upgrade with {addr}"),
        ),
        tungstenite::Error::Io(io) => (
            ErrorKind::ServiceUnavailable,
            format!("{addr}: connection lost during the WebSocket upgrade: {io}"),
        ),
        tungstenite::Error::Http(response) => (
            ErrorKind::ServiceUnavailable,
            format!(
                "{addr}: the server refused the WebSocket upgrade with HTTP {}",
                response.status()
            ),
        ),
        tungstenite::Error::ConnectionClosed
        | tungstenite::Error::AlreadyClosed
        | tungstenite::Error::Protocol(
            tungstenite::error::ProtocolError::HandshakeIncomplete
            | tungstenite::error::ProtocolError::ResetWithoutClosingHandshake,
        ) => (
            ErrorKind::ServiceUnavailable,
            format!("{addr}: the server closed the connection during the WebSocket upgrade"),
        ),
        other => (
            ErrorKind::Protocol,
            format!("{addr}: not a WebSocket upgrade answer: {other}"),
        ),
    };
    Error::new(kind, msg).with_source(e)
}
