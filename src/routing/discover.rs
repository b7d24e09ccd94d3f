//! Asking the cluster for a routing table: which routers to ask and in what order (the
//! table's routers, each through the custom resolver when its turn comes, then the seed address
//! through the custom resolver and DNS), one ROUTE request over a pooled connection (acquired
//! and authenticated by the caller's deadline, interruptible at the pool wait and the socket),
//! and which failures end the search at once because no other router would answer differently.
//! The tables themselves and the locking around them are in `mod.rs`, the ROUTE request and
//! its reply in `fetch.rs`.

use super::fetch::{self, RouteRequest};
use super::{RouterInner, RoutingTable};
use crate::auth;
use crate::error::{Error, ErrorKind, Result};
use crate::net::deadline::deadline_within;
use crate::net::interrupt::{Interrupt, Target};
use crate::net::{self, Address};
use std::time::Instant;

impl RouterInner {
    /// Asks the routers in turn, then the seed address; the first valid table wins.
    pub(super) fn discover(
        &self,
        routers: &[Address],
        req: &RouteRequest<'_>,
        deadline: Instant,
        interrupt: Option<&Interrupt>,
    ) -> Result<RoutingTable> {
        let seed = &self.config.seed;
        let mut tried: Vec<Address> = Vec::new();
        let mut last: Option<Error> = None;
        // The table's routers, each passed through the custom resolver when its turn comes
        // (`false`: not yet), as the official drivers do; the seed's addresses are resolved.
        let known = routers.iter().filter(|r| *r != seed).cloned();
        let mut candidates: Vec<(Address, bool)> = known.map(|a| (a, false)).collect();
        let mut seeds_added = false;
        let mut i = 0;
        loop {
            if i == candidates.len() {
                if seeds_added {
                    break;
                }
                seeds_added = true;
                let more = self.resolve_seed(deadline);
                let fresh = more.into_iter().filter(|a| !tried.contains(a));
                candidates.extend(fresh.map(|a| (a, true)));
                continue;
            }
            let (router, resolved) = candidates[i].clone();
            if !resolved {
                if let Some(resolver) = &self.config.resolver {
                    let to = resolver(&router);
                    if to.is_empty() {
                        log::info!("[#@{router}] the resolver returned no address for the router");
                    }
                    let fresh = to.into_iter().filter(|a| !tried.contains(a));
                    let fresh: Vec<(Address, bool)> = fresh.map(|a| (a, true)).collect();
                    candidates.splice(i..=i, fresh);
                    continue;
                }
            }
            i += 1;
            if Instant::now() >= deadline {
                break;
            }
            tried.push(router.clone());
            match self.fetch_from(&router, req, deadline, interrupt) {
                Ok(t) if !t.routers.is_empty() && !t.readers.is_empty() => return Ok(t),
                Ok(_) => {
                    last = Some(Error::new(
                        ErrorKind::ServiceUnavailable,
                        format!("{router} returned a routing table without routers or readers"),
                    ));
                }
                Err(e) if is_fatal(&e) => return Err(e),
                Err(e) => {
                    log::info!("[#@{router}] routing request failed: {e}");
                    last = Some(e);
                }
            }
        }
        let why = last.map_or_else(|| "no routers to ask".to_owned(), |e| e.to_string());
        Err(Error::new(
            ErrorKind::ServiceUnavailable,
            format!("unable to retrieve routing information (tried {tried:?}): {why}"),
        ))
    }

