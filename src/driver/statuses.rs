//! GQL status objects for summaries from servers that send none (before Bolt 5.6).
//!
//! Such a summary gets the status objects a 5.6+ server would have sent, derived from what the
//! server did send:
//!
//! * one status for the outcome: `00000` (records came back), `00001` (the query has no result
//!   columns: the result was omitted) or `02000` (result columns, but no record);
//! * one status per notification: `01N42` for a `WARNING`, `03N42` for anything else, with the
//!   notification's description (or a generic one), severity, category (as the classification)
//!   and position in the diagnostic record.
//!
//! They are ordered as GQL orders them: "no data" (`02`) first, then warnings (`01`), then
//! success (`00`), then the rest (informational `03`); the order among notifications is kept.

use super::summary::GqlStatusObject;
use crate::bolt::connection::fill_diagnostic_defaults;
use crate::value::{Map, Value};

/// The status objects standing in for a summary with `meta` (the RUN and final replies
/// merged), after `had_record` told whether any record came back.
pub(crate) fn derive(meta: &Map, had_record: bool) -> Vec<GqlStatusObject> {
    let no_columns = meta
        .get("fields")
        .and_then(Value::as_list)
        .map_or(true, |l| l.is_empty());
    let outcome = if had_record {
        plain("00000", "note: successful completion")
    } else if no_columns {
        plain("00001", "note: successful completion - omitted result")
    } else {
        plain("02000", "note: no data")
    };
    let mut all = vec![outcome];
    if let Some(list) = meta.get("notifications").and_then(Value::as_list) {
        all.extend(list.iter().filter_map(Value::as_map).map(from_notification));
    }
    // A stable sort keeps the server's order within each class.
    all.sort_by_key(|g| rank(&g.gql_status));
    all
}

/// GQL's order of status classes.
fn rank(gql_status: &str) -> u8 {
    match gql_status.get(..2) {
        Some("02") => 0,
        Some("01") => 1,
        Some("00") => 2,
        _ => 3,
    }
}

/// A status that is not a notification.
fn plain(gql_status: &str, description: &str) -> GqlStatusObject {
    let mut diagnostic_record = Map::new();
    fill_diagnostic_defaults(&mut diagnostic_record);
    GqlStatusObject {
        gql_status: gql_status.to_owned(),
        status_description: description.to_owned(),
        position: None,
        raw_classification: None,
        raw_severity: None,
        diagnostic_record,
        is_notification: false,
    }
}

