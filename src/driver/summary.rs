//! Result summaries: counters, query type, plan/profile, notifications, timings, server.

use crate::bolt::ServerInfo;
use crate::value::{Map, Value};

/// What a query changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[allow(missing_docs)] // the field names are the server's statistic names
pub struct Counters {
    pub nodes_created: i64,
    pub nodes_deleted: i64,
    pub relationships_created: i64,
    pub relationships_deleted: i64,
    pub properties_set: i64,
    pub labels_added: i64,
    pub labels_removed: i64,
    pub indexes_added: i64,
    pub indexes_removed: i64,
    pub constraints_added: i64,
    pub constraints_removed: i64,
    pub system_updates: i64,
    /// Whether the server reported `contains-updates` (or any update counter is non-zero).
    pub contains_updates: bool,
    /// Whether the server reported `contains-system-updates`.
    pub contains_system_updates: bool,
}

impl Counters {
    fn from_stats(stats: &Map) -> Counters {
        let n = |k: &str| stats.get(k).and_then(Value::as_int).unwrap_or(0);
        let mut c = Counters {
            nodes_created: n("nodes-created"),
            nodes_deleted: n("nodes-deleted"),
            relationships_created: n("relationships-created"),
            relationships_deleted: n("relationships-deleted"),
            properties_set: n("properties-set"),
            labels_added: n("labels-added"),
            labels_removed: n("labels-removed"),
            indexes_added: n("indexes-added"),
            indexes_removed: n("indexes-removed"),
            constraints_added: n("constraints-added"),
            constraints_removed: n("constraints-removed"),
            system_updates: n("system-updates"),
            contains_updates: false,
            contains_system_updates: false,
        };
        let any = c.nodes_created
            + c.nodes_deleted
            + c.relationships_created
            + c.relationships_deleted
            + c.properties_set
            + c.labels_added
            + c.labels_removed
            + c.indexes_added
            + c.indexes_removed
            + c.constraints_added
            + c.constraints_removed
            > 0;
        c.contains_updates = stats
            .get("contains-updates")
            .and_then(Value::as_bool)
            .unwrap_or(any);
        c.contains_system_updates = stats
            .get("contains-system-updates")
            .and_then(Value::as_bool)
            .unwrap_or(c.system_updates > 0);
        c
    }
}

/// The kind of query, as the server classified it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryType {
    /// Read only (`r`).
    Read,
    /// Read and write (`rw`).
    ReadWrite,
    /// Write only (`w`).
    Write,
    /// Schema changes (`s`).
    Schema,
}

/// A notification about the query (a warning, a hint).
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// The notification code.
    pub code: String,
    /// A short title.
    pub title: String,
    /// A longer description.
    pub description: String,
    /// `WARNING`, `INFORMATION`, ...
    pub severity: String,
    /// The category, if sent.
    pub category: Option<String>,
    /// The position in the query, if sent.
    pub position: Option<Map>,
    /// Everything the server sent.
    pub raw: Map,
}

/// The summary of a finished result.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The query text.
    pub query: String,
    /// The query parameters.
    pub parameters: Option<Map>,
    /// What the query changed.
    pub counters: Counters,
    /// The kind of query.
    pub query_type: Option<QueryType>,
    /// The plan, for `EXPLAIN` queries.
    pub plan: Option<Map>,
    /// The profile, for `PROFILE` queries.
    pub profile: Option<Map>,
    /// Notifications.
    pub notifications: Vec<Notification>,
    /// GQL status objects (Bolt 5.6+).
    pub gql_status_objects: Vec<Map>,
    /// Milliseconds until the first record was available.
    pub result_available_after: Option<i64>,
    /// Milliseconds until the last record was consumed.
    pub result_consumed_after: Option<i64>,
    /// The server and connection that ran the query.
    pub server: ServerInfo,
    /// The database the query ran in.
    pub database: Option<String>,
    /// The bookmark, for auto-commit queries.
    pub bookmark: Option<String>,
    /// Everything the server sent in the RUN reply and the final reply, merged.
    pub metadata: Map,
}

impl Summary {
    /// Builds a summary from the RUN reply and the final PULL/DISCARD reply.
    pub(crate) fn build(
        query: String,
        parameters: Option<Map>,
        run_meta: Map,
        end_meta: Map,
        server: ServerInfo,
    ) -> Summary {
        let mut meta = run_meta;
        meta.extend(end_meta);
        let s = |k: &str| meta.get(k).and_then(Value::as_str).map(str::to_owned);
        let map = |k: &str| meta.get(k).and_then(Value::as_map).cloned();
        let query_type = match meta.get("type").and_then(Value::as_str) {
            Some("r") => Some(QueryType::Read),
            Some("rw") => Some(QueryType::ReadWrite),
            Some("w") => Some(QueryType::Write),
            Some("s") => Some(QueryType::Schema),
            _ => None,
        };
        let notifications = meta
            .get("notifications")
            .and_then(Value::as_list)
            .map(|l| {
                l.iter()
                    .filter_map(Value::as_map)
                    .map(notification)
                    .collect()
            })
            .unwrap_or_default();
        let gql_status_objects = meta
            .get("statuses")
            .and_then(Value::as_list)
            .map(|l| l.iter().filter_map(Value::as_map).cloned().collect())
            .unwrap_or_default();
        Summary {
            query,
            parameters,
            counters: map("stats")
                .map(|m| Counters::from_stats(&m))
                .unwrap_or_default(),
            query_type,
            plan: map("plan"),
            profile: map("profile"),
            notifications,
            gql_status_objects,
            result_available_after: meta
                .get("t_first")
                .or_else(|| meta.get("result_available_after"))
                .and_then(Value::as_int),
            result_consumed_after: meta
                .get("t_last")
                .or_else(|| meta.get("result_consumed_after"))
                .and_then(Value::as_int),
            server,
            database: s("db"),
            bookmark: s("bookmark"),
            metadata: meta,
        }
    }
}

fn notification(m: &Map) -> Notification {
    let s = |k: &str| {
        m.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    Notification {
        code: s("code"),
        title: s("title"),
        description: s("description"),
        severity: s("severity"),
        category: m.get("category").and_then(Value::as_str).map(str::to_owned),
        position: m.get("position").and_then(Value::as_map).cloned(),
        raw: m.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_counters_type_and_timings() {
        let mut stats = Map::new();
        stats.insert("nodes-created".into(), Value::Int(2));
        let mut end = Map::new();
        end.insert("stats".into(), Value::Map(stats));
        end.insert("type".into(), Value::String("w".into()));
        end.insert("t_last".into(), Value::Int(7));
        end.insert("db".into(), Value::String("neo4j".into()));
        let mut run = Map::new();
        run.insert("t_first".into(), Value::Int(3));
        let s = Summary::build("CREATE ()".into(), None, run, end, ServerInfo::default());
        assert_eq!(s.counters.nodes_created, 2);
        assert!(s.counters.contains_updates);
        assert_eq!(s.query_type, Some(QueryType::Write));
        assert_eq!(
            (s.result_available_after, s.result_consumed_after),
            (Some(3), Some(7))
        );
        assert_eq!(s.database.as_deref(), Some("neo4j"));
    }
}
