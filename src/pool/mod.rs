//! Connection pools: one set of connections per server address, behind a mutex and condvar.
//!
//! | slot state | entered by                        | leaves to                               |
//! |------------|-----------------------------------|-----------------------------------------|
//! | connecting | acquire found no idle, room left  | in use (ok), gone (connect failed)      |
//! | in use     | acquire                           | idle (clean release), closed (broken)   |
//! | idle       | release of a healthy connection   | in use, closed (too old, dead, pool closed, fork) |
//!
//! Decisions are made under the lock; connecting, liveness checks and closing happen after
//! releasing it. Waiters block on the condvar until their `Instant` deadline, or until their
//! caller's interrupt (`net::interrupt`) wakes them: it takes the pool lock, then notifies
//! every waiter; each checks its own flag under the lock before waiting, so no interrupt is
//! lost. The condvar is shared by every address, so a freed slot wakes all waiters
//! (`notify_all`): waking one could pick a waiter for another address and leave the right one
//! asleep until its deadline.
//!
//! The pool does not know what it pools: a [`Manage`] implementation opens, checks and closes
//! connections (r2d2's `ManageConnection` is the model). [`BoltManager`] (in `bolt.rs`) is the
//! driver's, over Bolt connections; the unit tests (`tests.rs`) use a fake one, with no sockets.
//!
//! File length: kept whole: one state machine (the slot table above) behind one mutex and condvar, whose invariants are easier to check in one file.

mod bolt;
#[cfg(test)]
mod tests;

pub use bolt::{BoltConnection, BoltManager, Connector};

use crate::bolt::AuthToken;
use crate::error::{Error, ErrorKind, Result};
use crate::net::interrupt::{Interrupt, Target, Waker};
use crate::net::Address;
use parking_lot::{Condvar, Mutex};
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a [`Pool`] needs from the connections it keeps: how to open, check and close one.
/// Every method but [`Manage::connect`] is quick and called with no lock held.
pub trait Manage: Send + Sync + 'static {
    /// A connection.
    type Conn: Send + 'static;
    /// Shuts a connection's socket down from another thread (to interrupt a blocked call).
    type Shutdown: Clone + Send + 'static;

    /// Opens a new connection to `address` by `deadline`, with `auth` (`None`: the default
    /// credentials).
    fn connect(
        &self,
        address: &Address,
        deadline: Instant,
        auth: Option<&AuthToken>,
    ) -> Result<Self::Conn>;
    /// When `conn` was opened (for the maximum lifetime).
    fn created(&self, conn: &Self::Conn) -> Instant;
    /// Checks an idle connection with a round trip finished by `deadline`.
    fn is_alive(&self, conn: &mut Self::Conn, deadline: Instant) -> bool;
    /// Whether a returned connection may be kept for reuse (not broken, nothing left unsent,
    /// not inherited from a parent process).
    fn is_reusable(&self, conn: &Self::Conn) -> bool;
    /// Whether `conn` can take new credentials in place, so it survives
    /// [`Pool::expire`] (Bolt 5.1+: LOGOFF/LOGON).
    fn can_reauthenticate(&self, conn: &Self::Conn) -> bool;
    /// Resets what a checkout set on `conn` (its deadline) when it comes back.
    fn on_release(&self, conn: &mut Self::Conn);
    /// Says goodbye, giving up at `by` (the connection is dropped afterwards either way).
    fn close(&self, conn: &mut Self::Conn, by: Instant);
    /// A handle that shuts `conn` down from another thread, if it can be made.
    fn shutdown_handle(&self, conn: &Self::Conn) -> Option<Self::Shutdown>;
    /// Shuts a connection down through its handle.
    fn shutdown(&self, handle: &Self::Shutdown);
    /// The prefix of log lines about `conn`.
    fn log_id(&self, conn: &Self::Conn) -> String;
}

/// Pool limits.
#[derive(Debug, Clone, Copy)]
pub struct PoolConfig {
    /// Most connections per address (in use + idle + connecting).
    pub max_size: usize,
    /// Check connections idle longer than this with a RESET round trip before handing them out.
    pub liveness_check: Option<Duration>,
    /// Close connections older than this instead of reusing them.
    pub max_lifetime: Option<Duration>,
}

