"""The official driver's options and documented behaviours: each works or is refused at the
call (nothing silently ignored). Against the stub Bolt server (stub.py)."""

import time

import pytest

import boltc
from boltc import Duration, GraphDatabase, Query
from boltc import exceptions as ex
from boltc.auth_management import AuthManager, AuthManagers

from stub import LOGON, Reply, StubServer

RUN = 0x10


def echo(query, params):
    keys = sorted(params)
    return Reply(keys, [[params[k] for k in keys]])


def driver_for(server, auth=("neo4j", "pass"), **config):
    config.setdefault("connection_timeout", 5)
    return GraphDatabase.driver(server.uri, auth=auth, **config)


def runs(server):
    return [f for tag, f in server.messages if tag == RUN]


# ---- options without a C API setting are refused, not ignored ---------------------------------

@pytest.mark.parametrize("key,value", [
    ("ssl_context", object()),
    ("warn_notification_severity", "WARNING"),
])
def test_unsupported_driver_options_are_refused(key, value):
    with pytest.raises(ex.ConfigurationError, match=key):
        GraphDatabase.driver("bolt://127.0.0.1:1", **{key: value})
    GraphDatabase.driver("bolt://127.0.0.1:1", **{key: None}).close()  # the default is fine


@pytest.mark.parametrize("auth,sent", [
    (boltc.kerberos_auth("dGlja2V0"), {"scheme": "kerberos", "principal": "", "credentials": "dGlja2V0"}),
    (boltc.custom_auth("user", "secret", None, "my-scheme"),
     {"scheme": "my-scheme", "principal": "user", "credentials": "secret"}),
    (boltc.basic_auth("user", "secret", realm="native"),
     {"scheme": "basic", "principal": "user", "credentials": "secret", "realm": "native"}),
    (boltc.custom_auth("user", "secret", None, "basic", extra=1),
     {"scheme": "basic", "principal": "user", "credentials": "secret", "parameters": {"extra": 1}}),
    (("user", "secret"), {"scheme": "basic", "principal": "user", "credentials": "secret"}),
])
def test_auth_tokens_are_sent_as_given(auth, sent):
    with StubServer(echo) as server, driver_for(server, auth=auth) as d:
        d.verify_connectivity()
    assert [f[0] for tag, f in server.messages if tag == LOGON] == [sent]


def test_client_certificate_is_loaded_or_refused_at_driver_creation(tmp_path):
    from boltc.auth_management import ClientCertificate
    missing = str(tmp_path / "missing.pem")
    # The files are read when the driver is made: a missing one fails there, naming it.
    with pytest.raises(ex.ConfigurationError, match="missing.pem"):
        GraphDatabase.driver("bolt+ssc://127.0.0.1:1", client_certificate=ClientCertificate(missing))
    with pytest.raises(ex.ConfigurationError, match="missing.pem") as e:
        GraphDatabase.driver("bolt+ssc://127.0.0.1:1",
                             client_certificate=ClientCertificate(missing, missing, password="s3cr3t-kp"))
    assert "s3cr3t-kp" not in str(e.value)
    with pytest.raises(ex.ConfigurationError, match="str or bytes"):
        GraphDatabase.driver("bolt+ssc://127.0.0.1:1",
                             client_certificate=ClientCertificate(missing, missing, password=42))
    with pytest.raises(ex.ConfigurationError, match="ClientCertificateProvider"):
        GraphDatabase.driver("bolt+ssc://127.0.0.1:1", client_certificate=("cert.pem", "key.pem"))


def test_client_certificate_provider_is_asked_before_each_new_connection():
    """A provider's get_certificate runs before the connection is opened: its exception, or a
    file it names that is missing, fails the connection with ConfigurationError; returning
    None on the first call too (there is no certificate to use)."""
    from boltc.auth_management import ClientCertificate, ClientCertificateProvider

    class Provider(ClientCertificateProvider):
        def __init__(self, answers):
            self.answers, self.calls = list(answers), 0

        def get_certificate(self):
            self.calls += 1
            a = self.answers.pop(0)
            if isinstance(a, Exception):
                raise a
            return a

    cases = [(RuntimeError("vault sealed"), "vault sealed"),
             (ClientCertificate("/nonexistent/c.pem"), "/nonexistent/c.pem"),
             (None, "first call")]
    for answer, says in cases:
        p = Provider([answer])
        with GraphDatabase.driver("bolt+ssc://127.0.0.1:1", client_certificate=p, connection_timeout=2) as d:
            with pytest.raises(ex.ConfigurationError, match=says):
                d.verify_connectivity()
        assert p.calls == 1


