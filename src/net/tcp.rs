//! Opening connections: resolve, connect with one overall deadline, then TLS.

use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection};
use socket2::SockRef;

use super::address::Address;
use super::resolve::{resolve_with, DomainNameResolver};
use super::stream::{is_timeout, Stream};
use crate::{Error, ErrorKind};

/// How [`connect`] opens a connection.
#[derive(Clone)]
pub struct ConnectOptions {
    /// Bound for the whole connect: name resolution, every TCP attempt and the TLS handshake.
    pub connect_timeout: Duration,
    /// Read timeout set on the stream once connected; `None` blocks forever.
    pub read_timeout: Option<Duration>,
    /// Write timeout set on the stream once connected; `None` blocks forever.
    pub write_timeout: Option<Duration>,
    /// Whether to turn on TCP keep-alive (`SO_KEEPALIVE`).
    pub keepalive: bool,
    /// How long a read that would wait polls the socket first (see
    /// [`Stream::set_busy_poll`]); zero never polls.
    pub busy_poll: Duration,
    /// TLS: the client configuration (see [`client_config`](super::client_config)) and the
    /// server name to send (SNI) and verify, usually the URI host. `None` means plain TCP.
    pub tls: Option<(Arc<ClientConfig>, String)>,
    /// Resolves host names instead of the system resolver (see [`DomainNameResolver`]).
    pub domain_name_resolver: Option<Arc<DomainNameResolver>>,
    /// Carry Bolt in WebSocket messages (the `ws*` schemes): after TCP (and TLS), the stream is
    /// upgraded with an HTTP request for `ws://<addr>/` (`wss://` over TLS), within the same
    /// connect deadline.
    pub websocket: bool,
}

impl Default for ConnectOptions {
    /// 30 s connect timeout, no read/write timeouts, keep-alive on, no busy polling, no TLS, no
    /// WebSocket.
    fn default() -> ConnectOptions {
        ConnectOptions {
            connect_timeout: Duration::from_secs(30),
            read_timeout: None,
            write_timeout: None,
            keepalive: true,
            busy_poll: Duration::ZERO,
            tls: None,
            domain_name_resolver: None,
            websocket: false,
        }
    }
}

impl fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("write_timeout", &self.write_timeout)
            .field("keepalive", &self.keepalive)
            .field("tls_server_name", &self.tls.as_ref().map(|(_, n)| n))
            .field(
                "domain_name_resolver",
                &self.domain_name_resolver.as_ref().map(|_| "<fn>"),
            )
            .field("websocket", &self.websocket)
            .finish()
    }
}

