//! `boltc_status`: the return code of every fallible call, and its 1:1 mapping onto
//! [`ErrorKind`].

use crate::error::{Error, ErrorKind};

/// The result of a fallible boltc call. `BOLTC_STATUS_OK` (0) is success; every other value
/// is a failure, and the call's `boltc_error **error_out` (if not NULL) receives the details.
///
/// The codes from `BOLTC_STATUS_CLIENT_ERROR` to `BOLTC_STATUS_UNSUPPORTED` correspond one to
/// one to the Rust `boltc::ErrorKind`; the others are produced by the C layer only.
///
/// In C, `boltc_status` is an `int32_t` (the enum names the values): where boltc receives a
/// status from C (a transaction function's return value, `boltc_status_name`) any `int32_t` is
/// accepted, and a value that is not one of these is reported as such, never trusted.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum boltc_status {
    /// Success.
    Ok = 0,
    /// The server rejected the request (`Neo.ClientError.*`).
    ClientError = 1,
    /// A transient server condition; retrying may succeed.
    TransientError = 2,
    /// The server failed internally (`Neo.DatabaseError.*`).
    DatabaseError = 3,
    /// The credentials were rejected.
    Authentication = 4,
    /// The auth token expired.
    TokenExpired = 5,
    /// The server could not be reached, or the connection was lost.
    ServiceUnavailable = 6,
    /// The server can no longer serve this session.
    SessionExpired = 7,
    /// The connection was lost during COMMIT: the outcome is unknown.
    IncompleteCommit = 8,
    /// The server broke the Bolt protocol.
    Protocol = 9,
    /// The configuration or URI is invalid.
    Config = 10,
    /// An argument is invalid (bad UTF-8, a wrong handle, an unsendable value, ...).
    InvalidArgument = 11,
    /// A bounded operation ran out of time.
    Timeout = 12,
    /// TLS setup or handshake failed.
    Tls = 13,
    /// A value has another type than the one asked for.
    Conversion = 14,
    /// The result was consumed, or its transaction ended.
    ResultConsumed = 15,
    /// `single` found zero or several records.
    ResultNotSingle = 16,
    /// The call is not allowed in this state (closed session, second transaction, ...).
    IllegalState = 17,
    /// The call was interrupted with `boltc_session_interrupt`.
    Interrupted = 18,
    /// The server does not support the requested feature.
    Unsupported = 19,
    /// A required pointer argument was NULL.
    NullArgument = 100,
    /// The session is in use by another thread; nothing was done.
    Busy = 101,
    /// boltc panicked (a bug); the handle involved should be freed.
    Panic = 102,
}

/// A status as C hands it to boltc: any `int32_t` (named `boltc_status` in the header), checked
/// with `boltc_status::try_from` before use. Never read a C value as the Rust enum directly:
/// a value outside it would be undefined behaviour.
pub type boltc_status_raw = i32;

/// Every status, for the raw-value check.
const ALL_STATUSES: [boltc_status; 23] = {
    use boltc_status as S;
    [
        S::Ok,
        S::ClientError,
        S::TransientError,
        S::DatabaseError,
        S::Authentication,
        S::TokenExpired,
        S::ServiceUnavailable,
        S::SessionExpired,
        S::IncompleteCommit,
        S::Protocol,
        S::Config,
        S::InvalidArgument,
        S::Timeout,
        S::Tls,
        S::Conversion,
        S::ResultConsumed,
        S::ResultNotSingle,
        S::IllegalState,
        S::Interrupted,
        S::Unsupported,
        S::NullArgument,
        S::Busy,
        S::Panic,
    ]
};

impl TryFrom<boltc_status_raw> for boltc_status {
    /// The value, which is not a status.
    type Error = boltc_status_raw;

    fn try_from(raw: boltc_status_raw) -> Result<boltc_status, boltc_status_raw> {
        ALL_STATUSES
            .iter()
            .copied()
            .find(|s| *s as i32 == raw)
            .ok_or(raw)
    }
}

impl boltc_status {
    /// The status for an error kind (1:1).
    pub(crate) fn from_kind(kind: ErrorKind) -> boltc_status {
        use boltc_status as S;
        match kind {
            ErrorKind::ClientError => S::ClientError,
            ErrorKind::TransientError => S::TransientError,
            ErrorKind::DatabaseError => S::DatabaseError,
            ErrorKind::Authentication => S::Authentication,
            ErrorKind::TokenExpired => S::TokenExpired,
            ErrorKind::ServiceUnavailable => S::ServiceUnavailable,
            ErrorKind::SessionExpired => S::SessionExpired,
            ErrorKind::IncompleteCommit => S::IncompleteCommit,
            ErrorKind::Protocol => S::Protocol,
            ErrorKind::Config => S::Config,
            ErrorKind::InvalidArgument => S::InvalidArgument,
            ErrorKind::Timeout => S::Timeout,
            ErrorKind::Tls => S::Tls,
            ErrorKind::Conversion => S::Conversion,
            ErrorKind::ResultConsumed => S::ResultConsumed,
            ErrorKind::ResultNotSingle => S::ResultNotSingle,
            ErrorKind::IllegalState => S::IllegalState,
            ErrorKind::Interrupted => S::Interrupted,
            ErrorKind::Unsupported => S::Unsupported,
        }
    }

