//! Typed views of server replies: the error a FAILURE stands for, with its GQL status object
//! and cause chain.

use crate::error::{Error, GqlError};
use crate::value::{Map, Value};

/// Builds the error for a FAILURE's metadata: code and message, and its GQL status object with
/// the cause chain. Servers before 5.7 send no GQL fields; their errors get the GQL defaults
/// (`50N42`, "general processing exception") as the official drivers do.
pub fn failure_error(meta: &Map) -> Error {
    let get = |k: &str| meta.get(k).and_then(Value::as_str).map(str::to_owned);
    let code = get("code")
        .or_else(|| get("neo4j_code"))
        .unwrap_or_else(|| "Neo.DatabaseError.General.UnknownError".into());
    let msg = get("message").unwrap_or_default();
    Error::server(code, msg).with_gql(gql_error(meta, 0))
}

fn gql_error(meta: &Map, depth: usize) -> GqlError {
    let get = |k: &str| meta.get(k).and_then(Value::as_str).map(str::to_owned);
    let message = get("message").unwrap_or_default();
    let (gql_status, description) = match get("gql_status") {
        Some(status) => (status, get("description").unwrap_or_default()),
        None => (
            "50N42".to_owned(),
            format!("error: general processing exception - unexpected error. {message}"),
        ),
    };
    let mut diagnostic_record = meta
        .get("diagnostic_record")
        .and_then(Value::as_map)
        .cloned()
        .unwrap_or_default();
    fill_diagnostic_defaults(&mut diagnostic_record);
    let classification = diagnostic_record
        .get("_classification")
        .and_then(Value::as_str)
        .map(str::to_owned);
    GqlError {
        gql_status,
        description,
        classification,
        diagnostic_record: Some(diagnostic_record),
        neo4j_code: get("neo4j_code").or_else(|| get("code")),
        message,
        cause: match meta.get("cause") {
            Some(Value::Map(c)) if depth < 32 => Some(Box::new(gql_error(c, depth + 1))),
            _ => None,
        },
    }
}

/// Adds the GQL diagnostic record entries the server may leave out (`OPERATION: ""`,
/// `OPERATION_CODE: "0"`, `CURRENT_SCHEMA: "/"`); entries it sent, whatever their type, stay.
pub fn fill_diagnostic_defaults(record: &mut Map) {
    for (key, default) in [
        ("OPERATION", ""),
        ("OPERATION_CODE", "0"),
        ("CURRENT_SCHEMA", "/"),
    ] {
        record
            .entry(key.to_owned())
            .or_insert_with(|| Value::String(default.to_owned()));
    }
}
