"""Records holding values that failed to hydrate (``BrokenHydrationObject``).

As the official driver documents it: such a record arrives with its other fields intact, and
any way of reading a broken field (``record[key]``, ``get``, ``value``, ``values``, ``items``,
``data``, iteration, unpacking, comparison) raises ``BrokenRecordError`` whose ``__cause__`` is
the hydration error. A broken value inside a list or map stays there (a field holding such a
list reads normally), as in the official driver, whose record checks its fields only.

Only the rows of a batch that hold a broken value pay for this: a result builds them with a
subclass of its record class (``broken_class``) when the decoder counted a broken value in the
batch; every other record is the plain, fast ``Record``.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Iterator, List, Tuple

from . import exceptions
from ._codec import BrokenHydrationObject
from ._record import Record, record_class

_tuple_get = tuple.__getitem__
_tuple_iter = tuple.__iter__


def records(cls: type, rows: Iterable[Tuple[Any, ...]]) -> List[Record]:
    """Records of class ``cls`` for ``rows``; those with a broken field are built with
    ``broken_class(cls)``."""
    out: List[Record] = []
    broken_cls = None
    for row in rows:
        if any(type(v) is BrokenHydrationObject for v in row):
            if broken_cls is None:
                broken_cls = broken_class(cls)
            out.append(tuple.__new__(broken_cls, row))
        else:
            out.append(tuple.__new__(cls, row))
    return out


class _BrokenRecord(Record):
    """A record with at least one field that failed to hydrate: reading it raises."""

    __slots__ = ()

    def _check(self, i: int, v: Any) -> Any:
        if type(v) is BrokenHydrationObject:
            raise exceptions.BrokenRecordError(
                "Record contains broken data at %d (%r): %s" % (i, self._keys[i], v.error)
            ) from v.error
        return v

    def _at(self, i: int) -> Any:
        return self._check(i, _tuple_get(self, i))

    def __repr__(self) -> str:
        return "<Record %s>" % " ".join("%s=%r" % kv for kv in zip(self._keys, _tuple_iter(self)))

    def __iter__(self) -> Iterator[Any]:
        for i, v in enumerate(_tuple_iter(self)):
            yield self._check(i, v)

    def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
        if isinstance(key, slice):
            keys = self._keys[key]
            return records(record_class(keys), [_tuple_get(self, key)])[0]
        v = Record.__getitem__(self, key)
        if type(v) is BrokenHydrationObject:
            i = self._index[key] if isinstance(key, str) else key % len(self)
            self._check(i, v)
        return v

    def get(self, key: str, default: Any = None) -> Any:
        i = self._index.get(key)
        return default if i is None else self._at(i)

    def value(self, key: Any = 0, default: Any = None) -> Any:
        try:
            i = self.index(key)
        except (IndexError, KeyError):
            return default
        return self._at(i)

    def values(self, *keys: Any) -> List[Any]:
        if not keys:
            return list(self)
        return [self.value(k) if isinstance(k, str) else self[k] for k in keys]

    def items(self, *keys: Any) -> List[Tuple[str, Any]]:
        out = Record.items(self, *keys)
        for k, v in out:
            if type(v) is BrokenHydrationObject:
                self._check(self._index[k], v)
        return out


_CLASSES: Dict[type, type] = {}


def broken_class(cls: type) -> type:
    """The subclass of record class ``cls`` whose broken fields raise on access (cached)."""
    sub = _CLASSES.get(cls)
    if sub is None:
        if len(_CLASSES) > 512:
            _CLASSES.clear()
        sub = type("Record", (_BrokenRecord, cls), {"__slots__": ()})
        sub.__module__ = Record.__module__
        _CLASSES[cls] = sub
    return sub
