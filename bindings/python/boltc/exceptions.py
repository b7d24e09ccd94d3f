"""Exceptions, with the names and hierarchy of the official ``neo4j.exceptions`` module.

::

    Neo4jError                      errors the server reported (``code`` is its error code)
      ClientError
        CypherSyntaxError, CypherTypeError, ConstraintError, Forbidden
        AuthError
          TokenExpired
      DatabaseError
      TransientError
        DatabaseUnavailable, NotALeader, ForbiddenOnReadOnlyDatabase
    DriverError                     errors of the driver itself
      SessionError
      TransactionError
        TransactionNestingError
      ResultError
        ResultFailedError, ResultConsumedError, ResultNotSingleError
      BrokenRecordError
      SessionExpired
      ServiceUnavailable
        RoutingServiceUnavailable, WriteServiceUnavailable, ReadServiceUnavailable
        IncompleteCommit
      ConfigurationError
        AuthConfigurationError, CertificateConfigurationError, UnsupportedServerProduct
      ConnectionPoolError
        ConnectionAcquisitionTimeoutError
      Interrupted                   (boltc) a call stopped by Session.interrupt()
      ConversionError               (boltc) also a TypeError: a value of the wrong type

Every exception raised for a failed C call carries ``status`` (the ``boltc_status`` name, e.g.
``"BOLTC_STATUS_CLIENT_ERROR"``).
"""

from __future__ import annotations

from typing import Any, Dict, Optional


