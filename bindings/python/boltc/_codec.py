"""Decoding of the columnar batch encoding (docs/C.md) and encoding of parameters.

Decoding is written for speed: a column whose values share one scalar type is decoded with a
single ``struct.unpack_from`` (ints, floats), one ``bytes.decode`` plus one ``str.split`` (or
C-level slicing when a string contains NUL) or ``map(bool, ...)``. A column of lists is one
inner column of all elements cut into lists by ``zip`` (same lengths) or slicing; a column of
maps with the same keys is one inner column per key, combined by a comprehension compiled once
per key set; other columns of plain values arrive as JSON for the C-accelerated
``json.loads``. Records are built by ``map`` over ``zip`` of the columns, so a plain batch
costs a handful of Python-level operations however many rows it has.

Faster still, on CPython, ``build_rows`` has the library build a batch of plain values
(null, bool, int, float, str, bytes, list, dict) straight into Python objects: it hands
``boltc_batch_build`` the Python C API's own constructors, so no buffer is encoded, copied or
decoded and each record is allocated once, in C. Batches holding other values (nodes,
temporal values, ...) take the columnar path.
"""

from __future__ import annotations

import ctypes
import datetime as _dt
import sys
from collections import namedtuple
from json import loads as _json_loads
from ctypes import addressof, byref, c_void_p, create_string_buffer
from struct import Struct
from typing import Any, Callable, Dict, List, Tuple
from zoneinfo import ZoneInfo

from . import exceptions
from ._ffi import CBuilder, CDate, CDateTime, CDuration, CPoint, CTime, lib, pylib
from ._util import check
from .graph import Node, Path, Relationship
from .spatial import Point, point
from .time import Date, DateTime, Duration, Time

_time_of = Time.from_ticks
_date_of = Date.from_ordinal
_combine = DateTime.combine

_u32 = Struct("<I").unpack_from
_u32u32 = Struct("<II").unpack_from
_i64 = Struct("<q").unpack_from
_f64 = Struct("<d").unpack_from
_qi = Struct("<qi").unpack_from
_qii = Struct("<qii").unpack_from
_qqqi = Struct("<qqqi").unpack_from
_qdd = Struct("<qdd").unpack_from
_qddd = Struct("<qddd").unpack_from
_qq = Struct("<qq").unpack_from

_UTC = _dt.timezone.utc
_EPOCH_UTC = _dt.datetime(1970, 1, 1, tzinfo=_UTC)
_EPOCH_ORDINAL = _dt.date(1970, 1, 1).toordinal()
_timedelta = _dt.timedelta
_TZ_CACHE: Dict[int, _dt.timezone] = {}
_VECTOR_FORMATS = "bhiqfd"
_VECTOR_SIZES = (1, 2, 4, 8, 4, 8)

Unsupported = namedtuple("Unsupported", "name min_protocol message")
Unsupported.__doc__ = "A value the server could not send over this protocol version."


class BrokenHydrationObject(namedtuple("BrokenHydrationObject", "kind raw error")):
    """A value from the server the driver could not hydrate (e.g. a temporal value outside the
    range of the ``neo4j.time`` types, years 1 to 9999, or a zone id unknown here): ``kind``
    names the type, ``raw`` holds the Bolt fields, ``error`` is the exception. Reading a record
    field that holds one raises ``BrokenRecordError`` with ``error`` as its cause, as in the
    official driver (see ``_broken.py``); inside a list or map it stays as it is."""

    __slots__ = ()

    @property
    def raw_data(self) -> Any:
        """The raw data (``raw``), under the official driver's name."""
        return self.raw


Structure = namedtuple("Structure", "tag fields")
Structure.__doc__ = "A Bolt structure boltc does not know."


def _tz(offset: int) -> _dt.timezone:
    tz = _TZ_CACHE.get(offset)
    if tz is None:
        tz = _TZ_CACHE[offset] = _dt.timezone(_timedelta(seconds=offset))
    return tz


def _str(b: bytes, o: int) -> Tuple[str, int]:
    n = _u32(b, o)[0]
    o += 4
    return b[o : o + n].decode(), o + n


