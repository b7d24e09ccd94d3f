"""Sessions, transactions, results and summaries over the C handles."""

from __future__ import annotations

import gc as _gc
import logging
import os
import threading
import warnings
from collections import deque, namedtuple
from itertools import chain as _chain_mod, repeat as _repeat
from ctypes import byref, c_bool, c_int64, c_size_t, c_uint8, c_void_p, string_at
from typing import Any, Callable, Deque, Dict, Iterable, Iterator, List, Optional, Tuple, TypeVar

from . import _ffi, exceptions
from ._broken import records as broken_aware_records
from ._codec import BROKEN_VALUES, GRAPH_VALUES, build_rows, decode_columns, to_map
from ._ffi import CCounters, lib
from ._record import Record, record_class
from .graph import Graph
from ._util import HandleOwner, borrowed_str, check

log = logging.getLogger("boltc")

T = TypeVar("T")
_tuple_new = tuple.__new__
_chain = _chain_mod.from_iterable

READ_ACCESS = "READ"
WRITE_ACCESS = "WRITE"

# Records moved across the C boundary per call (a batch). A thousand amortise the calls and keep a
# batch's values in the CPU caches while the library encodes and frees them: against 10,000, W1b
# (200k wide rows) took 0.295 s instead of 0.373 and W1 (1M ints) 0.422 s instead of 0.456
# (medians of 7, replay server).
BATCH_SIZE = 1_000

# With BOLTC_PREFETCH=1, while Python builds the records of one batch, a worker thread has the
# library fetch and encode the next one (the C calls release the GIL, so both can run at once).
# The result handle is only ever used by one thread at a time: every use waits for the worker.
# Off by default: it costs ~20 % more CPU, which pays only when a core is free and the
# consumer does much per record.
PREFETCH = os.environ.get("BOLTC_PREFETCH") == "1"

_RawBatch = Tuple[int, c_void_p, Optional[int]]  # (status, error, boltc_batch or None)


def _raw_batch(handle: int) -> _RawBatch:
    """The C half of a batch: the next records, in a ``boltc_batch`` the caller frees."""
    batch = c_void_p()
    err = c_void_p()
    status = lib.boltc_result_next_batch(handle, BATCH_SIZE, byref(batch), byref(err))
    if status:
        return status, err, None
    return 0, err, batch.value


def _columns(batch: int) -> bytes:
    """The columnar encoding of a batch (docs/C.md), copied out."""
    data, n, err = c_void_p(), c_size_t(), c_void_p()
    check(lib.boltc_batch_encode_columns(batch, byref(data), byref(n), byref(err)), err)
    return string_at(data.value, n.value)


class _Prefetch(threading.Thread):
    """Fetches one raw batch on a daemon thread (a daemon, so that a fetch stuck on a silent
    server never holds up the interpreter's exit)."""

    def __init__(self, handle: int) -> None:
        super().__init__(name="boltc-prefetch", daemon=True)
        self._handle = handle
        self._value: Optional[_RawBatch] = None
        self._error: Optional[BaseException] = None
        self.start()

    def run(self) -> None:
        try:
            self._value = _raw_batch(self._handle)
        except BaseException as e:  # handed to the thread that waits for the batch
            self._error = e

    def result(self) -> _RawBatch:
        self.join()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


_gc_lock = threading.Lock()
_gc_state = [0, False]  # [threads decoding a batch, whether to re-enable the GC after them]


def _gc_pause() -> None:
    with _gc_lock:
        if _gc_state[0] == 0:
            _gc_state[1] = _gc.isenabled()
            _gc.disable()
        _gc_state[0] += 1


def _gc_resume() -> None:
    with _gc_lock:
        _gc_state[0] -= 1
        if _gc_state[0] == 0 and _gc_state[1]:
            _gc.enable()


class Query:
    """A query with transaction metadata and a timeout (seconds), for ``Session.run``."""

    def __init__(self, text: str, metadata: Optional[Dict[str, Any]] = None, timeout: Optional[float] = None):
        self.text = text
        self.metadata = metadata
        self.timeout = timeout

    def __str__(self) -> str:
        return str(self.text)


def unit_of_work(metadata: Optional[Dict[str, Any]] = None, timeout: Optional[float] = None) -> Callable:
    """Decorator giving a transaction function metadata and a timeout (as ``neo4j.unit_of_work``)."""

    def wrapper(f: Callable) -> Callable:
        f.metadata = metadata  # type: ignore[attr-defined]
        f.timeout = timeout  # type: ignore[attr-defined]
        return f

    return wrapper


class Bookmarks:
    """The bookmarks a session ended with; pass them to another session to chain causally."""

    def __init__(self) -> None:
        self._raw: frozenset = frozenset()

    @classmethod
    def from_raw_values(cls, values: Iterable[str]) -> "Bookmarks":
        b = cls()
        b._raw = frozenset(values)
        return b

    @property
    def raw_values(self) -> frozenset:
        return self._raw

    def __bool__(self) -> bool:
        return bool(self._raw)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Bookmarks) and self._raw == other._raw

    def __hash__(self) -> int:
        return hash(self._raw)

    def __add__(self, other: "Bookmarks") -> "Bookmarks":
        return Bookmarks.from_raw_values(self._raw | other._raw)

    def __repr__(self) -> str:
        return "<Bookmarks %r>" % sorted(self._raw)


# ---- summary ------------------------------------------------------------------------------


