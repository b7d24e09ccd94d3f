"""The columnar batch decoding, every column kind, through the stub server (several rows)."""

import math

import pytest

from boltc import GraphDatabase
from boltc._codec import decode_columns

from stub import Reply, Struct, StubServer


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