def _map(b: bytes, o: int) -> Tuple[Dict[str, Any], int]:
    n = _u32(b, o)[0]
    o += 4
    d = {}
    for _ in range(n):
        kn = _u32(b, o)[0]
        o += 4
        k = b[o : o + kn].decode()
        d[k], o = _value(b, o + kn)
    return d, o


# How many graph values (nodes, relationships) were decoded so far: a result checks it
# around a batch and takes the batch into its graph only when it changed.
GRAPH_VALUES = [0]
# How many broken values (BrokenHydrationObject) were decoded so far: a result checks it around
# a batch and builds records that raise on broken fields only when it changed.
BROKEN_VALUES = [0]


def _node(b: bytes, o: int) -> Tuple[Node, int]:
    GRAPH_VALUES[0] += 1
    nid = _i64(b, o)[0]
    eid, o = _str(b, o + 8)
    n = _u32(b, o)[0]
    o += 4
    labels = []
    for _ in range(n):
        s, o = _str(b, o)
        labels.append(s)
    props, o = _map(b, o)
    return Node(eid, nid, labels, props), o


def _rel(b: bytes, o: int) -> Tuple[Relationship, int]:
    GRAPH_VALUES[0] += 1
    rid = _i64(b, o)[0]
    eid, o = _str(b, o + 8)
    sid = _i64(b, o)[0]
    seid, o = _str(b, o + 8)
    tid = _i64(b, o)[0]
    teid, o = _str(b, o + 8)
    typ, o = _str(b, o)
    props, o = _map(b, o)
    return Relationship(eid, rid, typ, Node(seid, sid), Node(teid, tid), props), o


def _path(b: bytes, o: int) -> Tuple[Path, int]:
    # The distinct nodes and relationships, then the walk as indices into them: a walk that
    # repeats an element refers to the same object.
    n = _u32(b, o)[0]
    o += 4
    nodes = []
    for _ in range(n):
        node, o = _node(b, o)
        nodes.append(node)
    m = _u32(b, o)[0]
    o += 4
    by_eid = {x.element_id: x for x in nodes}
    rels = []
    for _ in range(m):
        r, o = _rel(b, o)
        r._start_node = by_eid.get(r._start_node.element_id, r._start_node)  # type: ignore[union-attr]
        r._end_node = by_eid.get(r._end_node.element_id, r._end_node)  # type: ignore[union-attr]
        rels.append(r)
    steps, start = _u32u32(b, o)
    o += 8
    walk_nodes = [nodes[start]]
    walk_rels = []
    for _ in range(steps):
        ri, ni = _u32u32(b, o)
        o += 8
        walk_rels.append(rels[ri])
        walk_nodes.append(nodes[ni])
    return Path(walk_nodes, walk_rels), o


def _value(b: bytes, o: int) -> Tuple[Any, int]:
    """Decodes one ``value`` at ``o``; returns it and the offset after it."""
    t = b[o]
    o += 1
    if t == 2:
        return _i64(b, o)[0], o + 8
    if t == 5:
        n = _u32(b, o)[0]
        o += 4
        return b[o : o + n].decode(), o + n
    if t == 0:
        return None, o
    if t == 3:
        return _f64(b, o)[0], o + 8
    if t == 1:
        return b[o] != 0, o + 1
    if t == 6:
        n = _u32(b, o)[0]
        o += 4
        lst = []
        for _ in range(n):
            v, o = _value(b, o)
            lst.append(v)
        return lst, o
    if t == 7:
        return _map(b, o)
    if t == 8:
        return _node(b, o)
    if t == 9:
        return _rel(b, o)
    if t == 11:
        return _path(b, o)
    return _SLOW[t](b, o)


def _unbound(b: bytes, o: int) -> Tuple[Any, int]:
    GRAPH_VALUES[0] += 1
    rid = _i64(b, o)[0]
    eid, o = _str(b, o + 8)
    typ, o = _str(b, o)
    props, o = _map(b, o)
    return Relationship(eid, rid, typ, None, None, props), o


