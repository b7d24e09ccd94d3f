//! Routing requests: `GetRoutingTable` (`Backend:RTFetch`), `ForcedRoutingTableUpdate`
//! (`Backend:RTForceUpdate`), and the custom resolver callback (`ResolverResolutionRequired` /
//! `ResolverResolutionCompleted`) and the domain name resolver callback
//! (`DomainNameResolutionRequired` / `DomainNameResolutionCompleted`).
//!
//! The resolver runs wherever the driver calls it (a request on the worker thread, or the
//! routing refresher thread); it asks TestKit through the connection's [`Responder`] and blocks
//! until TestKit answers.

use crate::connection::Responder;
use crate::responses;
use boltc::net::{Address, DomainNameResolver};
use boltc::routing::{AddressResolver, RoutingTable};
use boltc::{Driver, Error};
use serde_json::{json, Value as Json};
use std::net::IpAddr;
use std::sync::Arc;

/// The port assumed when TestKit's resolver returns an address without one.
const DEFAULT_PORT: u16 = 7687;

/// A driver resolver that asks TestKit's resolver function.
pub fn resolver(responder: Responder) -> Arc<AddressResolver> {
    Arc::new(move |address: &Address| {
        let answer = responder.call_back(|id| {
            responses::response(
                "ResolverResolutionRequired",
                json!({ "id": id, "address": address.to_string() }),
            )
        });
        match answer {
            Some((_, data)) => parse_addresses(&data),
            // TestKit went away: nothing to try.
            None => Vec::new(),
        }
    })
}

/// A driver DNS hook that asks TestKit's domain name resolver function.
pub fn domain_name_resolver(responder: Responder) -> Arc<DomainNameResolver> {
    Arc::new(move |name: &str| {
        let answer = responder.call_back(|id| {
            responses::response(
                "DomainNameResolutionRequired",
                json!({ "id": id, "name": name }),
            )
        });
        answer.map(|(_, data)| parse_ips(&data)).unwrap_or_default()
    })
}

/// The `addresses` of a `DomainNameResolutionCompleted` (IP addresses); others are dropped.
fn parse_ips(data: &Json) -> Vec<IpAddr> {
    data.get("addresses")
        .and_then(Json::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Json::as_str)
                .filter_map(|s| s.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The `addresses` of a `ResolverResolutionCompleted`; unparsable entries are dropped.
fn parse_addresses(data: &Json) -> Vec<Address> {
    data.get("addresses")
        .and_then(Json::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Json::as_str)
                .filter_map(|s| match Address::parse(s, DEFAULT_PORT) {
                    Ok(a) => Some(a),
                    Err(e) => {
                        eprintln!("testkit-backend: resolver returned bad address {s:?}: {e}");
                        None
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

fn addresses(list: &[Address]) -> Vec<String> {
    list.iter().map(ToString::to_string).collect()
}

/// The `RoutingTable` response for what the driver holds for `database`. A database without a
/// table answers an empty one (TestKit then sees no servers).
pub fn routing_table(driver: &Driver, database: Option<&str>) -> Json {
    match driver.routing_table(database) {
        Some(t) => table_json(&t, database),
        None => responses::routing_table(database, 0, &[], &[], &[]),
    }
}

fn table_json(t: &RoutingTable, asked: Option<&str>) -> Json {
    let ttl = i64::try_from(t.ttl.as_secs()).unwrap_or(i64::MAX);
    responses::routing_table(
        t.database.as_deref().or(asked),
        ttl,
        &addresses(&t.routers),
        &addresses(&t.readers),
        &addresses(&t.writers),
    )
}

/// `ForcedRoutingTableUpdate`: fetch the table now.
pub fn force_update(
    driver: &Driver,
    database: Option<&str>,
    bookmarks: Option<&[String]>,
) -> Result<(), Error> {
    driver
        .update_routing_table(database, bookmarks.unwrap_or_default())
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolver_answers_are_parsed_with_the_default_port() {
        let data = json!({ "requestId": "cb1", "addresses": ["a:9000", "b", 5, "[::1]:9001"] });
        let got = parse_addresses(&data);
        assert_eq!(
            got,
            vec![
                Address::new("a", 9000),
                Address::new("b", DEFAULT_PORT),
                Address::new("::1", 9001)
            ]
        );
        assert!(parse_addresses(&json!({})).is_empty());
        let ips = parse_ips(&json!({ "addresses": ["127.0.0.1", "host1", "::1"] }));
        assert_eq!(
            ips,
            vec![
                IpAddr::from([127, 0, 0, 1]),
                "::1".parse::<IpAddr>().unwrap()
            ]
        );
    }
}
