//! Opening connections: TCP/TLS, the Bolt handshake (with the memory of which proposals an
//! address needs, [`proposals`]) and HELLO/LOGON. Below the pool and the driver: it knows the
//! auth managers ([`crate::auth`]) but nothing of the driver's configuration, which the driver
//! turns into [`Settings`].

mod proposals;

use crate::auth::{on_security_error, AuthManager};
use crate::bolt::handshake::HandshakeError;
use crate::bolt::message::HelloParams;
use crate::bolt::{AuthToken, Connection, Limits};
use crate::error::{Error, ErrorKind, Result};
use crate::net::deadline::deadline_within;
use crate::net::{self, Address, ConnectOptions, Stream, TlsSource};
use proposals::ProposalMemory;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A Bolt connection over a socket, as the connector opens it.
type BoltConnection = Connection<Stream>;

/// Opens authenticated connections: TCP/TLS, handshake (falling back through the proposal
/// sets, see [`proposals`]), HELLO/LOGON.
pub(crate) struct Connector {
    tls: Option<TlsSource>,
    host: String,
    options: ConnectOptions,
    hello: HelloParams,
    auth: Arc<dyn AuthManager>,
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
    limits: Limits,
    /// The addresses whose server needs another first proposal (the manifest, or 4.0).
    proposals: ProposalMemory,
}

/// What a [`Connector`] needs to know, built by the driver from its configuration.
pub(crate) struct Settings {
    /// The TLS configuration, when the URI asks for TLS.
    pub(crate) tls: Option<TlsSource>,
    /// The URI's host name: TLS verifies a server reached by IP address by this name.
    pub(crate) host: String,
    /// Socket options; `connect_timeout` bounds name resolution, TCP and TLS (the handshake
    /// and HELLO are bounded by the acquisition deadline).
    pub(crate) options: ConnectOptions,
    /// What HELLO says besides the credentials.
    pub(crate) hello: HelloParams,
    /// The configured read timeout (the server's `recv_timeout_seconds` hint wins).
    pub(crate) read_timeout: Option<Duration>,
    /// The configured write timeout.
    pub(crate) write_timeout: Option<Duration>,
    /// Message size limits.
    pub(crate) limits: Limits,
}

/// How long the first handshake attempt may wait for the server's reply (at most two thirds of
/// the time left) before the connection is retried once with all the time left: after a
/// connection closes, some servers (FalkorDB) leave the next handshake unanswered until it
/// times out.
const FIRST_HANDSHAKE_ATTEMPT: Duration = Duration::from_secs(2);

impl Connector {
    /// A connector that logs on with `auth`'s credentials unless a connection is opened for
    /// session credentials.
    pub(crate) fn new(settings: Settings, auth: Arc<dyn AuthManager>) -> Connector {
        let Settings {
            tls,
            host,
            options,
            hello,
            read_timeout,
            write_timeout,
            limits,
        } = settings;
        Connector {
            tls,
            host,
            options,
            hello,
            auth,
            read_timeout,
            write_timeout,
            limits,
            proposals: ProposalMemory::default(),
        }
    }

    /// Opens a connection. Name resolution, TCP and TLS end by the connection timeout (or by
    /// `deadline` if that comes first); the Bolt handshake and HELLO (+LOGON) by `deadline`,
    /// the acquisition's (as the official drivers and TestKit have it: the connection timeout
    /// is the socket's, the acquisition timeout bounds everything).
    pub(crate) fn connect(
        &self,
        addr: &Address,
        deadline: Instant,
        auth: Option<&AuthToken>,
    ) -> Result<BoltConnection> {
        // A first handshake that stays unanswered is tried again once on a new connection
        // (FalkorDB leaves a handshake after a closed connection unanswered); it gets up to
        // two thirds of the time, at most FIRST_HANDSHAKE_ATTEMPT.
        let first_share = deadline.saturating_duration_since(Instant::now()) * 2 / 3;
        let first = Instant::now() + first_share.min(FIRST_HANDSHAKE_ATTEMPT);
        match self.connect_once(addr, first, deadline, auth) {
            Err(e) if e.kind() == ErrorKind::Timeout && Instant::now() < deadline => {
                log::debug!("[#@{addr}] handshake timed out, reconnecting: {e}");
                self.connect_once(addr, deadline, deadline, auth)
            }
            other => other,
        }
    }

