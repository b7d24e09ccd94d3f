//! Performs TestKit requests with boltc.
//!
//! One [`Handler`] per TestKit connection owns every driver object that connection created,
//! keyed by string ids; dropping it closes them all.
//!
//! Retryable transaction functions (`SessionReadTransaction` / `SessionWriteTransaction`) are a
//! conversation: TestKit runs the function body itself and reports `RetryablePositive` (commit)
//! or `RetryableNegative` (give up / failed). boltc's own transaction functions
//! (`Session::execute_read`/`execute_write`) take a Rust closure, which cannot wait for TestKit
//! between calls, so the backend drives the attempts itself (see [`Retry`]), beginning each with
//! `Session::begin_detached_in_mode` in the function's access mode, and asks the library's
//! retry loop ([`RetryLoop::retry_after`], with the driver's policy and maximum retry time)
//! after each failure whether to run another: it has no retry rule or backoff of its own.

mod api;

use crate::connection::Responder;
use crate::cypher;
use crate::features;
use crate::managers::{auth_token, AuthKind, Managers};
use crate::registry::{Ids, Table};
use crate::requests::{NewDriver, NewSession, Request, TxConfig};
use crate::responses::{self, Counters, SummaryData};
use crate::routing;
use boltc::{
    AccessMode, AuthToken, Config, Driver, Error, ErrorKind, GqlStatusObject, Notification,
    NotificationFilter, QueryType, ResultId, RetryLoop, Session, SessionConfig, Summary,
    TelemetryApi, TransactionConfig, TrustStrategy, Value,
};
use serde_json::{json, Value as Json};
use std::time::Duration;

/// What a failed request answers: a driver error (registered so TestKit can refer to it) or a
/// backend problem.
enum Failure {
    Driver(Error),
    Backend(String),
    Frontend(String),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::Driver(e)
    }
}

impl From<String> for Failure {
    fn from(msg: String) -> Failure {
        Failure::Backend(msg)
    }
}

type Reply = Result<Json, Failure>;

struct DriverEntry {
    driver: Driver,
}

/// A retryable transaction function in progress.
struct Retry {
    config: TransactionConfig,
    mode: AccessMode,
    /// The library's retry loop: decides after each failure, and waits the backoff.
    retry: RetryLoop,
}

struct SessionEntry {
    session: Session,
    driver_id: String,
    retry: Option<Retry>,
}

struct TxEntry {
    session_id: String,
    open: bool,
}

struct ResultEntry {
    session_id: String,
    handle: ResultId,
    /// The summary once consumed, so a second consume works after the session closed.
    summary: Option<Box<Summary>>,
}

/// The state of one TestKit connection: every object it created, by id.
pub struct Handler {
    /// Asks TestKit to run callbacks (resolvers, auth and bookmark managers).
    responder: Responder,
    ids: Ids,
    drivers: Table<DriverEntry>,
    sessions: Table<SessionEntry>,
    txs: Table<TxEntry>,
    results: Table<ResultEntry>,
    errors: Table<Error>,
    /// Bookmark and auth token managers TestKit created (see `managers.rs`).
    managers: Managers,
}

impl Drop for Handler {
    fn drop(&mut self) {
        self.sessions.retain(|_, s| {
            let _ = s.session.close();
            false
        });
        self.drivers.retain(|_, d| {
            d.driver.close();
            false
        });
    }
}

fn unsupported(what: &str) -> Failure {
    Failure::Backend(format!("{what} is not supported by boltc yet"))
}

fn tx_config(tx: &TxConfig) -> Result<TransactionConfig, Failure> {
    let timeout = match tx.timeout_ms {
        None | Some(None) => None,
        Some(Some(ms)) if ms < 0 => {
            return Err(Failure::Driver(Error::new(
                ErrorKind::InvalidArgument,
                format!("transaction timeout must not be negative, got {ms} ms"),
            )))
        }
        Some(Some(ms)) => Some(Duration::from_millis(ms.unsigned_abs())),
    };
    Ok(TransactionConfig {
        metadata: tx.metadata.clone(),
        timeout,
    })
}

