"""End-to-end tests against a real FalkorDB (started by the `falkordb` fixture)."""

import gc
import logging
import threading
import warnings

import pytest

import boltc
from boltc import GraphDatabase, Node, Path, Record, Relationship, basic_auth
from boltc.exceptions import (
    ClientError,
    ConfigurationError,
    DatabaseError,
    Neo4jError,
    ResultConsumedError,
    ResultNotSingleError,
    ServiceUnavailable,
    SessionError,
    TransactionError,
)

from conftest import AUTH


def driver_port(driver):
    with driver.session() as s:
        return s.run("RETURN 1").consume().server.address.port


def test_verify_connectivity_and_server_info(driver):
    driver.verify_connectivity()
    info = driver.get_server_info()
    assert info.agent.startswith("Neo4j/")
    assert info.protocol_version >= (5, 0)
    assert info.address.port == int(driver_port(driver))


def test_driver_options_and_context_manager(falkordb):
    with GraphDatabase.driver(
        falkordb.uri,
        auth=basic_auth(*AUTH),
        connection_timeout=5,
        connection_acquisition_timeout=10,
        max_connection_pool_size=4,
        user_agent="boltc-python-tests/1",
        encrypted=False,
        fetch_size=100,
        max_transaction_retry_time=2,
        keep_alive=True,
    ) as d:
        assert d.execute_query("RETURN 7 AS x").records[0]["x"] == 7
    with pytest.raises(boltc.exceptions.DriverError):
        d.session()


def test_unknown_option_is_a_configuration_error(falkordb):
    with pytest.raises(ConfigurationError):
        GraphDatabase.driver(falkordb.uri, auth=AUTH, no_such_option=1)


def test_bad_uri_is_a_configuration_error():
    with pytest.raises(ConfigurationError):
        GraphDatabase.driver("http://localhost:1", auth=AUTH)


def test_result_keys_iteration_and_record_access(session):
    result = session.run("UNWIND range(1, 3) AS i RETURN i AS n, toString(i) AS s")
    assert result.keys() == ("n", "s")
    records = list(result)
    assert len(records) == 3
    r = records[1]
    assert isinstance(r, Record)
    assert r["n"] == 2 and r[0] == 2 and r["s"] == "2" and r[-1] == "2"
    assert r.keys() == ["n", "s"]
    assert r.values() == [2, "2"] and r.values("s") == ["2"]
    assert r.items() == [("n", 2), ("s", "2")]
    assert r.data() == {"n": 2, "s": "2"} and r.data("n") == {"n": 2}
    assert r.get("s") == "2" and r.get("missing", 9) == 9
    assert r.value() == 2 and r.value("s") == "2" and r.value("zz", "d") == "d"
    assert r.index("s") == 1
    assert tuple(r) == (2, "2") and len(r) == 2
    assert dict(r) == {"n": 2, "s": "2"}
    assert r[0:1].keys() == ["n"]
    assert "Record" in repr(r)
    with pytest.raises(KeyError):
        r["missing"]
    with pytest.raises(IndexError):
        r[5]


def test_single_peek_fetch_consume(session):
    assert session.run("RETURN 1 AS x").single()["x"] == 1
    assert session.run("UNWIND [] AS x RETURN x").single() is None
    with pytest.raises(ResultNotSingleError):
        session.run("UNWIND [] AS x RETURN x").single(strict=True)
    with pytest.raises(ResultNotSingleError):
        session.run("UNWIND [1, 2] AS x RETURN x").single(strict=True)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        assert session.run("UNWIND [1, 2] AS x RETURN x").single()["x"] == 1
        assert w
    result = session.run("UNWIND range(1, 5) AS x RETURN x")
    assert result.peek()["x"] == 1
    assert [r["x"] for r in result.fetch(2)] == [1, 2]
    assert result.peek()["x"] == 3
    assert next(iter(result))["x"] == 3
    summary = result.consume()
    assert summary.server.agent
    with pytest.raises(ResultConsumedError):
        list(result)
    with pytest.raises(ResultConsumedError):
        result.peek()
    assert result.consume() is summary


def test_iteration_resumes_after_break(session):
    result = session.run("UNWIND range(1, 10) AS x RETURN x")
    seen = []
    for r in result:
        seen.append(r["x"])
        if len(seen) == 3:
            break
    assert result.peek()["x"] == 4
    assert [r["x"] for r in result] == list(range(4, 11))
    assert result.peek() is None


