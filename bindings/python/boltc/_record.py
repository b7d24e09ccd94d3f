"""``Record``: a tuple of values with keys (as ``neo4j.Record``)."""

from __future__ import annotations

import ctypes
import sys
import sysconfig
from collections.abc import Mapping, Sequence
from ctypes import byref, c_char_p, c_int, c_ssize_t, c_void_p
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

from ._ffi import CPyHost, lib
from .graph import Node, Path, Relationship

_Key = Union[int, str]
_tuple_getitem = tuple.__getitem__
_ZERO = 0


class Record(tuple):
    """One row of a result: a tuple of values, also addressable by column name.

    Each result builds records of a small subclass that holds the column names, so creating a
    record costs no more than creating a tuple.
    """

    __slots__ = ()
    _keys: Tuple[str, ...] = ()
    _index: Dict[str, int] = {}

    def __new__(cls, iterable: Any = ()) -> "Record":
        if cls is Record:
            # Record({"a": 1}) or Record([("a", 1)]) as in the official driver.
            items = list(iterable.items() if hasattr(iterable, "items") else iterable)
            sub = record_class(tuple(k for k, _ in items))
            return tuple.__new__(sub, (v for _, v in items))
        return tuple.__new__(cls, iterable)

    def __repr__(self) -> str:
        return "<Record %s>" % " ".join("%s=%r" % kv for kv in zip(self._keys, self))

    def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
        if key is _ZERO:
            # The first column, the most common access (``record[0]``), told apart by identity
            # (CPython has one int 0; any other zero takes the int branch below): W1's loop
            # (1M ``total += record[0]``) took 13 ns a row less than testing ``type(key) is int``
            # and ``key == 0`` first. The tuple's own iterator reaches the value for about a
            # quarter of the cost of calling tuple.__getitem__ (a slot wrapper, which CPython
            # calls through an argument tuple). An empty record falls through to the IndexError
            # below.
            for value in self:
                return value
        if type(key) is int:
            return _tuple_getitem(self, key)
        if type(key) is str:
            try:
                return _tuple_getitem(self, self._index[key])
            except KeyError:
                raise KeyError(key) from None
        if isinstance(key, slice):
            keys = self._keys[key]
            return record_class(keys)(tuple.__getitem__(self, key))
        return tuple.__getitem__(self, key)

    def __eq__(self, other: object) -> bool:
        """As the official driver: equal to a sequence of the same values (list, tuple), to a
        mapping of the same keys and values (dict), to a record with both the same."""
        seq = isinstance(other, Sequence) and not isinstance(other, (str, bytes, bytearray))
        mapping = isinstance(other, Mapping)
        if seq and mapping:
            return list(self) == list(other) and dict(self.items()) == dict(other)  # type: ignore[call-overload]
        if seq:
            return list(self) == list(other)  # type: ignore[call-overload]
        if mapping:
            return dict(self.items()) == dict(other)  # type: ignore[call-overload]
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self) -> int:
        return tuple.__hash__(self)

    def index(self, key: _Key) -> int:  # type: ignore[override]
        """The position of column ``key`` (a name or an index)."""
        if isinstance(key, int):
            if 0 <= key < len(self):
                return key
            raise IndexError(key)
        if isinstance(key, str):
            try:
                return self._index[key]
            except KeyError:
                raise KeyError(key) from None
        raise TypeError(key)

    def get(self, key: str, default: Any = None) -> Any:
        """The value of column ``key``, or ``default`` if there is no such column."""
        i = self._index.get(key)
        return default if i is None else tuple.__getitem__(self, i)

    def value(self, key: _Key = 0, default: Any = None) -> Any:
        """The value of column ``key`` (name or index), or ``default`` if there is none."""
        try:
            return tuple.__getitem__(self, self.index(key))
        except (IndexError, KeyError):
            return default

    def keys(self) -> List[str]:  # type: ignore[override]
        return list(self._keys)

    def values(self, *keys: _Key) -> List[Any]:
        """The values, or those of the given columns (missing names give None)."""
        if not keys:
            return list(self)
        return [self.value(k) if isinstance(k, str) else self[k] for k in keys]

    def items(self, *keys: _Key) -> List[Tuple[str, Any]]:
        if not keys:
            return list(zip(self._keys, self))
        out = []
        for k in keys:
            try:
                i = self.index(k)
            except KeyError:  # a missing name gives None; an index out of range raises
                out.append((k, None))
                continue
            out.append((self._keys[i], tuple.__getitem__(self, i)))
        return out

    def data(self, *keys: _Key) -> Dict[str, Any]:
        """The record as a dict; nodes, relationships and paths become plain data. Missing
        names give None, an index out of range ``IndexError``."""
        return {k: _export(v) for k, v in self.items(*keys)}


