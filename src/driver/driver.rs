//! The driver: configuration, the pool, and how connections are opened.

use super::config::{AccessMode, Config, SessionConfig};
use super::session::Session;
use crate::bolt::handshake::{HandshakeError, DEFAULT_PROPOSALS};
use crate::bolt::message::HelloParams;
use crate::bolt::{Connection, Limits, ServerInfo};
use crate::error::{Error, ErrorKind, Result};
use crate::net::{self, Address, ConnectOptions, Stream};
use crate::pool::{BoltConnection, Pool, PoolConfig, PoolMetrics, PooledConnection};
use crate::value::{Map, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub(crate) struct DriverInner {
    pub(crate) config: Config,
    pub(crate) pool: Pool,
    closed: AtomicBool,
}

/// A thread-safe handle to a Neo4j server (or cluster) with a connection pool.
///
/// Cheap to clone; clones share the pool. Sessions are created with [`Driver::session`].
#[derive(Clone)]
pub struct Driver {
    inner: Arc<DriverInner>,
}

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver")
            .field("uri", &self.inner.config.uri.address())
            .finish()
    }
}

impl Driver {
    /// Creates a driver. No connection is made until one is needed.
    ///
    /// # Errors
    /// `Config` or `Tls` when the TLS configuration cannot be built (bad CA file, ...).
    pub fn new(config: Config) -> Result<Driver> {
        let connector = Connector::new(&config)?;
        let pool = Pool::new(
            PoolConfig {
                max_size: config.max_pool_size,
                liveness_check: config.liveness_check_timeout,
                max_lifetime: config.max_connection_lifetime,
            },
            Box::new(move |addr, deadline| connector.connect(addr, deadline)),
        );
        Ok(Driver {
            inner: Arc::new(DriverInner {
                config,
                pool,
                closed: AtomicBool::new(false),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Opens a session. Sessions are cheap; they take a connection only while they need one.
    ///
    /// # Errors
    /// `IllegalState` after [`Driver::close`].
    pub fn session(&self, config: SessionConfig) -> Result<Session> {
        self.inner.check_open()?;
        Ok(Session::new(self.inner.clone(), config))
    }

    /// Connects (or reuses a pooled connection) and checks the server answers.
    ///
    /// # Errors
    /// Connection, handshake and authentication errors.
    pub fn verify_connectivity(&self) -> Result<()> {
        self.server_info().map(|_| ())
    }

    /// Connects and returns what the server told about itself.
    ///
    /// # Errors
    /// Connection, handshake and authentication errors.
    pub fn server_info(&self) -> Result<ServerInfo> {
        let conn = self.inner.acquire(AccessMode::Read, None)?;
        Ok(conn.info().clone())
    }

    /// Pool figures per server address.
    pub fn pool_metrics(&self) -> Vec<(Address, PoolMetrics)> {
        self.inner.pool.metrics()
    }

    /// Closes idle connections and refuses new sessions. Connections still in use close when
    /// their sessions finish.
    pub fn close(&self) {
        if !self.inner.closed.swap(true, Ordering::SeqCst) {
            self.inner.pool.close();
        }
    }
}

impl DriverInner {
    pub(crate) fn check_open(&self) -> Result<()> {
        if self.closed.load(Ordering::SeqCst) {
            Err(Error::new(
                ErrorKind::IllegalState,
                "the driver has been closed",
            ))
        } else {
            Ok(())
        }
    }

    /// A connection for work in `mode` on `database`.
    pub(crate) fn acquire(
        &self,
        _mode: AccessMode,
        _database: Option<&str>,
    ) -> Result<PooledConnection> {
        self.check_open()?;
        let deadline = Instant::now() + self.config.acquisition_timeout;
        self.pool.acquire(self.config.uri.address(), deadline)
    }
}

/// Opens authenticated connections: TCP/TLS, handshake (falling back through the proposal
/// sets), HELLO/LOGON.
struct Connector {
    tls: Option<Arc<rustls::ClientConfig>>,
    host: String,
    options: ConnectOptions,
    hello: HelloParams,
    auth: crate::bolt::AuthToken,
    read_timeout: Option<Duration>,
    limits: Limits,
}

/// How long one handshake attempt may wait for the server's reply before the connection is
/// retried: some servers drop the first handshake after a connection closes.
const HANDSHAKE_ATTEMPT: Duration = Duration::from_secs(2);

impl Connector {
    fn new(config: &Config) -> Result<Connector> {
        let tls = config.tls.as_ref().map(net::client_config).transpose()?;
        let routing = config.uri.scheme().is_routing().then(|| {
            let mut ctx: Map = config
                .uri
                .routing_context()
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            ctx.insert(
                "address".into(),
                Value::String(config.uri.address().to_string()),
            );
            ctx
        });
        Ok(Connector {
            tls,
            host: config.uri.address().host().to_owned(),
            options: ConnectOptions {
                connect_timeout: config.connection_timeout,
                read_timeout: None,
                write_timeout: None,
                keepalive: config.keepalive,
                tls: None,
            },
            hello: HelloParams {
                user_agent: config.user_agent.clone(),
                routing,
                bolt_agent: Some(bolt_agent()),
                notifications: config.notifications.clone(),
            },
            auth: config.auth.clone(),
            read_timeout: config.read_timeout,
            limits: Limits {
                max_message: config.max_message_size,
                max_chunk: config.max_chunk_size,
                ..Limits::default()
            },
        })
    }

    fn connect(&self, addr: &Address, deadline: Instant) -> Result<BoltConnection> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.connect_once(addr, deadline) {
                Err(e)
                    if e.kind() == ErrorKind::Timeout
                        && attempt < 3
                        && Instant::now() < deadline =>
                {
                    log::debug!("[#@{addr}] handshake timed out, reconnecting: {e}");
                }
                other => return other,
            }
        }
    }

    fn connect_once(&self, addr: &Address, deadline: Instant) -> Result<BoltConnection> {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let connect_timeout = remaining.min(self.options.connect_timeout);
        if connect_timeout.is_zero() {
            return Err(Error::new(
                ErrorKind::Timeout,
                format!("no time left to connect to {addr}"),
            ));
        }
        let mut last = None;
        for proposals in DEFAULT_PROPOSALS {
            let mut opts = self.options.clone();
            opts.connect_timeout = connect_timeout;
            opts.tls = self.tls.clone().map(|c| (c, self.host.clone()));
            let stream = net::connect(addr, &opts)?;
            let wait = deadline
                .saturating_duration_since(Instant::now())
                .min(HANDSHAKE_ATTEMPT);
            stream
                .set_read_timeout(Some(wait.max(Duration::from_millis(1))))
                .map_err(|e| Error::new(ErrorKind::ServiceUnavailable, format!("{addr}: {e}")))?;
            let addr_s = addr.to_string();
            match Connection::open(stream, &addr_s, proposals, self.limits) {
                Ok(mut conn) => {
                    let hello_wait = deadline.saturating_duration_since(Instant::now());
                    set_timeout(&mut conn, Some(hello_wait.max(Duration::from_millis(1))))?;
                    conn.hello(&self.hello, &self.auth)?;
                    set_timeout(&mut conn, self.read_timeout)?;
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

fn set_timeout(conn: &mut BoltConnection, t: Option<Duration>) -> Result<()> {
    use crate::bolt::Transport;
    conn.stream_mut()
        .set_read_timeout(t)
        .map_err(|e| Error::new(ErrorKind::ServiceUnavailable, e.to_string()))
}

impl crate::bolt::Transport for Stream {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> std::io::Result<()> {
        Stream::set_read_timeout(self, timeout)
    }
}

fn handshake_error(addr: &Address, e: HandshakeError) -> Error {
    let kind = match &e {
        HandshakeError::Io(io) if net::is_timeout(io) => ErrorKind::Timeout,
        HandshakeError::NotBolt(_) | HandshakeError::BadManifest(_) => ErrorKind::Protocol,
        _ => ErrorKind::ServiceUnavailable,
    };
    Error::new(kind, format!("{addr}: {e}"))
}

/// The `bolt_agent` map sent on Bolt 5.3+.
fn bolt_agent() -> Map {
    let mut m = Map::new();
    m.insert(
        "product".into(),
        Value::String(super::config::DEFAULT_USER_AGENT.into()),
    );
    m.insert(
        "platform".into(),
        Value::String(format!(
            "{}; {}",
            std::env::consts::OS,
            std::env::consts::ARCH
        )),
    );
    m.insert("language".into(), Value::String("Rust".into()));
    m.insert(
        "language_details".into(),
        Value::String(format!("boltc {} (rustc)", env!("CARGO_PKG_VERSION"))),
    );
    m
}
