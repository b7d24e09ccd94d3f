"""Error checking, string helpers and the handle-owning base shared by the wrappers."""

from __future__ import annotations

import ctypes
from ctypes import byref, c_size_t, c_void_p
from typing import Any, Callable, Optional, TypeVar

from . import exceptions
from ._ffi import lib

_string_at = ctypes.string_at


def _opt(b: Optional[bytes]) -> Optional[str]:
    return None if b is None else b.decode("utf-8", "replace")


def error_from(err: c_void_p, status: int, illegal_state: Optional[type] = None) -> Exception:
    """Builds the exception for a failed call from its ``boltc_error`` and frees the error."""
    if not err.value:
        name, cls = exceptions.STATUS.get(status, ("BOLTC_STATUS_%d" % status, exceptions.DriverError))
        return exceptions.make_error(status, name, illegal_state=illegal_state)
    try:
        return exception_of(err.value, status, illegal_state)
    finally:
        lib.boltc_error_free(err)


def exception_of(e: int, status: int, illegal_state: Optional[type] = None) -> Exception:
    """The exception for the ``boltc_error`` at ``e`` (borrowed: not freed)."""
    exc = exceptions.make_error(
        status,
        _opt(lib.boltc_error_message(e)) or "",
        code=_opt(lib.boltc_error_server_code(e)),
        retryable=bool(lib.boltc_error_is_retryable(e)),
        gql_status=_opt(lib.boltc_error_gql_status(e)),
        gql_description=_opt(lib.boltc_error_gql_description(e)),
        classification=_opt(lib.boltc_error_classification(e)),
        illegal_state=illegal_state,
    )
    cause = lib.boltc_error_cause(e)
    if cause:
        exc.__cause__ = exceptions.make_error(
            status,
            _opt(lib.boltc_error_message(cause)) or "",
            code=_opt(lib.boltc_error_server_code(cause)),
            gql_status=_opt(lib.boltc_error_gql_status(cause)),
            gql_description=_opt(lib.boltc_error_gql_description(cause)),
        )
    return exc


def check(status: int, err: c_void_p, illegal_state: Optional[type] = None) -> None:
    """Raises the exception for ``status`` unless it is OK (0)."""
    if status:
        raise error_from(err, status, illegal_state)


def borrowed_str(fn, *args) -> Optional[str]:
    """Calls an accessor ``fn(*args, &ptr, &len, &err)`` and decodes the borrowed string."""
    p = c_void_p()
    n = c_size_t()
    err = c_void_p()
    check(fn(*args, byref(p), byref(n), byref(err)), err)
    if not p.value:
        return None
    return _string_at(p.value, n.value).decode("utf-8")


_Owner = TypeVar("_Owner", bound="HandleOwner")


class HandleOwner:
    """Base of a wrapper owning a library handle in ``_handle`` (``Driver``, ``Session``): a
    context manager whose exit calls ``close()``; collected while still holding the handle, it
    frees it (without closing) with the ``lib`` function named by ``_FREE``, ignoring errors
    (as at interpreter exit)."""

    _FREE = ""
    _handle: Optional[int]
    close: Callable[[], None]

    def __enter__(self: _Owner) -> _Owner:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        h, self._handle = getattr(self, "_handle", None), None
        if h:
            try:
                getattr(lib, self._FREE)(h)
            except Exception:
                pass