fn query_type(q: QueryType) -> &'static str {
    match q {
        QueryType::Read => "r",
        QueryType::ReadWrite => "rw",
        QueryType::Write => "w",
        QueryType::Schema => "s",
    }
}

fn notification_json(n: &Notification) -> Json {
    let mut j = json!({
        "code": n.code,
        "title": n.title,
        "description": n.description,
        "severity": n.severity,
        "rawSeverityLevel": n.severity,
        "severityLevel": n.severity_level().as_str(),
        "rawCategory": n.category.clone().unwrap_or_default(),
        "category": n.category_level().as_str(),
    });
    if let Some(p) = &n.position {
        j["position"] = cypher::to_plain_json(&Value::Map(p.clone()));
    }
    j
}

fn gql_status_json(g: &GqlStatusObject) -> Json {
    json!({
        "gqlStatus": g.gql_status,
        "statusDescription": g.status_description,
        "position": g.position.as_ref().map(|p| cypher::to_plain_json(&Value::Map(p.clone()))),
        "classification": g.classification().as_str(),
        "rawClassification": g.raw_classification,
        "severity": g.severity().as_str(),
        "rawSeverity": g.raw_severity,
        "diagnosticRecord": cypher::map_to_cypher_object(&g.diagnostic_record),
        "isNotification": g.is_notification,
    })
}

fn summary_data(s: &Summary) -> SummaryData {
    let c = &s.counters;
    // TestKit tells "the server sent no notifications" (null) from an empty list before 5.6;
    // from 5.6 on notifications are derived from the status objects, so there always is a list.
    let sent = s.metadata.contains_key("notifications") || s.server.protocol_version >= (5, 6);
    let notifications = (sent || !s.notifications.is_empty())
        .then(|| Json::Array(s.notifications.iter().map(notification_json).collect()));
    // Sent by 5.6+ servers, derived by the driver before.
    let gql_status_objects = Some(Json::Array(
        s.gql_status_objects.iter().map(gql_status_json).collect(),
    ));
    let (major, minor) = s.server.protocol_version;
    SummaryData {
        address: s.server.address.clone(),
        agent: s.server.agent.clone(),
        protocol_version: format!("{major}.{minor}"),
        counters: Counters {
            constraints_added: c.constraints_added,
            constraints_removed: c.constraints_removed,
            contains_system_updates: c.contains_system_updates,
            contains_updates: c.contains_updates,
            indexes_added: c.indexes_added,
            indexes_removed: c.indexes_removed,
            labels_added: c.labels_added,
            labels_removed: c.labels_removed,
            nodes_created: c.nodes_created,
            nodes_deleted: c.nodes_deleted,
            properties_set: c.properties_set,
            relationships_created: c.relationships_created,
            relationships_deleted: c.relationships_deleted,
            system_updates: c.system_updates,
        },
        database: s.database.clone(),
        notifications,
        gql_status_objects,
        plan: s
            .plan
            .as_ref()
            .map(|p| cypher::to_plain_json(&Value::Map(p.clone()))),
        profile: s
            .profile
            .as_ref()
            .map(|p| cypher::to_plain_json(&Value::Map(p.clone()))),
        query_text: s.query.clone(),
        query_parameters: s
            .parameters
            .as_ref()
            .map(cypher::map_to_cypher_object)
            .unwrap_or_else(|| json!({})),
        query_type: s.query_type.map(|q| query_type(q).to_owned()),
        result_available_after: s.result_available_after,
        result_consumed_after: s.result_consumed_after,
    }
}

impl Handler {
    pub fn new(responder: Responder) -> Handler {
        Handler {
            managers: Managers::new(responder.clone()),
            responder,
            ids: Ids::default(),
            drivers: Table::new("driver"),
            sessions: Table::new("session"),
            txs: Table::new("transaction"),
            results: Table::new("result"),
            errors: Table::new("error"),
        }
    }

    /// Handles one request; `None` when the request expects no response.
    pub fn handle(&mut self, request: Request) -> Option<Json> {
        Some(match self.dispatch(request) {
            Ok(json) => json,
            Err(Failure::Driver(e)) => {
                let id = self.ids.next();
                let json = responses::driver_error(&id, &e);
                self.errors.insert(id, e);
                json
            }
            Err(Failure::Backend(msg)) => responses::backend_error(msg),
            Err(Failure::Frontend(msg)) => responses::frontend_error(msg),
        })
    }

