//! Driver, session and transaction configuration.
//!
//! File length: over 600 lines only with its unit tests (the code is about 570).

use crate::bolt::message::NotificationFilter;
use crate::bolt::AuthToken;
use crate::error::{Error, ErrorKind, Result};
use crate::net::{self, ClientCert, TrustStrategy, Uri};
use crate::value::Map;
use std::path::PathBuf;
use std::time::Duration;

/// The default user agent, `boltc/<version>`.
pub const DEFAULT_USER_AGENT: &str = concat!("boltc/", env!("CARGO_PKG_VERSION"));

/// Immutable driver configuration, built with [`Config::builder`].
#[derive(Debug, Clone)]
pub struct Config {
    pub(crate) uri: Uri,
    pub(crate) auth: AuthToken,
    pub(crate) user_agent: String,
    pub(crate) tls: Option<net::TlsOptions>,
    pub(crate) connection_timeout: Duration,
    pub(crate) read_timeout: Option<Duration>,
    pub(crate) write_timeout: Option<Duration>,
    pub(crate) max_pool_size: usize,
    pub(crate) acquisition_timeout: Duration,
    pub(crate) liveness_check_timeout: Option<Duration>,
    pub(crate) max_connection_lifetime: Option<Duration>,
    pub(crate) fetch_size: i64,
    pub(crate) max_retry_time: Duration,
    pub(crate) ext: super::extras::Extras,
    pub(crate) keepalive: bool,
    pub(crate) busy_poll: Duration,
    pub(crate) notifications: NotificationFilter,
    pub(crate) max_message_size: usize,
    pub(crate) max_decoded_size: usize,
    pub(crate) max_chunk_size: usize,
    pub(crate) telemetry_disabled: bool,
}

/// The default of [`ConfigBuilder::read_timeout`]: 5 minutes without a byte from the server.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(300);

/// The default of [`ConfigBuilder::write_timeout`]: 30 seconds in which the server reads nothing.
pub const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// The default of [`ConfigBuilder::busy_poll`].
pub const DEFAULT_BUSY_POLL: Duration = Duration::from_micros(100);

impl Config {
    /// Starts a builder for `uri` (`bolt://host:port`, `bolt+s://`, `bolt+ssc://`, `neo4j://`...,
    /// and Bolt over WebSocket: `ws://`, `wss://`, `wss+ssc://`; see [`crate::net::Scheme`]).
    pub fn builder(uri: &str) -> ConfigBuilder {
        ConfigBuilder {
            uri: RawUri(uri.to_owned()),
            auth: AuthToken::none(),
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            encrypted: None,
            trust: None,
            client_cert: None,
            connection_timeout: Duration::from_secs(30),
            read_timeout: Some(DEFAULT_READ_TIMEOUT),
            write_timeout: Some(DEFAULT_WRITE_TIMEOUT),
            max_pool_size: 100,
            acquisition_timeout: Duration::from_secs(60),
            liveness_check_timeout: None,
            max_connection_lifetime: Some(Duration::from_secs(3600)),
            fetch_size: 1000,
            max_retry_time: Duration::from_secs(30),
            ext: super::extras::Extras::default(),
            keepalive: true,
            busy_poll: DEFAULT_BUSY_POLL,
            notifications: NotificationFilter::default(),
            max_message_size: 64 << 20,
            max_decoded_size: crate::packstream::DEFAULT_MAX_DECODED_SIZE,
            max_chunk_size: 0xFFFF,
            telemetry_disabled: false,
        }
    }

    /// The parsed URI.
    pub fn uri(&self) -> &Uri {
        &self.uri
    }
    /// The user agent sent in HELLO.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }
    /// Whether connections use TLS.
    pub fn encrypted(&self) -> bool {
        self.tls.is_some()
    }
    /// The connect timeout: one bound for resolution, TCP, TLS, the Bolt handshake and HELLO.
    pub fn connection_timeout(&self) -> Duration {
        self.connection_timeout
    }
    /// The maximum number of connections per server.
    pub fn max_connection_pool_size(&self) -> usize {
        self.max_pool_size
    }
    /// The read timeout (see [`ConfigBuilder::read_timeout`]); a server hint may replace it.
    pub fn read_timeout(&self) -> Option<Duration> {
        self.read_timeout
    }
    /// The write timeout (see [`ConfigBuilder::write_timeout`]).
    pub fn write_timeout(&self) -> Option<Duration> {
        self.write_timeout
    }
    /// How long acquiring a pooled connection may take.
    pub fn connection_acquisition_timeout(&self) -> Duration {
        self.acquisition_timeout
    }
    /// The default number of records per PULL.
    pub fn fetch_size(&self) -> i64 {
        self.fetch_size
    }
    /// How long a read polls the socket before it sleeps (see [`ConfigBuilder::busy_poll`]).
    pub fn busy_poll(&self) -> Duration {
        self.busy_poll
    }
    /// The maximum time transaction functions keep retrying.
    pub fn max_transaction_retry_time(&self) -> Duration {
        self.max_retry_time
    }
}

