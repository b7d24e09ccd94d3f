"""``GraphDatabase``, ``Driver``, auth tokens and trust settings."""

from __future__ import annotations

import logging
import threading
from ctypes import byref, c_bool, c_char_p, c_void_p
from enum import Enum
from typing import Any, Callable, Dict, Iterable, List, NamedTuple, Optional, Tuple, Union

from . import _bookmarks, _callbacks, _ffi, exceptions
from ._bookmarks import BookmarkManager, Neo4jBookmarkManager
from ._codec import to_map
from ._ffi import lib
from ._util import HandleOwner, borrowed_str, check
from ._work import (READ_ACCESS, WRITE_ACCESS, Address, Bookmarks, Query, Result, ServerInfo, Session,
                    server_info_from, unit_of_work)

log = logging.getLogger("boltc")


class Auth:
    """An authentication token (``scheme``, ``principal``, ``credentials``, ``realm``)."""

    def __init__(self, scheme: Optional[str], principal: Optional[str], credentials: Optional[str], realm: Optional[str] = None, **parameters: Any):
        self.scheme = scheme
        self.principal = principal
        self.credentials = credentials
        self.realm = realm
        self.parameters = parameters

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Auth) and vars(self) == vars(other)


AuthToken = Auth


def basic_auth(user: str, password: str, realm: Optional[str] = None) -> Auth:
    """Basic (user name and password) authentication."""
    return Auth("basic", user, password, realm)


def bearer_auth(base64_encoded_token: str) -> Auth:
    """Bearer (SSO token) authentication."""
    return Auth("bearer", None, base64_encoded_token)


def custom_auth(principal: Optional[str], credentials: Optional[str], realm: Optional[str], scheme: str, **parameters: Any) -> Auth:
    """A token with any ``scheme``, optional principal, credentials and realm, and extra
    ``parameters`` (sent as the token's ``parameters`` map)."""
    return Auth(scheme, principal, credentials, realm, **parameters)


def kerberos_auth(base64_encoded_ticket: str) -> Auth:
    """Kerberos authentication (``base64_encoded_ticket``: the base64-encoded ticket)."""
    return Auth("kerberos", "", base64_encoded_ticket)


class AuthManager:
    """The official auth manager interface: subclass it and implement ``get_auth()`` (the
    credentials to use now: a ``(user, password)`` tuple or an ``Auth``; called on every
    connection acquisition, so answer from a cache) and ``handle_security_exception(auth,
    error)`` (the server rejected ``auth`` with ``error``, a ``Neo4jError``; return True when
    handled, which makes the error retryable). Both may run on any thread, the library's
    routing thread included, and must not use the driver. An exception from ``get_auth``
    fails the query that needed a connection with ``AuthError`` naming it; one from
    ``handle_security_exception`` counts as "not handled"."""

    def get_auth(self) -> Any:
        raise NotImplementedError

    def handle_security_exception(self, auth: Any, error: Exception) -> bool:
        return False


class _StaticAuthManager(AuthManager):
    def __init__(self, auth: Any) -> None:
        self._auth = auth

    def get_auth(self) -> Any:
        return self._auth


class _ProvidedAuthManager(AuthManager):
    """``AuthManagers.basic`` / ``.bearer``: the library's manager caches the provider's
    credentials (per driver) and asks it again when they expire or the server rejects them.
    Called directly, ``get_auth()`` asks the provider (no cache) and
    ``handle_security_exception`` says whether the error's code is one the manager handles."""

    def __init__(self, provider: Callable[[], Any], bearer: bool) -> None:
        if not callable(provider):
            raise TypeError("the auth provider must be callable")
        self._provider = provider
        self._bearer = bearer

    def get_auth(self) -> Any:
        value = self._provider()
        return value.auth if self._bearer else value

    def handle_security_exception(self, auth: Any, error: Exception) -> bool:
        handled = ["Neo.ClientError.Security.Unauthorized"]
        if self._bearer:
            handled.append("Neo.ClientError.Security.TokenExpired")
        return getattr(error, "code", None) in handled


class ClientCertificate:
    """A client certificate for mutual TLS (as ``neo4j.auth_management.ClientCertificate``):
    ``certfile`` (PEM: the chain, leaf first) and ``keyfile`` (PEM private key; None: the key
    is in ``certfile``). ``password`` (``str``, ``bytes`` or a callable returning one, called
    once when the driver is created) decrypts an encrypted key: PKCS#8
    (``-----BEGIN ENCRYPTED PRIVATE KEY-----``) or the legacy OpenSSL format
    (``Proc-Type: 4,ENCRYPTED``, AES-CBC or DES-EDE3-CBC); a wrong password or another cipher
    raise ``ConfigurationError`` when the driver is created."""

    def __init__(self, certfile: Any, keyfile: Any = None, password: Any = None) -> None:
        self.certfile = certfile
        self.keyfile = keyfile
        self.password = password