class SummaryCounters:
    """What a query changed (as ``neo4j.SummaryCounters``)."""

    nodes_created = 0
    nodes_deleted = 0
    relationships_created = 0
    relationships_deleted = 0
    properties_set = 0
    labels_added = 0
    labels_removed = 0
    indexes_added = 0
    indexes_removed = 0
    constraints_added = 0
    constraints_removed = 0
    system_updates = 0
    _contains_updates = False
    _contains_system_updates = False

    def __init__(self, c: Optional[CCounters] = None) -> None:
        if c is not None:
            for name, _ in CCounters._fields_:
                if not name.startswith("contains"):
                    setattr(self, name, getattr(c, name))
            self._contains_updates = bool(c.contains_updates)
            self._contains_system_updates = bool(c.contains_system_updates)

    @property
    def contains_updates(self) -> bool:
        return self._contains_updates or any(
            getattr(self, n) for n, _ in CCounters._fields_[:11]
        )

    @property
    def contains_system_updates(self) -> bool:
        return self._contains_system_updates or self.system_updates > 0

    def __repr__(self) -> str:
        return "<SummaryCounters %s>" % {
            n: getattr(self, n) for n, _ in CCounters._fields_[:12] if getattr(self, n)
        }


class ServerInfo:
    """The server and connection that ran a query: ``address``, ``agent``,
    ``protocol_version``, ``connection_id`` (as ``neo4j.ServerInfo``)."""

    def __init__(
        self,
        address: Optional[str],
        agent: Optional[str],
        protocol_version: Tuple[int, int],
        connection_id: Optional[str] = None,
    ):
        self._address = address
        self.agent = agent
        self.protocol_version = protocol_version
        self._connection_id = connection_id or None

    @property
    def address(self) -> Optional[Any]:
        """``(host, port)``, or None if unknown."""
        a = self._address
        if not a:
            return None
        host, _, port = a.rpartition(":")
        try:
            return Address((host.strip("[]"), int(port)))
        except ValueError:
            return a

    @property
    def connection_id(self) -> Optional[str]:
        """The server's id of the connection (e.g. ``bolt-123``), None if it sent none."""
        return self._connection_id

    def __repr__(self) -> str:
        return "<ServerInfo address=%r agent=%r protocol_version=%r connection_id=%r>" % (
            self._address, self.agent, self.protocol_version, self._connection_id)


def server_info_from(info: int) -> ServerInfo:
    """Copies a ``boltc_server_info`` (which the caller still frees)."""
    major, minor = c_uint8(), c_uint8()
    err = c_void_p()
    check(lib.boltc_server_info_protocol_version(info, byref(major), byref(minor), byref(err)), err)
    return ServerInfo(
        borrowed_str(lib.boltc_server_info_string, info, _ffi.SERVER_INFO_ADDRESS),
        borrowed_str(lib.boltc_server_info_string, info, _ffi.SERVER_INFO_AGENT),
        (major.value, minor.value),
        borrowed_str(lib.boltc_server_info_string, info, _ffi.SERVER_INFO_CONNECTION_ID),
    )


def _connection_info(fn: Any, handle: int) -> Optional[ServerInfo]:
    out = c_void_p()
    err = c_void_p()
    check(fn(handle, byref(out), byref(err)), err)
    if not out.value:
        return None
    try:
        return server_info_from(out.value)
    finally:
        lib.boltc_server_info_free(out)


class Address(tuple):
    """A ``(host, port)`` tuple."""

    @property
    def host(self) -> str:
        return self[0]

    @property
    def port(self) -> int:
        return self[1]

    def __str__(self) -> str:
        return "%s:%d" % self


_QUERY_TYPES = {-1: None, 0: "r", 1: "rw", 2: "w", 3: "s"}


class ResultSummary:
    """The summary of a consumed result (as ``neo4j.ResultSummary``)."""

    def __init__(self, handle: int, parameters: Optional[Dict[str, Any]],
                 had_record: bool = False, had_key: bool = False) -> None:
        self.parameters = parameters
        self._had_record = had_record
        self._had_key = had_key
        self.query: Optional[str] = borrowed_str(lib.boltc_summary_string, handle, _ffi.SUMMARY_QUERY)
        self.database: Optional[str] = borrowed_str(lib.boltc_summary_string, handle, _ffi.SUMMARY_DATABASE)
        self.bookmark: Optional[str] = borrowed_str(lib.boltc_summary_string, handle, _ffi.SUMMARY_BOOKMARK)
        major, minor = c_uint8(), c_uint8()
        err = c_void_p()
        check(lib.boltc_summary_protocol_version(handle, byref(major), byref(minor), byref(err)), err)
        self.server = ServerInfo(
            borrowed_str(lib.boltc_summary_string, handle, _ffi.SUMMARY_SERVER_ADDRESS),
            borrowed_str(lib.boltc_summary_string, handle, _ffi.SUMMARY_SERVER_AGENT),
            (major.value, minor.value),
            borrowed_str(lib.boltc_summary_string, handle, _ffi.SUMMARY_CONNECTION_ID),
        )
        c = CCounters()
        check(lib.boltc_summary_counters(handle, byref(c), byref(err)), err)
        self.counters = SummaryCounters(c)
        self.query_type: Optional[str] = _QUERY_TYPES.get(lib.boltc_summary_query_type(handle))
        a = lib.boltc_summary_result_available_after_ms(handle)
        b = lib.boltc_summary_result_consumed_after_ms(handle)
        self.result_available_after: Optional[int] = None if a < 0 else a
        self.result_consumed_after: Optional[int] = None if b < 0 else b
        self.metadata: Dict[str, Any] = map_to_dict(lib.boltc_summary_metadata(handle))
        self.notifications: List[Dict[str, Any]] = [
            map_to_dict(lib.boltc_summary_notification(handle, i))
            for i in range(lib.boltc_summary_notifications_len(handle))
        ]
        self.plan = self.metadata.get("plan")
        self.profile = self.metadata.get("profile")

    @property
    def summary_notifications(self) -> List[Dict[str, Any]]:
        return self.notifications

    @property
    def gql_status_objects(self) -> Tuple["GqlStatusObject", ...]:
        """The server's GQL statuses; from a server that sends none (before Bolt 5.5, or
        FalkorDB), as the official driver: one per notification (``01N42`` for a warning,
        ``03N42`` otherwise) plus ``00000`` (records came), ``02000`` (no record) or ``00001``
        (no columns), ordered no data, warning, success, information."""
        raw = self.metadata.get("statuses")
        if isinstance(raw, list):
            return tuple(GqlStatusObject._from_status(s) for s in raw)
        objs = [GqlStatusObject._from_notification(n) for n in self.notifications]
        if self._had_record:
            objs.append(GqlStatusObject._polyfill("00000", "note: successful completion"))
        elif self._had_key:
            objs.append(GqlStatusObject._polyfill("02000", "note: no data"))
        else:
            objs.append(GqlStatusObject._polyfill("00001", "note: successful completion - omitted result"))
        rank = {"02": 3, "01": 2, "00": 1, "03": 0}
        return tuple(sorted(objs, key=lambda o: rank.get(o.gql_status[:2], -1), reverse=True))

    def __repr__(self) -> str:
        return "<ResultSummary query_type=%r counters=%r>" % (self.query_type, self.counters)


