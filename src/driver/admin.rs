//! Connection administration: [`Driver::list_connections`], [`Driver::kill_connection`] and
//! [`Driver::kill_connections`], typed wrappers over the `dbms.listConnections`,
//! `dbms.killConnection` and `dbms.killConnections` procedures (Neo4j 4.x and 5.x).
//!
//! The procedures run as auto-commit queries in the driver's default (home) database; Neo4j
//! 4 and 5 accept these `dbms.*` procedures on any database. They act on the one server that
//! runs them: with routing (`neo4j://`), that is the writer of the home database.

use super::config::SessionConfig;
use super::driver::Driver;
use super::record::Record;
use crate::error::{Error, ErrorKind, Result};
use crate::value::{Map, Value};

/// One network connection of the server, a row of `CALL dbms.listConnections()`.
///
/// The server sends more columns on some versions; [`ConnectionInfo::raw`] keeps the row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConnectionInfo {
    /// The server's id of the connection, e.g. `bolt-21` (what a Bolt connection's HELLO
    /// reply calls `connection_id`, see [`crate::ServerInfo::connection_id`]).
    pub connection_id: String,
    /// When the connection was opened, as the server formats it (`2018-10-10T12:11:42.276Z`).
    pub connect_time: String,
    /// The connector that accepted it: `bolt`, `http`, `https`.
    pub connector: String,
    /// The authenticated user; `None` before authentication or for embedded use.
    pub username: Option<String>,
    /// The client's user agent (for Bolt, the HELLO `user_agent`, e.g. `boltc/0.1.0`).
    pub user_agent: String,
    /// The server address the connection is connected to.
    pub server_address: String,
    /// The client's address.
    pub client_address: String,
    /// The whole row, keyed by column name.
    pub raw: Map,
}

/// The outcome for one id of [`Driver::kill_connection`] / [`Driver::kill_connections`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KillResult {
    /// The connection id that was asked for.
    pub connection_id: String,
    /// Who owned the connection (`n/a` when none was found).
    pub username: String,
    /// The server's verdict, e.g. `Connection found` or `No connection found with this id`.
    pub message: String,
}

impl KillResult {
    /// Whether the server found (and terminated) the connection.
    pub fn found(&self) -> bool {
        self.message.eq_ignore_ascii_case("Connection found")
    }
}

impl Driver {
    /// Lists the server's network connections (`CALL dbms.listConnections()`): all of them
    /// for an administrator, the user's own otherwise.
    ///
    /// ```no_run
    /// # fn f(driver: &boltc::Driver) -> boltc::Result<()> {
    /// for c in driver.list_connections()? {
    ///     println!("{} {} {}", c.connection_id, c.user_agent, c.client_address);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// `Unsupported` when the server has no such procedure (e.g. FalkorDB, Memgraph); server
    /// errors such as `Neo.ClientError.Security.Forbidden`; connection errors.
    pub fn list_connections(&self) -> Result<Vec<ConnectionInfo>> {
        let rows = self.admin_call("dbms.listConnections", "CALL dbms.listConnections()", None)?;
        Ok(rows.iter().map(connection_info).collect())
    }

    /// Terminates the connection with server id `id` (`CALL dbms.killConnection($id)`); any
    /// query or transaction running on it ends. An unknown id is not an error: the result
    /// says `No connection found with this id` ([`KillResult::found`] is `false`).
    ///
    /// ```no_run
    /// # fn f(driver: &boltc::Driver) -> boltc::Result<()> {
    /// let r = driver.kill_connection("bolt-42")?;
    /// println!("{}: {}", r.connection_id, r.message);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// As [`Driver::list_connections`]; `Protocol` if the server returns no row.
    pub fn kill_connection(&self, id: &str) -> Result<KillResult> {
        let mut params = Map::new();
        params.insert("id".into(), Value::String(id.to_owned()));
        let rows = self.admin_call(
            "dbms.killConnection",
            "CALL dbms.killConnection($id)",
            Some(params),
        )?;
        rows.first()
            .map(kill_result)
            .ok_or_else(|| Error::new(ErrorKind::Protocol, "dbms.killConnection returned no row"))
    }