/// The URI as given, before parsing; `Debug` hides one with user info (it may hold a password).
#[derive(Clone)]
struct RawUri(String);

impl std::fmt::Debug for RawUri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(net::printable_uri(&self.0), f)
    }
}

/// Builds a [`Config`]; [`ConfigBuilder::build`] validates. `Debug` shows no credentials.
#[derive(Debug, Clone)]
pub struct ConfigBuilder {
    uri: RawUri,
    auth: AuthToken,
    user_agent: String,
    encrypted: Option<bool>,
    trust: Option<TrustStrategy>,
    client_cert: Option<ClientCert>,
    connection_timeout: Duration,
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
    max_pool_size: usize,
    acquisition_timeout: Duration,
    liveness_check_timeout: Option<Duration>,
    max_connection_lifetime: Option<Duration>,
    fetch_size: i64,
    max_retry_time: Duration,
    pub(crate) ext: super::extras::Extras,
    keepalive: bool,
    busy_poll: Duration,
    notifications: NotificationFilter,
    max_message_size: usize,
    max_decoded_size: usize,
    max_chunk_size: usize,
    telemetry_disabled: bool,
}

impl ConfigBuilder {
    /// The auth token (default: none).
    pub fn auth(mut self, auth: AuthToken) -> Self {
        self.auth = auth;
        self
    }
    /// The user agent (default `boltc/<version>`).
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }
    /// Use TLS (only with `bolt://`/`neo4j://`; the `+s`/`+ssc` schemes decide for themselves).
    pub fn encrypted(mut self, on: bool) -> Self {
        self.encrypted = Some(on);
        self
    }
    /// Which certificates to trust when encrypted (only with `bolt://`/`neo4j://`).
    pub fn trust(mut self, trust: TrustStrategy) -> Self {
        self.trust = Some(trust);
        self
    }
    /// A client certificate for mutual TLS: PEM files with the chain (leaf first) and its
    /// unencrypted private key (PKCS#8, PKCS#1 or SEC1). Read when the driver is made.
    pub fn client_certificate(mut self, cert_chain_pem: PathBuf, key_pem: PathBuf) -> Self {
        self.client_cert = Some(ClientCert {
            cert_chain_pem,
            key_pem,
            key_password: None,
        });
        self
    }
    /// A client certificate for mutual TLS whose private key is encrypted (PKCS#8 with PBES2,
    /// or the legacy OpenSSL `Proc-Type: 4,ENCRYPTED` PEM with AES-CBC or DES-EDE3-CBC; see
    /// [`ClientCert::key_pem`](crate::net::ClientCert::key_pem)), with its password. The
    /// password is kept in memory for the driver's life and never logged or shown by `Debug`.
    /// A wrong password fails `Driver::new` with [`ErrorKind::Config`](crate::ErrorKind::Config).
    pub fn client_certificate_with_password(
        mut self,
        cert_chain_pem: PathBuf,
        key_pem: PathBuf,
        key_password: impl Into<String>,
    ) -> Self {
        self.client_cert = Some(ClientCert {
            cert_chain_pem,
            key_pem,
            key_password: Some(key_password.into()),
        });
        self
    }
    /// Connect timeout (default 30 s): the socket's, one bound for name resolution, TCP and
    /// TLS together. The Bolt handshake and HELLO (+LOGON) that follow are bounded by the
    /// connection acquisition timeout (the whole acquisition), as in the official drivers. A
    /// connect that runs out of either fails with [`ErrorKind::Timeout`].
    pub fn connection_timeout(mut self, t: Duration) -> Self {
        self.connection_timeout = t;
        self
    }
    /// How long a read may wait without receiving a byte from the server (default
    /// [`DEFAULT_READ_TIMEOUT`], 5 minutes; `None`: no bound). It bounds a server that stalls,
    /// mid-message or before replying; a read that runs out fails with
    /// [`ErrorKind::Timeout`] and the connection is closed.
    ///
    /// It is not a query time limit: every byte restarts it. A query that runs longer than
    /// this without the server sending anything times out, though. Neo4j 4.3+ avoids that
    /// itself: it sends keep-alive NOOP chunks while a query runs and announces its own read
    /// timeout (the `connection.recv_timeout_seconds` hint), which replaces this one on its
    /// connections, as in the official drivers. With a server that does neither, raise this
    /// (or pass `None`) for queries that stay silent longer. A dead peer is noticed by TCP
    /// keep-alive ([`ConfigBuilder::keepalive`], on by default); a session's call timeout
    /// bounds a whole call.
    pub fn read_timeout(mut self, t: Option<Duration>) -> Self {
        self.read_timeout = t;
        self
    }
    /// How long a write may wait while the server reads nothing (default
    /// [`DEFAULT_WRITE_TIMEOUT`], 30 s; `None`: no bound). Every byte the server takes restarts
    /// it. It also bounds the GOODBYE sent when connections close.
    pub fn write_timeout(mut self, t: Option<Duration>) -> Self {
        self.write_timeout = t;
        self
    }
    /// Maximum connections per server (default 100).
    pub fn max_connection_pool_size(mut self, n: usize) -> Self {
        self.max_pool_size = n;
        self
    }
    /// Pool acquisition timeout (default 60 s): waiting for a free connection, or opening one
    /// (the connection timeout bounds its socket; the Bolt handshake and HELLO count here).
    pub fn connection_acquisition_timeout(mut self, t: Duration) -> Self {
        self.acquisition_timeout = t;
        self
    }
    /// Check connections idle longer than this with a RESET before use (default: never).
    pub fn liveness_check_timeout(mut self, t: Option<Duration>) -> Self {
        self.liveness_check_timeout = t;
        self
    }
    /// Close connections older than this (default 1 h; `None`: never).
    pub fn max_connection_lifetime(mut self, t: Option<Duration>) -> Self {
        self.max_connection_lifetime = t;
        self
    }
    /// Records per PULL (default 1000; -1 for all at once).
    pub fn fetch_size(mut self, n: i64) -> Self {
        self.fetch_size = n;
        self
    }
    /// Maximum retry time of transaction functions (default 30 s).
    pub fn max_transaction_retry_time(mut self, t: Duration) -> Self {
        self.max_retry_time = t;
        self
    }
    /// TCP keep-alive (`SO_KEEPALIVE`, default on): the operating system probes an idle
    /// connection, so a peer that vanished (host down, network cut) ends a wait with an error
    /// instead of leaving it to the read timeout.
    pub fn keepalive(mut self, on: bool) -> Self {
        self.keepalive = on;
        self
    }
    /// How long a read that waits for the server first polls the socket before the thread
    /// sleeps (default [`DEFAULT_BUSY_POLL`], 100 µs; zero turns polling off). Waking a sleeping thread can take
    /// longer than a whole loopback round trip, notably on virtual machines, so polling
    /// makes short replies (a small query, the next batch of a stream) arrive sooner, at the
    /// cost of CPU time while polling. It adapts per connection: each poll that ends without
    /// data makes more of the following waits sleep at once (up to 255), so a server that
    /// answers slower than the window, or a remote one, costs almost no CPU; so do polls whose
    /// data came only in the second half of the window, once they outweigh the quick ones
    /// (Neo4j's reply to a PULL often does). A new connection carries on from what the
    /// process's last connection to the same server (socket address) with the same window
    /// learned, so connecting to a server that is slow to greet and authenticate (Neo4j takes
    /// a millisecond or more) does not poll in vain on every new connection. At most half the
    /// machine's cores poll at once (at least one); other waiting threads sleep at once, and
    /// while more of this process's threads than that wait for replies, and for 1 ms after,
    /// none polls (their servers need the cores too: four client threads on two cores do
    /// better asleep). And none polls while the machine is crowded: over the last 10 ms, some
    /// thread was ready to run but had no CPU more than a quarter of the time (Linux: the CPU
    /// pressure in `/proc/pressure/cpu`; where the kernel does not report it, more threads in
    /// the run queue of `/proc/loadavg` than cores), so polling never takes a core from a
    /// thread with work, such as the other threads of a busy client or a local server, while a
    /// kernel thread that runs for a moment does not stop it; each such wait also halves the
    /// connection's window (down to a sixteenth), which doubles back with each poll that sees
    /// data, or whose data came within `window` after all. A stream waits once a batch: each
    /// connection times its streams' batches pulled ahead or after the batch, and polled or
    /// slept for (four ways), and keeps the fastest way (trying the others now and then):
    /// polling ahead wins where the client and a local server stay on different cores, the
    /// others where the scheduler can run the two on one core. A new connection's setup (the
    /// handshake's, HELLO's and LOGON's replies) polls only if the last setup to the same
    /// server had every reply within `window` (a server that authenticates takes longer), and
    /// teaches the queries' polling nothing.
    ///
    /// Built with the `poll-stats` feature, `boltc::net::poll_stats()` tells what polling
    /// did in the process so far (how many waits polled, hit, missed or slept at once, and
    /// the time spent spinning): whether it pays against a given server and machine.
    pub fn busy_poll(mut self, window: Duration) -> Self {
        self.busy_poll = window;
        self
    }
    /// Turns off telemetry (default: on). With telemetry on, and only where the server asks for
    /// it (Bolt 5.4+, the `telemetry.enabled` hint), each API call tells the server which kind
    /// of API it is (a TELEMETRY message with a number: transaction function, unmanaged
    /// transaction, auto-commit query or `execute_query`), in the same write as the call's
    /// first request. Nothing else is sent: no query text, no parameters, no identity.
    pub fn telemetry_disabled(mut self, disabled: bool) -> Self {
        self.telemetry_disabled = disabled;
        self
    }

    /// Server notification filters (Bolt 5.2+).
    pub fn notification_filter(mut self, f: NotificationFilter) -> Self {
        self.notifications = f;
        self
    }
    /// Largest server message accepted (default 64 MiB; [`ConfigBuilder::build`] refuses 0).
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// Most memory the values of one server message may take once decoded (default 256 MiB,
    /// [`crate::packstream::DEFAULT_MAX_DECODED_SIZE`]); a message beyond it fails with
    /// `ErrorKind::Protocol` (and the connection is closed). One message's values may also take
    /// at most [`crate::packstream::DECODED_PER_BYTE`] (320) times the message's size, which
    /// well-formed data stays below. With the defaults a connection holds at most about
    /// 64 MiB of message and 256 MiB of its values.
    pub fn max_decoded_size(mut self, bytes: usize) -> Self {
        self.max_decoded_size = bytes;
        self
    }

    /// Largest chunk written to the server (default and maximum 65,535 bytes).
    pub fn max_chunk_size(mut self, bytes: usize) -> Self {
        self.max_chunk_size = bytes;
        self
    }

    /// Validates and builds the configuration.
    ///
    /// # Errors
    /// `Config` for a bad URI, TLS options combined with a `+s`/`+ssc`/`wss` scheme, a zero pool
    /// size, a zero read or write timeout, or a fetch size of 0 or below -1.
    pub fn build(self) -> Result<Config> {
        let uri = net::parse_uri(&self.uri.0)?;
        let scheme_trust = uri.scheme().tls_trust();
        if scheme_trust.is_some() && (self.encrypted.is_some() || self.trust.is_some()) {
            return Err(Error::new(
                ErrorKind::Config,
                format!(
                    "the {} scheme sets encryption and trust; do not also configure them",
                    uri.scheme().as_str()
                ),
            ));
        }
        let trust = match scheme_trust {
            Some(t) => Some(t),
            None if self.encrypted == Some(true) => {
                Some(self.trust.unwrap_or(TrustStrategy::System))
            }
            None => None,
        };
        if self.client_cert.is_some() && self.ext.client_cert_provider.is_some() {
            return Err(Error::new(
                ErrorKind::Config,
                "a client certificate and a client certificate provider were both given; \
                 choose one",
            ));
        }
        let tls = trust.map(|t| {
            let mut o = net::TlsOptions::new(t);
            o.client_cert = self.client_cert.clone();
            o
        });
        if self.max_pool_size == 0 {
            return Err(Error::new(
                ErrorKind::Config,
                "max_connection_pool_size must be at least 1",
            ));
        }
        if self.fetch_size == 0 || self.fetch_size < -1 {
            return Err(Error::new(
                ErrorKind::Config,
                format!(
                    "fetch_size must be positive or -1 (all), not {}",
                    self.fetch_size
                ),
            ));
        }
        if self.max_message_size == 0 {
            return Err(Error::new(
                ErrorKind::Config,
                "max_message_size must be at least 1 byte",
            ));
        }
        if self.max_decoded_size == 0 {
            return Err(Error::new(
                ErrorKind::Config,
                "max_decoded_size must be at least 1 byte",
            ));
        }
        for (name, t) in [
            ("read_timeout", self.read_timeout),
            ("write_timeout", self.write_timeout),
        ] {
            if t == Some(Duration::ZERO) {
                return Err(Error::new(
                    ErrorKind::Config,
                    format!("{name} must be positive (or None for no bound), not 0"),
                ));
            }
        }
        if self.max_chunk_size == 0 || self.max_chunk_size > 0xFFFF {
            return Err(Error::new(
                ErrorKind::Config,
                format!(
                    "max_chunk_size must be 1..=65535, not {}",
                    self.max_chunk_size
                ),
            ));
        }
        if self.ext.resolver.is_some() && !uri.scheme().is_routing() {
            // A direct driver connects to its URI's address; the resolver would be ignored.
            return Err(Error::new(
                ErrorKind::Config,
                format!(
                    "a custom address resolver applies to neo4j:// URIs (their seed address) \
                     only, not to {}",
                    uri.scheme().as_str()
                ),
            ));
        }
        Ok(Config {
            uri,
            auth: self.auth,
            user_agent: self.user_agent,
            tls,
            connection_timeout: self.connection_timeout,
            read_timeout: self.read_timeout,
            write_timeout: self.write_timeout,
            max_pool_size: self.max_pool_size,
            acquisition_timeout: self.acquisition_timeout,
            liveness_check_timeout: self.liveness_check_timeout,
            max_connection_lifetime: self.max_connection_lifetime,
            fetch_size: self.fetch_size,
            max_retry_time: self.max_retry_time,
            ext: self.ext,
            keepalive: self.keepalive,
            busy_poll: self.busy_poll,
            notifications: self.notifications,
            telemetry_disabled: self.telemetry_disabled,
            max_message_size: self.max_message_size,
            max_decoded_size: self.max_decoded_size,
            max_chunk_size: self.max_chunk_size,
        })
    }
}

