//! TestKit requests, parsed from `{"name": ..., "data": {...}}` into typed values.
//!
//! Field names follow TestKit's JSON (camelCase, with a few snake_case exceptions that TestKit
//! itself uses). Query parameters and transaction metadata are decoded into [`boltc::Map`] here,
//! so the handler only deals with driver types.

// The request model is complete; some fields are read only once boltc offers the feature.
#![allow(dead_code)]

use crate::cypher;
use boltc::Map;
use serde_json::Value as Json;
use std::time::Duration;

/// An auth token as TestKit describes it (`AuthorizationToken`).
#[derive(Debug, Clone, PartialEq)]
pub struct AuthSpec {
    pub scheme: String,
    pub principal: Option<String>,
    pub credentials: Option<String>,
    pub realm: Option<String>,
    pub parameters: Option<Map>,
    /// The token exactly as TestKit sent it (`{"name": "AuthorizationToken", "data": ...}`),
    /// to hand it back unchanged in callbacks.
    pub raw: Json,
}

/// `NewDriver`.
#[derive(Debug, Clone, Default)]
pub struct NewDriver {
    pub uri: String,
    pub auth: Option<AuthSpec>,
    pub auth_token_manager_id: Option<String>,
    pub user_agent: Option<String>,
    pub resolver_registered: bool,
    pub domain_name_resolver_registered: bool,
    pub connection_timeout: Option<Duration>,
    pub fetch_size: Option<i64>,
    pub max_tx_retry_time: Option<Duration>,
    pub liveness_check_timeout: Option<Duration>,
    pub max_connection_pool_size: Option<i64>,
    pub connection_acquisition_timeout: Option<Duration>,
    pub encrypted: Option<bool>,
    /// `None`: field absent (driver default); `Some(None)`: system CAs; `Some(Some(vec![]))`:
    /// trust anything; `Some(Some(paths))`: custom CAs.
    pub trusted_certificates: Option<Option<Vec<String>>>,
    pub notifications: NotificationFilter,
    pub telemetry_disabled: Option<bool>,
    /// A static client certificate (`clientCertificate`).
    pub client_certificate: Option<ClientCertificate>,
    /// A client certificate provider made by `NewClientCertificateProvider`
    /// (`clientCertificateProviderId`).
    pub client_certificate_provider_id: Option<String>,
}

/// TestKit's `ClientCertificate`: PEM file paths and the key's password.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientCertificate {
    pub certfile: String,
    pub keyfile: String,
    pub password: Option<String>,
}

impl ClientCertificate {
    /// The driver's form of it.
    pub fn to_boltc(&self) -> boltc::net::ClientCert {
        boltc::net::ClientCert {
            cert_chain_pem: self.certfile.clone().into(),
            key_pem: self.keyfile.clone().into(),
            key_password: self.password.clone(),
        }
    }
}

/// Notification filter settings of a driver or session.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NotificationFilter {
    /// e.g. `"OFF"`, `"WARNING"`, `"INFORMATION"`.
    pub min_severity: Option<String>,
    /// e.g. `["HINT", "DEPRECATION"]`.
    pub disabled_categories: Option<Vec<String>>,
}

impl NotificationFilter {
    pub fn is_set(&self) -> bool {
        self.min_severity.is_some() || self.disabled_categories.is_some()
    }
}

/// `NewSession`.
#[derive(Debug, Clone, Default)]
pub struct NewSession {
    pub driver_id: String,
    /// `true` for `"r"`.
    pub read: bool,
    pub bookmarks: Option<Vec<String>>,
    pub database: Option<String>,
    pub fetch_size: Option<i64>,
    pub impersonated_user: Option<String>,
    pub bookmark_manager_id: Option<String>,
    pub auth: Option<AuthSpec>,
    pub notifications: NotificationFilter,
}

/// Transaction configuration sent with `SessionRun`, `SessionBeginTransaction`, ...
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TxConfig {
    pub metadata: Option<Map>,
    /// `Some(None)` means TestKit sent `"timeout": null` explicitly.
    pub timeout_ms: Option<Option<i64>>,
}

