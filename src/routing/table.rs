//! One database's routing table and how it is parsed from the server's answer.
//!
//! | freshness | condition                                             | on acquire          |
//! |-----------|-------------------------------------------------------|---------------------|
//! | empty     | just created: only the seed router, no readers/writers | fetch (wait)        |
//! | fresh     | TTL not reached, has routers and a server for the mode | use it              |
//! | ageing    | fresh, but within the refresh margin of its TTL       | use it; the refresher fetches |
//! | stale     | TTL passed, or no reader (reads) / writer (writes)    | fetch (wait)        |

use crate::error::{Error, ErrorKind, Result};
use crate::net::{Address, DEFAULT_PORT};
use crate::value::{Map, Value};
use std::time::{Duration, Instant};

/// The longest TTL honoured, so a bogus value cannot overflow `Instant` arithmetic.
const MAX_TTL: Duration = Duration::from_secs(60 * 60 * 24 * 365);

/// The servers of one database, by role.
#[derive(Debug, Clone)]
pub struct RoutingTable {
    /// The database this table is for, as the server named it (`None`: not told, Bolt < 4).
    pub database: Option<String>,
    /// Servers answering routing requests.
    pub routers: Vec<Address>,
    /// Servers for reads.
    pub readers: Vec<Address>,
    /// Servers for writes (usually the leader).
    pub writers: Vec<Address>,
    /// When the table was fetched.
    pub fetched: Instant,
    /// The time to live the server gave.
    pub ttl: Duration,
    /// Fetched from a Bolt 5.8+ server, whose replies name the database they ran on: the home
    /// database it named may be cached for later sessions (older servers: resolved per session).
    pub(crate) home_cacheable: bool,
}

impl RoutingTable {
    /// An empty table whose only router is `seed`; it is stale from the start.
    pub fn seed(seed: Address) -> RoutingTable {
        RoutingTable {
            database: None,
            routers: vec![seed],
            readers: Vec::new(),
            writers: Vec::new(),
            fetched: crate::clock::now(),
            ttl: Duration::ZERO,
            home_cacheable: false,
        }
    }

    /// When the table expires.
    pub fn expires(&self) -> Instant {
        self.fetched + self.ttl
    }

    /// Whether the table can serve work of the given kind now.
    pub fn is_fresh(&self, write: bool, now: Instant) -> bool {
        let servers = if write { &self.writers } else { &self.readers };
        !self.routers.is_empty() && !servers.is_empty() && now < self.expires()
    }

    /// Removes `addr` from every role (it could not be reached).
    pub fn forget(&mut self, addr: &Address) {
        self.routers.retain(|a| a != addr);
        self.readers.retain(|a| a != addr);
        self.writers.retain(|a| a != addr);
    }

    /// Removes `addr` as a writer (it said it is no longer the leader).
    pub fn forget_writer(&mut self, addr: &Address) {
        self.writers.retain(|a| a != addr);
    }

    /// Every address the table mentions.
    pub fn servers(&self) -> impl Iterator<Item = &Address> {
        self.routers
            .iter()
            .chain(&self.readers)
            .chain(&self.writers)
    }

    /// Parses the `rt` map of a ROUTE reply: `{ttl, db, servers: [{addresses, role}]}`.
    ///
    /// # Errors
    /// `Protocol` when a field is missing or has the wrong type.
    pub fn from_route_reply(rt: &Map) -> Result<RoutingTable> {
        let ttl = rt.get("ttl").ok_or_else(|| bad("no ttl"))?;
        let servers = rt.get("servers").ok_or_else(|| bad("no servers"))?;
        let mut t = RoutingTable::from_parts(ttl, servers)?;
        t.database = rt.get("db").and_then(Value::as_str).map(str::to_owned);
        Ok(t)
    }

    /// Parses a routing procedure record: `ttl`, `servers` by column name.
    ///
    /// # Errors
    /// `Protocol` when a column is missing or has the wrong type.
    pub fn from_record(keys: &[String], values: &[Value]) -> Result<RoutingTable> {
        let col = |name: &str| {
            keys.iter()
                .position(|k| k == name)
                .and_then(|i| values.get(i))
                .ok_or_else(|| bad(&format!("no {name} column")))
        };
        RoutingTable::from_parts(col("ttl")?, col("servers")?)
    }