def _bytes(b: bytes, o: int) -> Tuple[Any, int]:
    n = _u32(b, o)[0]
    return b[o + 4 : o + 4 + n], o + 4 + n


def _broken(kind: str, raw: Tuple[Any, ...], e: Exception) -> "BrokenHydrationObject":
    BROKEN_VALUES[0] += 1
    error = ValueError("%s out of the supported range: %s" % (kind, e))
    error.__cause__ = e
    return BrokenHydrationObject(kind, raw, error)


def _date(b: bytes, o: int) -> Tuple[Any, int]:
    days = _i64(b, o)[0]
    try:
        return _date_of(_EPOCH_ORDINAL + days), o + 8
    except (ValueError, OverflowError) as e:
        return _broken("Date", (days,), e), o + 8


def _time_v(b: bytes, o: int) -> Tuple[Any, int]:
    ns, off = _qi(b, o)
    try:
        return _time_of(ns, _tz(off)), o + 12
    except (ValueError, OverflowError) as e:
        return _broken("Time", (ns, off), e), o + 12


def _local_time(b: bytes, o: int) -> Tuple[Any, int]:
    ns = _i64(b, o)[0]
    try:
        return _time_of(ns, None), o + 8
    except (ValueError, OverflowError) as e:
        return _broken("LocalTime", (ns,), e), o + 8


def _datetime_local_fields(secs: int, ns: int, tz: Any) -> DateTime:
    days, sod = divmod(secs, 86400)
    return _combine(_date_of(_EPOCH_ORDINAL + days), _time_of(sod * 1_000_000_000 + ns, tz))


def _datetime(b: bytes, o: int) -> Tuple[Any, int]:
    s, ns, off = _qii(b, o)
    try:
        return _datetime_local_fields(s + off, ns, _tz(off)), o + 16
    except (ValueError, OverflowError) as e:
        return _broken("DateTime", (s, ns, off), e), o + 16


def _datetime_zone(b: bytes, o: int) -> Tuple[Any, int]:
    s, ns = _qi(b, o)
    zone, o = _str(b, o + 12)
    try:
        local = (_EPOCH_UTC + _timedelta(seconds=s)).astimezone(ZoneInfo(zone))
        return DateTime._from_native_ns(local, ns), o
    except (ValueError, OverflowError, KeyError) as e:
        return _broken("DateTime", (s, ns, zone), e), o


def _local_datetime(b: bytes, o: int) -> Tuple[Any, int]:
    s, ns = _qi(b, o)
    try:
        return _datetime_local_fields(s, ns, None), o + 12
    except (ValueError, OverflowError) as e:
        return _broken("LocalDateTime", (s, ns), e), o + 12


def _duration(b: bytes, o: int) -> Tuple[Any, int]:
    return Duration._of(*_qqqi(b, o)), o + 28


def _point2d(b: bytes, o: int) -> Tuple[Any, int]:
    srid, x, y = _qdd(b, o)
    return point(srid, (x, y)), o + 24


def _point3d(b: bytes, o: int) -> Tuple[Any, int]:
    srid, x, y, z = _qddd(b, o)
    return point(srid, (x, y, z)), o + 32


def _vector(b: bytes, o: int) -> Tuple[Any, int]:
    et = b[o]
    n = _u32(b, o + 1)[0]
    o += 5
    vals = list(Struct("<%d%s" % (n, _VECTOR_FORMATS[et])).unpack_from(b, o))
    return vals, o + n * _VECTOR_SIZES[et]


def _unsupported(b: bytes, o: int) -> Tuple[Any, int]:
    name, o = _str(b, o)
    major, minor = _qq(b, o)
    o += 16
    msg = None
    if b[o]:
        msg, o = _str(b, o + 1)
    else:
        o += 1
    return Unsupported(name, (major, minor), msg), o


def _struct(b: bytes, o: int) -> Tuple[Any, int]:
    tag = b[o]
    n = _u32(b, o + 1)[0]
    o += 5
    fields = []
    for _ in range(n):
        v, o = _value(b, o)
        fields.append(v)
    return Structure(tag, fields), o


