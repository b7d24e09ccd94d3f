//! One Bolt connection over any byte stream: handshake, HELLO/LOGON, pipelined requests and
//! responses. It knows nothing about pools, sessions or results.
//!
//! | state     | entered by                                   | leaves to                      |
//! |-----------|----------------------------------------------|--------------------------------|
//! | handshook | [`Connection::open`]                         | ready (hello ok), broken       |
//! | ready     | a successful HELLO (+LOGON)                  | broken on any transport error  |
//! | broken    | I/O error, timeout, bad bytes, auth failure  | (terminal: the pool drops it)  |
//!
//! Which responses belong to which request is the caller's business: requests are queued with
//! [`Connection::send`], leave in one write on [`Connection::flush`] (or the next `recv`), and
//! responses come back in order from [`Connection::recv`].
//!
//! Which reply answers which request, and the server's state, are kept by the I/O-free
//! [`Exchange`](super::exchange::Exchange); version-dependent request shapes are in
//! `request.rs`, typed replies in `response.rs`, the transport and deadline reads in
//! `transport.rs`.
//!
//! File length: about 700 lines, kept whole: one type whose every method touches the same
//! private state (the socket and its timeouts, the read buffer, the exchange, the broken flag):
//! opening, HELLO/LOGON and applying its reply, send/flush/recv with deadlines, the streaming
//! fast path and the error paths that mark the connection broken.

use super::auth::AuthToken;
use super::chunk::{self, ChunkReader, ReadError};
use super::compat::Compat;
use super::exchange::{Exchange, Pending, Reply, Tag};
use super::handshake::{self, HandshakeError, Proposal};
use super::logline::{self, Side};
use super::message::{self, HelloParams, Request, Response};
use super::records;
use super::response::failure_error;
use super::transport::DeadlineReader;
pub use super::transport::Transport;
use super::version::{Features, Version};
use crate::error::{Error, ErrorKind, Result};
use crate::packstream::DecodeOptions;
use crate::value::{Map, Value};
use std::io;
use std::time::{Duration, Instant};

/// Limits for one connection.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest chunk the client writes (≤ 65,535).
    pub max_chunk: usize,
    /// Largest message the client accepts.
    pub max_message: usize,
    /// Most memory the decoded values of one message may take
    /// ([`DecodeOptions::max_decoded_size`]).
    pub max_decoded: usize,
    /// Deepest nesting the client decodes.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_chunk: chunk::MAX_CHUNK_SIZE,
            max_message: 64 << 20,
            max_decoded: crate::packstream::DEFAULT_MAX_DECODED_SIZE,
            max_depth: 128,
        }
    }
}

/// What the server told us about itself and this connection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerInfo {
    /// The address the connection was made to (`host:port`).
    pub address: String,
    /// The server agent, e.g. `Neo4j/5.13.0`.
    pub agent: String,
    /// The server-assigned connection id, e.g. `bolt-123`.
    pub connection_id: String,
    /// The negotiated protocol version.
    pub protocol_version: (u8, u8),
}

/// A Bolt connection.
pub struct Connection<S> {
    stream: S,
    reader: ChunkReader,
    out: Vec<u8>,
    scratch: Vec<u8>,
    version: Version,
    features: Features,
    decode: DecodeOptions,
    limits: Limits,
    /// Shared with the summaries of the results it served (set by HELLO, then read only).
    info: std::sync::Arc<ServerInfo>,
    recv_timeout: Option<Duration>,
    /// The read timeout the socket has outside calls with a deadline.
    read_timeout: Option<Duration>,
    /// The write timeout the socket has outside calls with a deadline.
    write_timeout: Option<Duration>,
    /// The current call's deadline: reads and writes wait at most until then.
    deadline: Option<Instant>,
    /// A deadline changed the socket timeouts; they are put back before the next I/O without one.
    timeouts_changed: bool,
    hints: Map,
    /// The server asked for telemetry (`telemetry.enabled` hint, 5.4+).
    telemetry: bool,
    broken: Option<String>,
    /// The credentials sent last (HELLO/LOGON), to notice when they change.
    auth: Option<AuthToken>,
    /// Replies to a pipelined LOGOFF/LOGON that the user of the connection must read before
    /// the replies to its own requests (see [`Connection::reauth_pipelined`]).
    deferred_auth: usize,
    created: Instant,
    log_id: String,
    /// Which request each reply answers, and the server's state (no I/O: bolt/exchange.rs).
    exchange: Exchange,
}