    fn dispatch(&mut self, request: Request) -> Reply {
        use Request as R;
        match request {
            R::GetFeatures => Ok(responses::feature_list(&features::declared())),
            // Answering RunSubTests makes TestKit ask again per subtest (StartSubTest), so
            // subtests can be skipped by their arguments; tests without subtests just run.
            R::StartTest { test_name } => Ok(match features::skip_reason(&test_name) {
                Some(reason) => responses::skip_test(reason),
                None => responses::run_sub_tests(),
            }),
            R::StartSubTest {
                test_name,
                arguments,
            } => Ok(
                match features::skip_subtest_reason(&test_name, &arguments) {
                    Some(reason) => responses::skip_test(&reason),
                    None => responses::run_test(),
                },
            ),
            R::NewDriver(d) => self.new_driver(&d),
            R::VerifyConnectivity { driver_id } => {
                self.driver(&driver_id)?.verify_connectivity()?;
                Ok(responses::with_id("Driver", &driver_id))
            }
            R::GetServerInfo { driver_id } => {
                let info = self.driver(&driver_id)?.server_info()?;
                let (major, minor) = info.protocol_version;
                Ok(responses::server_info(
                    &info.address,
                    &info.agent,
                    &format!("{major}.{minor}"),
                ))
            }
            R::CheckMultiDBSupport { driver_id } => {
                let info = self.driver(&driver_id)?.server_info()?;
                Ok(responses::multi_db_support(
                    &driver_id,
                    info.protocol_version.0 >= 4,
                ))
            }
            R::CheckDriverIsEncrypted { driver_id } => Ok(responses::driver_is_encrypted(
                self.driver(&driver_id)?.config().encrypted(),
            )),
            R::DriverClose { driver_id } => {
                self.drivers.get(&driver_id)?.driver.close();
                Ok(responses::with_id("Driver", &driver_id))
            }
            R::GetConnectionPoolMetrics { driver_id, address } => {
                let metrics = self.driver(&driver_id)?.pool_metrics();
                let (in_use, idle) = metrics
                    .iter()
                    .find(|(a, _)| a.to_string() == address)
                    .map(|(_, m)| (m.in_use, m.idle))
                    .unwrap_or((0, 0));
                Ok(responses::response(
                    "ConnectionPoolMetrics",
                    json!({ "inUse": in_use, "idle": idle }),
                ))
            }
            R::NewSession(s) => self.new_session(&s),
            R::SessionClose { session_id } => {
                let mut entry = self.sessions.remove(&session_id)?;
                self.txs.retain(|_, t| t.session_id != session_id);
                entry.session.close()?;
                Ok(responses::with_id("Session", &session_id))
            }
            R::SessionRun {
                session_id,
                cypher,
                params,
                tx,
            } => {
                let cfg = tx_config(&tx)?;
                let session = &mut self.sessions.get_mut(&session_id)?.session;
                let handle = session.run_detached(&cypher, Some(params), &cfg)?;
                self.new_result(session_id, handle)
            }
            R::SessionBeginTransaction { session_id, tx } => {
                let cfg = tx_config(&tx)?;
                let session = &mut self.sessions.get_mut(&session_id)?.session;
                session.set_telemetry_api(None);
                session.begin_detached(&cfg)?;
                let id = self.ids.next();
                self.txs.insert(
                    id.clone(),
                    TxEntry {
                        session_id,
                        open: true,
                    },
                );
                Ok(responses::with_id("Transaction", &id))
            }
            R::SessionReadTransaction { session_id, tx } => {
                self.start_retryable(session_id, &tx, true)
            }
            R::SessionWriteTransaction { session_id, tx } => {
                self.start_retryable(session_id, &tx, false)
            }
            R::RetryablePositive { session_id } => self.retryable_positive(&session_id),
            R::RetryableNegative {
                session_id,
                error_id,
            } => self.retryable_negative(&session_id, &error_id),
            R::SessionLastBookmarks { session_id } => {
                let b = self.sessions.get(&session_id)?.session.last_bookmarks();
                Ok(responses::bookmarks(&b))
            }
            R::TransactionRun {
                tx_id,
                cypher,
                params,
            } => {
                let session_id = self.open_tx(&tx_id)?;
                let session = &mut self.sessions.get_mut(&session_id)?.session;
                let handle = session.tx_run_detached(&cypher, Some(params))?;
                self.new_result(session_id, handle)
            }
            R::TransactionCommit { tx_id } => {
                let session_id = self.open_tx(&tx_id)?;
                self.txs.get_mut(&tx_id)?.open = false;
                self.sessions
                    .get_mut(&session_id)?
                    .session
                    .commit_detached()?;
                Ok(responses::with_id("Transaction", &tx_id))
            }
            R::TransactionRollback { tx_id } => {
                let session_id = self.open_tx(&tx_id)?;
                self.txs.get_mut(&tx_id)?.open = false;
                self.sessions
                    .get_mut(&session_id)?
                    .session
                    .rollback_detached()?;
                Ok(responses::with_id("Transaction", &tx_id))
            }
            R::TransactionClose { tx_id } => {
                let entry = self.txs.get_mut(&tx_id)?;
                if entry.open {
                    entry.open = false;
                    let session_id = entry.session_id.clone();
                    let session = &mut self.sessions.get_mut(&session_id)?.session;
                    if session.in_transaction() {
                        session.rollback_detached()?;
                    }
                }
                Ok(responses::with_id("Transaction", &tx_id))
            }
            R::ResultNext { result_id } => {
                let (session, handle) = self.result(&result_id)?;
                Ok(match session.result_next(handle)? {
                    Some(r) => responses::record(r.values()),
                    None => responses::null_record(),
                })
            }
            R::ResultPeek { result_id } => {
                let (session, handle) = self.result(&result_id)?;
                Ok(match session.result_peek(handle)? {
                    Some(r) => responses::record(r.values()),
                    None => responses::null_record(),
                })
            }
            R::ResultSingle { result_id } => {
                let (session, handle) = self.result(&result_id)?;
                let r = session.result_single(handle)?;
                Ok(responses::record(r.values()))
            }
            R::ResultSingleOptional { result_id } => {
                let (session, handle) = self.result(&result_id)?;
                let first = session.result_next(handle)?;
                let mut warnings = Vec::new();
                if first.is_some() && session.result_peek(handle)?.is_some() {
                    warnings
                        .push("expected a result with a single record, but found more".to_owned());
                }
                // Exhaust the stream without consuming the result: later calls answer "no
                // record" rather than "consumed".
                while session.result_next(handle)?.is_some() {}
                Ok(responses::record_optional(
                    first.as_ref().map(|r| r.values()),
                    &warnings,
                ))
            }
            R::ResultList { result_id } => {
                let (session, handle) = self.result(&result_id)?;
                let records: Vec<_> = session
                    .result_list(handle)?
                    .into_iter()
                    .map(|r| r.into_values())
                    .collect();
                Ok(responses::record_list(&records))
            }
            R::ResultConsume { result_id } => {
                let entry = self.results.get(&result_id)?;
                if !self.sessions.contains(&entry.session_id) {
                    if let Some(summary) = &entry.summary {
                        return Ok(responses::summary(&summary_data(summary)));
                    }
                }
                let (session, handle) = self.result(&result_id)?;
                let summary = session.result_consume(handle)?;
                let json = responses::summary(&summary_data(&summary));
                self.results.get_mut(&result_id)?.summary = Some(Box::new(summary));
                Ok(json)
            }
            // boltc's clock (idle times, lifetimes, credential expiry), frozen and moved by hand.
            R::FakeTimeInstall => {
                boltc::clock::freeze();
                Ok(responses::fake_time_ack())
            }
            R::FakeTimeTick { increment_ms } => {
                boltc::clock::advance(Duration::from_millis(increment_ms.max(0).unsigned_abs()));
                Ok(responses::fake_time_ack())
            }
            R::FakeTimeUninstall => {
                boltc::clock::unfreeze();
                Ok(responses::fake_time_ack())
            }
            R::CheckSessionAuthSupport { driver_id } => self.session_auth_support(&driver_id),
            R::VerifyAuthentication { driver_id, auth } => {
                self.verify_authentication(&driver_id, auth.as_ref())
            }
            R::ExecuteQuery {
                driver_id,
                cypher,
                params,
                config,
            } => self.execute_query(&driver_id, &cypher, params, &config),
            R::NewBookmarkManager {
                initial_bookmarks,
                supplier,
                consumer,
            } => self.new_bookmark_manager(initial_bookmarks, supplier, consumer),
            R::BookmarkManagerClose { id } => self.close_bookmark_manager(&id),
            R::NewAuthTokenManager => self.new_auth_manager(AuthKind::Custom),
            R::NewBasicAuthTokenManager => self.new_auth_manager(AuthKind::Basic),
            R::NewBearerAuthTokenManager => self.new_auth_manager(AuthKind::Bearer),
            R::AuthTokenManagerClose { id } => self.close_auth_manager(&id),
            R::NewClientCertificateProvider => {
                let id = self.ids.next();
                Ok(self.managers.new_certificate_provider(id))
            }
            R::ClientCertificateProviderClose { id } => {
                Ok(self.managers.close_certificate_provider(&id)?)
            }
            R::ForcedRoutingTableUpdate {
                driver_id,
                database,
                bookmarks,
            } => {
                let driver = self.driver(&driver_id)?;
                routing::force_update(driver, database.as_deref(), bookmarks.as_deref())?;
                Ok(responses::with_id("Driver", &driver_id))
            }
            R::GetRoutingTable {
                driver_id,
                database,
            } => Ok(routing::routing_table(
                self.driver(&driver_id)?,
                database.as_deref(),
            )),
            R::CypherTypeField { .. } => Err(unsupported("CypherTypeField")),
            R::CallbackCompleted { name, .. } => Err(Failure::Backend(format!(
                "unexpected callback completion {name}"
            ))),
        }
    }