def _bad_tag(b: bytes, o: int) -> Tuple[Any, int]:
    raise exceptions.DriverError("boltc: unknown value tag %d in a batch" % b[o - 1])


_SLOW: List[Callable[[bytes, int], Tuple[Any, int]]] = [_bad_tag] * 256
for _t, _f in {
    4: _bytes,
    10: _unbound,
    12: _date,
    13: _time_v,
    14: _local_time,
    15: _datetime,
    16: _datetime_zone,
    17: _local_datetime,
    18: _duration,
    19: _point2d,
    20: _point3d,
    21: _vector,
    22: _unsupported,
    23: _struct,
}.items():
    _SLOW[_t] = _f

_STRUCTS: Dict[str, Struct] = {}


def _array(fmt: str, n: int) -> Struct:
    key = "<%d%s" % (n, fmt)
    s = _STRUCTS.get(key)
    if s is None:
        if len(_STRUCTS) > 64:
            _STRUCTS.clear()
        s = _STRUCTS[key] = Struct(key)
    return s


def _strs(b: bytes, o: int, n: int) -> Tuple[List[str], int]:
    """The ``n`` strings at ``o`` (the keys of a batch or of a column of maps); returns them and
    the offset after them. (``_node`` keeps this loop inline for its labels: a call more per
    node would slow down decoding.)"""
    out = []
    for _ in range(n):
        v, o = _str(b, o)
        out.append(v)
    return out, o


def _columns(b: bytes, o: int, n: int, rows: int) -> Tuple[List[Any], int]:
    """The ``n`` columns of ``rows`` values at ``o`` (of a batch or of a column of maps);
    returns them and the offset after them."""
    out = []
    for _ in range(n):
        v, o = _column(b, o, rows)
        out.append(v)
    return out, o


def decode_columns(b: bytes) -> Tuple[List[str], int, List[Any]]:
    """Decodes a "BCC1" buffer into (keys, row count, one sequence of values per column)."""
    if b[:4] != b"BCC1":
        raise exceptions.DriverError("boltc: not a columnar batch")
    ncols = _u32(b, 4)[0]
    keys, o = _strs(b, 8, ncols)
    rows = _u32(b, o)[0]
    cols, o = _columns(b, o + 4, ncols, rows)
    return keys, rows, cols


def _column(b: bytes, o: int, rows: int) -> Tuple[Any, int]:
    """Decodes one column of ``rows`` values at ``o``; returns it and the offset after it."""
    kind = b[o]
    o += 1
    if kind == 1:
        return _array("q", rows).unpack_from(b, o), o + 8 * rows
    if kind == 5:
        n = _u32(b, o)[0]
        o += 4
        return b[o : o + n].decode().split("\0"), o + n
    if kind == 7:
        return _maps(b, o, rows)
    if kind == 8:
        return _lists(b, o, rows)
    if kind == 6:
        n = _u32(b, o)[0]
        o += 4
        return _json_loads(b[o : o + n]), o + n
    if kind == 3:
        n = _u32(b, o)[0]
        o += 4
        text = b[o : o + n].decode()
        o += n
        ends = _array("I", rows).unpack_from(b, o)
        starts = (0,) + ends[:-1]
        return list(map(text.__getitem__, map(slice, starts, ends))), o + 4 * rows
    if kind == 2:
        return _array("d", rows).unpack_from(b, o), o + 8 * rows
    if kind == 4:
        return list(map(bool, b[o : o + rows])), o + rows
    col = []
    append = col.append
    value = _value
    for _ in range(rows):
        v, o = value(b, o)
        append(v)
    return col, o


def _maps(b: bytes, o: int, rows: int) -> Tuple[List[Dict[str, Any]], int]:
    """Kind 7: maps with the same keys, one inner column per key."""
    k = _u32(b, o)[0]
    keys, o = _strs(b, o + 4, k)
    inner, o = _columns(b, o, k, rows)
    if not k:
        return [{} for _ in range(rows)], o
    return _maps_builder(tuple(keys))(*inner), o