/// `ExecuteQuery.config`.
#[derive(Debug, Clone, Default)]
pub struct ExecuteQueryConfig {
    pub database: Option<String>,
    /// `Some(true)` for readers (`"r"`).
    pub read: Option<bool>,
    pub impersonated_user: Option<String>,
    /// `None`: the driver's default manager; `Some(None)`: disabled (`"-1"`/`-1`).
    pub bookmark_manager_id: Option<Option<String>>,
    pub tx: TxConfig,
    pub auth: Option<AuthSpec>,
}

/// Every request this backend understands.
#[derive(Debug, Clone)]
pub enum Request {
    StartTest {
        test_name: String,
    },
    StartSubTest {
        test_name: String,
        arguments: Json,
    },
    GetFeatures,
    NewDriver(Box<NewDriver>),
    VerifyConnectivity {
        driver_id: String,
    },
    GetServerInfo {
        driver_id: String,
    },
    CheckMultiDBSupport {
        driver_id: String,
    },
    CheckSessionAuthSupport {
        driver_id: String,
    },
    CheckDriverIsEncrypted {
        driver_id: String,
    },
    VerifyAuthentication {
        driver_id: String,
        auth: Option<AuthSpec>,
    },
    DriverClose {
        driver_id: String,
    },
    NewSession(Box<NewSession>),
    SessionClose {
        session_id: String,
    },
    SessionRun {
        session_id: String,
        cypher: String,
        params: Map,
        tx: TxConfig,
    },
    SessionReadTransaction {
        session_id: String,
        tx: TxConfig,
    },
    SessionWriteTransaction {
        session_id: String,
        tx: TxConfig,
    },
    SessionBeginTransaction {
        session_id: String,
        tx: TxConfig,
    },
    SessionLastBookmarks {
        session_id: String,
    },
    TransactionRun {
        tx_id: String,
        cypher: String,
        params: Map,
    },
    TransactionCommit {
        tx_id: String,
    },
    TransactionRollback {
        tx_id: String,
    },
    TransactionClose {
        tx_id: String,
    },
    ResultNext {
        result_id: String,
    },
    ResultPeek {
        result_id: String,
    },
    ResultSingle {
        result_id: String,
    },
    ResultSingleOptional {
        result_id: String,
    },
    ResultConsume {
        result_id: String,
    },
    ResultList {
        result_id: String,
    },
    RetryablePositive {
        session_id: String,
    },
    RetryableNegative {
        session_id: String,
        error_id: String,
    },
    ExecuteQuery {
        driver_id: String,
        cypher: String,
        params: Map,
        config: Box<ExecuteQueryConfig>,
    },
    NewBookmarkManager {
        initial_bookmarks: Option<Vec<String>>,
        supplier: bool,
        consumer: bool,
    },
    BookmarkManagerClose {
        id: String,
    },
    NewAuthTokenManager,
    NewBasicAuthTokenManager,
    NewBearerAuthTokenManager,
    AuthTokenManagerClose {
        id: String,
    },
    NewClientCertificateProvider,
    ClientCertificateProviderClose {
        id: String,
    },
    ForcedRoutingTableUpdate {
        driver_id: String,
        database: Option<String>,
        bookmarks: Option<Vec<String>>,
    },
    GetRoutingTable {
        driver_id: String,
        database: Option<String>,
    },
    GetConnectionPoolMetrics {
        driver_id: String,
        address: String,
    },
    CypherTypeField {
        result_id: String,
        record_key: String,
        type_name: String,
        field: String,
    },
    FakeTimeInstall,
    FakeTimeTick {
        increment_ms: i64,
    },
    FakeTimeUninstall,
    /// Answers to callbacks the backend asked TestKit to run (resolver, bookmark manager, auth
    /// managers, ...). They are routed to the waiting callback by request id, not to the handler.
    CallbackCompleted {
        request_id: String,
        name: String,
        data: Json,
    },
}