/// Per-address pool figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolMetrics {
    /// Connections handed out (or being opened).
    pub in_use: usize,
    /// Connections waiting in the pool.
    pub idle: usize,
    /// Threads waiting for a connection.
    pub waiting: usize,
    /// Connections opened so far.
    pub created: u64,
    /// Connections closed so far.
    pub closed: u64,
}

struct Idle<M: Manage> {
    /// Boxed: a connection moves between the idle set, the acquisition and the caller's
    /// `PooledConnection` several times a query; a Bolt connection is several hundred bytes.
    conn: Box<M::Conn>,
    /// Made once per connection (it duplicates the socket) and kept with it.
    handle: Option<M::Shutdown>,
    since: Instant,
    /// The server's generation when the connection was opened.
    generation: u64,
}

struct Server<M: Manage> {
    idle: Vec<Idle<M>>,
    metrics: PoolMetrics,
    /// Raised by [`Pool::expire`]: connections of an older generation are not reused as they
    /// are (Bolt 5.1+ ones log on again first, older ones are closed).
    generation: u64,
}

impl<M: Manage> Default for Server<M> {
    fn default() -> Self {
        Server {
            idle: Vec::new(),
            metrics: PoolMetrics::default(),
            generation: 0,
        }
    }
}

/// The pool's maps are read several times a query; hashbrown's default hasher (foldhash)
/// costs a fraction of std's SipHash on these short keys. Their keys are the pool's own
/// tickets and the addresses of the servers it connects to.
type Map<K, V> = hashbrown::HashMap<K, V>;

/// `address`'s entry, created (and the address cloned) only the first time.
fn server_mut<'a, M: Manage>(
    servers: &'a mut Map<Address, Server<M>>,
    address: &Address,
) -> &'a mut Server<M> {
    servers.entry_ref(address).or_default()
}

struct State<M: Manage> {
    servers: Map<Address, Server<M>>,
    closed: bool,
    pid: u32,
    /// Sockets of connections in use, so `close` can interrupt calls blocked on them.
    in_use: Map<u64, M::Shutdown>,
    next_ticket: u64,
}

struct Inner<M: Manage> {
    config: PoolConfig,
    manager: M,
    state: Mutex<State<M>>,
    available: Condvar,
    /// Wakes the threads waiting for a free slot, for an [`Interrupt`] to call: made once
    /// (it holds the pool weakly), so an acquisition only clones it.
    wake_waiters: Waker,
}

/// A thread-safe pool of connections to any number of servers (of Bolt connections unless
/// said otherwise).
pub struct Pool<M: Manage = BoltManager> {
    inner: Arc<Inner<M>>,
}

impl<M: Manage> Clone for Pool<M> {
    fn clone(&self) -> Self {
        Pool {
            inner: Arc::clone(&self.inner),
        }
    }
}

enum Next<M: Manage> {
    Reuse(Idle<M>),
    Open,
    Discard(Vec<Idle<M>>),
}

impl Pool<BoltManager> {
    /// A pool of Bolt connections opened with `connector`.
    pub fn new(config: PoolConfig, connector: Box<Connector>) -> Pool<BoltManager> {
        Pool::with_manager(config, BoltManager::new(connector))
    }
}

impl<M: Manage> Pool<M> {
    /// A pool whose connections `manager` opens, checks and closes.
    pub fn with_manager(config: PoolConfig, manager: M) -> Pool<M> {
        Pool {
            inner: Arc::new_cyclic(|weak: &std::sync::Weak<Inner<M>>| {
                let weak = weak.clone();
                Inner {
                    config,
                    manager,
                    state: Mutex::new(State {
                        servers: Map::default(),
                        closed: false,
                        pid: crate::process::id(),
                        in_use: Map::default(),
                        next_ticket: 0,
                    }),
                    available: Condvar::new(),
                    wake_waiters: Arc::new(move || {
                        if let Some(inner) = weak.upgrade() {
                            let _st = inner.state.lock();
                            inner.available.notify_all();
                        }
                    }),
                }
            }),
        }
    }