Mapping.register(Record)


def _export(x: Any) -> Any:
    if isinstance(x, Node):
        return {k: _export(v) for k, v in x.items()}
    if isinstance(x, Relationship):
        return (
            _export(x.start_node) if x.start_node is not None else {},
            x.type,
            _export(x.end_node) if x.end_node is not None else {},
        )
    if isinstance(x, Path):
        out: List[Any] = [_export(x.start_node)]
        for r, n in zip(x.relationships, x.nodes[1:]):
            out.append(r.type)
            out.append(_export(n))
        return out
    if isinstance(x, list):
        return [_export(v) for v in x]
    if isinstance(x, dict):
        return {k: _export(v) for k, v in x.items()}
    return x


_CLASSES: Dict[Tuple[str, ...], type] = {}


def record_class(keys: Iterable[str]) -> type:
    """The ``Record`` subclass for a tuple of column names (cached)."""
    keys = tuple(keys)
    cls = _CLASSES.get(keys)
    if cls is None:
        if len(_CLASSES) > 512:
            _CLASSES.clear()
        index = {}
        for i, k in enumerate(keys):
            index.setdefault(k, i)
        cls = type("Record", (Record,), {"__slots__": (), "_keys": keys, "_index": index})
        cls.__module__ = Record.__module__
        _CLASSES[keys] = cls
    return cls


# ---- record[key] in native code (CPython) -------------------------------------------------
#
# On CPython, ``Record.__getitem__`` is the library's ``boltc_pyhost_subscript``: it answers an
# exact int index in range, and an exact str naming a column (through the class's ``_index``),
# itself and hands every other key to the Python method above (kept as ``_py_getitem``), so
# results and errors stay that method's. It is installed as a slot wrapper, as tuple's own
# ``__getitem__`` is, so that CPython calls it straight from ``record[i]`` (the type's
# mp_subscript slot; subclasses from record_class inherit it), or, where that descriptor's
# layout is not the expected one, as a METH_O method. A loop over 1M prebuilt records
# (``total += record[0]``, BENCH_PY_FLOOR=records): 0.108 s with the Python method, 0.065 s as a
# method, 0.051 s as a slot wrapper; plain tuples take 0.044 s.

_py_getitem = Record.__dict__["__getitem__"]
_INDEX_NAME = sys.intern("_index")  # boltc_pyhost.index_name (kept alive here)


class _MethodDef(ctypes.Structure):
    """CPython's ``PyMethodDef``."""

    _fields_ = [
        ("ml_name", c_char_p),
        ("ml_meth", c_void_p),
        ("ml_flags", c_int),
        ("ml_doc", c_char_p),
    ]


_METH_O = 0x0008
# The PyMethodDefs behind METH_O methods made here, which point at them for as long as they
# exist (kept forever: few are ever made).
_GETITEM_DEFS: List[_MethodDef] = []
_WORD = ctypes.sizeof(c_void_p)


def _at(obj: object, offset: int, ctype: Any = c_void_p) -> Any:
    """A field of ``obj`` (CPython: id() is the address; offsets stay inside the object)."""
    return ctype.from_address(id(obj) + offset).value