/// The names of requests that complete a callback the backend asked for.
pub const CALLBACK_COMPLETIONS: &[&str] = &[
    "ResolverResolutionCompleted",
    "DomainNameResolutionCompleted",
    "BookmarksSupplierCompleted",
    "BookmarksConsumerCompleted",
    "AuthTokenManagerGetAuthCompleted",
    "AuthTokenManagerHandleSecurityExceptionCompleted",
    "BasicAuthTokenProviderCompleted",
    "BearerAuthTokenProviderCompleted",
    "ClientCertificateProviderCompleted",
];

/// Why a request could not be parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum ParseError {
    /// Not JSON, or not `{"name": ..., "data": ...}`, or a field has the wrong type.
    Malformed(String),
    /// A well-formed request this backend does not know.
    Unknown(String),
}

/// Ids arrive as strings from our own responses, but accept numbers too.
fn id_of(v: &Json) -> Option<String> {
    match v {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

struct Data<'a> {
    name: &'a str,
    data: &'a Json,
}

impl<'a> Data<'a> {
    fn get(&self, key: &str) -> Option<&'a Json> {
        self.data.get(key).filter(|v| !v.is_null())
    }

    fn err(&self, msg: impl std::fmt::Display) -> ParseError {
        ParseError::Malformed(format!("{}: {msg}", self.name))
    }

    fn id(&self, key: &str) -> Result<String, ParseError> {
        self.get(key)
            .and_then(id_of)
            .ok_or_else(|| self.err(format_args!("missing id '{key}'")))
    }

    fn opt_id(&self, key: &str) -> Option<String> {
        self.get(key).and_then(id_of)
    }

    fn string(&self, key: &str) -> Result<String, ParseError> {
        self.opt_string(key)?
            .ok_or_else(|| self.err(format_args!("missing string '{key}'")))
    }

    fn opt_string(&self, key: &str) -> Result<Option<String>, ParseError> {
        match self.get(key) {
            None => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.err(format_args!("'{key}' is not a string: {other}"))),
        }
    }

    fn opt_int(&self, key: &str) -> Result<Option<i64>, ParseError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| self.err(format_args!("'{key}' is not an integer: {v}"))),
        }
    }

    fn opt_ms(&self, key: &str) -> Result<Option<Duration>, ParseError> {
        Ok(self
            .opt_int(key)?
            .map(|ms| Duration::from_millis(u64::try_from(ms).unwrap_or(0))))
    }

    fn opt_bool(&self, key: &str) -> Result<Option<bool>, ParseError> {
        match self.get(key) {
            None => Ok(None),
            Some(Json::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(self.err(format_args!("'{key}' is not a bool: {other}"))),
        }
    }

    fn bool(&self, key: &str) -> Result<bool, ParseError> {
        Ok(self.opt_bool(key)?.unwrap_or(false))
    }

    fn opt_strings(&self, key: &str) -> Result<Option<Vec<String>>, ParseError> {
        match self.get(key) {
            None => Ok(None),
            Some(Json::Array(a)) => a
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| self.err(format_args!("'{key}' has a non-string")))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(other) => Err(self.err(format_args!("'{key}' is not a list: {other}"))),
        }
    }

    fn params(&self, key: &str) -> Result<Map, ParseError> {
        match self.get(key) {
            None => Ok(Map::new()),
            Some(v) => cypher::params_from_json(v).map_err(|e| self.err(e)),
        }
    }

    fn opt_params(&self, key: &str) -> Result<Option<Map>, ParseError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => cypher::params_from_json(v)
                .map(Some)
                .map_err(|e| self.err(e)),
        }
    }

    fn tx_config(&self) -> Result<TxConfig, ParseError> {
        let timeout_ms = match self.data.get("timeout") {
            None => None,
            Some(Json::Null) => Some(None),
            Some(v) => Some(Some(v.as_i64().ok_or_else(|| {
                self.err(format_args!("'timeout' is not an integer: {v}"))
            })?)),
        };
        Ok(TxConfig {
            metadata: self.opt_params("txMeta")?,
            timeout_ms,
        })
    }

    fn auth(&self, key: &str) -> Result<Option<AuthSpec>, ParseError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => parse_auth(v).map(Some).map_err(|e| self.err(e)),
        }
    }

    /// TestKit's `ClientCertificate` (encoded as `{"name": "ClientCertificate", "data": {...}}`).
    fn client_certificate(&self, key: &str) -> Result<Option<ClientCertificate>, ParseError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => parse_client_certificate(v)
                .map(Some)
                .map_err(|e| self.err(e)),
        }
    }

    fn notifications(&self) -> Result<NotificationFilter, ParseError> {
        Ok(NotificationFilter {
            min_severity: self.opt_string("notificationsMinSeverity")?,
            disabled_categories: self.opt_strings("notificationsDisabledCategories")?,
        })
    }

    fn sub(&self, key: &str) -> Data<'a> {
        static EMPTY: Json = Json::Null;
        Data {
            name: self.name,
            data: self.get(key).unwrap_or(&EMPTY),
        }
    }
}

