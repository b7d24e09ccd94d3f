//! Connection URIs: `bolt://`, `neo4j://` and their `+s` / `+ssc` TLS variants, and Bolt over
//! WebSocket: `ws://`, `wss://`, `wss+ssc://`.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use super::address::{parse_host_port, Address, DEFAULT_PORT};
use super::tls::TrustStrategy;
use crate::{Error, ErrorKind};

/// A URI scheme. Schemes are matched case-insensitively.
///
/// | scheme      | routing | TLS | trust                          |
/// |-------------|---------|-----|--------------------------------|
/// | `bolt`      | no      | no  |                                |
/// | `bolt+s`    | no      | yes | OS trust store, hostname checked |
/// | `bolt+ssc`  | no      | yes | any certificate (self-signed)  |
/// | `neo4j`     | yes     | no  |                                |
/// | `neo4j+s`   | yes     | yes | OS trust store, hostname checked |
/// | `neo4j+ssc` | yes     | yes | any certificate (self-signed)  |
/// | `ws`        | no      | no  | (Bolt in WebSocket messages)   |
/// | `wss`       | no      | yes | system roots, hostname checked |
/// | `wss+ssc`   | no      | yes | any certificate (self-signed)  |
///
/// The `ws*` schemes reach one server, like `bolt*`: there is no routing over WebSocket, because
/// a routing table lists the members' Bolt socket addresses, which a client that needs
/// WebSocket (behind an HTTP-only proxy or gateway) usually cannot reach anyway. Their default
/// port is 7687 too: Neo4j serves WebSocket on its Bolt port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// `bolt://`: one server, plain TCP.
    Bolt,
    /// `bolt+s://`: one server, TLS verified against the OS trust store.
    BoltS,
    /// `bolt+ssc://`: one server, TLS accepting any (e.g. self-signed) certificate.
    BoltSsc,
    /// `neo4j://`: client-side routing, plain TCP.
    Neo4j,
    /// `neo4j+s://`: client-side routing, TLS verified against the OS trust store.
    Neo4jS,
    /// `neo4j+ssc://`: client-side routing, TLS accepting any certificate.
    Neo4jSsc,
    /// `ws://`: one server, Bolt in WebSocket messages over plain TCP.
    Ws,
    /// `wss://`: one server, Bolt in WebSocket messages over TLS verified against the system
    /// roots.
    Wss,
    /// `wss+ssc://`: one server, Bolt in WebSocket messages over TLS accepting any certificate.
    WssSsc,
}

impl Scheme {
    const ALL: [Scheme; 9] = [
        Scheme::Bolt,
        Scheme::BoltS,
        Scheme::BoltSsc,
        Scheme::Neo4j,
        Scheme::Neo4jS,
        Scheme::Neo4jSsc,
        Scheme::Ws,
        Scheme::Wss,
        Scheme::WssSsc,
    ];

    /// The canonical lower-case name, e.g. `neo4j+s`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Bolt => "bolt",
            Scheme::BoltS => "bolt+s",
            Scheme::BoltSsc => "bolt+ssc",
            Scheme::Neo4j => "neo4j",
            Scheme::Neo4jS => "neo4j+s",
            Scheme::Neo4jSsc => "neo4j+ssc",
            Scheme::Ws => "ws",
            Scheme::Wss => "wss",
            Scheme::WssSsc => "wss+ssc",
        }
    }

    /// Whether the scheme uses client-side routing (`neo4j*`).
    pub fn is_routing(self) -> bool {
        matches!(self, Scheme::Neo4j | Scheme::Neo4jS | Scheme::Neo4jSsc)
    }

    /// Whether Bolt travels in WebSocket messages (`ws`, `wss`, `wss+ssc`).
    pub fn is_websocket(self) -> bool {
        matches!(self, Scheme::Ws | Scheme::Wss | Scheme::WssSsc)
    }

    /// Whether the scheme turns TLS on (`+s`, `+ssc`, `wss`).
    pub fn is_encrypted(self) -> bool {
        self.tls_trust().is_some()
    }

    /// The trust strategy the scheme implies, or `None` for plain TCP.
    pub fn tls_trust(self) -> Option<TrustStrategy> {
        match self {
            Scheme::Bolt | Scheme::Neo4j | Scheme::Ws => None,
            Scheme::BoltS | Scheme::Neo4jS | Scheme::Wss => Some(TrustStrategy::System),
            Scheme::BoltSsc | Scheme::Neo4jSsc | Scheme::WssSsc => Some(TrustStrategy::TrustAll),
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scheme {
    type Err = Error;

    fn from_str(s: &str) -> Result<Scheme, Error> {
        Scheme::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                config(format!(
                    "unsupported URI scheme {s:?}: expected one of bolt, bolt+s, bolt+ssc, \
                     neo4j, neo4j+s, neo4j+ssc, ws, wss, wss+ssc"
                ))
            })
    }
}

