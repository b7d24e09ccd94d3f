"""``Record``: a tuple of values with keys (as ``neo4j.Record``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Dict, Iterable, List, Tuple, Union

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
