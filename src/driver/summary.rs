//! Result summaries: counters, query type, plan/profile, notifications, timings, server.
//!
//! File length: over 600 lines only with its unit tests.

use crate::bolt::response::fill_diagnostic_defaults;
use crate::bolt::ServerInfo;
use crate::error::{Error, ErrorKind, Result};
use crate::value::{Map, Value};
use std::sync::Arc;

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
///
/// Bolt 5.6+ servers send GQL status objects instead of notifications; a notification is then
/// derived from each status object that carries a legacy `neo4j_code`.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// The notification code.
    pub code: String,
    /// A short title.
    pub title: String,
    /// A longer description.
    pub description: String,
    /// `WARNING`, `INFORMATION`, ... as sent ("" if not sent).
    pub severity: String,
    /// The category (classification on 5.6+), if sent.
    pub category: Option<String>,
    /// The position in the query, if sent.
    pub position: Option<Map>,
    /// Everything the server sent (the status object on 5.6+).
    pub raw: Map,
}

impl Notification {
    /// The severity, parsed.
    pub fn severity_level(&self) -> Severity {
        Severity::parse(Some(&self.severity))
    }

    /// The category, parsed.
    pub fn category_level(&self) -> Classification {
        Classification::parse(self.category.as_deref())
    }
}

/// The severity of a notification or GQL status object.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// `WARNING`.
    Warning,
    /// `INFORMATION`.
    Information,
    /// Missing, or a value this driver does not know.
    Unknown,
}

impl Severity {
    fn parse(raw: Option<&str>) -> Severity {
        match raw {
            Some("WARNING") => Severity::Warning,
            Some("INFORMATION") => Severity::Information,
            _ => Severity::Unknown,
        }
    }

    /// The server's spelling (`UNKNOWN` for [`Severity::Unknown`]).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "WARNING",
            Severity::Information => "INFORMATION",
            Severity::Unknown => "UNKNOWN",
        }
    }
}

/// The category of a notification, or the classification of a GQL status object.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)] // the variants are the server's category names
pub enum Classification {
    Hint,
    Unrecognized,
    Unsupported,
    Performance,
    Deprecation,
    Security,
    Topology,
    Generic,
    Schema,
    /// Missing, or a value this driver does not know.
    Unknown,
}

impl Classification {
    const ALL: [Classification; 9] = [
        Classification::Hint,
        Classification::Unrecognized,
        Classification::Unsupported,
        Classification::Performance,
        Classification::Deprecation,
        Classification::Security,
        Classification::Topology,
        Classification::Generic,
        Classification::Schema,
    ];

    fn parse(raw: Option<&str>) -> Classification {
        Classification::ALL
            .into_iter()
            .find(|c| Some(c.as_str()) == raw)
            .unwrap_or(Classification::Unknown)
    }

    /// The server's spelling (`UNKNOWN` for [`Classification::Unknown`]).
    pub fn as_str(self) -> &'static str {
        match self {
            Classification::Hint => "HINT",
            Classification::Unrecognized => "UNRECOGNIZED",
            Classification::Unsupported => "UNSUPPORTED",
            Classification::Performance => "PERFORMANCE",
            Classification::Deprecation => "DEPRECATION",
            Classification::Security => "SECURITY",
            Classification::Topology => "TOPOLOGY",
            Classification::Generic => "GENERIC",
            Classification::Schema => "SCHEMA",
            Classification::Unknown => "UNKNOWN",
        }
    }
}

/// A GQL status object of a summary: as a Bolt 5.6+ server sent it, or derived from the
/// notifications and the outcome on older servers.
#[derive(Debug, Clone, PartialEq)]
pub struct GqlStatusObject {
    /// The GQLSTATUS code, e.g. `00000` or `01N42`.
    pub gql_status: String,
    /// The status description.
    pub status_description: String,
    /// The position in the query (`_position` of the diagnostic record), if sent as a map.
    pub position: Option<Map>,
    /// The classification as sent (`_classification`), if it is a string.
    pub raw_classification: Option<String>,
    /// The severity as sent (`_severity`), if it is a string.
    pub raw_severity: Option<String>,
    /// The diagnostic record as sent, with the default entries added where missing.
    pub diagnostic_record: Map,
    /// Whether the status is also a notification (it carries a legacy `neo4j_code`).
    pub is_notification: bool,
}

