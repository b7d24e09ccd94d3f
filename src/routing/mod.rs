//! Client-side routing for `neo4j://` URIs: one [`RoutingTable`] per database, fetched from the
//! cluster's routers, kept fresh by a background thread (`boltc-routing`, see `refresher.rs`).
//!
//! Workflow for a request on database `db` (seed 001): find the table; create an empty one with
//! the seed router if there is none; if it is stale, ask its routers (then the seed address,
//! resolved through the custom resolver and DNS) for a new one; on failure remove the entry
//! and report `ServiceUnavailable`. A table's routers go through the custom resolver when they
//! are asked (`discover`), its readers and writers each time a request is routed to them
//! (`resolve_route`), as the official drivers resolve members when they connect; the table
//! keeps the server's names. One thread
//! fetches at a time per table; others wait on the condvar until their deadline. The fetch
//! itself (pool acquisition, ROUTE and its reply) is bounded by the same deadline, and a
//! caller's interrupt (`net::interrupt`) reaches the condvar wait, the pool wait and the
//! router's socket.
//!
//! | entry state | meaning                                  | next                               |
//! |-------------|------------------------------------------|------------------------------------|
//! | absent      | never asked for, purged, or fetch failed | seeded on the next request         |
//! | idle        | a table (maybe stale) and nobody fetching| fetched by a request or the refresher |
//! | refreshing  | one thread is fetching                   | idle (success) or absent (failure) |
//!
//! Here: the tables and the locking around them, and the choice of a server for a request.
//! Asking routers for a table (candidate order, one fetch, fatal errors) is in `discover.rs`,
//! the ROUTE request and its reply in `fetch.rs`, the background thread and its periodic
//! `maintain` in `refresher.rs`.

mod discover;
mod fetch;
pub(crate) mod refresher;
pub mod table;

pub use table::RoutingTable;

use crate::error::{Error, ErrorKind, Result};
use crate::net::interrupt::{Interrupt, Target};
use crate::net::{self, Address};
use crate::pool::Pool;
use crate::value::Map;
use discover::interrupted_error;
use fetch::RouteRequest;
use parking_lot::{Condvar, Mutex};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A user hook that turns an address (the seed or a routing-table member) into the addresses
/// to try.
pub type AddressResolver = dyn Fn(&Address) -> Vec<Address> + Send + Sync;

/// The most resolver answers remembered (`RouterInner::resolved`); beyond it the map starts
/// afresh (an entry is only needed until its server is forgotten or the route is used).
const MAX_RESOLVED: usize = 4096;

/// Table key: the database name; `None` for the home database before the server named it (and
/// for servers that never name it, Bolt < 4).
type Key = Option<String>;

struct Entry {
    table: RoutingTable,
    refreshing: bool,
    /// Last request that used the table; the refresher keeps only used tables fresh.
    last_used: Instant,
    imp_user: Option<String>,
}

#[derive(Default)]
struct State {
    tables: HashMap<Key, Entry>,
    /// The home database per impersonated user (`None`: the authenticated user), and whether
    /// sessions may use it without asking (learned from a Bolt 5.8+ server, see
    /// [`RoutingTable::home_cacheable`]); purged with the table it names.
    home: HashMap<Option<String>, (String, bool)>,
    closed: bool,
}

/// Settings of the router.
pub(crate) struct RouterConfig {
    pub(crate) seed: Address,
    pub(crate) context: Map,
    pub(crate) resolver: Option<Arc<AddressResolver>>,
    /// Replaces DNS for the seed addresses.
    pub(crate) domain_name_resolver: Option<Arc<net::DomainNameResolver>>,
    /// Tables expired for longer than this are dropped.
    pub(crate) purge_delay: Duration,
    /// The driver's credentials, for router connections.
    pub(crate) auth: Arc<dyn crate::auth::AuthManager>,
    /// The connection acquisition timeout: getting a router connection (pool wait, connect,
    /// handshake, HELLO) must fit in it, while the ROUTE reply has the whole fetch deadline.
    pub(crate) acquisition_timeout: Duration,
}

pub(crate) struct RouterInner {
    config: RouterConfig,
    pool: Pool,
    state: Mutex<State>,
    changed: Condvar,
    /// Breaks ties between equally loaded servers.
    rotation: AtomicUsize,
    /// For each address the custom resolver returned for a table's reader or writer, the
    /// table entry it stands for (see `resolve_route`).
    resolved: Mutex<HashMap<Address, Address>>,
    wake: crossbeam_channel::Sender<refresher::Command>,
}

