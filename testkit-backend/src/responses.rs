//! Builders for the responses the backend sends to TestKit.
//!
//! TestKit constructs a Python object from each response with `Class(**data)`, so a response
//! must carry exactly the fields that class accepts: an extra key is a `TypeError` on its side.

// Builders exist for every response TestKit knows; some are used once boltc offers the feature.
#![allow(dead_code)]

use crate::cypher;
use boltc::{Error, GqlError, Value};
use serde_json::{json, Value as Json};

/// `{"name": name, "data": data}`.
pub fn response(name: &str, data: Json) -> Json {
    json!({ "name": name, "data": data })
}

pub fn with_id(name: &str, id: &str) -> Json {
    response(name, json!({ "id": id }))
}

pub fn feature_list(features: &[&str]) -> Json {
    response("FeatureList", json!({ "features": features }))
}

pub fn run_test() -> Json {
    response("RunTest", json!({}))
}

pub fn run_sub_tests() -> Json {
    response("RunSubTests", json!({}))
}

pub fn skip_test(reason: &str) -> Json {
    response("SkipTest", json!({ "reason": reason }))
}

pub fn result(id: &str, keys: &[String]) -> Json {
    response("Result", json!({ "id": id, "keys": keys }))
}

fn record_values(values: &[Value]) -> Json {
    Json::Array(values.iter().map(cypher::to_cypher).collect())
}

pub fn record(values: &[Value]) -> Json {
    response("Record", json!({ "values": record_values(values) }))
}

pub fn null_record() -> Json {
    response("NullRecord", json!({}))
}

pub fn record_list(records: &[Vec<Value>]) -> Json {
    let list: Vec<Json> = records
        .iter()
        .map(|r| json!({ "values": record_values(r) }))
        .collect();
    response("RecordList", json!({ "records": list }))
}

pub fn record_optional(record: Option<&[Value]>, warnings: &[String]) -> Json {
    let record = record.map(|r| json!({ "values": record_values(r) }));
    response(
        "RecordOptional",
        json!({ "record": record, "warnings": warnings }),
    )
}

pub fn bookmarks(bookmarks: &[String]) -> Json {
    response("Bookmarks", json!({ "bookmarks": bookmarks }))
}

pub fn retryable_try(tx_id: &str) -> Json {
    with_id("RetryableTry", tx_id)
}

pub fn retryable_done() -> Json {
    response("RetryableDone", json!({}))
}

pub fn server_info(address: &str, agent: &str, protocol_version: &str) -> Json {
    response(
        "ServerInfo",
        json!({ "address": address, "agent": agent, "protocolVersion": protocol_version }),
    )
}

pub fn multi_db_support(id: &str, available: bool) -> Json {
    response(
        "MultiDBSupport",
        json!({ "id": id, "available": available }),
    )
}

pub fn session_auth_support(id: &str, available: bool) -> Json {
    response(
        "SessionAuthSupport",
        json!({ "id": id, "available": available }),
    )
}

pub fn driver_is_encrypted(encrypted: bool) -> Json {
    response("DriverIsEncrypted", json!({ "encrypted": encrypted }))
}

pub fn driver_is_authenticated(id: &str, authenticated: bool) -> Json {
    response(
        "DriverIsAuthenticated",
        json!({ "id": id, "authenticated": authenticated }),
    )
}

pub fn fake_time_ack() -> Json {
    response("FakeTimeAck", json!({}))
}

/// An error inside the backend itself (a bug here, or a request we cannot serve).
pub fn backend_error(msg: impl std::fmt::Display) -> Json {
    response("BackendError", json!({ "msg": msg.to_string() }))
}

/// An error raised by "client code" (e.g. a retryable function that gave up on its own).
pub fn frontend_error(msg: impl std::fmt::Display) -> Json {
    response("FrontendError", json!({ "msg": msg.to_string() }))
}