    /// Takes a connection to `address`, reusing an idle one or opening one, waiting for a free
    /// slot until `deadline`.
    ///
    /// # Errors
    /// `Timeout` when no slot frees up in time; connect errors; `IllegalState` after `close`.
    pub fn acquire(&self, address: &Address, deadline: Instant) -> Result<PooledConnection<M>> {
        self.acquire_as(address, deadline, None)
    }

    /// As [`Pool::acquire`]; a connection opened for this call authenticates with `auth`
    /// (`None`: the driver's credentials). A reused one keeps the credentials it has.
    ///
    /// # Errors
    /// As [`Pool::acquire`].
    pub fn acquire_as(
        &self,
        address: &Address,
        deadline: Instant,
        auth: Option<&AuthToken>,
    ) -> Result<PooledConnection<M>> {
        self.acquire_interruptible(address, deadline, None, auth)
    }

    /// As [`Pool::acquire_as`]; `interrupt` (if any) ends a wait for a free slot with
    /// `Interrupted`.
    pub(crate) fn acquire_interruptible(
        &self,
        address: &Address,
        deadline: Instant,
        interrupt: Option<&Interrupt>,
        auth: Option<&AuthToken>,
    ) -> Result<PooledConnection<M>> {
        let Some(int) = interrupt else {
            return self.acquire_loop(address, deadline, None, auth);
        };
        let previous = int.target(Target::Wait(Arc::clone(&self.inner.wake_waiters)));
        let res = self.acquire_loop(address, deadline, Some(int), auth);
        int.target(previous);
        res
    }

    fn acquire_loop(
        &self,
        address: &Address,
        deadline: Instant,
        interrupt: Option<&Interrupt>,
        auth: Option<&AuthToken>,
    ) -> Result<PooledConnection<M>> {
        loop {
            match self.next_step(address, deadline, interrupt)? {
                Next::Discard(old) => drop(old),
                Next::Open => return self.open(address, deadline, auth),
                Next::Reuse(idle) => {
                    let (handle, generation) = (idle.handle.clone(), idle.generation);
                    if let Some(conn) = self.check_idle(idle, deadline) {
                        log::trace!(
                            "[{}] pool: reusing an idle connection",
                            self.inner.manager.log_id(&conn)
                        );
                        return Ok(self.wrap(conn, handle, address, generation, true));
                    }
                    self.finish_close(address);
                }
            }
        }
    }