_POLYFILL_DIAGNOSTIC = (("OPERATION", ""), ("OPERATION_CODE", "0"), ("CURRENT_SCHEMA", "/"))


class GqlStatusObject:
    """A GQL status of a query (as ``neo4j.GqlStatusObject``): ``gql_status``,
    ``status_description``, ``is_notification``, ``position``, ``raw_classification``,
    ``raw_severity``, ``classification``, ``severity``, ``diagnostic_record``."""

    def __init__(self, gql_status: str, status_description: str, diagnostic_record: Dict[str, Any],
                 is_notification: bool = False) -> None:
        self.gql_status = gql_status
        self.status_description = status_description
        self.diagnostic_record = diagnostic_record
        self.is_notification = is_notification
        self.raw_classification: Optional[str] = _str_or_none(diagnostic_record.get("_classification"))
        self.raw_severity: Optional[str] = _str_or_none(diagnostic_record.get("_severity"))
        position = diagnostic_record.get("_position")
        self.position: Optional[Dict[str, Any]] = position if isinstance(position, dict) else None

    @property
    def classification(self) -> str:
        return self.raw_classification or "UNKNOWN"

    @property
    def severity(self) -> str:
        return self.raw_severity or "UNKNOWN"

    @classmethod
    def _polyfill(cls, status: str, description: str) -> "GqlStatusObject":
        return cls(status, description, dict(_POLYFILL_DIAGNOSTIC))

    @classmethod
    def _from_status(cls, m: Any) -> "GqlStatusObject":
        m = m if isinstance(m, dict) else {}
        diag = m.get("diagnostic_record")
        return cls(str(m.get("gql_status") or ""), str(m.get("status_description") or ""),
                   dict(diag) if isinstance(diag, dict) else {}, bool(m.get("neo4j_code")))

    @classmethod
    def _from_notification(cls, n: Dict[str, Any]) -> "GqlStatusObject":
        diag = dict(_POLYFILL_DIAGNOSTIC)
        for key in ("category", "severity", "position"):
            if key in n:
                diag["_" + ("classification" if key == "category" else key)] = n[key]
        description = n.get("description") if isinstance(n.get("description"), str) else ""
        if n.get("severity") == "WARNING":
            return cls("01N42", description or "warn: unknown warning", diag, True)
        return cls("03N42", description or "info: unknown notification", diag, True)

    def __str__(self) -> str:
        return self.status_description

    def __repr__(self) -> str:
        return "<GqlStatusObject gql_status=%r status_description=%r>" % (self.gql_status, self.status_description)


def _str_or_none(x: Any) -> Optional[str]:
    return x if isinstance(x, str) else None


def map_to_dict(m: Optional[int]) -> Dict[str, Any]:
    """Copies a borrowed ``boltc_map`` view into a dict (via a value clone and the codec)."""
    if not m:
        return {}
    out: Dict[str, Any] = {}
    for i in range(lib.boltc_map_len(m)):
        k, kl, v = c_void_p(), c_size_t(), c_void_p()
        err = c_void_p()
        check(lib.boltc_map_entry(m, i, byref(k), byref(kl), byref(v), byref(err)), err)
        out[string_at(k.value, kl.value).decode()] = value_to_python(v.value)
    return out