class Neo4jError(Exception):
    """An error the server reported. ``code`` is e.g. ``Neo.ClientError.Statement.SyntaxError``."""

    status: Optional[str] = None

    def __init__(
        self,
        message: str = "",
        code: Optional[str] = None,
        *,
        retryable: bool = False,
        gql_status: Optional[str] = None,
        gql_status_description: Optional[str] = None,
        gql_classification: Optional[str] = None,
        status: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self._message = message
        self._code = code or "Neo.DatabaseError.General.UnknownError"
        self._retryable = retryable
        self.gql_status = gql_status or "50N42"
        self.gql_status_description = gql_status_description or message
        self.gql_raw_classification = gql_classification
        self.status = status

    @property
    def message(self) -> str:
        """The server's message."""
        return self._message

    @property
    def code(self) -> str:
        """The server's error code."""
        return self._code

    def _part(self, i: int) -> str:
        parts = self._code.split(".")
        return parts[i] if len(parts) == 4 else ""

    @property
    def classification(self) -> str:
        """``ClientError``, ``TransientError`` or ``DatabaseError`` (from the code)."""
        return self._part(1)

    @property
    def category(self) -> str:
        """The third part of the code, e.g. ``Statement``."""
        return self._part(2)

    @property
    def title(self) -> str:
        """The last part of the code, e.g. ``SyntaxError``."""
        return self._part(3)

    @property
    def metadata(self) -> Dict[str, Any]:
        return {}

    def is_retryable(self) -> bool:
        """Whether retrying the transaction may succeed."""
        return bool(self._retryable)

    def __str__(self) -> str:
        return "{code: %s} {message: %s}" % (self._code, self._message)


class ClientError(Neo4jError):
    """The client sent a bad request; retrying will not help."""


class CypherSyntaxError(ClientError):
    pass


class CypherTypeError(ClientError):
    pass


class ConstraintError(ClientError):
    pass


class AuthError(ClientError):
    """The credentials were rejected."""


class TokenExpired(AuthError):
    pass


class Forbidden(ClientError):
    pass


class DatabaseError(Neo4jError):
    """The server failed to carry out a valid request."""


class TransientError(Neo4jError):
    """A temporary server condition; the transaction may be retried."""


class DatabaseUnavailable(TransientError):
    pass


class NotALeader(TransientError):
    pass


class ForbiddenOnReadOnlyDatabase(TransientError):
    pass


class DriverError(Exception):
    """An error raised by the driver rather than reported by the server."""

    status: Optional[str] = None
    _retryable: Optional[bool] = None  # the library's verdict, when the error came from it

    def __init__(self, *args: Any, status: Optional[str] = None, retryable: Optional[bool] = None) -> None:
        super().__init__(*args)
        self.status = status
        self._retryable = retryable

    def is_retryable(self) -> bool:
        return False


class SessionError(DriverError):
    pass


class TransactionError(DriverError):
    pass


class TransactionNestingError(TransactionError):
    pass


class ResultError(DriverError):
    pass


class ResultFailedError(ResultError):
    pass


class ResultConsumedError(ResultError):
    pass


class ResultNotSingleError(ResultError):
    pass


class BrokenRecordError(DriverError):
    pass


class SessionExpired(DriverError):
    """The server can no longer serve the session; the work may be retried."""

    def is_retryable(self) -> bool:
        return True


class ServiceUnavailable(DriverError):
    """No server could be reached, or the connection was lost. Retryable, except where the
    library says otherwise: a protocol violation by the server (``BoltProtocolError``), a
    timeout, a TLS failure."""

    def is_retryable(self) -> bool:
        return True if self._retryable is None else self._retryable


class BoltProtocolError(ServiceUnavailable):
    """(boltc) The server broke the Bolt protocol (e.g. malformed bytes, or bytes left after a
    complete message: boltc does not tolerate them, unlike the official driver, since they mean
    the two sides no longer agree on the stream). The connection is closed; not retryable --
    retrying against the same server would fail the same way."""


class RoutingServiceUnavailable(ServiceUnavailable):
    pass


class WriteServiceUnavailable(ServiceUnavailable):
    pass


class ReadServiceUnavailable(ServiceUnavailable):
    pass


class IncompleteCommit(ServiceUnavailable):
    """The connection was lost during COMMIT: the outcome is unknown."""

    def is_retryable(self) -> bool:
        return False


class ConfigurationError(DriverError):
    pass


class AuthConfigurationError(ConfigurationError):
    pass


class CertificateConfigurationError(ConfigurationError):
    pass


class UnsupportedServerProduct(ConfigurationError):
    pass


class ConnectionPoolError(DriverError):
    pass


class ConnectionAcquisitionTimeoutError(ConnectionPoolError):
    pass


class Interrupted(DriverError):
    """(boltc) The call was interrupted with ``Session.interrupt()``."""


class ConversionError(DriverError, TypeError):
    """(boltc) A value has another type than the one asked for, or cannot be sent."""


class ValueOutOfRange(ConversionError, OverflowError):
    """(boltc) A parameter cannot be sent: an integer beyond 64 bits (an ``OverflowError``,
    as the official driver raises), raised before anything is sent."""


class UnsupportedValueType(ConversionError, ValueError):
    """(boltc) A parameter of a type Bolt cannot carry, e.g. a ``set`` (a ``ValueError``, as
    the official driver raises), raised before anything is sent."""


_CLIENT_CODES = {
    "Neo.ClientError.Statement.SyntaxError": CypherSyntaxError,
    "Neo.ClientError.Statement.TypeError": CypherTypeError,
    "Neo.ClientError.Schema.ConstraintValidationFailed": ConstraintError,
    "Neo.ClientError.Security.Unauthorized": AuthError,
    "Neo.ClientError.Security.AuthenticationRateLimit": AuthError,
    "Neo.ClientError.Security.TokenExpired": TokenExpired,
    "Neo.ClientError.Security.Forbidden": Forbidden,
    "Neo.ClientError.Cluster.NotALeader": NotALeader,
    "Neo.ClientError.General.ForbiddenOnReadOnlyDatabase": ForbiddenOnReadOnlyDatabase,
}
_TRANSIENT_CODES = {
    "Neo.TransientError.General.DatabaseUnavailable": DatabaseUnavailable,
}
# Codes the official driver reports as client errors although they say "TransientError".
_TRANSIENT_AS_CLIENT = {
    "Neo.TransientError.Transaction.Terminated": "Neo.ClientError.Transaction.Terminated",
    "Neo.TransientError.Transaction.LockClientStopped": "Neo.ClientError.Transaction.LockClientStopped",
}

# boltc_status number -> (name, class for errors without a server code)
STATUS: Dict[int, Any] = {
    1: ("BOLTC_STATUS_CLIENT_ERROR", ClientError),
    2: ("BOLTC_STATUS_TRANSIENT_ERROR", TransientError),
    3: ("BOLTC_STATUS_DATABASE_ERROR", DatabaseError),
    4: ("BOLTC_STATUS_AUTHENTICATION", AuthError),
    5: ("BOLTC_STATUS_TOKEN_EXPIRED", TokenExpired),
    6: ("BOLTC_STATUS_SERVICE_UNAVAILABLE", ServiceUnavailable),
    7: ("BOLTC_STATUS_SESSION_EXPIRED", SessionExpired),
    8: ("BOLTC_STATUS_INCOMPLETE_COMMIT", IncompleteCommit),
    9: ("BOLTC_STATUS_PROTOCOL", BoltProtocolError),
    10: ("BOLTC_STATUS_CONFIG", ConfigurationError),
    11: ("BOLTC_STATUS_INVALID_ARGUMENT", ConversionError),
    12: ("BOLTC_STATUS_TIMEOUT", ServiceUnavailable),
    13: ("BOLTC_STATUS_TLS", ServiceUnavailable),
    14: ("BOLTC_STATUS_CONVERSION", ConversionError),
    15: ("BOLTC_STATUS_RESULT_CONSUMED", ResultConsumedError),
    16: ("BOLTC_STATUS_RESULT_NOT_SINGLE", ResultNotSingleError),
    17: ("BOLTC_STATUS_ILLEGAL_STATE", SessionError),
    18: ("BOLTC_STATUS_INTERRUPTED", Interrupted),
    19: ("BOLTC_STATUS_UNSUPPORTED", ConfigurationError),
    100: ("BOLTC_STATUS_NULL_ARGUMENT", DriverError),
    101: ("BOLTC_STATUS_BUSY", SessionError),
    102: ("BOLTC_STATUS_PANIC", DriverError),
}


def neo4j_error_class(code: str) -> type:
    """The ``Neo4jError`` subclass for a server error code."""
    code = _TRANSIENT_AS_CLIENT.get(code, code)
    if code.startswith("Neo.ClientError."):
        return _CLIENT_CODES.get(code, ClientError)
    if code.startswith("Neo.TransientError."):
        return _TRANSIENT_CODES.get(code, TransientError)
    if code.startswith("Neo.DatabaseError."):
        return DatabaseError
    return Neo4jError


def make_error(
    status: int,
    message: str,
    code: Optional[str] = None,
    retryable: Optional[bool] = None,
    gql_status: Optional[str] = None,
    gql_description: Optional[str] = None,
    classification: Optional[str] = None,
    illegal_state: Optional[type] = None,
) -> Exception:
    """The exception for a failed C call: by server code when there is one, else by status."""
    name, cls = STATUS.get(status, ("BOLTC_STATUS_%d" % status, DriverError))
    if code and code.startswith("Neo.") and status in (1, 2, 3, 4, 5):
        cls = neo4j_error_class(code)
        if status == 4 and not issubclass(cls, AuthError):
            cls = AuthError
    if issubclass(cls, Neo4jError):
        return cls(
            message,
            code,
            retryable=retryable,
            gql_status=gql_status,
            gql_status_description=gql_description,
            gql_classification=classification,
            status=name,
        )
    if status == 17 and illegal_state is not None:
        cls = illegal_state
    return cls(message, status=name, retryable=retryable)