    fn driver(&self, id: &str) -> Result<&Driver, Failure> {
        Ok(&self.drivers.get(id)?.driver)
    }

    fn new_driver(&mut self, d: &NewDriver) -> Reply {
        let mut b = Config::builder(&d.uri);
        if let Some(c) = &d.client_certificate {
            let c = c.to_boltc();
            b = match c.key_password {
                Some(p) => b.client_certificate_with_password(c.cert_chain_pem, c.key_pem, p),
                None => b.client_certificate(c.cert_chain_pem, c.key_pem),
            };
        }
        if let Some(id) = &d.client_certificate_provider_id {
            b = b.client_certificate_provider(self.managers.certificate_provider(id)?);
        }
        if !d.domain_name_resolver_registered {
            if let Some(hosts) = crate::tls_env::hosts() {
                b = b.domain_name_resolver(hosts);
            }
        }
        b = b.auth(
            d.auth
                .as_ref()
                .map(auth_token)
                .unwrap_or_else(AuthToken::none),
        );
        if let Some(id) = &d.auth_token_manager_id {
            b = b.auth_manager(self.managers.auth_manager(id)?);
        }
        if d.resolver_registered {
            b = b.resolver(routing::resolver(self.responder.clone()));
        }
        if d.domain_name_resolver_registered {
            b = b.domain_name_resolver(routing::domain_name_resolver(self.responder.clone()));
        }
        if let Some(ua) = &d.user_agent {
            b = b.user_agent(ua.clone());
        }
        if let Some(t) = d.connection_timeout {
            b = b.connection_timeout(t);
        }
        if let Some(n) = d.fetch_size {
            b = b.fetch_size(n);
        }
        if let Some(t) = d.max_tx_retry_time {
            b = b.max_transaction_retry_time(t);
        }
        if let Some(t) = d.liveness_check_timeout {
            b = b.liveness_check_timeout(Some(t));
        }
        if let Some(off) = d.telemetry_disabled {
            b = b.telemetry_disabled(off);
        }
        if let Some(n) = d.max_connection_pool_size {
            b = b.max_connection_pool_size(usize::try_from(n).unwrap_or(0));
        }
        if let Some(t) = d.connection_acquisition_timeout {
            b = b.connection_acquisition_timeout(t);
        }
        if let Some(e) = d.encrypted {
            b = b.encrypted(e);
        }
        match &d.trusted_certificates {
            None => {}
            Some(None) => b = b.trust(TrustStrategy::System),
            Some(Some(paths)) if paths.is_empty() => b = b.trust(TrustStrategy::TrustAll),
            Some(Some(paths)) => {
                b = b.trust(TrustStrategy::CustomCa(
                    paths.iter().map(|p| crate::tls_env::ca_file(p)).collect(),
                ))
            }
        }
        if d.notifications.is_set() {
            b = b.notification_filter(NotificationFilter {
                minimum_severity: d.notifications.min_severity.clone(),
                disabled_categories: d.notifications.disabled_categories.clone(),
            });
        }
        let driver = Driver::new(b.build()?)?;
        let id = self.ids.next();
        self.drivers.insert(id.clone(), DriverEntry { driver });
        Ok(responses::with_id("Driver", &id))
    }

