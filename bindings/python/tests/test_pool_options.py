"""The pool options ``max_connection_lifetime`` and ``liveness_check_timeout`` reach the driver."""

from stub import RESET, Reply, StubServer

from boltc import GraphDatabase


def _one(query, params):
    return Reply(["x"], [[1]])


def _run_twice(**config):
    with StubServer(_one) as server:
        with GraphDatabase.driver(server.uri, auth=("neo4j", "pass"), connection_timeout=5, **config) as d:
            for _ in range(2):
                with d.session() as s:
                    assert s.run("RETURN 1 AS x").single()["x"] == 1
        resets = sum(1 for tag, _ in server.messages if tag == RESET)
        return len(server._conns), resets


def test_a_zero_max_lifetime_opens_a_connection_per_use():
    assert _run_twice()[0] == 1
    assert _run_twice(max_connection_lifetime=0)[0] == 2
    assert _run_twice(max_connection_lifetime=None)[0] == 1


def test_a_zero_liveness_timeout_checks_every_reuse_with_reset():
    _, baseline = _run_twice()
    conns, resets = _run_twice(liveness_check_timeout=0)
    assert conns == 1
    assert resets == baseline + 1


def test_pool_metrics_per_address():
    with StubServer(_one) as server:
        with GraphDatabase.driver(server.uri, auth=("neo4j", "pass"), connection_timeout=5) as d:
            address = "127.0.0.1:%d" % server.port
            assert d.pool_metrics(address) == dict(in_use=0, idle=0, waiting=0, created=0, closed=0)
            with d.session() as s:
                result = s.run("RETURN 1 AS x")
                assert d.pool_metrics(address)["in_use"] == 1
                assert result.single()["x"] == 1
            assert d.pool_metrics(address) == dict(in_use=0, idle=1, waiting=0, created=1, closed=0)
            assert d.pool_metrics("127.0.0.1:1")["created"] == 0


def test_a_forked_child_does_not_share_the_parents_connections():
    import os

    with StubServer(_one) as server:
        with GraphDatabase.driver(server.uri, auth=("neo4j", "pass"), connection_timeout=5) as d:
            with d.session() as s:
                assert s.run("RETURN 1 AS x").single()["x"] == 1
            pid = os.fork()
            if pid == 0:  # the child: must open its own connection, then leave at once
                code = 1
                try:
                    with d.session() as s:
                        code = 0 if s.run("RETURN 1 AS x").single()["x"] == 1 else 2
                finally:
                    os._exit(code)
            _, status = os.waitpid(pid, 0)
            assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
            assert len(server._conns) == 2  # the child connected itself
            with d.session() as s:  # the parent's pooled connection still works
                assert s.run("RETURN 1 AS x").single()["x"] == 1
            assert len(server._conns) == 2