def test_encrypted_client_key_is_decrypted_with_its_password(tmp_path):
    """An encrypted PKCS#8 key (as openssl writes it) is read with its password (str, bytes or
    a callable); a wrong or missing one fails when the driver is made, without echoing it."""
    import subprocess
    from boltc.auth_management import ClientCertificate
    cert, plain, key = (str(tmp_path / n) for n in ("c.pem", "k.pem", "k.enc.pem"))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=client", "-keyout", plain, "-out", cert],
                   check=True, capture_output=True)
    subprocess.run(["openssl", "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-passout", "pass:k-pass-1",
                    "-in", plain, "-out", key], check=True, capture_output=True)
    assert open(key).read().startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    legacy = str(tmp_path / "k.legacy.pem")  # the OpenSSL 1.x format Python's ssl reads too
    subprocess.run(["openssl", "rsa", "-in", plain, "-des3", "-traditional", "-passout", "pass:k-pass-1",
                    "-out", legacy], check=True, capture_output=True)
    assert "Proc-Type: 4,ENCRYPTED" in open(legacy).read()
    for k in (key, legacy):
        for password in ("k-pass-1", b"k-pass-1", lambda: "k-pass-1"):
            GraphDatabase.driver("bolt+ssc://127.0.0.1:1",
                                 client_certificate=ClientCertificate(cert, k, password)).close()
        for password, says in (("wrong-kp-9", "cannot decrypt"), (None, "no key password")):
            with pytest.raises(ex.ConfigurationError, match=says) as e:
                GraphDatabase.driver("bolt+ssc://127.0.0.1:1",
                                     client_certificate=ClientCertificate(cert, k, password))
            assert "wrong-kp-9" not in str(e.value)


def test_auth_managers():
    # Providers and custom managers work (tests/test_callbacks.py has the details).
    class Custom(AuthManager):
        def get_auth(self):
            return boltc.basic_auth("u", "p")

    with StubServer(echo) as server:
        for manager in (Custom(), AuthManagers.basic(lambda: ("u", "p"))):
            with driver_for(server, auth=manager) as d:
                d.verify_connectivity()
        assert [f[0]["principal"] for tag, f in server.messages if tag == LOGON] == ["u", "u"]
    with pytest.raises(TypeError):
        AuthManagers.bearer(None)
    with StubServer(echo) as server:
        with driver_for(server, auth=AuthManagers.static(("neo4j", "pass"))) as d:
            d.verify_connectivity()
        with StubServer(echo, auth_failure=True) as bad, \
                driver_for(bad, auth=AuthManagers.static(("neo4j", "wrong"))) as d:
            with pytest.raises(ex.AuthError):
                d.verify_connectivity()


def test_session_auth_switches_the_user_for_that_work_only():
    other = {"scheme": "basic", "principal": "other", "credentials": "pw"}
    with StubServer(echo) as server, driver_for(server) as d:
        assert d.supports_session_auth() is True
        with d.session(auth=("other", "pw")) as s:
            s.run("RETURN $x AS x", x=1).consume()
        logons = [f[0] for tag, f in server.messages if tag == LOGON]
        assert logons[-1] == other
        # The next session without auth goes back to the driver's user.
        with d.session() as s:
            s.run("RETURN 1").consume()
        assert [f[0] for tag, f in server.messages if tag == LOGON][-1]["principal"] == "neo4j"
        d.execute_query("RETURN 1", auth_=("other", "pw"))
        assert [f[0] for tag, f in server.messages if tag == LOGON][-1] == other
        assert d.verify_authentication(("other", "pw")) is True
        assert [f[0] for tag, f in server.messages if tag == LOGON][-1] == other
        with pytest.raises(ex.ConfigurationError, match="Unexpected config key"):
            d.session(no_such_option=1)
        with pytest.raises(ex.ConfigurationError, match="driver only"):
            d.session(max_transaction_retry_time=1)
        with pytest.raises(ex.ConfigurationError):
            d.verify_connectivity(database="x")
        with pytest.raises(ex.AuthConfigurationError):
            d.session(auth=42)


