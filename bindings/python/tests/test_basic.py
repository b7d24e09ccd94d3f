import boltc


def test_run_and_iterate(session):
    result = session.run("UNWIND range(1, 5) AS i RETURN i, 'x' + toString(i) AS s")
    assert result.keys() == ("i", "s")
    rows = [(r["i"], r["s"]) for r in result]
    assert rows == [(i, "x%d" % i) for i in range(1, 6)]


def test_parameters(session):
    r = session.run("RETURN $a AS a, $b AS b, $c AS c, $d AS d, $e AS e", {"a": 1, "b": "two"}, c=3.5, d=[1, "x", None], e={"k": True})
    rec = r.single(strict=True)
    assert rec.values() == [1, "two", 3.5, [1, "x", None], {"k": True}]


def test_execute_query(driver):
    records, summary, keys = driver.execute_query("UNWIND $xs AS x RETURN x * 2 AS y", {"xs": [1, 2, 3]})
    assert keys == ["y"]
    assert [r["y"] for r in records] == [2, 4, 6]
    assert summary.server.agent
    eager = driver.execute_query("RETURN 1 AS one", routing_=boltc.RoutingControl.READ)
    assert isinstance(eager, boltc.EagerResult)
    assert eager.records[0]["one"] == 1