    /// Under the lock: what to do next (wait as needed).
    fn next_step(
        &self,
        address: &Address,
        deadline: Instant,
        interrupt: Option<&Interrupt>,
    ) -> Result<Next<M>> {
        let mut st = self.inner.state.lock();
        if let Some(stale) = forget_inherited(&mut st) {
            return Ok(Next::Discard(stale));
        }
        loop {
            if st.closed {
                return Err(Error::new(
                    ErrorKind::IllegalState,
                    "the driver has been closed",
                ));
            }
            if interrupt.is_some_and(Interrupt::is_raised) {
                // This waiter may have taken a release's notification: pass it on.
                self.inner.available.notify_all();
                return Err(Error::new(
                    ErrorKind::Interrupted,
                    format!("interrupted while acquiring a connection to {address}"),
                ));
            }
            let max = self.inner.config.max_size;
            let server = server_mut(&mut st.servers, address);
            if let Some(idle) = server.idle.pop() {
                server.metrics.idle -= 1;
                server.metrics.in_use += 1;
                return Ok(Next::Reuse(idle));
            }
            if server.metrics.in_use < max {
                server.metrics.in_use += 1;
                return Ok(Next::Open);
            }
            server.metrics.waiting += 1;
            let timed_out = self
                .inner
                .available
                .wait_until(&mut st, deadline)
                .timed_out();
            let server = server_mut(&mut st.servers, address);
            server.metrics.waiting -= 1;
            if timed_out && Instant::now() >= deadline {
                return Err(Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "could not acquire a connection to {address} in time: all {max} connections are in use"
                    ),
                ));
            }
        }
    }

    fn open(
        &self,
        address: &Address,
        deadline: Instant,
        auth: Option<&AuthToken>,
    ) -> Result<PooledConnection<M>> {
        let manager = &self.inner.manager;
        match manager.connect(address, deadline, auth) {
            Ok(conn) => {
                let mut st = self.inner.state.lock();
                let server = server_mut(&mut st.servers, address);
                server.metrics.created += 1;
                let (in_use, generation) = (server.metrics.in_use, server.generation);
                drop(st);
                log::debug!(
                    "[{}] pool: opened a new connection ({in_use} in use)",
                    manager.log_id(&conn)
                );
                let handle = manager.shutdown_handle(&conn);
                Ok(self.wrap(Box::new(conn), handle, address, generation, false))
            }
            Err(e) => {
                log::debug!("[#@{address}] pool: opening a connection failed: {e}");
                let mut st = self.inner.state.lock();
                server_mut(&mut st.servers, address).metrics.in_use -= 1;
                drop(st);
                self.inner.available.notify_all();
                Err(e)
            }
        }
    }

    /// Checks an idle connection outside the lock; `None` if it must be closed.
    fn check_idle(&self, idle: Idle<M>, deadline: Instant) -> Option<Box<M::Conn>> {
        let manager = &self.inner.manager;
        let Idle {
            mut conn, since, ..
        } = idle;
        if let Some(max) = self.inner.config.max_lifetime {
            if crate::clock::now().saturating_duration_since(manager.created(&conn)) > max {
                log::debug!(
                    "[{}] pool: closing, older than {max:?}",
                    manager.log_id(&conn)
                );
                manager.close(&mut conn, close_deadline().min(deadline));
                return None;
            }
        }
        let needs_check = self
            .inner
            .config
            .liveness_check
            .is_some_and(|t| crate::clock::now().saturating_duration_since(since) > t);
        if needs_check {
            if !manager.is_alive(&mut conn, deadline) {
                log::info!(
                    "[{}] pool: liveness check failed, closing the idle connection",
                    manager.log_id(&conn)
                );
                return None;
            }
            log::trace!("[{}] pool: liveness check passed", manager.log_id(&conn));
        }
        Some(conn)
    }

    fn finish_close(&self, address: &Address) {
        let mut st = self.inner.state.lock();
        if let Some(s) = st.servers.get_mut(address) {
            s.metrics.in_use -= 1;
            s.metrics.closed += 1;
        }
        drop(st);
        self.inner.available.notify_all();
    }

    fn wrap(
        &self,
        conn: Box<M::Conn>,
        handle: Option<M::Shutdown>,
        address: &Address,
        generation: u64,
        reused: bool,
    ) -> PooledConnection<M> {
        let mut st = self.inner.state.lock();
        st.next_ticket += 1;
        let ticket = st.next_ticket;
        if let Some(h) = &handle {
            st.in_use.insert(ticket, h.clone());
        }
        // A pooled connection of an older generation is handed out to log on again, after
        // which it belongs to the current one.
        let current = st.servers.get(address).map_or(generation, |s| s.generation);
        drop(st);
        PooledConnection {
            conn: Some(conn),
            handle,
            address: address.clone(),
            pool: self.clone(),
            ticket,
            generation: current,
            authorization_expired: generation != current,
            reused,
        }
    }

    fn release(
        &self,
        mut conn: Box<M::Conn>,
        handle: Option<M::Shutdown>,
        address: &Address,
        ticket: u64,
        generation: u64,
    ) {
        let manager = &self.inner.manager;
        manager.on_release(&mut conn);
        let reusable = manager.is_reusable(&conn);
        let mut st = self.inner.state.lock();
        st.in_use.remove(&ticket);
        let keep = reusable && !st.closed;
        let server = server_mut(&mut st.servers, address);
        server.metrics.in_use = server.metrics.in_use.saturating_sub(1);
        let expired = generation != server.generation;
        // A Bolt 5.1+ connection of an expired authorization can log on again: it is kept and
        // handed out marked (see `PooledConnection::authorization_expired`).
        let to_close = if keep && (!expired || manager.can_reauthenticate(&conn)) {
            server.idle.push(Idle {
                conn,
                handle,
                since: crate::clock::now(),
                generation,
            });
            server.metrics.idle += 1;
            None
        } else {
            server.metrics.closed += 1;
            let why = if !reusable {
                "it is broken or not this process's"
            } else if expired {
                "its server expired the authorization of older connections"
            } else {
                "the pool is closed"
            };
            log::debug!(
                "[{}] pool: closing the connection ({why})",
                manager.log_id(&conn)
            );
            Some(conn)
        };
        drop(st);
        self.inner.available.notify_all();
        drop(to_close);
    }

    /// Figures per address.
    pub fn metrics(&self) -> Vec<(Address, PoolMetrics)> {
        let st = self.inner.state.lock();
        st.servers
            .iter()
            .map(|(a, s)| (a.clone(), s.metrics))
            .collect()
    }

    /// Connections to `address` in use right now (the routing load measure).
    pub fn in_use(&self, address: &Address) -> usize {
        let st = self.inner.state.lock();
        st.servers.get(address).map_or(0, |s| s.metrics.in_use)
    }

    /// Closes idle connections to `address` (e.g. after it failed).
    pub fn purge(&self, address: &Address) {
        self.purge_idle(address, false);
    }

    /// `address` said a connection's authorization expired: no connection open to it now is
    /// used for new work as it is. Bolt 5.1+ connections stay pooled and are handed out marked
    /// ([`PooledConnection::authorization_expired`]), to log on again (LOGOFF/LOGON) before
    /// their next work; older ones cannot, so idle ones are closed at once and ones in use when
    /// they come back (the work they carry finishes first).
    pub fn expire(&self, address: &Address) {
        self.purge_idle(address, true);
    }

    /// Closes the idle connections to `address`; with `expire`, raises its generation and
    /// keeps the idle connections that can log on again (see [`Pool::expire`]).
    fn purge_idle(&self, address: &Address, expire: bool) {
        let mut st = self.inner.state.lock();
        if let Some(stale) = forget_inherited(&mut st) {
            drop(st);
            drop(stale);
            return;
        }
        if expire {
            server_mut(&mut st.servers, address).generation += 1;
        }
        let idle = st.servers.get_mut(address).map(|s| {
            let manager = &self.inner.manager;
            let (kept, closed): (Vec<Idle<M>>, Vec<Idle<M>>) = std::mem::take(&mut s.idle)
                .into_iter()
                .partition(|i| expire && manager.can_reauthenticate(&i.conn));
            s.idle = kept;
            s.metrics.closed += closed.len() as u64;
            s.metrics.idle = s.idle.len();
            closed
        });
        drop(st);
        let idle = idle.unwrap_or_default();
        if !idle.is_empty() {
            log::debug!(
                "[#@{address}] pool: purging {} idle connection(s)",
                idle.len()
            );
        }
        let by = close_deadline();
        for mut i in idle {
            self.inner.manager.close(&mut i.conn, by);
        }
    }

    /// Closes every idle connection and refuses new acquisitions. Connections in use have their
    /// sockets shut down, so calls blocked on them return an error at once; they are closed when
    /// they come back. GOODBYE to idle connections is sent within one second in all, however
    /// many there are.
    pub fn close(&self) {
        let mut st = self.inner.state.lock();
        st.closed = true;
        if let Some(stale) = forget_inherited(&mut st) {
            drop(st);
            self.inner.available.notify_all();
            log::debug!(
                "pool: closing in a forked child: {} inherited idle connection(s) forgotten",
                stale.len()
            );
            drop(stale);
            return;
        }
        let in_use: Vec<M::Shutdown> = st.in_use.drain().map(|(_, h)| h).collect();
        let idle: Vec<Idle<M>> = st
            .servers
            .values_mut()
            .flat_map(|s| {
                s.metrics.closed += s.idle.len() as u64;
                s.metrics.idle = 0;
                std::mem::take(&mut s.idle)
            })
            .collect();
        drop(st);
        log::debug!(
            "pool: closing {} idle connection(s), interrupting {} in use",
            idle.len(),
            in_use.len()
        );
        self.inner.available.notify_all();
        let manager = &self.inner.manager;
        for h in in_use {
            manager.shutdown(&h);
        }
        let by = close_deadline();
        for mut i in idle {
            manager.close(&mut i.conn, by);
        }
    }
}