def test_verify_authentication_reports_a_rejection_as_false():
    with StubServer(echo, auth_failure=True) as server, driver_for(server) as d:
        assert d.verify_authentication(("other", "pw")) is False


def test_verify_authentication_reports_the_drivers_credentials():
    with StubServer(echo) as server, driver_for(server) as d:
        assert d.verify_authentication() is True
    with StubServer(echo, auth_failure=True) as server, driver_for(server) as d:
        assert d.verify_authentication() is False


def test_encrypted_reflects_the_configuration():
    assert GraphDatabase.driver("bolt://127.0.0.1:1").encrypted is False
    assert GraphDatabase.driver("bolt+s://127.0.0.1:1").encrypted is True
    assert GraphDatabase.driver("neo4j+ssc://127.0.0.1:1").encrypted is True
    assert GraphDatabase.driver("bolt://127.0.0.1:1", encrypted=True).encrypted is True


def test_supports_multi_db_asks_the_server():
    with StubServer(echo) as server, driver_for(server) as d:
        assert d.supports_multi_db() is True  # the stub speaks Bolt 5
    d = GraphDatabase.driver("bolt://127.0.0.1:1", connection_timeout=1)
    with pytest.raises(ex.ServiceUnavailable):
        d.supports_multi_db()  # does not claim anything without a server


def test_retry_backoff_options_are_honoured():
    calls = []

    def handler(q, p):
        calls.append(time.monotonic())
        if len(calls) < 3:
            return Reply(failure=("Neo.TransientError.Transaction.DeadlockDetected", "again"))
        return Reply(["x"], [[1]])

    with StubServer(handler) as server, driver_for(
            server, initial_retry_delay=0.05, retry_delay_multiplier=4, retry_delay_jitter_factor=0) as d:
        with d.session() as s:
            t = time.monotonic()
            s.execute_write(lambda tx: tx.run("RETURN 1").consume())
            elapsed = time.monotonic() - t
    assert len(calls) == 3
    assert 0.25 <= elapsed < 0.9  # 0.05 + 0.2 s, not the 1 + 2 s defaults
    with pytest.raises(ex.ConfigurationError):
        GraphDatabase.driver("bolt://127.0.0.1:1", retry_delay_multiplier=0.5)


# ---- queries and values are checked before anything is sent ---------------------------------

def test_queries_checked_before_sending():
    with StubServer(echo) as server, driver_for(server) as d, d.session() as s:
        with pytest.raises(ValueError):
            s.run("")
        with pytest.raises(TypeError):
            s.run(42)
        with s.begin_transaction() as tx:
            with pytest.raises(TypeError):
                tx.run(Query("RETURN 1"))
        with pytest.raises(OverflowError):
            s.run("RETURN $x", x=2**63)
        with pytest.raises(OverflowError):
            s.run("RETURN $x", x=[-(2**63) - 1])
        with pytest.raises(ValueError):
            s.run("RETURN $x", x={1, 2})
        with pytest.raises(ValueError):
            s.run("RETURN $x", x=object())
        assert s.run("RETURN $x AS x", x=2**63 - 1).single()["x"] == 2**63 - 1
    assert len(runs(server)) == 1  # only the last query reached the server


# ---- Duration: the official constructor and arithmetic ---------------------------------------

def test_duration_official_constructor():
    assert tuple(Duration(days=2, hours=3)) == (0, 2, 3 * 3600, 0)
    assert tuple(Duration(years=1, months=2, weeks=1, days=1)) == (14, 8, 0, 0)
    assert tuple(Duration(minutes=1, seconds=2, milliseconds=3, microseconds=4, nanoseconds=5)) == (0, 0, 62, 3004005)
    assert tuple(Duration(hours=1.5)) == (0, 0, 5400, 0)
    assert tuple(Duration(seconds=-1, nanoseconds=1)) == (0, 0, 0, -999_999_999)
    assert tuple(Duration(nanoseconds=-1)) == (0, 0, 0, -1)
    assert tuple(Duration(seconds=-2, nanoseconds=999_999_999)) == (0, 0, -1, -1)
    d = Duration(months=14, days=3, seconds=7200, nanoseconds=5)
    assert (d.months, d.days, d.seconds, d.nanoseconds) == (14, 3, 7200, 5)
    assert d.years_months_days == (1, 2, 3)
    assert d.hours_minutes_seconds_nanoseconds == (2, 0, 0, 5)
    with pytest.raises(ValueError):
        Duration(months=2**63)


