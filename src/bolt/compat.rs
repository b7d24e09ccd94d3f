//! Every rule that depends on the negotiated Bolt version, in one place.
//!
//! The layers above `bolt/` (auth, pool, routing, driver) never compare versions or read
//! [`Features`] flags themselves: they ask a connection's [`Compat`] a question named for what
//! they want to do, and get an answer or a ready-made "needs Bolt x.y" error. The table below
//! lists every such rule; [`Features`] (in `version.rs`) says which version brought what.
//!
//! | rule                                      | where it is asked              | since     |
//! |-------------------------------------------|--------------------------------|-----------|
//! | several results open in one transaction   | session (`tx_run`)             | 4.0       |
//! | impersonation / database / notification   | session, routing (`check`)     | 4.4/4.0/5.2 |
//! | session credentials                       | connector, auth (`check_...`)  | 5.1       |
//! | re-authentication in place (LOGOFF/LOGON) | auth, pool                     | 5.1       |
//! | routing table: ROUTE or a procedure       | routing (`routing_request`)    | 4.3 / 4.0 |
//! | the home database in replies (cacheable)  | routing                        | 5.8       |
//! | BEGIN/COMMIT/ROLLBACK as RUN + PULL_ALL   | connection (`tx_statement`)    | before 3  |
//! | ACK_FAILURE outside transactions          | connection (`clear_failure`)   | before 3  |
//! | GQL statuses derived from notifications   | summary ([`status_polyfill`])  | before 5.6|

use super::response::fill_diagnostic_defaults;
use super::version::{Features, Version};
use crate::error::{Error, ErrorKind, Result};
use crate::value::{Map, Value};

/// The version-dependent rules of one connection (cheap to copy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compat {
    version: Version,
    features: Features,
}

/// What a request carries that older servers cannot do (see [`Compat::check`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Needs {
    /// It runs as another user (`imp_user`).
    pub impersonation: bool,
    /// It names a database.
    pub database: bool,
    /// It carries a notification filter.
    pub notification_filters: bool,
}

/// How to ask a router for its routing table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoutingRequest {
    /// The ROUTE message (4.3+).
    Route,
    /// A RUN of a routing procedure with PULL_ALL.
    Procedure {
        /// The procedure call.
        query: &'static str,
        /// Whether the procedure takes a `$database` and runs against `system` with the
        /// bookmarks (4.0+); before 4.0 there is one database and no bookmarks.
        multi_db: bool,
    },
}

/// How a transaction statement (BEGIN, COMMIT, ROLLBACK) goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxStatement {
    /// Its own message, one reply (3+).
    Message,
    /// `RUN "BEGIN"` (or COMMIT/ROLLBACK) and PULL_ALL, two replies (Bolt 1-2); the COMMIT
    /// bookmark comes with the second.
    RunPullAll,
}

impl Compat {
    /// The rules of `version`.
    pub fn new(version: Version) -> Compat {
        Compat::with_features(version, version.features())
    }

    /// The rules of `version` with the features the connection negotiated (HELLO may patch
    /// them, e.g. UTC datetimes on 4.3-4.4).
    pub(crate) fn with_features(version: Version, features: Features) -> Compat {
        Compat { version, features }
    }

    /// The negotiated version.
    pub fn version(self) -> Version {
        self.version
    }

    /// Refuses a request that needs more than this version can do, with an `Unsupported`
    /// error naming the version it needs.
    ///
    /// # Errors
    /// `Unsupported`: impersonation before 4.4, notification filters before 5.2, a database
    /// before 4.0 (checked in that order).
    pub fn check(self, needs: Needs) -> Result<()> {
        let f = &self.features;
        if needs.impersonation && !f.imp_user {
            return Err(self.unsupported("impersonation needs Bolt 4.4+"));
        }
        if needs.notification_filters && !f.notification_filters {
            return Err(self.unsupported("notification filters need Bolt 5.2+"));
        }
        if needs.database && !f.pull_n {
            return Err(self.unsupported("selecting a database needs Bolt 4.0+"));
        }
        Ok(())
    }