/// The routing state of a driver plus its refresher thread.
pub(crate) struct Router {
    inner: Arc<RouterInner>,
    refresher: Mutex<Option<refresher::Handle>>,
}

/// What a request needs to know: the servers for its mode and the database it resolved to.
#[derive(Debug, Clone)]
pub(crate) struct Route {
    pub(crate) servers: Vec<Address>,
    pub(crate) database: Option<String>,
}

impl Router {
    /// Creates the router and starts its refresher thread.
    pub(crate) fn new(config: RouterConfig, pool: Pool) -> Result<Router> {
        let (tx, rx) = crossbeam_channel::unbounded();
        let inner = Arc::new(RouterInner {
            config,
            pool,
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            rotation: AtomicUsize::new(0),
            resolved: Mutex::new(HashMap::new()),
            wake: tx,
        });
        let handle = refresher::spawn(Arc::downgrade(&inner), rx)?;
        Ok(Router {
            inner,
            refresher: Mutex::new(Some(handle)),
        })
    }

    /// The servers for work in `write` mode on `db` (`None`: the home database of `imp_user`),
    /// fetching the table first when it is stale.
    // One argument per part of the request; they go straight through to `ensure`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn route(
        &self,
        write: bool,
        db: Option<&str>,
        imp_user: Option<&str>,
        bookmarks: &[String],
        auth: Option<&crate::bolt::AuthToken>,
        deadline: Instant,
        interrupt: Option<&Interrupt>,
    ) -> Result<Route> {
        let Some(int) = interrupt else {
            return self
                .inner
                .ensure(write, db, imp_user, bookmarks, auth, deadline, None)
                .map(|r| self.inner.resolve_route(r));
        };
        let weak = Arc::downgrade(&self.inner);
        let previous = int.target(Target::Wait(Arc::new(move || {
            if let Some(inner) = weak.upgrade() {
                let _st = inner.state.lock();
                inner.changed.notify_all();
            }
        })));
        let res = self
            .inner
            .ensure(write, db, imp_user, bookmarks, auth, deadline, Some(int));
        int.target(previous);
        res.map(|r| self.inner.resolve_route(r))
    }

    /// Fetches the table for `db` now, even if it is fresh. `None` asks the cluster for the
    /// home database afresh (and re-resolves which database that is).
    pub(crate) fn force_update(
        &self,
        db: Option<&str>,
        bookmarks: &[String],
        deadline: Instant,
    ) -> Result<RoutingTable> {
        {
            let mut st = self.inner.state.lock();
            let key = st.key(db, None);
            if db.is_none() {
                // Ask the cluster which database is home now (it may have changed): forget
                // the cached name and fetch with no database, starting from the routers of
                // the old home table.
                let routers = st
                    .tables
                    .get(&key)
                    .map(|e| e.table.routers.clone())
                    .unwrap_or_default();
                st.home.remove(&None);
                if !routers.is_empty() && !st.tables.get(&None).is_some_and(|e| e.refreshing) {
                    let mut table = RoutingTable::seed(self.inner.config.seed.clone());
                    table.routers = routers;
                    st.tables.insert(
                        None,
                        Entry {
                            table,
                            refreshing: false,
                            last_used: crate::clock::now(),
                            imp_user: None,
                        },
                    );
                }
            } else if let Some(e) = st.tables.get_mut(&key) {
                if !e.refreshing {
                    // Expired tables are fetched by the next request, which is the one below.
                    e.table.ttl = Duration::ZERO;
                }
            }
        }
        self.inner
            .ensure(false, db, None, bookmarks, None, deadline, None)?;
        self.table(db).ok_or_else(|| {
            Error::new(
                ErrorKind::ServiceUnavailable,
                "the routing table was dropped right after it was fetched",
            )
        })
    }

    /// Picks the least loaded of `servers` (connections in use), rotating among ties.
    pub(crate) fn select(&self, servers: &[Address]) -> Option<Address> {
        let start = self.inner.rotation.fetch_add(1, Ordering::Relaxed);
        (0..servers.len())
            .map(|i| &servers[(start + i) % servers.len()])
            .min_by_key(|a| self.inner.pool.in_use(a))
            .cloned()
    }

    /// `addr` could not be reached: remove it from every table and close its idle connections.
    pub(crate) fn forget(&self, addr: &Address) {
        log::info!("[#@{addr}] removing the server from the routing tables");
        let names = self.inner.table_names(addr);
        let mut st = self.inner.state.lock();
        for e in st.tables.values_mut() {
            for name in &names {
                e.table.forget(name);
            }
        }
        drop(st);
        self.inner.pool.purge(addr);
    }

    /// `addr` is no longer the writer of `db` (`None`: the home database of `imp_user`).
    pub(crate) fn forget_writer(&self, addr: &Address, db: Option<&str>, imp_user: Option<&str>) {
        log::info!("[#@{addr}] no longer a writer for {db:?}");
        let names = self.inner.table_names(addr);
        let mut st = self.inner.state.lock();
        let key = st.key(db, imp_user);
        if let Some(e) = st.tables.get_mut(&key) {
            for name in &names {
                e.table.forget_writer(name);
            }
        }
    }

    /// Records the home database a server reported (Bolt 5.8 echoes it in replies).
    pub(crate) fn note_home_database(&self, imp_user: Option<&str>, db: &str) {
        let mut st = self.inner.state.lock();
        st.home
            .insert(imp_user.map(str::to_owned), (db.to_owned(), true));
    }

    /// A copy of the table for `db`, if there is one (for tests and diagnostics).
    pub(crate) fn table(&self, db: Option<&str>) -> Option<RoutingTable> {
        let st = self.inner.state.lock();
        // `None`: the table of the home database resolved last, cached or not.
        let key = db
            .map(str::to_owned)
            .or_else(|| st.home.get(&None).map(|(name, _)| name.clone()));
        st.tables.get(&key).map(|e| e.table.clone())
    }

    /// Stops the refresher and waits for it (unless called on the refresher thread itself).
    pub(crate) fn close(&self) {
        let mut st = self.inner.state.lock();
        st.closed = true;
        drop(st);
        self.inner.changed.notify_all();
        let handle = self.refresher.lock().take();
        if let Some(h) = handle {
            h.stop();
        }
    }
}

