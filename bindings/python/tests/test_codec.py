"""Batches into records, through the stub server (several rows): built by the library with the
Python C API (``build_rows``, plain values) and decoded from the columnar encoding (every column
kind); each test runs both ways."""

import ctypes
import gc
import math

import pytest

from boltc import GraphDatabase, _codec
from boltc._codec import decode_columns

from stub import Reply, Struct, StubServer


@pytest.fixture(autouse=True, params=["built", "built-set", "decoded"])
def build(request, monkeypatch):
    """Records built by the library (values stored straight into them, or through
    PyTuple_SetItem as where they cannot be), or decoded from the columnar encoding."""
    monkeypatch.setattr(_codec, "BUILD", request.param != "decoded")
    if request.param == "built-set":
        builder = _codec._python_builder(direct=False)
        assert builder.row_items_offset == 0
        monkeypatch.setattr(_codec, "_BUILDER_REF", ctypes.byref(builder))
    return request.param != "decoded"


def fetch(rows, fields=None):
    fields = fields or ["c%d" % i for i in range(len(rows[0]))]
    with StubServer(lambda q, p: Reply(fields, rows)) as server:
        with GraphDatabase.driver(server.uri, auth=("u", "p"), connection_timeout=5) as d:
            return [r.values() for r in d.execute_query("x").records]


def test_scalar_kinds():
    rows = [[i, i * 0.5, "s%d" % i, i % 2 == 0, "é✓%d" % i] for i in range(-5, 300)]
    assert fetch(rows) == rows


def test_strings_with_nul_use_offsets():
    rows = [["a\0b"], ["é\0"], [""], ["plain ✓"]]
    assert fetch(rows) == rows


def test_json_kind():
    rows = [
        [[1, 2.0, "x\"\\\n\x01", None, True], {"k\"": {"n": [1e300, -0.0]}}, None],
        [[], {}, 3],
        [[[[]]], {"": None}, 2.5],
    ]
    got = fetch(rows)
    assert got == rows
    assert type(got[0][0][1]) is float and type(got[1][2]) is int
    assert math.copysign(1.0, got[0][1]["k\""]["n"][1]) == -1.0


def test_json_non_finite_floats():
    got = fetch([[[float("nan"), float("inf"), float("-inf")]], [None]])
    nan, inf, ninf = got[0][0]
    assert math.isnan(nan) and inf == float("inf") and ninf == float("-inf")


def test_generic_kind_mixes_structures():
    date = Struct(0x44, [19000])
    rows = [[date], [None], [b"\x01"], [[date, 1]]]
    got = fetch(rows)
    assert str(got[0][0]) == "2022-01-08" and got[1][0] is None and got[2][0] == b"\x01"
    assert str(got[3][0][0]) == "2022-01-08"


def test_mixed_scalar_types_in_a_column():
    rows = [[1], ["one"], [1.5], [True], [None]]
    got = fetch(rows)
    assert got == rows and type(got[3][0]) is bool


def test_zero_rows_and_columns():
    with StubServer(lambda q, p: Reply(["a", "b"], [])) as server:
        with GraphDatabase.driver(server.uri, auth=("u", "p")) as d, d.session() as s:
            r = s.run("x")
            assert r.keys() == ("a", "b")
            assert list(r) == []


def test_bad_buffer():
    with pytest.raises(Exception):
        decode_columns(b"XXXX")


def test_map_and_list_kinds():
    rows = [
        [{"a": i, "b": "s%d" % i, "c": [i, i + 1]}, [i, i + 1], [i] * (i % 3), [[i], [i, i]], [{"k": i}], {}, []]
        for i in range(300)
    ]
    got = fetch(rows)
    assert got == rows
    assert all(type(r[0]) is dict and type(r[1]) is list and type(r[3][1]) is list for r in got)
    got[0][5]["x"] = 1  # empty maps and lists are distinct objects
    got[0][6].append(1)
    assert got[1][5] == {} and got[1][6] == []


def test_map_kind_with_odd_and_many_keys():
    odd = {"it's \"q\"\n": 1, "a b": 2.5, "": None, "é✓": "x"}
    many = {"k%03d" % i: i for i in reversed(range(100))}
    date = Struct(0x44, [19000])
    rows = [[odd, many, {"d": date}], [dict(odd), dict(many), {"d": None}]]
    got = fetch(rows)
    assert got[0][0] == odd and got[1][1] == many
    assert str(got[0][2]["d"]) == "2022-01-08" and got[1][2] == {"d": None}
    # Keys in the order sent (descending here), not sorted.
    assert list(got[0][1]) == list(many) and list(got[1][0]) == list(odd)