    /// Refuses session credentials (a session's own auth token) before 5.1.
    ///
    /// # Errors
    /// `Unsupported` before 5.1.
    pub fn check_session_auth(self) -> Result<()> {
        if self.features.logon {
            Ok(())
        } else {
            Err(self.unsupported("session credentials need Bolt 5.1+"))
        }
    }

    /// Whether the connection can change or renew its credentials in place (LOGOFF/LOGON,
    /// 5.1+); before, a connection with other credentials is replaced.
    pub fn can_reauthenticate(self) -> bool {
        self.features.logon
    }

    /// Whether several results of a transaction may be open at once (PULL with `n` and
    /// `qid`, 4.0+); before, a result is pulled in full before the next query runs.
    pub fn several_open_results(self) -> bool {
        self.features.pull_n
    }

    /// Whether BEGIN/RUN replies name the database they ran in (5.8+), which makes a home
    /// database resolved by a routing request safe to cache.
    pub fn echoes_home_database(self) -> bool {
        self.features.home_db_echo
    }

    /// How to fetch a routing table: ROUTE (4.3+), `dbms.routing.getRoutingTable` (4.0-4.2)
    /// or `dbms.cluster.routing.getRoutingTable` (3.x).
    pub fn routing_request(self) -> RoutingRequest {
        if self.features.route {
            RoutingRequest::Route
        } else if self.features.pull_n {
            RoutingRequest::Procedure {
                query: "CALL dbms.routing.getRoutingTable($context, $database)",
                multi_db: true,
            }
        } else {
            RoutingRequest::Procedure {
                query: "CALL dbms.cluster.routing.getRoutingTable($context)",
                multi_db: false,
            }
        }
    }

    /// How BEGIN, COMMIT and ROLLBACK go out.
    pub fn tx_statement(self) -> TxStatement {
        if self.features.hello {
            TxStatement::Message
        } else {
            TxStatement::RunPullAll
        }
    }

    /// Whether a FAILURE is cleared with RESET (3+, or inside a transaction, so that the
    /// failed transaction is rolled back as on 3+); else with ACK_FAILURE.
    pub fn clears_failure_with_reset(self, in_tx: bool) -> bool {
        self.features.hello || in_tx
    }

    fn unsupported(self, what: &str) -> Error {
        Error::new(
            ErrorKind::Unsupported,
            format!("{what}, the server speaks {}", self.version),
        )
    }
}

