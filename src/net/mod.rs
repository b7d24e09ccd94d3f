//! Transport: addresses and URIs, TCP with timeouts, TLS with rustls.