    fn new_session(&mut self, s: &NewSession) -> Reply {
        let bookmark_manager = match &s.bookmark_manager_id {
            Some(id) => Some(self.managers.bookmark_manager(id)?),
            None => None,
        };
        let config = SessionConfig {
            database: s.database.clone(),
            default_access_mode: if s.read {
                AccessMode::Read
            } else {
                AccessMode::Write
            },
            fetch_size: s.fetch_size,
            bookmarks: s.bookmarks.clone().unwrap_or_default(),
            impersonated_user: s.impersonated_user.clone(),
            bookmark_manager,
            auth: s.auth.as_ref().map(|a| self.managers.token(a)),
            notifications: NotificationFilter {
                minimum_severity: s.notifications.min_severity.clone(),
                disabled_categories: s.notifications.disabled_categories.clone(),
            },
            ..SessionConfig::default()
        };
        let session = self.driver(&s.driver_id)?.session(config)?;
        let id = self.ids.next();
        self.sessions.insert(
            id.clone(),
            SessionEntry {
                session,
                driver_id: s.driver_id.clone(),
                retry: None,
            },
        );
        Ok(responses::with_id("Session", &id))
    }

    fn new_result(&mut self, session_id: String, handle: ResultId) -> Reply {
        let keys = self
            .sessions
            .get_mut(&session_id)?
            .session
            .result_keys(handle)?;
        let id = self.ids.next();
        self.results.insert(
            id.clone(),
            ResultEntry {
                session_id,
                handle,
                summary: None,
            },
        );
        Ok(responses::result(&id, &keys))
    }