/// Parses TestKit's `ClientCertificate` (`{"name": "ClientCertificate", "data": {...}}`).
pub fn parse_client_certificate(v: &Json) -> Result<ClientCertificate, String> {
    let data = v.get("data").unwrap_or(v);
    let s = |k: &str| data.get(k).and_then(Json::as_str).map(str::to_owned);
    Ok(ClientCertificate {
        certfile: s("certfile").ok_or("client certificate without certfile")?,
        keyfile: s("keyfile").ok_or("client certificate without keyfile")?,
        password: s("password"),
    })
}

/// Parses TestKit's `AuthorizationToken` (itself encoded as `{"name": "AuthorizationToken",
/// "data": {...}}`).
pub fn parse_auth(v: &Json) -> Result<AuthSpec, String> {
    let data = v.get("data").unwrap_or(v);
    let s = |k: &str| data.get(k).and_then(Json::as_str).map(str::to_owned);
    let scheme = s("scheme").ok_or("auth token without scheme")?;
    // Unlike query parameters, these are plain JSON values.
    let parameters = match data.get("parameters") {
        None | Some(Json::Null) => None,
        Some(Json::Object(o)) => Some(
            o.iter()
                .map(|(k, v)| Ok((k.clone(), plain_value(v)?)))
                .collect::<Result<Map, String>>()?,
        ),
        Some(other) => return Err(format!("auth parameters are not an object: {other}")),
    };
    Ok(AuthSpec {
        scheme,
        principal: s("principal"),
        credentials: s("credentials"),
        realm: s("realm"),
        parameters,
        raw: if v.get("data").is_some() {
            v.clone()
        } else {
            serde_json::json!({"name": "AuthorizationToken", "data": v})
        },
    })
}

/// A plain JSON value as a driver value (integers stay integers).
fn plain_value(v: &Json) -> Result<boltc::Value, String> {
    use boltc::Value;
    Ok(match v {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().ok_or_else(|| format!("bad number {n}"))?),
        },
        Json::String(s) => Value::String(s.clone()),
        Json::Array(a) => Value::List(a.iter().map(plain_value).collect::<Result<_, _>>()?),
        Json::Object(o) => Value::Map(
            o.iter()
                .map(|(k, v)| Ok((k.clone(), plain_value(v)?)))
                .collect::<Result<Map, String>>()?,
        ),
    })
}

impl Request {
    /// Parses one request's JSON text.
    pub fn parse(text: &str) -> Result<Request, ParseError> {
        let json: Json = serde_json::from_str(text)
            .map_err(|e| ParseError::Malformed(format!("bad JSON: {e}")))?;
        Request::from_json(&json)
    }