impl GqlStatusObject {
    pub(super) fn from_map(m: &Map) -> GqlStatusObject {
        let s = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_owned);
        let mut diagnostic_record = m
            .get("diagnostic_record")
            .and_then(Value::as_map)
            .cloned()
            .unwrap_or_default();
        fill_diagnostic_defaults(&mut diagnostic_record);
        let d = |k: &str| {
            diagnostic_record
                .get(k)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        GqlStatusObject {
            gql_status: s("gql_status").unwrap_or_default(),
            status_description: s("status_description").unwrap_or_default(),
            position: diagnostic_record
                .get("_position")
                .and_then(Value::as_map)
                .cloned(),
            raw_classification: d("_classification"),
            raw_severity: d("_severity"),
            is_notification: m
                .get("neo4j_code")
                .is_some_and(|c| !matches!(c, Value::Null)),
            diagnostic_record,
        }
    }

    /// The severity, parsed.
    pub fn severity(&self) -> Severity {
        Severity::parse(self.raw_severity.as_deref())
    }

    /// The classification, parsed.
    pub fn classification(&self) -> Classification {
        Classification::parse(self.raw_classification.as_deref())
    }

    /// The notification this status object stands for, if it is one.
    fn to_notification(&self, raw: &Map) -> Option<Notification> {
        if !self.is_notification {
            return None;
        }
        let s = |k: &str| {
            raw.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        Some(Notification {
            code: s("neo4j_code"),
            title: s("title"),
            description: s("description"),
            severity: self.raw_severity.clone().unwrap_or_default(),
            category: self.raw_classification.clone(),
            position: self.position.clone(),
            raw: raw.clone(),
        })
    }
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
    /// GQL status objects: as the server sent them (Bolt 5.6+, in its order), or derived from
    /// the outcome (`00000` records, `00001` no result columns, `02000` no data) and the
    /// notifications (`01N42` warnings, `03N42` others), in GQL order, for older servers.
    pub gql_status_objects: Vec<GqlStatusObject>,
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
    /// The `EXPLAIN` plan as a typed operator tree (the raw map is [`Summary::plan`]).
    pub fn plan_tree(&self) -> Option<Plan> {
        self.plan.as_ref().map(Plan::from_map)
    }

    /// The `PROFILE` profile as a typed operator tree, each operator with its
    /// [`PlanStats`] (the raw map is [`Summary::profile`]).
    pub fn profile_tree(&self) -> Option<Plan> {
        self.profile.as_ref().map(Plan::from_map)
    }

    /// Builds a summary from the RUN reply and the final PULL/DISCARD reply; `had_record`
    /// tells whether any record came back.
    ///
    /// # Errors
    /// `Protocol` when the server sent a query type Bolt does not define.
    pub(crate) fn build(
        query: String,
        parameters: Option<Map>,
        run_meta: Map,
        end_meta: Map,
        server: ServerInfo,
        had_record: bool,
    ) -> Result<Summary> {
        let mut meta = run_meta;
        meta.extend(end_meta);
        let s = |k: &str| meta.get(k).and_then(Value::as_str).map(str::to_owned);
        let map = |k: &str| meta.get(k).and_then(Value::as_map).cloned();
        let query_type = query_type(meta.get("type"), &server)?;
        let statuses: Vec<&Map> = meta
            .get("statuses")
            .and_then(Value::as_list)
            .map(|l| l.iter().filter_map(Value::as_map).collect())
            .unwrap_or_default();
        let gql_status_objects: Vec<GqlStatusObject> = if meta.contains_key("statuses") {
            statuses
                .iter()
                .map(|m| GqlStatusObject::from_map(m))
                .collect()
        } else {
            super::statuses::derive(&meta, had_record)
        };
        let notifications = match meta.get("notifications").and_then(Value::as_list) {
            Some(l) => l
                .iter()
                .filter_map(Value::as_map)
                .map(notification)
                .collect(),
            None => gql_status_objects
                .iter()
                .zip(&statuses)
                .filter_map(|(g, raw)| g.to_notification(raw))
                .collect(),
        };
        Ok(Summary {
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
        })
    }
}

/// One operator of an `EXPLAIN` plan or a `PROFILE` profile, with its inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The operator, e.g. `ProduceResults` (some servers append `@neo4j`: kept as sent).
    pub operator_type: String,
    /// The operator's arguments (estimated rows, the planner, the runtime, ...).
    pub arguments: Map,
    /// The variables the operator produces.
    pub identifiers: Vec<String>,
    /// The operators feeding this one.
    pub children: Vec<Plan>,
    /// What the operator did, for profiles (`None` in an `EXPLAIN` plan).
    pub stats: Option<PlanStats>,
}

