"""Auth managers (custom, basic, bearer) and the resolver against the stub server (stub.py).

The cases marked ``both`` run the same code under boltc and under the official ``neo4j``
package (when installed) and assert the same observable outcome: what the managers and the
resolver were asked and the query results. The boltc-only cases cover where boltc differs on
purpose (an exception in a callback becomes a typed driver error; a resolver needs neo4j://).
"""

from __future__ import annotations

import threading
import time

import pytest

import boltc
import boltc.auth_management
from boltc import exceptions as ex

from stub import LOGON, Reply, StubServer

try:
    import neo4j
    import neo4j.auth_management
except ImportError:  # the compatibility half is skipped without the official package
    neo4j = None

PACKAGES = [boltc] + ([neo4j] if neo4j is not None else [])
both = pytest.mark.parametrize("pkg", PACKAGES, ids=[p.__name__ for p in PACKAGES])

UNAUTHORIZED = ("Neo.ClientError.Security.Unauthorized", "bad credentials")
TOKEN_EXPIRED = ("Neo.ClientError.Security.TokenExpired", "token expired")


def one(query, params):
    return Reply(["n"], [[1]])


def reject(principals=(), tokens=(), expired=()):
    """A LOGON rule: Unauthorized for the given users and bearer tokens, TokenExpired for the
    ``expired`` bearer tokens."""
    def rule(token):
        if token.get("principal") in principals or token.get("credentials") in tokens:
            return UNAUTHORIZED
        if token.get("credentials") in expired:
            return TOKEN_EXPIRED
        return None
    return rule


def logons(server):
    return [(f[0].get("scheme"), f[0].get("principal") or f[0].get("credentials"))
            for tag, f in server.messages if tag == LOGON]


def driver(pkg, uri, auth, **config):
    return pkg.GraphDatabase.driver(uri, auth=auth, connection_timeout=5, max_transaction_retry_time=5, **config)


def query(d):
    return d.execute_query("RETURN 1 AS n").records[0]["n"]


def make_rotating_manager(pkg):
    """A custom manager (the official shape) that moves to fresh credentials when told that
    the server rejected the current ones."""

    class Rotating(pkg.auth_management.AuthManager):
        def __init__(self):
            self.current = ("u1", "pw1")
            self.get_calls = 0
            self.rejected = []
            self.lock = threading.Lock()

        def get_auth(self):
            with self.lock:
                self.get_calls += 1
                return self.current

        def handle_security_exception(self, auth, error):
            with self.lock:
                self.rejected.append((tuple(auth) if isinstance(auth, (tuple, list)) else auth, error.code))
                self.current = ("u3", "pw3")
            return True

    return Rotating()


@both
def test_a_custom_manager_is_asked_and_told_of_rejections(pkg):
    with StubServer(one, auth_failure=reject(principals=("u2",))) as server:
        m = make_rotating_manager(pkg)
        with driver(pkg, server.uri, m) as d:
            assert query(d) == 1
            assert m.get_calls >= 1
            before = m.get_calls
            assert query(d) == 1
            assert m.get_calls > before  # asked again for the pooled connection
            m.current = ("u2", "pw2")
            # Rejected: handled (fresh credentials), so execute_query retries and succeeds.
            assert query(d) == 1
        assert m.rejected == [(("u2", "pw2"), UNAUTHORIZED[0])]
        seen = logons(server)
        assert seen[0] == ("basic", "u1")
        assert ("basic", "u2") in seen and seen[-1] == ("basic", "u3")


@both
def test_the_basic_manager_asks_its_provider_once_and_again_after_unauthorized(pkg):
    calls = []
    fail_next = []

    def provider():
        calls.append(1)
        return ("u1", "pw1") if len(calls) == 1 else ("u3", "pw3")

    def handler(query, params):
        if fail_next:  # the password changed on the server: the next query is refused
            fail_next.clear()
            return Reply(failure=UNAUTHORIZED)
        return one(query, params)

    with StubServer(handler, auth_failure=reject(principals=("u2",))) as server:
        m = pkg.auth_management.AuthManagers.basic(provider)
        assert isinstance(m, pkg.auth_management.AuthManager)
        with driver(pkg, server.uri, m) as d:
            assert query(d) == 1
            assert query(d) == 1
            assert len(calls) == 1
            fail_next.append(1)
            # Unauthorized is handled (the provider is asked again); the retry logs on as u3.
            assert query(d) == 1
        assert len(calls) == 2
        assert logons(server)[0] == ("basic", "u1")
        assert logons(server)[-1] == ("basic", "u3")


@both
def test_the_bearer_manager_caches_until_expiry_and_handles_token_expired(pkg):
    am = pkg.auth_management
    tokens = iter(["t1", "t2", "t3"])
    calls = []

    def provider():
        calls.append(1)
        t = next(tokens)
        auth = pkg.bearer_auth(t)
        return am.ExpiringAuth(auth, time.time() + 0.4) if t == "t1" else am.ExpiringAuth(auth)

    with StubServer(one, auth_failure=reject(expired=("t2",))) as server:
        with driver(pkg, server.uri, am.AuthManagers.bearer(provider)) as d:
            assert query(d) == 1
            assert query(d) == 1
            assert len(calls) == 1  # cached
            time.sleep(0.6)
            # t1 expired: t2 is asked for, the server says TokenExpired, t3 succeeds.
            assert query(d) == 1
        assert len(calls) == 3
        assert [c for _, c in logons(server)][0] == "t1"
        assert [c for _, c in logons(server)][-1] == "t3"