/// A parsed connection URI: scheme, initial address and routing context.
///
/// ```
/// use boltc::net::{parse_uri, Scheme};
///
/// let uri = parse_uri("neo4j+s://db.example?region=eu").unwrap();
/// assert_eq!(uri.scheme(), Scheme::Neo4jS);
/// assert_eq!(uri.address().to_string(), "db.example:7687");
/// assert_eq!(uri.routing_context()["region"], "eu");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uri {
    scheme: Scheme,
    address: Address,
    routing_context: BTreeMap<String, String>,
}

impl Uri {
    /// Parses a connection URI; the same as [`parse_uri`](crate::net::parse_uri).
    ///
    /// # Errors
    ///
    /// See [`parse_uri`](crate::net::parse_uri).
    pub fn parse(uri: &str) -> Result<Uri, Error> {
        parse(uri)
    }

    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The initial server address (port 7687 when the URI has none).
    pub fn address(&self) -> &Address {
        &self.address
    }

    /// The routing context from the query string (always empty for `bolt*` schemes).
    ///
    /// It does not contain the reserved `address` key; the routing layer adds that itself.
    pub fn routing_context(&self) -> &BTreeMap<String, String> {
        &self.routing_context
    }
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme, self.address)?;
        let mut sep = '?';
        for (k, v) in &self.routing_context {
            write!(f, "{sep}{}={}", percent_encode(k), percent_encode(v))?;
            sep = '&';
        }
        Ok(())
    }
}

impl FromStr for Uri {
    type Err = Error;

    fn from_str(s: &str) -> Result<Uri, Error> {
        parse(s)
    }
}

/// Keys that the driver sets itself and that a URI query may not contain.
const RESERVED_KEYS: [&str; 1] = ["address"];

fn config(msg: String) -> Error {
    Error::new(ErrorKind::Config, msg)
}

/// Parses a connection URI such as `neo4j://host:7687?policy=eu`.
///
/// # Errors
///
/// [`ErrorKind::Config`] for an unknown scheme, a missing host, a bad port, user info (any
/// `@`: credentials belong in the auth token; no part of such a URI is echoed), a path or fragment, a query on
/// a non-routing (`bolt*`) URI, a malformed, duplicated, empty or reserved (`address`) routing
/// context key, or bad percent-encoding.
///
/// ```
/// use boltc::{net::parse_uri, ErrorKind};
///
/// assert_eq!(parse_uri("http://x").unwrap_err().kind(), ErrorKind::Config);
/// assert_eq!(parse_uri("bolt://[::1]:7688").unwrap().address().port(), 7688);
/// ```
pub fn parse(uri: &str) -> Result<Uri, Error> {
    if uri.contains('@') {
        // User info (`user:password@`) may sit anywhere a password's own `/`, `?` or `#`
        // moved the split points to, so no part of such a URI is echoed, not even the scheme.
        return Err(config(
            "the URI must not contain user info ('@'); pass credentials as an auth token \
             (a routing context value with '@' percent-encodes it as %40)"
                .to_owned(),
        ));
    }
    let (scheme, rest) = uri.split_once("://").ok_or_else(|| {
        config(format!(
            "invalid URI {uri:?}: expected <scheme>://<host>[:<port>]"
        ))
    })?;
    let scheme: Scheme = scheme.parse()?;
    let (rest, fragment) = split_off(rest, '#');
    if fragment.is_some() {
        return Err(config(format!("URI {uri:?} must not contain a fragment")));
    }
    let (rest, query) = split_off(rest, '?');
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if !path.is_empty() && path != "/" {
        return Err(config(format!("URI {uri:?} must not contain a path")));
    }
    if authority.is_empty() {
        return Err(config(format!("URI {uri:?} has no host")));
    }
    let address = parse_host_port(authority, DEFAULT_PORT, false)
        .map_err(|e| config(format!("invalid URI {uri:?}: {}", e.message())))?;
    check_host(address.host(), uri)?;
    let routing_context = match query {
        None | Some("") => BTreeMap::new(),
        Some(_) if !scheme.is_routing() => {
            return Err(config(format!(
                "URI {uri:?}: a routing context (query string) is only allowed with neo4j \
                 schemes, not {scheme}"
            )))
        }
        Some(q) => parse_query(q)?,
    };
    Ok(Uri {
        scheme,
        address,
        routing_context,
    })
}

/// `uri` as it may be shown (in `Debug` output, logs): unchanged, or a placeholder when it
/// contains user info, which may hold a password (see [`parse`]).
pub(crate) fn printable(uri: &str) -> &str {
    if uri.contains('@') {
        "<a URI with user info, not shown>"
    } else {
        uri
    }
}