    /// The error kind of a status, if it has one (`OK` and the C-only codes have none).
    pub(crate) fn kind(self) -> Option<ErrorKind> {
        use boltc_status as S;
        Some(match self {
            S::ClientError => ErrorKind::ClientError,
            S::TransientError => ErrorKind::TransientError,
            S::DatabaseError => ErrorKind::DatabaseError,
            S::Authentication => ErrorKind::Authentication,
            S::TokenExpired => ErrorKind::TokenExpired,
            S::ServiceUnavailable => ErrorKind::ServiceUnavailable,
            S::SessionExpired => ErrorKind::SessionExpired,
            S::IncompleteCommit => ErrorKind::IncompleteCommit,
            S::Protocol => ErrorKind::Protocol,
            S::Config => ErrorKind::Config,
            S::InvalidArgument => ErrorKind::InvalidArgument,
            S::Timeout => ErrorKind::Timeout,
            S::Tls => ErrorKind::Tls,
            S::Conversion => ErrorKind::Conversion,
            S::ResultConsumed => ErrorKind::ResultConsumed,
            S::ResultNotSingle => ErrorKind::ResultNotSingle,
            S::IllegalState => ErrorKind::IllegalState,
            S::Interrupted => ErrorKind::Interrupted,
            S::Unsupported => ErrorKind::Unsupported,
            S::Ok | S::NullArgument | S::Busy | S::Panic => return None,
        })
    }
}

/// A failed C call: the status to return and the error to report.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) status: boltc_status,
    pub(crate) error: Error,
}

/// The result type of ffi bodies.
pub(crate) type FfiResult<T> = Result<T, Failure>;

impl Failure {
    /// A failure with a C-only status.
    pub(crate) fn with_status(status: boltc_status, msg: impl Into<String>) -> Failure {
        let kind = status.kind().unwrap_or(ErrorKind::InvalidArgument);
        Failure {
            status,
            error: Error::new(kind, msg),
        }
    }
    /// `BOLTC_STATUS_NULL_ARGUMENT`.
    pub(crate) fn null(msg: impl Into<String>) -> Failure {
        Failure::with_status(boltc_status::NullArgument, msg)
    }
    /// `BOLTC_STATUS_INVALID_ARGUMENT`.
    pub(crate) fn invalid(msg: impl Into<String>) -> Failure {
        Failure::with_status(boltc_status::InvalidArgument, msg)
    }
    /// `BOLTC_STATUS_CONVERSION`: a value of another type.
    pub(crate) fn conversion(want: &str, got: &str) -> Failure {
        Failure::with_status(
            boltc_status::Conversion,
            format!("expected a {want} value, got {got}"),
        )
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Failure {
        Failure {
            status: boltc_status::from_kind(error.kind()),
            error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_KINDS: [ErrorKind; 19] = [
        ErrorKind::ClientError,
        ErrorKind::TransientError,
        ErrorKind::DatabaseError,
        ErrorKind::Authentication,
        ErrorKind::TokenExpired,
        ErrorKind::ServiceUnavailable,
        ErrorKind::SessionExpired,
        ErrorKind::IncompleteCommit,
        ErrorKind::Protocol,
        ErrorKind::Config,
        ErrorKind::InvalidArgument,
        ErrorKind::Timeout,
        ErrorKind::Tls,
        ErrorKind::Conversion,
        ErrorKind::ResultConsumed,
        ErrorKind::ResultNotSingle,
        ErrorKind::IllegalState,
        ErrorKind::Interrupted,
        ErrorKind::Unsupported,
    ];

    #[test]
    fn kinds_map_one_to_one_onto_statuses() {
        let mut seen = std::collections::HashSet::new();
        for k in ALL_KINDS {
            let s = boltc_status::from_kind(k);
            assert_ne!(s, boltc_status::Ok);
            assert!(seen.insert(s), "{k:?} shares a status");
            assert_eq!(s.kind(), Some(k));
        }
        for s in [
            boltc_status::Ok,
            boltc_status::NullArgument,
            boltc_status::Busy,
            boltc_status::Panic,
        ] {
            assert_eq!(s.kind(), None);
        }
    }

    #[test]
    fn raw_values_are_checked() {
        for s in ALL_STATUSES {
            assert_eq!(boltc_status::try_from(s as i32), Ok(s));
        }
        for raw in [-1, 20, 42, 55, 99, 103, 1000, i32::MIN, i32::MAX] {
            assert_eq!(boltc_status::try_from(raw), Err(raw));
        }
    }

    /// Exhaustive over ErrorKind inside the crate: adding a kind breaks this until it gets a
    /// status (and an entry in ALL_KINDS).
    #[test]
    fn every_kind_is_listed() {
        fn idx(k: ErrorKind) -> usize {
            boltc_status::from_kind(k) as usize
        }
        assert_eq!(
            ALL_KINDS.iter().map(|k| idx(*k)).max(),
            Some(ALL_KINDS.len())
        );
    }
}