    fn from_parts(ttl: &Value, servers: &Value) -> Result<RoutingTable> {
        let Value::Int(ttl) = ttl else {
            return Err(bad("ttl is not an integer"));
        };
        let Value::List(servers) = servers else {
            return Err(bad("servers is not a list"));
        };
        let mut t = RoutingTable::seed(Address::new("", 0));
        t.routers.clear();
        t.ttl = Duration::from_secs(ttl.unsigned_abs()).min(MAX_TTL);
        if *ttl < 0 {
            t.ttl = Duration::ZERO;
        }
        for s in servers {
            let s = s
                .as_map()
                .ok_or_else(|| bad("a server entry is not a map"))?;
            let role = s
                .get("role")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("no role"))?;
            let Some(Value::List(addrs)) = s.get("addresses") else {
                return Err(bad("no addresses"));
            };
            let target = match role {
                "ROUTE" => &mut t.routers,
                "READ" => &mut t.readers,
                "WRITE" => &mut t.writers,
                _ => continue,
            };
            for a in addrs {
                let a = a
                    .as_str()
                    .ok_or_else(|| bad("an address is not a string"))?;
                let addr = Address::parse(a, DEFAULT_PORT)
                    .map_err(|e| bad(&format!("bad address {a:?}: {e}")))?;
                if !target.contains(&addr) {
                    target.push(addr);
                }
            }
        }
        Ok(t)
    }
}

fn bad(what: &str) -> Error {
    Error::new(
        ErrorKind::Protocol,
        format!("malformed routing table: {what}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(role: &str, addrs: &[&str]) -> Value {
        let mut m = Map::new();
        m.insert("role".into(), Value::String(role.into()));
        m.insert(
            "addresses".into(),
            Value::List(addrs.iter().map(|a| Value::String((*a).into())).collect()),
        );
        Value::Map(m)
    }

    #[test]
    fn parses_route_reply() {
        let mut rt = Map::new();
        rt.insert("ttl".into(), Value::Int(300));
        rt.insert("db".into(), Value::String("neo4j".into()));
        rt.insert(
            "servers".into(),
            Value::List(vec![
                server("ROUTE", &["a:1", "b:2"]),
                server("READ", &["b:2"]),
                server("WRITE", &["a"]),
                server("OTHER", &["z:1"]),
            ]),
        );
        let t = RoutingTable::from_route_reply(&rt).unwrap();
        assert_eq!(t.database.as_deref(), Some("neo4j"));
        assert_eq!(t.ttl, Duration::from_secs(300));
        assert_eq!(t.routers, [Address::new("a", 1), Address::new("b", 2)]);
        assert_eq!(t.readers, [Address::new("b", 2)]);
        assert_eq!(t.writers, [Address::new("a", DEFAULT_PORT)]);
        let now = Instant::now();
        assert!(t.is_fresh(true, now) && t.is_fresh(false, now));
        assert!(!t.is_fresh(false, now + Duration::from_secs(301)));
    }

    #[test]
    fn freshness_needs_a_server_for_the_mode() {
        let mut t = RoutingTable::seed(Address::new("a", 1));
        assert!(!t.is_fresh(false, t.fetched));
        t.ttl = Duration::from_secs(10);
        t.readers.push(Address::new("r", 1));
        assert!(t.is_fresh(false, t.fetched) && !t.is_fresh(true, t.fetched));
        t.forget(&Address::new("a", 1));
        assert!(!t.is_fresh(false, t.fetched), "no routers left");
    }

    #[test]
    fn rejects_malformed() {
        let mut rt = Map::new();
        rt.insert("ttl".into(), Value::String("x".into()));
        rt.insert("servers".into(), Value::List(vec![]));
        assert_eq!(
            RoutingTable::from_route_reply(&rt).unwrap_err().kind(),
            ErrorKind::Protocol
        );
        let keys = vec!["ttl".to_owned()];
        assert!(RoutingTable::from_record(&keys, &[Value::Int(1)]).is_err());
    }
}
