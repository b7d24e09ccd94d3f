"""The same code under boltc and the official ``neo4j`` package, against the same Neo4j server
(scripts/neo4j.sh start): each case's outcome (normalised values, or the kind of error) must be
equal under both. Skipped without the ``neo4j`` package or a running Neo4j (a failure under
BOLTC_REQUIRE_NEO4J=1).

FalkorDB is not a backend here: the official driver (6.4) blocks forever in its first read
from FalkorDB's Bolt server, so there is nothing to compare against.
"""

from __future__ import annotations

import builtins
import os
import uuid
import warnings

import pytest

import boltc

from test_neo4j import SERVERS

neo4j = pytest.importorskip("neo4j")

# Most specific first: an error's kind is the first of these it is an instance of.
KINDS = ["CypherSyntaxError", "AuthError", "ClientError", "TransientError", "ResultConsumedError",
         "ResultNotSingleError", "TransactionError", "SessionError", "ConfigurationError",
         "ServiceUnavailable", "OverflowError", "NotImplementedError", "ValueError", "TypeError",
         "Neo4jError", "DriverError"]


def kind(pkg, e):
    for name in KINDS:
        cls = getattr(builtins, name, None) or getattr(pkg.exceptions, name, None)
        if cls is not None and isinstance(e, cls):
            return name
    return type(e).__name__


def norm(pkg, x):
    """A package-neutral form of a value."""
    if isinstance(x, pkg.graph.Node):
        return ("node", sorted(x.labels), list(x.items()))
    if isinstance(x, pkg.graph.Relationship):
        return ("rel", x.type, dict(x.items()), norm(pkg, x.start_node), norm(pkg, x.end_node))
    if isinstance(x, pkg.graph.Path):
        return ("path", [norm(pkg, n) for n in x.nodes], [norm(pkg, r) for r in x.relationships])
    if isinstance(x, pkg.time.Duration):
        return ("duration", tuple(x))
    if isinstance(x, (list, tuple)) and not isinstance(x, pkg.Record):
        return [norm(pkg, v) for v in x]
    if isinstance(x, dict):
        return {k: norm(pkg, v) for k, v in x.items()}
    if isinstance(x, pkg.Record):
        return ("record", list(x.keys()), [norm(pkg, v) for v in x.values()])
    return x


def outcome(pkg, fn, *args):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = ("ok", norm(pkg, fn(pkg, *args)))
        except Exception as e:
            value = ("error", kind(pkg, e))
    return value + (sorted({w.category.__name__ for w in caught if "single" in str(w.message).lower()}),)


@pytest.fixture(params=SERVERS or [None], ids=[s["BOLTC_NEO4J_LINE"] for s in SERVERS] or ["none"])
def server(request):
    if request.param is None:
        if os.environ.get("BOLTC_REQUIRE_NEO4J") == "1":
            pytest.fail("no Neo4j running and BOLTC_REQUIRE_NEO4J=1 (scripts/neo4j.sh start)")
        pytest.skip("SKIPPED: no Neo4j running (scripts/neo4j.sh start)")
    return request.param


@pytest.fixture
def drivers(server):
    auth = (server["BOLTC_NEO4J_USER"], server["BOLTC_NEO4J_PASSWORD"])
    made = {pkg: pkg.GraphDatabase.driver(server["BOLTC_NEO4J_URI"], auth=auth, connection_timeout=10)
            for pkg in (boltc, neo4j)}
    yield made
    for d in made.values():
        d.close()


def agree(drivers, fn, *args):
    """Runs ``fn(pkg, driver, *args)`` under both packages; asserts equal outcomes."""
    got = {pkg.__name__: outcome(pkg, lambda p, *a: fn(p, drivers[p], *a), *args) for pkg in drivers}
    assert got["boltc"] == got["neo4j"], got
    return got["boltc"]


def label():
    return "Compat_" + uuid.uuid4().hex[:8]


# ---- the cases --------------------------------------------------------------------------------

def c_values(pkg, d):
    recs, summary, keys = d.execute_query(
        "RETURN 1 AS a, 'x' AS b, [1, 2.5, null] AS c, {k: true} AS d, duration({days: 2, hours: 3}) AS e")
    return recs, keys