def _pyhost() -> Optional[CPyHost]:
    """The ``boltc_pyhost`` of this interpreter, or None where objects are not laid out as the
    library reads them (not CPython, a free-threaded build, another header). Records read
    their ``_index`` from their class: the library looks it up there too."""
    if sys.implementation.name != "cpython" or sysconfig.get_config_var("Py_GIL_DISABLED"):
        return None
    type_offset = object.__basicsize__ - _WORD  # the header: ..., ob_type
    size_offset = object.__basicsize__  # a tuple's ob_size follows it
    items_offset = tuple.__basicsize__
    probe = (int, None, "x")
    if (
        _at(probe, type_offset) != id(tuple)
        or _at(1 << 40, type_offset) != id(int)
        or _at(probe, size_offset, c_ssize_t) != len(probe)
        or [_at(probe, items_offset + i * _WORD) for i in range(3)] != [id(x) for x in probe]
        or (Record.__basicsize__, Record.__itemsize__) != (tuple.__basicsize__, _WORD)
    ):
        return None
    api = ctypes.pythonapi
    return CPyHost(
        int_type=id(int),
        type_offset=type_offset,
        size_offset=size_offset,
        items_offset=items_offset,
        as_long=ctypes.cast(api.PyLong_AsLongAndOverflow, c_void_p),
        incref=ctypes.cast(api.Py_IncRef, c_void_p),
        call=ctypes.cast(api.PyObject_VectorcallDict, c_void_p),
        fallback=id(_py_getitem),
        str_type=id(str),
        dict_type=id(dict),
        index_name=id(_INDEX_NAME),
        get_attr=ctypes.cast(api.PyObject_GetAttr, c_void_p),
        dict_get=ctypes.cast(api.PyDict_GetItem, c_void_p),
        decref=ctypes.cast(api.Py_DecRef, c_void_p),
    )


def _slot_wrapper(fn: int) -> Any:
    """A slot wrapper ``__getitem__`` of Record calling ``fn`` (a binaryfunc), made from the
    slot description behind tuple's own; None if that descriptor is not laid out as expected
    (PyWrapperDescrObject: the descriptor header d_type, d_name, d_qualname, then d_base)."""
    d = tuple.__dict__["__getitem__"]
    head = object.__basicsize__
    if (
        type(d).__basicsize__ != head + 5 * _WORD
        or _at(d, head) != id(tuple)
        or _at(d, head + _WORD) != id(d.__name__)
    ):
        return None
    new = ctypes.PYFUNCTYPE(ctypes.py_object, ctypes.py_object, c_void_p, c_void_p)
    return new(("PyDescr_NewWrapper", ctypes.pythonapi))(Record, _at(d, head + 3 * _WORD), fn)


def _method(fn: int) -> Any:
    """A METH_O method ``__getitem__`` of Record calling ``fn``."""
    doc = b"__getitem__($self, key, /)\n--\n\nThe value at an index or of a column name."
    _GETITEM_DEFS.append(_MethodDef(b"__getitem__", fn, _METH_O, doc))
    new = ctypes.PYFUNCTYPE(ctypes.py_object, ctypes.py_object, c_void_p)
    return new(("PyDescr_NewMethod", ctypes.pythonapi))(Record, ctypes.addressof(_GETITEM_DEFS[-1]))


def _native_getitem(slot: bool = True) -> Any:
    """``Record.__getitem__`` in native code (a slot wrapper, or with ``slot=False`` a method),
    or None where it cannot be."""
    try:
        host = _pyhost()
        if host is None:
            return None
        err = c_void_p()
        if lib.boltc_pyhost_init(byref(host), byref(err)) != 0:
            lib.boltc_error_free(err)
            return None
        fn = ctypes.cast(lib.boltc_pyhost_subscript, c_void_p).value
        return (_slot_wrapper(fn) if slot else None) or _method(fn)
    except (AttributeError, ValueError, OSError):
        return None


# The native ``Record.__getitem__`` installed, or None (tests compare it with ``_py_getitem``).
_NATIVE = _native_getitem()
if _NATIVE is not None:
    Record.__getitem__ = _NATIVE  # type: ignore[method-assign]
