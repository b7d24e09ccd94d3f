//! Typed views of server replies: what a RUN and a PULL/DISCARD SUCCESS say, and the error a
//! FAILURE stands for, with its GQL status object and cause chain.

use crate::error::{Error, GqlError};
use crate::value::{Keys, Map, Value};

/// What a RUN's SUCCESS says about its result.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSuccess {
    /// The column names (`fields`), when the server sent them.
    pub fields: Option<Keys>,
    /// The query id (`qid`, 4.0+ explicit transactions), when sent.
    pub qid: Option<i64>,
}

impl RunSuccess {
    /// Reads a RUN SUCCESS's metadata. When its `fields` are those of `same` (the previous
    /// result's columns, typically: an application runs the same queries again), they are
    /// shared with it without a look-up; other names are interned (see [`Keys`]).
    ///
    /// # Errors
    /// What is wrong with it (the server "sent a RUN reply whose fields ..."), when `fields` is
    /// not a list of strings.
    // Kept out of line: inlined into the session's reply dispatch, it shifted how the W1 record
    // loop was compiled (+8 instructions a record, callgrind) though it runs once per query.
    #[inline(never)]
    pub fn parse(meta: &Map, same: Option<&Keys>) -> Result<RunSuccess, &'static str> {
        let fields = match meta.get("fields") {
            None => None,
            Some(Value::List(fields))
                if same.is_some_and(|k| {
                    k.len() == fields.len()
                        && k.iter().zip(fields).all(|(k, f)| f.as_str() == Some(k))
                }) =>
            {
                same.cloned()
            }
            Some(Value::List(fields)) => {
                if !fields.iter().all(|f| f.as_str().is_some()) {
                    return Err("sent a RUN reply whose fields are not all strings");
                }
                let names = fields.iter().map(|f| f.as_str().unwrap_or_default());
                Some(Keys::from_strs(fields.len(), names))
            }
            Some(_) => return Err("sent a RUN reply whose fields are not a list"),
        };
        let qid = match meta.get("qid") {
            Some(Value::Int(q)) => Some(*q),
            _ => None,
        };
        Ok(RunSuccess { fields, qid })
    }
}

/// What a PULL's or DISCARD's SUCCESS says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PullSuccess<'m> {
    /// More records wait on the server (`has_more`; absent: false).
    pub has_more: bool,
    /// The bookmark of an auto-commit query that ended (`bookmark`), when sent.
    pub bookmark: Option<&'m str>,
}