class ClientCertificateProvider:
    """Gives the client certificate for mutual TLS, and a new one when it changes (as
    ``neo4j.auth_management.ClientCertificateProvider``): the driver calls
    ``get_certificate()`` before every new connection; it returns a ``ClientCertificate`` when
    the certificate changed since the last call (always on the first call), None otherwise.
    It may run on any thread (the library's routing thread too) and must not use the driver;
    an exception it raises fails that connection with ``ConfigurationError``."""

    def get_certificate(self) -> Optional["ClientCertificate"]:
        raise NotImplementedError


class RotatingClientCertificateProvider(ClientCertificateProvider):
    """A provider whose certificate is replaced with ``update_certificate(cert)`` (as
    ``neo4j.auth_management.RotatingClientCertificateProvider``): new connections use it."""

    def update_certificate(self, cert: "ClientCertificate") -> None:
        raise NotImplementedError


class _StaticCertificateProvider(ClientCertificateProvider):
    def __init__(self, cert: "ClientCertificate") -> None:
        self._cert: Optional[ClientCertificate] = cert
        self._lock = threading.Lock()

    def get_certificate(self) -> Optional["ClientCertificate"]:
        with self._lock:
            cert, self._cert = self._cert, None
            return cert


class _RotatingCertificateProvider(RotatingClientCertificateProvider, _StaticCertificateProvider):
    def update_certificate(self, cert: "ClientCertificate") -> None:
        with self._lock:
            self._cert = cert


class ClientCertificateProviders:
    """Factories of client certificate providers (as
    ``neo4j.auth_management.ClientCertificateProviders``)."""

    @staticmethod
    def static(cert: "ClientCertificate") -> ClientCertificateProvider:
        """Always ``cert``."""
        return _StaticCertificateProvider(cert)

    @staticmethod
    def rotating(initial_cert: "ClientCertificate") -> RotatingClientCertificateProvider:
        """Starts with ``initial_cert``; ``update_certificate`` replaces it."""
        return _RotatingCertificateProvider(initial_cert)


def _client_certificate_args(value: Any) -> Tuple[bytes, bytes, Optional[bytes]]:
    """The C arguments for a ``ClientCertificate``: certificate and key paths, key password."""
    if not isinstance(value, ClientCertificate):
        raise exceptions.ConfigurationError(
            "a client certificate must be a ClientCertificate, not %s" % type(value).__name__)
    password = value.password() if callable(value.password) else value.password
    if password is not None and not isinstance(password, (str, bytes)):
        raise exceptions.ConfigurationError(
            "ClientCertificate password must be str or bytes (or a callable returning one)")
    if isinstance(password, str):
        password = password.encode()
    if password is not None and b"\0" in password:
        raise exceptions.ConfigurationError("ClientCertificate password contains a NUL character")

    def path(p: Any) -> bytes:
        return p if isinstance(p, bytes) else str(p).encode()

    key = value.certfile if value.keyfile is None else value.keyfile
    return path(value.certfile), path(key), password


def _set_client_certificate(call: Callable[..., None], config: Any, value: Any) -> None:
    """``client_certificate=``: a ``ClientCertificate``, or a ``ClientCertificateProvider``
    (anything with ``get_certificate()``) asked before every new connection."""
    if isinstance(value, ClientCertificate):
        call(lib.boltc_config_set_client_certificate, *_client_certificate_args(value))
    elif callable(getattr(value, "get_certificate", None)):
        _callbacks.set_client_certificate_provider(config, value, _client_certificate_args)
    else:
        raise exceptions.ConfigurationError(
            "client_certificate must be a ClientCertificate or a ClientCertificateProvider, not %s"
            % type(value).__name__)


class AuthManagers:
    """Factories of auth managers (as ``neo4j.auth_management.AuthManagers``)."""

    @staticmethod
    def static(auth: Any) -> AuthManager:
        """Always the same token: the same as passing ``auth`` to the driver directly."""
        return _StaticAuthManager(auth)

    @staticmethod
    def basic(provider: Callable[[], Any]) -> AuthManager:
        """Password rotation: ``provider()`` (returning a ``(user, password)`` tuple or an
        ``Auth``) is asked once, and again after the server answers
        ``Neo.ClientError.Security.Unauthorized`` (that error is then retryable)."""
        return _ProvidedAuthManager(provider, bearer=False)

    @staticmethod
    def bearer(provider: Callable[[], Any]) -> AuthManager:
        """Token rotation (SSO): ``provider()`` returns an ``ExpiringAuth``; it is asked again
        when the token expires, or after the server answers ``...Security.TokenExpired`` or
        ``...Security.Unauthorized`` (those errors are then retryable)."""
        return _ProvidedAuthManager(provider, bearer=True)


_ENCRYPTED_SCHEMES = ("bolt+s", "bolt+ssc", "neo4j+s", "neo4j+ssc")


class TrustSystemCAs:
    """Trust the operating system's trust store (on Unix the OpenSSL-style bundle and directory,
    or the files named by ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``; the macOS keychain; the Windows
    store). Where the system has no root at all, the bundled Mozilla set is used instead."""


class TrustMozillaBundledCAs:
    """boltc's own: trust the Mozilla root set compiled into boltc, whatever the system trusts."""