    /// One connection attempt: TCP and TLS by the connection timeout (or `deadline`), the
    /// handshake reply by `handshake_by`, HELLO by `deadline`.
    fn connect_once(
        &self,
        addr: &Address,
        handshake_by: Instant,
        deadline: Instant,
        session_auth: Option<&AuthToken>,
    ) -> Result<BoltConnection> {
        let socket_by = deadline.min(deadline_within(self.options.connect_timeout, None));
        let connect_timeout = socket_by.saturating_duration_since(Instant::now());
        if connect_timeout.is_zero() {
            return Err(Error::new(
                ErrorKind::Timeout,
                format!("timed out: no time left to connect to {addr}"),
            ));
        }
        // With a certificate provider: asked once per attempt, before any socket is opened.
        let tls = self.tls.as_ref().map(TlsSource::config).transpose()?;
        let mut last = None;
        for proposals in self.proposals.plan(addr) {
            let mut opts = self.options.clone();
            opts.connect_timeout = connect_timeout;
            // Cluster members are verified by their own names; IPs (e.g. the resolved seed)
            // by the URI's host name.
            let name = if addr.host().parse::<std::net::IpAddr>().is_ok() {
                self.host.clone()
            } else {
                addr.host().to_owned()
            };
            opts.tls = tls.clone().map(|c| (c, name));
            let mut stream = net::connect(addr, &opts)?;
            // Until HELLO (and LOGON) are answered, reads poll only if the last setup to this
            // server was quick (see `Stream::set_setting_up`).
            stream.set_setting_up(true);
            let wait = handshake_by
                .saturating_duration_since(Instant::now())
                .max(Duration::from_millis(1));
            stream
                .set_read_timeout(Some(wait))
                .and_then(|()| stream.set_write_timeout(Some(wait)))
                .map_err(|e| Error::new(ErrorKind::ServiceUnavailable, format!("{addr}: {e}")))?;
            let addr_s = addr.to_string();
            match Connection::open(stream, &addr_s, proposals, self.limits) {
                Ok(mut conn) => {
                    // HELLO (and LOGON) must be answered by the deadline, however the server
                    // trickles its reply (NOOP chunks do not buy time).
                    conn.set_deadline(Some(deadline));
                    let hello = if let Some(token) = session_auth {
                        conn.compat()
                            .check_session_auth()
                            .and_then(|()| conn.hello(&self.hello, token))
                    } else {
                        self.auth.get_auth().and_then(|token| {
                            conn.hello(&self.hello, &token)
                                .map_err(|e| on_security_error(&*self.auth, &token, e))
                        })
                    };
                    // Noted after the HELLO went out (nothing between the server's handshake
                    // reply and the HELLO but encoding it; see `Connection::open`).
                    self.proposals.record(addr, conn.version());
                    hello?;
                    conn.set_deadline(None);
                    conn.stream_mut().set_setting_up(false);
                    let agent = &conn.info().agent;
                    if self.proposals.record_agent(addr, conn.version(), agent) {
                        // A Neo4j 4.0 that the first proposal set left on Bolt 3.0: once per
                        // address, open a connection that proposes 4.0 first instead.
                        conn.goodbye();
                        drop(conn);
                        return self.connect_once(addr, deadline, deadline, session_auth);
                    }
                    // The server's `connection.recv_timeout_seconds` hint wins over the
                    // configured read timeout.
                    let timeout = conn.recv_timeout().or(self.read_timeout);
                    set_timeouts(&mut conn, timeout, self.write_timeout)?;
                    return Ok(conn);
                }
                Err(HandshakeError::NoCommonVersion) => {
                    last = Some(HandshakeError::NoCommonVersion)
                }
                Err(e) => return Err(handshake_error(addr, e)),
            }
        }
        Err(handshake_error(
            addr,
            last.unwrap_or(HandshakeError::NoCommonVersion),
        ))
    }
}

fn set_timeouts(
    conn: &mut BoltConnection,
    read: Option<Duration>,
    write: Option<Duration>,
) -> Result<()> {
    conn.set_timeouts(read, write)
        .map_err(|e| Error::new(ErrorKind::ServiceUnavailable, e.to_string()))
}

impl crate::bolt::Transport for Stream {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> std::io::Result<()> {
        Stream::set_read_timeout(self, timeout)
    }

    fn set_write_timeout(&mut self, timeout: Option<Duration>) -> std::io::Result<()> {
        Stream::set_write_timeout(self, timeout)
    }
}

fn handshake_error(addr: &Address, e: HandshakeError) -> Error {
    let kind = match &e {
        HandshakeError::Io(io) if net::is_timeout(io) => {
            // Not the OS's words ("Resource temporarily unavailable"): say what happened.
            return Error::new(
                ErrorKind::Timeout,
                format!("{addr}: timed out waiting for the Bolt handshake reply"),
            );
        }
        HandshakeError::Io(io) if net::is_tls_error(io) => ErrorKind::Tls,
        HandshakeError::NotBolt(_) | HandshakeError::BadManifest(_) => ErrorKind::Protocol,
        _ => ErrorKind::ServiceUnavailable,
    };
    Error::new(kind, format!("{addr}: {e}"))
}