/// What one operator of a `PROFILE` profile did; figures the server left out are 0.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PlanStats {
    /// Database hits.
    pub db_hits: i64,
    /// Rows produced.
    pub rows: i64,
    /// Page cache hits.
    pub page_cache_hits: i64,
    /// Page cache misses.
    pub page_cache_misses: i64,
    /// Page cache hit ratio (0 to 1).
    pub page_cache_hit_ratio: f64,
    /// Time spent, in the server's unit (nanoseconds on Neo4j 5).
    pub time: i64,
}

impl Plan {
    /// Reads a plan or profile map as the server sends it (`operatorType`, `args`,
    /// `identifiers`, `children`, and for profiles `dbHits`, `rows`, `pageCacheHits`, ...).
    /// Entries of the wrong type read as empty; a map without `dbHits` and `rows` is a plan
    /// without [`PlanStats`].
    pub fn from_map(m: &Map) -> Plan {
        let int = |k: &str| m.get(k).and_then(Value::as_int);
        let stats = (int("dbHits").is_some() || int("rows").is_some()).then(|| PlanStats {
            db_hits: int("dbHits").unwrap_or(0),
            rows: int("rows").unwrap_or(0),
            page_cache_hits: int("pageCacheHits").unwrap_or(0),
            page_cache_misses: int("pageCacheMisses").unwrap_or(0),
            page_cache_hit_ratio: m
                .get("pageCacheHitRatio")
                .and_then(Value::as_float)
                .unwrap_or(0.0),
            time: int("time").unwrap_or(0),
        });
        Plan {
            operator_type: m
                .get("operatorType")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            arguments: m
                .get("args")
                .and_then(Value::as_map)
                .cloned()
                .unwrap_or_default(),
            identifiers: m
                .get("identifiers")
                .and_then(Value::as_list)
                .unwrap_or_default()
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            children: m
                .get("children")
                .and_then(Value::as_list)
                .unwrap_or_default()
                .iter()
                .filter_map(Value::as_map)
                .map(Plan::from_map)
                .collect(),
            stats,
        }
    }

    /// This operator and all below it, depth first.
    pub fn walk(&self) -> Vec<&Plan> {
        let mut out = vec![self];
        for c in &self.children {
            out.extend(c.walk());
        }
        out
    }
}

/// The query type of a summary's `type` entry.
fn query_type(v: Option<&Value>, server: &ServerInfo) -> Result<Option<QueryType>> {
    Ok(match v {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) if t == "r" => Some(QueryType::Read),
        Some(Value::String(t)) if t == "rw" => Some(QueryType::ReadWrite),
        Some(Value::String(t)) if t == "w" => Some(QueryType::Write),
        Some(Value::String(t)) if t == "s" => Some(QueryType::Schema),
        Some(other) => {
            return Err(Error::new(
                ErrorKind::Protocol,
                format!(
                    "server {} sent an unknown query type {other:?}",
                    server.address
                ),
            ))
        }
    })
}

/// What a summary is built from: query, parameters, RUN reply, final reply, server, and
/// whether any record came back.
type Parts = (String, Option<Map>, Map, Map, Arc<ServerInfo>, bool);

/// A result's summary kept as received (query, parameters, the RUN and final replies) and
/// built on first request: most results are read and dropped without anyone asking for it.
#[derive(Debug)]
pub(crate) struct LazySummary {
    parts: Option<Box<Parts>>,
    built: Option<Box<Summary>>,
}

impl LazySummary {
    /// Keeps the parts of a summary, checking now what [`Summary::build`] would reject.
    ///
    /// # Errors
    /// As [`Summary::build`].
    pub(crate) fn new(
        query: String,
        parameters: Option<Map>,
        run_meta: Map,
        end_meta: Map,
        server: Arc<ServerInfo>,
        had_record: bool,
    ) -> Result<LazySummary> {
        // The final reply's entries win when the two replies are merged.
        query_type(
            end_meta.get("type").or_else(|| run_meta.get("type")),
            &server,
        )?;
        Ok(LazySummary {
            parts: Some(Box::new((
                query, parameters, run_meta, end_meta, server, had_record,
            ))),
            built: None,
        })
    }