def value_to_python(v: Optional[int]) -> Any:
    """Converts a borrowed ``boltc_value`` (scalars, lists, maps; others become their str)."""
    t = lib.boltc_value_get_type(v)
    err = c_void_p()
    if t == 0:
        return None
    if t == 1:
        b = c_bool()
        check(lib.boltc_value_as_bool(v, byref(b), byref(err)), err)
        return b.value
    if t == 2:
        i = c_int64()
        check(lib.boltc_value_as_int(v, byref(i), byref(err)), err)
        return i.value
    if t == 3:
        from ctypes import c_double

        f = c_double()
        check(lib.boltc_value_as_float(v, byref(f), byref(err)), err)
        return f.value
    if t == 5:
        return borrowed_str(lib.boltc_value_as_string, v)
    if t == 6:
        n = c_size_t()
        check(lib.boltc_value_list_len(v, byref(n), byref(err)), err)
        out = []
        for i in range(n.value):
            item = c_void_p()
            check(lib.boltc_value_list_get(v, i, byref(item), byref(err)), err)
            out.append(value_to_python(item.value))
        return out
    if t == 7:
        m = c_void_p()
        check(lib.boltc_value_as_map(v, byref(m), byref(err)), err)
        return map_to_dict(m.value)
    return None


# ---- results ------------------------------------------------------------------------------