def test_data_value_values(session):
    q = "UNWIND range(1, 3) AS x RETURN x, x * 10 AS y"
    assert session.run(q).data() == [{"x": i, "y": i * 10} for i in (1, 2, 3)]
    assert session.run(q).value() == [1, 2, 3]
    assert session.run(q).value("y") == [10, 20, 30]
    assert session.run(q).values() == [[1, 10], [2, 20], [3, 30]]
    assert session.run(q).values("y") == [[10], [20], [30]]
    assert session.run(q).to_eager_result().keys == ["x", "y"]


def test_previous_result_is_buffered_by_the_next_run(session):
    first = session.run("UNWIND range(1, 3) AS x RETURN x")
    second = session.run("RETURN 'b' AS y")
    assert [r["x"] for r in first] == [1, 2, 3]
    assert second.single()["y"] == "b"


def test_parameters_of_core_types(session):
    params = {
        "i": -(2**62), "f": 1.25, "s": "héllo ✓", "t": True, "n": None,
        "l": [1, [2, "x"], {"k": 1}], "m": {"a": {"b": [True, None]}},
    }
    rec = session.run("RETURN $i AS i, $f AS f, $s AS s, $t AS t, $n AS n, $l AS l, $m AS m", params).single()
    assert rec.data() == params


def test_large_int_parameter_is_rejected(session):
    with pytest.raises(TypeError):
        session.run("RETURN $x", x=2**70)


def test_stream_large_result_in_batches(session):
    n = 25_000  # more than one batch (boltc._work.BATCH_SIZE)
    total = 0
    count = 0
    for r in session.run("UNWIND range(1, $n) AS i RETURN i, 'v' + toString(i) AS s, i % 2 = 0 AS even", n=n):
        total += r[0]
        count += 1
    assert count == n and total == n * (n + 1) // 2
    rows = session.run("UNWIND range(1, $n) AS i RETURN i, 'v' + toString(i) AS s, i % 2 = 0 AS even", n=n).values()
    assert rows[0] == [1, "v1", False] and rows[-1] == [n, "v%d" % n, True]


def test_mixed_columns(session):
    rows = session.run(
        "UNWIND range(1, 4) AS i RETURN CASE WHEN i % 2 = 0 THEN i ELSE null END AS maybe, "
        "CASE WHEN i = 3 THEN 'three' ELSE i END AS mixed, [i, toString(i)] AS l, {k: i} AS m, i * 0.5 AS f"
    ).values()
    assert rows == [
        [None, 1, [1, "1"], {"k": 1}, 0.5],
        [2, 2, [2, "2"], {"k": 2}, 1.0],
        [None, "three", [3, "3"], {"k": 3}, 1.5],
        [4, 4, [4, "4"], {"k": 4}, 2.0],
    ]


def test_graph_types_and_counters(driver):
    with driver.session(database="py_graph") as s:
        summary = s.run(
            "CREATE (a:Person:Human {name: 'Ann', age: 30})-[r:KNOWS {since: 2020}]->(b:Person {name: 'Bob'})"
        ).consume()
        c = summary.counters
        assert c.nodes_created == 2 and c.relationships_created == 1
        assert c.labels_added >= 2 and c.properties_set == 4
        assert c.contains_updates
        rec = s.run("MATCH p = (a:Person {name: 'Ann'})-[r:KNOWS]->(b) RETURN a, r, b, p").single(strict=True)
        a, r, b, p = rec["a"], rec["r"], rec["b"], rec["p"]
        assert isinstance(a, Node) and a.labels == {"Person", "Human"}
        assert a["name"] == "Ann" and a.get("age") == 30 and dict(a.items()) == {"name": "Ann", "age": 30}
        assert set(a.keys()) == {"name", "age"} and "name" in a
        assert isinstance(a.element_id, str) and a.element_id
        assert isinstance(r, Relationship) and r.type == "KNOWS" and r["since"] == 2020
        assert r.start_node.element_id == a.element_id and r.end_node.element_id == b.element_id
        assert isinstance(p, Path) and len(p) == 1
        assert p.start_node == a and p.end_node == b
        assert p.nodes == (a, b) and p.relationships[0] == r
        assert p.relationships[0].start_node["name"] == "Ann"
        # A relationship's end nodes are the nodes of the same result (official hydration).
        assert rec.data()["r"] == ({"name": "Ann", "age": 30}, "KNOWS", {"name": "Bob"})
        assert r.start_node.labels == {"Person", "Human"}
        assert rec.data()["p"] == [{"name": "Ann", "age": 30}, "KNOWS", {"name": "Bob"}]
        s.run("MATCH (n) DETACH DELETE n").consume()