def test_duration_arithmetic():
    a = Duration(days=2, hours=3)
    b = Duration(months=1, seconds=1, nanoseconds=999_999_999)
    assert a + b == Duration(months=1, days=2, seconds=3 * 3600 + 1, nanoseconds=999_999_999)
    assert tuple(b + b) == (2, 0, 3, 999_999_998)  # nanoseconds carry into seconds
    assert isinstance(a + b, Duration) and len(a + b) == 4
    assert a - a == Duration() and not (a - a)
    assert tuple(-b) == (-1, 0, -1, -999_999_999)
    assert a * 2 == Duration(days=4, hours=6) == 2 * a
    assert Duration(days=4, seconds=3) // 2 == Duration(days=2, seconds=1, nanoseconds=500_000_000)
    import datetime as dt
    assert a + dt.timedelta(seconds=1) == Duration(days=2, hours=3, seconds=1)


# ---- result and transaction semantics ---------------------------------------------------------

def rows(n):
    return lambda q, p: Reply(["x"], [[i] for i in range(n)])


def test_single_on_several_records_warns_and_exhausts():
    with StubServer(rows(3)) as server, driver_for(server) as d, d.session() as s:
        r = s.run("UNWIND range(0, 2) AS x RETURN x")
        with pytest.warns(UserWarning):
            assert r.single()["x"] == 0
        assert list(r) == [] and not r.closed()  # open and empty, not consumed
        assert r.consume() is not None


def test_result_out_of_scope_after_its_transaction():
    with StubServer(rows(3)) as server, driver_for(server) as d, d.session() as s:
        tx = s.begin_transaction()
        r = tx.run("UNWIND range(0, 2) AS x RETURN x")
        r.peek()  # some records buffered
        tx.commit()
        with pytest.raises(ex.ResultConsumedError):
            r.consume()
        with pytest.raises(ex.ResultConsumedError):
            list(r)
        assert r.closed()


def test_failed_query_fails_the_transaction():
    def handler(q, p):
        if q == "FAIL":
            return Reply(failure=("Neo.ClientError.Statement.SyntaxError", "bad"))
        return Reply(["x"], [[1]])

    with StubServer(handler) as server, driver_for(server) as d, d.session() as s:
        tx = s.begin_transaction()
        with pytest.raises(ex.ClientError) as failure:
            tx.run("FAIL").consume()
        with pytest.raises(ex.TransactionError) as e:
            tx.run("RETURN 1")
        assert e.value.__cause__ is failure.value
        with pytest.raises(ex.TransactionError) as e:
            tx.commit()
        assert e.value.__cause__ is failure.value
        assert not tx.closed()
        tx.rollback()  # the usual "on error, roll back" works
        assert tx.closed()
        assert s.run("RETURN 1 AS x").single()["x"] == 1  # the session goes on


# ---- records, graph values, summaries ---------------------------------------------------------

def test_record_compares_and_fills_missing_keys():
    with StubServer(lambda q, p: Reply(["a", "b"], [[1, 2]])) as server, driver_for(server) as d:
        r = d.execute_query("RETURN 1 AS a, 2 AS b").records[0]
    assert r == [1, 2] and r == (1, 2) and r == {"a": 1, "b": 2}
    assert not (r != [1, 2]) and r != [2, 1] and r != {"a": 1}
    assert r == boltc.Record({"a": 1, "b": 2}) and r != boltc.Record({"b": 1, "a": 2})
    assert r.items("a", "nope") == [("a", 1), ("nope", None)]
    assert r.data("b", "nope") == {"b": 2, "nope": None}
    with pytest.raises(IndexError):
        r.data(5)


