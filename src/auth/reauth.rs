//! Bringing a pooled connection to the wanted credentials, and security errors.

use super::AuthManager;
use crate::bolt::{AuthToken, Connection};
use crate::error::{Error, ErrorKind, Result};
use crate::net::{Address, Stream};
use std::ops::DerefMut;
use std::time::Instant;

/// What [`authenticate`] needs of a connection checked out of a pool.
pub(crate) trait Checkout: DerefMut<Target = Connection<Stream>> {
    /// Whether the connection served earlier work (else it authenticated moments ago).
    fn is_reused(&self) -> bool;
    /// The server address.
    fn address(&self) -> &Address;
    /// Whether the pool marked the connection to log on again after a server reported
    /// `AuthorizationExpired` (Bolt 5.1+ connections stay pooled and re-authenticate).
    fn authorization_expired(&self) -> bool;
}

/// How [`authenticate`] brings a pooled connection to the wanted credentials.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct AuthMode {
    /// Leave the LOGOFF/LOGON replies to the caller (they go out with its first request).
    pub(crate) pipeline: bool,
    /// Log on again even when the connection already uses the wanted credentials.
    pub(crate) force: bool,
}

/// How often one acquisition re-authenticates or replaces a connection whose credentials changed.
const MAX_ROUTED_ATTEMPTS: usize = 8;

/// Makes sure `conn` is authenticated with the wanted credentials (the session's, or the
/// auth manager's current ones): re-authenticates on 5.1+, or replaces the connection with
/// one from `replace` (a new connection to the same address, opened with the manager's
/// credentials). Used for connections of sessions and of routing requests alike.
pub(crate) fn authenticate<C: Checkout>(
    manager: &dyn AuthManager,
    mut conn: C,
    session_auth: Option<&AuthToken>,
    how: AuthMode,
    deadline: Instant,
    mut replace: impl FnMut(&Address, Instant) -> Result<C>,
) -> Result<C> {
    // A connection opened for this acquisition authenticated with the wanted credentials
    // moments ago (the connector asked the auth manager, or used the session's).
    if !conn.is_reused() {
        return Ok(conn);
    }
    // After `AuthorizationExpired` the same credentials are sent again (Bolt 5.1+; the pool
    // closes older connections of an expired authorization instead of handing them out).
    let force = how.force || conn.authorization_expired();
    // The common case, without copying the credentials: the manager's are those the
    // connection already uses.
    if session_auth.is_none() && !force {
        if let Some(true) = conn.auth().and_then(|a| manager.is_current(a)) {
            return Ok(conn);
        }
    }
    for _ in 0..MAX_ROUTED_ATTEMPTS {
        let wanted = match session_auth {
            Some(a) => a.clone(),
            None => manager.get_auth()?,
        };
        if conn.auth() == Some(&wanted) && !force {
            return Ok(conn);
        }
        let in_place = conn.compat().can_reauthenticate();
        if !in_place && session_auth.is_none() && conn.auth() == Some(&wanted) {
            // Forced, but a pre-5.1 connection cannot log on again: it is authenticated.
            return Ok(conn);
        }
        if in_place && how.pipeline {
            conn.reauth_pipelined(&wanted)?;
            return Ok(conn);
        }
        if in_place {
            conn.set_deadline(Some(deadline));
            conn.reauth(&wanted)?;
            let logoff = conn.recv_summary()?;
            let logon = conn.recv_summary()?;
            conn.set_deadline(None);
            if let Err(e) = logoff.and(logon) {
                conn.mark_broken("re-authentication failed");
                return Err(if session_auth.is_some() {
                    e
                } else {
                    on_security_error(manager, &wanted, e)
                });
            }
            return Ok(conn);
        }
        if session_auth.is_some() {
            conn.compat().check_session_auth()?;
        }
        // Pre-5.1: the credentials changed, so this connection is closed and replaced.
        let addr = conn.address().clone();
        conn.mark_broken("the credentials changed");
        drop(conn);
        conn = replace(&addr, deadline)?;
        if !conn.is_reused() {
            return Ok(conn);
        }
    }
    Err(Error::new(
        ErrorKind::Authentication,
        "the auth manager keeps changing the credentials",
    ))
}

/// Lets the auth manager see a security error; if it handles it, the error is retryable.
pub(crate) fn on_security_error(manager: &dyn AuthManager, token: &AuthToken, e: Error) -> Error {
    let security = matches!(
        e.kind(),
        ErrorKind::Authentication | ErrorKind::TokenExpired
    ) || e
        .server_code()
        .is_some_and(|c| c.starts_with("Neo.ClientError.Security."));
    if security && manager.handle_security_error(token, &e) {
        e.with_retryable(true)
    } else {
        e
    }
}