    /// What it was kept from, when the summary was never built: the query text, the RUN reply
    /// and the final reply, for the session to decode the next result's into
    /// ([`crate::packstream::Decoder::read_map_into`]).
    pub(crate) fn into_unbuilt(self) -> Option<(String, Map, Map)> {
        self.parts.map(|parts| (parts.0, parts.2, parts.3))
    }

    /// The summary, built on the first call.
    ///
    /// # Errors
    /// As [`Summary::build`] (checked already by [`LazySummary::new`]).
    pub(crate) fn get(&mut self) -> Result<&Summary> {
        if let Some(parts) = self.parts.take() {
            let (query, parameters, run_meta, end_meta, server, had_record) = *parts;
            let server = Arc::unwrap_or_clone(server);
            self.built = Some(Box::new(Summary::build(
                query, parameters, run_meta, end_meta, server, had_record,
            )?));
        }
        self.built
            .as_deref()
            .ok_or_else(|| Error::new(ErrorKind::Protocol, "the result summary could not be built"))
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
    fn lazy_summaries_check_the_query_type_up_front_and_build_once() {
        let end = |t: &str| {
            let mut m = Map::new();
            m.insert("type".into(), Value::String(t.into()));
            m
        };
        let bad = LazySummary::new(
            "RETURN 1".into(),
            None,
            Map::new(),
            end("zz"),
            Arc::default(),
            false,
        );
        assert_eq!(bad.unwrap_err().kind(), ErrorKind::Protocol);
        // The final reply's type wins over the RUN reply's, as in the merged metadata.
        let mut lazy = LazySummary::new(
            "RETURN 1".into(),
            None,
            end("zz"),
            end("r"),
            Arc::default(),
            true,
        )
        .unwrap();
        assert_eq!(lazy.get().unwrap().query_type, Some(QueryType::Read));
        assert_eq!(lazy.get().unwrap().query, "RETURN 1");
    }

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
        let s = Summary::build(
            "CREATE ()".into(),
            None,
            run,
            end,
            ServerInfo::default(),
            false,
        )
        .unwrap();
        assert_eq!(s.counters.nodes_created, 2);
        assert!(s.counters.contains_updates);
        assert_eq!(s.query_type, Some(QueryType::Write));
        assert_eq!(
            (s.result_available_after, s.result_consumed_after),
            (Some(3), Some(7))
        );
        assert_eq!(s.database.as_deref(), Some("neo4j"));
    }

    #[test]
    fn plans_and_profiles_read_as_typed_trees() {
        let leaf: Map = [
            (
                "operatorType".to_owned(),
                Value::String("NodeByLabelScan@neo4j".into()),
            ),
            (
                "identifiers".to_owned(),
                Value::List(vec![Value::String("n".into())]),
            ),
            ("dbHits".to_owned(), Value::Int(6)),
            ("rows".to_owned(), Value::Int(5)),
            ("pageCacheHitRatio".to_owned(), Value::Float(0.5)),
        ]
        .into_iter()
        .collect();
        let root: Map = [
            (
                "operatorType".to_owned(),
                Value::String("ProduceResults".into()),
            ),
            (
                "args".to_owned(),
                Value::Map(
                    [("planner".to_owned(), Value::String("COST".into()))]
                        .into_iter()
                        .collect(),
                ),
            ),
            (
                "children".to_owned(),
                Value::List(vec![Value::Map(leaf), Value::Int(1)]),
            ),
        ]
        .into_iter()
        .collect();
        let p = Plan::from_map(&root);
        assert_eq!(p.operator_type, "ProduceResults");
        assert_eq!(
            p.arguments.get("planner"),
            Some(&Value::String("COST".into()))
        );
        assert!(p.stats.is_none() && p.identifiers.is_empty());
        assert_eq!(p.children.len(), 1, "a child that is no map is left out");
        let c = &p.children[0];
        assert_eq!(c.identifiers, ["n"]);
        let st = c.stats.unwrap();
        assert_eq!((st.db_hits, st.rows, st.page_cache_hits), (6, 5, 0));
        assert!((st.page_cache_hit_ratio - 0.5).abs() < f64::EPSILON);
        assert_eq!(p.walk().len(), 2);
    }
}