impl<'m> PullSuccess<'m> {
    /// Reads a PULL/DISCARD SUCCESS's metadata.
    #[inline]
    pub fn parse(meta: &'m Map) -> PullSuccess<'m> {
        PullSuccess {
            has_more: meta
                .get("has_more")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            bookmark: meta.get("bookmark").and_then(Value::as_str),
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::String(v.to_owned())
    }

    #[test]
    fn run_and_pull_successes_read_as_typed_views() {
        let meta = Map::of(&[
            ("fields", Value::List(vec![s("a"), s("b")])),
            ("qid", Value::Int(3)),
        ]);
        let run = RunSuccess::parse(&meta, None).unwrap();
        assert_eq!(
            run.fields.as_deref(),
            Some(&["a".to_owned(), "b".to_owned()][..])
        );
        assert_eq!(run.qid, Some(3));
        // The same columns again share the previous result's keys; others do not.
        let keys = run.fields.unwrap();
        let again = RunSuccess::parse(&meta, Some(&keys))
            .unwrap()
            .fields
            .unwrap();
        assert!(Keys::ptr_eq(&again, &keys));
        let other = Keys::from(std::sync::Arc::<[String]>::from(["a".to_owned()]));
        let fresh = RunSuccess::parse(&meta, Some(&other))
            .unwrap()
            .fields
            .unwrap();
        assert!(!Keys::ptr_eq(&fresh, &other));
        assert_eq!(fresh, keys);
        let swapped = Keys::new(&["b", "a"]);
        let fresh = RunSuccess::parse(&meta, Some(&swapped))
            .unwrap()
            .fields
            .unwrap();
        assert_eq!(fresh, keys);
        assert_eq!(
            RunSuccess::parse(&Map::new(), Some(&keys)).unwrap(),
            RunSuccess {
                fields: None,
                qid: None
            }
        );
        let e = RunSuccess::parse(
            &Map::of(&[("fields", Value::List(vec![Value::Int(1)]))]),
            None,
        );
        assert!(e.unwrap_err().contains("not all strings"));
        let e = RunSuccess::parse(&Map::of(&[("fields", s("a"))]), None);
        assert!(e.unwrap_err().contains("not a list"));
        let meta = Map::of(&[("has_more", Value::Bool(true)), ("bookmark", s("bm:1"))]);
        let pull = PullSuccess::parse(&meta);
        assert_eq!((pull.has_more, pull.bookmark), (true, Some("bm:1")));
        let empty = Map::new();
        let pull = PullSuccess::parse(&empty);
        assert_eq!((pull.has_more, pull.bookmark), (false, None));
    }

    #[test]
    fn pre_gql_failures_get_the_gql_defaults() {
        let e = failure_error(&Map::of(&[
            ("code", s("Neo.ClientError.User.Uncool")),
            ("message", s("not cool")),
        ]));
        let g = e.gql().unwrap();
        assert_eq!(g.gql_status, "50N42");
        assert_eq!(
            g.description,
            "error: general processing exception - unexpected error. not cool"
        );
        assert_eq!(g.classification, None);
        assert!(g.cause.is_none());
        let d = g.diagnostic_record.as_ref().unwrap();
        assert_eq!(
            d,
            &Map::of(&[
                ("OPERATION", s("")),
                ("OPERATION_CODE", s("0")),
                ("CURRENT_SCHEMA", s("/")),
            ])
        );
    }

    #[test]
    fn gql_failures_keep_what_was_sent_and_fill_missing_entries() {
        let cause = Map::of(&[
            ("gql_status", s("22N00")),
            ("description", s("inner")),
            ("message", s("inner msg")),
            (
                "diagnostic_record",
                Value::Map(Map::of(&[
                    ("OPERATION", Value::Null),
                    ("_classification", s("X")),
                ])),
            ),
        ]);
        let e = failure_error(&Map::of(&[
            ("gql_status", s("01N00")),
            ("description", s("outer")),
            ("message", s("outer msg")),
            ("neo4j_code", s("Neo.ClientError.User.Uncool")),
            (
                "diagnostic_record",
                Value::Map(Map::of(&[
                    ("CURRENT_SCHEMA", s("/x")),
                    ("_classification", s("CLIENT_ERROR")),
                ])),
            ),
            ("cause", Value::Map(cause)),
        ]));
        assert_eq!(e.server_code(), Some("Neo.ClientError.User.Uncool"));
        let g = e.gql().unwrap();
        assert_eq!(
            (g.gql_status.as_str(), g.description.as_str()),
            ("01N00", "outer")
        );
        assert_eq!(g.classification.as_deref(), Some("CLIENT_ERROR"));
        let d = g.diagnostic_record.as_ref().unwrap();
        assert_eq!(d.get("CURRENT_SCHEMA"), Some(&s("/x")));
        assert_eq!(d.get("OPERATION_CODE"), Some(&s("0")));
        let c = g.cause.as_deref().unwrap();
        assert_eq!(c.gql_status, "22N00");
        let cd = c.diagnostic_record.as_ref().unwrap();
        // A sent entry is kept even when it has the wrong type.
        assert_eq!(cd.get("OPERATION"), Some(&Value::Null));
        assert_eq!(cd.get("CURRENT_SCHEMA"), Some(&s("/")));
    }
}
