"""Scripted failure cases and value conversions against the stub Bolt server (stub.py)."""

import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest

import boltc
from boltc import CartesianPoint, Duration, GraphDatabase, Node, Path, Relationship, WGS84Point
from boltc import exceptions as ex
from boltc._codec import BrokenHydrationObject
from boltc.time import Date, DateTime, Time

from stub import Reply, Struct, StubServer


def echo(query, params):
    keys = sorted(params)
    return Reply(keys, [[params[k] for k in keys]])


def driver_for(server, **config):
    config.setdefault("connection_timeout", 5)
    return GraphDatabase.driver(server.uri, auth=("neo4j", "pass"), **config)


@pytest.fixture
def echo_session():
    with StubServer(echo) as server, driver_for(server) as d, d.session() as s:
        yield s


def roundtrip(session, value):
    return session.run("RETURN $x AS x", x=value).single(strict=True)["x"]


# ---- temporal and spatial ------------------------------------------------------------------

@pytest.mark.parametrize(
    "value",
    [
        dt.date(2024, 1, 2),
        dt.date(1, 1, 1),
        dt.date(9999, 12, 31),
        dt.time(13, 14, 15, 123456),
        dt.time(23, 59, 59, 999999, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        dt.time(0, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5, minutes=-30))),
        dt.datetime(2024, 2, 29, 12, 30, 45, 500),
        dt.datetime(1969, 12, 31, 23, 59, 59, 999999),
        dt.datetime(2024, 6, 1, 8, 0, tzinfo=dt.timezone.utc),
        dt.datetime(2024, 6, 1, 8, 0, 1, 250000, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=45))),
        dt.datetime(2024, 6, 1, 8, 0, tzinfo=ZoneInfo("Europe/Stockholm")),
        dt.datetime(2024, 12, 1, 8, 0, tzinfo=ZoneInfo("America/New_York")),
    ],
    ids=repr,
)
def test_temporal_roundtrip(echo_session, value):
    # Standard-library values are sent as they are and come back as the neo4j.time type,
    # equal to them and converting back to them.
    got = roundtrip(echo_session, value)
    expected = {dt.date: Date, dt.time: Time, dt.datetime: DateTime}[type(value)]
    assert type(got) is expected
    assert got == value and value == got
    assert type(got.to_native()) is type(value) and got.to_native() == value
    if isinstance(value, (dt.datetime, dt.time)):
        assert (got.tzinfo is None) == (value.tzinfo is None)
        if value.tzinfo is not None:
            assert got.utcoffset() == value.utcoffset()
    if isinstance(value, dt.datetime) and isinstance(value.tzinfo, ZoneInfo):
        assert got.tzinfo == value.tzinfo


def test_duration_roundtrip(echo_session):
    d = Duration(months=14, days=3, seconds=7200, nanoseconds=5)
    got = roundtrip(echo_session, d)
    assert isinstance(got, Duration) and got == d
    assert (got.months, got.days, got.seconds, got.nanoseconds) == (14, 3, 7200, 5)
    td = dt.timedelta(days=2, hours=3, microseconds=7)
    got = roundtrip(echo_session, td)
    assert isinstance(got, Duration) and got == td
    assert got.to_timedelta() == td