    /// Parses one request from its JSON value.
    pub fn from_json(json: &Json) -> Result<Request, ParseError> {
        let name = json
            .get("name")
            .and_then(Json::as_str)
            .ok_or_else(|| ParseError::Malformed("request without a name".into()))?;
        static EMPTY: Json = Json::Null;
        let d = Data {
            name,
            data: json.get("data").unwrap_or(&EMPTY),
        };
        use Request as R;
        Ok(match name {
            "StartTest" => R::StartTest {
                test_name: d.string("testName")?,
            },
            "StartSubTest" => R::StartSubTest {
                test_name: d.string("testName")?,
                arguments: d.get("subtestArguments").cloned().unwrap_or(Json::Null),
            },
            "GetFeatures" => R::GetFeatures,
            "NewDriver" => {
                let trusted_certificates = match d.data.get("trustedCertificates") {
                    None => None,
                    Some(Json::Null) => Some(None),
                    Some(_) => Some(d.opt_strings("trustedCertificates")?),
                };
                R::NewDriver(Box::new(NewDriver {
                    uri: d.string("uri")?,
                    auth: d.auth("authorizationToken")?,
                    auth_token_manager_id: d.opt_id("authTokenManagerId"),
                    user_agent: d.opt_string("userAgent")?,
                    resolver_registered: d.bool("resolverRegistered")?,
                    domain_name_resolver_registered: d.bool("domainNameResolverRegistered")?,
                    connection_timeout: d.opt_ms("connectionTimeoutMs")?,
                    fetch_size: d.opt_int("fetchSize")?,
                    max_tx_retry_time: d.opt_ms("maxTxRetryTimeMs")?,
                    liveness_check_timeout: d.opt_ms("livenessCheckTimeoutMs")?,
                    max_connection_pool_size: d.opt_int("maxConnectionPoolSize")?,
                    connection_acquisition_timeout: d.opt_ms("connectionAcquisitionTimeoutMs")?,
                    encrypted: d.opt_bool("encrypted")?,
                    trusted_certificates,
                    notifications: d.notifications()?,
                    telemetry_disabled: d.opt_bool("telemetryDisabled")?,
                    client_certificate: d.client_certificate("clientCertificate")?,
                    client_certificate_provider_id: d.opt_id("clientCertificateProviderId"),
                }))
            }
            "VerifyConnectivity" => R::VerifyConnectivity {
                driver_id: d.id("driverId")?,
            },
            "GetServerInfo" => R::GetServerInfo {
                driver_id: d.id("driverId")?,
            },
            "CheckMultiDBSupport" => R::CheckMultiDBSupport {
                driver_id: d.id("driverId")?,
            },
            "CheckSessionAuthSupport" => R::CheckSessionAuthSupport {
                driver_id: d.id("driverId")?,
            },
            "CheckDriverIsEncrypted" => R::CheckDriverIsEncrypted {
                driver_id: d.id("driverId")?,
            },
            "VerifyAuthentication" => R::VerifyAuthentication {
                driver_id: d.id("driverId")?,
                auth: d.auth("authorizationToken")?,
            },
            "DriverClose" => R::DriverClose {
                driver_id: d.id("driverId")?,
            },
            "NewSession" => R::NewSession(Box::new(NewSession {
                driver_id: d.id("driverId")?,
                read: d.opt_string("accessMode")?.as_deref() == Some("r"),
                bookmarks: d.opt_strings("bookmarks")?,
                database: d.opt_string("database")?,
                fetch_size: d.opt_int("fetchSize")?,
                impersonated_user: d.opt_string("impersonatedUser")?,
                bookmark_manager_id: d.opt_id("bookmarkManagerId"),
                auth: d.auth("authorizationToken")?,
                notifications: d.notifications()?,
            })),
            "SessionClose" => R::SessionClose {
                session_id: d.id("sessionId")?,
            },
            "SessionRun" => R::SessionRun {
                session_id: d.id("sessionId")?,
                cypher: d.string("cypher")?,
                params: d.params("params")?,
                tx: d.tx_config()?,
            },
            "SessionReadTransaction" => R::SessionReadTransaction {
                session_id: d.id("sessionId")?,
                tx: d.tx_config()?,
            },
            "SessionWriteTransaction" => R::SessionWriteTransaction {
                session_id: d.id("sessionId")?,
                tx: d.tx_config()?,
            },
            "SessionBeginTransaction" => R::SessionBeginTransaction {
                session_id: d.id("sessionId")?,
                tx: d.tx_config()?,
            },
            "SessionLastBookmarks" => R::SessionLastBookmarks {
                session_id: d.id("sessionId")?,
            },
            "TransactionRun" => R::TransactionRun {
                tx_id: d.id("txId")?,
                cypher: d.string("cypher")?,
                params: d.params("params")?,
            },
            "TransactionCommit" => R::TransactionCommit {
                tx_id: d.id("txId")?,
            },
            "TransactionRollback" => R::TransactionRollback {
                tx_id: d.id("txId")?,
            },
            "TransactionClose" => R::TransactionClose {
                tx_id: d.id("txId")?,
            },
            "ResultNext" => R::ResultNext {
                result_id: d.id("resultId")?,
            },
            "ResultPeek" => R::ResultPeek {
                result_id: d.id("resultId")?,
            },
            "ResultSingle" => R::ResultSingle {
                result_id: d.id("resultId")?,
            },
            "ResultSingleOptional" => R::ResultSingleOptional {
                result_id: d.id("resultId")?,
            },
            "ResultConsume" => R::ResultConsume {
                result_id: d.id("resultId")?,
            },
            "ResultList" => R::ResultList {
                result_id: d.id("resultId")?,
            },
            "RetryablePositive" => R::RetryablePositive {
                session_id: d.id("sessionId")?,
            },
            "RetryableNegative" => R::RetryableNegative {
                session_id: d.id("sessionId")?,
                error_id: d.opt_id("errorId").unwrap_or_default(),
            },
            "ExecuteQuery" => {
                let c = d.sub("config");
                let bookmark_manager_id = match c.get("bookmarkManagerId") {
                    None => None,
                    Some(v) => match id_of(v) {
                        Some(id) if id == "-1" => Some(None),
                        Some(id) => Some(Some(id)),
                        None => None,
                    },
                };
                R::ExecuteQuery {
                    driver_id: d.id("driverId")?,
                    cypher: d.string("cypher")?,
                    params: d.params("params")?,
                    config: Box::new(ExecuteQueryConfig {
                        database: c.opt_string("database")?,
                        read: c.opt_string("routing")?.map(|r| r == "r"),
                        impersonated_user: c.opt_string("impersonatedUser")?,
                        bookmark_manager_id,
                        tx: c.tx_config()?,
                        auth: c.auth("authorizationToken")?,
                    }),
                }
            }
            "NewBookmarkManager" => R::NewBookmarkManager {
                initial_bookmarks: d.opt_strings("initialBookmarks")?,
                supplier: d.bool("bookmarksSupplierRegistered")?,
                consumer: d.bool("bookmarksConsumerRegistered")?,
            },
            "BookmarkManagerClose" => R::BookmarkManagerClose { id: d.id("id")? },
            "NewAuthTokenManager" => R::NewAuthTokenManager,
            "NewBasicAuthTokenManager" => R::NewBasicAuthTokenManager,
            "NewBearerAuthTokenManager" => R::NewBearerAuthTokenManager,
            "AuthTokenManagerClose" => R::AuthTokenManagerClose { id: d.id("id")? },
            "NewClientCertificateProvider" => R::NewClientCertificateProvider,
            "ClientCertificateProviderClose" => {
                R::ClientCertificateProviderClose { id: d.id("id")? }
            }
            "ForcedRoutingTableUpdate" => R::ForcedRoutingTableUpdate {
                driver_id: d.id("driverId")?,
                database: d.opt_string("database")?,
                bookmarks: d.opt_strings("bookmarks")?,
            },
            "GetRoutingTable" => R::GetRoutingTable {
                driver_id: d.id("driverId")?,
                database: d.opt_string("database")?,
            },
            "GetConnectionPoolMetrics" => R::GetConnectionPoolMetrics {
                driver_id: d.id("driverId")?,
                address: d.string("address")?,
            },
            "CypherTypeField" => R::CypherTypeField {
                result_id: d.id("resultId")?,
                record_key: d.string("recordKey")?,
                type_name: d.string("type")?,
                field: d.string("field")?,
            },
            "FakeTimeInstall" => R::FakeTimeInstall,
            "FakeTimeTick" => R::FakeTimeTick {
                increment_ms: d.opt_int("incrementMs")?.unwrap_or(0),
            },
            "FakeTimeUninstall" => R::FakeTimeUninstall,
            n if CALLBACK_COMPLETIONS.contains(&n) => R::CallbackCompleted {
                request_id: d.id("requestId")?,
                name: n.to_owned(),
                data: d.data.clone(),
            },
            other => return Err(ParseError::Unknown(other.to_owned())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use boltc::Value;

    #[test]
    fn parses_new_driver() {
        let r = Request::parse(
            r#"{"name":"NewDriver","data":{"uri":"bolt://127.0.0.1:9001",
            "authorizationToken":{"name":"AuthorizationToken","data":{"scheme":"basic","principal":"p","credentials":"c"}},
            "authTokenManagerId":null,"userAgent":null,"resolverRegistered":false,
            "domainNameResolverRegistered":false,"connectionTimeoutMs":1500,"fetchSize":null,
            "maxTxRetryTimeMs":null,"livenessCheckTimeoutMs":null,"maxConnectionPoolSize":null,
            "connectionAcquisitionTimeoutMs":null,"clientCertificate":null,
            "clientCertificateProviderId":null,"trustedCertificates":[]}}"#,
        )
        .unwrap();
        let Request::NewDriver(d) = r else {
            panic!("{r:?}")
        };
        assert_eq!(d.uri, "bolt://127.0.0.1:9001");
        let auth = d.auth.unwrap();
        assert_eq!(
            (auth.scheme.as_str(), auth.principal.as_deref()),
            ("basic", Some("p"))
        );
        assert_eq!(d.connection_timeout, Some(Duration::from_millis(1500)));
        assert_eq!(d.trusted_certificates, Some(Some(vec![])));
        assert!(d.client_certificate.is_none() && d.client_certificate_provider_id.is_none());
    }

    #[test]
    fn parses_session_run_with_params_and_timeout() {
        let r = Request::parse(
            r#"{"name":"SessionRun","data":{"sessionId":"3","cypher":"RETURN $x",
            "params":{"x":{"name":"CypherInt","data":{"value":1}}},
            "txMeta":{"k":{"name":"CypherString","data":{"value":"v"}}},"timeout":null}}"#,
        )
        .unwrap();
        let Request::SessionRun {
            session_id,
            params,
            tx,
            ..
        } = r
        else {
            panic!()
        };
        assert_eq!(session_id, "3");
        assert_eq!(params["x"], Value::Int(1));
        assert_eq!(tx.metadata.unwrap()["k"], Value::String("v".into()));
        assert_eq!(tx.timeout_ms, Some(None));
    }

