"""Bookmark managers (as ``neo4j.BookmarkManager``) and their bridge to the C library.

A session opened with ``bookmark_manager=`` hands the library a C bookmark manager whose
callbacks call the Python manager: ``get_bookmarks()`` before each transaction (and routing
request), ``update_bookmarks(previous, new)`` after each commit. The callbacks run on the
thread using the session. The Python manager stays referenced until the library releases the
C manager (the last session, transaction or result using it is gone).
"""

from __future__ import annotations

import abc
import itertools
import logging
import threading
from ctypes import byref, c_void_p
from typing import Any, Callable, Collection, Dict, Iterable, Optional, Union

from . import _ffi
from ._ffi import lib
from ._util import check
from ._work import Bookmarks

log = logging.getLogger("boltc")


class BookmarkManager(abc.ABC):
    """Keeps the bookmarks of a group of sessions, so each sees what the others committed.

    Implementations are called from the threads using the sessions (possibly several at once)
    and must not use the driver from within their methods.
    """

    @abc.abstractmethod
    def update_bookmarks(self, previous_bookmarks: Collection[str], new_bookmarks: Collection[str]) -> None:
        """A transaction that started from ``previous_bookmarks`` committed and produced
        ``new_bookmarks``."""

    @abc.abstractmethod
    def get_bookmarks(self) -> Collection[str]:
        """The bookmarks the next transaction should start from."""


def _raw(bookmarks: Union[None, Bookmarks, Iterable[str]]) -> set:
    if bookmarks is None:
        return set()
    if isinstance(bookmarks, Bookmarks):
        return set(bookmarks.raw_values)
    if isinstance(bookmarks, str):
        return {bookmarks}
    return set(bookmarks)


class Neo4jBookmarkManager(BookmarkManager):
    """The default manager (``GraphDatabase.bookmark_manager``): a set of bookmarks where each
    commit replaces the bookmarks its transaction started from by the new ones.

    ``bookmarks_supplier()`` (returning ``Bookmarks``) adds bookmarks to each
    ``get_bookmarks``; ``bookmarks_consumer(bookmarks)`` receives the manager's bookmarks
    after each update.
    """

    def __init__(
        self,
        initial_bookmarks: Union[None, Bookmarks, Iterable[str]] = None,
        bookmarks_supplier: Optional[Callable[[], Bookmarks]] = None,
        bookmarks_consumer: Optional[Callable[[Bookmarks], None]] = None,
    ) -> None:
        self._lock = threading.Lock()
        self._bookmarks = _raw(initial_bookmarks)
        self._supplier = bookmarks_supplier
        self._consumer = bookmarks_consumer

    def update_bookmarks(self, previous_bookmarks: Collection[str], new_bookmarks: Collection[str]) -> None:
        if not new_bookmarks:
            return
        with self._lock:
            self._bookmarks.difference_update(previous_bookmarks)
            self._bookmarks.update(new_bookmarks)
            current = Bookmarks.from_raw_values(self._bookmarks)
        if self._consumer is not None:
            self._consumer(current)

    def get_bookmarks(self) -> Collection[str]:
        with self._lock:
            bookmarks = set(self._bookmarks)
        if self._supplier is not None:
            bookmarks.update(_raw(self._supplier()))
        return bookmarks


# ---- the C bridge ---------------------------------------------------------------------------

# user_data id -> Python manager, for the managers the library holds.
_LIVE: Dict[int, BookmarkManager] = {}
_ids = itertools.count(1)


def _on_get(user_data: Optional[int], out: Optional[int]) -> None:
    manager = _LIVE.get(user_data or 0)
    if manager is None:
        return
    try:
        err = c_void_p()
        for b in manager.get_bookmarks():
            check(lib.boltc_bookmark_list_add(out, str(b).encode(), byref(err)), err)
    except Exception:  # it cannot cross the C library; the transaction goes on without them
        log.exception("bookmark manager %r: get_bookmarks failed", manager)


def _strings(arr: Any, n: int) -> list:
    return [arr[i].decode("utf-8", "replace") for i in range(n)]


def _on_update(user_data: Optional[int], prev: Any, prev_len: int, new: Any, new_len: int) -> None:
    manager = _LIVE.get(user_data or 0)
    if manager is None:
        return
    try:
        manager.update_bookmarks(_strings(prev, prev_len), _strings(new, new_len))
    except Exception:
        log.exception("bookmark manager %r: update_bookmarks failed", manager)


def _on_release(user_data: Optional[int]) -> None:
    try:
        _LIVE.pop(user_data or 0, None)
    except Exception:  # at interpreter exit the module may already be torn down
        pass


_GET = _ffi.BOOKMARKS_GET_CALLBACK(_on_get)
_UPDATE = _ffi.BOOKMARKS_UPDATE_CALLBACK(_on_update)
_RELEASE = _ffi.BOOKMARKS_RELEASE_CALLBACK(_on_release)


def set_on_session_config(config: Any, manager: BookmarkManager) -> None:
    """Makes the C session config ``config`` use ``manager``."""
    if not all(callable(getattr(manager, m, None)) for m in ("get_bookmarks", "update_bookmarks")):
        raise TypeError("bookmark_manager must have get_bookmarks() and update_bookmarks()")
    key = next(_ids)
    _LIVE[key] = manager
    out = c_void_p()
    err = c_void_p()
    status = lib.boltc_bookmark_manager_new_callbacks(_GET, _UPDATE, _RELEASE, key, byref(out), byref(err))
    if status:
        _LIVE.pop(key, None)
        check(status, err)
    try:
        check(lib.boltc_session_config_set_bookmark_manager(config, out, byref(err)), err)
    finally:
        lib.boltc_bookmark_manager_free(out)  # the config (and then the session) keeps it