class Result:
    """A stream of records (as ``neo4j.Result``): iterate it, or use ``single``, ``data``, ...

    Records cross from the library in batches of up to ``BATCH_SIZE``. The result is exhausted
    (and its summary fetched) when its last record has been read; ``consume()`` discards the rest.
    """

    def __init__(self, handle: int, parameters: Optional[Dict[str, Any]], owner: Any) -> None:
        self._handle: Optional[int] = handle
        self._parameters = parameters
        self._owner = owner
        self._buffer: Deque[Record] = deque()
        self._cur: Optional[Iterator[Record]] = None
        self._keys: Optional[Tuple[str, ...]] = None
        self._record_cls: Any = None
        self._summary: Optional[ResultSummary] = None
        self._summary_handle: Optional[int] = None
        self._exhausted = False
        self._consumed = False
        self._out_of_scope = False
        self._pending: Optional[_Prefetch] = None  # the worker fetching the next batch
        self._ready: Optional[_RawBatch] = None  # a batch fetched ahead, not yet decoded
        self._graph = Graph()  # the nodes and relationships of this result
        self._had_record = False

    # -- handle management
    def _settle(self) -> None:
        """Waits for the worker (if any) so that this thread may use the C handles again; the
        batch it fetched is kept for the next ``_fetch``."""
        fut, self._pending = self._pending, None
        if fut is not None:
            self._ready = fut.result()

    def _drop_ready(self) -> None:
        self._settle()
        ready, self._ready = self._ready, None
        if ready is not None:
            if ready[1].value:
                lib.boltc_error_free(ready[1])
            lib.boltc_batch_free(ready[2])

    def _free(self) -> None:
        self._drop_ready()
        h, self._handle = self._handle, None
        if h:
            lib.boltc_result_free(h)

    def _free_all(self) -> None:
        self._free()
        h, self._summary_handle = self._summary_handle, None
        if h:
            lib.boltc_summary_free(h)

    def __del__(self) -> None:
        try:
            self._free_all()
        except Exception:
            pass

    def _finish(self) -> None:
        """Takes the summary handle after the last record (it is turned into a ResultSummary
        only when asked for), then frees the result handle."""
        self._drop_ready()
        if self._keys is None and self._handle:
            try:
                self.keys()  # kept for the summary's GQL status (no data vs omitted result)
            except exceptions.Neo4jError:
                pass
        if self._handle and self._summary is None and self._summary_handle is None:
            out = c_void_p()
            err = c_void_p()
            status = lib.boltc_result_consume(self._handle, byref(out), byref(err))
            if status == 0:
                self._summary_handle = out.value
            else:
                self._free()
                self._exhausted = True
                self._check(status, err)
        self._free()
        self._exhausted = True

    def _take_summary(self) -> Optional[ResultSummary]:
        h, self._summary_handle = self._summary_handle, None
        if h:
            try:
                self._summary = ResultSummary(h, self._parameters, self._had_record, bool(self.keys()))
            finally:
                lib.boltc_summary_free(h)
        return self._summary

    def _fetch(self) -> bool:
        """Moves the next batch into the buffer; False when there is nothing more."""
        records = self._next_records()
        if records is None:
            return False
        self._buffer.extend(records)
        return bool(records) or not self._exhausted

    def _next_records(self) -> Optional[List[Record]]:
        """The records of the next batch (possibly none); None when there is nothing more."""
        if self._out_of_scope:
            raise exceptions.ResultConsumedError(
                "The result is out of scope: its transaction ended."
            )
        if self._exhausted:
            return None
        if not self._handle:
            raise exceptions.ResultConsumedError(
                "The result is out of scope: its transaction ended or it was consumed."
            )
        self._settle()
        ready, self._ready = self._ready, None
        status, err, batch = ready if ready is not None else _raw_batch(self._handle)
        if status:
            self._exhausted = True
            self._free()
            self._check(status, err, exceptions.ResultConsumedError)
        try:
            more = lib.boltc_batch_has_more(batch)
            if self._record_cls is None:
                self.keys()  # known once a batch came (before a worker may use the handle)
            if more and PREFETCH:
                self._pending = _Prefetch(self._handle)
            # The batch allocates many objects that all stay alive: keep the cyclic GC from
            # scanning them again and again while they are built (it made this 4x slower).
            _gc_pause()
            try:
                records = build_rows(batch, self._record_cls)
                if records is None:
                    records = self._decode(_columns(batch))
                if records:
                    self._had_record = True
            finally:
                _gc_resume()
        finally:
            lib.boltc_batch_free(batch)
        if not more:
            self._finish()
        return records

    def _decode(self, buf: bytes) -> List[Record]:
        """The records of a columnar batch (values ``build_rows`` does not build)."""
        seen, broken = GRAPH_VALUES[0], BROKEN_VALUES[0]
        keys, rows, cols = decode_columns(buf)
        if GRAPH_VALUES[0] != seen:
            self._graph._absorb(cols)
        if not rows:
            return []
        if cols and BROKEN_VALUES[0] != broken:
            return broken_aware_records(self._record_cls, zip(*cols))
        if cols:
            return list(map(_tuple_new, _repeat(self._record_cls), zip(*cols)))
        return [_tuple_new(self._record_cls, ())] * rows

    def _buffer_all(self) -> None:
        while self._fetch():
            pass

    def _tx_end(self) -> None:
        """The transaction ended: unread records (buffered ones too) are gone and the result
        is out of scope (``ResultConsumedError`` on access, ``consume()`` included), as in
        the official driver."""
        self._cur = None
        self._buffer.clear()
        if not self._exhausted:
            self._free()
            self._exhausted = True
        self._out_of_scope = True

    def _check(self, status: int, err: c_void_p, cls: Any = None) -> None:
        """``check`` that also tells the owning transaction it failed."""
        try:
            check(status, err, cls)
        except Exception as e:
            if isinstance(self._owner, ManagedTransaction) and not isinstance(e, exceptions.ResultConsumedError):
                self._owner._last_error = e
            raise

    # -- public API
    def keys(self) -> Tuple[str, ...]:
        """The column names."""
        if self._keys is None:
            if not self._handle:
                return ()
            n = c_size_t()
            err = c_void_p()
            check(lib.boltc_result_keys_len(self._handle, byref(n), byref(err)), err)
            keys = []
            for i in range(n.value):
                p, ln = c_void_p(), c_size_t()
                check(lib.boltc_result_key(self._handle, i, byref(p), byref(ln), byref(err)), err)
                keys.append(string_at(p.value, ln.value).decode())
            self._keys = tuple(keys)
            self._record_cls = record_class(keys)
        return self._keys

    def __iter__(self) -> Iterator[Record]:
        if self._consumed:
            raise exceptions.ResultConsumedError("The result has been consumed.")
        # chain.from_iterable walks each batch at C speed; the Result keeps the batch iterator
        # in _cur so that records left after a `break` stay readable (see _take_cur), also by
        # a new iteration.
        self._take_cur()
        return _chain(self._batches())

    def _batches(self) -> Iterator[Iterator[Record]]:
        while not self._consumed:
            if self._buffer:
                it = self._cur = iter(self._buffer)
                self._buffer = deque()
            else:
                # Straight from the batch's list (iterating a list is cheaper than a deque).
                records = self._next_records()
                if records is None:
                    return
                if not records:
                    continue
                it = self._cur = iter(records)
            yield it
            if self._cur is it:
                self._cur = None

    def _take_cur(self) -> None:
        """Puts the records an iteration left in its current batch back in front of the buffer."""
        cur, self._cur = self._cur, None
        if cur is not None:
            rest = list(cur)
            if rest:
                rest.extend(self._buffer)
                self._buffer = deque(rest)

    def __next__(self) -> Record:
        if self._consumed:
            raise exceptions.ResultConsumedError("The result has been consumed.")
        self._take_cur()
        while not self._buffer:
            if not self._fetch():
                raise StopIteration
        return self._buffer.popleft()

    def _peek_buffer(self, n: int) -> None:
        self._take_cur()
        while len(self._buffer) < n and self._fetch():
            pass

    def peek(self) -> Optional[Record]:
        """The next record without consuming it, or None at the end."""
        self._check_usable()
        self._peek_buffer(1)
        return self._buffer[0] if self._buffer else None

    def fetch(self, n: int) -> List[Record]:
        """Up to ``n`` next records."""
        self._check_usable()
        self._peek_buffer(n)
        buf = self._buffer
        return [buf.popleft() for _ in range(min(n, len(buf)))]

    def single(self, strict: bool = False) -> Optional[Record]:
        """The only record. With ``strict``, zero or several records raise
        ``ResultNotSingleError``; otherwise zero gives None and several warn and give the first."""
        self._check_usable()
        self._peek_buffer(2)
        buf = list(self._buffer)
        self._exhaust()
        if not buf:
            if strict:
                raise exceptions.ResultNotSingleError(
                    "No records found. Make sure your query returns exactly one record."
                )
            return None
        if len(buf) > 1:
            if strict:
                raise exceptions.ResultNotSingleError(
                    "More than one record found. Make sure your query returns exactly one record."
                )
            warnings.warn("Expected a result with a single record, but found multiple.", stacklevel=2)
        return buf[0]

    def _exhaust(self) -> None:
        """Drops the rest of the records; the result stays open (iterating it gives nothing,
        the summary stays available to ``consume``), as after the official ``single()``."""
        self._cur = None
        self._buffer.clear()
        if self._summary is None and self._summary_handle is None and not self._out_of_scope:
            if not self._had_record and self._handle and self._pending is None and self._ready is None:
                # Whether the result had any record at all (its GQL status: 00000 or 02000).
                rec, err = c_void_p(), c_void_p()
                self._check(lib.boltc_result_next(self._handle, byref(rec), byref(err)), err)
                if rec.value:
                    self._had_record = True
                    lib.boltc_record_free(rec)
            self._finish()

    def _discard(self) -> None:
        """Drops the rest of the result and marks it consumed."""
        self._exhaust()
        self._consumed = True

    def consume(self) -> ResultSummary:
        """Discards the remaining records and returns the summary. ``ResultConsumedError``
        once the result's transaction has ended."""
        if self._out_of_scope:
            raise exceptions.ResultConsumedError("The result is out of scope: its transaction ended.")
        self._discard()
        self._take_summary()
        if self._summary is None:
            raise exceptions.ResultConsumedError("The result is out of scope: its transaction ended.")
        return self._summary

    def _check_usable(self) -> None:
        self._take_cur()
        if self._consumed:
            raise exceptions.ResultConsumedError("The result has been consumed.")
        if self._out_of_scope and not self._buffer:
            raise exceptions.ResultConsumedError("The result is out of scope: its transaction ended.")

    def data(self, *keys: Any) -> List[Dict[str, Any]]:
        """Every remaining record as a dict."""
        return [r.data(*keys) for r in self]

    def values(self, *keys: Any) -> List[List[Any]]:
        """Every remaining record as a list of values."""
        if not keys:
            return [list(r) for r in self]
        return [r.values(*keys) for r in self]

    def value(self, key: Any = 0, default: Any = None) -> List[Any]:
        """One column of every remaining record."""
        return [r.value(key, default) for r in self]

    def closed(self) -> bool:
        return self._consumed or self._out_of_scope

    def to_eager_result(self) -> "EagerResult":
        records = list(self)
        return EagerResult(records, self.consume(), list(self.keys()))

    def graph(self) -> Graph:
        """The nodes and relationships of this result (all its records are buffered first,
        so they stay readable), as ``neo4j.graph.Graph``."""
        self._check_usable()
        self._peek_buffer(1 << 62)
        return self._graph

    def to_df(self, expand: bool = False, parse_dates: bool = False) -> Any:
        """The remaining records as a ``pandas.DataFrame`` (pandas is imported here), one
        column per key. ``expand=True`` (flattening nodes, lists and maps into columns) and
        ``parse_dates=True`` are not implemented: ``NotImplementedError``."""
        if expand or parse_dates:
            raise NotImplementedError("boltc's Result.to_df supports expand=False, parse_dates=False only")
        import pandas as pd  # type: ignore[import-not-found]

        keys = list(self.keys())
        return pd.DataFrame([list(r) for r in self], columns=keys)