    #[test]
    fn parses_test_control_and_unknown() {
        assert!(matches!(
            Request::parse(r#"{"name":"GetFeatures","data":{}}"#),
            Ok(Request::GetFeatures)
        ));
        assert!(matches!(
            Request::parse(r#"{"name":"StartTest","data":{"testName":"a.b"}}"#),
            Ok(Request::StartTest { test_name }) if test_name == "a.b"
        ));
        assert_eq!(
            Request::parse(r#"{"name":"Nope","data":{}}"#).unwrap_err(),
            ParseError::Unknown("Nope".into())
        );
        assert!(matches!(Request::parse("{"), Err(ParseError::Malformed(_))));
        assert!(matches!(
            Request::parse(r#"{"name":"ResolverResolutionCompleted","data":{"requestId":"7","addresses":[]}}"#),
            Ok(Request::CallbackCompleted { request_id, .. }) if request_id == "7"
        ));
    }

    #[test]
    fn execute_query_bookmark_manager_disabled() {
        let r = Request::parse(
            r#"{"name":"ExecuteQuery","data":{"driverId":"1","cypher":"RETURN 1","params":null,
            "config":{"routing":"r","bookmarkManagerId":-1,"timeout":5}}}"#,
        )
        .unwrap();
        let Request::ExecuteQuery { config, .. } = r else {
            panic!()
        };
        assert_eq!(config.read, Some(true));
        assert_eq!(config.bookmark_manager_id, Some(None));
        assert_eq!(config.tx.timeout_ms, Some(Some(5)));
    }
}
