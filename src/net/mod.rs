//! Transport: addresses and URIs, TCP with timeouts, TLS with rustls, WebSocket (tungstenite).
//!
//! This layer knows nothing about Bolt: it turns a URI into an [`Address`] and TLS settings,
//! and an address into a connected [`Stream`].

mod address;
mod crowding;
pub(crate) mod deadline;
pub(crate) mod interrupt;
mod pace;
mod poll_memory;
mod poll_stats;
mod resolve;
mod stream;
mod tcp;
mod tls;
mod tls_key;
mod uri;
mod ws;

pub use address::{Address, DEFAULT_PORT};
#[cfg(feature = "poll-stats")]
pub use poll_stats::{poll_stats, PollStats};
pub use resolve::{
    resolve, resolve_seed_with, resolve_with, DomainNameResolver, MAX_LOOKUP_THREADS,
};
pub use stream::{is_timeout, is_tls_error, ShutdownHandle, Stream};
pub use tcp::{connect, ConnectOptions};
pub(crate) use tls::TlsSource;
pub use tls::{
    client_config, ClientCert, ClientCertificateProvider, RotatingClientCertificate, TlsOptions,
    TrustStrategy,
};
pub(crate) use uri::printable as printable_uri;
pub use uri::{parse as parse_uri, Scheme, Uri};