EagerResult = namedtuple("EagerResult", "records summary keys")
EagerResult.__doc__ = "The records, summary and keys of a result (``Driver.execute_query``)."


# ---- transactions -------------------------------------------------------------------------


class ManagedTransaction:
    """The transaction a transaction function receives: ``run`` only."""

    def __init__(self, handle: int, session: "Session") -> None:
        self._handle: Optional[int] = handle
        self._session = session
        self._results: List[Result] = []
        self._closed = False
        self._last_error: Optional[BaseException] = None  # the failure that ended the transaction

    def run(self, query: Any, parameters: Optional[Dict[str, Any]] = None, **kwparameters: Any) -> Result:
        """Runs a query in this transaction. A ``Query`` is refused with ``TypeError`` (its
        metadata and timeout belong to the transaction, as in the official driver)."""
        if isinstance(query, Query):
            raise TypeError("Query object is only supported for session.run")
        if self._closed or not self._handle:
            raise exceptions.TransactionError("The transaction is closed.")
        self._raise_if_failed()
        if self._results:
            self._results[-1]._buffer_all()
        params = _merge(parameters, kwparameters)
        text = str(query.text if isinstance(query, Query) else query).encode()
        m = to_map(params) if params else None
        out = c_void_p()
        err = c_void_p()
        try:
            status = lib.boltc_transaction_run(self._handle, text, len(text), m, byref(out), byref(err))
        finally:
            if m:
                lib.boltc_map_free(m)
        try:
            check(status, err, exceptions.TransactionError)
        except Exception as e:
            self._last_error = e
            raise
        r = Result(out.value, params, self)  # type: ignore[arg-type]
        self._results.append(r)
        return r

    def connection_info(self) -> Optional[ServerInfo]:
        """(boltc) The server and connection this transaction runs on; None once it is lost."""
        if self._closed or not self._handle:
            raise exceptions.TransactionError("The transaction is closed.")
        for r in self._results:
            r._settle()
        return _connection_info(lib.boltc_transaction_connection_info, self._handle)

    def _raise_if_failed(self) -> None:
        if self._last_error is not None:
            raise exceptions.TransactionError("The transaction failed; roll it back.") from self._last_error

    def _end(self, fn: Any) -> None:
        if self._closed:
            raise exceptions.TransactionError("The transaction is already closed.")
        if fn is lib.boltc_transaction_commit:
            self._raise_if_failed()  # the transaction stays open: rollback() closes it
        self._closed = True
        for r in self._results:
            r._tx_end()
        try:
            err = c_void_p()
            status = fn(self._handle, byref(err))
            if status and self._last_error is not None and fn is lib.boltc_transaction_rollback:
                # The server already ended the failed transaction: rolling back succeeds.
                lib.boltc_error_free(err)
            else:
                check(status, err, exceptions.TransactionError)
        finally:
            self._free()
            self._session._transaction = None

    def _free(self) -> None:
        h, self._handle = self._handle, None
        if h:
            lib.boltc_transaction_free(h)

    def _lent_end(self) -> None:
        """The transaction function returned: its results go out of scope and the transaction
        handle, lent by the library for the call, is given back (never freed here)."""
        self._closed = True
        for r in self._results:
            r._tx_end()
        self._handle = None
        self._session._transaction = None

    def __del__(self) -> None:
        try:
            self._free()
        except Exception:
            pass