def c_params(pkg, d, value):
    return d.execute_query("RETURN $x AS x", x=value).records[0]["x"]


def c_session_run(pkg, d, query):
    with d.session() as s:
        return s.run(query).data()


def c_tx_run_query(pkg, d):
    with d.session() as s, s.begin_transaction() as tx:
        return tx.run(pkg.Query("RETURN 1")).data()


def c_single_several(pkg, d, strict):
    with d.session() as s:
        r = s.run("UNWIND [1, 2, 3] AS x RETURN x")
        first = r.single(strict=strict)
        return first, list(r), r.closed(), r.consume().counters.contains_updates


def c_unread_after_session_close(pkg, d):
    with d.session() as s:
        r = s.run("UNWIND [1, 2, 3] AS x RETURN x")
    return list(r)


def c_consume_after_commit(pkg, d):
    with d.session() as s:
        tx = s.begin_transaction()
        r = tx.run("UNWIND [1, 2] AS x RETURN x")
        r.peek()
        tx.commit()
        return r.consume()


def c_failed_tx(pkg, d, step):
    with d.session() as s:
        tx = s.begin_transaction()
        try:
            tx.run("RETURN 1 +* 2").consume()
        except Exception as e:
            failure = kind(pkg, e)
        if step == "run":
            try:
                tx.run("RETURN 1").consume()
            except Exception as e:
                return failure, kind(pkg, e), kind(pkg, e.__cause__)
        if step == "commit":
            try:
                tx.commit()
            except Exception as e:
                return failure, kind(pkg, e), kind(pkg, e.__cause__), tx.closed()
        tx.rollback()
        return failure, tx.closed()


def c_record(pkg, d):
    r = d.execute_query("RETURN 1 AS a, 2 AS b").records[0]
    # Not compared: ``r != [1, 2]``, which the official Record answers True (it inherits
    # tuple's !=); boltc's != is the negation of == (tests/test_official_api.py).
    return (r == [1, 2], r == (1, 2), r == {"a": 1, "b": 2}, r != {"a": 1},
            r.items("a", "zz"), r.data("b", "zz"), r.value("zz", 7), r.get("zz"))


def c_graph(pkg, d, lab, ordered):
    try:
        with d.session() as s:
            s.run("CREATE (:%s:X {z: 1, a: 2, m: 3})-[:R {w: 1}]->(:%s {n: 'b'})" % (lab, lab)).consume()
            res = s.run("MATCH (a:%s)-[r]->(b) RETURN r, a, b, a['missing'] AS m" % lab)
            g = res.graph()
            rec = res.single()
            if ordered:
                return [list(n.keys()) for n in (rec["a"], rec["r"].start_node)]
            return (sorted(rec["a"].items()), sorted(rec["r"].start_node.items()), sorted(rec["r"].start_node.labels),
                    rec["a"]["missing"], len(g.nodes), len(g.relationships))
    finally:
        d.execute_query("MATCH (n:%s) DETACH DELETE n" % lab)


def c_gql(pkg, d, query):
    with d.session() as s:
        return [o.gql_status for o in s.run(query).consume().gql_status_objects]


def c_driver_facts(pkg, d):
    return d.encrypted, d.supports_multi_db(), d.verify_authentication()


COMPAT_USER, COMPAT_PASSWORD = "boltc_compat_user", "compat-pass-1234"


def c_session_auth(pkg, d):
    d.execute_query("CREATE USER %s IF NOT EXISTS SET PASSWORD '%s' CHANGE NOT REQUIRED"
                    % (COMPAT_USER, COMPAT_PASSWORD), database_="system")
    other = pkg.basic_auth(COMPAT_USER, COMPAT_PASSWORD)
    with d.session(auth=other) as s:
        in_session = s.run("SHOW CURRENT USER YIELD user").single()["user"]
    with d.session() as s:
        back = s.run("SHOW CURRENT USER YIELD user").single()["user"]
    via_query = d.execute_query("SHOW CURRENT USER YIELD user", auth_=(COMPAT_USER, COMPAT_PASSWORD),
                                routing_="r").records[0]["user"]
    return (d.supports_session_auth(), in_session, back, via_query, d.verify_authentication(other),
            d.verify_authentication(pkg.basic_auth(COMPAT_USER, "wrong-password")))