@both
def test_the_resolver_maps_an_unknown_name_to_the_router(pkg):
    asked = []
    with StubServer(one) as server:
        me = "127.0.0.1:%d" % server.port
        server.routing = {"ttl": 300, "db": "neo4j", "servers": [
            {"addresses": [me], "role": "ROUTE"},
            {"addresses": [me], "role": "READ"},
            {"addresses": [me], "role": "WRITE"}]}

        def resolver(address):
            asked.append((address.host, address.port))
            return [("127.0.0.1", server.port)]

        with driver(pkg, "neo4j://cluster.invalid:9999", ("u", "p"), resolver=resolver) as d:
            assert query(d) == 1
    # The official driver reuses the router's connection for the writer (same address), boltc
    # passes the table's member through the resolver too: both ask for the seed first.
    assert asked[0] == ("cluster.invalid", 9999)
    assert set(asked) <= {("cluster.invalid", 9999), ("127.0.0.1", server.port)}


@both
def test_the_resolver_resolves_the_members_of_the_routing_table_too(pkg):
    """A routing table naming its servers by names only the resolver knows: the members go
    through the resolver as the seed does (official behaviour), so the query reaches them."""
    asked = []
    with StubServer(one) as server:
        server.routing = {"ttl": 300, "db": "neo4j", "servers": [
            {"addresses": ["router.invalid:7001"], "role": "ROUTE"},
            {"addresses": ["reader.invalid:7002"], "role": "READ"},
            {"addresses": ["writer.invalid:7003"], "role": "WRITE"}]}

        def resolver(address):
            asked.append((address.host, address.port))
            return [("127.0.0.1", server.port)]

        with driver(pkg, "neo4j://cluster.invalid:9999", ("u", "p"), resolver=resolver) as d:
            assert query(d) == 1
            assert d.execute_query("RETURN 1 AS n", routing_="r").records[0]["n"] == 1
    assert asked[0] == ("cluster.invalid", 9999)
    assert {("writer.invalid", 7003), ("reader.invalid", 7002)} <= set(asked)


# ---- boltc only ----------------------------------------------------------------------------

def test_an_exception_in_get_auth_is_a_typed_error_naming_it():
    class Broken(boltc.auth_management.AuthManager):
        def get_auth(self):
            raise RuntimeError("vault is down")

        def handle_security_exception(self, auth, error):
            return False

    with StubServer(one) as server, driver(boltc, server.uri, Broken()) as d:
        with pytest.raises(ex.AuthError, match="RuntimeError: vault is down"):
            with d.session() as s:
                s.run("RETURN 1").consume()
        assert all(tag != LOGON for tag, _ in server.messages)
        # The same when the manager is asked for a router's connection (neo4j://).
        with driver(boltc, "neo4j://cluster.invalid:9999", Broken(),
                    resolver=lambda a: [("127.0.0.1", server.port)]) as routed:
            with pytest.raises(ex.AuthError, match="RuntimeError: vault is down"):
                routed.execute_query("RETURN 1 AS n")


def test_an_exception_in_handle_security_exception_means_not_handled():
    class Manager(boltc.auth_management.AuthManager):
        def get_auth(self):
            return ("u2", "pw2")

        def handle_security_exception(self, auth, error):
            raise ValueError("oops")

    with StubServer(one, auth_failure=reject(principals=("u2",))) as server, \
            driver(boltc, server.uri, Manager()) as d:
        with pytest.raises(ex.AuthError) as info:
            with d.session() as s:
                s.run("RETURN 1").consume()
        assert not info.value.is_retryable()


def test_a_bearer_provider_returning_the_wrong_type_is_a_typed_error():
    m = boltc.auth_management.AuthManagers.bearer(lambda: boltc.bearer_auth("t"))
    with StubServer(one) as server, driver(boltc, server.uri, m) as d:
        with pytest.raises(ex.AuthError, match="ExpiringAuth"):
            with d.session() as s:
                s.run("RETURN 1").consume()


def test_a_failing_resolver_is_service_unavailable():
    def resolver(address):
        raise OSError("no resolver today")

    with driver(boltc, "neo4j://cluster.invalid:9999", ("u", "p"), resolver=resolver,
                connection_acquisition_timeout=2) as d:
        with pytest.raises(ex.ServiceUnavailable):
            d.verify_connectivity()


def test_a_resolver_with_a_direct_uri_is_refused():
    with pytest.raises(ex.ConfigurationError, match="neo4j://"):
        boltc.GraphDatabase.driver("bolt://localhost:7687", resolver=lambda a: [a])
    with pytest.raises(ex.ConfigurationError, match="callable"):
        boltc.GraphDatabase.driver("neo4j://localhost:7687", resolver=42)


def test_session_auth_takes_a_token_not_a_manager():
    with StubServer(one) as server, driver(boltc, server.uri, ("u", "p")) as d:
        with pytest.raises(ex.ConfigurationError, match="AuthManager"):
            d.session(auth=boltc.auth_management.AuthManagers.basic(lambda: ("u", "p")))


def test_registrations_are_released_with_the_driver():
    from boltc import _callbacks

    before = len(_callbacks._LIVE)
    with StubServer(one) as server:
        d = driver(boltc, server.uri, make_rotating_manager(boltc))
        assert len(_callbacks._LIVE) == before + 1
        assert query(d) == 1
        d.close()
        del d
    import gc

    gc.collect()
    assert len(_callbacks._LIVE) == before