/// In a child process made by `fork` (the first call there notices the new process id):
/// takes every inherited connection out of the pool, to be dropped after the lock is released.
/// The parent still uses these sockets, so the child neither says GOODBYE on them nor shuts
/// them down; dropping one closes the child's file descriptor only, which leaves the
/// connection open for the parent. Handles of connections the parent had in use are
/// forgotten too (a shutdown through them would break the parent's work), and a connection
/// the child releases later is never kept (see `Stream::inherited`).
fn forget_inherited<M: Manage>(st: &mut State<M>) -> Option<Vec<Idle<M>>> {
    let pid = crate::process::id();
    if st.pid == pid {
        return None;
    }
    st.pid = pid;
    st.in_use.clear();
    let stale = st
        .servers
        .values_mut()
        .flat_map(|s| std::mem::take(&mut s.idle))
        .collect();
    st.servers.clear();
    Some(stale)
}

/// How long closing connections may spend sending GOODBYE, all of one call's together.
const CLOSE_WAIT: Duration = Duration::from_secs(1);

fn close_deadline() -> Instant {
    Instant::now() + CLOSE_WAIT
}

/// A connection checked out of the pool; it returns itself on drop.
pub struct PooledConnection<M: Manage = BoltManager> {
    conn: Option<Box<M::Conn>>,
    handle: Option<M::Shutdown>,
    address: Address,
    pool: Pool<M>,
    ticket: u64,
    /// The server's generation when the connection was opened (see [`Pool::expire`]).
    generation: u64,
    /// Opened before the server said an authorization expired: log on again before use.
    authorization_expired: bool,
    reused: bool,
}

