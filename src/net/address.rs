//! Server addresses: a host name or IP literal plus a port.

use std::fmt;
use std::net::Ipv6Addr;
use std::str::FromStr;
use std::sync::Arc;

use crate::{Error, ErrorKind};

/// The Bolt port used when an address or URI does not name one.
pub const DEFAULT_PORT: u16 = 7687;

/// A server address: a host (DNS name, IPv4 or IPv6 literal) and a port.
///
/// IPv6 literals are stored without brackets and displayed with them (`[::1]:7687`).
///
/// ```
/// use boltc::net::Address;
///
/// let a: Address = "[::1]:7688".parse().unwrap();
/// assert_eq!(a.host(), "::1");
/// assert_eq!(a.port(), 7688);
/// assert_eq!(a.to_string(), "[::1]:7688");
/// assert_eq!(Address::parse("db.example", 7687).unwrap().to_string(), "db.example:7687");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address {
    /// Shared: addresses are cloned on every pool acquisition and in routing tables.
    host: Arc<str>,
    port: u16,
}

/// A copy (the host is shared, not copied): lets maps keyed by address take a borrowed one
/// and copy it only when they add an entry.
impl From<&Address> for Address {
    fn from(a: &Address) -> Address {
        a.clone()
    }
}

impl Address {
    /// Creates an address from a host (without brackets) and a port.
    pub fn new(host: impl Into<String>, port: u16) -> Address {
        let host = host.into();
        let host: Arc<str> = if host.starts_with('[') && host.ends_with(']') && host.len() >= 2 {
            Arc::from(&host[1..host.len() - 1])
        } else {
            Arc::from(host)
        };
        Address { host, port }
    }

    /// Parses `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 literal such as `::1`,
    /// using `default_port` when no port is given.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`] when the host is empty, a bracket is unbalanced, or the port is not a
    /// number in 1..=65535.
    pub fn parse(s: &str, default_port: u16) -> Result<Address, Error> {
        parse_host_port(s, default_port, true)
    }

    /// The host: a DNS name or an IP literal (IPv6 without brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Whether the host is an IPv6 literal.
    pub fn is_ipv6_literal(&self) -> bool {
        self.host.contains(':')
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_ipv6_literal() {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

impl FromStr for Address {
    type Err = Error;

    /// Parses like [`Address::parse`] with the default Bolt port 7687.
    fn from_str(s: &str) -> Result<Address, Error> {
        Address::parse(s, DEFAULT_PORT)
    }
}

fn config(msg: String) -> Error {
    Error::new(ErrorKind::Config, msg)
}

/// Parses `host[:port]`; `allow_bare_v6` accepts `::1` without brackets (never in URIs).
pub(crate) fn parse_host_port(
    s: &str,
    default_port: u16,
    allow_bare_v6: bool,
) -> Result<Address, Error> {
    if s.is_empty() {
        return Err(config("address has no host".into()));
    }
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let end = rest
            .find(']')
            .ok_or_else(|| config(format!("unbalanced '[' in address {s:?}")))?;
        let host = &rest[..end];
        if host.parse::<Ipv6Addr>().is_err() {
            return Err(config(format!(
                "invalid IPv6 literal [{host}] in address {s:?}"
            )));
        }
        let after = &rest[end + 1..];
        let port = match after {
            "" => None,
            p if p.starts_with(':') => Some(&p[1..]),
            _ => {
                return Err(config(format!(
                    "unexpected text after ']' in address {s:?}"
                )))
            }
        };
        (host, port)
    } else if s.matches(':').count() > 1 {
        if !allow_bare_v6 || s.parse::<Ipv6Addr>().is_err() {
            return Err(config(format!(
                "invalid address {s:?}: IPv6 literals must be written in brackets, e.g. [::1]:7687"
            )));
        }
        (s, None)
    } else {
        match s.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    if host.is_empty() {
        return Err(config(format!("address {s:?} has no host")));
    }
    if host.contains(']') {
        return Err(config(format!("unbalanced ']' in address {s:?}")));
    }
    let port = match port {
        None => default_port,
        Some(p) => parse_port(p, s)?,
    };
    Ok(Address::new(host, port))
}

fn parse_port(p: &str, whole: &str) -> Result<u16, Error> {
    if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
        return Err(config(format!(
            "invalid port {p:?} in {whole:?}: expected a number"
        )));
    }
    match p.parse::<u32>() {
        Ok(n @ 1..=65535) => Ok(n as u16),
        _ => Err(config(format!(
            "port {p} in {whole:?} is out of range: must be between 1 and 65535"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_forms() {
        let cases = [
            ("localhost", "localhost", 7687),
            ("localhost:1234", "localhost", 1234),
            ("127.0.0.1:1", "127.0.0.1", 1),
            ("[::1]:65535", "::1", 65535),
            ("[::1]", "::1", 7687),
            ("::1", "::1", 7687),
            ("[fe80::1:2]:9", "fe80::1:2", 9),
        ];
        for (s, host, port) in cases {
            let a: Address = s.parse().unwrap();
            assert_eq!((a.host(), a.port()), (host, port), "{s}");
        }
        assert_eq!(Address::parse("h", 42).unwrap().port(), 42);
    }

    #[test]
    fn displays() {
        assert_eq!(Address::new("h", 1).to_string(), "h:1");
        assert_eq!(Address::new("::1", 2).to_string(), "[::1]:2");
        assert_eq!(Address::new("[::1]", 2).host(), "::1");
        assert_eq!("[::1]:5".parse::<Address>().unwrap().to_string(), "[::1]:5");
    }

    #[test]
    fn rejects_bad() {
        for s in [
            "",
            ":7687",
            "h:",
            "h:0",
            "h:65536",
            "h:99999999999",
            "h:x",
            "h:-1",
            "[::1",
            "[::1]x",
            "[zz]:1",
            "[]:1",
            "a:b:c",
            "h]:1",
        ] {
            let e = s.parse::<Address>().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Config, "{s}");
        }
        let e = "h:70000".parse::<Address>().unwrap_err();
        assert!(e.message().contains("between 1 and 65535"), "{e}");
    }

    #[test]
    fn uri_form_requires_brackets() {
        assert!(parse_host_port("::1", 7687, false).is_err());
        assert!(parse_host_port("[::1]", 7687, false).is_ok());
    }

    #[test]
    fn eq_and_hash() {
        use std::collections::HashSet;
        let set: HashSet<Address> = ["a:1", "a:1", "a:2"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        assert_eq!(set.len(), 2);
    }
}