/// Read or write: where a routing driver sends the work, and `mode` in BEGIN/RUN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AccessMode {
    /// Reads and writes (routed to a writer).
    #[default]
    Write,
    /// Reads only (routed to a reader).
    Read,
}

/// Per-session configuration.
#[derive(Debug, Clone, Default)]
pub struct SessionConfig {
    /// The database (`None`: the user's home database).
    pub database: Option<String>,
    /// The default access mode for `run` and `begin_transaction`.
    pub default_access_mode: AccessMode,
    /// Records per PULL (`None`: the driver's default).
    pub fetch_size: Option<i64>,
    /// Bookmarks to start from.
    pub bookmarks: Vec<String>,
    /// The user to impersonate (Bolt 4.4+).
    pub impersonated_user: Option<String>,
    /// Bookmarks shared with other sessions (`None`: only this session's own bookmarks).
    pub bookmark_manager: Option<std::sync::Arc<dyn super::bookmarks::BookmarkManager>>,
    /// Credentials for this session only (Bolt 5.1+; `None`: the driver's).
    pub auth: Option<AuthToken>,
    /// Notification filters for this session's transactions (Bolt 5.2+). The default sends
    /// none, so the driver's filters (sent with HELLO) apply.
    pub notifications: NotificationFilter,
    /// How long each blocking call of the session may take, all waits included (`None`: no
    /// bound); see [`Session::set_call_timeout`](super::Session::set_call_timeout).
    pub call_timeout: Option<std::time::Duration>,
}