/// Connects to `addr`: resolves it, tries each resolved IP in order, and completes the TLS
/// handshake when `opts.tls` is set and the WebSocket upgrade when `opts.websocket` is, all
/// within one deadline of `opts.connect_timeout`.
///
/// The socket gets `TCP_NODELAY`, `SO_KEEPALIVE` when `opts.keepalive`, and the read/write
/// timeouts from `opts`.
///
/// # Errors
///
/// All messages name `addr`.
/// - [`ErrorKind::Timeout`]: the deadline passed (resolution, TCP connect, TLS handshake or
///   WebSocket upgrade).
/// - [`ErrorKind::ServiceUnavailable`]: resolution failed, every address refused or was
///   unreachable, or the connection dropped during the handshake.
/// - [`ErrorKind::Tls`]: the TLS handshake failed (untrusted certificate, wrong host name,
///   protocol mismatch, ...).
/// - [`ErrorKind::ServiceUnavailable`] or [`ErrorKind::Protocol`]: the server refused the
///   WebSocket upgrade, or answered it with something else.
/// - [`ErrorKind::Config`]: the TLS server name is not a valid DNS name or IP address, or a
///   read/write timeout is `Some(Duration::ZERO)`.
///
/// ```no_run
/// use std::io::Write;
/// use boltc::net::{connect, Address, ConnectOptions};
///
/// # fn main() -> boltc::Result<()> {
/// let mut stream = connect(&Address::new("localhost", 7687), &ConnectOptions::default())?;
/// stream.write_all(&[0x60, 0x60, 0xB0, 0x17]).unwrap();
/// # Ok(())
/// # }
/// ```
pub fn connect(addr: &Address, opts: &ConnectOptions) -> Result<Stream, Error> {
    let deadline = Instant::now() + opts.connect_timeout;
    let server_name = match &opts.tls {
        Some((_, name)) => Some(server_name(name, addr)?),
        None => None,
    };
    let addrs = resolve_with(addr, deadline, opts.domain_name_resolver.as_deref())?;
    let (tcp, server, send_timeout) = connect_any(addr, &addrs, deadline)?;
    let io_err = |what: &str, e: io::Error| {
        // InvalidInput comes from bad options, e.g. a zero read timeout.
        let kind = match e.kind() {
            io::ErrorKind::InvalidInput => ErrorKind::Config,
            _ => ErrorKind::ServiceUnavailable,
        };
        Error::new(kind, format!("{addr}: cannot {what}: {e}")).with_source(e)
    };
    tcp.set_nodelay(true)
        .map_err(|e| io_err("set TCP_NODELAY", e))?;
    if opts.keepalive {
        SockRef::from(&tcp)
            .set_keepalive(true)
            .map_err(|e| io_err("set SO_KEEPALIVE", e))?;
    }
    let mut stream = match (&opts.tls, server_name) {
        (Some((config, _)), Some(name)) => {
            let (conn, tcp) = handshake(addr, tcp, config, name, deadline)?;
            Stream::tls(conn, tcp)
        }
        _ => Stream::from_new_tcp(tcp, send_timeout),
    };
    if opts.websocket {
        let left = remaining(deadline).ok_or_else(|| {
            Error::new(
                ErrorKind::Timeout,
                format!("timed out connecting to {addr}"),
            )
        })?;
        stream
            .set_read_timeout(Some(left))
            .and_then(|()| stream.set_write_timeout(Some(left)))
            .map_err(|e| io_err("set timeouts", e))?;
        stream = super::ws::upgrade(addr, stream)?;
    }
    // The stream sets a timeout on the socket only when a read or write would wait with it,
    // and only if the socket does not have it already (see `Stream::set_read_timeout`).
    stream
        .set_read_timeout(opts.read_timeout)
        .map_err(|e| io_err("set read timeout", e))?;
    stream
        .set_write_timeout(opts.write_timeout)
        .map_err(|e| io_err("set write timeout", e))?;
    stream.set_busy_poll(opts.busy_poll);
    stream.share_polling(server);
    log::debug!(
        "connected to {addr} (tls: {}, websocket: {})",
        stream.is_encrypted(),
        stream.is_websocket()
    );
    Ok(stream)
}

fn server_name(name: &str, addr: &Address) -> Result<ServerName<'static>, Error> {
    let bare = name.trim_start_matches('[').trim_end_matches(']');
    ServerName::try_from(bare.to_string()).map_err(|e| {
        Error::new(
            ErrorKind::Config,
            format!("{addr}: invalid TLS server name {name:?}: {e}"),
        )
    })
}

fn remaining(deadline: Instant) -> Option<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    (!left.is_zero()).then_some(left)
}

/// Tries each address in order until one connects or the deadline passes. Returns the socket,
/// the address it connected to and the send timeout the socket has (see `connect_one`).
pub(crate) fn connect_any(
    addr: &Address,
    addrs: &[SocketAddr],
    deadline: Instant,
) -> Result<(TcpStream, SocketAddr, Option<Duration>), Error> {
    let mut last: Option<(SocketAddr, io::Error)> = None;
    for sa in addrs {
        let Some(left) = remaining(deadline) else {
            break;
        };
        match connect_one(sa, left) {
            Ok((s, send_timeout)) => return Ok((s, *sa, send_timeout)),
            Err(e) => {
                log::debug!("connect to {addr} ({sa}) failed: {e}");
                last = Some((*sa, e));
            }
        }
    }
    let timed_out = remaining(deadline).is_none();
    match last {
        Some((sa, e)) if !timed_out && !is_timeout(&e) => Err(Error::new(
            ErrorKind::ServiceUnavailable,
            format!("cannot connect to {addr} ({sa}): {e}"),
        )
        .with_source(e)),
        _ => Err(Error::new(
            ErrorKind::Timeout,
            format!("timed out connecting to {addr}"),
        )),
    }
}