def _lists(b: bytes, o: int, rows: int) -> Tuple[List[List[Any]], int]:
    """Kind 8: lists, as end offsets into one inner column of all their elements."""
    n = _u32(b, o)[0]
    o += 4
    ends = _array("I", rows).unpack_from(b, o)
    o += 4 * rows
    flat, o = _column(b, o, n)
    width = ends[0] if rows else 0
    if width and ends == tuple(range(width, width * rows + 1, width)):
        it = iter(flat)
        return list(map(list, zip(*[it] * width))), o
    if not n:
        return [[] for _ in range(rows)], o
    if type(flat) is not list:
        flat = list(flat)
    starts = (0,) + ends[:-1]
    return list(map(flat.__getitem__, map(slice, starts, ends))), o


_MAKERS: Dict[Tuple[str, ...], Callable[..., List[Dict[str, Any]]]] = {}


def _maps_builder(keys: Tuple[str, ...]) -> Callable[..., List[Dict[str, Any]]]:
    """A function turning one column per key into the list of dicts
    ``[{keys[0]: v0, keys[1]: v1, ...}, ...]``: a list comprehension with a dict display,
    compiled once per key tuple (``repr`` makes each key a safe literal)."""
    f = _MAKERS.get(keys)
    if f is None:
        if len(keys) > 64:
            return lambda *cols: [dict(zip(keys, vals)) for vals in zip(*cols)]
        if len(_MAKERS) > 256:
            _MAKERS.clear()
        n = len(keys)
        cols = ", ".join("c%d" % i for i in range(n))
        vals = ", ".join("v%d" % i for i in range(n))
        body = ", ".join("%r: v%d" % (k, i) for i, k in enumerate(keys))
        source = "[{%s} for %s in %s]" % (body, vals, "c0" if n == 1 else "zip(%s)" % cols)
        f = _MAKERS[keys] = eval("lambda %s: %s" % (cols, source))  # noqa: S307 - literals only
    return f


# ---- batches built by the library: boltc_batch_build with the Python C API -------------------

_STATUS_UNSUPPORTED = 19  # BOLTC_STATUS_UNSUPPORTED: a value the builder does not build


def _python_builder(direct: bool = True) -> Any:
    """The ``boltc_builder`` of the Python C API (the running interpreter's own functions), or
    None where there is none (not CPython). ``direct=False`` (for tests) gives the builder
    used where records cannot be filled in place."""
    if sys.implementation.name != "cpython":
        return None
    try:
        api = ctypes.pythonapi

        def fn(name: str) -> int:
            return ctypes.cast(getattr(api, name), c_void_p).value  # type: ignore[return-value]

        common = dict(
            null_object=id(None),  # CPython: id() is the object's address
            retain=fn("Py_IncRef"),
            release=fn("Py_DecRef"),
            new_bool=fn("PyBool_FromLong"),
            new_int=fn("PyLong_FromLongLong"),
            new_float=fn("PyFloat_FromDouble"),
            new_string=fn("PyUnicode_FromStringAndSize"),
            new_bytes=fn("PyBytes_FromStringAndSize"),
            new_list=fn("PyList_New"),
            list_set=fn("PyList_SetItem"),
            new_map=fn("PyDict_New"),
            map_set=fn("PyDict_SetItem"),
        )
        # Records are filled in place only where a tuple is the variable-size object header
        # followed by its items, so that storing the items initializes the whole record
        # (CPython 3.14 adds a cached hash between them).
        header_only = tuple.__basicsize__ == object.__basicsize__ + ctypes.sizeof(ctypes.c_ssize_t)
        if direct and header_only and hasattr(api, "_PyObject_GC_NewVar"):
            # A record is a tuple subclass with the layout of a tuple (``__slots__ = ()``).
            # Allocated by the collector's allocator as PyObject_GC_NewVar does (the function
            # behind that macro, so part of the stable ABI): not tracked yet, slots not
            # initialized; the library stores each value straight into its slot (a tuple's
            # items start at tuple.__basicsize__) and has a record holding a list or map
            # tracked. A record of scalars can be in no reference cycle (as CPython's own
            # tuples of scalars, which its collector untracks): it is never tracked. Against
            # PyType_GenericAlloc + PyTuple_SetItem + PyObject_GC_UnTrack, W1 (1M int rows)
            # spent about 15 ns a row less.
            return CBuilder(
                new_row=fn("_PyObject_GC_NewVar"),
                row_items_offset=tuple.__basicsize__,
                container_row=fn("PyObject_GC_Track"),
                **common,
            )
        return CBuilder(
            # As tuple.__new__ allocates a subclass (its tp_alloc, PyType_GenericAlloc, for these
            # classes), filled by PyTuple_SetItem; a record of scalars is then untracked.
            new_row=fn("PyType_GenericAlloc"),
            row_set=fn("PyTuple_SetItem"),
            scalar_row=fn("PyObject_GC_UnTrack"),
            **common,
        )
    except (AttributeError, ValueError):
        return None