impl SessionConfig {
    /// A config for `database`.
    pub fn database(db: impl Into<String>) -> Self {
        SessionConfig {
            database: Some(db.into()),
            ..SessionConfig::default()
        }
    }
    /// Sets the access mode.
    #[must_use]
    pub fn with_access_mode(mut self, mode: AccessMode) -> Self {
        self.default_access_mode = mode;
        self
    }
    /// Sets the call timeout (see [`Session::set_call_timeout`](super::Session::set_call_timeout)).
    #[must_use]
    pub fn with_call_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.call_timeout = Some(timeout);
        self
    }
    /// Sets the fetch size.
    #[must_use]
    pub fn with_fetch_size(mut self, n: i64) -> Self {
        self.fetch_size = Some(n);
        self
    }
    /// Sets the starting bookmarks.
    #[must_use]
    pub fn with_bookmarks(mut self, b: Vec<String>) -> Self {
        self.bookmarks = b;
        self
    }
    /// Sets the impersonated user.
    #[must_use]
    pub fn with_impersonated_user(mut self, user: impl Into<String>) -> Self {
        self.impersonated_user = Some(user.into());
        self
    }
    /// Sets the bookmark manager.
    #[must_use]
    pub fn with_bookmark_manager(
        mut self,
        manager: std::sync::Arc<dyn super::bookmarks::BookmarkManager>,
    ) -> Self {
        self.bookmark_manager = Some(manager);
        self
    }
    /// Sets credentials for this session only (Bolt 5.1+).
    #[must_use]
    pub fn with_auth(mut self, auth: AuthToken) -> Self {
        self.auth = Some(auth);
        self
    }
    /// Sets notification filters for this session only (Bolt 5.2+).
    #[must_use]
    pub fn with_notification_filter(mut self, f: NotificationFilter) -> Self {
        self.notifications = f;
        self
    }
}