class Transaction(ManagedTransaction):
    """An explicit transaction (``Session.begin_transaction``): ``run``, ``commit``,
    ``rollback``, ``close``. As a context manager it commits on success and rolls back on error."""

    def commit(self) -> None:
        """Commits and closes the transaction. ``IncompleteCommit``: outcome unknown."""
        self._end(lib.boltc_transaction_commit)

    def rollback(self) -> None:
        """Rolls back and closes the transaction."""
        self._end(lib.boltc_transaction_rollback)

    def close(self) -> None:
        """Rolls back the transaction if it is still open."""
        if not self._closed:
            self.rollback()

    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> "Transaction":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self._closed:
            return
        if exc_type is None:
            self.commit()
        else:
            try:
                self.rollback()
            except Exception:
                pass


def _merge(parameters: Optional[Dict[str, Any]], kw: Dict[str, Any]) -> Dict[str, Any]:
    if parameters is None:
        return kw
    if kw:
        d = dict(parameters)
        d.update(kw)
        return d
    return parameters


# ---- sessions -----------------------------------------------------------------------------


class Session(HandleOwner):
    """A session (as ``neo4j.Session``): ``run``, ``begin_transaction``, ``execute_read``,
    ``execute_write``, ``last_bookmarks``, ``close``; a context manager."""

    _FREE = "boltc_session_free"

    def __init__(self, handle: int, driver: Any, access_mode: str, settings: Dict[str, Any]) -> None:
        self._handle: Optional[int] = handle
        self._driver = driver
        self._access_mode = access_mode
        self._settings = settings
        self._auto_result: Optional[Result] = None
        self._transaction: Optional[ManagedTransaction] = None

    def _live(self) -> int:
        if not self._handle:
            raise exceptions.SessionError("The session is closed.")
        return self._handle

    def run(self, query: Any, parameters: Optional[Dict[str, Any]] = None, **kwparameters: Any) -> Result:
        """Runs a query in an auto-commit transaction. The previous result of this session is
        buffered first (its records stay readable). An empty query raises ``ValueError``, any
        other type than ``str`` or ``Query`` ``TypeError``, before anything is sent."""
        h = self._live()
        if not query or (isinstance(query, Query) and not query.text):
            raise ValueError("Cannot run an empty query")
        if not isinstance(query, (str, Query)):
            raise TypeError("query must be a string or a Query instance")
        if self._transaction is not None:
            raise exceptions.TransactionError("Explicit transaction must be closed before running auto-commit queries.")
        if self._auto_result is not None:
            self._auto_result._buffer_all()
        params = _merge(parameters, kwparameters)
        timeout_ms, meta = -1, None
        if isinstance(query, Query):
            timeout_ms = _timeout_ms(query.timeout)
            meta = query.metadata
            text = str(query.text).encode()
        else:
            text = str(query).encode()
        m = to_map(params) if params else None
        md = to_map(meta) if meta else None
        out = c_void_p()
        err = c_void_p()
        try:
            status = lib.boltc_session_run(h, text, len(text), m, timeout_ms, md, byref(out), byref(err))
        finally:
            if m:
                lib.boltc_map_free(m)
            if md:
                lib.boltc_map_free(md)
        check(status, err)
        self._auto_result = Result(out.value, params, self)  # type: ignore[arg-type]
        return self._auto_result

    def begin_transaction(self, metadata: Optional[Dict[str, Any]] = None, timeout: Optional[float] = None) -> Transaction:
        """Begins an explicit transaction (``timeout`` in seconds)."""
        return self._begin(Transaction, metadata, timeout)

    def _begin(self, cls: Any, metadata: Optional[Dict[str, Any]], timeout: Optional[float]) -> Any:
        h = self._live()
        if self._transaction is not None:
            raise exceptions.TransactionError("Explicit transaction already open.")
        if self._auto_result is not None:
            self._auto_result._buffer_all()
        md = to_map(metadata) if metadata else None
        out = c_void_p()
        err = c_void_p()
        try:
            status = lib.boltc_session_begin_in_mode(
                h, _c_access_mode(self._access_mode), _timeout_ms(timeout), md, byref(out), byref(err))
        finally:
            if md:
                lib.boltc_map_free(md)
        check(status, err, exceptions.TransactionError)
        tx = cls(out.value, self)
        self._transaction = tx
        return tx

    def _run_transaction(self, mode: str, fn: Callable[..., T], args: Any, kwargs: Any,
                         api: int = _ffi.TELEMETRY_TRANSACTION_FUNCTION) -> T:
        """Runs ``fn(tx, *args, **kwargs)`` through the library's transaction function
        (``boltc_session_execute``): the library begins each attempt in access mode ``mode``
        (this session's default stays), commits, and decides whether and when to run ``fn``
        again. An exception raised by ``fn`` rolls the attempt back; it is retried only if it
        is a driver or server error that says so (``is_retryable()``, and timeouts, as the
        library rules), and it is raised again, as it was, once retrying stops."""
        h = self._live()
        if self._transaction is not None:
            raise exceptions.TransactionError("Explicit transaction already open.")
        if self._auto_result is not None:
            self._auto_result._buffer_all()
        metadata = getattr(fn, "metadata", None)
        timeout = getattr(fn, "timeout", None)
        outcome: List[Any] = [None, None]  # the value and the exception of the last attempt

        def work(handle: int, _user_data: Any, error_out: Any) -> int:
            outcome[0] = outcome[1] = None
            tx = ManagedTransaction(handle, self)
            self._transaction = tx
            try:
                value = fn(tx, *args, **kwargs)
                tx._raise_if_failed()  # a query failed and fn went on: nothing to commit
                outcome[0] = value
                return 0
            except BaseException as e:  # anything: the C side must roll back, never commit
                outcome[1] = e
                status, retryable = _failure_status(e)
                error_out[0] = lib.boltc_error_new(status, str(e).encode("utf-8", "replace"), retryable)
                return status
            finally:
                tx._lent_end()

        callback = _ffi.TRANSACTION_WORK(work)
        md = to_map(metadata) if metadata else None
        err = c_void_p()
        try:
            if api != _ffi.TELEMETRY_TRANSACTION_FUNCTION:
                self._set_telemetry_api(api)  # the library keeps an API marked before the call
            status = lib.boltc_session_execute(
                h, _c_access_mode(mode), _timeout_ms(timeout), md, callback, None, byref(err))
        finally:
            if md:
                lib.boltc_map_free(md)
            if api != _ffi.TELEMETRY_TRANSACTION_FUNCTION and self._handle:
                self._set_telemetry_api(-1)
        value, failure = outcome
        if status and failure is not None:
            lib.boltc_error_free(err)  # the copy handed to the library; the original follows
            raise failure
        check(status, err, exceptions.TransactionError)
        return value  # type: ignore[no-any-return]

    def _set_telemetry_api(self, api: int) -> None:
        err = c_void_p()
        check(lib.boltc_session_set_telemetry_api(self._live(), api, byref(err)), err)

    def execute_read(self, transaction_function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Runs ``transaction_function(tx, *args, **kwargs)`` in a transaction and returns what
        it returns, retrying it on retryable errors with the driver's backoff
        (``initial_retry_delay``, ``retry_delay_multiplier``, ``retry_delay_jitter_factor``) for
        up to ``max_transaction_retry_time``; ``tx`` is a ``ManagedTransaction``. The
        transaction runs in READ mode (on a reader in a cluster), whatever the session's
        default access mode."""
        return self._run_transaction(READ_ACCESS, transaction_function, args, kwargs)

    def execute_write(self, transaction_function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """As ``execute_read``, in WRITE mode."""
        return self._run_transaction(WRITE_ACCESS, transaction_function, args, kwargs)

    def last_bookmarks(self) -> Bookmarks:
        """The bookmarks after the last transaction of this session."""
        h = self._live()
        if self._auto_result is not None:
            self._auto_result._buffer_all()
        out = c_void_p()
        err = c_void_p()
        check(lib.boltc_session_last_bookmarks(h, byref(out), byref(err)), err)
        try:
            return Bookmarks.from_raw_values(value_to_python(out.value) or [])
        finally:
            lib.boltc_value_free(out)

    def last_bookmark(self) -> Optional[str]:
        b = self.last_bookmarks().raw_values
        return next(iter(b)) if b else None

    def connection_info(self) -> Optional[ServerInfo]:
        """(boltc) The server and connection the session holds right now, or None between
        queries (connections go back to the pool when a result is consumed)."""
        h = self._live()
        if self._auto_result is not None:
            self._auto_result._settle()
        if self._transaction is not None:
            for r in self._transaction._results:
                r._settle()
        return _connection_info(lib.boltc_session_connection_info, h)

    def interrupt(self) -> None:
        """(boltc) Interrupts a blocking call of this session from another thread."""
        if self._handle:
            err = c_void_p()
            check(lib.boltc_session_interrupt(self._handle, byref(err)), err)

    def close(self) -> None:
        """Closes the session (rolls back an open transaction, consumes an unread result:
        reading its records then raises ``ResultConsumedError``); idempotent."""
        h, self._handle = self._handle, None
        if h:
            if self._auto_result is not None and not self._auto_result._consumed:
                # As the official driver: an unread result is consumed (records it did not
                # deliver are gone; its summary stays available to consume()).
                try:
                    self._auto_result._discard()
                except (exceptions.Neo4jError, exceptions.DriverError) as e:
                    log.warning("Failed to consume the auto-commit result before closing the session: %s", e)
            err = c_void_p()
            status = lib.boltc_session_close(h, byref(err))
            lib.boltc_session_free(h)
            self._transaction = None
            check(status, err)

    def closed(self) -> bool:
        return not self._handle



# boltc_status numbers by name, for exceptions raised inside a transaction function.
_STATUS_NUMBERS = {name: number for number, (name, _) in exceptions.STATUS.items()}
_CLIENT_ERROR = _STATUS_NUMBERS["BOLTC_STATUS_CLIENT_ERROR"]


def _failure_status(e: BaseException) -> Tuple[int, bool]:
    """What the library's retry loop is told of an exception raised inside a transaction
    function: the status of the failed call (a driver or server error), or a client error for
    anything else, and the exception's own retryability verdict (for errors from the library,
    the library's). The library decides from these whether to retry."""
    if isinstance(e, (exceptions.Neo4jError, exceptions.DriverError)):
        return _STATUS_NUMBERS.get(e.status or "", _CLIENT_ERROR), bool(e.is_retryable())
    return _CLIENT_ERROR, False


def _c_access_mode(mode: str) -> int:
    return _ffi.ACCESS_MODE_READ if mode == READ_ACCESS else _ffi.ACCESS_MODE_WRITE


def _timeout_ms(timeout: Optional[float]) -> int:
    if timeout is None:
        return -1
    return max(0, int(timeout * 1000))