# Whether build_rows is used (tests turn it off to compare both paths).
BUILD = True
_BUILDER = _python_builder()
_BUILDER_REF = byref(_BUILDER) if _BUILDER is not None else None
_build = pylib.boltc_batch_build
_batch_rows = lib.boltc_batch_rows
_TUPLE_SIZE = tuple.__basicsize__


def build_rows(batch: int, cls: type) -> Any:
    """The records (of record class ``cls``, a tuple subclass) of a ``boltc_batch``, built by
    the library; None when it holds values only the columnar decoder handles."""
    if _BUILDER_REF is None or not BUILD or cls.__basicsize__ != _TUPLE_SIZE:
        return None  # (records always have a tuple's layout: their class has no slots)
    out = [None] * _batch_rows(batch)
    if not out:
        return out
    err = c_void_p()
    try:
        status = _build(batch, _BUILDER_REF, cls, out, byref(err))
    except BaseException:
        # A Python exception raised by a constructor (MemoryError): the library gave up too.
        if err.value:
            lib.boltc_error_free(err)
        raise
    if status == _STATUS_UNSUPPORTED:
        lib.boltc_error_free(err)
        return None
    check(status, err)
    return out


def decode_value(b: bytes) -> Any:
    """Decodes a single encoded ``value`` (used by tests)."""
    return _value(b, 0)[0]


# ---- parameters: Python -> owned boltc_value / boltc_map ------------------------------------

_I64_MIN = -(2**63)
_I64_MAX = 2**63 - 1


def _owned(fn, *args) -> int:
    out = c_void_p()
    err = c_void_p()
    check(fn(*args, byref(out), byref(err)), err)
    return out.value  # type: ignore[return-value]


def to_value(x: Any) -> int:
    """A new owned ``boltc_value`` for ``x`` (the caller frees it with ``boltc_value_free``)."""
    if x is None:
        return lib.boltc_value_new_null()
    t = type(x)
    if t is bool:
        return lib.boltc_value_new_bool(x)
    if t is int:
        if not _I64_MIN <= x <= _I64_MAX:
            raise exceptions.ValueOutOfRange("integer %d does not fit in 64 bits" % x)
        return lib.boltc_value_new_int(x)
    if t is float:
        return lib.boltc_value_new_float(x)
    if t is str:
        s = x.encode()
        return _owned(lib.boltc_value_new_string, s, len(s))
    if isinstance(x, (list, tuple)) and not isinstance(x, (Point, Duration)):
        lst = lib.boltc_value_new_list()
        try:
            for item in x:
                v = to_value(item)
                err = c_void_p()
                try:
                    check(lib.boltc_value_list_push(lst, v, byref(err)), err)
                finally:
                    lib.boltc_value_free(v)
        except BaseException:
            lib.boltc_value_free(lst)
            raise
        return lst
    if isinstance(x, dict):
        m = to_map(x)
        try:
            return lib.boltc_value_new_map(m)
        finally:
            lib.boltc_map_free(m)
    return _to_value_other(x)