class TrustAll:
    """Trust any certificate (no protection against an active attacker)."""


class TrustCustomCAs:
    """Trust the CA certificates in the given PEM file (boltc takes exactly one path)."""

    def __init__(self, *certificates: str):
        self.certs = certificates


TRUST_SYSTEM_CA_SIGNED_CERTIFICATES = "TRUST_SYSTEM_CA_SIGNED_CERTIFICATES"
TRUST_ALL_CERTIFICATES = "TRUST_ALL_CERTIFICATES"


class RoutingControl(str, Enum):
    """Where ``execute_query`` sends the query."""

    READ = "r"
    WRITE = "w"


class NotificationMinimumSeverity(str, Enum):
    """The least severe notifications the server should send (``OFF``: none)."""

    OFF = "OFF"
    WARNING = "WARNING"
    INFORMATION = "INFORMATION"


class NotificationDisabledCategory(str, Enum):
    """Notification categories the server should not send."""

    HINT = "HINT"
    UNRECOGNIZED = "UNRECOGNIZED"
    UNSUPPORTED = "UNSUPPORTED"
    PERFORMANCE = "PERFORMANCE"
    DEPRECATION = "DEPRECATION"
    GENERIC = "GENERIC"
    SECURITY = "SECURITY"
    TOPOLOGY = "TOPOLOGY"
    SCHEMA = "SCHEMA"


NotificationDisabledClassification = NotificationDisabledCategory

_NOTIFICATION_KEYS = (
    "notifications_min_severity",
    "notifications_disabled_categories",
    "notifications_disabled_classifications",
)


def _notification_filter(config: Dict[str, Any]) -> Tuple[Any, Optional[List[str]]]:
    """(severity or None, disabled categories or None) from the official option names; the
    categories and classifications given are merged (as the official driver does)."""
    sev = config.get("notifications_min_severity")
    if isinstance(sev, Enum):
        sev = sev.value
    cats: Optional[List[str]] = None
    for key in ("notifications_disabled_categories", "notifications_disabled_classifications"):
        value = config.get(key)
        if value is None:
            continue
        if isinstance(value, (str, Enum)):
            raise exceptions.ConfigurationError("%s takes a list of categories" % key)
        cats = cats or []
        for c in value:
            c = c.value if isinstance(c, Enum) else str(c)
            if c not in cats:
                cats.append(c)
    return sev, cats


def _set_notifications(handle: Any, config: Dict[str, Any], set_severity: Any, set_categories: Any) -> None:
    sev, cats = _notification_filter(config)
    err = c_void_p()
    if sev is not None:
        check(set_severity(handle, str(sev).encode(), byref(err)), err, None)
    if cats is not None:
        arr = (c_char_p * max(1, len(cats)))(*[c.encode() for c in cats])
        check(set_categories(handle, arr, len(cats), byref(err)), err)


def _check_config_error(fn: Callable[[], None]) -> None:
    try:
        fn()
    except exceptions.ConversionError as e:  # INVALID_ARGUMENT: a bad severity or category
        raise exceptions.ConfigurationError(str(e)) from None


# Options of the official driver that boltc has no setting for (yet): accepted only when None
# (their default), refused otherwise -- never silently ignored.
_UNSUPPORTED_OPTIONS = {
    "ssl_context": "TLS is configured by the C library; use trusted_certificates",
    "warn_notification_severity": "boltc logs the server's notifications through the library logger only",
}

# Session options the official driver also takes as driver-wide defaults; boltc refuses them
# at the driver (bookmark_manager, fetch_size and the notification filters are driver options).
_SESSION_ONLY_OPTIONS = ("database", "impersonated_user", "default_access_mode", "bookmarks")

_DEFAULT: Any = object()  # execute_query's default: the driver's bookmark manager
_NO_MANAGER: Any = object()  # a session without bookmark manager, whatever the driver's default


# The official driver's retry settings, as the C setter and its unit (seconds as ms, or as is).
_RETRY_OPTIONS: Dict[str, Tuple[Callable[[], Any], Optional[int]]] = {
    "max_transaction_retry_time": (lambda: lib.boltc_config_set_max_transaction_retry_time_ms, 1000),
    "initial_retry_delay": (lambda: lib.boltc_config_set_retry_initial_delay_ms, 1000),
    "retry_delay_multiplier": (lambda: lib.boltc_config_set_retry_delay_multiplier, None),
    "retry_delay_jitter_factor": (lambda: lib.boltc_config_set_retry_delay_jitter, None),
}