fn split_off(s: &str, c: char) -> (&str, Option<&str>) {
    match s.split_once(c) {
        Some((a, b)) => (a, Some(b)),
        None => (s, None),
    }
}

fn check_host(host: &str, uri: &str) -> Result<(), Error> {
    if host.contains(':') {
        return Ok(()); // IPv6, already validated
    }
    let ok = host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
    if ok {
        Ok(())
    } else {
        Err(config(format!("URI {uri:?} has an invalid host {host:?}")))
    }
}

fn parse_query(query: &str) -> Result<BTreeMap<String, String>, Error> {
    let mut ctx = BTreeMap::new();
    for pair in query.split('&') {
        if pair.is_empty() {
            continue;
        }
        let (k, v) = pair.split_once('=').ok_or_else(|| {
            config(format!(
                "invalid routing context parameter {pair:?}: expected key=value"
            ))
        })?;
        let key = percent_decode(k)?;
        let value = percent_decode(v)?;
        if key.is_empty() || value.is_empty() {
            return Err(config(format!(
                "invalid routing context parameter {pair:?}: key and value must not be empty"
            )));
        }
        if RESERVED_KEYS.contains(&key.as_str()) {
            return Err(config(format!(
                "routing context key {key:?} is reserved and must not appear in the URI"
            )));
        }
        if ctx.contains_key(&key) {
            return Err(config(format!("duplicated routing context key {key:?}")));
        }
        ctx.insert(key, value);
    }
    Ok(ctx)
}