impl<S: Transport> Connection<S> {
    /// Runs the handshake over `stream`.
    ///
    /// # Errors
    /// See [`HandshakeError`]; on `NoCommonVersion` the caller may retry with other proposals.
    pub fn open(
        mut stream: S,
        address: &str,
        proposals: &[Option<Proposal>; 4],
        limits: Limits,
    ) -> std::result::Result<Connection<S>, HandshakeError> {
        handshake::send(&mut stream, proposals)?;
        // Everything that does not depend on the version is made while the server's answer
        // is on its way, so that the HELLO follows the answer sooner: a server thread that
        // waits for it may still be awake, which can save its wake-up (on a VM, tens of
        // microseconds of a new connection's time).
        let mut reader = ChunkReader::new(64 * 1024, limits.max_message);
        let out = Vec::with_capacity(4096);
        let scratch = Vec::with_capacity(1024);
        let log_id = format!("#@{address}");
        let address = address.to_owned();
        let hints = Map::new();
        let version = handshake::agree(&mut stream, &mut reader, proposals)?;
        let features = version.features();
        log::debug!("[{log_id}] negotiated Bolt {version}");
        Ok(Connection {
            stream,
            reader,
            out,
            scratch,
            version,
            features,
            decode: DecodeOptions {
                dialect: features.dialect,
                max_depth: limits.max_depth,
                max_decoded_size: limits.max_decoded,
            },
            limits,
            info: std::sync::Arc::new(ServerInfo {
                address,
                protocol_version: (version.major, version.minor),
                ..ServerInfo::default()
            }),
            recv_timeout: None,
            read_timeout: None,
            write_timeout: None,
            deadline: None,
            timeouts_changed: false,
            hints,
            telemetry: false,
            broken: None,
            auth: None,
            deferred_auth: 0,
            created: crate::clock::now(),
            log_id,
            exchange: Exchange::new(features.logon),
        })
    }

    /// The read timeout the server asked for (`connection.recv_timeout_seconds` hint).
    pub fn recv_timeout(&self) -> Option<Duration> {
        self.recv_timeout
    }

    /// The credentials this connection authenticated with last.
    pub fn auth(&self) -> Option<&AuthToken> {
        self.auth.as_ref()
    }

    /// The negotiated version.
    pub fn version(&self) -> Version {
        self.version
    }

    /// What the negotiated version can do.
    pub fn features(&self) -> &Features {
        &self.features
    }

    /// The version-dependent rules of this connection (see [`super::compat`]).
    pub fn compat(&self) -> Compat {
        Compat::with_features(self.version, self.features)
    }

    /// Server agent, connection id, address and version.
    pub fn info(&self) -> &ServerInfo {
        &self.info
    }

    /// As [`Connection::info`], shared (no copy of its strings).
    pub fn info_shared(&self) -> std::sync::Arc<ServerInfo> {
        std::sync::Arc::clone(&self.info)
    }

    /// Whether the server asked for TELEMETRY messages (Bolt 5.4+ and the `telemetry.enabled`
    /// hint in the HELLO reply).
    pub fn telemetry_enabled(&self) -> bool {
        self.telemetry
    }

    /// The connection hints from the HELLO reply (4.3+).
    pub fn hints(&self) -> &Map {
        &self.hints
    }

    /// When the connection was opened.
    pub fn created(&self) -> Instant {
        self.created
    }

    /// Why the connection is unusable, if it is.
    pub fn broken(&self) -> Option<&str> {
        self.broken.as_deref()
    }

    /// Whether requests are queued but not yet written.
    pub fn has_unsent(&self) -> bool {
        !self.out.is_empty()
    }

    /// Marks the connection unusable.
    pub fn mark_broken(&mut self, why: &str) {
        if self.broken.is_none() {
            log::debug!("[{}] marked broken: {why}", self.log_id);
            self.broken = Some(why.to_owned());
            self.exchange.defunct();
        }
    }

