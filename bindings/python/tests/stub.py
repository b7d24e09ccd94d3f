"""A tiny scripted Bolt server for the failure cases FalkorDB cannot produce.

``StubServer(handler)`` listens on a free loopback port and answers each connection in a
thread: the handshake (it accepts the client's first proposal), HELLO/LOGON, BEGIN/COMMIT/
ROLLBACK/RESET, and RUN + PULL/DISCARD through ``handler(query, params)``, which returns a
``Reply``: ``Reply(fields, rows, meta)`` or ``Reply(failure=(code, message))``. Values the client
sends come back as ``Struct`` objects when they are structures, so a handler can echo them.
"""

from __future__ import annotations

import socket
import struct
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, List, Optional, Tuple


@dataclass
class Struct:
    tag: int
    fields: List[Any]


@dataclass
class Reply:
    fields: List[str] = field(default_factory=list)
    rows: List[List[Any]] = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    failure: Optional[Tuple[str, str]] = None
    close: bool = False  # drop the connection instead of answering
    raw: bytes = b""  # pre-encoded RECORD messages sent as they are (benchmarks)


# ---- PackStream --------------------------------------------------------------------------

def pack(v: Any) -> bytes:
    if v is None:
        return b"\xc0"
    if v is True:
        return b"\xc3"
    if v is False:
        return b"\xc2"
    if isinstance(v, int):
        if -16 <= v < 128:
            return struct.pack(">b", v)
        return b"\xcb" + struct.pack(">q", v)
    if isinstance(v, float):
        return b"\xc1" + struct.pack(">d", v)
    if isinstance(v, str):
        b = v.encode()
        return _size(len(b), 0x80, 0xD0) + b
    if isinstance(v, (bytes, bytearray)):
        return b"\xcc" + bytes([len(v)]) + bytes(v) if len(v) < 256 else b"\xcd" + struct.pack(">H", len(v)) + bytes(v)
    if isinstance(v, list):
        return _size(len(v), 0x90, 0xD4) + b"".join(pack(x) for x in v)
    if isinstance(v, dict):
        return _size(len(v), 0xA0, 0xD8) + b"".join(pack(k) + pack(x) for k, x in v.items())
    if isinstance(v, Struct):
        return bytes([0xB0 + len(v.fields), v.tag]) + b"".join(pack(x) for x in v.fields)
    raise TypeError(type(v))


def _size(n: int, tiny: int, base: int) -> bytes:
    if n < 16:
        return bytes([tiny + n])
    if n < 256:
        return bytes([base, n])
    if n < 65536:
        return bytes([base + 1]) + struct.pack(">H", n)
    return bytes([base + 2]) + struct.pack(">I", n)


def unpack(b: bytes, o: int = 0) -> Tuple[Any, int]:
    m = b[o]
    o += 1
    if m < 0x80:
        return m, o
    if m >= 0xF0:
        return m - 256, o
    hi = m & 0xF0
    if hi == 0x80:
        return b[o : o + (m & 0xF)].decode(), o + (m & 0xF)
    if hi == 0x90:
        return _items(b, o, m & 0xF)
    if hi == 0xA0:
        return _entries(b, o, m & 0xF)
    if hi == 0xB0:
        tag = b[o]
        fields, o = _items(b, o + 1, m & 0xF)
        return Struct(tag, fields), o
    if m == 0xC0:
        return None, o
    if m in (0xC2, 0xC3):
        return m == 0xC3, o
    if m == 0xC1:
        return struct.unpack_from(">d", b, o)[0], o + 8
    ints = {0xC8: ">b", 0xC9: ">h", 0xCA: ">i", 0xCB: ">q"}
    if m in ints:
        f = ints[m]
        return struct.unpack_from(f, b, o)[0], o + struct.calcsize(f)
    sizes = {0: (">B", 1), 1: (">H", 2), 2: (">I", 4)}
    for base, kind in ((0xD0, "s"), (0xD4, "l"), (0xD8, "m"), (0xCC, "b")):
        if base <= m <= base + 2:
            f, w = sizes[m - base]
            n = struct.unpack_from(f, b, o)[0]
            o += w
            if kind == "s":
                return b[o : o + n].decode(), o + n
            if kind == "b":
                return b[o : o + n], o + n
            if kind == "l":
                return _items(b, o, n)
            return _entries(b, o, n)
    raise ValueError("bad marker %x" % m)


def _items(b: bytes, o: int, n: int) -> Tuple[list, int]:
    out = []
    for _ in range(n):
        v, o = unpack(b, o)
        out.append(v)
    return out, o


def _entries(b: bytes, o: int, n: int) -> Tuple[dict, int]:
    d = {}
    for _ in range(n):
        k, o = unpack(b, o)
        d[k], o = unpack(b, o)
    return d, o


# ---- server ------------------------------------------------------------------------------

HELLO, GOODBYE, RESET, RUN, BEGIN, COMMIT, ROLLBACK, DISCARD, PULL, LOGON, LOGOFF, TELEMETRY, ROUTE = (
    0x01, 0x02, 0x0F, 0x10, 0x11, 0x12, 0x13, 0x2F, 0x3F, 0x6A, 0x6B, 0x54, 0x66,
)
SUCCESS, RECORD, IGNORED, FAILURE = 0x70, 0x71, 0x7E, 0x7F