def test_summary_fields(session):
    summary = session.run("RETURN $x AS x", x=1).consume()
    assert summary.query == "RETURN $x AS x"
    assert summary.parameters == {"x": 1}
    assert summary.server.address.port > 0 and str(summary.server.address).startswith("127.0.0.1")
    assert summary.server.protocol_version == (5, 7)
    assert summary.query_type in (None, "r", "rw", "w", "s")
    assert summary.result_available_after is None or summary.result_available_after >= 0
    assert summary.result_consumed_after is None or summary.result_consumed_after >= 0
    assert isinstance(summary.notifications, list)
    assert not summary.counters.contains_updates


def test_explicit_transaction(driver):
    with driver.session(database="py_tx") as s:
        tx = s.begin_transaction()
        assert tx.run("RETURN 1 AS x").single()["x"] == 1
        tx.commit()
        assert tx.closed()
        with pytest.raises(TransactionError):
            tx.commit()
        with s.begin_transaction(metadata={"app": "tests"}, timeout=10) as tx2:
            r = tx2.run("UNWIND [1, 2] AS x RETURN x")
            r2 = tx2.run("RETURN 'y' AS y")
            assert [x["x"] for x in r] == [1, 2]  # buffered by the second run
            assert r2.single()["y"] == "y"
        assert tx2.closed()
        with pytest.raises(TransactionError):
            tx2.run("RETURN 1")
        with pytest.raises(ZeroDivisionError):
            with s.begin_transaction() as tx3:
                raise ZeroDivisionError
        assert tx3.closed()


def test_result_out_of_scope_after_commit(session):
    tx = session.begin_transaction()
    r = tx.run("UNWIND range(1, 3) AS x RETURN x")
    tx.commit()
    with pytest.raises(ResultConsumedError):
        list(r)


def test_run_while_transaction_open_fails(session):
    tx = session.begin_transaction()
    with pytest.raises(TransactionError):
        session.run("RETURN 1")
    with pytest.raises(TransactionError):
        session.begin_transaction()
    tx.rollback()
    assert session.run("RETURN 1 AS x").single()["x"] == 1


def test_execute_read_write(session):
    def work(tx, n, factor=1):
        return [r["x"] * factor for r in tx.run("UNWIND range(1, $n) AS x RETURN x", n=n)]

    assert session.execute_read(work, 3) == [1, 2, 3]
    assert session.execute_write(work, 2, factor=10) == [10, 20]

    @boltc.unit_of_work(metadata={"a": 1}, timeout=5)
    def decorated(tx):
        return tx.run("RETURN 5 AS x").single()["x"]

    assert session.execute_write(decorated) == 5


def test_error_in_transaction_function_is_not_retried(session):
    calls = []

    def work(tx):
        calls.append(1)
        raise ValueError("mine")

    with pytest.raises(ValueError):
        session.execute_write(work)
    assert calls == [1]


def test_query_errors(session):
    with pytest.raises(Neo4jError) as e:
        session.run("RETURN syntax error here").consume()
    # FalkorDB reports syntax errors with code "SyntaxError" (not a Neo. code) as a database
    # failure; the stub tests check the mapping of real Neo4j codes.
    assert isinstance(e.value, (DatabaseError, ClientError))
    assert e.value.code
    assert e.value.message
    assert not e.value.is_retryable()
    assert session.run("RETURN 2 AS x").single()["x"] == 2  # the session recovered


def test_query_object(session):
    q = boltc.Query("RETURN $x AS x", metadata={"tag": "t"}, timeout=10)
    assert session.run(q, x=3).single()["x"] == 3


def test_session_close_and_context_managers(driver):
    s = driver.session()
    r = s.run("UNWIND range(1, 5) AS x RETURN x")
    s.close()
    assert s.closed()
    s.close()  # idempotent
    with pytest.raises(SessionError):
        s.run("RETURN 1")
    # the unread result was consumed on close (as the official driver does)
    with pytest.raises(ResultConsumedError):
        list(r)
    assert r.consume().counters.nodes_created == 0
    with driver.session() as s2:
        r2 = s2.run("RETURN 1 AS x")
    assert s2._handle is None
    with pytest.raises(ResultConsumedError):
        r2.single()


def test_handles_freed_by_gc(driver):
    for _ in range(50):
        s = driver.session()
        s.run("RETURN 1").consume()
        tx = s.begin_transaction()
        tx.run("RETURN 1")
        del s, tx
    gc.collect()
    with driver.session() as s:
        assert s.run("RETURN 1 AS x").single()["x"] == 1


def test_bookmarks_api(driver):
    with driver.session() as s:
        s.run("RETURN 1").consume()
        b = s.last_bookmarks()
        assert isinstance(b, boltc.Bookmarks)
    with driver.session(bookmarks=b) as s2:
        assert s2.run("RETURN 1 AS x").single()["x"] == 1


