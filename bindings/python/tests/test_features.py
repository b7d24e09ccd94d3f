"""Bookmark managers, notification filters, server/connection info and the connection admin
helpers, against the stub Bolt server (stub.py)."""

import gc
import logging

import pytest

import boltc
from boltc import GraphDatabase, NotificationDisabledCategory, NotificationMinimumSeverity
from boltc import _bookmarks
from boltc import exceptions as ex

from stub import Reply, StubServer

HELLO, BEGIN, RUN = 0x01, 0x11, 0x10


def echo(query, params):
    keys = sorted(params)
    return Reply(keys, [[params[k] for k in keys]])


def driver_for(server, **config):
    config.setdefault("connection_timeout", 5)
    return GraphDatabase.driver(server.uri, auth=("neo4j", "pass"), **config)


def begins(server):
    """The bookmarks each BEGIN carried, in order."""
    return [sorted((f[0] or {}).get("bookmarks", [])) for tag, f in server.messages if tag == BEGIN]


def write(session, query="CREATE ()"):
    return session.execute_write(lambda tx: tx.run(query).consume())


# ---- bookmark managers -----------------------------------------------------------------------

def test_bookmark_manager_chains_sessions():
    seen = []
    mgr = GraphDatabase.bookmark_manager(initial_bookmarks=["bm:0"], bookmarks_consumer=seen.append)
    with StubServer(echo) as server, driver_for(server) as d:
        with d.session(bookmark_manager=mgr) as s1:
            write(s1)
        assert set(mgr.get_bookmarks()) == {"bm:1"}
        with d.session(bookmark_manager=mgr) as s2:
            write(s2)
            assert s2.last_bookmarks().raw_values == {"bm:2"}
        with d.session() as s3:  # no manager: no bookmarks
            write(s3)
    assert begins(server) == [["bm:0"], ["bm:1"], []]
    assert set(mgr.get_bookmarks()) == {"bm:2"}
    assert [b.raw_values for b in seen] == [frozenset({"bm:1"}), frozenset({"bm:2"})]


def test_bookmark_manager_supplier_adds_bookmarks():
    extra = boltc.Bookmarks.from_raw_values(["other:7"])
    mgr = GraphDatabase.bookmark_manager(initial_bookmarks=boltc.Bookmarks.from_raw_values(["bm:0"]),
                                         bookmarks_supplier=lambda: extra)
    with StubServer(echo) as server, driver_for(server) as d:
        with d.session(bookmark_manager=mgr) as s:
            write(s)
    assert begins(server) == [["bm:0", "other:7"]]
    assert set(mgr.get_bookmarks()) == {"bm:1", "other:7"}


def test_custom_bookmark_manager_and_auto_commit():
    class Recorder(boltc.BookmarkManager):
        def __init__(self):
            self.updates = []

        def get_bookmarks(self):
            return ["mine:1"]

        def update_bookmarks(self, previous_bookmarks, new_bookmarks):
            self.updates.append((sorted(previous_bookmarks), list(new_bookmarks)))

    rec = Recorder()
    with StubServer(echo) as server, driver_for(server) as d:
        with d.session(bookmark_manager=rec) as s:
            s.run("RETURN 1 AS x").consume()
    runs = [f for tag, f in server.messages if tag == RUN]
    assert runs[0][2].get("bookmarks") == ["mine:1"]
    assert rec.updates == [(["mine:1"], ["bm:auto"])]


def test_bookmark_manager_errors_are_logged_not_raised(caplog):
    class Broken(boltc.BookmarkManager):
        def get_bookmarks(self):
            raise RuntimeError("no bookmarks today")

        def update_bookmarks(self, previous_bookmarks, new_bookmarks):
            raise RuntimeError("cannot store")

    with caplog.at_level(logging.ERROR, logger="boltc"):
        with StubServer(echo) as server, driver_for(server) as d:
            with d.session(bookmark_manager=Broken()) as s:
                write(s)
    assert begins(server) == [[]]
    text = caplog.text
    assert "get_bookmarks failed" in text and "update_bookmarks failed" in text