    /// The session and handle of a result; a closed session makes it a "consumed" error.
    fn result(&mut self, result_id: &str) -> Result<(&mut Session, ResultId), Failure> {
        let entry = self.results.get(result_id)?;
        let handle = entry.handle;
        let session_id = entry.session_id.clone();
        if !self.sessions.contains(&session_id) {
            return Err(Failure::Driver(Error::new(
                ErrorKind::ResultConsumed,
                "the result's session is closed",
            )));
        }
        Ok((&mut self.sessions.get_mut(&session_id)?.session, handle))
    }

    /// The session of an open transaction.
    fn open_tx(&self, tx_id: &str) -> Result<String, Failure> {
        let entry = self.txs.get(tx_id)?;
        if !entry.open {
            return Err(Failure::Driver(Error::new(
                ErrorKind::IllegalState,
                "the transaction is closed",
            )));
        }
        Ok(entry.session_id.clone())
    }

    /// Starts a retryable transaction function in read (`read`) or write mode.
    fn start_retryable(&mut self, session_id: String, tx: &TxConfig, read: bool) -> Reply {
        let config = tx_config(tx)?;
        let entry = self.sessions.get(&session_id)?;
        let retry = RetryLoop::for_config(self.drivers.get(&entry.driver_id)?.driver.config());
        let entry = self.sessions.get_mut(&session_id)?;
        entry
            .session
            .set_telemetry_api(Some(TelemetryApi::TransactionFunction));
        entry.retry = Some(Retry {
            config,
            mode: if read {
                AccessMode::Read
            } else {
                AccessMode::Write
            },
            retry,
        });
        self.begin_attempt(&session_id)
    }