def c_duration(pkg, d):
    D = pkg.time.Duration
    a, b = D(days=2, hours=3), D(months=1, seconds=1, nanoseconds=999_999_999)
    return [tuple(x) for x in (a, b, a + b, b + b, a - b, -b, a * 2, D(hours=1.5), D(nanoseconds=-1))]


def test_values(drivers):
    assert agree(drivers, c_values)[0] == "ok"


@pytest.mark.parametrize("value", [0, -(2**63), 2**63 - 1, 1.5, "ü", [1, [2]], {"a": {"b": None}}, True, None,
                                   2**63, -(2**63) - 1, {1, 2}, object()], ids=repr)
def test_params(drivers, value):
    agree(drivers, c_params, value)


@pytest.mark.parametrize("query", ["", "RETURN 1 AS x", "RETURN 1 +* 2"])
def test_session_run(drivers, query):
    agree(drivers, c_session_run, query)


def test_tx_run_refuses_query_objects(drivers):
    assert agree(drivers, c_tx_run_query)[:2] == ("error", "TypeError")


@pytest.mark.parametrize("strict", [False, True])
def test_single_on_several_records(drivers, strict):
    agree(drivers, c_single_several, strict)


def test_unread_result_after_session_close(drivers):
    assert agree(drivers, c_unread_after_session_close)[:2] == ("error", "ResultConsumedError")


def test_consume_after_commit(drivers):
    assert agree(drivers, c_consume_after_commit)[:2] == ("error", "ResultConsumedError")


@pytest.mark.parametrize("step", ["run", "commit", "rollback"])
def test_failed_transaction(drivers, step):
    assert agree(drivers, c_failed_tx, step)[0] == "ok"


def test_record_semantics(drivers):
    agree(drivers, c_record)


def test_graph_hydration(drivers):
    assert agree(drivers, c_graph, label(), False)[0] == "ok"


@pytest.mark.xfail(strict=True, reason="KNOWN GAP: boltc gives node properties in sorted order, "
                   "not in the order the server sent them (the order is lost below the Python package)")
def test_node_property_order(drivers):
    agree(drivers, c_graph, label(), True)


@pytest.mark.parametrize("query", ["RETURN 1 AS x", "MATCH (n:NoSuchLabelAtAll) RETURN n",
                                   "MATCH (n:NoSuchLabelAtAll) DELETE n"])
def test_gql_status_objects(drivers, query):
    agree(drivers, c_gql, query)


def test_driver_facts(drivers):
    agree(drivers, c_driver_facts)


def test_duration_arithmetic(drivers):
    agree(drivers, c_duration)


def test_session_auth_and_verify_authentication(drivers):
    got = agree(drivers, c_session_auth)
    assert got[0] == "ok" and got[1][1] == COMPAT_USER, got


@pytest.mark.parametrize("which", ["CLIENT", "UNTRUSTED"])
def test_mutual_tls(server, which):
    """A client certificate from the server's CA is accepted; a self-signed one ends the
    handshake (the test server asks for client certificates optionally)."""
    def run(pkg):
        cert = pkg.auth_management.ClientCertificate(server["BOLTC_NEO4J_TLS_%s_CERT" % which],
                                                     server["BOLTC_NEO4J_TLS_%s_KEY" % which])
        uri = "bolt://%s:%s" % (server["BOLTC_NEO4J_TLS_HOST"], server["BOLTC_NEO4J_PORT"])
        with pkg.GraphDatabase.driver(
                uri, auth=(server["BOLTC_NEO4J_USER"], server["BOLTC_NEO4J_PASSWORD"]), encrypted=True,
                trusted_certificates=pkg.TrustCustomCAs(server["BOLTC_NEO4J_TLS_CA"]),
                client_certificate=cert, connection_timeout=10) as d:
            with d.session() as s:  # not execute_query: it would retry the refusal for 30 s
                return s.run("RETURN 5 AS n").single()["n"]

    import neo4j.auth_management  # noqa: F401  (the official package's submodule)
    import boltc.auth_management  # noqa: F401
    got = {pkg.__name__: outcome(pkg, run) for pkg in (boltc, neo4j)}
    assert got["boltc"] == got["neo4j"], got
    assert (got["boltc"][0] == "ok") == (which == "CLIENT"), got