def _retry_setting(key: str, value: Any, unit: Optional[int]) -> Any:
    """A retry option for its C setter: seconds as whole milliseconds, or the number as is
    (the library refuses what is out of range)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise exceptions.ConfigurationError("%s must be a number, not %r" % (key, value)) from None
    if unit is None:
        return number
    if not number >= 0 or number == float("inf"):
        raise exceptions.ConfigurationError("%s must be a finite number of seconds >= 0, not %r" % (key, value))
    return round(number * unit)


def _ms(seconds: float) -> int:
    return max(0, int(float(seconds) * 1000))


def _positive_ms(key: str, seconds: float) -> int:
    """Seconds as milliseconds for a timeout where 0 would mean "no bound": refuse <= 0."""
    ms = _ms(seconds)
    if ms <= 0:
        raise exceptions.ConfigurationError("%s must be positive seconds, or None for no bound" % key)
    return ms


def _auth_handle(auth: Any) -> Optional[int]:
    """A new ``boltc_auth`` for ``auth`` (a ``(user, password[, realm])`` tuple or an ``Auth``;
    freed with ``boltc_auth_free``), or None for None."""
    if auth is None:
        return None
    if isinstance(auth, (tuple, list)):
        auth = basic_auth(*auth)
    if not isinstance(auth, Auth):
        raise exceptions.AuthConfigurationError("auth must be a (user, password) tuple or an Auth")

    def opt(x: Optional[str]) -> Optional[bytes]:
        return None if x is None else str(x).encode()

    err = c_void_p()
    out = c_void_p()
    if auth.scheme is None or auth.scheme == "none" and not auth.parameters:
        check(lib.boltc_auth_none(byref(out), byref(err)), err)
        return out.value
    params = to_map(auth.parameters) if auth.parameters else None
    try:
        check(lib.boltc_auth_custom(opt(auth.principal), opt(auth.credentials), opt(auth.realm),
                                    str(auth.scheme).encode(), params, byref(out), byref(err)), err)
    finally:
        if params is not None:
            lib.boltc_map_free(params)
    return out.value


class Driver(HandleOwner):
    """A pool of connections to one server or cluster (as ``neo4j.Driver``)."""

    _FREE = "boltc_driver_free"

    def __init__(self, uri: str, auth: Any = None, **config: Any) -> None:
        self._handle: Optional[int] = None
        scheme = uri.split("://", 1)[0].lower() if "://" in uri else ""
        self._encrypted = scheme in _ENCRYPTED_SCHEMES or bool(config.get("encrypted", False))
        self._fetch_size = int(config.get("fetch_size", 1000))
        self._default_database: Optional[str] = None
        self._query_bookmark_manager = Neo4jBookmarkManager()
        # A session option given to the driver: the default of its sessions.
        self._session_bookmark_manager: Optional[BookmarkManager] = config.pop("bookmark_manager", None)
        err = c_void_p()
        cfg = c_void_p()
        check(lib.boltc_config_new(uri.encode(), byref(cfg), byref(err)), err)
        try:
            self._configure(cfg, auth, config)
            out = c_void_p()
            status = lib.boltc_driver_new(cfg, byref(out), byref(err))
            if status == 13:  # TLS files could not be loaded
                raise exceptions.CertificateConfigurationError(
                    "%s" % _error_message(err), status="BOLTC_STATUS_TLS"
                )
            check(status, err)
            self._handle = out.value
        finally:
            lib.boltc_config_free(cfg)

    def _configure(self, cfg: c_void_p, auth: Any, config: Dict[str, Any]) -> None:
        err = c_void_p()

        def call(fn: Any, *args: Any) -> None:
            check(fn(cfg, *args, byref(err)), err)

        if isinstance(auth, _StaticAuthManager):
            auth = auth.get_auth()
        elif isinstance(auth, _ProvidedAuthManager):
            _callbacks.set_provider_manager(cfg, auth._provider, auth._bearer, _auth_handle)
            auth = None
        elif isinstance(auth, AuthManager) or _is_auth_manager(auth):
            _callbacks.set_auth_manager(cfg, auth, _auth_handle)
            auth = None
        token = _auth_handle(auth)
        if token is not None:
            try:
                call(lib.boltc_config_set_auth, token)
            finally:
                lib.boltc_auth_free(token)
        for key, value in config.items():
            if key == "connection_timeout":
                call(lib.boltc_config_set_connection_timeout_ms, _ms(value))
            elif key == "connection_acquisition_timeout":
                call(lib.boltc_config_set_acquisition_timeout_ms, _ms(value))
            elif key in ("read_timeout", "connection_read_timeout"):
                call(lib.boltc_config_set_read_timeout_ms, 0 if value is None else _positive_ms(key, value))
            elif key in ("write_timeout", "connection_write_timeout"):
                call(lib.boltc_config_set_write_timeout_ms, 0 if value is None else _positive_ms(key, value))
            elif key == "keep_alive":
                call(lib.boltc_config_set_keepalive, bool(value))
            elif key in _RETRY_OPTIONS:
                # The library's retry loop runs transaction functions: it takes these settings.
                fn, unit = _RETRY_OPTIONS[key]
                _check_config_error(lambda: call(fn(), _retry_setting(key, value, unit)))
            elif key == "liveness_check_timeout":
                call(lib.boltc_config_set_liveness_check_timeout_ms, -1 if value is None else _ms(value))
            elif key == "max_connection_lifetime":
                lifetime = -1 if value is None or float(value) < 0 else _ms(value)
                call(lib.boltc_config_set_max_connection_lifetime_ms, lifetime)
            elif key == "max_connection_pool_size":
                call(lib.boltc_config_set_max_pool_size, int(value))
            elif key == "user_agent":
                call(lib.boltc_config_set_user_agent, str(value).encode())
            elif key == "encrypted":
                call(lib.boltc_config_set_encrypted, bool(value))
            elif key == "telemetry_disabled":
                call(lib.boltc_config_set_telemetry_disabled, bool(value))
            elif key == "fetch_size":
                call(lib.boltc_config_set_fetch_size, int(value))
            elif key == "max_decoded_size":
                # boltc's own option: bytes the decoded values of one server message may take.
                if int(value) <= 0:
                    raise exceptions.ConfigurationError("max_decoded_size must be a positive number of bytes")
                call(lib.boltc_config_set_max_decoded_size, int(value))
            elif key == "busy_poll":
                # boltc's own option: seconds a waiting read polls before sleeping (0: never).
                if float(value) < 0:
                    raise exceptions.ConfigurationError("busy_poll must be >= 0 seconds")
                call(lib.boltc_config_set_busy_poll_us, round(float(value) * 1_000_000))
            elif key == "client_certificate":
                if value is not None:
                    _set_client_certificate(call, cfg, value)
            elif key == "trusted_certificates":
                self._set_trust(call, value)
            elif key == "trust":
                # The official driver's older spelling of trusted_certificates.
                if value not in (TRUST_ALL_CERTIFICATES, TRUST_SYSTEM_CA_SIGNED_CERTIFICATES):
                    raise exceptions.ConfigurationError(
                        "trust must be TRUST_ALL_CERTIFICATES or TRUST_SYSTEM_CA_SIGNED_CERTIFICATES, "
                        "not %r" % (value,))
                t = _ffi.TRUST_ALL if value == TRUST_ALL_CERTIFICATES else _ffi.TRUST_SYSTEM
                call(lib.boltc_config_set_trust, t, None)
            elif key in _NOTIFICATION_KEYS:
                pass
            elif key == "resolver":
                if value is not None:
                    _callbacks.set_resolver(cfg, value, Address)
            elif key in _UNSUPPORTED_OPTIONS:
                if value is not None:
                    raise exceptions.ConfigurationError(
                        "boltc does not support %s: %s" % (key, _UNSUPPORTED_OPTIONS[key]))
            elif key in _SESSION_ONLY_OPTIONS:
                raise exceptions.ConfigurationError(
                    "boltc takes %s per session, not as a driver default: pass it to "
                    "driver.session()" % key)
            else:
                raise exceptions.ConfigurationError("Unexpected config key: %r" % key)
        _check_config_error(lambda: _set_notifications(
            cfg, config, lib.boltc_config_set_notifications_min_severity,
            lib.boltc_config_set_notifications_disabled_categories))

    @staticmethod
    def _set_trust(call: Callable[..., None], value: Any) -> None:
        if isinstance(value, TrustAll):
            call(lib.boltc_config_set_trust, _ffi.TRUST_ALL, None)
        elif isinstance(value, TrustSystemCAs):
            call(lib.boltc_config_set_trust, _ffi.TRUST_SYSTEM, None)
        elif isinstance(value, TrustMozillaBundledCAs):
            call(lib.boltc_config_set_trust, _ffi.TRUST_MOZILLA_BUNDLED, None)
        elif isinstance(value, TrustCustomCAs):
            if len(value.certs) != 1:
                raise exceptions.CertificateConfigurationError("boltc takes exactly one CA file")
            call(lib.boltc_config_set_trust, _ffi.TRUST_CUSTOM_CA, str(value.certs[0]).encode())
        else:
            raise exceptions.ConfigurationError("trusted_certificates must be TrustAll, TrustSystemCAs or TrustCustomCAs")

    def _live(self) -> int:
        if not self._handle:
            raise exceptions.DriverError("The driver is closed.")
        return self._handle

    def session(
        self,
        database: Optional[str] = None,
        default_access_mode: str = WRITE_ACCESS,
        fetch_size: Optional[int] = None,
        bookmarks: Any = None,
        impersonated_user: Optional[str] = None,
        bookmark_manager: Optional[BookmarkManager] = None,
        notifications_min_severity: Any = None,
        notifications_disabled_categories: Optional[Iterable[Any]] = None,
        notifications_disabled_classifications: Optional[Iterable[Any]] = None,
        call_timeout: Optional[float] = None,
        auth: Any = None,
        **config: Any,
    ) -> Session:
        """Opens a session (``database`` None: the user's home database). With
        ``bookmark_manager``, each transaction starts from the manager's bookmarks and
        reports its bookmark to it. The notification filters override the driver's for this
        session (Bolt 5.2+).

        ``call_timeout`` (seconds; a boltc extension, the official driver has no such option)
        bounds each blocking call of the session -- ``run``, each fetch of records, ``commit``,
        ... -- including routing, waiting for a pooled connection and connecting. A call that
        runs out of time raises ``ServiceUnavailable`` with ``status == "BOLTC_STATUS_TIMEOUT"``;
        the connection it used is closed. None (the default): no bound.

        ``auth`` (a ``(user, password)`` tuple or an ``Auth``) runs the session's work as that
        user instead of the driver's (user switching; Bolt 5.1+, Neo4j 5.5+: an older server
        raises ``ConfigurationError`` on first use). Options boltc has no setting for are
        refused with ``ConfigurationError``."""
        _refuse_auth_manager(auth)
        _refuse_session_config(config)
        if bookmark_manager is None:
            bookmark_manager = self._session_bookmark_manager
        elif bookmark_manager is _NO_MANAGER:
            bookmark_manager = None
        settings = dict(
            database=database,
            fetch_size=fetch_size,
            impersonated_user=impersonated_user,
            call_timeout=call_timeout,
            bookmark_manager=bookmark_manager,
            auth=auth,
            notifications=_notification_filter(dict(
                notifications_min_severity=notifications_min_severity,
                notifications_disabled_categories=notifications_disabled_categories,
                notifications_disabled_classifications=notifications_disabled_classifications,
            )),
        )
        h = self._session_handle(default_access_mode, bookmarks, **settings)
        return Session(h, self, default_access_mode, settings)

    def _session_handle(
        self,
        default_access_mode: str,
        bookmarks: Any,
        database: Optional[str],
        fetch_size: Optional[int],
        impersonated_user: Optional[str],
        bookmark_manager: Optional[BookmarkManager] = None,
        notifications: Tuple[Any, Optional[List[str]]] = (None, None),
        call_timeout: Optional[float] = None,
        auth: Any = None,
    ) -> int:
        h = self._live()
        err = c_void_p()
        sc = c_void_p()
        check(lib.boltc_session_config_new(byref(sc), byref(err)), err)
        try:
            if database is not None:
                check(lib.boltc_session_config_set_database(sc, database.encode(), byref(err)), err)
            mode = _ffi.ACCESS_MODE_READ if default_access_mode == READ_ACCESS else _ffi.ACCESS_MODE_WRITE
            check(lib.boltc_session_config_set_access_mode(sc, mode, byref(err)), err)
            if fetch_size is not None:
                check(lib.boltc_session_config_set_fetch_size(sc, int(fetch_size), byref(err)), err)
            if impersonated_user is not None:
                check(lib.boltc_session_config_set_impersonated_user(sc, impersonated_user.encode(), byref(err)), err)
            if call_timeout is not None:
                if call_timeout < 0:
                    raise exceptions.ConfigurationError("call_timeout must not be negative")
                ms = int(round(float(call_timeout) * 1000))
                check(lib.boltc_session_config_set_call_timeout_ms(sc, ms, byref(err)), err)
            if bookmarks is not None:
                values = bookmarks.raw_values if isinstance(bookmarks, Bookmarks) else bookmarks
                if isinstance(values, str):
                    values = [values]
                for b in values:
                    check(lib.boltc_session_config_add_bookmark(sc, str(b).encode(), byref(err)), err)
            if bookmark_manager is not None:
                _bookmarks.set_on_session_config(sc, bookmark_manager)
            if auth is not None:
                token = _auth_handle(auth)
                try:
                    check(lib.boltc_session_config_set_auth(sc, token, byref(err)), err)
                finally:
                    lib.boltc_auth_free(token)
            sev, cats = notifications
            _check_config_error(lambda: _set_notifications(
                sc, {"notifications_min_severity": sev, "notifications_disabled_categories": cats},
                lib.boltc_session_config_set_notifications_min_severity,
                lib.boltc_session_config_set_notifications_disabled_categories))
            out = c_void_p()
            check(lib.boltc_driver_session(h, sc, byref(out), byref(err)), err)
        finally:
            lib.boltc_session_config_free(sc)
        return out.value  # type: ignore[return-value]

    @property
    def execute_query_bookmark_manager(self) -> BookmarkManager:
        """The bookmark manager ``execute_query`` uses by default, so that each query sees
        the writes of the earlier ones. Pass it to ``session(bookmark_manager=...)`` to
        chain sessions with ``execute_query`` calls."""
        return self._query_bookmark_manager

    def execute_query(
        self,
        query_: Any,
        parameters_: Optional[Dict[str, Any]] = None,
        routing_: Union[RoutingControl, str] = RoutingControl.WRITE,
        database_: Optional[str] = None,
        impersonated_user_: Optional[str] = None,
        bookmark_manager_: Any = _DEFAULT,
        auth_: Any = None,
        result_transformer_: Callable[[Result], Any] = Result.to_eager_result,
        **kwargs: Any,
    ) -> Any:
        """Runs one query in a retried transaction and returns ``EagerResult(records, summary,
        keys)`` (or what ``result_transformer_`` makes of the result). Keyword arguments not
        ending in ``_`` are parameters. By default the query starts from and updates
        ``execute_query_bookmark_manager``; ``bookmark_manager_=None`` turns that off.
        ``auth_`` runs the query as another user (session-level auth). A ``Query`` gives its
        metadata and timeout to the transaction. As officially, a keyword ending in a single
        ``_`` (a misspelt option such as ``databse_``) and an unknown ``routing_`` raise
        ``ValueError`` rather than being taken as a parameter or as a write."""
        _refuse_auth_manager(auth_)
        misspelt = [k for k in kwargs if k.endswith("_") and not k.endswith("__")]
        if misspelt:
            raise ValueError(
                "keyword parameters must not end with a single '_' (execute_query's options "
                "do; pass such a parameter in parameters_): %r" % misspelt)
        if routing_ in (RoutingControl.READ, "r"):
            mode = READ_ACCESS
        elif routing_ in (RoutingControl.WRITE, "w"):
            mode = WRITE_ACCESS
        else:
            raise ValueError("routing_ must be RoutingControl.READ or RoutingControl.WRITE, not %r" % (routing_,))
        params = dict(parameters_ or {})
        params.update(kwargs)
        text = query_.text if isinstance(query_, Query) else query_
        manager = self._query_bookmark_manager if bookmark_manager_ is _DEFAULT else bookmark_manager_
        if manager is None:
            manager = _NO_MANAGER
        with self.session(database=database_, default_access_mode=mode, impersonated_user=impersonated_user_,
                          bookmark_manager=manager, auth=auth_) as s:
            def work(tx: Any) -> Any:
                return result_transformer_(tx.run(text, params))

            if isinstance(query_, Query):
                work = unit_of_work(query_.metadata, query_.timeout)(work)
            return s._run_transaction(mode, work, (), {}, _ffi.TELEMETRY_EXECUTE_QUERY)

    def verify_connectivity(self, **config: Any) -> None:
        """Raises ``ServiceUnavailable`` (or ``AuthError``...) unless the server answers.
        Session options (``config``) are refused: boltc verifies with the driver's settings."""
        _refuse_session_config(config)
        err = c_void_p()
        check(lib.boltc_driver_verify_connectivity(self._live(), byref(err)), err)

    def get_server_info(self, **config: Any) -> ServerInfo:
        """Connects and returns what the server told about itself and that connection
        (``address``, ``agent``, ``protocol_version``, ``connection_id``)."""
        _refuse_session_config(config)
        err = c_void_p()
        info = c_void_p()
        check(lib.boltc_driver_server_info(self._live(), byref(info), byref(err)), err)
        try:
            return server_info_from(info.value)  # type: ignore[arg-type]
        finally:
            lib.boltc_server_info_free(info)

    def pool_metrics(self, address: str) -> Dict[str, int]:
        """(boltc) The connection pool figures for ``address`` (``"host:port"``): ``in_use``,
        ``idle``, ``waiting``, ``created`` and ``closed``; all zero for an address never used."""
        err = c_void_p()
        m = _ffi.CPoolMetrics()
        check(lib.boltc_driver_pool_metrics(self._live(), str(address).encode(), byref(m), byref(err)), err)
        return {name: getattr(m, name) for name, _ in m._fields_}

    def list_connections(self) -> List["ConnectionInfo"]:
        """(boltc) The server's network connections (``CALL dbms.listConnections()``): all of
        them for an administrator, the user's own otherwise. ``UnsupportedServerProduct`` when
        the server has no such procedure (e.g. FalkorDB)."""
        err = c_void_p()
        lst = c_void_p()
        _admin_check(lib.boltc_driver_list_connections(self._live(), byref(lst), byref(err)), err)
        try:
            return [
                ConnectionInfo(*(borrowed_str(lib.boltc_connection_list_string, lst, i, which)
                                 for which in range(7)))
                for i in range(lib.boltc_connection_list_len(lst))
            ]
        finally:
            lib.boltc_connection_list_free(lst)

    def kill_connection(self, connection_id: str) -> "KillResult":
        """(boltc) Terminates the connection with server id ``connection_id``
        (``CALL dbms.killConnection``); an unknown id gives ``found=False``, not an error."""
        err = c_void_p()
        lst = c_void_p()
        status = lib.boltc_driver_kill_connection(self._live(), str(connection_id).encode(), byref(lst), byref(err))
        _admin_check(status, err)
        return _kill_results(lst)[0]

    def kill_connections(self, connection_ids: Iterable[str]) -> List["KillResult"]:
        """(boltc) Terminates the connections with the given server ids
        (``CALL dbms.killConnections``); one ``KillResult`` per id."""
        ids = [str(i).encode() for i in connection_ids]
        arr = (c_char_p * max(1, len(ids)))(*ids)
        err = c_void_p()
        lst = c_void_p()
        _admin_check(lib.boltc_driver_kill_connections(self._live(), arr, len(ids), byref(lst), byref(err)), err)
        return _kill_results(lst)

    def verify_authentication(self, auth: Any = None, **config: Any) -> bool:
        """True if the server accepts ``auth`` (None: the driver's own credentials), False if
        it rejects them (unauthorized, expired, forbidden); other failures raise. Credentials
        other than the driver's need Bolt 5.1+ (Neo4j 5.5+)."""
        _refuse_auth_manager(auth)
        _refuse_session_config(config)
        token = _auth_handle(auth)
        err = c_void_p()
        valid = c_bool()
        try:
            check(lib.boltc_driver_verify_authentication(self._live(), token, byref(valid), byref(err)), err)
        finally:
            lib.boltc_auth_free(token)
        return bool(valid.value)

    def supports_session_auth(self) -> bool:
        """Whether the server supports session-level auth (Bolt 5.1 or newer); connects to find
        out, as the official driver does."""
        version = self.get_server_info().protocol_version
        return tuple(version or (0, 0)) >= (5, 1)

    def supports_multi_db(self) -> bool:
        """Whether the server can select a database per session (Bolt 4.0 or newer); connects
        to find out, as the official driver does."""
        version = self.get_server_info().protocol_version
        return tuple(version or (0, 0)) >= (4, 0)

    @property
    def encrypted(self) -> bool:
        """Whether connections use TLS (a ``+s``/``+ssc`` URI scheme or ``encrypted=True``)."""
        return self._encrypted

    def close(self) -> None:
        """Closes the pool; idempotent."""
        h, self._handle = self._handle, None
        if h:
            err = c_void_p()
            status = lib.boltc_driver_close(h, byref(err))
            lib.boltc_driver_free(h)
            check(status, err)