/// One TCP connect to `sa` that waits at most `timeout`.
///
/// On Linux a blocking `connect` is bounded by the socket's send timeout (`SO_SNDTIMEO`, see
/// socket(7); it fails with `EINPROGRESS` when the timeout expires), so this sets that and
/// connects: three system calls (`socket`, `setsockopt`, `connect`) where the portable way
/// (non-blocking `connect`, `poll`, blocking again) takes five. The send timeout stays on the
/// socket; [`Stream`] knows it (`Stream::from_new_tcp`) and changes it before a write that
/// would wait. Interrupted by a signal, the connect goes on in the kernel: a second `connect`
/// waits for it, with what is left of `timeout`.
#[cfg(target_os = "linux")]
fn connect_one(sa: &SocketAddr, timeout: Duration) -> io::Result<(TcpStream, Option<Duration>)> {
    use socket2::{Domain, Protocol, Socket, Type};
    let deadline = Instant::now() + timeout;
    let sock = Socket::new(Domain::for_address(*sa), Type::STREAM, Some(Protocol::TCP))?;
    let target = socket2::SockAddr::from(*sa);
    let mut left = timeout;
    loop {
        sock.set_write_timeout(Some(left))?;
        match sock.connect(&target) {
            Ok(()) => return Ok((sock.into(), Some(left))),
            Err(e) => match e.raw_os_error() {
                Some(libc::EINPROGRESS) => return Err(io::ErrorKind::TimedOut.into()),
                // The kernel finished the interrupted connect meanwhile.
                Some(libc::EISCONN) => return Ok((sock.into(), Some(left))),
                Some(libc::EINTR | libc::EALREADY) => match remaining(deadline) {
                    Some(rest) => left = rest,
                    None => return Err(io::ErrorKind::TimedOut.into()),
                },
                _ => return Err(e),
            },
        }
    }
}

/// One TCP connect to `sa` that waits at most `timeout` (the standard library's: a
/// non-blocking connect and a poll), and the socket's send timeout (none).
#[cfg(not(target_os = "linux"))]
fn connect_one(sa: &SocketAddr, timeout: Duration) -> io::Result<(TcpStream, Option<Duration>)> {
    TcpStream::connect_timeout(sa, timeout).map(|s| (s, None))
}

fn handshake(
    addr: &Address,
    mut tcp: TcpStream,
    config: &Arc<ClientConfig>,
    name: ServerName<'static>,
    deadline: Instant,
) -> Result<(ClientConnection, TcpStream), Error> {
    let mut conn = ClientConnection::new(config.clone(), name).map_err(|e| {
        Error::new(ErrorKind::Tls, format!("{addr}: cannot start TLS: {e}")).with_source(e)
    })?;
    let fail = |e: io::Error| handshake_error(addr, e);
    while conn.is_handshaking() || conn.wants_write() {
        let Some(left) = remaining(deadline) else {
            return Err(fail(io::ErrorKind::TimedOut.into()));
        };
        tcp.set_read_timeout(Some(left)).map_err(fail)?;
        tcp.set_write_timeout(Some(left)).map_err(fail)?;
        if conn.wants_write() {
            conn.write_tls(&mut tcp).map_err(fail)?;
        } else if conn.wants_read() {
            if conn.read_tls(&mut tcp).map_err(fail)? == 0 {
                return Err(fail(io::ErrorKind::UnexpectedEof.into()));
            }
            if let Err(e) = conn.process_new_packets() {
                // Tell the server why (e.g. a bad certificate alert), best effort.
                let _ = conn.write_tls(&mut tcp);
                return Err(Error::new(
                    ErrorKind::Tls,
                    format!("TLS handshake with {addr} failed: {e}"),
                )
                .with_source(e));
            }
        } else {
            break;
        }
    }
    Ok((conn, tcp))
}

