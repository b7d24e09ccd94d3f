//! The driver: configuration, the pool, and how connections are opened.

use super::bookmarks::{BookmarkManager, DefaultBookmarkManager};
use super::config::{AccessMode, Config, SessionConfig};
use super::session::Session;
use crate::auth::{authenticate, on_security_error, AuthManager, AuthManagers, AuthMode};
use crate::bolt::message::HelloParams;
use crate::bolt::AuthToken;
use crate::bolt::{Limits, ServerInfo};
use crate::connect::{Connector, Settings};
use crate::error::{Error, ErrorKind, Result, AUTHORIZATION_EXPIRED};
use crate::net::deadline::deadline_within;
/// Sessions reach it here (`super::driver::far_future`).
pub(crate) use crate::net::deadline::far_future;
use crate::net::{Address, ConnectOptions, TlsSource};
use crate::pool::{Pool, PoolConfig, PoolMetrics, PooledConnection};
use crate::routing::{Router, RouterConfig};
use crate::value::{Map, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

pub(crate) struct DriverInner {
    pub(crate) config: Config,
    pub(crate) pool: Pool,
    pub(crate) router: Option<Router>,
    /// The bookmark manager `execute_query` uses by default.
    query_bookmarks: Arc<dyn BookmarkManager>,
    /// Where credentials come from (the configured token unless an auth manager is set).
    auth: Arc<dyn AuthManager>,
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
        let auth = match &config.ext.auth_manager {
            Some(m) => m.clone(),
            None => AuthManagers::static_auth(config.auth.clone()),
        };
        let connector = Connector::new(connect_settings(&config)?, auth.clone());
        let pool = Pool::new(
            PoolConfig {
                max_size: config.max_pool_size,
                liveness_check: config.liveness_check_timeout,
                max_lifetime: config.max_connection_lifetime,
            },
            Box::new(move |addr, deadline, auth| connector.connect(addr, deadline, auth)),
        );
        let router = if config.uri.scheme().is_routing() {
            let rc = RouterConfig {
                seed: config.uri.address().clone(),
                context: routing_context(&config),
                resolver: config.ext.resolver.clone(),
                domain_name_resolver: config.ext.domain_name_resolver.clone(),
                purge_delay: config.ext.purge_delay,
                auth: auth.clone(),
                acquisition_timeout: config.acquisition_timeout,
            };
            Some(Router::new(rc, pool.clone())?)
        } else {
            None
        };
        Ok(Driver {
            inner: Arc::new(DriverInner {
                config,
                pool,
                router,
                query_bookmarks: Arc::new(DefaultBookmarkManager::default()),
                auth,
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

    /// Connects and returns what the server told about itself. With routing, the routing table
    /// of the home database is fetched afresh first; a pooled connection is checked with RESET.
    ///
    /// # Errors
    /// Connection, handshake and authentication errors.
    pub fn server_info(&self) -> Result<ServerInfo> {
        let database = match &self.inner.router {
            Some(router) => {
                // Connectivity means the cluster answers routing requests now: fetch afresh,
                // and use the home database that fetch resolved.
                let deadline = deadline_within(self.inner.config.acquisition_timeout, None);
                router.force_update(None, &[], deadline)?.database
            }
            None => None,
        };
        let mut conn = self.inner.acquire(AccessMode::Read, database.as_deref())?;
        if conn.is_reused() {
            // A pooled connection may have died while idle: check that it still answers.
            conn.send(&crate::bolt::message::Request::Reset)?;
            if let Err(e) = conn.recv_summary()? {
                conn.mark_broken("RESET failed while verifying connectivity");
                return Err(e);
            }
        }
        Ok(conn.info().clone())
    }

    /// Checks `auth` (`None`: the driver's credentials) against the server: `Ok(false)` when
    /// the server rejects them (credentials expired, forbidden, token expired, unauthorized).
    /// Uses a connection for the `system` database, re-authenticating a pooled one (Bolt 5.1+).
    ///
    /// # Errors
    /// Connection errors, other server errors, and `Unsupported` for credentials other than
    /// the driver's on a server older than Bolt 5.1.
    pub fn verify_authentication(&self, auth: Option<AuthToken>) -> Result<bool> {
        let req = AcquireRequest {
            mode: AccessMode::Read,
            database: Some("system"),
            imp_user: None,
            bookmarks: &[],
            auth: auth.as_ref(),
            pipeline_auth: false,
            force_auth: true,
            deadline: None,
            interrupt: None,
        };
        match self.inner.acquire_routed(&req) {
            Ok(_) => Ok(true),
            Err(e)
                if matches!(
                    e.server_code(),
                    Some(
                        "Neo.ClientError.Security.CredentialsExpired"
                            | "Neo.ClientError.Security.Forbidden"
                            | "Neo.ClientError.Security.TokenExpired"
                            | "Neo.ClientError.Security.Unauthorized"
                    )
                ) =>
            {
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// The routing table the driver holds for `database` (`None`: the home database), for
    /// diagnostics; always `None` for `bolt://` URIs.
    pub fn routing_table(&self, database: Option<&str>) -> Option<crate::routing::RoutingTable> {
        self.inner.router.as_ref().and_then(|r| r.table(database))
    }

    /// Fetches the routing table for `database` (`None`: the home database) from the cluster
    /// now, even if the one held is still fresh, waiting for causal consistency with
    /// `bookmarks`; returns the new table.
    ///
    /// # Errors
    /// `Unsupported` for `bolt://` URIs; `ServiceUnavailable` when no router answered;
    /// server errors (e.g. a database that does not exist) as they come.
    pub fn update_routing_table(
        &self,
        database: Option<&str>,
        bookmarks: &[String],
    ) -> Result<crate::routing::RoutingTable> {
        self.inner.check_open()?;
        let Some(router) = &self.inner.router else {
            return Err(Error::new(
                ErrorKind::Unsupported,
                "routing tables exist only for neo4j:// URIs",
            ));
        };
        let deadline = deadline_within(self.inner.config.acquisition_timeout, None);
        router.force_update(database, bookmarks, deadline)
    }

    /// The bookmark manager [`Driver::execute_query`] uses by default; pass it to sessions
    /// (`SessionConfig::with_bookmark_manager`) to chain them with `execute_query` calls.
    pub fn execute_query_bookmark_manager(&self) -> Arc<dyn BookmarkManager> {
        self.inner.query_bookmarks.clone()
    }

    /// Pool figures per server address.
    pub fn pool_metrics(&self) -> Vec<(Address, PoolMetrics)> {
        self.inner.pool.metrics()
    }

    /// Closes idle connections and refuses new sessions. Connections still in use close when
    /// their sessions finish.
    ///
    /// In a child process made by `fork`, the connections and the routing thread belong to
    /// the parent: closing (or dropping) the driver there forgets them without a word to the
    /// server, without shutting the parent's sockets down and without joining a thread the
    /// child does not have; inherited sessions fail on their first use in the child instead
    /// of touching the parent's connection. A child that wants to query opens its own driver.
    pub fn close(&self) {
        if !self.inner.closed.swap(true, Ordering::SeqCst) {
            self.inner.pool.close();
            if let Some(r) = &self.inner.router {
                r.close();
            }
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
        mode: AccessMode,
        database: Option<&str>,
    ) -> Result<PooledConnection> {
        let req = AcquireRequest {
            mode,
            database,
            imp_user: None,
            bookmarks: &[],
            auth: None,
            pipeline_auth: false,
            force_auth: false,
            deadline: None,
            interrupt: None,
        };
        self.acquire_routed(&req).map(|(c, _)| c)
    }

    /// A connection for `req`, and (routing only) the database the request resolved to.
    ///
    /// With routing: reads go to readers and writes to writers, the least busy first; a server
    /// that cannot be reached is removed from the routing tables and the next one is tried.
    /// Everything (routing, pool waits, connecting, re-authentication) ends by the acquisition
    /// timeout or the request's deadline, whichever comes first.
    pub(crate) fn acquire_routed(
        &self,
        req: &AcquireRequest<'_>,
    ) -> Result<(PooledConnection, Option<String>)> {
        self.acquire_routed_inner(req)
            .map_err(|e| match req.deadline {
                // Whatever failed last, the caller's deadline is why nothing else was tried.
                Some(d)
                    if Instant::now() >= d
                        && !matches!(e.kind(), ErrorKind::Timeout | ErrorKind::Interrupted) =>
                {
                    e.with_kind(ErrorKind::Timeout)
                }
                _ => e,
            })
    }

    fn acquire_routed_inner(
        &self,
        req: &AcquireRequest<'_>,
    ) -> Result<(PooledConnection, Option<String>)> {
        self.check_open()?;
        let Some(router) = &self.router else {
            let deadline = deadline_within(self.config.acquisition_timeout, req.deadline);
            let conn = self.pool.acquire_interruptible(
                self.config.uri.address(),
                deadline,
                req.interrupt,
                req.auth,
            )?;
            return Ok((self.with_auth(conn, req, deadline)?, None));
        };
        let write = req.mode == AccessMode::Write;
        let mut last = None;
        // Fetching a routing table is not pool acquisition: a slow ROUTE reply may take longer
        // than the acquisition timeout. It is bounded by the call timeout when there is one,
        // else by the acquisition timeout plus the connection timeout, so that a silent router
        // cannot block a caller for ever.
        let route_deadline = req.deadline.unwrap_or_else(|| {
            deadline_within(
                self.config
                    .acquisition_timeout
                    .saturating_add(self.config.connection_timeout),
                None,
            )
        });
        // One routing table per acquisition: the servers it names are tried, least busy first;
        // when none can be reached the caller gets `SessionExpired` (and a retry fetches anew).
        let route = router.route(
            write,
            req.database,
            req.imp_user,
            req.bookmarks,
            req.auth,
            route_deadline,
            req.interrupt,
        )?;
        // Getting a server connection has the acquisition timeout of its own, counted from
        // here: the routing fetch above is not part of it.
        let deadline = deadline_within(self.config.acquisition_timeout, req.deadline);
        let mut candidates = route.servers.clone();
        if candidates.is_empty() {
            let role = if write { "writers" } else { "readers" };
            return Err(Error::new(
                ErrorKind::SessionExpired,
                format!("no {role} available for database {:?}", route.database),
            ));
        }
        while let Some(addr) = router.select(&candidates) {
            candidates.retain(|a| *a != addr);
            match self
                .pool
                .acquire_interruptible(&addr, deadline, req.interrupt, req.auth)
            {
                Ok(conn) => {
                    let conn = self.with_auth(conn, req, deadline)?;
                    return Ok((conn, route.database));
                }
                Err(e) if e.kind() == ErrorKind::ServiceUnavailable => {
                    log::info!("[#@{addr}] cannot connect, trying another server: {e}");
                    router.forget(&addr);
                    last = Some(e);
                }
                Err(e) => return Err(e),
            }
            if Instant::now() >= deadline {
                break;
            }
        }
        Err(Error::new(
            ErrorKind::SessionExpired,
            format!(
                "no server could be reached: {}",
                last.map_or_else(|| "out of time".to_owned(), |e| e.to_string())
            ),
        ))
    }

    /// Makes sure `conn` is authenticated with the wanted credentials (see
    /// [`crate::auth::authenticate`]).
    fn with_auth(
        &self,
        conn: PooledConnection,
        req: &AcquireRequest<'_>,
        deadline: Instant,
    ) -> Result<PooledConnection> {
        let how = AuthMode {
            pipeline: req.pipeline_auth,
            force: req.force_auth,
        };
        authenticate(&*self.auth, conn, req.auth, how, deadline, |addr, by| {
            self.pool.acquire_as(addr, by, None)
        })
    }

    /// A security error on a connection authenticated with `auth` (from the auth manager):
    /// the manager decides whether it is retryable.
    pub(crate) fn on_security_error(&self, auth: Option<&AuthToken>, error: Error) -> Error {
        match auth {
            Some(a) => on_security_error(&*self.auth, a, error),
            None => error,
        }
    }

    /// The session saw a server failure on `addr`: the pool stops reusing the server's older
    /// connections after an expired authorization, and routing reacts to a lost leader, to an
    /// unavailable database and to a dead server.
    pub(crate) fn on_server_failure(
        &self,
        addr: &Address,
        error: &Error,
        database: Option<&str>,
        imp_user: Option<&str>,
    ) {
        if error.server_code() == Some(AUTHORIZATION_EXPIRED) {
            // No connection opened before this one is reused for new work (they all carry
            // the authorization that expired).
            self.pool.expire(addr);
        }
        let Some(router) = &self.router else { return };
        match error.server_code() {
            Some(
                "Neo.ClientError.Cluster.NotALeader"
                | "Neo.ClientError.General.ForbiddenOnReadOnlyDatabase",
            ) => router.forget_writer(addr, database, imp_user),
            // The database is not available there (e.g. a store copy): stop routing to it.
            Some("Neo.TransientError.General.DatabaseUnavailable") => router.forget(addr),
            // The connection was lost, or its read timeout ran out (a retryable timeout; the
            // caller's own call timeout is not the server's fault).
            _ if error.server_code().is_none()
                && (error.kind() == ErrorKind::ServiceUnavailable
                    || (error.kind() == ErrorKind::Timeout && error.is_retryable())) =>
            {
                router.forget(addr);
            }
            _ => {}
        }
    }

    /// A Bolt 5.8+ server named the home database in a reply.
    pub(crate) fn note_home_database(&self, imp_user: Option<&str>, db: &str) {
        if let Some(router) = &self.router {
            router.note_home_database(imp_user, db);
        }
    }
}

/// What a session asks the driver for.
pub(crate) struct AcquireRequest<'a> {
    pub(crate) mode: AccessMode,
    pub(crate) database: Option<&'a str>,
    pub(crate) imp_user: Option<&'a str>,
    pub(crate) bookmarks: &'a [String],
    /// Session credentials (5.1+), instead of the driver's.
    pub(crate) auth: Option<&'a crate::bolt::AuthToken>,
    /// A re-authentication (LOGOFF/LOGON) may be left for the caller to read
    /// ([`crate::bolt::Connection::take_deferred_auth`]), so it goes out with the first request.
    pub(crate) pipeline_auth: bool,
    /// Log on again even if a pooled connection already uses the wanted credentials
    /// (`verify_authentication`).
    pub(crate) force_auth: bool,
    /// The caller's own deadline (a session's call timeout), if sooner than the acquisition
    /// timeout.
    pub(crate) deadline: Option<Instant>,
    /// Ends waits for a connection or a routing table early (a session's interrupter).
    pub(crate) interrupt: Option<&'a crate::net::interrupt::Interrupt>,
}

/// The `routing` map of HELLO and ROUTE: the URI query plus `address`.
fn routing_context(config: &Config) -> Map {
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
}

/// What the connector needs from the configuration.
fn connect_settings(config: &Config) -> Result<Settings> {
    let tls = config
        .tls
        .as_ref()
        .map(|o| TlsSource::new(o, config.ext.client_cert_provider.clone()))
        .transpose()?;
    let routing = config
        .uri
        .scheme()
        .is_routing()
        .then(|| routing_context(config));
    Ok(Settings {
        tls,
        host: config.uri.address().host().to_owned(),
        options: ConnectOptions {
            connect_timeout: config.connection_timeout,
            read_timeout: None,
            write_timeout: None,
            keepalive: config.keepalive,
            busy_poll: config.busy_poll,
            tls: None,
            domain_name_resolver: config.ext.domain_name_resolver.clone(),
            websocket: config.uri.scheme().is_websocket(),
        },
        hello: HelloParams {
            user_agent: config.user_agent.clone(),
            routing,
            bolt_agent: Some(bolt_agent()),
            notifications: config.notifications.clone(),
        },
        read_timeout: config.read_timeout,
        write_timeout: config.write_timeout,
        limits: Limits {
            max_message: config.max_message_size,
            max_decoded: config.max_decoded_size,
            max_chunk: config.max_chunk_size,
            ..Limits::default()
        },
    })
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
