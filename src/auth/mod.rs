//! Credentials: where they come from ([`AuthManager`]), how a pooled connection is brought to
//! the wanted ones (re-authentication with LOGOFF/LOGON, or replacement), and how a security
//! error reaches the manager.
//!
//! This layer sits below the pool, routing and the driver: it knows Bolt connections
//! (`bolt`) and addresses (`net`), and sees a pooled connection only through [`Checkout`],
//! which the pool implements.

mod manager;
mod reauth;

pub use manager::{AuthManager, AuthManagers, AuthProvider, ExpiringAuth};
pub(crate) use reauth::{authenticate, on_security_error, AuthMode, Checkout};