    fn fetch_from(
        &self,
        router: &Address,
        req: &RouteRequest<'_>,
        deadline: Instant,
        interrupt: Option<&Interrupt>,
    ) -> Result<RoutingTable> {
        let acquire_by = deadline_within(self.config.acquisition_timeout, Some(deadline));
        let conn = self
            .pool
            .acquire_interruptible(router, acquire_by, interrupt, req.auth)
            .and_then(|c| {
                // A re-authentication goes out with ROUTE (servers may wait for it).
                auth::authenticate(
                    &*self.config.auth,
                    c,
                    req.auth,
                    auth::AuthMode {
                        pipeline: true,
                        force: false,
                    },
                    acquire_by,
                    |addr, by| self.pool.acquire_as(addr, by, None),
                )
            });
        let mut conn = match conn {
            Ok(c) => c,
            Err(e) => {
                if e.kind() == ErrorKind::ServiceUnavailable {
                    self.forget_router(router);
                }
                return Err(e);
            }
        };
        conn.set_deadline(Some(deadline));
        let previous = match (interrupt, conn.shutdown_handle()) {
            (Some(int), Some(h)) => Some(int.target(Target::Socket(h))),
            _ => None,
        };
        // The socket is published before the flag is checked, so no interrupt falls between.
        let fetched = if interrupt.is_some_and(Interrupt::is_raised) {
            Err(interrupted_error())
        } else {
            let cacheable = conn.compat().echoes_home_database();
            fetch::fetch(&mut conn, req).map(|r| {
                r.map(|mut t| {
                    t.home_cacheable = cacheable;
                    t
                })
            })
        };
        if let (Some(int), Some(p)) = (interrupt, previous) {
            int.target(p);
        }
        if interrupt.is_some_and(Interrupt::is_raised) {
            // The socket may have been shut down: never hand the connection out again.
            conn.mark_broken("interrupted");
            return Err(interrupted_error());
        }
        let fetched = match (fetched, req.auth, conn.auth().cloned()) {
            // Refused driver credentials: the auth manager hears of it, as on connect.
            (Ok(Err(e)), None, Some(token)) if conn.broken().is_some() => {
                Ok(Err(auth::on_security_error(&*self.config.auth, &token, e)))
            }
            (other, _, _) => other,
        };
        match fetched {
            Ok(Err(e)) if is_authorization_expired(&e) => {
                // The credentials of this connection are stale; a new one logs in afresh.
                conn.mark_broken("authorization expired");
                Err(e)
            }
            Ok(res) => res,
            Err(e) => {
                self.forget_router(router);
                Err(e)
            }
        }
    }

    /// The seed address through the custom resolver, then DNS; every IP is its own candidate.
    fn resolve_seed(&self, deadline: Instant) -> Vec<Address> {
        let seed = &self.config.seed;
        let first: Vec<Address> = match &self.config.resolver {
            Some(r) => r(seed),
            None => vec![seed.clone()],
        };
        let mut out = Vec::new();
        for a in first {
            match net::resolve_seed_with(&a, deadline, self.config.domain_name_resolver.as_deref())
            {
                Ok(ips) => {
                    for ip in ips {
                        let addr = Address::new(ip.ip().to_string(), ip.port());
                        if !out.contains(&addr) {
                            out.push(addr);
                        }
                    }
                }
                Err(e) => {
                    log::info!("[#@{a}] cannot resolve the initial router: {e}");
                    if !out.contains(&a) {
                        out.push(a);
                    }
                }
            }
        }
        out
    }
}

pub(super) fn interrupted_error() -> Error {
    Error::new(
        ErrorKind::Interrupted,
        "interrupted while fetching the routing table",
    )
}

/// The server says the connection's authorization expired (another router, or a new
/// connection, may well succeed).
fn is_authorization_expired(e: &Error) -> bool {
    e.server_code() == Some(crate::error::AUTHORIZATION_EXPIRED)
}

/// Server errors to a routing request that no other router would answer differently: a
/// database that does not exist, bad bookmarks, a bad request or impersonation, and security
/// errors (except an expired authorization). Any other server error makes the next router
/// worth asking.
fn is_fatal_server_code(code: &str) -> bool {
    matches!(
        code,
        "Neo.ClientError.Database.DatabaseNotFound"
            | "Neo.ClientError.Transaction.InvalidBookmark"
            | "Neo.ClientError.Transaction.InvalidBookmarkMixture"
            | "Neo.ClientError.Statement.TypeError"
            | "Neo.ClientError.Statement.ArgumentError"
            | "Neo.ClientError.Request.Invalid"
    ) || code.starts_with("Neo.ClientError.Security.")
}

/// Errors that no other router would answer differently (bad database, credentials, ...), and
/// an interrupt.
fn is_fatal(e: &Error) -> bool {
    if let Some(code) = e.server_code() {
        if e.kind() == ErrorKind::ClientError {
            return is_fatal_server_code(code) && !is_authorization_expired(e);
        }
    }
    !is_authorization_expired(e)
        && matches!(
            e.kind(),
            ErrorKind::Interrupted
                | ErrorKind::ClientError
                | ErrorKind::Authentication
                | ErrorKind::TokenExpired
                | ErrorKind::Unsupported
                | ErrorKind::IllegalState
        )
}
