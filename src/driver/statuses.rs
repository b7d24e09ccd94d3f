//! GQL status objects for summaries from servers that send none (before Bolt 5.6): the
//! statuses a 5.6+ server would have sent, as [`status_polyfill`] derives them (that rule
//! lives with the other version-dependent ones in `bolt/compat.rs`), parsed as if the server
//! had sent them.

use super::summary::GqlStatusObject;
use crate::bolt::compat::status_polyfill;
use crate::value::Map;

/// The status objects standing in for a summary with `meta` (the RUN and final replies
/// merged), after `had_record` told whether any record came back.
pub(crate) fn derive(meta: &Map, had_record: bool) -> Vec<GqlStatusObject> {
    status_polyfill(meta, had_record)
        .iter()
        .map(GqlStatusObject::from_map)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::summary::{Classification, Severity};
    use crate::value::Value;

    fn s(v: &str) -> Value {
        Value::String(v.to_owned())
    }

    fn notification(severity: Option<&str>, description: Option<&str>) -> Value {
        let mut n = Map::of(&[
            (
                "code",
                s("Neo.ClientNotification.Statement.CartesianProduct"),
            ),
            ("title", s("title")),
            ("category", s("PERFORMANCE")),
            ("position", Value::Map(Map::of(&[("line", Value::Int(1))]))),
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
        let with_columns = Map::of(&[("fields", Value::List(vec![s("n")]))]);
        let success = derive(&with_columns, true);
        assert_eq!(codes(&success), ["00000"]);
        assert_eq!(success[0].status_description, "note: successful completion");
        assert!(!success[0].is_notification);
        assert_eq!(success[0].severity(), Severity::Unknown);
        assert_eq!(
            success[0].diagnostic_record,
            Map::of(&[
                ("OPERATION", s("")),
                ("OPERATION_CODE", s("0")),
                ("CURRENT_SCHEMA", s("/"))
            ])
        );
        assert_eq!(codes(&derive(&with_columns, false)), ["02000"]);
        let no_columns = Map::of(&[("fields", Value::List(vec![]))]);
        assert_eq!(codes(&derive(&no_columns, false)), ["00001"]);
        assert_eq!(codes(&derive(&Map::new(), false)), ["00001"]);
    }

    #[test]
    fn notifications_become_statuses_in_gql_order() {
        let meta = Map::of(&[
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
        let position = Map::of(&[("line", Value::Int(1))]);
        assert_eq!(w.position, Some(position.clone()));
        assert_eq!(
            w.diagnostic_record,
            Map::of(&[
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
        let meta_no_data = Map::of(&[
            ("fields", Value::List(vec![s("n")])),
            (
                "notifications",
                Value::List(vec![notification(Some("WARNING"), Some("w"))]),
            ),
        ]);
        assert_eq!(codes(&derive(&meta_no_data, false)), ["02000", "01N42"]);
    }
}