/// The name TestKit sees as `errorType`: the driver's error kind (TestKit only compares it for
/// drivers it knows by name, so it serves people reading the logs).
pub fn error_type(e: &Error) -> String {
    format!("{:?}", e.kind())
}

fn gql_fields(g: &GqlError) -> serde_json::Map<String, Json> {
    let mut m = serde_json::Map::new();
    m.insert("gqlStatus".into(), json!(g.gql_status));
    m.insert("statusDescription".into(), json!(g.description));
    m.insert(
        "diagnosticRecord".into(),
        g.diagnostic_record
            .as_ref()
            .map(cypher::map_to_cypher_object)
            .unwrap_or(Json::Null),
    );
    let raw = g.classification.clone();
    let classification = match raw.as_deref() {
        Some(c @ ("CLIENT_ERROR" | "DATABASE_ERROR" | "TRANSIENT_ERROR")) => c.to_owned(),
        _ => "UNKNOWN".to_owned(),
    };
    m.insert("classification".into(), json!(classification));
    m.insert("rawClassification".into(), json!(raw));
    m.insert(
        "cause".into(),
        g.cause.as_deref().map(gql_cause).unwrap_or(Json::Null),
    );
    m
}

fn gql_cause(g: &GqlError) -> Json {
    let mut m = gql_fields(g);
    m.insert("msg".into(), json!(g.message));
    response("GqlError", Json::Object(m))
}

/// A `DriverError` for `e`, registered under `id` so TestKit can hand it back in
/// `RetryableNegative`.
pub fn driver_error(id: &str, e: &Error) -> Json {
    let mut m = serde_json::Map::new();
    m.insert("id".into(), json!(id));
    m.insert("errorType".into(), json!(error_type(e)));
    m.insert("msg".into(), json!(e.message()));
    m.insert("code".into(), json!(e.server_code().unwrap_or("")));
    m.insert("retryable".into(), json!(e.is_retryable()));
    if let Some(g) = e.gql() {
        m.extend(gql_fields(g));
    }
    response("DriverError", Json::Object(m))
}

/// The counters block of a summary.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counters {
    pub constraints_added: i64,
    pub constraints_removed: i64,
    pub contains_system_updates: bool,
    pub contains_updates: bool,
    pub indexes_added: i64,
    pub indexes_removed: i64,
    pub labels_added: i64,
    pub labels_removed: i64,
    pub nodes_created: i64,
    pub nodes_deleted: i64,
    pub properties_set: i64,
    pub relationships_created: i64,
    pub relationships_deleted: i64,
    pub system_updates: i64,
}

/// Everything a `Summary` response carries, in backend terms.
#[derive(Debug, Clone, Default)]
pub struct SummaryData {
    pub address: String,
    pub agent: String,
    pub protocol_version: String,
    pub counters: Counters,
    pub database: Option<String>,
    /// Plain JSON notifications (TestKit compares them as dicts).
    pub notifications: Option<Json>,
    pub gql_status_objects: Option<Json>,
    pub plan: Option<Json>,
    pub profile: Option<Json>,
    pub query_text: String,
    pub query_parameters: Json,
    pub query_type: Option<String>,
    pub result_available_after: Option<i64>,
    pub result_consumed_after: Option<i64>,
}

pub fn summary_json(s: &SummaryData) -> Json {
    let c = &s.counters;
    let mut data = json!({
        "serverInfo": {
            "address": s.address,
            "agent": s.agent,
            "protocolVersion": s.protocol_version,
        },
        "counters": {
            "constraintsAdded": c.constraints_added,
            "constraintsRemoved": c.constraints_removed,
            "containsSystemUpdates": c.contains_system_updates,
            "containsUpdates": c.contains_updates,
            "indexesAdded": c.indexes_added,
            "indexesRemoved": c.indexes_removed,
            "labelsAdded": c.labels_added,
            "labelsRemoved": c.labels_removed,
            "nodesCreated": c.nodes_created,
            "nodesDeleted": c.nodes_deleted,
            "propertiesSet": c.properties_set,
            "relationshipsCreated": c.relationships_created,
            "relationshipsDeleted": c.relationships_deleted,
            "systemUpdates": c.system_updates,
        },
        "database": s.database,
        "notifications": s.notifications,
        "plan": s.plan,
        "profile": s.profile,
        "query": { "text": s.query_text, "parameters": s.query_parameters },
        "queryType": s.query_type,
        "resultAvailableAfter": s.result_available_after,
        "resultConsumedAfter": s.result_consumed_after,
    });
    if let Some(g) = &s.gql_status_objects {
        data["gqlStatusObjects"] = g.clone();
    }
    data
}

