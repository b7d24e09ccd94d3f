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
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// The longest TTL honoured, so a bogus value cannot overflow `Instant` arithmetic.
const MAX_TTL: Duration = Duration::from_secs(60 * 60 * 24 * 365);

/// The most distinct addresses a routing table may list for one role (routers, readers or
/// writers): a reply listing more is refused as malformed (`ErrorKind::Protocol`), so a hostile
/// or broken server cannot make the driver track and try without end. Real clusters have a
/// few dozen servers; repeated addresses count once.
pub const MAX_ADDRESSES_PER_ROLE: usize = 1024;

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
        // The addresses already listed per role, for a linear dedup.
        let mut seen: [HashSet<Address>; 3] = Default::default();
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
            let (target, seen) = match role {
                "ROUTE" => (&mut t.routers, &mut seen[0]),
                "READ" => (&mut t.readers, &mut seen[1]),
                "WRITE" => (&mut t.writers, &mut seen[2]),
                _ => continue,
            };
            for a in addrs {
                let a = a
                    .as_str()
                    .ok_or_else(|| bad("an address is not a string"))?;
                let addr = Address::parse(a, DEFAULT_PORT)
                    .map_err(|e| bad(&format!("bad address {a:?}: {e}")))?;
                if seen.contains(&addr) {
                    continue;
                }
                if target.len() == MAX_ADDRESSES_PER_ROLE {
                    return Err(bad(&format!(
                        "more than {MAX_ADDRESSES_PER_ROLE} {role} addresses"
                    )));
                }
                seen.insert(addr.clone());
                target.push(addr);
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

    /// Issue 16 #7: dedup used `Vec::contains` per address (320k addresses: 22 s of CPU).
    /// Distinct addresses beyond the cap are refused, repeated ones count once.
    #[test]
    fn addresses_per_role_are_capped_and_deduplicated() {
        let table = |servers: Vec<Value>| {
            let mut rt = Map::new();
            rt.insert("ttl".into(), Value::Int(300));
            rt.insert("servers".into(), Value::List(servers));
            RoutingTable::from_route_reply(&rt)
        };
        let many: Vec<String> = (0..20_000).map(|i| format!("h{i}:7687")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let e = table(vec![server("READ", &many)]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Protocol);
        assert!(
            e.to_string().contains("more than 1024 READ addresses"),
            "{e}"
        );
        // Exactly the cap, split over two entries of the role, each address 100 times.
        let cap: Vec<String> = (0..MAX_ADDRESSES_PER_ROLE)
            .map(|i| format!("h{i}:7687"))
            .collect();
        let repeated: Vec<&str> = (0..100)
            .flat_map(|_| cap.iter().map(String::as_str))
            .collect();
        let (a, b) = repeated.split_at(repeated.len() / 3);
        let t = table(vec![
            server("READ", a),
            server("READ", b),
            server("WRITE", &many[..3]),
            server("ROUTE", &["r:1", "r:1"]),
        ])
        .unwrap();
        assert_eq!(t.readers.len(), MAX_ADDRESSES_PER_ROLE);
        assert_eq!(t.readers[0], Address::new("h0", 7687));
        assert_eq!(t.readers[1023], Address::new("h1023", 7687));
        assert_eq!(t.writers.len(), 3);
        assert_eq!(t.routers, [Address::new("r", 1)]);
        // The cap is per role: a table may list it for each.
        let routers: Vec<&str> = cap.iter().map(String::as_str).collect();
        let t = table(vec![server("ROUTE", &routers), server("READ", &routers)]).unwrap();
        assert_eq!((t.routers.len(), t.readers.len()), (1024, 1024));
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
