//! What TestKit's TLS suites (`tests/tls`) expect of the machine the backend runs on, which its
//! Docker image provides and a plain host does not; `scripts/testkit.sh` (TESTKIT_SUITE=tls)
//! sets these variables for the backend:
//!
//! * `BOLTC_TESTKIT_HOSTS`: `name=ip,name=ip` — host names the tests connect to (`thehost`,
//!   `thehostbutwrong`) and the address each stands for (TestKit's image has them in
//!   `/etc/hosts`). Driven through the driver's own domain name resolver hook, so TLS still
//!   verifies the certificate against the name in the URI. Names not listed go to the system
//!   resolver.
//! * `BOLTC_TESTKIT_CA_DIR`: the directory a relative CA file name (`customRoot.crt`) in
//!   `trustedCertificates` is looked up in (TestKit's image installs them in a fixed directory).
//!
//! The trust store of the `+s` schemes is the system's; the script points `SSL_CERT_FILE` at
//! TestKit's trusted root, which `TrustStrategy::System` honours.

use boltc::net::DomainNameResolver;
use std::collections::HashMap;
use std::net::{IpAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Arc;

/// A resolver for the names in `BOLTC_TESTKIT_HOSTS`, or `None` when it is not set.
pub fn hosts() -> Option<Arc<DomainNameResolver>> {
    let spec = std::env::var("BOLTC_TESTKIT_HOSTS").ok()?;
    let map = parse_hosts(&spec);
    Some(Arc::new(move |name: &str| match map.get(name) {
        Some(ip) => vec![*ip],
        None => (name, 0)
            .to_socket_addrs()
            .map(|it| it.map(|sa| sa.ip()).collect())
            .unwrap_or_default(),
    }))
}

fn parse_hosts(spec: &str) -> HashMap<String, IpAddr> {
    spec.split(',')
        .filter_map(|pair| {
            let (name, ip) = pair.split_once('=')?;
            Some((name.trim().to_owned(), ip.trim().parse().ok()?))
        })
        .collect()
}

/// `name` itself when absolute (or when `BOLTC_TESTKIT_CA_DIR` is not set), else the file of
/// that name in `BOLTC_TESTKIT_CA_DIR`.
pub fn ca_file(name: &str) -> PathBuf {
    let path = PathBuf::from(name);
    match std::env::var_os("BOLTC_TESTKIT_CA_DIR") {
        Some(dir) if path.is_relative() => PathBuf::from(dir).join(path),
        _ => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_hosts_list() {
        let m = parse_hosts("thehost=127.0.0.1, thehostbutwrong=127.0.0.1,bad=x,noequals");
        assert_eq!(m.len(), 2);
        assert_eq!(m["thehost"], "127.0.0.1".parse::<IpAddr>().unwrap());
    }
}
