"""Auth managers, the resolver and client certificate providers, over the C library's
callbacks (``boltc_config_set_auth_manager``, ``_basic_auth_manager``, ``_bearer_auth_manager``,
``boltc_config_set_resolver``, ``boltc_config_set_client_certificate_provider``).

The ctypes callbacks are module-level objects (alive for ever); each registration is an entry
of ``_LIVE`` keyed by the ``user_data`` number the library passes back, removed when the
library frees that ``user_data`` (once no config or driver uses it). The callbacks may run on
any thread, the library's routing thread included. An exception raised by user code never
crosses into the library: ``get_auth`` / a provider failing fails the query that needed a
connection with ``AuthError`` (naming the exception), a failing ``handle_security_exception``
counts as "not handled", a failing resolver as "no address", and a failing certificate
provider fails the connection with ``ConfigurationError``.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from ctypes import byref, c_void_p
from typing import Any, Callable, Dict, List, Optional, Tuple

from . import _ffi, exceptions
from ._ffi import lib
from ._util import check, exception_of

log = logging.getLogger("boltc")

_AUTHENTICATION = 4  # BOLTC_STATUS_AUTHENTICATION
_CONFIG = 10  # BOLTC_STATUS_CONFIG
_ids = itertools.count(1)
_LIVE: Dict[int, Any] = {}

# How many tokens a custom manager remembers, to hand handle_security_exception the Python
# object of the token the server rejected.
_REMEMBERED = 8


class ExpiringAuth:
    """Credentials with an expiry (as ``neo4j.auth_management.ExpiringAuth``): ``auth`` and
    ``expires_at`` (seconds since the epoch, as ``time.time()``; None: until the server rejects
    it)."""

    def __init__(self, auth: Any, expires_at: Optional[float] = None) -> None:
        self.auth = auth
        self.expires_at = expires_at

    def expires_in(self, seconds: float) -> "ExpiringAuth":
        """The same credentials, expiring ``seconds`` from now."""
        return ExpiringAuth(self.auth, time.time() + seconds)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ExpiringAuth) and (self.auth, self.expires_at) == (other.auth, other.expires_at)

    def __repr__(self) -> str:
        return "ExpiringAuth(auth=<hidden>, expires_at=%r)" % (self.expires_at,)


def _failed(error_out: Any, e: BaseException, status: int = _AUTHENTICATION) -> int:
    """Reports a user callback's exception to the library as a failure with ``status`` (an
    authentication failure unless said otherwise)."""
    message = "%s: %s" % (type(e).__name__, e)  # the library names the callback
    error_out[0] = lib.boltc_error_new(status, message.encode("utf-8", "replace"), False)
    return status


class _Custom:
    """A registered custom manager and the tokens it handed out lately."""

    def __init__(self, manager: Any, to_handle: Callable[[Any], Optional[int]]) -> None:
        self.manager = manager
        self.to_handle = to_handle
        self.lock = threading.Lock()
        self.recent: List[Tuple[Any, int]] = []  # (the Python auth, a boltc_auth copy)

    def token(self, auth: Any) -> int:
        handle = self.to_handle(auth)
        if handle is None:  # None: no authentication
            out, err = c_void_p(), c_void_p()
            check(lib.boltc_auth_none(byref(out), byref(err)), err)
            handle = out.value
        copy = lib.boltc_auth_clone(handle)
        with self.lock:
            if not any(lib.boltc_auth_equal(copy, h) for _, h in self.recent):
                self.recent.append((auth, copy))
                copy = None
            evicted = self.recent[:-_REMEMBERED]
            del self.recent[:-_REMEMBERED]
        for _, h in evicted:
            lib.boltc_auth_free(h)
        if copy is not None:
            lib.boltc_auth_free(copy)
        return handle

    def python_auth(self, rejected: int) -> Any:
        with self.lock:
            for auth, h in reversed(self.recent):
                if lib.boltc_auth_equal(rejected, h):
                    return auth
        return None

    def release(self) -> None:
        with self.lock:
            recent, self.recent = self.recent, []
        for _, h in recent:
            lib.boltc_auth_free(h)


def _get_auth(user_data: Optional[int], auth_out: Any, error_out: Any) -> int:
    state = _LIVE.get(user_data or 0)
    if state is None:
        return _AUTHENTICATION
    try:
        auth_out[0] = state.token(state.manager.get_auth())
        return 0
    except BaseException as e:  # never into the library
        return _failed(error_out, e)


def _handle_security_error(auth: Optional[int], error: Optional[int], user_data: Optional[int]) -> bool:
    state = _LIVE.get(user_data or 0)
    if state is None:
        return False
    try:
        exc = exception_of(error, lib.boltc_error_status(error))
        return bool(state.manager.handle_security_exception(state.python_auth(auth), exc))
    except BaseException:
        log.exception("auth manager %r: handle_security_exception failed (not handled)", state.manager)
        return False


class _Provided:
    """A registered provider of a built-in (basic or bearer) manager."""

    def __init__(self, provider: Callable[[], Any], expiring: bool, to_handle: Callable[[Any], Optional[int]]) -> None:
        self.provider = provider
        self.expiring = expiring
        self.to_handle = to_handle

    def release(self) -> None:
        pass


def _provide(user_data: Optional[int], auth_out: Any, expires_in_ms_out: Any, error_out: Any) -> int:
    state = _LIVE.get(user_data or 0)
    if state is None:
        return _AUTHENTICATION
    try:
        value = state.provider()
        if state.expiring:
            if not hasattr(value, "auth") or not hasattr(value, "expires_at"):
                raise TypeError("the bearer provider must return an ExpiringAuth, not %s" % type(value).__name__)
            auth, expires_at = value.auth, value.expires_at
        else:
            auth, expires_at = value, None
        handle = state.to_handle(auth)
        if handle is None:
            raise TypeError("the auth provider returned None")
        if expires_at is not None:
            expires_in_ms_out[0] = max(0, int((float(expires_at) - time.time()) * 1000))
        auth_out[0] = handle
        return 0
    except BaseException as e:
        return _failed(error_out, e)


def _release(user_data: Optional[int]) -> None:
    try:
        state = _LIVE.pop(user_data or 0, None)
        if state is not None:
            state.release()
    except Exception:  # at interpreter exit the module may already be torn down
        pass


_GET_AUTH = _ffi.AUTH_MANAGER_GET_AUTH(_get_auth)
_HANDLE = _ffi.AUTH_MANAGER_HANDLE_SECURITY_ERROR(_handle_security_error)
_PROVIDE = _ffi.AUTH_PROVIDER(_provide)
_RELEASE = _ffi.FREE_CALLBACK(_release)


def _register(state: Any, call: Callable[[int], Tuple[int, c_void_p]]) -> None:
    """Registers ``state`` under a new key and makes the C call; on failure nothing stays."""
    key = next(_ids)
    _LIVE[key] = state
    status, err = call(key)
    if status:
        _release(key)  # the library did not take user_data
        check(status, err)


def set_auth_manager(config: Any, manager: Any, to_handle: Callable[[Any], Optional[int]]) -> None:
    """Makes the C driver config ``config`` ask the custom ``manager`` (``get_auth()``,
    ``handle_security_exception(auth, error)``) for credentials."""
    err = c_void_p()
    _register(_Custom(manager, to_handle), lambda key: (
        lib.boltc_config_set_auth_manager(config, _GET_AUTH, _HANDLE, key, _RELEASE, byref(err)), err))


def set_provider_manager(config: Any, provider: Callable[[], Any], bearer: bool,
                         to_handle: Callable[[Any], Optional[int]]) -> None:
    """Makes ``config`` use the library's basic (password rotation) or bearer (token rotation)
    manager over ``provider``."""
    err = c_void_p()
    fn = lib.boltc_config_set_bearer_auth_manager if bearer else lib.boltc_config_set_basic_auth_manager
    _register(_Provided(provider, bearer, to_handle), lambda key: (fn(config, _PROVIDE, key, _RELEASE, byref(err)), err))


class _Resolver:
    def __init__(self, resolver: Callable[[Any], Any], address_type: type) -> None:
        self.resolver = resolver
        self.address_type = address_type

    def release(self) -> None:
        pass


def _resolve(host: Optional[bytes], port: int, sink: Optional[int], user_data: Optional[int]) -> None:
    state = _LIVE.get(user_data or 0)
    if state is None or host is None:
        return
    try:
        found = []
        for a in state.resolver(state.address_type((host.decode("utf-8", "replace"), port))):
            h, p = a[0], int(a[1])
            if not 0 <= p <= 0xFFFF:
                raise ValueError("port %d out of range" % p)
            found.append((str(h).encode(), p))
    except BaseException:
        log.exception("resolver %r failed: no address for %s:%d", state.resolver, host, port)
        return
    err = c_void_p()
    for h, p in found:
        status = lib.boltc_resolver_add(sink, h, p, byref(err))
        if status:
            log.warning("resolver %r: address %r:%r refused: %s", state.resolver, h, p, exceptions.STATUS.get(status))
            lib.boltc_error_free(err)
            err = c_void_p()


_RESOLVE = _ffi.RESOLVER_CALLBACK(_resolve)


def set_resolver(config: Any, resolver: Callable[[Any], Any], address_type: type) -> None:
    """Makes ``config`` ask ``resolver(Address)`` (an iterable of ``(host, port)`` back) for
    the initial routers and for each server of a fetched routing table."""
    if not callable(resolver):
        raise exceptions.ConfigurationError("resolver must be callable")
    err = c_void_p()
    _register(_Resolver(resolver, address_type), lambda key: (
        lib.boltc_config_set_resolver(config, _RESOLVE, key, _RELEASE, byref(err)), err))


class _CertificateProvider:
    def __init__(self, provider: Any, to_args: Callable[[Any], Tuple[bytes, bytes, Optional[bytes]]]) -> None:
        self.provider = provider
        self.to_args = to_args

    def release(self) -> None:
        pass


def _provide_certificate(user_data: Optional[int], sink: Optional[int], error_out: Any) -> int:
    state = _LIVE.get(user_data or 0)
    if state is None:
        return _CONFIG
    try:
        cert = state.provider.get_certificate()
        if cert is None:
            return 0  # unchanged
        err = c_void_p()
        status = lib.boltc_client_certificate_sink_set(sink, *state.to_args(cert), byref(err))
        if status:
            error_out[0] = err.value  # handed over to the library
        return int(status)
    except BaseException as e:
        return _failed(error_out, e, _CONFIG)


_PROVIDE_CERTIFICATE = _ffi.CLIENT_CERTIFICATE_PROVIDER(_provide_certificate)


def set_client_certificate_provider(config: Any, provider: Any,
                                    to_args: Callable[[Any], Tuple[bytes, bytes, Optional[bytes]]]) -> None:
    """Makes ``config`` ask ``provider.get_certificate()`` (a ``ClientCertificate`` when it
    changed, else None) before every new connection; ``to_args`` turns a certificate into the
    C call's arguments."""
    err = c_void_p()
    _register(_CertificateProvider(provider, to_args), lambda key: (
        lib.boltc_config_set_client_certificate_provider(config, _PROVIDE_CERTIFICATE, key, _RELEASE,
                                                         byref(err)), err))