def test_maps_and_node_properties_keep_the_order_sent():
    props = {"name": "Ann", "age": 42, "city": "Oslo", "zip": "0150", "born": 1980}
    node = Struct(0x4E, [1, ["Person"], props, "n1"])
    rel = Struct(0x52, [7, 1, 2, "KNOWS", {"since": 1999, "by": "x"}, "r7", "n1", "n2"])
    # Column 0: maps with the same keys in the same order (the columnar map kind); column 1:
    # the same keys in another order in the second row (each row keeps its own).
    rows = [[{"z": 1, "a": 2}, {"b": 1, "a": 2}, node, rel],
            [{"z": 3, "a": 4}, {"a": 3, "b": 4}, node, rel]]
    got = fetch(rows)
    assert [list(r[0]) for r in got] == [["z", "a"], ["z", "a"]]
    assert [list(r[1]) for r in got] == [["b", "a"], ["a", "b"]]
    for r in got:
        assert list(r[2].keys()) == list(props)
        assert list(r[2].items()) == list(props.items())
        assert list(r[3].keys()) == ["since", "by"]


PLAIN = [
    [0, -(2**63), 2**63 - 1, 255, 256, -5],
    [0.0, -0.0, 1e300, float("inf"), 2.5, -1e-300],
    ["", "a", "é✓\U0001F600", "a\0b", "x" * 1000, "name-1"],
    [True, False, None, b"", b"\x00\xff", bytes(range(256))],
    [[], [1, "a", None, [2.5, [True]]], {}, {"z": 1, "a": {"b": [b"x"]}}, [{}], {"": None}],
]


def test_plain_values_keep_their_types():
    rows = [list(r) for r in zip(*PLAIN)]
    got = fetch(rows)
    assert got == rows
    for g, r in zip(got, rows):
        assert [type(x) for x in g] == [type(x) for x in r]
    assert math.copysign(1.0, got[1][1]) == -1.0
    assert [list(m) for m in (got[3][4], got[5][4])] == [["z", "a"], [""]]


def test_built_and_decoded_records_are_equal(monkeypatch):
    rows = [[i, "s%d" % i, [i, i + 1], {"k": i}, i * 0.5, None if i % 3 else b"b"] for i in range(2500)]
    fields = ["i", "s", "l", "m", "f", "n"]
    monkeypatch.setattr(_codec, "BUILD", True)
    built = fetch_records(rows, fields)
    monkeypatch.setattr(_codec, "BUILD", False)
    decoded = fetch_records(rows, fields)
    assert built == decoded and [r.keys() for r in built] == [r.keys() for r in decoded]
    assert type(built[0]) is type(decoded[0])
    assert built[7]["s"] == "s7" and built[7].data() == decoded[7].data()
    assert repr(built[3]) == repr(decoded[3])


def fetch_records(rows, fields):
    with StubServer(lambda q, p: Reply(fields, rows)) as server:
        with GraphDatabase.driver(server.uri, auth=("u", "p"), connection_timeout=5) as d:
            with d.session() as s:
                return list(s.run("x"))


def test_records_of_scalars_are_not_tracked_by_the_cycle_collector(build):
    # A record of scalars cannot be in a reference cycle (as a tuple of scalars, which CPython
    # untracks); one holding a list can, and stays tracked.
    recs = fetch_records([[1, "a"], [[1], "b"], [{"k": []}, None]], ["x", "y"])
    if build:
        assert not gc.is_tracked(recs[0])
    assert gc.is_tracked(recs[1]) and gc.is_tracked(recs[2])
    recs[1][0].append(recs[1])  # a cycle through the list, which the collector must see
    assert recs[1][0][1] is recs[1]


def test_batches_with_other_values_are_decoded():
    # One batch (1000 rows) is all plain values, the next holds a date: the first is built and
    # the second decoded, into records of the same class.
    date = Struct(0x44, [19000])
    rows = [[i, None] for i in range(1000)] + [[1000 + i, date if i == 1 else None] for i in range(5)]
    got = fetch_records(rows, ["i", "d"])
    assert [r["i"] for r in got] == list(range(1005))
    assert str(got[1001]["d"]) == "2022-01-08" and got[1000]["d"] is None
    assert type(got[0]) is type(got[1004])


def test_a_cycle_through_a_records_list_is_collected():
    # The library stores values straight into a new record's slots and has it tracked only if
    # it holds a list or map: a cycle through that list must still be found and freed.
    import weakref

    class Marker:
        pass

    recs = fetch_records([[[1], "a"], [2, "b"]], ["x", "y"])
    marker = Marker()
    alive = weakref.ref(marker)
    recs[0][0].extend([recs[0], marker])
    del marker, recs
    gc.collect()
    assert alive() is None


def test_records_kept_while_iterating_stay_intact():
    # Records of earlier batches (1000 rows each) kept while later ones are built and freed.
    rows = [[i, "s%d" % i, [i] if i % 7 == 0 else None] for i in range(3500)]
    with StubServer(lambda q, p: Reply(["i", "s", "l"], rows)) as server:
        with GraphDatabase.driver(server.uri, auth=("u", "p"), connection_timeout=5) as d:
            with d.session() as s:
                kept = []
                for n, r in enumerate(s.run("x")):
                    if n % 999 == 0:
                        kept.append(r)
                    if n == 3000:
                        gc.collect()
    assert [list(r) for r in kept] == [rows[i] for i in range(0, 3500, 999)]
    assert [r["s"] for r in kept] == ["s0", "s999", "s1998", "s2997"]