    /// Terminates the connections with the given server ids
    /// (`CALL dbms.killConnections($ids)`); one result per id.
    ///
    /// # Errors
    /// As [`Driver::list_connections`].
    pub fn kill_connections<I, S>(&self, ids: I) -> Result<Vec<KillResult>>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let ids: Vec<Value> = ids.into_iter().map(|s| Value::String(s.into())).collect();
        let mut params = Map::new();
        params.insert("ids".into(), Value::List(ids));
        let rows = self.admin_call(
            "dbms.killConnections",
            "CALL dbms.killConnections($ids)",
            Some(params),
        )?;
        Ok(rows.iter().map(kill_result).collect())
    }

    /// Runs an admin procedure in an auto-commit transaction and collects its rows; a missing
    /// procedure becomes `Unsupported`.
    fn admin_call(&self, procedure: &str, query: &str, params: Option<Map>) -> Result<Vec<Record>> {
        let mut session = self.session(SessionConfig::default())?;
        let run = || -> Result<(Vec<Record>, String)> {
            let mut stream = session.run(query, params)?;
            let mut rows = Vec::new();
            while stream.next_batch(usize::MAX, &mut rows)? {}
            let summary = stream.consume()?;
            Ok((rows, summary.server.address))
        };
        match run() {
            Ok((rows, address)) => {
                log::debug!("[#@{address}] {procedure}: {} row(s)", rows.len());
                Ok(rows)
            }
            Err(e) if is_missing_procedure(&e, procedure) => {
                Err(e.with_kind(ErrorKind::Unsupported).context(format_args!(
                    "the server does not provide the {procedure} procedure"
                )))
            }
            Err(e) => Err(e),
        }
    }
}

/// Whether `e` says the procedure does not exist: Neo4j's `ProcedureNotFound`, or another
/// server's error whose message says an (or this) procedure is unknown. FalkorDB, for one,
/// answers `Procedure `dbms.listConnections` is not registered` with the code `SyntaxError`.
fn is_missing_procedure(e: &Error, procedure: &str) -> bool {
    let Some(code) = e.server_code() else {
        return false;
    };
    if code == "Neo.ClientError.Procedure.ProcedureNotFound" {
        return true;
    }
    if code.starts_with("Neo.ClientError.Security.") {
        return false;
    }
    let msg = e.message().to_ascii_lowercase();
    let names_it = msg.contains(&procedure.to_ascii_lowercase()) || msg.contains("procedure");
    let unknown = [
        "not found",
        "not registered",
        "unknown procedure",
        "no procedure",
    ]
    .iter()
    .any(|w| msg.contains(w));
    names_it && unknown
}

fn text(r: &Record, key: &str) -> Option<String> {
    match r.value(key) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Null) | None => None,
        Some(other) => Some(format!("{other:?}")),
    }
}

fn connection_info(r: &Record) -> ConnectionInfo {
    let t = |k: &str| text(r, k).unwrap_or_default();
    ConnectionInfo {
        connection_id: t("connectionId"),
        connect_time: t("connectTime"),
        connector: t("connector"),
        username: text(r, "username"),
        user_agent: t("userAgent"),
        server_address: t("serverAddress"),
        client_address: t("clientAddress"),
        raw: r
            .keys()
            .iter()
            .cloned()
            .zip(r.values().iter().cloned())
            .collect(),
    }
}

fn kill_result(r: &Record) -> KillResult {
    let t = |k: &str| text(r, k).unwrap_or_default();
    KillResult {
        connection_id: t("connectionId"),
        username: t("username"),
        message: t("message"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_procedures_are_recognised() {
        let nf = Error::server(
            "Neo.ClientError.Procedure.ProcedureNotFound",
            "There is no procedure with the name `dbms.listConnections` registered",
        );
        assert!(is_missing_procedure(&nf, "dbms.listConnections"));
        let falkor = Error::server(
            "SyntaxError",
            "Procedure `dbms.listConnections` is not registered",
        );
        assert!(is_missing_procedure(&falkor, "dbms.listConnections"));
        let forbidden = Error::server("Neo.ClientError.Security.Forbidden", "no");
        assert!(!is_missing_procedure(&forbidden, "dbms.listConnections"));
        let lost = Error::new(ErrorKind::ServiceUnavailable, "dbms.listConnections");
        assert!(!is_missing_procedure(&lost, "dbms.listConnections"));
    }
}
