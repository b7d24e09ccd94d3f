"""Read/write timeouts and keep-alive reach the driver; zero timeouts are refused."""

import time

import pytest
from stub import Reply, StubServer

from boltc import GraphDatabase, exceptions


def _slow(query, params):
    time.sleep(3)
    return Reply(["x"], [[1]])


def test_a_stalled_server_times_out_after_read_timeout():
    with StubServer(_slow) as server:
        with GraphDatabase.driver(
            server.uri, auth=("neo4j", "pass"), connection_timeout=5, read_timeout=0.3,
            write_timeout=0.3, keep_alive=False,
        ) as d:
            start = time.monotonic()
            with pytest.raises(exceptions.ServiceUnavailable) as info:
                with d.session() as s:
                    s.run("RETURN 1 AS x").single()
            assert time.monotonic() - start < 2.5
            assert getattr(info.value, "status", None) == "BOLTC_STATUS_TIMEOUT"


@pytest.mark.parametrize("key", ["read_timeout", "connection_read_timeout", "write_timeout",
                                 "connection_write_timeout"])
def test_zero_timeouts_are_refused_and_none_means_no_bound(key):
    with pytest.raises(exceptions.ConfigurationError):
        GraphDatabase.driver("bolt://127.0.0.1:1", **{key: 0})
    GraphDatabase.driver("bolt://127.0.0.1:1", **{key: None}).close()
