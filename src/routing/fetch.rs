//! Asking one router for a routing table: ROUTE (4.3+) or the routing procedures (3.x-4.2).

use super::table::RoutingTable;
use crate::bolt::compat::{Needs, RoutingRequest};
use crate::bolt::message::{Request, Response, TxMeta};
use crate::error::{Error, ErrorKind, Result};
use crate::pool::BoltConnection;
use crate::value::{Map, Value};

/// What a routing request asks for.
pub(crate) struct RouteRequest<'a> {
    pub(crate) context: &'a Map,
    pub(crate) bookmarks: &'a [String],
    pub(crate) database: Option<&'a str>,
    pub(crate) imp_user: Option<&'a str>,
    /// Credentials for the router connection (a session's), `None` for the driver's.
    pub(crate) auth: Option<&'a crate::bolt::AuthToken>,
}

/// Fetches a table over `conn`. A server FAILURE is returned as `Ok(Err(e))` after the
/// connection has been reset (so it can go back to the pool); transport errors as `Err`.
pub(crate) fn fetch(
    conn: &mut BoltConnection,
    req: &RouteRequest<'_>,
) -> Result<Result<RoutingTable>> {
    let compat = conn.compat();
    let needs = Needs {
        impersonation: req.imp_user.is_some(),
        database: req.database.is_some(),
        notification_filters: false,
    };
    if let Err(e) = compat.check(needs) {
        return Ok(Err(e));
    }
    let (query, multi_db) = match compat.routing_request() {
        RoutingRequest::Route => return fetch_with_route(conn, req),
        RoutingRequest::Procedure { query, multi_db } => (query, multi_db),
    };
    fetch_with_procedure(conn, req, query, multi_db)
}

/// ROUTE (4.3+).
fn fetch_with_route(
    conn: &mut BoltConnection,
    req: &RouteRequest<'_>,
) -> Result<Result<RoutingTable>> {
    // A re-authentication (LOGOFF/LOGON) may be queued ahead of ROUTE: it leaves with it
    // and its replies come first.
    let deferred = conn.take_deferred_auth();
    conn.send(&Request::Route {
        context: req.context,
        bookmarks: req.bookmarks,
        db: req.database,
        imp_user: req.imp_user,
    })?;
    let mut auth_failure = None;
    for _ in 0..deferred {
        if let Err(e) = conn.recv_summary()? {
            auth_failure.get_or_insert(e);
        }
    }
    if let Some(e) = auth_failure {
        // The ROUTE after a refused LOGON is IGNORED; the connection is not used again.
        let _ = conn.recv_summary();
        conn.mark_broken("re-authentication failed");
        return Ok(Err(e));
    }
    match conn.recv_summary()? {
        Ok(meta) => Ok(match meta.get("rt") {
            Some(Value::Map(rt)) => RoutingTable::from_route_reply(rt),
            _ => Err(Error::new(ErrorKind::Protocol, "ROUTE reply without rt")),
        }),
        Err(e) => reset(conn).map(|()| Err(e)),
    }
}

/// A routing procedure (3.x-4.2), `query` as [`Compat::routing_request`] says.
///
/// [`Compat::routing_request`]: crate::bolt::Compat::routing_request
fn fetch_with_procedure(
    conn: &mut BoltConnection,
    req: &RouteRequest<'_>,
    query: &str,
    multi_db: bool,
) -> Result<Result<RoutingTable>> {
    let mut params = Map::new();
    params.insert("context".into(), Value::Map(req.context.clone()));
    if multi_db {
        params.insert(
            "database".into(),
            req.database
                .map_or(Value::Null, |d| Value::String(d.to_owned())),
        );
    }
    let meta = TxMeta {
        bookmarks: if multi_db {
            req.bookmarks.into()
        } else {
            std::sync::Arc::default()
        },
        read: true,
        db: multi_db.then(|| "system".to_owned()),
        ..TxMeta::default()
    };
    conn.send(&Request::Run {
        query,
        params: Some(&params),
        meta: Some(&meta),
    })?;
    conn.send(&Request::Pull { n: -1, qid: -1 })?;
    let keys: Vec<String> = match conn.recv_summary()? {
        Ok(m) => match m.get("fields") {
            Some(Value::List(f)) => f
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        },
        Err(e) => {
            // The PULL is ignored after the failure.
            conn.recv()?;
            return reset(conn).map(|()| Err(e));
        }
    };
    let mut table = None;
    loop {
        match conn.recv()? {
            Response::Record(values) => table = Some(RoutingTable::from_record(&keys, &values)),
            Response::InvalidRecord(e) => table = Some(Err(Error::from(e))),
            Response::Success(_) => break,
            Response::Failure(m) => {
                let e = crate::bolt::response::failure_error(&m);
                return reset(conn).map(|()| Err(e));
            }
            Response::Ignored => break,
        }
    }
    Ok(table.unwrap_or_else(|| {
        Err(Error::new(
            ErrorKind::Protocol,
            "the routing procedure returned no record",
        ))
    }))
}

/// Clears a routing FAILURE. A connection that cannot be reset (the server may hang up after
/// an error) is marked broken: the server's error is what the caller reports, not the hang-up.
fn reset(conn: &mut BoltConnection) -> Result<()> {
    let ok = conn.send_clear_failure(false).is_ok() && matches!(conn.recv_summary(), Ok(Ok(_)));
    if !ok {
        conn.mark_broken("RESET failed after a routing failure");
    }
    Ok(())
}