def _to_value_other(x: Any) -> int:
    if isinstance(x, bool):
        return lib.boltc_value_new_bool(bool(x))
    if isinstance(x, int):
        return to_value(int(x))
    if isinstance(x, float):
        return lib.boltc_value_new_float(float(x))
    if isinstance(x, str):
        return to_value(str(x))
    if isinstance(x, (bytes, bytearray, memoryview)):
        data = bytes(x)
        return _owned(lib.boltc_value_new_bytes, data, len(data))
    if isinstance(x, _dt.datetime):
        x = DateTime.from_native(x)
    elif isinstance(x, _dt.date):
        return lib.boltc_value_new_date(CDate(x.toordinal() - _EPOCH_ORDINAL))
    elif isinstance(x, _dt.time):
        x = Time.from_native(x)
    if isinstance(x, DateTime):
        local = (x._date._d.toordinal() - _EPOCH_ORDINAL) * 86400 * 1_000_000_000 + x._time._ticks
        secs, ns = divmod(local, 1_000_000_000)
        tz = x.tzinfo
        if tz is None:
            return lib.boltc_value_new_local_datetime(CDateTime(secs, ns, 0, None, 0))
        off = x.utcoffset()
        off_s = int(off.total_seconds()) if off is not None else 0
        key = getattr(tz, "key", None) or getattr(tz, "zone", None)
        if key:
            zone = create_string_buffer(key.encode())  # alive until the copying call returns
            c = CDateTime(secs - off_s, ns, 0, addressof(zone), len(zone.value))
            return _owned(lib.boltc_value_new_datetime, c)
        return _owned(lib.boltc_value_new_datetime, CDateTime(secs - off_s, ns, off_s, None, 0))
    if isinstance(x, Date):
        return lib.boltc_value_new_date(CDate(x.to_ordinal() - _EPOCH_ORDINAL))
    if isinstance(x, Time):
        if x.tzinfo is None:
            return lib.boltc_value_new_local_time(CTime(x.ticks, 0))
        off = x.utcoffset()
        return lib.boltc_value_new_time(CTime(x.ticks, int(off.total_seconds()) if off else 0))
    if isinstance(x, _dt.timedelta):
        x = Duration.from_timedelta(x)
    if isinstance(x, Duration):
        return lib.boltc_value_new_duration(CDuration(*x))
    if isinstance(x, Point):
        dims = len(x)
        if dims not in (2, 3):
            raise exceptions.ConversionError("a point has 2 or 3 coordinates")
        return lib.boltc_value_new_point(CPoint(x.srid, dims, x[0], x[1], x[2] if dims == 3 else 0.0))
    if hasattr(x, "__index__"):  # e.g. numpy integers
        return to_value(int(x.__index__()))
    if hasattr(x, "__float__") and not hasattr(x, "__iter__"):  # e.g. numpy floats, Decimal
        return lib.boltc_value_new_float(float(x))
    if isinstance(x, (set, frozenset)):
        raise exceptions.UnsupportedValueType(
            "values of type %s are not supported (send a list)" % type(x).__name__)
    if hasattr(x, "__iter__") and not hasattr(x, "keys"):
        return to_value(list(x))
    if hasattr(x, "keys"):
        return to_value(dict(x))
    raise exceptions.UnsupportedValueType("values of type %s are not supported" % type(x).__name__)


def to_map(params: Dict[str, Any]) -> int:
    """A new owned ``boltc_map`` for a dict of parameters (freed with ``boltc_map_free``)."""
    m = lib.boltc_map_new()
    try:
        for k, x in params.items():
            if not isinstance(k, str):
                raise exceptions.ConversionError("parameter and map keys must be strings")
            kb = k.encode()
            err = c_void_p()
            t = type(x)
            if t is int and _I64_MIN <= x <= _I64_MAX and b"\0" not in kb:
                check(lib.boltc_map_set_int(m, kb, x, byref(err)), err)
                continue
            v = to_value(x)
            try:
                check(lib.boltc_map_set(m, kb, len(kb), v, byref(err)), err)
            finally:
                lib.boltc_value_free(v)
    except BaseException:
        lib.boltc_map_free(m)
        raise
    return m
