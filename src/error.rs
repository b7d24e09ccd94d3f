//! The one public error type: [`Error`] with a stable [`ErrorKind`].
//!
//! Messages are for people and may change; kinds and server codes are the contract.

use std::fmt;

/// A specialised `Result` for boltc operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, as a stable, copyable category.
///
/// Maps 1:1 onto the C `boltc_status` codes.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The server rejected the request (`Neo.ClientError.*`): bad query, constraint violation, ...
    ClientError,
    /// A transient server condition (`Neo.TransientError.*`); the work may succeed if retried.
    TransientError,
    /// The server failed internally (`Neo.DatabaseError.*`).
    DatabaseError,
    /// The credentials were rejected (`Neo.ClientError.Security.Unauthorized` and friends).
    Authentication,
    /// The auth token expired (`Neo.ClientError.Security.TokenExpired`).
    TokenExpired,
    /// The server could not be reached or the connection was lost outside a commit.
    ServiceUnavailable,
    /// The server is no longer able to serve this session (e.g. a leader switch in a cluster).
    SessionExpired,
    /// The connection was lost while a COMMIT was in flight: the outcome is unknown.
    IncompleteCommit,
    /// The peer sent bytes that break the Bolt protocol or PackStream.
    Protocol,
    /// The driver configuration or a URI is invalid.
    Config,
    /// An argument was invalid (e.g. a parameter of a type that cannot be sent).
    InvalidArgument,
    /// A bounded operation (connect, read, pool acquisition) ran out of time.
    Timeout,
    /// TLS setup or the TLS handshake failed (bad certificate, wrong hostname, ...).
    Tls,
    /// A value could not be converted to the requested Rust type.
    Conversion,
    /// The result was already consumed, or the transaction/session already closed.
    ResultConsumed,
    /// `single()` found zero or more than one record.
    ResultNotSingle,
    /// An operation was used in a state that does not allow it (e.g. a second open transaction).
    IllegalState,
    /// The operation was interrupted from another thread.
    Interrupted,
    /// The server does not support a requested feature (e.g. impersonation on an old version).
    Unsupported,
}

impl ErrorKind {
    /// Whether an error of this kind is worth retrying in a transaction function.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            ErrorKind::TransientError | ErrorKind::ServiceUnavailable | ErrorKind::SessionExpired
        )
    }
}

/// The GQL status object of a server error, with its cause chain.
///
/// Bolt 5.7+ servers send it; for older servers (and fields a server leaves out) it holds the
/// GQL defaults: status `50N42`, and `OPERATION`, `OPERATION_CODE` and `CURRENT_SCHEMA` in the
/// diagnostic record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GqlError {
    /// The GQLSTATUS code, e.g. `42001`.
    pub gql_status: String,
    /// The description of the status.
    pub description: String,
    /// The classification (`CLIENT_ERROR`, `TRANSIENT_ERROR`, `DATABASE_ERROR`, ...), if sent.
    pub classification: Option<String>,
    /// The diagnostic record as sent, with the default entries added where missing.
    pub diagnostic_record: Option<crate::value::Map>,
    /// The legacy Neo4j code carried with it, if any.
    pub neo4j_code: Option<String>,
    /// The message carried with it.
    pub message: String,
    /// The cause, if the server sent one.
    pub cause: Option<Box<GqlError>>,
}

#[derive(Debug)]
struct Inner {
    kind: ErrorKind,
    message: String,
    server_code: Option<String>,
    retryable: Option<bool>,
    gql: Option<GqlError>,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

/// The error type of every fallible boltc operation.
///
/// It is small (one boxed pointer) and carries a [`ErrorKind`], a message, the server's
/// error code when the error came from the server, and an optional source.
pub struct Error {
    inner: Box<Inner>,
}

impl Error {
    /// Creates an error of `kind` with a message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                server_code: None,
                retryable: None,
                gql: None,
                source: None,
            }),
        }
    }

    /// Creates an error from a server FAILURE code and message, classifying the code.
    ///
    /// Older servers report two client errors with transient codes
    /// (`Neo.TransientError.Transaction.Terminated` and `...LockClientStopped`); as in the
    /// official drivers, their code is reported as `Neo.ClientError.Transaction.*`.
    ///
    /// A FAILURE without a message (or with an empty one) gets the code as its message, so no
    /// binding ever shows an empty error message.
    pub fn server(code: impl Into<String>, message: impl Into<String>) -> Error {
        let mut code = code.into();
        if matches!(
            code.as_str(),
            "Neo.TransientError.Transaction.Terminated"
                | "Neo.TransientError.Transaction.LockClientStopped"
        ) {
            code = code.replacen("TransientError", "ClientError", 1);
        }
        let kind = classify_server_code(&code);
        let mut message = message.into();
        if message.trim().is_empty() {
            message = format!("{code} (the server sent no message)");
        }
        let mut e = Error::new(kind, message);
        if code == AUTHORIZATION_EXPIRED {
            // A client error, but another (new) connection may well succeed.
            e.inner.retryable = Some(true);
        }
        e.inner.server_code = Some(code);
        e
    }

    /// Attaches a source error.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Error {
        self.inner.source = Some(Box::new(source));
        self
    }

    /// Attaches a GQL status object.
    pub fn with_gql(mut self, gql: GqlError) -> Error {
        self.inner.gql = Some(gql);
        self
    }

    /// Overrides whether this error is retryable.
    pub fn with_retryable(mut self, retryable: bool) -> Error {
        self.inner.retryable = Some(retryable);
        self
    }

    /// Prefixes the message with context (an address, a message name, a column).
    pub fn context(mut self, ctx: impl fmt::Display) -> Error {
        self.inner.message = format!("{ctx}: {}", self.inner.message);
        self
    }

    /// Changes the kind, keeping everything else.
    pub fn with_kind(mut self, kind: ErrorKind) -> Error {
        self.inner.kind = kind;
        self
    }

    /// The category of this error.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The server's error code, e.g. `Neo.ClientError.Statement.SyntaxError`.
    pub fn server_code(&self) -> Option<&str> {
        self.inner.server_code.as_deref()
    }

    /// The GQL status object, if the server sent one.
    pub fn gql(&self) -> Option<&GqlError> {
        self.inner.gql.as_ref()
    }

    /// The classification part of the server code (`ClientError`, `TransientError`,
    /// `DatabaseError`), if this is a server error.
    pub fn classification(&self) -> Option<&str> {
        self.inner
            .server_code
            .as_deref()
            .and_then(|c| c.split('.').nth(1))
    }

    /// Whether retrying the unit of work may succeed: transient errors, a lost or expired
    /// session, an unavailable service, and an expired authorization
    /// (`Neo.ClientError.Security.AuthorizationExpired`: a new connection may succeed).
    pub fn is_retryable(&self) -> bool {
        if let Some(r) = self.inner.retryable {
            return r;
        }
        self.inner.kind.is_retryable()
    }
}