pub fn summary(s: &SummaryData) -> Json {
    response("Summary", summary_json(s))
}

pub fn eager_result(keys: &[String], records: &[Vec<Value>], s: &SummaryData) -> Json {
    let list: Vec<Json> = records
        .iter()
        .map(|r| json!({ "values": record_values(r) }))
        .collect();
    response(
        "EagerResult",
        json!({ "keys": keys, "records": list, "summary": summary_json(s) }),
    )
}

pub fn routing_table(
    database: Option<&str>,
    ttl: i64,
    routers: &[String],
    readers: &[String],
    writers: &[String],
) -> Json {
    response(
        "RoutingTable",
        json!({
            "database": database,
            "ttl": ttl,
            "routers": routers,
            "readers": readers,
            "writers": writers,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn driver_error_has_only_testkit_fields() {
        let e = Error::server(
            "Neo.TransientError.General.DatabaseUnavailable",
            "try again",
        );
        let j = driver_error("4", &e);
        assert_eq!(j["name"], "DriverError");
        let d = j["data"].as_object().unwrap();
        assert_eq!(d["id"], "4");
        assert_eq!(d["code"], "Neo.TransientError.General.DatabaseUnavailable");
        assert_eq!(d["retryable"], true);
        let allowed = [
            "id",
            "errorType",
            "msg",
            "code",
            "retryable",
            "gqlStatus",
            "statusDescription",
            "cause",
            "diagnosticRecord",
            "classification",
            "rawClassification",
        ];
        assert!(d.keys().all(|k| allowed.contains(&k.as_str())));
    }

    #[test]
    fn driver_error_with_gql_cause() {
        let e = Error::server("Neo.ClientError.Statement.SyntaxError", "bad").with_gql(GqlError {
            gql_status: "42001".into(),
            description: "syntax".into(),
            classification: Some("CLIENT_ERROR".into()),
            cause: Some(Box::new(GqlError {
                gql_status: "22000".into(),
                message: "inner".into(),
                ..Default::default()
            })),
            ..Default::default()
        });
        let j = driver_error("1", &e);
        assert_eq!(j["data"]["gqlStatus"], "42001");
        assert_eq!(j["data"]["classification"], "CLIENT_ERROR");
        assert_eq!(j["data"]["cause"]["name"], "GqlError");
        assert_eq!(j["data"]["cause"]["data"]["msg"], "inner");
        assert_eq!(j["data"]["cause"]["data"]["classification"], "UNKNOWN");
    }

    #[test]
    fn summary_shape() {
        let s = SummaryData {
            address: "127.0.0.1:9001".into(),
            protocol_version: "5.0".into(),
            ..Default::default()
        };
        let j = summary(&s);
        assert_eq!(j["data"]["serverInfo"]["protocolVersion"], "5.0");
        assert_eq!(j["data"]["counters"]["nodesCreated"], 0);
        assert!(j["data"].get("gqlStatusObjects").is_none());
    }

    #[test]
    fn record_shapes() {
        let j = record(&[Value::Null, Value::Int(1)]);
        assert_eq!(j["data"]["values"][1]["name"], "CypherInt");
        let o = record_optional(None, &[]);
        assert!(o["data"]["record"].is_null());
    }
}