/// The `statuses` a 5.6+ server would have sent for a summary from an older one (which sends
/// none), derived from what it did send: `meta` (the RUN and final replies merged) and
/// whether any record came back.
///
/// * one status for the outcome: `00000` (records came back), `00001` (the query has no
///   result columns: the result was omitted) or `02000` (result columns, but no record);
/// * one status per notification: `01N42` for a `WARNING`, `03N42` for anything else, with
///   the notification's description (or a generic one), code, severity, category (as the
///   classification) and position in the diagnostic record.
///
/// They are ordered as GQL orders them: "no data" (`02`) first, then warnings (`01`), then
/// success (`00`), then the rest (informational `03`); the order among notifications is kept.
pub fn status_polyfill(meta: &Map, had_record: bool) -> Vec<Map> {
    let no_columns = meta
        .get("fields")
        .and_then(Value::as_list)
        .map_or(true, |l| l.is_empty());
    let outcome = if had_record {
        plain_status("00000", "note: successful completion")
    } else if no_columns {
        plain_status("00001", "note: successful completion - omitted result")
    } else {
        plain_status("02000", "note: no data")
    };
    let mut all = vec![outcome];
    if let Some(list) = meta.get("notifications").and_then(Value::as_list) {
        all.extend(
            list.iter()
                .filter_map(Value::as_map)
                .map(notification_status),
        );
    }
    // A stable sort keeps the server's order within each class.
    all.sort_by_key(|g| rank(g.get("gql_status").and_then(Value::as_str).unwrap_or("")));
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
fn plain_status(gql_status: &str, description: &str) -> Map {
    let mut diagnostic_record = Map::new();
    fill_diagnostic_defaults(&mut diagnostic_record);
    let mut m = Map::new();
    m.insert("gql_status".into(), Value::String(gql_status.to_owned()));
    m.insert(
        "status_description".into(),
        Value::String(description.to_owned()),
    );
    m.insert("diagnostic_record".into(), Value::Map(diagnostic_record));
    m
}

/// The status a pre-5.6 notification stands for; its `neo4j_code` marks it as a notification.
fn notification_status(n: &Map) -> Map {
    let text = |k: &str| n.get(k).and_then(Value::as_str);
    let severity = text("severity");
    let (gql_status, fallback) = if severity == Some("WARNING") {
        ("01N42", "warn: unknown warning")
    } else {
        ("03N42", "info: unknown notification")
    };
    let mut diagnostic_record = Map::new();
    fill_diagnostic_defaults(&mut diagnostic_record);
    if let Some(s) = severity {
        diagnostic_record.insert("_severity".into(), Value::String(s.to_owned()));
    }
    if let Some(c) = text("category") {
        diagnostic_record.insert("_classification".into(), Value::String(c.to_owned()));
    }
    if let Some(p) = n.get("position").and_then(Value::as_map) {
        diagnostic_record.insert("_position".into(), Value::Map(p.clone()));
    }
    let mut m = Map::new();
    m.insert("gql_status".into(), Value::String(gql_status.to_owned()));
    m.insert(
        "status_description".into(),
        Value::String(text("description").unwrap_or(fallback).to_owned()),
    );
    m.insert(
        "neo4j_code".into(),
        Value::String(text("code").unwrap_or_default().to_owned()),
    );
    m.insert("diagnostic_record".into(), Value::Map(diagnostic_record));
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compat(major: u8, minor: u8) -> Compat {
        Compat::new(Version::new(major, minor))
    }

    fn err(r: Result<()>) -> String {
        r.expect_err("refused").to_string()
    }

    #[test]
    fn requests_beyond_the_version_are_refused_naming_it() {
        let imp = Needs {
            impersonation: true,
            ..Needs::default()
        };
        assert!(err(compat(4, 3).check(imp)).contains("impersonation needs Bolt 4.4+"));
        assert!(err(compat(4, 3).check(imp)).contains("the server speaks 4.3"));
        assert!(compat(4, 4).check(imp).is_ok());
        let db = Needs {
            database: true,
            ..Needs::default()
        };
        assert!(err(compat(3, 0).check(db)).contains("selecting a database needs Bolt 4.0+"));
        assert!(compat(4, 0).check(db).is_ok());
        let filters = Needs {
            notification_filters: true,
            ..Needs::default()
        };
        assert!(err(compat(5, 1).check(filters)).contains("notification filters need Bolt 5.2+"));
        assert!(compat(5, 2).check(filters).is_ok());
        assert!(err(compat(5, 0).check_session_auth()).contains("need Bolt 5.1+"));
        assert!(compat(5, 1).check_session_auth().is_ok());
    }

    #[test]
    fn routing_requests_by_version() {
        assert_eq!(compat(4, 3).routing_request(), RoutingRequest::Route);
        assert!(matches!(
            compat(4, 0).routing_request(),
            RoutingRequest::Procedure { multi_db: true, query } if query.contains("dbms.routing")
        ));
        assert!(matches!(
            compat(3, 0).routing_request(),
            RoutingRequest::Procedure { multi_db: false, query } if query.contains("dbms.cluster")
        ));
    }

    #[test]
    fn transaction_statements_and_failure_clearing_before_bolt_3() {
        assert_eq!(compat(2, 0).tx_statement(), TxStatement::RunPullAll);
        assert_eq!(compat(3, 0).tx_statement(), TxStatement::Message);
        assert!(!compat(2, 0).clears_failure_with_reset(false));
        assert!(compat(2, 0).clears_failure_with_reset(true));
        assert!(compat(3, 0).clears_failure_with_reset(false));
    }

    #[test]
    fn the_other_rules_follow_their_versions() {
        assert!(!compat(5, 0).can_reauthenticate() && compat(5, 1).can_reauthenticate());
        assert!(!compat(3, 0).several_open_results() && compat(4, 0).several_open_results());
        assert!(!compat(5, 7).echoes_home_database() && compat(5, 8).echoes_home_database());
    }
}