fn handshake_error(addr: &Address, e: io::Error) -> Error {
    if is_timeout(&e) {
        return Error::new(
            ErrorKind::Timeout,
            format!("timed out during TLS handshake with {addr}"),
        );
    }
    let tls = e
        .get_ref()
        .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some());
    let (kind, what) = if tls {
        (ErrorKind::Tls, "TLS handshake failed")
    } else {
        (
            ErrorKind::ServiceUnavailable,
            "connection lost during TLS handshake",
        )
    };
    Error::new(kind, format!("{addr}: {what}: {e}")).with_source(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    fn closed_port() -> u16 {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    }

    #[test]
    fn connects_plain_and_sets_options() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let opts = ConnectOptions {
            read_timeout: Some(Duration::from_millis(500)),
            write_timeout: Some(Duration::from_millis(700)),
            ..ConnectOptions::default()
        };
        let mut s = connect(&Address::new("127.0.0.1", port), &opts).unwrap();
        let (mut peer, _) = l.accept().unwrap();
        let near = |t: Option<Duration>, ms: u64| {
            let t = t.expect("timeout set");
            assert!(
                t.abs_diff(Duration::from_millis(ms)) < Duration::from_millis(20),
                "{t:?}"
            );
        };
        near(s.read_timeout().unwrap(), 500);
        assert!(!s.is_encrypted());
        let t = s.tcp();
        assert!(t.nodelay().unwrap());
        assert!(SockRef::from(t).keepalive().unwrap());
        // Noted on the stream; set on the socket before a write that would wait.
        near(s.write_timeout().unwrap(), 700);
        s.write_all(b"hi").unwrap();
        let mut buf = [0u8; 2];
        peer.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"hi");
    }

    #[test]
    fn keepalive_off() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let opts = ConnectOptions {
            keepalive: false,
            ..ConnectOptions::default()
        };
        let addr = Address::new("127.0.0.1", l.local_addr().unwrap().port());
        let s = connect(&addr, &opts).unwrap();
        assert!(!SockRef::from(s.tcp()).keepalive().unwrap());
    }

    #[test]
    fn refused_is_service_unavailable() {
        let port = closed_port();
        let start = Instant::now();
        let e = connect(&Address::new("127.0.0.1", port), &ConnectOptions::default()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ServiceUnavailable, "{e}");
        assert!(e.message().contains(&format!("127.0.0.1:{port}")), "{e}");
        assert!(start.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn tries_every_address_in_order() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let good = l.local_addr().unwrap();
        let bad: SocketAddr = format!("127.0.0.1:{}", closed_port()).parse().unwrap();
        let addr = Address::new("multi", good.port());
        let deadline = Instant::now() + Duration::from_secs(5);
        let (s, connected, _) = connect_any(&addr, &[bad, good], deadline).unwrap();
        assert_eq!(s.peer_addr().unwrap(), good);
        assert_eq!(connected, good);
        let e = connect_any(&addr, &[bad, bad], deadline).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ServiceUnavailable);
        assert!(e.message().contains("multi:"), "{e}");
    }

    #[test]
    fn expired_deadline_is_timeout() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = Address::new("127.0.0.1", l.local_addr().unwrap().port());
        let past = Instant::now();
        let e = connect_any(&addr, &[l.local_addr().unwrap()], past).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Timeout);
        assert!(e.message().contains(&addr.to_string()), "{e}");
    }

    #[test]
    fn invalid_server_name_is_config() {
        let config = super::super::tls::client_config(&super::super::TlsOptions::new(
            super::super::TrustStrategy::TrustAll,
        ))
        .unwrap();
        let opts = ConnectOptions {
            tls: Some((config, "bad name!".into())),
            ..ConnectOptions::default()
        };
        let e = connect(&Address::new("127.0.0.1", closed_port()), &opts).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "{e}");
    }

    #[test]
    fn zero_read_timeout_is_config() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let opts = ConnectOptions {
            read_timeout: Some(Duration::ZERO),
            ..ConnectOptions::default()
        };
        let addr = Address::new("127.0.0.1", l.local_addr().unwrap().port());
        let e = connect(&addr, &opts).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "{e}");
    }

    #[test]
    fn debug_hides_config() {
        let s = format!("{:?}", ConnectOptions::default());
        assert!(s.contains("connect_timeout"));
    }
}