/// The server code of an expired authorization: the connection's credentials no longer hold,
/// other (new) connections may well succeed, so the work is worth retrying.
pub(crate) const AUTHORIZATION_EXPIRED: &str = "Neo.ClientError.Security.AuthorizationExpired";

/// Maps a Neo4j status code onto an [`ErrorKind`], following the official drivers.
fn classify_server_code(code: &str) -> ErrorKind {
    match code {
        "Neo.ClientError.Security.Unauthorized" => ErrorKind::Authentication,
        "Neo.ClientError.Security.TokenExpired" => ErrorKind::TokenExpired,
        "Neo.ClientError.Cluster.NotALeader"
        | "Neo.ClientError.General.ForbiddenOnReadOnlyDatabase" => ErrorKind::SessionExpired,
        _ => match code.split('.').nth(1) {
            Some("ClientError") => ErrorKind::ClientError,
            Some("TransientError") => ErrorKind::TransientError,
            _ => ErrorKind::DatabaseError,
        },
    }
}

impl Clone for Error {
    /// Clones everything but the source error, which is kept as text in the message.
    fn clone(&self) -> Self {
        let mut message = self.inner.message.clone();
        if let Some(src) = &self.inner.source {
            message = format!("{message}: {src}");
        }
        Error {
            inner: Box::new(Inner {
                kind: self.inner.kind,
                message,
                server_code: self.inner.server_code.clone(),
                retryable: self.inner.retryable,
                gql: self.inner.gql.clone(),
                source: None,
            }),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.inner.kind)
            .field("message", &self.inner.message);
        if let Some(c) = &self.inner.server_code {
            d.field("server_code", c);
        }
        if let Some(s) = &self.inner.source {
            d.field("source", s);
        }
        d.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner.server_code {
            // A message made from the code (see `Error::server`) already names it.
            Some(code) if !self.inner.message.starts_with(code.as_str()) => {
                write!(f, "{} ({code})", self.inner.message)
            }
            Some(_) | None => f.write_str(&self.inner.message),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_ref()
            .map(|s| s.as_ref() as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_error_without_message_is_named_by_its_code() {
        for msg in ["", "  "] {
            let e = Error::server("Neo.ClientError.Statement.SyntaxError", msg);
            assert_eq!(
                e.message(),
                "Neo.ClientError.Statement.SyntaxError (the server sent no message)"
            );
            assert_eq!(e.to_string(), e.message());
        }
        let e = Error::server("Neo.ClientError.Statement.SyntaxError", "bad");
        assert_eq!(e.to_string(), "bad (Neo.ClientError.Statement.SyntaxError)");
    }

    #[test]
    fn classifies_server_codes() {
        let cases = [
            (
                "Neo.ClientError.Statement.SyntaxError",
                ErrorKind::ClientError,
                false,
            ),
            (
                "Neo.TransientError.General.DatabaseUnavailable",
                ErrorKind::TransientError,
                true,
            ),
            (
                "Neo.TransientError.Transaction.Terminated",
                ErrorKind::ClientError,
                false,
            ),
            (
                "Neo.DatabaseError.General.UnknownError",
                ErrorKind::DatabaseError,
                false,
            ),
            (
                "Neo.ClientError.Security.Unauthorized",
                ErrorKind::Authentication,
                false,
            ),
            (
                "Neo.ClientError.Cluster.NotALeader",
                ErrorKind::SessionExpired,
                true,
            ),
        ];
        for (code, kind, retry) in cases {
            let e = Error::server(code, "m");
            assert_eq!(e.kind(), kind, "{code}");
            assert_eq!(e.is_retryable(), retry, "{code}");
            let reported = code.replace("TransientError.Transaction", "ClientError.Transaction");
            assert_eq!(e.server_code(), Some(reported.as_str()));
        }
    }

    #[test]
    fn error_is_one_pointer() {
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }
}