def test_bookmark_manager_is_released_with_the_session():
    mgr = GraphDatabase.bookmark_manager()
    before = len(_bookmarks._LIVE)
    with StubServer(lambda q, p: Reply(["x"], [[1]])) as server, driver_for(server) as d:
        s = d.session(bookmark_manager=mgr)
        assert len(_bookmarks._LIVE) == before + 1
        r = s.run("RETURN 1 AS x")
        s.close()
        del s
        gc.collect()
        with pytest.raises(ex.ResultConsumedError):  # consumed by close, as officially
            r.single()
        assert r.consume() is not None
        del r
        gc.collect()
    assert len(_bookmarks._LIVE) == before


def test_bookmark_manager_type_is_checked():
    with StubServer(echo) as server, driver_for(server) as d:
        with pytest.raises(TypeError):
            d.session(bookmark_manager=object())


def test_execute_query_uses_the_driver_bookmark_manager():
    with StubServer(echo) as server, driver_for(server) as d:
        d.execute_query("CREATE ()")
        assert set(d.execute_query_bookmark_manager.get_bookmarks()) == {"bm:1"}
        d.execute_query("MATCH (n) RETURN n", routing_="r")
        d.execute_query("CREATE ()", bookmark_manager_=None)
        own = GraphDatabase.bookmark_manager(initial_bookmarks=["x:1"])
        d.execute_query("CREATE ()", bookmark_manager_=own)
        assert set(own.get_bookmarks()) == {"bm:4"}
        # a session can join the execute_query chain
        with d.session(bookmark_manager=d.execute_query_bookmark_manager) as s:
            write(s)
    assert begins(server) == [[], ["bm:1"], [], ["x:1"], ["bm:2"]]


def test_driver_level_bookmark_manager_is_the_session_default():
    mgr = GraphDatabase.bookmark_manager(initial_bookmarks=["d:1"])
    with StubServer(echo) as server, driver_for(server, bookmark_manager=mgr) as d:
        with d.session() as s:
            write(s)
        d.execute_query("CREATE ()", bookmark_manager_=None)
    assert begins(server) == [["d:1"], []]
    assert set(mgr.get_bookmarks()) == {"bm:1"}


# ---- notification filters --------------------------------------------------------------------

def hello_extra(server):
    return next(f[0] for tag, f in server.messages if tag == HELLO)


def test_driver_notification_filters_go_with_hello():
    with StubServer(echo) as server, driver_for(
        server,
        notifications_min_severity=NotificationMinimumSeverity.WARNING,
        notifications_disabled_categories=[NotificationDisabledCategory.HINT],
        notifications_disabled_classifications=["generic", NotificationDisabledCategory.HINT],
    ) as d:
        d.verify_connectivity()
    h = hello_extra(server)
    assert h["notifications_minimum_severity"] == "WARNING"
    assert h["notifications_disabled_classifications"] == ["HINT", "GENERIC"]


def test_no_notification_filter_by_default():
    with StubServer(echo) as server, driver_for(server) as d:
        d.verify_connectivity()
    h = hello_extra(server)
    assert "notifications_minimum_severity" not in h
    assert "notifications_disabled_classifications" not in h


def test_session_notification_filters_go_with_begin_and_run():
    with StubServer(echo) as server, driver_for(server) as d:
        with d.session(notifications_min_severity="OFF") as s:
            write(s)
        with d.session(notifications_disabled_categories=[]) as s:
            s.run("RETURN 1 AS x").consume()
    begin = next(f[0] for tag, f in server.messages if tag == BEGIN)
    assert begin["notifications_minimum_severity"] == "OFF"
    assert "notifications_disabled_classifications" not in begin
    run = [f for tag, f in server.messages if tag == RUN][-1][2]
    assert run["notifications_disabled_classifications"] == []
    assert "notifications_minimum_severity" not in run


def test_bad_notification_filters_are_configuration_errors():
    with StubServer(echo) as server:
        with pytest.raises(ex.ConfigurationError):
            driver_for(server, notifications_min_severity="LOUD")
        with pytest.raises(ex.ConfigurationError):
            driver_for(server, notifications_disabled_categories="HINT")
        with driver_for(server) as d:
            with pytest.raises(ex.ConfigurationError):
                d.session(notifications_min_severity="SOMETIMES")


# ---- server and connection info --------------------------------------------------------------