/// The status a pre-5.6 notification stands for.
fn from_notification(n: &Map) -> GqlStatusObject {
    let text = |k: &str| n.get(k).and_then(Value::as_str).map(str::to_owned);
    let severity = text("severity");
    let category = text("category");
    let position = n.get("position").and_then(Value::as_map).cloned();
    let warning = severity.as_deref() == Some("WARNING");
    let (gql_status, fallback) = if warning {
        ("01N42", "warn: unknown warning")
    } else {
        ("03N42", "info: unknown notification")
    };
    let mut diagnostic_record = Map::new();
    fill_diagnostic_defaults(&mut diagnostic_record);
    if let Some(s) = &severity {
        diagnostic_record.insert("_severity".into(), Value::String(s.clone()));
    }
    if let Some(c) = &category {
        diagnostic_record.insert("_classification".into(), Value::String(c.clone()));
    }
    if let Some(p) = &position {
        diagnostic_record.insert("_position".into(), Value::Map(p.clone()));
    }
    GqlStatusObject {
        gql_status: gql_status.to_owned(),
        status_description: text("description").unwrap_or_else(|| fallback.to_owned()),
        position,
        raw_classification: category,
        raw_severity: severity,
        diagnostic_record,
        is_notification: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::summary::{Classification, Severity};

    fn map(entries: &[(&str, Value)]) -> Map {
        entries
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    fn s(v: &str) -> Value {
        Value::String(v.to_owned())
    }

    fn notification(severity: Option<&str>, description: Option<&str>) -> Value {
        let mut n = map(&[
            (
                "code",
                s("Neo.ClientNotification.Statement.CartesianProduct"),
            ),
            ("title", s("title")),
            ("category", s("PERFORMANCE")),
            ("position", Value::Map(map(&[("line", Value::Int(1))]))),
        ]);
        if let Some(sev) = severity {
            n.insert("severity".into(), s(sev));
        }
        if let Some(d) = description {
            n.insert("description".into(), s(d));
        }
        Value::Map(n)
    }

    fn codes(statuses: &[GqlStatusObject]) -> Vec<&str> {
        statuses.iter().map(|g| g.gql_status.as_str()).collect()
    }

    #[test]
    fn the_outcome_status_follows_records_and_columns() {
        let with_columns = map(&[("fields", Value::List(vec![s("n")]))]);
        let success = derive(&with_columns, true);
        assert_eq!(codes(&success), ["00000"]);
        assert_eq!(success[0].status_description, "note: successful completion");
        assert!(!success[0].is_notification);
        assert_eq!(success[0].severity(), Severity::Unknown);
        assert_eq!(
            success[0].diagnostic_record,
            map(&[
                ("OPERATION", s("")),
                ("OPERATION_CODE", s("0")),
                ("CURRENT_SCHEMA", s("/"))
            ])
        );
        assert_eq!(codes(&derive(&with_columns, false)), ["02000"]);
        let no_columns = map(&[("fields", Value::List(vec![]))]);
        assert_eq!(codes(&derive(&no_columns, false)), ["00001"]);
        assert_eq!(codes(&derive(&Map::new(), false)), ["00001"]);
    }

    #[test]
    fn notifications_become_statuses_in_gql_order() {
        let meta = map(&[
            ("fields", Value::List(vec![s("n")])),
            (
                "notifications",
                Value::List(vec![
                    notification(Some("INFORMATION"), Some("i1")),
                    notification(Some("WARNING"), Some("w1")),
                    notification(Some("BANANA"), None),
                    notification(Some("WARNING"), None),
                    notification(None, Some("none")),
                ]),
            ),
        ]);
        let got = derive(&meta, true);
        assert_eq!(
            codes(&got),
            ["01N42", "01N42", "00000", "03N42", "03N42", "03N42"]
        );
        let descriptions: Vec<&str> = got.iter().map(|g| g.status_description.as_str()).collect();
        assert_eq!(
            descriptions,
            [
                "w1",
                "warn: unknown warning",
                "note: successful completion",
                "i1",
                "info: unknown notification",
                "none"
            ]
        );
        let w = &got[0];
        assert!(w.is_notification);
        assert_eq!(w.severity(), Severity::Warning);
        assert_eq!(w.classification(), Classification::Performance);
        assert_eq!(w.raw_classification.as_deref(), Some("PERFORMANCE"));
        let position = map(&[("line", Value::Int(1))]);
        assert_eq!(w.position, Some(position.clone()));
        assert_eq!(
            w.diagnostic_record,
            map(&[
                ("OPERATION", s("")),
                ("OPERATION_CODE", s("0")),
                ("CURRENT_SCHEMA", s("/")),
                ("_severity", s("WARNING")),
                ("_classification", s("PERFORMANCE")),
                ("_position", Value::Map(position)),
            ])
        );
        // No severity: not in the record, parsed as unknown.
        let last = &got[5];
        assert_eq!(last.raw_severity, None);
        assert!(!last.diagnostic_record.contains_key("_severity"));
        // No data goes first, before the warnings.
        let meta_no_data = map(&[
            ("fields", Value::List(vec![s("n")])),
            (
                "notifications",
                Value::List(vec![notification(Some("WARNING"), Some("w"))]),
            ),
        ]);
        assert_eq!(codes(&derive(&meta_no_data, false)), ["02000", "01N42"]);
    }
}
