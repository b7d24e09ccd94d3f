"""boltc: a fast synchronous Bolt (Neo4j) driver over the boltc C library.

The API mirrors the core of the official ``neo4j`` driver's sync API, so code ports by
changing the import::

    from boltc import GraphDatabase

    with GraphDatabase.driver("bolt://localhost:7687", auth=("neo4j", "secret")) as driver:
        records, summary, keys = driver.execute_query("RETURN $x AS x", {"x": 1})
        with driver.session(database="neo4j") as session:
            for record in session.run("UNWIND range(1, 3) AS i RETURN i"):
                print(record["i"])

The shared library is found at ``$BOLTC_LIBRARY``, in this package's directory, or in a cargo
``target/release`` / ``target/debug`` directory above this file or the working directory.
Library log lines go to ``logging.getLogger("boltc")`` (INFO and above by default;
``boltc.enable_logging(logging.DEBUG)`` or ``5`` for every Bolt message).
"""

from __future__ import annotations

import atexit as _atexit
import logging as _stdlogging

from . import exceptions, graph, spatial, time
from ._bookmarks import BookmarkManager, Neo4jBookmarkManager
from ._codec import Structure, Unsupported
from ._driver import (
    TRUST_ALL_CERTIFICATES,
    TRUST_SYSTEM_CA_SIGNED_CERTIFICATES,
    Auth,
    AuthManager,
    AuthManagers,
    AuthToken,
    BoltDriver,
    ConnectionInfo,
    Driver,
    GraphDatabase,
    KillResult,
    Neo4jDriver,
    NotificationDisabledCategory,
    NotificationDisabledClassification,
    NotificationMinimumSeverity,
    RoutingControl,
    TrustAll,
    TrustCustomCAs,
    TrustMozillaBundledCAs,
    TrustSystemCAs,
    basic_auth,
    bearer_auth,
    custom_auth,
    kerberos_auth,
)
from ._ffi import lib as _lib
from ._logging import disable_logging, enable_logging
from ._record import Record
from ._work import (
    READ_ACCESS,
    WRITE_ACCESS,
    Address,
    Bookmarks,
    EagerResult,
    ManagedTransaction,
    Query,
    Result,
    ResultSummary,
    ServerInfo,
    Session,
    SummaryCounters,
    Transaction,
    unit_of_work,
)
from .graph import Node, Path, Relationship
from .spatial import CartesianPoint, Point, WGS84Point
from .time import Duration

__version__ = (_lib.boltc_version() or b"").decode()

__all__ = [
    "Address",
    "Auth",
    "AuthManager",
    "AuthManagers",
    "AuthToken",
    "BoltDriver",
    "BookmarkManager",
    "Bookmarks",
    "CartesianPoint",
    "ConnectionInfo",
    "Driver",
    "Duration",
    "EagerResult",
    "GraphDatabase",
    "KillResult",
    "ManagedTransaction",
    "Neo4jBookmarkManager",
    "Neo4jDriver",
    "Node",
    "NotificationDisabledCategory",
    "NotificationDisabledClassification",
    "NotificationMinimumSeverity",
    "Path",
    "Point",
    "Query",
    "READ_ACCESS",
    "Record",
    "Relationship",
    "Result",
    "ResultSummary",
    "RoutingControl",
    "ServerInfo",
    "Session",
    "Structure",
    "SummaryCounters",
    "TRUST_ALL_CERTIFICATES",
    "TRUST_SYSTEM_CA_SIGNED_CERTIFICATES",
    "Transaction",
    "TrustAll",
    "TrustCustomCAs",
    "TrustMozillaBundledCAs",
    "TrustSystemCAs",
    "Unsupported",
    "WGS84Point",
    "WRITE_ACCESS",
    "basic_auth",
    "bearer_auth",
    "custom_auth",
    "kerberos_auth",
    "disable_logging",
    "enable_logging",
    "exceptions",
    "graph",
    "spatial",
    "time",
    "unit_of_work",
]

try:
    enable_logging(_stdlogging.INFO)
except exceptions.DriverError:  # another Rust logger owns the process
    pass
else:
    _atexit.register(disable_logging)