def test_record_indexing_by_position_name_and_slice():
    r = boltc.Record({"a": 1, "b": "x", "c": None})
    assert (r[0], r[1], r[2], r[-3], r[-1]) == (1, "x", None, 1, None)
    assert (r["a"], r["c"], r[True], r[False]) == (1, None, "x", 1)
    assert r[1:] == ["x", None] and r[1:].keys() == ["b", "c"]
    for bad in (3, -4):
        with pytest.raises(IndexError):
            r[bad]
    with pytest.raises(KeyError):
        r["nope"]
    empty = boltc.Record({})
    with pytest.raises(IndexError):  # the first-column fast path falls through to IndexError
        empty[0]
    one = boltc.Record({"z": [1]})
    assert one[0] is one["z"] and one[0] == [1]


def node(i, labels, props):
    from stub import Struct
    return Struct(0x4E, [i, labels, props, "n%d" % i])


def rel(i, s, e, typ, props):
    from stub import Struct
    return Struct(0x52, [i, s, e, typ, props, "r%d" % i, "n%d" % s, "n%d" % e])


def test_relationship_ends_are_the_nodes_of_the_result_and_graph():
    def handler(q, p):
        return Reply(["r", "a", "b"], [[rel(7, 1, 2, "KNOWS", {}), node(1, ["A"], {"x": 1}), node(2, ["B"], {})]])

    with StubServer(handler) as server, driver_for(server) as d, d.session() as s:
        result = s.run("MATCH (a)-[r]->(b) RETURN r, a, b")
        g = result.graph()
        rec = result.single()
        r = rec["r"]
        assert r.start_node.labels == {"A"} and r.start_node["x"] == 1  # node came after the relationship
        assert r.end_node.labels == {"B"}
        assert rec["a"]["missing"] is None
        assert len(g.nodes) == 2 and len(g.relationships) == 1
        assert g.nodes["n1"].labels == {"A"} and g.relationship_type("KNOWS") == [r]


@pytest.mark.parametrize("fields,rows,statuses", [
    (["x"], [[1]], ["00000"]),
    (["x"], [], ["02000"]),
    ([], [], ["00001"]),
])
def test_gql_status_objects_default_when_the_server_sends_none(fields, rows, statuses):
    with StubServer(lambda q, p: Reply(fields, rows)) as server, driver_for(server) as d, d.session() as s:
        summary = s.run("RETURN 1").consume()
    assert [o.gql_status for o in summary.gql_status_objects] == statuses
    assert not summary.gql_status_objects[0].is_notification


# ---- a protocol violation is not retried -----------------------------------------------------

def test_protocol_violation_is_not_retried():
    import struct
    from stub import Struct, pack
    body = pack(Struct(0x71, [[1]])) + b"\x00"  # a RECORD with a stray byte after the value
    stray = struct.pack(">H", len(body)) + body + b"\x00\x00"
    calls = []

    def handler(q, p):
        calls.append(q)
        return Reply(["x"], [], raw=stray)

    with StubServer(handler) as server, driver_for(server, max_transaction_retry_time=30) as d:
        t = time.monotonic()
        with pytest.raises(ex.BoltProtocolError) as e:
            d.execute_query("RETURN 1 AS x")
        assert time.monotonic() - t < 5
    assert len(calls) == 1 and not e.value.is_retryable()
    assert isinstance(e.value, ex.ServiceUnavailable) and e.value.status == "BOLTC_STATUS_PROTOCOL"


# ---- options refused clearly, with what to do instead ----------------------------------------

def test_legacy_trust_option_takes_its_two_values_only():
    GraphDatabase.driver("bolt://127.0.0.1:1", trust=boltc.TRUST_ALL_CERTIFICATES).close()
    GraphDatabase.driver("bolt://127.0.0.1:1", trust=boltc.TRUST_SYSTEM_CA_SIGNED_CERTIFICATES).close()
    with pytest.raises(ex.ConfigurationError, match="trust must be"):
        GraphDatabase.driver("bolt://127.0.0.1:1", trust="TRUST_CUSTOM_CA_SIGNED_CERTIFICATES")


@pytest.mark.parametrize("key,value", [("database", "x"), ("impersonated_user", "u"),
                                       ("default_access_mode", "READ"), ("bookmarks", [])])