impl<M: Manage> PooledConnection<M> {
    /// Whether the connection came from the idle set (it served earlier work) rather than
    /// being opened for this acquisition. A reused connection may have died while idle
    /// without anyone noticing; a new one has just answered HELLO.
    pub fn is_reused(&self) -> bool {
        self.reused
    }

    /// The server address.
    pub fn address(&self) -> &Address {
        &self.address
    }

    /// Whether the connection was opened before its server answered `AuthorizationExpired` on
    /// some connection (see [`Pool::expire`]): its credentials must be sent again (LOGOFF/LOGON)
    /// before its next work, even when they did not change.
    pub fn authorization_expired(&self) -> bool {
        self.authorization_expired
    }

    /// A handle that shuts the socket down from another thread (interrupting a blocked call).
    pub fn shutdown_handle(&self) -> Option<M::Shutdown> {
        self.handle.clone()
    }
}

impl crate::auth::Checkout for PooledConnection<BoltManager> {
    fn is_reused(&self) -> bool {
        PooledConnection::is_reused(self)
    }

    fn address(&self) -> &Address {
        PooledConnection::address(self)
    }

    fn authorization_expired(&self) -> bool {
        PooledConnection::authorization_expired(self)
    }
}

impl<M: Manage> Deref for PooledConnection<M> {
    type Target = M::Conn;
    fn deref(&self) -> &M::Conn {
        self.conn
            .as_ref()
            .expect("invariant: connection present until drop")
    }
}

impl<M: Manage> DerefMut for PooledConnection<M> {
    fn deref_mut(&mut self) -> &mut M::Conn {
        self.conn
            .as_mut()
            .expect("invariant: connection present until drop")
    }
}

impl<M: Manage> Drop for PooledConnection<M> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool.release(
                conn,
                self.handle.take(),
                &self.address,
                self.ticket,
                self.generation,
            );
        }
    }
}