def test_server_info_and_summary_connection_id():
    with StubServer(echo) as server, driver_for(server) as d:
        info = d.get_server_info()
        assert info.connection_id == "bolt-1"
        assert info.agent == "Neo4j/5.26.0"
        assert info.address == ("127.0.0.1", server.port)
        assert isinstance(info.protocol_version, tuple) and info.protocol_version[0] == 5
        with d.session() as s:
            summary = s.run("RETURN 1 AS x").consume()
    assert summary.server.connection_id == "bolt-1"
    assert summary.server.protocol_version == info.protocol_version
    assert summary.server.address.port == server.port


def test_session_and_transaction_connection_info():
    rows = Reply(["x"], [[i] for i in range(5)])
    with StubServer(lambda q, p: rows) as server, driver_for(server) as d:
        with d.session(fetch_size=2) as s:
            assert s.connection_info() is None  # no connection before the first query
            r = s.run("UNWIND range(0, 4) AS x RETURN x")
            held = s.connection_info()
            assert held is not None and held.connection_id == "bolt-1"
            r.consume()
            assert s.connection_info() is None  # back in the pool
            with s.begin_transaction() as tx:
                assert tx.connection_info().address.port == server.port
            with pytest.raises(ex.TransactionError):
                tx.connection_info()


# ---- connection administration ---------------------------------------------------------------

LIST_FIELDS = ["connectionId", "connectTime", "connector", "username", "userAgent", "serverAddress",
               "clientAddress"]


def admin(query, params):
    if "listConnections" in query:
        return Reply(LIST_FIELDS, [
            ["bolt-1", "2024-01-01T00:00:00Z", "bolt", "neo4j", "boltc/0.1", "127.0.0.1:7687", "127.0.0.1:5000"],
            ["bolt-2", "2024-01-01T00:00:01Z", "bolt", None, "other/1.0", "127.0.0.1:7687", "127.0.0.1:5001"],
        ])
    if "killConnections" in query:
        return Reply(["connectionId", "username", "message"], [
            [i, "neo4j" if i == "bolt-2" else "n/a",
             "Connection found" if i == "bolt-2" else "No connection found with this id"]
            for i in params["ids"]])
    if "killConnection" in query:
        return Reply(["connectionId", "username", "message"], [[params["id"], "neo4j", "Connection found"]])
    return Reply(failure=("Neo.ClientError.Statement.SyntaxError", "unexpected %s" % query))


def test_list_and_kill_connections():
    with StubServer(admin) as server, driver_for(server) as d:
        conns = d.list_connections()
        assert [c.connection_id for c in conns] == ["bolt-1", "bolt-2"]
        assert conns[0].username == "neo4j" and conns[1].username is None
        assert conns[0].user_agent == "boltc/0.1" and conns[1].client_address == "127.0.0.1:5001"
        assert isinstance(conns[0], boltc.ConnectionInfo)
        one = d.kill_connection("bolt-2")
        assert one == boltc.KillResult("bolt-2", "neo4j", "Connection found", True)
        many = d.kill_connections(["bolt-9", "bolt-2"])
        assert [(k.connection_id, k.found) for k in many] == [("bolt-9", False), ("bolt-2", True)]
    runs = [f for tag, f in server.messages if tag == RUN]
    assert runs[1][1] == {"id": "bolt-2"} and runs[2][1] == {"ids": ["bolt-9", "bolt-2"]}


def test_admin_helpers_without_the_procedure():
    def missing(query, params):
        return Reply(failure=("Neo.ClientError.Procedure.ProcedureNotFound",
                              "There is no procedure with the name `dbms.listConnections` registered"))

    with StubServer(missing) as server, driver_for(server) as d:
        with pytest.raises(ex.UnsupportedServerProduct) as e:
            d.list_connections()
        assert "dbms.listConnections" in str(e.value)
        with pytest.raises(ex.UnsupportedServerProduct):
            d.kill_connection("bolt-1")
        with pytest.raises(ex.UnsupportedServerProduct):
            d.kill_connections(["bolt-1"])


def test_admin_helpers_pass_other_errors_on():
    def forbidden(query, params):
        return Reply(failure=("Neo.ClientError.Security.Forbidden", "not allowed"))

    with StubServer(forbidden) as server, driver_for(server) as d:
        with pytest.raises(ex.Forbidden):
            d.list_connections()