class StubServer:
    def __init__(self, handler: Callable[[str, dict], Reply], *, auth_failure: Any = False,
                 telemetry: bool = False, routing: Optional[dict] = None):
        self.handler = handler
        # True: every LOGON fails (Unauthorized); or a function of the LOGON token returning
        # None (accept) or the (code, message) of the failure.
        self.auth_failure = auth_failure
        self.routing = routing  # the ROUTE reply's routing table ("rt"); None: answer {}
        self.telemetry = telemetry  # the HELLO reply asks for TELEMETRY (hint)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.uri = "bolt://127.0.0.1:%d" % self.port
        self.messages: List[Tuple[int, list]] = []
        self.commits = 0
        self._stop = False
        self._conns: List[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop = True
        try:
            self.sock.close()
        finally:
            for c in self._conns:
                try:
                    c.close()
                except OSError:
                    pass

    def __enter__(self) -> "StubServer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _accept(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self._conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            hs = _recv(conn, 20)
            # Pick the first plain Bolt 5 proposal (skipping manifest negotiation): its top version.
            props = [hs[i : i + 4] for i in range(4, 20, 4)]
            pick = next(p for p in props if p[3] == 5)
            conn.sendall(bytes([0, 0, pick[2], pick[3]]))
            failed = False
            pending: Optional[Reply] = None
            sent = 0
            while True:
                tag, fields = _read_message(conn)
                self.messages.append((tag, fields))
                if tag == GOODBYE:
                    return
                if failed and tag != RESET:
                    _send(conn, IGNORED, [])
                    continue
                if tag == RESET:
                    failed = False
                    _send(conn, SUCCESS, [{}])
                elif tag == HELLO:
                    meta = {"server": "Neo4j/5.26.0", "connection_id": "bolt-1"}
                    if self.telemetry:
                        meta["hints"] = {"telemetry.enabled": True}
                    _send(conn, SUCCESS, [meta])
                elif tag == LOGON:
                    failure = self.auth_failure
                    if callable(failure):
                        failure = failure(fields[0] if fields else {})
                    elif failure:
                        failure = ("Neo.ClientError.Security.Unauthorized", "bad credentials")
                    if failure:
                        # Bolt 5.7+ clients read the code from "neo4j_code", older ones "code".
                        _send(conn, FAILURE, [{"code": failure[0], "neo4j_code": failure[0], "message": failure[1]}])
                        failed = True
                    else:
                        _send(conn, SUCCESS, [{}])
                elif tag == ROUTE and self.routing is not None:
                    _send(conn, SUCCESS, [{"rt": self.routing}])
                elif tag in (BEGIN, ROLLBACK, LOGOFF, TELEMETRY):
                    _send(conn, SUCCESS, [{}])
                elif tag == COMMIT:
                    self.commits += 1
                    _send(conn, SUCCESS, [{"bookmark": "bm:%d" % self.commits}])
                elif tag == RUN:
                    reply = self.handler(fields[0], fields[1])
                    if reply.close:
                        conn.close()
                        return
                    if reply.failure:
                        code, msg = reply.failure
                        _send(conn, FAILURE, [{"code": code, "neo4j_code": code, "message": msg}])
                        failed = True
                    else:
                        pending, sent = reply, 0
                        _send(conn, SUCCESS, [{"fields": reply.fields, "t_first": 1, "qid": 0}])
                elif tag in (PULL, DISCARD):
                    assert pending is not None
                    n = fields[0].get("n", -1) if fields and isinstance(fields[0], dict) else -1
                    end = len(pending.rows) if n < 0 or tag == DISCARD else min(len(pending.rows), sent + n)
                    if tag == PULL and pending.raw:
                        conn.sendall(pending.raw)
                    if tag == PULL:
                        for row in pending.rows[sent:end]:
                            _send(conn, RECORD, [row])
                    sent = end
                    if sent < len(pending.rows):
                        _send(conn, SUCCESS, [{"has_more": True}])
                    else:
                        meta = {"type": "r", "t_last": 2, "bookmark": "bm:auto"}
                        meta.update(pending.meta)
                        _send(conn, SUCCESS, [meta])
                else:
                    _send(conn, SUCCESS, [{}])
        except (OSError, ConnectionError):
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass


def _recv(conn: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    return buf


def _read_message(conn: socket.socket) -> Tuple[int, list]:
    data = b""
    while True:
        size = struct.unpack(">H", _recv(conn, 2))[0]
        if size == 0:
            if data:
                break
            continue
        data += _recv(conn, size)
    s, _ = unpack(data)
    return s.tag, s.fields


def encode_message(tag: int, fields: list) -> bytes:
    body = pack(Struct(tag, fields))
    out = b""
    for i in range(0, len(body), 65535):
        chunk = body[i : i + 65535]
        out += struct.pack(">H", len(chunk)) + chunk
    return out + b"\x00\x00"


def _send(conn: socket.socket, tag: int, fields: list) -> None:
    conn.sendall(encode_message(tag, fields))