impl Drop for Router {
    fn drop(&mut self) {
        self.close();
    }
}

impl State {
    fn key(&self, db: Option<&str>, imp_user: Option<&str>) -> Key {
        match db {
            Some(d) => Some(d.to_owned()),
            // Before Bolt 5.8 each session resolves its home database with its own routing
            // request (its bookmarks and user may lead to another one); from 5.8 on the
            // server names the database in its replies, so the cached name is safe to use.
            None => self
                .home
                .get(&imp_user.map(str::to_owned))
                .filter(|(_, cacheable)| *cacheable)
                .map(|(db, _)| db.clone()),
        }
    }

    /// The routers to resolve a home database with: those of the last home table of
    /// `imp_user`, if there is one, else the seed router.
    fn home_routers(&self, imp_user: Option<&str>, seed: Address) -> Vec<Address> {
        self.home
            .get(&imp_user.map(str::to_owned))
            .and_then(|(db, _)| self.tables.get(&Some(db.clone())))
            .map(|e| e.table.routers.clone())
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| vec![seed])
    }
}

enum Step {
    Ready(Route),
    Fetch(Key, Vec<Address>),
}

impl RouterInner {
    #[allow(clippy::too_many_arguments)]
    fn ensure(
        &self,
        write: bool,
        db: Option<&str>,
        imp_user: Option<&str>,
        bookmarks: &[String],
        auth: Option<&crate::bolt::AuthToken>,
        deadline: Instant,
        interrupt: Option<&Interrupt>,
    ) -> Result<Route> {
        let (key, routers) = match self.next_step(write, db, imp_user, deadline, interrupt)? {
            Step::Ready(route) => return Ok(route),
            Step::Fetch(key, routers) => (key, routers),
        };
        let req = RouteRequest {
            context: &self.config.context,
            bookmarks,
            database: key.as_deref(),
            imp_user,
            auth,
        };
        let fetched = self.discover(&routers, &req, deadline, interrupt);
        let stored = self.store(&key, imp_user, fetched, true)?;
        let servers = if write {
            &stored.writers
        } else {
            &stored.readers
        };
        Ok(Route {
            servers: servers.clone(),
            database: stored.database.clone(),
        })
    }

