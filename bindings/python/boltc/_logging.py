"""Forwarding of the library's log lines to ``logging.getLogger("boltc")``."""

from __future__ import annotations

import logging
from ctypes import byref, c_void_p
from typing import Optional

from ._ffi import LOG_CALLBACK, lib
from ._util import check

_LEVELS = {1: logging.ERROR, 2: logging.WARNING, 3: logging.INFO, 4: logging.DEBUG, 5: 5}
_logger = logging.getLogger("boltc")
_callback: Optional[LOG_CALLBACK] = None  # kept alive while registered
_retired: list = []  # earlier callbacks may still be running on another thread


def _forward(level: int, message: bytes, _user_data: Optional[int]) -> None:
    try:
        _logger.log(_LEVELS.get(level, logging.DEBUG), "%s", message.decode("utf-8", "replace"))
    except Exception:  # never let an exception cross into the library
        pass


def enable_logging(level: int = logging.DEBUG) -> None:
    """Registers the C log callback: library log lines at ``level`` (a ``logging`` level; 5 is
    TRACE, every Bolt message) and above go to the ``boltc`` logger. Process-wide."""
    global _callback
    if level <= 5:
        c_level = 5
    elif level <= logging.DEBUG:
        c_level = 4
    elif level <= logging.INFO:
        c_level = 3
    elif level <= logging.WARNING:
        c_level = 2
    else:
        c_level = 1
    if _callback is not None:
        _retired.append(_callback)
    cb = LOG_CALLBACK(_forward)
    err = c_void_p()
    check(lib.boltc_set_log_callback(cb, c_level, None, byref(err)), err)
    _callback = cb


def disable_logging() -> None:
    """Unregisters the log callback."""
    global _callback
    err = c_void_p()
    check(lib.boltc_set_log_callback(LOG_CALLBACK(), 0, None, byref(err)), err)
    if _callback is not None:
        _retired.append(_callback)
    _callback = None