    /// Sets the socket's read timeout outside calls with a deadline (`None`: block).
    ///
    /// # Errors
    /// When the transport rejects the timeout.
    pub fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.read_timeout = timeout;
        self.stream.set_read_timeout(timeout)
    }

    /// Sets the socket's write timeout outside calls with a deadline (`None`: block).
    ///
    /// # Errors
    /// When the transport rejects the timeout.
    pub fn set_write_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.write_timeout = timeout;
        self.stream.set_write_timeout(timeout)
    }

    /// Sets both socket timeouts outside calls with a deadline (as the two setters). With no
    /// deadline set, the socket then has its configured timeouts: nothing is left for the next
    /// I/O to put back (two system calls fewer per new connection).
    ///
    /// # Errors
    /// When the transport rejects a timeout.
    pub fn set_timeouts(
        &mut self,
        read: Option<Duration>,
        write: Option<Duration>,
    ) -> io::Result<()> {
        self.set_read_timeout(read)?;
        self.set_write_timeout(write)?;
        if self.deadline.is_none() {
            self.timeouts_changed = false;
        }
        Ok(())
    }

    /// Bounds every read and write until `deadline` (`None`: only the read timeout applies).
    /// A read that runs out of time fails with `Timeout` and breaks the connection, as its
    /// reply may still arrive later.
    pub fn set_deadline(&mut self, deadline: Option<Instant>) {
        self.deadline = deadline;
        self.timeouts_changed |= deadline.is_some();
    }

    /// The deadline set with [`Connection::set_deadline`].
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Before I/O: with a deadline, bounds writes by it; without one, puts back the timeouts
    /// a deadline changed.
    fn apply_deadline(&mut self) -> io::Result<()> {
        match self.deadline {
            Some(d) => {
                let left = d.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the call deadline passed",
                    ));
                }
                self.stream.set_write_timeout(Some(left))
            }
            None => {
                self.timeouts_changed = false;
                self.stream.set_read_timeout(self.read_timeout)?;
                self.stream.set_write_timeout(self.write_timeout)
            }
        }
    }

    /// The underlying stream.
    pub fn stream(&self) -> &S {
        &self.stream
    }

    /// The underlying stream, mutably.
    pub fn stream_mut(&mut self) -> &mut S {
        &mut self.stream
    }

    /// Sends HELLO (or INIT), and LOGON on 5.1+, and waits for the replies.
    ///
    /// # Errors
    /// Auth failures and other server errors; transport errors.
    pub fn hello(&mut self, params: &HelloParams, auth: &AuthToken) -> Result<()> {
        self.send(&Request::Hello(params, auth))?;
        if self.features.logon {
            self.send(&Request::Logon(auth))?;
        }
        self.flush()?;
        // Kept while the server answers (nothing of it is needed to send).
        self.auth = Some(auth.clone());
        let hello = self.recv_summary();
        let logon = if self.features.logon {
            Some(self.recv_summary())
        } else {
            None
        };
        let meta = match hello? {
            Ok(meta) => meta,
            Err(failure) => {
                self.mark_broken("HELLO failed");
                return Err(failure);
            }
        };
        self.apply_hello(&meta)?;
        if let Some(logon) = logon {
            if let Err(failure) = logon? {
                self.mark_broken("LOGON failed");
                return Err(failure);
            }
        }
        Ok(())
    }

    fn apply_hello(&mut self, meta: &Map) -> Result<()> {
        // Seed 002: INIT is answered by "SUCCESS {} if initialization has completed
        // successfully", so the agent is optional: without one the connection is accepted,
        // `ServerInfo::agent` is empty and a warning is logged. An agent that is there must
        // be Neo4j's (`Neo4j/...`), as in the official drivers and TestKit's versions suite
        // (which expects `FooBar/4.3.0` or `neo4j/4.1.0` to be refused as untrusted).
        match meta.get("server") {
            Some(Value::String(s)) if s.starts_with("Neo4j/") => {
                std::sync::Arc::make_mut(&mut self.info).agent.clone_from(s)
            }
            None => {
                log::warn!(
                    "[{}] the server's {} reply names no agent (no \"server\"); going on \
                     with an empty one",
                    self.log_id,
                    if self.features.hello { "HELLO" } else { "INIT" }
                );
                std::sync::Arc::make_mut(&mut self.info).agent.clear();
            }
            Some(other) => {
                self.mark_broken("unexpected server agent");
                return Err(Error::new(
                    ErrorKind::Protocol,
                    format!(
                        "server {} is not a Neo4j-compatible Bolt server (agent {other:?})",
                        self.info.address
                    ),
                ));
            }
        }
        if self.features.utc_patch {
            let accepted = meta
                .get("patch_bolt")
                .and_then(Value::as_list)
                .is_some_and(|l| l.iter().any(|p| p.as_str() == Some("utc")));
            if accepted {
                log::debug!("[{}] server accepted the utc patch", self.log_id);
                self.features.dialect.utc_datetime = true;
                self.decode.dialect = self.features.dialect;
            }
        }
        if let Some(Value::String(s)) = meta.get("connection_id") {
            std::sync::Arc::make_mut(&mut self.info)
                .connection_id
                .clone_from(s);
            self.log_id = format!("{s}@{}", self.info.address);
        }
        if let Some(Value::Map(h)) = meta.get("hints") {
            self.hints.clone_from(h);
            self.telemetry = self.features.telemetry
                && matches!(h.get("telemetry.enabled"), Some(Value::Bool(true)));
            if let Some(Value::Int(secs)) = h.get("connection.recv_timeout_seconds") {
                if *secs > 0 {
                    let t = Duration::from_secs(secs.unsigned_abs());
                    self.recv_timeout = Some(t);
                    self.set_read_timeout(Some(t))
                        .map_err(|e| self.io_error(&e))?;
                }
            }
        }
        Ok(())
    }

    /// Re-authenticates with LOGOFF + LOGON (5.1+), pipelined; replies are read by the caller
    /// as two summaries.
    ///
    /// # Errors
    /// When the version has no LOGON.
    pub fn reauth(&mut self, auth: &AuthToken) -> Result<()> {
        if !self.features.logon {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!(
                    "re-authentication needs Bolt 5.1+, the server speaks {}",
                    self.version
                ),
            ));
        }
        self.auth = Some(auth.clone());
        self.send(&Request::Logoff)?;
        self.send(&Request::Logon(auth))
    }

    /// As [`Connection::reauth`], leaving the two replies to whoever sends the next request:
    /// LOGOFF and LOGON go out with it, and [`Connection::take_deferred_auth`] tells how many
    /// replies come first.
    ///
    /// # Errors
    /// As [`Connection::reauth`].
    pub fn reauth_pipelined(&mut self, auth: &AuthToken) -> Result<()> {
        self.reauth(auth)?;
        self.deferred_auth += 2;
        Ok(())
    }

    /// The number of LOGOFF/LOGON replies queued by [`Connection::reauth_pipelined`] that the
    /// caller now takes charge of reading.
    pub fn take_deferred_auth(&mut self) -> usize {
        std::mem::take(&mut self.deferred_auth)
    }

    /// Queues a request; it leaves with the next flush.
    ///
    /// # Errors
    /// `InvalidArgument` when a parameter cannot be encoded (nothing is queued then);
    /// `Unsupported` when the message does not exist in the negotiated version.
    #[inline]
    pub fn send(&mut self, req: &Request<'_>) -> Result<()> {
        self.send_tagged(req, 0)
    }

    /// As [`Connection::send`], naming the request `tag`: [`Connection::recv_answer`] hands
    /// the tag back with each reply to it (see [`Exchange`]).
    ///
    /// # Errors
    /// As [`Connection::send`].
    pub fn send_tagged(&mut self, req: &Request<'_>, tag: Tag) -> Result<()> {
        self.scratch.clear();
        let written = message::encode(&mut self.scratch, &self.features, req)?;
        if written && log::log_enabled!(log::Level::Debug) {
            log::debug!(
                "[{}] C: {}",
                self.log_id,
                logline::message(&self.scratch, Side::Client, &self.features)
            );
        }
        if !written {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!("{} is not part of Bolt {}", req.name(), self.version),
            ));
        }
        chunk::write_message(&mut self.out, &self.scratch, self.limits.max_chunk);
        self.exchange.request(&self.scratch, tag);
        Ok(())
    }

    /// Writes all queued requests in one write.
    ///
    /// # Errors
    /// `ServiceUnavailable` (or `Timeout`) when the write fails; the connection is then broken.
    pub fn flush(&mut self) -> Result<()> {
        if self.out.is_empty() {
            return Ok(());
        }
        if let Some(why) = &self.broken {
            return Err(self.broken_error(why));
        }
        if self.timeouts_changed {
            if let Err(e) = self.apply_deadline() {
                self.out.clear();
                return Err(self.io_error(&e));
            }
        }
        let res = self
            .stream
            .write_all(&self.out)
            .and_then(|()| self.stream.flush());
        self.out.clear();
        res.map_err(|e| match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => self.fail(Error::new(
                ErrorKind::Timeout,
                "timed out writing to the server (it reads nothing)",
            )),
            _ => self.io_error(&e),
        })
    }

    /// Reads the next response, flushing queued requests first.
    ///
    /// # Errors
    /// Transport errors, timeouts, malformed bytes; the connection is then broken.
    #[inline]
    pub fn recv(&mut self) -> Result<Response> {
        self.recv_answer().map(|(r, _)| r)
    }

    /// The request the next reply answers and its tag, if any (once the connection is broken,
    /// the first of those that will never be answered).
    #[inline]
    pub fn next_reply(&self) -> Option<(Pending, Tag)> {
        self.exchange.next_tagged()
    }

    /// Whether any request sent waits for its reply.
    #[inline]
    pub fn is_waiting(&self) -> bool {
        self.exchange.is_waiting()
    }

    /// The requests waiting for their replies, oldest first, with their tags.
    pub fn waiting(&self) -> impl Iterator<Item = (Pending, Tag)> + '_ {
        self.exchange.tagged()
    }

    /// Takes the requests still waiting for a reply; once the connection is broken, those
    /// will never get one and their senders fail them.
    pub fn take_unanswered(&mut self) -> std::collections::VecDeque<(Pending, Tag)> {
        self.exchange.take_unanswered()
    }

    /// As [`Connection::recv`], with the request the reply answers and its tag (for a
    /// RECORD, the PULL it belongs to, which stays waiting).
    ///
    /// # Errors
    /// As [`Connection::recv`].
    pub fn recv_answer(&mut self) -> Result<(Response, (Pending, Tag))> {
        self.recv_answer_reusing(&mut None)
    }

    /// As [`Connection::recv_answer`], decoding a SUCCESS's metadata into the map `spare`
    /// holds, if any (see [`message::decode_response_reusing`]).
    ///
    /// # Errors
    /// As [`Connection::recv`].
    pub fn recv_answer_reusing(
        &mut self,
        spare: &mut Option<Map>,
    ) -> Result<(Response, (Pending, Tag))> {
        self.flush()?;
        if let Some(why) = &self.broken {
            return Err(self.broken_error(why));
        }
        if self.timeouts_changed && self.deadline.is_none() {
            self.apply_deadline().map_err(|e| self.io_error(&e))?;
        }
        let read = match self.deadline {
            None => self.reader.read_message(&mut self.stream),
            Some(deadline) => self.reader.read_message(&mut DeadlineReader {
                stream: &mut self.stream,
                deadline,
                base: self.read_timeout,
            }),
        };
        let bytes = match read {
            Ok(b) => b,
            Err(ReadError::Io(e)) => return Err(self.io_error(&e)),
            Err(ReadError::TooLarge { limit }) => {
                let e = Error::new(
                    ErrorKind::Protocol,
                    format!("server message larger than the {limit}-byte limit"),
                );
                return Err(self.fail(e));
            }
        };
        match message::decode_response_reusing(bytes, self.decode, spare) {
            Ok(resp) => {
                let reply = match &resp {
                    // `has_more` only matters for PULL/DISCARD (one lookup per batch).
                    Response::Success(m) => Reply::Success {
                        has_more: matches!(
                            self.exchange.next(),
                            Some(Pending::Pull | Pending::Discard)
                        ) && matches!(m.get("has_more"), Some(Value::Bool(true))),
                    },
                    Response::Record(_) | Response::InvalidRecord(_) => Reply::Record,
                    Response::Failure(_) => Reply::Failure,
                    Response::Ignored => Reply::Ignored,
                };
                let answered = match self.exchange.reply(reply) {
                    Ok(a) => a,
                    Err(v) => {
                        let e = Error::new(ErrorKind::Protocol, format!("protocol violation: {v}"));
                        return Err(self.fail(e));
                    }
                };
                let level = match resp {
                    Response::Record(_) => log::Level::Trace,
                    _ => log::Level::Debug,
                };
                if log::log_enabled!(level) {
                    let text = match &resp {
                        Response::InvalidRecord(e) => format!("RECORD (invalid: {e})"),
                        _ => logline::message(bytes, Side::Server, &self.features),
                    };
                    log::log!(level, "[{}] S: {text}", self.log_id);
                }
                Ok((resp, answered))
            }
            Err(e) => {
                let e = Error::from(e);
                Err(self.fail(e))
            }
        }
    }

    /// The fast path for streaming: offers up to `max` responses that are already buffered
    /// whole to `take` (message bytes and decode options) one after another, without I/O and
    /// without going through [`Response`]; [`records::at_fields`] tells a RECORD. Stops at
    /// the first one `take` declines (returns `false`), which stays unread for
    /// [`Connection::recv`]. Returns how many were taken.
    ///
    /// Does nothing (returns 0) while requests are queued, when the connection is broken, when
    /// the next reply does not answer a PULL (the exchange checks RECORDs in `recv`), or when
    /// trace logging is on (so every response is still logged), leaving those cases to `recv`.
    pub fn take_buffered(
        &mut self,
        max: usize,
        mut take: impl FnMut(&[u8], DecodeOptions) -> bool,
    ) -> usize {
        if self.broken.is_some()
            || !self.out.is_empty()
            || self.exchange.next() != Some(Pending::Pull)
            || log::log_enabled!(log::Level::Trace)
        {
            return 0;
        }
        let opts = self.decode;
        self.reader.take_buffered(max, |bytes| take(bytes, opts))
    }

    /// Whether the reply that ends the records already buffered is a SUCCESS saying the
    /// server has more (`has_more`), looking ahead without consuming anything: `None` until
    /// that reply has arrived whole (or when it is something else; see
    /// [`records::batch_has_more`]). Lets a stream ask for its next batch while it is still
    /// decoding the current one.
    pub fn buffered_batch_has_more(&mut self) -> Option<bool> {
        if self.broken.is_some() {
            return None;
        }
        records::batch_has_more(&mut self.reader, self.decode)
    }

    /// Reads a summary (skipping nothing): `Ok(Ok(meta))` for SUCCESS, `Ok(Err(e))` for
    /// FAILURE (and IGNORED, as an error).
    ///
    /// # Errors
    /// Transport errors, or a RECORD where a summary was expected.
    pub fn recv_summary(&mut self) -> Result<Result<Map>> {
        match self.recv()? {
            Response::Success(m) => Ok(Ok(m)),
            Response::Failure(m) => Ok(Err(failure_error(&m))),
            Response::Ignored => Ok(Err(Error::new(
                ErrorKind::IllegalState,
                "the server ignored the request after an earlier failure",
            ))),
            Response::Record(_) | Response::InvalidRecord(_) => {
                Err(self.fail(Error::new(ErrorKind::Protocol, "unexpected RECORD")))
            }
        }
    }

    /// Sends GOODBYE (3+) as a courtesy; errors are ignored.
    pub fn goodbye(&mut self) {
        if self.broken.is_none() && self.features.hello && self.send(&Request::Goodbye).is_ok() {
            let _ = self.flush();
        }
    }

    fn fail(&mut self, e: Error) -> Error {
        self.mark_broken(e.message());
        e.context(format_args!(
            "server {} ({})",
            self.info.address,
            self.conn_label()
        ))
    }

    fn conn_label(&self) -> &str {
        if self.info.connection_id.is_empty() {
            "no connection id"
        } else {
            &self.info.connection_id
        }
    }

    fn io_error(&mut self, e: &io::Error) -> Error {
        let kind = match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => ErrorKind::Timeout,
            _ => ErrorKind::ServiceUnavailable,
        };
        let what = if kind == ErrorKind::Timeout {
            "timed out reading from the server".to_owned()
        } else {
            format!("connection lost: {e}")
        };
        self.fail(Error::new(kind, what))
    }

    fn broken_error(&self, why: &str) -> Error {
        Error::new(
            ErrorKind::ServiceUnavailable,
            format!(
                "server {} ({}): connection is no longer usable: {why}",
                self.info.address,
                self.conn_label()
            ),
        )
    }
}