    /// Under the lock: use the table, wait for another thread's fetch, or claim the fetch.
    fn next_step(
        &self,
        write: bool,
        db: Option<&str>,
        imp_user: Option<&str>,
        deadline: Instant,
        interrupt: Option<&Interrupt>,
    ) -> Result<Step> {
        let mut st = self.state.lock();
        loop {
            if st.closed {
                return Err(Error::new(
                    ErrorKind::IllegalState,
                    "the driver has been closed",
                ));
            }
            if interrupt.is_some_and(Interrupt::is_raised) {
                return Err(interrupted_error());
            }
            let key = st.key(db, imp_user);
            let now = crate::clock::now();
            if !st.tables.contains_key(&key) {
                let mut table = RoutingTable::seed(self.config.seed.clone());
                if key.is_none() {
                    table.routers = st.home_routers(imp_user, self.config.seed.clone());
                }
                let entry = Entry {
                    table,
                    refreshing: false,
                    last_used: now,
                    imp_user: imp_user.map(str::to_owned),
                };
                st.tables.insert(key.clone(), entry);
            }
            let entry = st.tables.get_mut(&key).expect("invariant: inserted above");
            entry.last_used = now;
            if entry.table.is_fresh(write, now) {
                let t = &entry.table;
                let servers = if write { &t.writers } else { &t.readers };
                let database = t.database.clone().or(key);
                return Ok(Step::Ready(Route {
                    servers: servers.clone(),
                    database,
                }));
            }
            if !entry.refreshing {
                entry.refreshing = true;
                return Ok(Step::Fetch(key, entry.table.routers.clone()));
            }
            if self.changed.wait_until(&mut st, deadline).timed_out() && Instant::now() >= deadline
            {
                return Err(Error::new(
                    ErrorKind::Timeout,
                    "timed out waiting for another thread to fetch the routing table",
                ));
            }
        }
    }

    /// Under the lock: file the fetched table (or drop the entry on failure) and wake waiters.
    /// `used`: a request is waiting for it (so it counts as used since the fetch).
    fn store(
        &self,
        key: &Key,
        imp_user: Option<&str>,
        fetched: Result<RoutingTable>,
        used: bool,
    ) -> Result<RoutingTable> {
        let mut st = self.state.lock();
        let res = match fetched {
            Ok(mut table) => {
                let now = crate::clock::now();
                let old = st.tables.remove(key);
                let last_used = if used {
                    now
                } else {
                    old.map_or(now, |e| e.last_used)
                };
                let final_key = match (key, &table.database) {
                    (None, Some(name)) => {
                        st.home.insert(
                            imp_user.map(str::to_owned),
                            (name.clone(), table.home_cacheable),
                        );
                        Some(name.clone())
                    }
                    _ => key.clone(),
                };
                if table.database.is_none() {
                    table.database.clone_from(key);
                }
                log::info!(
                    "routing table fetched for {final_key:?}: routers {:?}, readers {:?}, writers {:?}, ttl {:?}",
                    table.routers, table.readers, table.writers, table.ttl
                );
                let entry = Entry {
                    table: table.clone(),
                    refreshing: false,
                    last_used,
                    imp_user: imp_user.map(str::to_owned),
                };
                st.tables.insert(final_key, entry);
                Ok(table)
            }
            Err(e) => {
                st.tables.remove(key);
                Err(e)
            }
        };
        drop(st);
        self.changed.notify_all();
        let _ = self.wake.send(refresher::Command::Wake);
        res
    }

    fn forget_router(&self, addr: &Address) {
        let mut st = self.state.lock();
        for e in st.tables.values_mut() {
            e.table.forget(addr);
        }
        drop(st);
        self.pool.purge(addr);
    }

    /// The servers of `route` through the custom resolver, as the official drivers do when
    /// they connect to a routing-table member: each becomes the addresses the resolver returns
    /// for it, in order, duplicates once; one it returns nothing for is left out (logged). The
    /// table keeps the names the server sent; `resolved` remembers which name each answer
    /// stands for, so that forgetting an unreachable address forgets its table entry. Without
    /// a resolver the route is unchanged. Host names stay names: DNS (or the domain name
    /// resolver) resolves them when a connection is opened.
    fn resolve_route(&self, mut route: Route) -> Route {
        let Some(resolver) = &self.config.resolver else {
            return route;
        };
        let mut out: Vec<Address> = Vec::with_capacity(route.servers.len());
        let mut names: Vec<(Address, Address)> = Vec::new();
        for server in &route.servers {
            let to = resolver(server);
            if to.is_empty() {
                log::info!("[#@{server}] the resolver returned no address: server skipped");
            }
            for a in to {
                if out.len() < table::MAX_ADDRESSES_PER_ROLE && !out.contains(&a) {
                    names.push((a.clone(), server.clone()));
                    out.push(a);
                }
            }
        }
        let mut resolved = self.resolved.lock();
        if resolved.len() + names.len() > MAX_RESOLVED {
            resolved.clear();
        }
        resolved.extend(names);
        route.servers = out;
        route
    }

    /// `addr` and, if it is a resolver's answer, the table entry it stands for.
    fn table_names(&self, addr: &Address) -> Vec<Address> {
        let mut names = vec![addr.clone()];
        if let Some(name) = self.resolved.lock().get(addr) {
            if name != addr {
                names.push(name.clone());
            }
        }
        names
    }
}