def test_concurrent_sessions(driver):
    errors = []

    def work(k):
        try:
            with driver.session() as s:
                for _ in range(10):
                    assert s.run("RETURN $k AS k", k=k).single()["k"] == k
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_logging_integration(falkordb, caplog):
    boltc.enable_logging(logging.DEBUG)
    try:
        with caplog.at_level(logging.DEBUG, logger="boltc"):
            with GraphDatabase.driver(falkordb.uri, auth=AUTH, connection_timeout=5) as d:
                d.verify_connectivity()
        assert any(rec.name == "boltc" for rec in caplog.records)
    finally:
        boltc.enable_logging(logging.INFO)


def test_connection_refused_is_service_unavailable():
    with GraphDatabase.driver("bolt://127.0.0.1:1", auth=AUTH, connection_timeout=1) as d:
        with pytest.raises(ServiceUnavailable) as e:
            d.verify_connectivity()
        assert e.value.is_retryable()


def test_gc_is_enabled_after_concurrent_streaming(driver):
    def work():
        with driver.session() as s:
            for _ in range(5):
                list(
                    s.run("UNWIND range(1, 3000) AS i RETURN i")
                )

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert gc.isenabled()


def test_admin_helpers_are_unsupported_on_falkordb(driver):
    with pytest.raises(boltc.exceptions.UnsupportedServerProduct) as e:
        driver.list_connections()
    assert "dbms.listConnections" in str(e.value)
    with pytest.raises(boltc.exceptions.UnsupportedServerProduct):
        driver.kill_connection("bolt-1")
    driver.verify_connectivity()  # the driver is still usable


def test_connection_info_and_bookmark_manager_on_falkordb(driver):
    mgr = boltc.GraphDatabase.bookmark_manager(initial_bookmarks=[])
    with driver.session(bookmark_manager=mgr) as s:
        r = s.run("UNWIND range(1, 3) AS i RETURN i")
        info = s.connection_info()
        assert info is not None and info.address.port == driver_port(driver)
        assert [rec["i"] for rec in r] == [1, 2, 3]
        s.execute_write(lambda tx: tx.run("CREATE (:BmTest)").consume())
    records, summary, _ = driver.execute_query("MATCH (n:BmTest) RETURN count(n) AS c")
    assert records[0]["c"] >= 1
    assert summary.server.protocol_version == driver.get_server_info().protocol_version


def test_notification_filters_on_falkordb(falkordb):
    with GraphDatabase.driver(falkordb.uri, auth=AUTH, notifications_min_severity="WARNING",
                              notifications_disabled_classifications=["HINT"]) as d:
        with d.session(notifications_min_severity="OFF") as s:
            assert s.run("RETURN 1 AS x").single()["x"] == 1
        assert d.execute_query("RETURN 2 AS x").records[0]["x"] == 2


@pytest.fixture
def prefetch(monkeypatch):
    monkeypatch.setattr(boltc._work, "PREFETCH", True)


BIG = "UNWIND range(1, 45000) AS i RETURN i, toString(i) AS s"


def test_prefetch_streams_every_batch(session, prefetch):
    r = session.run(BIG)
    assert sum(rec["i"] for rec in r) == 45000 * 45001 // 2
    assert r.consume().query == BIG


def test_prefetch_with_break_next_query_and_connection_info(session, prefetch):
    r = session.run(BIG)
    it = iter(r)
    first = [next(it)["i"] for _ in range(12000)]
    assert session.connection_info() is not None  # waits for the worker (no BUSY); 2 batches left
    assert session.run("RETURN 7 AS x").single()["x"] == 7  # buffers the rest of r first
    rest = [rec["i"] for rec in r]
    assert first + rest == list(range(1, 45001))


def test_prefetch_consume_and_transaction_end(driver, prefetch):
    with driver.session() as s:
        r = s.run(BIG)
        next(iter(r))
        assert r.consume().query == BIG
        tx = s.begin_transaction()
        r = tx.run(BIG)
        it = iter(r)
        for _ in range(10001):  # into the second batch: the third is being fetched
            next(it)
        tx.commit()
        with pytest.raises(ResultConsumedError):
            for _ in range(40000):
                next(it)
        assert s.run("RETURN 1 AS x").single()["x"] == 1


def test_new_iteration_resumes_after_the_next_query_buffered_the_result(session):
    r = session.run("UNWIND range(1, 15000) AS i RETURN i")
    it = iter(r)
    first = [next(it)["i"] for _ in range(5)]
    session.run("RETURN 1").consume()
    assert first + [rec["i"] for rec in r] == list(range(1, 15001))
