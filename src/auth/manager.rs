//! [`AuthManager`]: credentials that can change while the driver runs (token rotation).

use crate::bolt::AuthToken;
use crate::error::{Error, Result};
use parking_lot::Mutex;
use std::fmt;
use std::sync::Arc;
use std::time::Instant;

/// Supplies the credentials for new connections, and for pooled ones whose credentials
/// changed: on Bolt 5.1+ those re-authenticate in place (LOGOFF/LOGON), older ones are
/// closed and reopened.
///
/// Called from any thread (including `boltc-routing`), often: `get_auth` runs on every
/// connection acquisition, so it should answer from a cache. It must not call into the driver.
pub trait AuthManager: Send + Sync {
    /// The credentials to use now.
    ///
    /// # Errors
    /// Any error; it fails the acquisition that asked.
    fn get_auth(&self) -> Result<AuthToken>;

    /// The server rejected `auth` with `error` (a security error). Return `true` if the
    /// manager dealt with it (e.g. will return fresh credentials), which makes the error
    /// retryable for transaction functions.
    fn handle_security_error(&self, auth: &AuthToken, error: &Error) -> bool;

    /// Whether `auth` is what [`AuthManager::get_auth`] would return now, when the manager
    /// can tell without making a token: the pool asks it on every reuse of a connection, so
    /// a manager of fixed credentials saves a copy of them per acquisition. `None` (the
    /// default): it cannot tell, and `get_auth` is asked.
    fn is_current(&self, auth: &AuthToken) -> Option<bool> {
        let _ = auth;
        None
    }
}

impl fmt::Debug for dyn AuthManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthManager")
    }
}

/// Credentials with an optional expiry, as returned by a provider for
/// [`AuthManagers::bearer`] / [`AuthManagers::basic_expiring`].
#[derive(Debug, Clone)]
pub struct ExpiringAuth {
    /// The credentials.
    pub token: AuthToken,
    /// When to ask the provider again (`None`: only after the server rejects them), against
    /// [`crate::clock::now`] (which is `Instant::now()` in normal builds).
    pub expires_at: Option<Instant>,
}

/// A provider of credentials for the built-in managers.
pub type AuthProvider = dyn Fn() -> Result<ExpiringAuth> + Send + Sync;

/// Constructors of the built-in [`AuthManager`]s.
///
/// ```
/// use boltc::{AuthManagers, AuthToken, Config, ExpiringAuth};
/// use std::time::{Duration, Instant};
///
/// let manager = AuthManagers::bearer(|| {
///     Ok(ExpiringAuth {
///         token: AuthToken::bearer("token-from-sso"),
///         expires_at: Some(Instant::now() + Duration::from_secs(3600)),
///     })
/// });
/// let config = Config::builder("neo4j://localhost").auth_manager(manager).build().unwrap();
/// # let _ = config;
/// ```
#[derive(Debug)]
pub struct AuthManagers;

impl AuthManagers {
    /// Always the same credentials.
    pub fn static_auth(token: AuthToken) -> Arc<dyn AuthManager> {
        Arc::new(StaticAuth(token))
    }

    /// Password rotation: `provider` is asked once, and again after the server answers
    /// `Neo.ClientError.Security.Unauthorized`.
    pub fn basic(
        provider: impl Fn() -> Result<AuthToken> + Send + Sync + 'static,
    ) -> Arc<dyn AuthManager> {
        AuthManagers::basic_expiring(move || {
            provider().map(|token| ExpiringAuth {
                token,
                expires_at: None,
            })
        })
    }

    /// As [`AuthManagers::basic`], with an expiry the provider gives.
    pub fn basic_expiring(
        provider: impl Fn() -> Result<ExpiringAuth> + Send + Sync + 'static,
    ) -> Arc<dyn AuthManager> {
        Arc::new(Expiring::new(
            Box::new(provider),
            &["Neo.ClientError.Security.Unauthorized"],
        ))
    }

    /// Token rotation (SSO): `provider` is asked when the token expires, and again after the
    /// server answers `TokenExpired` or `Unauthorized`.
    pub fn bearer(
        provider: impl Fn() -> Result<ExpiringAuth> + Send + Sync + 'static,
    ) -> Arc<dyn AuthManager> {
        Arc::new(Expiring::new(
            Box::new(provider),
            &[
                "Neo.ClientError.Security.TokenExpired",
                "Neo.ClientError.Security.Unauthorized",
            ],
        ))
    }
}

struct StaticAuth(AuthToken);

impl AuthManager for StaticAuth {
    fn get_auth(&self) -> Result<AuthToken> {
        Ok(self.0.clone())
    }
    fn handle_security_error(&self, _auth: &AuthToken, _error: &Error) -> bool {
        false
    }
    fn is_current(&self, auth: &AuthToken) -> Option<bool> {
        Some(*auth == self.0)
    }
}

/// Caches the provider's answer until it expires or the server rejects it.
struct Expiring {
    provider: Box<AuthProvider>,
    handled: &'static [&'static str],
    cached: Mutex<Option<ExpiringAuth>>,
}

impl Expiring {
    fn new(provider: Box<AuthProvider>, handled: &'static [&'static str]) -> Expiring {
        Expiring {
            provider,
            handled,
            cached: Mutex::new(None),
        }
    }
}

impl AuthManager for Expiring {
    fn get_auth(&self) -> Result<AuthToken> {
        let cached = self.cached.lock().clone();
        if let Some(c) = cached {
            if c.expires_at.map_or(true, |t| crate::clock::now() < t) {
                return Ok(c.token);
            }
        }
        // The provider runs without the lock; two threads may both ask it, which is harmless.
        let fresh = (self.provider)()?;
        let token = fresh.token.clone();
        *self.cached.lock() = Some(fresh);
        Ok(token)
    }

    fn handle_security_error(&self, auth: &AuthToken, error: &Error) -> bool {
        let Some(code) = error.server_code() else {
            return false;
        };
        if !self.handled.contains(&code) {
            return false;
        }
        let mut cached = self.cached.lock();
        if cached.as_ref().is_some_and(|c| &c.token == auth) {
            *cached = None;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_credentials_tell_whether_a_token_is_current_and_providers_do_not() {
        let m = AuthManagers::static_auth(AuthToken::basic("u", "p"));
        assert_eq!(m.is_current(&AuthToken::basic("u", "p")), Some(true));
        assert_eq!(m.is_current(&AuthToken::basic("u", "other")), Some(false));
        assert_eq!(m.is_current(&AuthToken::bearer("t")), Some(false));
        let provider = AuthManagers::bearer(|| {
            Ok(ExpiringAuth {
                token: AuthToken::bearer("t"),
                expires_at: None,
            })
        });
        assert_eq!(provider.is_current(&AuthToken::bearer("t")), None);
    }
}
