"""End-to-end tests against the real Neo4j servers `scripts/neo4j.sh start` runs.

The servers are found as in the Rust tests (tests/support/neo4j.rs): the env files named by
BOLTC_NEO4J_ENV (":"-separated), else every target/neo4j/*.env of the checkout whose server
process is alive. Each test runs once per server line. None running: skipped, or a failure
under BOLTC_REQUIRE_NEO4J=1.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from pathlib import Path
from typing import Dict, Iterator, List
from zoneinfo import ZoneInfo

import pytest

import boltc
from boltc import GraphDatabase, basic_auth
from boltc.exceptions import AuthError, ClientError
from boltc.spatial import CartesianPoint, WGS84Point
from boltc.time import Duration

ROOT = Path(__file__).resolve().parents[3]
# Labels of this run only: the servers may be shared with other runs.
TAG = "_%d" % os.getpid()


def _env_files() -> List[Path]:
    listed = os.environ.get("BOLTC_NEO4J_ENV")
    if listed:
        return [Path(p) for p in listed.split(":") if p]
    return sorted((ROOT / "target" / "neo4j").glob("*.env"))


def _read(path: Path) -> Dict[str, str]:
    env = {}
    for line in path.read_text().splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            env[k.strip()] = v.strip()
    return env


def _servers() -> List[Dict[str, str]]:
    found = []
    for f in _env_files():
        try:
            env = _read(f)
        except OSError:
            continue
        if Path("/proc/" + env.get("BOLTC_NEO4J_PID", "0")).exists():
            found.append(env)
    return found


SERVERS = _servers()


@pytest.fixture(params=SERVERS or [None], ids=[s["BOLTC_NEO4J_LINE"] for s in SERVERS] or ["none"])
def neo4j(request) -> Dict[str, str]:
    if request.param is None:
        if os.environ.get("BOLTC_REQUIRE_NEO4J") == "1":
            pytest.fail("no Neo4j running and BOLTC_REQUIRE_NEO4J=1 (scripts/neo4j.sh start)")
        pytest.skip("SKIPPED: no Neo4j running (scripts/neo4j.sh start)")
    return request.param


def _auth(env):
    return basic_auth(env["BOLTC_NEO4J_USER"], env["BOLTC_NEO4J_PASSWORD"])


@pytest.fixture
def driver(neo4j) -> Iterator[boltc.Driver]:
    d = GraphDatabase.driver(neo4j["BOLTC_NEO4J_URI"], auth=_auth(neo4j), connection_timeout=10)
    yield d
    d.close()


def test_server_info_and_protocol(driver, neo4j):
    info = driver.get_server_info()
    assert info.agent == "Neo4j/" + neo4j["BOLTC_NEO4J_VERSION"]
    assert info.protocol_version >= (5, 8)


def test_temporal_spatial_and_large_values_round_trip(driver):
    stockholm = dt.datetime(2150, 7, 1, 12, 0, 0, 500000, tzinfo=ZoneInfo("Europe/Stockholm"))
    cases = [
        ("date('1899-12-31')", dt.date(1899, 12, 31)),
        ("localdatetime('1800-01-01T00:00:00.000001')", dt.datetime(1800, 1, 1, 0, 0, 0, 1)),
        ("datetime('1969-07-20T20:17:40+01:30')",
         dt.datetime(1969, 7, 20, 20, 17, 40, tzinfo=dt.timezone(dt.timedelta(hours=1, minutes=30)))),
        ("datetime('2150-07-01T12:00:00.5[Europe/Stockholm]')", stockholm),
        ("duration('P1Y2M3DT4H5M6.000000007S')", Duration(months=14, days=3, seconds=4 * 3600 + 5 * 60 + 6, nanoseconds=7)),
        ("point({x: 1.5, y: -2.5})", CartesianPoint((1.5, -2.5))),
        ("point({longitude: 12.5, latitude: 56.25, height: 3.0})", WGS84Point((12.5, 56.25, 3.0))),
    ]
    with driver.session() as s:
        for expr, expected in cases:
            rec = s.run(f"RETURN {expr} AS v, $p = {expr} AS same", p=expected).single()
            assert rec["v"] == expected, expr
            assert rec["same"] is True, expr
        big = "aé日" * (1 << 18)
        rec = s.run("RETURN $s AS s, size($s) AS n, $b AS b", s=big, b=bytes(range(256)) * 4096).single()
        assert rec["n"] == 3 << 18 and rec["s"] == big and rec["b"] == bytes(range(256)) * 4096
        rec = s.run("RETURN 0.0 / 0.0 AS nan, -1.0 / 0.0 AS ninf, $m AS m",
                    m={"a": [1, {"b": None}], "c": -(2 ** 63)}).single()
        assert rec["nan"] != rec["nan"] and rec["ninf"] == float("-inf")
        assert rec["m"] == {"a": [1, {"b": None}], "c": -(2 ** 63)}


def test_temporal_values_keep_nanoseconds_both_ways(driver):
    from boltc.time import Date, DateTime, Time

    paris = ZoneInfo("Europe/Paris")
    cases = [
        ("datetime('2024-03-31T02:30:00.123456789[Europe/Paris]')",
         DateTime(2024, 3, 31, 3, 30, 0, 123456789, tzinfo=paris)),
        ("datetime('1901-01-01T00:00:00.000000001-03:30')",
         DateTime(1901, 1, 1, 0, 0, 0, 1, tzinfo=dt.timezone(dt.timedelta(hours=-3, minutes=-30)))),
        ("localdatetime('2300-12-31T23:59:59.999999999')", DateTime(2300, 12, 31, 23, 59, 59, 999999999)),
        ("time('12:00:00.000000001+01:00')", Time(12, 0, 0, 1, tzinfo=dt.timezone(dt.timedelta(hours=1)))),
        ("localtime('23:59:59.999999999')", Time(23, 59, 59, 999999999)),
        ("date('0001-01-01')", Date(1, 1, 1)),
        ("date('9999-12-31')", Date(9999, 12, 31)),
    ]
    with driver.session() as s:
        for expr, expected in cases:
            rec = s.run(f"RETURN {expr} AS v, $p = {expr} AS same, toString($p) AS text", p=expected).single()
            got = rec["v"]
            assert type(got) is type(expected) and got == expected, expr
            assert got.iso_format() == expected.iso_format(), expr
            assert rec["same"] is True, expr
        # Out of the types' range: the record still arrives, reading the field raises.
        rec = s.run("RETURN date('+20000-01-01') AS x, 1 AS y").single()
        assert type(tuple.__getitem__(rec, 0)).__name__ == "BrokenHydrationObject" and rec["y"] == 1
        with pytest.raises(boltc.exceptions.BrokenRecordError):
            rec["x"]


def test_graph_values_carry_element_ids(driver):
    with driver.session() as s:
        rec = s.run(f"CREATE p = (a:PyGraph{TAG} {{n: 1}})-[r:PY_REL]->(b:PyGraph{TAG} {{n: 2}}) "
                    "RETURN a, r, b, p, elementId(a) AS ea, elementId(r) AS er").single()
        a, r, b, p = rec["a"], rec["r"], rec["b"], rec["p"]
        assert a.element_id == rec["ea"] and r.element_id == rec["er"]
        assert r.start_node.element_id == a.element_id and r.end_node.element_id == b.element_id
        assert [n.element_id for n in p.nodes] == [a.element_id, b.element_id]
        assert "PyGraph" + TAG in a.labels and a["n"] == 1
        s.run(f"MATCH (n:PyGraph{TAG}) DETACH DELETE n").consume()


def test_wrong_password_is_an_auth_error(neo4j):
    with GraphDatabase.driver(neo4j["BOLTC_NEO4J_URI"],
                              auth=basic_auth(neo4j["BOLTC_NEO4J_USER"], "not-the-password"),
                              max_transaction_retry_time=30) as d:
        started = time.monotonic()
        with pytest.raises(AuthError) as e:
            with d.session() as s:
                s.execute_read(lambda tx: tx.run("RETURN 1").consume())
        assert time.monotonic() - started < 5, "an auth error is not retried"
        assert e.value.code == "Neo.ClientError.Security.Unauthorized"
        assert "not-the-password" not in str(e.value)


def test_bookmarks_transactions_and_a_retried_deadlock(driver):
    with driver.session() as s:
        s.run(f"CREATE (:PyDeadlock{TAG} {{k: 'a', v: 0}}), (:PyDeadlock{TAG} {{k: 'b', v: 0}})").consume()
        bookmarks = s.last_bookmarks()
    with driver.session(bookmarks=bookmarks, default_access_mode="READ") as s:
        assert s.run(f"MATCH (n:PyDeadlock{TAG}) RETURN count(n) AS c").single()["c"] == 2
    with driver.session() as s:
        tx = s.begin_transaction(metadata={"app": "boltc-py"}, timeout=30)
        tx.run(f"CREATE (:PyDeadlock{TAG} {{k: 'gone'}})").consume()
        tx.rollback()
        assert s.run(f"MATCH (n:PyDeadlock{TAG} {{k: 'gone'}}) RETURN count(n) AS c").single()["c"] == 0
    arrived, attempts, errors = [0], [0], []
    lock = threading.Lock()

    def work(first, second):
        mine = [0]

        def unit(tx):
            mine[0] += 1
            with lock:
                attempts[0] += 1
            tx.run(f"MATCH (n:PyDeadlock{TAG} {{k: $k}}) SET n.v = n.v + 1", k=first).consume()
            if mine[0] == 1:
                with lock:
                    arrived[0] += 1
                deadline = time.monotonic() + 10
                while arrived[0] < 2 and time.monotonic() < deadline:
                    time.sleep(0.005)
            tx.run(f"MATCH (n:PyDeadlock{TAG} {{k: $k}}) SET n.v = n.v + 1", k=second).consume()

        try:
            with driver.session() as s:
                s.execute_write(unit)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=p) for p in (("a", "b"), ("b", "a"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert attempts[0] >= 3, "one of the two hit the deadlock and was retried"
    with driver.session() as s:
        assert [r["v"] for r in s.run(f"MATCH (n:PyDeadlock{TAG}) RETURN n.v AS v")] == [2, 2]
        s.run(f"MATCH (n:PyDeadlock{TAG}) DELETE n").consume()


def test_database_not_found_and_system_database(driver):
    with driver.session(database="boltcnosuchdb") as s:
        with pytest.raises(ClientError) as e:
            s.run("RETURN 1").consume()
        assert e.value.code == "Neo.ClientError.Database.DatabaseNotFound"
    with driver.session(database="system") as s:
        names = sorted({r["name"] for r in s.run("SHOW DATABASES YIELD name")})
        assert names == ["neo4j", "system"]


def test_tls_with_the_generated_ca(neo4j):
    uri = "bolt://%s:%s" % (neo4j["BOLTC_NEO4J_TLS_HOST"], neo4j["BOLTC_NEO4J_PORT"])
    with GraphDatabase.driver(uri, auth=_auth(neo4j), encrypted=True,
                              trusted_certificates=boltc.TrustCustomCAs(neo4j["BOLTC_NEO4J_TLS_CA"]),
                              connection_timeout=10) as d:
        assert d.execute_query("RETURN 1 AS x").records[0]["x"] == 1
    ssc = "bolt+ssc://127.0.0.1:%s" % neo4j["BOLTC_NEO4J_PORT"]
    with GraphDatabase.driver(ssc, auth=_auth(neo4j), connection_timeout=10) as d:
        assert d.execute_query("RETURN 2 AS x").records[0]["x"] == 2
