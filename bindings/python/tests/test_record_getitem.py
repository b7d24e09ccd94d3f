"""``Record.__getitem__`` in native code (``boltc_pyhost_subscript``) answers exactly as the
Python method it stands in for: same values, same exceptions and messages, no reference leaks."""

import enum
import sys
import sysconfig

import pytest

from boltc import _record
from boltc._record import Record, record_class

CPYTHON = sys.implementation.name == "cpython" and not sysconfig.get_config_var(
    "Py_GIL_DISABLED"
)


class Index:
    """An index of another type (as numpy's integers): tuple indexing takes its __index__."""

    def __init__(self, i):
        self.i = i

    def __index__(self):
        return self.i


class Color(enum.IntEnum):
    GREEN = 1


class Unhashable(str):
    def __hash__(self):
        raise RuntimeError("no hash")


KEYS = [
    0, 1, 2, -1, -3, 3, -4, 1000, 2**31, 2**63 - 1, 2**63, -(2**63), 2**100, -(2**100),
    "a", "b", "c", "missing", "", True, False, Color.GREEN, Index(2), Index(5),
    slice(None), slice(1, None), slice(-1, None, -1), slice(5, 9), 1.0, None, b"a", (0,),
    Unhashable("a"),
]


def outcome(get, record, key):
    try:
        return ("ok", get(record, key))
    except Exception as e:  # compared: type and message
        return (type(e), str(e))


def variants():
    out = ["python"]
    if CPYTHON:
        out += ["slot", "method"]
    return out


@pytest.fixture(params=variants())
def getitem(request, monkeypatch):
    """``record[key]`` with Record.__getitem__ as each variant."""
    if request.param == "python":
        monkeypatch.setattr(Record, "__getitem__", _record._py_getitem)
    else:
        native = _record._native_getitem(slot=request.param == "slot")
        assert native is not None
        kind = "wrapper_descriptor" if request.param == "slot" else "method_descriptor"
        assert type(native).__name__ == kind
        monkeypatch.setattr(Record, "__getitem__", native)
    return lambda record, key: record[key]


def test_native_on_cpython():
    assert (_record._NATIVE is not None) == CPYTHON
    if CPYTHON:
        assert Record.__dict__["__getitem__"] is _record._NATIVE


@pytest.mark.parametrize("key", KEYS, ids=repr)
def test_same_outcome_as_the_python_method(getitem, key):
    r = record_class(("a", "b", "c"))((10, "x", [1]))
    want = outcome(_record._py_getitem, r, key)
    got = outcome(getitem, r, key)
    assert got == want
    if want[0] == "ok" and isinstance(key, slice):
        assert type(got[1]).__mro__[1] is Record and got[1].keys() == want[1].keys()


@pytest.mark.parametrize("key", [0, -1, "a", 1, slice(None)], ids=repr)
def test_an_empty_record(getitem, key):
    r = Record()
    assert outcome(getitem, r, key) == outcome(_record._py_getitem, r, key)


def test_values_and_negative_indexes(getitem):
    r = record_class(("n", "s", "l"))((7, "seven", [7]))
    assert [getitem(r, i) for i in range(-3, 3)] == [7, "seven", [7], 7, "seven", [7]]
    assert getitem(r, "l") is getitem(r, 2) is getitem(r, -1)
    assert getitem(r, True) == "seven"


def test_reference_counts(getitem):
    value = object()
    r = record_class(("a", "b"))((value, value))
    before = sys.getrefcount(value)
    for _ in range(10000):
        getitem(r, 0)
        getitem(r, -1)
        getitem(r, "b")
    assert sys.getrefcount(value) == before
    kept = [getitem(r, 0) for _ in range(100)]
    assert sys.getrefcount(value) == before + 100
    del kept
    key = 1 << 40  # an int out of range, and a name: the keys themselves are not leaked
    name = "".join(["b", ""])
    kbefore, nbefore = sys.getrefcount(key), sys.getrefcount(name)
    for _ in range(1000):
        with pytest.raises(IndexError):
            getitem(r, key)
        getitem(r, name)
    assert (sys.getrefcount(key), sys.getrefcount(name)) == (kbefore, nbefore)


def test_subclasses(getitem):
    class Mine(Record):
        __slots__ = ()

    class Own(Record):
        __slots__ = ()

        def __getitem__(self, key):
            return ("own", key)

    m = tuple.__new__(Mine, (1, 2))
    assert getitem(m, 0) == 1 and getitem(m, -1) == 2
    assert getitem(tuple.__new__(Own, (1, 2)), 0) == ("own", 0)
    with pytest.raises(KeyError):
        getitem(m, "x")  # Mine has Record's keys: none


def test_record_class_made_after_install_uses_native():
    if not CPYTHON:
        pytest.skip("CPython only")
    cls = record_class(("fresh-after-install", "b"))
    assert type(cls).__getattribute__(cls, "__getitem__") is _record._NATIVE
    assert cls((5, 6))[1] == 6 and cls((5, 6))["fresh-after-install"] == 5


class CountingIndex(dict):
    """An ``_index`` of another type than dict: the library leaves it to the Python method."""

    lookups = 0

    def __getitem__(self, key):
        CountingIndex.lookups += 1
        return dict.__getitem__(self, key)


def test_unusual_index_maps(getitem):
    class Custom(Record):
        __slots__ = ()
        _keys = ("a", "b")
        _index = CountingIndex(a=0, b=1)

    class Odd(Record):
        __slots__ = ()
        _keys = ("a", "b", "c", "d")
        _index = {"a": True, "b": 7, "c": 2**70, "d": -1}

    r = tuple.__new__(Custom, (1, 2))
    before = CountingIndex.lookups
    assert getitem(r, "b") == 2 and CountingIndex.lookups == before + 1
    o = tuple.__new__(Odd, (1, 2, 3, 4))
    for key in ("a", "b", "c", "d", "e"):
        assert outcome(getitem, o, key) == outcome(_record._py_getitem, o, key)


def test_duplicate_names_take_the_first_column(getitem):
    r = record_class(("x", "x", "y"))((1, 2, 3))
    assert getitem(r, "x") == 1 and getitem(r, "y") == 3