def test_session_options_as_driver_defaults_are_refused_naming_session(key, value):
    """The official driver takes these as defaults for its sessions; boltc refuses them at the
    driver (never a default silently dropped) and says where they go."""
    with pytest.raises(ex.ConfigurationError, match="per session"):
        GraphDatabase.driver("bolt://127.0.0.1:1", **{key: value})


@pytest.mark.parametrize("key", ["initial_retry_delay", "retry_delay_multiplier",
                                 "retry_delay_jitter_factor", "max_transaction_retry_time"])
def test_retry_options_per_session_are_refused_naming_the_driver(key):
    d = GraphDatabase.driver("bolt://127.0.0.1:1")
    with pytest.raises(ex.ConfigurationError, match="driver only"):
        d.session(**{key: 1})
    d.close()


def test_to_df_imports_pandas_when_called(monkeypatch):
    """to_df builds a pandas DataFrame of the remaining records, one column per key; pandas is
    imported by the call only (a stand-in module here: the venv has no pandas)."""
    import sys
    import types
    made = []

    class DataFrame:
        def __init__(self, data, columns):
            made.append((data, columns))

    with StubServer(lambda q, p: Reply(["a", "b"], [[1, "x"], [2, "y"]])) as server, \
            driver_for(server) as d, d.session() as s:
        monkeypatch.setitem(sys.modules, "pandas", None)  # not installed: ImportError at the call
        r = s.run("RETURN 1")
        with pytest.raises(ImportError):
            r.to_df()
        monkeypatch.setitem(sys.modules, "pandas", types.SimpleNamespace(DataFrame=DataFrame))
        assert isinstance(r.to_df(), DataFrame)
        assert made == [([[1, "x"], [2, "y"]], ["a", "b"])]
        with pytest.raises(NotImplementedError):
            s.run("RETURN 1").to_df(expand=True)
        with pytest.raises(NotImplementedError):
            s.run("RETURN 1").to_df(parse_dates=True)


try:
    import neo4j
except ImportError:  # the official half is skipped without the package
    neo4j = None
BOTH = [boltc] + ([neo4j] if neo4j is not None else [])
BEGIN = 0x11


@pytest.mark.parametrize("pkg", BOTH, ids=[p.__name__ for p in BOTH])
def test_execute_query_takes_a_query_and_checks_its_options(pkg):
    """Under both packages: a Query's metadata and timeout go with BEGIN; a keyword ending in a
    single '_' (a misspelt option) and an unknown routing_ raise ValueError before anything is
    sent, rather than becoming a parameter or a write."""
    with StubServer(echo) as server, pkg.GraphDatabase.driver(
            server.uri, auth=("neo4j", "pass"), connection_timeout=5) as d:
        q = pkg.Query("RETURN $x AS x", metadata={"app": "t"}, timeout=2.5)
        assert d.execute_query(q, x=1).records[0]["x"] == 1
        begin = [f[0] for tag, f in server.messages if tag == BEGIN][-1]
        assert begin["tx_metadata"] == {"app": "t"} and begin["tx_timeout"] == 2500
        sent = len(runs(server))
        with pytest.raises(ValueError):
            d.execute_query("RETURN $x AS x", databse_="neo4j", x=1)
        with pytest.raises(ValueError):
            d.execute_query("RETURN 1", routing_="READ")
        assert d.execute_query("RETURN $x__ AS x", x__=1, routing_="r").records[0]["x__"] == 1
        assert len(runs(server)) == sent + 1


def test_documented_differences_hold():
    """The README's 'Differences' list, where the stub can show it: record indexing as a tuple,
    keys() a tuple, Query('') refused, an unknown structure as boltc.Structure, fetch_size=0
    refused."""
    from stub import Struct
    with StubServer(lambda q, p: Reply(["a", "b"], [[1, Struct(0x7A, [5, "x"])]])) as server, \
            driver_for(server) as d, d.session() as s:
        r = s.run("RETURN 1")
        assert r.keys() == ("a", "b")
        rec = r.single()
        assert rec[-2] == 1
        with pytest.raises(IndexError):
            rec[2]
        assert rec["b"] == boltc.Structure(0x7A, [5, "x"])
        with pytest.raises(ValueError):
            s.run(Query(""))
    with pytest.raises(ex.ConfigurationError):
        GraphDatabase.driver("bolt://127.0.0.1:1", fetch_size=0)