def test_server_nanoseconds_are_kept():
    # 2024-01-01T00:00:00.123456789Z as sent by a server
    value = Struct(0x49, [1704067200, 123456789, 0])
    with StubServer(lambda q, p: Reply(["x"], [[value]])) as server, driver_for(server) as d:
        got = d.execute_query("RETURN x").records[0]["x"]
    assert got == DateTime(2024, 1, 1, 0, 0, 0, 123456789, tzinfo=dt.timezone.utc)
    assert got.nanosecond == 123456789 and got.iso_format() == "2024-01-01T00:00:00.123456789+00:00"
    assert got.to_native() == dt.datetime(2024, 1, 1, 0, 0, 0, 123456, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize(
    "value",
    [
        DateTime(2024, 2, 29, 12, 30, 45, 123456789),
        DateTime(1969, 12, 31, 23, 59, 59, 999999999),
        DateTime(1, 1, 1, 0, 0, 0, 1),
        DateTime(9999, 12, 31, 23, 59, 59, 999999999, tzinfo=dt.timezone.utc),
        DateTime(1901, 6, 1, 8, 0, 1, 7, tzinfo=dt.timezone(dt.timedelta(hours=-5, minutes=-45))),
        DateTime(2024, 6, 1, 8, 0, 0, 999, tzinfo=ZoneInfo("Europe/Stockholm")),
        DateTime(2150, 12, 1, 8, 0, 0, 5, tzinfo=ZoneInfo("America/New_York")),
        Time(13, 14, 15, 123456789),
        Time(23, 59, 59, 999999999, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        Date(1492, 10, 12),
    ],
    ids=repr,
)
def test_neo4j_time_roundtrip_keeps_nanoseconds(echo_session, value):
    got = roundtrip(echo_session, value)
    assert type(got) is type(value) and got == value
    assert got.iso_format() == value.iso_format()
    if not isinstance(value, Date):
        assert got.nanosecond == value.nanosecond and got.utcoffset() == value.utcoffset()
    if isinstance(value, DateTime) and isinstance(value.tzinfo, ZoneInfo):
        assert got.tzinfo == value.tzinfo


@pytest.mark.parametrize(
    "value, kind",
    [
        (Struct(0x44, [10**12]), "Date"),
        (Struct(0x49, [2**62, 0, 0]), "DateTime"),
        (Struct(0x69, [-(2**62), 0, "Europe/Paris"]), "DateTime"),
        (Struct(0x64, [2**62, 0]), "LocalDateTime"),
        (Struct(0x74, [-1]), "LocalTime"),
        (Struct(0x54, [86400 * 10**9, 0]), "Time"),
    ],
    ids=repr,
)
def test_out_of_range_temporal_is_a_broken_value_not_a_crash(value, kind):
    with StubServer(lambda q, p: Reply(["x", "y"], [[value, 1]])) as server, driver_for(server) as d:
        rec = d.execute_query("RETURN x").records[0]
    got = tuple.__getitem__(rec, 0)  # the stored value, below the record's accessors
    assert isinstance(got, BrokenHydrationObject) and got.kind == kind
    assert "out of the supported range" in str(got.error) and got.raw_data == got.raw
    # Reading the field raises BrokenRecordError (cause: the hydration error), as officially.
    with pytest.raises(ex.BrokenRecordError, match="'x'") as info:
        rec["x"]
    assert info.value.__cause__ is got.error
    assert rec["y"] == 1 and rec.get("y") == 1 and rec.values("y") == [1] and rec.data("y") == {"y": 1}


BAD_DATE = Struct(0x44, [10**12])


def test_every_way_of_reading_a_broken_field_raises_broken_record_error():
    """As the official Record: indexing by name and position, get, value, values, items,
    data, iteration, unpacking, equality. The other fields, len and repr stay usable; other
    records are plain."""
    rows = [[1, BAD_DATE], [2, "fine"]]
    with StubServer(lambda q, p: Reply(["a", "b"], rows)) as server, driver_for(server) as d:
        broken, fine = d.execute_query("RETURN x").records
        with d.session() as s:
            with pytest.raises(ex.BrokenRecordError):
                s.run("RETURN x").data()
    readers = [
        lambda r: r["b"], lambda r: r[1], lambda r: r[-1], lambda r: r.get("b"),
        lambda r: r.value("b"), lambda r: r.value(1), lambda r: r.values(), lambda r: r.values("b"),
        lambda r: r.items(), lambda r: r.items("b"), lambda r: r.data(), lambda r: r.data("b"),
        lambda r: list(r), lambda r: [v for v in r], lambda r: tuple(iter(r)),
        lambda r: (lambda a, b: b)(*r), lambda r: r == [1, None], lambda r: r[1:]["b"],
    ]
    for read in readers:
        with pytest.raises(ex.BrokenRecordError):
            read(broken)
    assert broken["a"] == 1 and broken.get("a") == 1 and broken.value() == 1 and broken[:1] == [1]
    assert broken.items("a") == [("a", 1)] and broken.get("zz", 5) == 5 and len(broken) == 2
    assert broken.keys() == ["a", "b"] and "BrokenHydrationObject" in repr(broken)
    assert isinstance(broken, boltc.Record) and fine == [2, "fine"] and type(fine) is not type(broken)


def test_a_broken_value_inside_a_list_or_map_stays_there():
    """The official record checks its fields only: a list or map holding a broken value reads
    normally (the compat suite checks the official driver agrees)."""
    rows = [[[1, BAD_DATE], {"k": BAD_DATE}]]
    with StubServer(lambda q, p: Reply(["a", "b"], rows)) as server, driver_for(server) as d:
        rec = d.execute_query("RETURN x").records[0]
    assert rec["a"][0] == 1 and isinstance(rec["a"][1], BrokenHydrationObject)
    assert isinstance(rec.data()["b"]["k"], BrokenHydrationObject)


@pytest.mark.parametrize(
    "value",
    [
        CartesianPoint((1.5, -2.0)),
        CartesianPoint((1.0, 2.0, 3.0)),
        WGS84Point((12.99, 55.6)),
        WGS84Point((12.99, 55.6, 100.0)),
    ],
    ids=repr,
)
def test_point_roundtrip(echo_session, value):
    got = roundtrip(echo_session, value)
    assert type(got) is type(value)
    assert got == value and got.srid == value.srid
    assert got.x == value[0] and got.y == value[1]


def test_wgs84_accessors():
    p = WGS84Point((12.5, 55.0, 3.0))
    assert (p.longitude, p.latitude, p.height) == (12.5, 55.0, 3.0)
    assert p.srid == 4979 and WGS84Point((1, 2)).srid == 4326
    assert CartesianPoint((1, 2)).srid == 7203 and CartesianPoint((1, 2, 3)).srid == 9157


def test_scalar_roundtrips(echo_session):
    for v in [None, True, False, 0, -1, 2**63 - 1, -(2**63), 0.1, float("inf"), "", "ünïcødé ✓",
              b"\x00\x01bytes", [1, [2, [3]]], {"a": {"b": None}}, "with\0nul"]:
        assert roundtrip(echo_session, v) == v
    assert roundtrip(echo_session, (1, 2)) == [1, 2]
    assert roundtrip(echo_session, bytearray(b"ab")) == b"ab"
    import decimal
    import fractions

    class Index:
        def __index__(self):
            return 42

    assert roundtrip(echo_session, Index()) == 42
    assert roundtrip(echo_session, decimal.Decimal("1.5")) == 1.5
    assert roundtrip(echo_session, fractions.Fraction(1, 4)) == 0.25
    with pytest.raises(ValueError):  # as the official driver: no sets
        roundtrip(echo_session, {1, 2})


def test_unsendable_value(echo_session):
    with pytest.raises(TypeError):
        roundtrip(echo_session, object())
    with pytest.raises(TypeError):
        echo_session.run("RETURN $x", x={1: "non-string key"})


# ---- graph values --------------------------------------------------------------------------

def node(i, labels, props):
    return Struct(0x4E, [i, labels, props, "n%d" % i])


def rel(i, s, e, typ, props):
    return Struct(0x52, [i, s, e, typ, props, "r%d" % i, "n%d" % s, "n%d" % e])


def test_graph_values_from_server():
    a, b, c = node(1, ["A"], {"x": 1}), node(2, ["B", "C"], {}), node(3, [], {"y": "z"})
    # Path a-[r10]->b<-[r11]-c : unbound rels and the index sequence [1, 1, -2, 2]
    r10 = Struct(0x72, [10, "T", {"w": 1}, "r10"])
    r11 = Struct(0x72, [11, "U", {}, "r11"])
    path = Struct(0x50, [[a, b, c], [r10, r11], [1, 1, -2, 2]])
    rows = [[a, rel(10, 1, 2, "T", {"w": 1}), path]]
    with StubServer(lambda q, p: Reply(["n", "r", "p"], rows)) as server, driver_for(server) as d:
        rec = d.execute_query("MATCH").records[0]
    n, r, p = rec["n"], rec["r"], rec["p"]
    assert isinstance(n, Node) and n.element_id == "n1" and n.labels == {"A"} and n["x"] == 1
    assert n.id == 1
    assert isinstance(r, Relationship) and r.type == "T" and r.element_id == "r10"
    assert r.start_node.element_id == "n1" and r.end_node.element_id == "n2" and r["w"] == 1
    assert isinstance(p, Path) and len(p) == 2
    assert [x.element_id for x in p.nodes] == ["n1", "n2", "n3"]
    assert p.start_node.element_id == "n1" and p.end_node.element_id == "n3"
    r0, r1 = p.relationships
    assert (r0.type, r0.start_node.element_id, r0.end_node.element_id) == ("T", "n1", "n2")
    # the second relationship points backwards: from c to b
    assert (r1.type, r1.start_node.element_id, r1.end_node.element_id) == ("U", "n3", "n2")
    assert r1.start_node["y"] == "z"
    assert list(p) == [r0, r1]


def test_a_path_repeating_its_steps_shares_its_nodes_and_relationships():
    a, b = node(1, ["A"], {"x": "x" * 1000}), node(2, ["B"], {})
    r = Struct(0x72, [10, "T", {}, "r10"])
    path = Struct(0x50, [[a, b], [r], [1, 1, -1, 0] * 500])
    with StubServer(lambda q, p: Reply(["p"], [[path]])) as server, driver_for(server) as d:
        p = d.execute_query("MATCH").records[0]["p"]
    assert len(p) == 1000 and len(p.nodes) == 1001
    assert all(n is p.nodes[i % 2] for i, n in enumerate(p.nodes))
    assert all(x is p.relationships[0] for x in p.relationships)
    assert p.nodes[0]["x"] == "x" * 1000
    r0 = p.relationships[0]
    assert (r0.start_node is p.nodes[0]) and (r0.end_node is p.nodes[1])


# ---- summary -------------------------------------------------------------------------------

def test_summary_from_server_metadata():
    meta = {
        "type": "rw",
        "db": "movies",
        "t_last": 7,
        "stats": {"nodes-created": 2, "properties-set": 3, "relationships-deleted": 1, "contains-updates": True},
        "notifications": [{"code": "Neo.ClientNotification.Statement.CartesianProduct", "title": "t",
                           "description": "d", "severity": "WARNING", "category": "PERFORMANCE"}],
    }
    with StubServer(lambda q, p: Reply(["x"], [[1]], meta)) as server, driver_for(server) as d:
        with d.session() as s:
            summary = s.run("CREATE").consume()
    assert summary.query_type == "rw"
    assert summary.database == "movies"
    assert summary.result_available_after == 1 and summary.result_consumed_after == 7
    assert summary.counters.nodes_created == 2 and summary.counters.properties_set == 3
    assert summary.counters.relationships_deleted == 1
    assert summary.counters.contains_updates
    assert summary.notifications[0]["code"] == "Neo.ClientNotification.Statement.CartesianProduct"
    assert summary.server.agent == "Neo4j/5.26.0"


def test_bookmarks_after_commit():
    with StubServer(echo) as server, driver_for(server) as d:
        with d.session() as s:
            with s.begin_transaction() as tx:
                tx.run("CREATE").consume()
            assert s.last_bookmarks().raw_values == {"bm:1"}
        with d.session(bookmarks=["bm:1"]) as s2:
            s2.execute_write(lambda tx: tx.run("CREATE").consume())
            assert s2.last_bookmarks().raw_values == {"bm:2"}
        bm = boltc.Bookmarks.from_raw_values(["bm:2"])
        with d.session(bookmarks=bm) as s3:
            s3.run("RETURN 1").consume()
    begins = [f for tag, f in server.messages if tag == 0x11]
    assert any(f and f[0].get("bookmarks") == ["bm:1"] for f in begins)


# ---- errors --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "code,cls,retryable",
    [
        ("Neo.ClientError.Statement.SyntaxError", ex.CypherSyntaxError, False),
        ("Neo.ClientError.Statement.TypeError", ex.CypherTypeError, False),
        ("Neo.ClientError.Schema.ConstraintValidationFailed", ex.ConstraintError, False),
        ("Neo.ClientError.Security.Forbidden", ex.Forbidden, False),
        ("Neo.ClientError.Statement.ParameterMissing", ex.ClientError, False),
        ("Neo.TransientError.Transaction.DeadlockDetected", ex.TransientError, True),
        ("Neo.TransientError.General.DatabaseUnavailable", ex.DatabaseUnavailable, True),
        ("Neo.DatabaseError.General.UnknownError", ex.DatabaseError, False),
    ],
)
def test_server_error_mapping(code, cls, retryable):
    with StubServer(lambda q, p: Reply(failure=(code, "boom"))) as server, driver_for(server) as d:
        with d.session() as s:
            with pytest.raises(cls) as e:
                s.run("RETURN 1").consume()
            assert type(e.value) is cls
            assert isinstance(e.value, ex.Neo4jError)
            assert e.value.code == code and e.value.message == "boom"
            assert e.value.classification == code.split(".")[1]
            assert e.value.category == code.split(".")[2] and e.value.title == code.split(".")[3]
            assert e.value.is_retryable() == retryable
            assert e.value.status.startswith("BOLTC_STATUS_")
            assert code in str(e.value)


def test_auth_error():
    with StubServer(echo, auth_failure=True) as server, driver_for(server) as d:
        with pytest.raises(ex.AuthError) as e:
            d.verify_connectivity()
        assert e.value.code == "Neo.ClientError.Security.Unauthorized"
        assert isinstance(e.value, ex.ClientError)


def test_connection_lost_during_query():
    with StubServer(lambda q, p: Reply(close=True)) as server, driver_for(server) as d:
        with d.session() as s:
            with pytest.raises((ex.ServiceUnavailable, ex.SessionExpired)) as e:
                s.run("RETURN 1").consume()
            assert e.value.is_retryable()


def test_execute_write_retries_transient_errors():
    calls = []

    def handler(q, p):
        calls.append(q)
        if len(calls) < 3:
            return Reply(failure=("Neo.TransientError.Transaction.DeadlockDetected", "try again"))
        return Reply(["x"], [[len(calls)]])

    with StubServer(handler) as server, driver_for(server, max_transaction_retry_time=10) as d:
        with d.session() as s:
            t = time.monotonic()
            assert s.execute_write(lambda tx: tx.run("RETURN 1").single()["x"]) == 3
            elapsed = time.monotonic() - t
    assert len(calls) == 3
    assert 2.0 < elapsed < 12.0  # backoff: ~1 s, then ~2 s (20% jitter)


def test_retry_gives_up_after_max_retry_time():
    def handler(q, p):
        return Reply(failure=("Neo.TransientError.Transaction.DeadlockDetected", "again"))

    with StubServer(handler) as server, driver_for(server, max_transaction_retry_time=0) as d:
        with d.session() as s, pytest.raises(ex.TransientError):
            s.execute_read(lambda tx: tx.run("RETURN 1").consume())


def test_client_errors_are_not_retried():
    calls = []

    def handler(q, p):
        calls.append(q)
        return Reply(failure=("Neo.ClientError.Statement.SyntaxError", "bad"))

    with StubServer(handler) as server, driver_for(server) as d:
        with pytest.raises(ex.CypherSyntaxError):
            d.execute_query("RETURN")
    assert len(calls) == 1


def test_execute_query_parameters_and_routing():
    with StubServer(echo) as server, driver_for(server) as d:
        records, summary, keys = d.execute_query("RETURN $a, $b", {"a": 1}, routing_="r", database_="db1", b="two")
        assert keys == ["a", "b"] and records[0].values() == [1, "two"]
        assert d.execute_query("RETURN $a", a=5, result_transformer_=lambda r: r.single()["a"]) == 5
    begins = [f[0] for tag, f in server.messages if tag == 0x11]
    assert any(b.get("mode") == "r" and b.get("db") == "db1" for b in begins)


def test_status_mapping_without_server_code():
    e = ex.make_error(15, "gone")
    assert isinstance(e, ex.ResultConsumedError) and e.status == "BOLTC_STATUS_RESULT_CONSUMED"
    assert isinstance(ex.make_error(8, "?"), ex.IncompleteCommit)
    assert not ex.make_error(8, "?").is_retryable()
    assert isinstance(ex.make_error(7, "x"), ex.SessionExpired)
    assert isinstance(ex.make_error(10, "x"), ex.ConfigurationError)
    assert isinstance(ex.make_error(17, "x", illegal_state=ex.TransactionError), ex.TransactionError)
    assert isinstance(ex.make_error(5, "x", code="Neo.ClientError.Security.TokenExpired"), ex.TokenExpired)
    assert isinstance(ex.make_error(4, "x"), ex.AuthError)
    assert issubclass(ex.ResultNotSingleError, ex.ResultError)
    assert issubclass(ex.ServiceUnavailable, ex.DriverError)
    assert not issubclass(ex.DriverError, ex.Neo4jError)


@pytest.mark.parametrize("disabled", [False, True])
def test_telemetry_names_each_api_once_per_call(disabled):
    with StubServer(echo, telemetry=True) as server, driver_for(server, telemetry_disabled=disabled) as d:
        with d.session() as s:
            s.execute_read(lambda tx: tx.run("RETURN 1").consume())
            s.execute_write(lambda tx: tx.run("RETURN 1").consume())
            s.run("RETURN 1").consume()
            with s.begin_transaction() as tx:
                tx.run("RETURN 1").consume()
                tx.commit()
        d.execute_query("RETURN 1")
    sent = [f[0] for tag, f in server.messages if tag == 0x54]
    assert sent == ([] if disabled else [0, 0, 2, 1, 3])


@pytest.mark.parametrize("busy_poll", [0, 0.0005])
def test_busy_poll_is_a_config_option(busy_poll):
    with StubServer(echo) as server, driver_for(server, busy_poll=busy_poll) as d:
        records, _, _ = d.execute_query("RETURN $a", a=5)
        assert records[0]["a"] == 5
    with pytest.raises(ex.ConfigurationError):
        boltc.GraphDatabase.driver("bolt://127.0.0.1:1", busy_poll=-1)


def test_max_decoded_size_is_a_config_option():
    with StubServer(echo) as server, driver_for(server, max_decoded_size=4096) as d:
        with d.session() as s:
            assert s.run("RETURN $a", a=list(range(10))).single()["a"] == list(range(10))
        with d.session() as s:
            # 1,000 one-byte integers: 40 KB of values, over the 4 KB limit.
            with pytest.raises(ex.ServiceUnavailable, match="max_decoded_size"):
                s.run("RETURN $a", a=list(range(100)) * 10).single()
    for bad in (0, -1):
        with pytest.raises(ex.ConfigurationError):
            boltc.GraphDatabase.driver("bolt://127.0.0.1:1", max_decoded_size=bad)


def test_execute_read_and_write_choose_the_access_mode():
    with StubServer(echo) as server, driver_for(server) as d:
        with d.session() as s:
            s.execute_read(lambda tx: tx.run("RETURN 1").consume())
            s.execute_write(lambda tx: tx.run("CREATE").consume())
            s.execute_read(lambda tx: tx.run("RETURN 2").consume())
            assert s.last_bookmarks().raw_values == {"bm:3"}
    begins = [f[0] for tag, f in server.messages if tag == 0x11]
    assert [b.get("mode", "w") for b in begins] == ["r", "w", "r"]
    assert begins[1].get("bookmarks") == ["bm:1"] and begins[2].get("bookmarks") == ["bm:2"]


def test_access_mode_is_per_transaction_and_the_session_keeps_its_default():
    # The library begins the transaction function in READ mode on the same session: the
    # session's default (WRITE) still holds for what follows, and nothing reconnects.
    with StubServer(echo) as server, driver_for(server) as d:
        with d.session() as s:
            s.execute_read(lambda tx: tx.run("RETURN 1").consume())
            s.run("RETURN 2").consume()
            with s.begin_transaction() as tx:
                tx.run("RETURN 3").consume()
        with d.session(default_access_mode="READ") as s:
            s.execute_write(lambda tx: tx.run("RETURN 4").consume())
            with s.begin_transaction() as tx:
                tx.run("RETURN 5").consume()
    begins = [f[0] for tag, f in server.messages if tag == 0x11]
    assert [b.get("mode", "w") for b in begins] == ["r", "w", "w", "r"]
    runs = {f[0]: f[2] for tag, f in server.messages if tag == 0x10}
    assert runs["RETURN 2"].get("mode", "w") == "w"  # auto-commit: the session's default
    assert runs["RETURN 2"].get("bookmarks") == ["bm:1"]  # causally after the read


def test_an_exception_in_the_work_rolls_back_and_is_raised_as_it_was():
    attempts = []

    def work(tx):
        attempts.append(1)
        tx.run("RETURN 1").consume()
        raise KeyError("mine")

    with StubServer(echo) as server, driver_for(server, max_transaction_retry_time=30) as d:
        with d.session() as s:
            with pytest.raises(KeyError) as e:
                s.execute_write(work)
            assert s.execute_read(lambda tx: tx.run("RETURN $a", a=7).single()["a"]) == 7
    assert len(attempts) == 1  # not a driver error: never retried
    assert e.value.args == ("mine",)
    assert any(frame.name == "work" for frame in __import__("traceback").extract_tb(e.value.__traceback__))
    tags = [tag for tag, _ in server.messages if tag in (0x11, 0x12, 0x13)]
    assert tags == [0x11, 0x13, 0x11, 0x12]  # BEGIN, ROLLBACK; BEGIN, COMMIT


def test_a_retryable_driver_error_raised_by_the_work_is_retried_with_the_configured_backoff():
    attempts = []

    def work(tx, n):
        attempts.append(time.monotonic())
        if len(attempts) < 3:
            raise ex.SessionExpired("try elsewhere")
        return tx.run("RETURN $n", n=n).single()["n"]

    with StubServer(echo) as server, driver_for(
            server, initial_retry_delay=0.4, retry_delay_multiplier=1, retry_delay_jitter_factor=0) as d:
        with d.session() as s:
            assert s.execute_write(work, 5) == 5
    assert len(attempts) == 3
    gaps = [b - a for a, b in zip(attempts, attempts[1:])]
    assert all(0.4 <= g < 0.9 for g in gaps), gaps  # 0.4 s each (multiplier 1), not 1 s then 2 s


def test_the_backoff_is_waited_in_full_then_the_retry_time_ends_it():
    # As the official driver: a delay is not cut short at the maximum retry time; once that
    # time has passed, the next failure is final.
    calls = []

    def handler(q, p):
        calls.append(time.monotonic())
        return Reply(failure=("Neo.TransientError.Transaction.DeadlockDetected", "again"))

    with StubServer(handler) as server, driver_for(
            server, max_transaction_retry_time=0.2, initial_retry_delay=1, retry_delay_jitter_factor=0) as d:
        with d.session() as s, pytest.raises(ex.TransientError):
            s.execute_write(lambda tx: tx.run("RETURN 1").consume())
    assert len(calls) == 2 and calls[1] - calls[0] >= 1.0


@pytest.mark.parametrize("key,value", [
    ("max_transaction_retry_time", -1), ("max_transaction_retry_time", "soon"),
    ("initial_retry_delay", -0.5), ("retry_delay_multiplier", 0.5),
    ("retry_delay_jitter_factor", 1.5), ("retry_delay_jitter_factor", float("nan")),
])
def test_bad_retry_settings_are_refused(key, value):
    with pytest.raises(ex.ConfigurationError):
        GraphDatabase.driver("bolt://127.0.0.1:1", **{key: value})


def test_context_managers_free_handles():
    with StubServer(echo) as server:
        with driver_for(server) as d:
            with d.session() as s:
                with s.begin_transaction() as tx:
                    r = tx.run("RETURN $x", x=1)
                    assert r.single()["x"] == 1
                assert tx._handle is None and tx.closed()
                assert r._handle is None
                result = s.run("RETURN $x", x=2)
            assert s._handle is None
            with pytest.raises(ex.ResultConsumedError):  # consumed when the session closed
                result.single()
            assert result.consume().query == "RETURN $x"
        assert d._handle is None
        d.close()  # idempotent
        with pytest.raises(ex.DriverError):
            d.session()


def test_interrupt_unblocks_a_call():
    import threading

    gate = threading.Event()

    def slow(q, p):
        gate.wait(10)
        return Reply(["x"], [[1]])

    with StubServer(slow) as server, driver_for(server) as d, d.session() as s:
        t = threading.Timer(0.5, s.interrupt)
        t.start()
        with pytest.raises((ex.Interrupted, ex.ServiceUnavailable)):
            s.run("RETURN 1").consume()
        gate.set()
        t.join()


def test_call_timeout_bounds_a_call_the_server_never_answers():
    import threading

    gate = threading.Event()

    def slow(q, p):
        gate.wait(10)
        return Reply(["x"], [[1]])

    with StubServer(slow) as server, driver_for(server) as d, d.session(call_timeout=0.3) as s:
        start = time.monotonic()
        with pytest.raises(ex.ServiceUnavailable) as info:
            s.run("RETURN 1").consume()
        took = time.monotonic() - start
        gate.set()
        assert info.value.status == "BOLTC_STATUS_TIMEOUT"
        assert "RUN" in str(info.value)
        assert 0.25 < took < 5, took


def test_call_timeout_rejects_negative_values():
    with StubServer(echo) as server, driver_for(server) as d:
        with pytest.raises(ex.ConfigurationError):
            d.session(call_timeout=-1)