fn percent_decode(s: &str) -> Result<String, Error> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| config(format!("invalid percent-encoding in {s:?}")))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| config(format!("percent-decoded {s:?} is not UTF-8")))
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(uri: &str) -> Error {
        let e = parse(uri).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "{uri}: {e}");
        e
    }

    #[test]
    fn schemes() {
        let cases = [
            ("bolt", Scheme::Bolt, false, None),
            ("BOLT+S", Scheme::BoltS, false, Some(TrustStrategy::System)),
            (
                "bolt+ssc",
                Scheme::BoltSsc,
                false,
                Some(TrustStrategy::TrustAll),
            ),
            ("Neo4j", Scheme::Neo4j, true, None),
            ("neo4j+s", Scheme::Neo4jS, true, Some(TrustStrategy::System)),
            (
                "neo4j+SSC",
                Scheme::Neo4jSsc,
                true,
                Some(TrustStrategy::TrustAll),
            ),
        ];
        for (s, scheme, routing, trust) in cases {
            let uri = parse(&format!("{s}://h")).unwrap();
            assert_eq!(uri.scheme(), scheme);
            assert!(!scheme.is_websocket());
            assert_eq!(scheme.is_routing(), routing);
            assert_eq!(scheme.tls_trust(), trust);
            assert_eq!(scheme.is_encrypted(), trust.is_some());
            assert_eq!(scheme.as_str().parse::<Scheme>().unwrap(), scheme);
        }
    }

    /// Seed 003: "the client connects using either a regular socket or a WebSocket", and over
    /// TLS "a secure socket or a secure WebSocket".
    #[test]
    fn websocket_schemes_reach_one_server_on_port_7687() {
        let cases = [
            ("ws", Scheme::Ws, None),
            ("WSS", Scheme::Wss, Some(TrustStrategy::System)),
            ("wss+ssc", Scheme::WssSsc, Some(TrustStrategy::TrustAll)),
        ];
        for (s, scheme, trust) in cases {
            let uri = parse(&format!("{s}://h")).unwrap();
            assert_eq!(uri.scheme(), scheme);
            assert!(scheme.is_websocket());
            assert!(!scheme.is_routing());
            assert_eq!(scheme.tls_trust(), trust);
            assert_eq!(uri.address().port(), 7687);
            assert_eq!(scheme.as_str().parse::<Scheme>().unwrap(), scheme);
            assert_eq!(parse(&uri.to_string()).unwrap(), uri);
            let e = parse(&format!("{s}://h?region=eu")).unwrap_err();
            assert!(e.message().contains("only allowed with neo4j"), "{e}");
        }
        assert_eq!(parse("ws://h:80/").unwrap().address().port(), 80);
        for bad in ["ws+s://h", "ws+ssc://h", "neo4j+ws://h"] {
            assert_eq!(parse(bad).unwrap_err().kind(), ErrorKind::Config, "{bad}");
        }
    }

    #[test]
    fn unknown_scheme_is_named() {
        for u in ["http://h", "bolt+x://h", "neo4j+routing://h", "://h"] {
            let e = err(u);
            assert!(e.message().contains("unsupported URI scheme"), "{e}");
        }
        assert!(err("https://h").message().contains("\"https\""));
        assert!(err("localhost:7687")
            .message()
            .contains("expected <scheme>"));
    }

    #[test]
    fn addresses_and_ports() {
        let cases = [
            ("bolt://localhost", "localhost", 7687),
            ("bolt://localhost/", "localhost", 7687),
            ("bolt://localhost:1", "localhost", 1),
            ("bolt://127.0.0.1:65535", "127.0.0.1", 65535),
            ("bolt://[::1]", "::1", 7687),
            ("neo4j://[2001:db8::7]:9000", "2001:db8::7", 9000),
            ("neo4j://my-host.example_1:7", "my-host.example_1", 7),
        ];
        for (u, host, port) in cases {
            let uri = parse(u).unwrap();
            assert_eq!(
                (uri.address().host(), uri.address().port()),
                (host, port),
                "{u}"
            );
        }
    }

    #[test]
    fn bad_hosts_and_ports() {
        for u in [
            "bolt://",
            "bolt://:7687",
            "bolt://h:0",
            "bolt://h:65536",
            "bolt://h:",
            "bolt://h:abc",
            "bolt://::1",
            "bolt://[::1",
            "bolt://[::g]:1",
            "bolt://h%20x",
            "bolt://h x",
            "bolt://h/db",
            "bolt://h#frag",
        ] {
            err(u);
        }
        assert!(err("bolt://h:70000")
            .message()
            .contains("between 1 and 65535"));
    }

    #[test]
    fn user_info_rejected_without_echo() {
        // The password's own `/`, `?`, `#` or `:` move where a parser splits the URI; wherever
        // the error would come from (path, query, fragment, port, host), nothing is echoed.
        for u in [
            "neo4j://neo4j:s3cret@localhost:7687",
            "bolt://u:s3c/ret@h",
            "bolt://u:s3c#ret@h",
            "bolt://u:s3c?ret@h",
            "neo4j://u:123?s3cret@h",
            "bolt://u:s3cret@h:70000",
            "bolt://u:s3cret@h:abc",
            "bolt://u:s3cret@h x",
            "bolt://u:s3cret@",
            "http://u:s3cret@h",
            "u:s3cret@h:7687",
        ] {
            let e = err(u);
            let shown = format!("{e} {e:?}");
            for secret in ["s3c", "ret", "u:"] {
                assert!(!shown.contains(secret), "{u}: {shown}");
            }
            assert!(e.message().contains("user info"), "{u}: {e}");
            assert_eq!(printable(u), "<a URI with user info, not shown>");
        }
        err("bolt://user@h");
        assert_eq!(printable("bolt://h:1"), "bolt://h:1");
        // A routing context value may carry an `@` percent-encoded.
        let uri = parse("neo4j://h?team=db%40example").unwrap();
        assert_eq!(uri.routing_context()["team"], "db@example");
    }

    #[test]
    fn routing_context() {
        let uri = parse("neo4j://h:1?policy=my%20policy&region=eu-west&x=a%2Bb+c&&").unwrap();
        let ctx = uri.routing_context();
        assert_eq!(ctx.len(), 3);
        assert_eq!(ctx["policy"], "my policy");
        assert_eq!(ctx["region"], "eu-west");
        assert_eq!(ctx["x"], "a+b+c");
        assert!(parse("neo4j://h?").unwrap().routing_context().is_empty());
        assert!(parse("neo4j://h/?a=b")
            .unwrap()
            .routing_context()
            .contains_key("a"));
        let uni = parse("neo4j://h?k=%C3%A9").unwrap();
        assert_eq!(uni.routing_context()["k"], "é");
    }

    #[test]
    fn bad_routing_context() {
        assert!(err("bolt://h?policy=x").message().contains("only allowed"));
        assert!(err("neo4j://h?address=other:1")
            .message()
            .contains("reserved"));
        assert!(err("neo4j://h?a=1&a=2").message().contains("duplicated"));
        for u in [
            "neo4j://h?a",
            "neo4j://h?a=",
            "neo4j://h?=b",
            "neo4j://h?a=%",
            "neo4j://h?a=%zz",
            "neo4j://h?a=%FF",
            "neo4j://h?a=1#f",
        ] {
            err(u);
        }
    }

    #[test]
    fn display_round_trips() {
        for u in ["neo4j+s://[::1]:9?a=x%20y&b=c", "bolt://h:7687"] {
            let uri = parse(u).unwrap();
            assert_eq!(parse(&uri.to_string()).unwrap(), uri);
        }
        assert_eq!(parse("BOLT://h").unwrap().to_string(), "bolt://h:7687");
    }
}