    /// Begins the next attempt of a retryable function and answers `RetryableTry`.
    fn begin_attempt(&mut self, session_id: &str) -> Reply {
        loop {
            let entry = self.sessions.get_mut(session_id)?;
            let Some(retry) = entry.retry.as_mut() else {
                return Err(Failure::Backend(
                    "no retryable transaction in progress".into(),
                ));
            };
            let (config, mode) = (retry.config.clone(), retry.mode);
            match entry.session.begin_detached_in_mode(&config, mode) {
                Ok(()) => {
                    let id = self.ids.next();
                    self.txs.insert(
                        id.clone(),
                        TxEntry {
                            session_id: session_id.to_owned(),
                            open: true,
                        },
                    );
                    return Ok(responses::retryable_try(&id));
                }
                Err(e) => {
                    if !self.may_retry(session_id, &e)? {
                        self.sessions.get_mut(session_id)?.retry = None;
                        return Err(e.into());
                    }
                }
            }
        }
    }

    /// Whether to retry after `e` (the library's retry loop decides, and waits the backoff).
    fn may_retry(&mut self, session_id: &str, e: &Error) -> Result<bool, Failure> {
        let entry = self.sessions.get_mut(session_id)?;
        Ok(entry.retry.as_mut().is_some_and(|r| r.retry.retry_after(e)))
    }

    /// Closes the transaction ids still open for `session_id`.
    fn close_txs_of(&mut self, session_id: &str) {
        self.txs.retain(|_, t| {
            if t.session_id == session_id {
                t.open = false;
            }
            true
        });
    }

    fn retryable_positive(&mut self, session_id: &str) -> Reply {
        self.close_txs_of(session_id);
        let entry = self.sessions.get_mut(session_id)?;
        if entry.retry.is_none() {
            return Err(Failure::Backend(
                "RetryablePositive without a retryable transaction".into(),
            ));
        }
        match entry.session.commit_detached() {
            Ok(()) => {
                entry.retry = None;
                Ok(responses::retryable_done())
            }
            Err(e) => {
                if self.may_retry(session_id, &e)? {
                    self.begin_attempt(session_id)
                } else {
                    self.sessions.get_mut(session_id)?.retry = None;
                    Err(e.into())
                }
            }
        }
    }

    fn retryable_negative(&mut self, session_id: &str, error_id: &str) -> Reply {
        self.close_txs_of(session_id);
        let entry = self.sessions.get_mut(session_id)?;
        if entry.session.in_transaction() {
            let _ = entry.session.rollback_detached();
        }
        if error_id.is_empty() {
            entry.retry = None;
            return Err(Failure::Frontend(
                "the transaction function failed in client code".into(),
            ));
        }
        let error = self.errors.get(error_id)?.clone();
        if self.may_retry(session_id, &error)? {
            return self.begin_attempt(session_id);
        }
        self.sessions.get_mut(session_id)?.retry = None;
        // Re-send the very error TestKit handed back, under its original id.
        Ok(responses::driver_error(error_id, &error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requests::AuthSpec;
    use boltc::Map;

    #[test]
    fn auth_tokens_map_to_driver_tokens() {
        let spec = |scheme: &str| AuthSpec {
            scheme: scheme.into(),
            principal: Some("p".into()),
            credentials: Some("c".into()),
            realm: None,
            parameters: None,
            raw: Json::Null,
        };
        assert_eq!(auth_token(&spec("basic")).scheme(), "basic");
        assert_eq!(auth_token(&spec("basic")).principal(), Some("p"));
        assert_eq!(auth_token(&spec("bearer")).scheme(), "bearer");
        assert_eq!(auth_token(&spec("kerberos")).scheme(), "kerberos");
        assert_eq!(auth_token(&spec("wild")).scheme(), "wild");
    }

    #[test]
    fn negative_timeouts_are_driver_errors() {
        let tx = TxConfig {
            metadata: None,
            timeout_ms: Some(Some(-1)),
        };
        assert!(matches!(tx_config(&tx), Err(Failure::Driver(_))));
        let tx = TxConfig {
            metadata: Some(Map::new()),
            timeout_ms: Some(Some(5)),
        };
        assert_eq!(
            tx_config(&tx).ok().unwrap().timeout,
            Some(Duration::from_millis(5))
        );
    }
}