/// Per-transaction configuration.
#[derive(Debug, Clone, Default)]
pub struct TransactionConfig {
    /// Metadata attached to the transaction (visible in `dbms.listTransactions`).
    pub metadata: Option<Map>,
    /// Server-side timeout (`None`: the server default).
    pub timeout: Option<Duration>,
}

impl TransactionConfig {
    /// The timeout in milliseconds, rounded up so a sub-millisecond timeout is not 0.
    pub(crate) fn timeout_ms(&self) -> Option<i64> {
        self.timeout
            .map(|t| i64::try_from(t.as_nanos().div_ceil(1_000_000)).unwrap_or(i64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_debug_never_shows_user_info() {
        let b = Config::builder("neo4j://bob:pa/ss@db.example:7687")
            .auth(AuthToken::basic("alice", "s3cret"));
        let shown = format!("{b:?}");
        for secret in ["bob", "pa/ss", "s3cret"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        let e = b.build().unwrap_err();
        assert!(!format!("{e} {e:?}").contains("pa/ss"), "{e}");
        let plain = format!("{:?}", Config::builder("bolt://db.example:7687"));
        assert!(plain.contains("bolt://db.example:7687"), "{plain}");
    }

    #[test]
    fn a_resolver_is_refused_for_a_direct_uri() {
        let resolver: std::sync::Arc<crate::routing::AddressResolver> =
            std::sync::Arc::new(|a: &net::Address| vec![a.clone()]);
        let e = Config::builder("bolt://h")
            .resolver(resolver.clone())
            .build()
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(e.to_string().contains("neo4j://"), "{e}");
        assert!(Config::builder("neo4j://h")
            .resolver(resolver)
            .build()
            .is_ok());
    }

    #[test]
    fn reads_and_writes_are_bounded_by_default() {
        let c = Config::builder("bolt://h").build().unwrap();
        assert_eq!(c.read_timeout(), Some(DEFAULT_READ_TIMEOUT));
        assert_eq!(c.write_timeout(), Some(DEFAULT_WRITE_TIMEOUT));
        assert!(c.keepalive);
        let none = Config::builder("bolt://h")
            .read_timeout(None)
            .write_timeout(None)
            .build()
            .unwrap();
        assert_eq!((none.read_timeout(), none.write_timeout()), (None, None));
        for b in [
            Config::builder("bolt://h").read_timeout(Some(Duration::ZERO)),
            Config::builder("bolt://h").write_timeout(Some(Duration::ZERO)),
        ] {
            assert_eq!(b.build().unwrap_err().kind(), ErrorKind::Config);
        }
    }
}
