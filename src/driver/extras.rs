//! Driver settings for routing, retries and authentication, kept apart from the basic ones.

use super::config::ConfigBuilder;
use super::retry::RetryPolicy;
use crate::auth::AuthManager;
use crate::net::{ClientCertificateProvider, DomainNameResolver};
use crate::routing::AddressResolver;
use std::sync::Arc;
use std::time::Duration;

/// Settings for routing, retries and authentication.
#[derive(Clone)]
pub(crate) struct Extras {
    pub(crate) resolver: Option<Arc<AddressResolver>>,
    pub(crate) domain_name_resolver: Option<Arc<DomainNameResolver>>,
    pub(crate) purge_delay: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) auth_manager: Option<Arc<dyn AuthManager>>,
    pub(crate) client_cert_provider: Option<Arc<dyn ClientCertificateProvider>>,
}

impl Default for Extras {
    fn default() -> Self {
        Extras {
            resolver: None,
            domain_name_resolver: None,
            purge_delay: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            auth_manager: None,
            client_cert_provider: None,
        }
    }
}

impl std::fmt::Debug for Extras {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Extras")
            .field("resolver", &self.resolver.as_ref().map(|_| "<fn>"))
            .field(
                "domain_name_resolver",
                &self.domain_name_resolver.as_ref().map(|_| "<fn>"),
            )
            .field("purge_delay", &self.purge_delay)
            .field("retry", &self.retry)
            .field("auth_manager", &self.auth_manager)
            .field(
                "client_cert_provider",
                &self.client_cert_provider.as_ref().map(|_| "<provider>"),
            )
            .finish_non_exhaustive()
    }
}

impl ConfigBuilder {
    /// Mutual TLS with a certificate that can change while the driver runs: `provider` is asked
    /// before every new connection (see [`ClientCertificateProvider`];
    /// [`RotatingClientCertificate`](crate::net::RotatingClientCertificate) is one you update).
    /// Only takes effect with encryption on; [`ConfigBuilder::build`] refuses it together with
    /// [`ConfigBuilder::client_certificate`].
    pub fn client_certificate_provider(
        mut self,
        provider: Arc<dyn ClientCertificateProvider>,
    ) -> Self {
        self.ext.client_cert_provider = Some(provider);
        self
    }

    /// A hook that turns the URI's address into the addresses to try as initial routers
    /// (`neo4j://` only: [`ConfigBuilder::build`] refuses it for a direct URI, which connects to
    /// its own address). Each address it returns is also resolved through DNS, and every IP is
    /// tried. Every server of a fetched routing table goes through it too, as in the official
    /// drivers: a router when it is asked for a table, a reader or writer each time work is
    /// routed to it (return the address itself to keep it; one it returns nothing for is
    /// skipped). The table keeps the server's names. It may run on the `boltc-routing` thread,
    /// so it must be thread-safe.
    ///
    /// ```
    /// use boltc::{net::Address, Config};
    /// use std::sync::Arc;
    ///
    /// let config = Config::builder("neo4j://cluster.example:7687")
    ///     .resolver(Arc::new(|_a: &Address| {
    ///         vec![Address::new("10.0.0.1", 7687), Address::new("10.0.0.2", 7687)]
    ///     }))
    ///     .build()
    ///     .unwrap();
    /// # let _ = config;
    /// ```
    pub fn resolver(mut self, resolver: Arc<AddressResolver>) -> Self {
        self.ext.resolver = Some(resolver);
        self
    }

    /// A hook that replaces the system's DNS lookup: every host name the driver connects to
    /// (the URI's, the custom resolver's answers, routing table members) is turned into IP
    /// addresses by it. IP literals are not passed to it. It may run on the `boltc-routing`
    /// thread, so it must be thread-safe.
    ///
    /// ```
    /// use boltc::Config;
    /// use std::net::IpAddr;
    /// use std::sync::Arc;
    ///
    /// let config = Config::builder("neo4j://cluster.example:7687")
    ///     .domain_name_resolver(Arc::new(|_name: &str| vec![IpAddr::from([10, 0, 0, 1])]))
    ///     .build()
    ///     .unwrap();
    /// # let _ = config;
    /// ```
    pub fn domain_name_resolver(mut self, resolver: Arc<DomainNameResolver>) -> Self {
        self.ext.domain_name_resolver = Some(resolver);
        self
    }

    /// How long an expired routing table is kept before it is dropped (default 30 s).
    pub fn routing_table_purge_delay(mut self, delay: Duration) -> Self {
        self.ext.purge_delay = delay;
        self
    }

    /// The backoff between attempts of transaction functions (default 1 s, ×2, ±20%).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.ext.retry = policy;
        self
    }

    /// Credentials that may change (rotation): asked for a token whenever a connection is
    /// opened or acquired, and told when the server rejects one. Replaces [`ConfigBuilder::auth`].
    pub fn auth_manager(mut self, manager: Arc<dyn AuthManager>) -> Self {
        self.ext.auth_manager = Some(manager);
        self
    }
}