class ConnectionInfo(NamedTuple):
    """(boltc) One row of ``Driver.list_connections()``."""

    connection_id: str
    connect_time: str
    connector: str
    username: Optional[str]
    user_agent: str
    server_address: str
    client_address: str


class KillResult(NamedTuple):
    """(boltc) The outcome of ``Driver.kill_connection(s)`` for one id."""

    connection_id: str
    username: str
    message: str
    found: bool


def _is_auth_manager(auth: Any) -> bool:
    """Whether ``auth`` has the auth manager shape (``get_auth``, ``handle_security_exception``)
    without subclassing ``AuthManager``."""
    return all(callable(getattr(auth, m, None)) for m in ("get_auth", "handle_security_exception"))


def _refuse_auth_manager(auth: Any) -> None:
    if isinstance(auth, AuthManager) or _is_auth_manager(auth):
        raise exceptions.ConfigurationError(
            "an auth token is expected here, not an AuthManager (auth managers are driver-wide)")


# Session options of the official driver that are driver-wide in boltc.
_DRIVER_WIDE = ("max_transaction_retry_time", "connection_acquisition_timeout", "initial_retry_delay",
                "retry_delay_multiplier", "retry_delay_jitter_factor")


def _refuse_session_config(config: Dict[str, Any]) -> None:
    for key in config:
        if key in _DRIVER_WIDE:
            raise exceptions.ConfigurationError("boltc takes %s on the driver only, not per session" % key)
        raise exceptions.ConfigurationError("Unexpected config key: %r" % key)


def _admin_check(status: int, err: c_void_p) -> None:
    if status == 19:  # BOLTC_STATUS_UNSUPPORTED: the server has no such procedure
        try:
            msg = (lib.boltc_error_message(err) or b"").decode("utf-8", "replace") if err.value else ""
        finally:
            lib.boltc_error_free(err)
        raise exceptions.UnsupportedServerProduct(msg or "the server does not support this procedure",
                                                  status="BOLTC_STATUS_UNSUPPORTED")
    check(status, err)


def _kill_results(lst: c_void_p) -> List[KillResult]:
    try:
        return [
            KillResult(
                borrowed_str(lib.boltc_kill_list_string, lst, i, _ffi.KILL_CONNECTION_ID) or "",
                borrowed_str(lib.boltc_kill_list_string, lst, i, _ffi.KILL_USERNAME) or "",
                borrowed_str(lib.boltc_kill_list_string, lst, i, _ffi.KILL_MESSAGE) or "",
                bool(lib.boltc_kill_list_found(lst, i)),
            )
            for i in range(lib.boltc_kill_list_len(lst))
        ]
    finally:
        lib.boltc_kill_list_free(lst)


def _error_message(err: c_void_p) -> str:
    if not err.value:
        return "TLS configuration failed"
    try:
        return (lib.boltc_error_message(err) or b"").decode("utf-8", "replace")
    finally:
        lib.boltc_error_free(err)


class GraphDatabase:
    """Entry point: ``GraphDatabase.driver(uri, auth=(user, password), **config)``."""

    @staticmethod
    def driver(uri: str, *, auth: Any = None, **config: Any) -> Driver:
        return Driver(uri, auth, **config)

    @staticmethod
    def bookmark_manager(
        initial_bookmarks: Union[None, Bookmarks, Iterable[str]] = None,
        bookmarks_supplier: Optional[Callable[[], Bookmarks]] = None,
        bookmarks_consumer: Optional[Callable[[Bookmarks], None]] = None,
    ) -> BookmarkManager:
        """The default bookmark manager, starting from ``initial_bookmarks``;
        ``bookmarks_supplier()`` adds bookmarks to each lookup, ``bookmarks_consumer(bookmarks)``
        receives the bookmarks after each update. Share it between sessions
        (``driver.session(bookmark_manager=...)``) to chain them causally."""
        return Neo4jBookmarkManager(initial_bookmarks, bookmarks_supplier, bookmarks_consumer)


BoltDriver = Driver
Neo4jDriver = Driver
