"""Bolt over WebSocket from Python: ``GraphDatabase.driver("ws://...")`` reaches the stub server
through a small WebSocket gateway written here (RFC 6455 server side: the HTTP upgrade, masked
client frames in, unmasked binary frames out). The gateway sends the server's bytes in 3-byte
WebSocket messages, so Bolt messages span WebSocket messages, and pings before each one."""

import base64
import hashlib
import socket
import struct
import threading

import pytest
from stub import Reply, StubServer

from boltc import GraphDatabase
from boltc import exceptions as ex

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def _recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        part = s.recv(n - len(buf))
        if not part:
            raise ConnectionError("closed")
        buf += part
    return buf


def _frame(opcode, payload):
    n = len(payload)
    if n < 126:
        head = struct.pack(">BB", 0x80 | opcode, n)
    elif n < 65536:
        head = struct.pack(">BBH", 0x80 | opcode, 126, n)
    else:
        head = struct.pack(">BBQ", 0x80 | opcode, 127, n)
    return head + payload


class WsGateway:
    """Accepts WebSocket clients and relays their binary payloads to ``backend_port``."""

    def __init__(self, backend_port):
        self.backend_port = backend_port
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.pongs = 0
        self.pings = 0
        self.binary_in = 0
        self.errors = []
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self):
        self.sock.close()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _serve(self, c):
        try:
            request = b""
            while b"\r\n\r\n" not in request:
                request += c.recv(1024)
            key = next(
                line.split(b":", 1)[1].strip()
                for line in request.split(b"\r\n")
                if line.lower().startswith(b"sec-websocket-key:")
            )
            accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
            c.sendall(
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n"
            )
            backend = socket.create_connection(("127.0.0.1", self.backend_port))
            threading.Thread(target=self._down, args=(backend, c), daemon=True).start()
            self._up(c, backend)
        except Exception as e:  # recorded for the test to see
            if not isinstance(e, (OSError, ConnectionError)):
                self.errors.append(repr(e))
        finally:
            c.close()

    def _up(self, c, backend):
        while True:
            b0, b1 = _recv_exact(c, 2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", _recv_exact(c, 2))[0]
            elif n == 127:
                n = struct.unpack(">Q", _recv_exact(c, 8))[0]
            assert b1 & 0x80, "client frames must be masked"
            mask = _recv_exact(c, 4)
            data = bytes(x ^ mask[i % 4] for i, x in enumerate(_recv_exact(c, n)))
            if opcode == 0x2:
                self.binary_in += 1
                backend.sendall(data)
            elif opcode == 0xA:
                self.pongs += 1
            elif opcode == 0x8:
                c.sendall(_frame(0x8, data[:2]))
                backend.close()
                return
            else:
                self.errors.append("unexpected opcode %d" % opcode)

    def _down(self, backend, c):
        try:
            while True:
                data = backend.recv(65536)
                if not data:
                    c.sendall(_frame(0x8, struct.pack(">H", 1000)))
                    return
                for i in range(0, len(data), 3):
                    self.pings += 1
                    c.sendall(_frame(0x9, b"hi") + _frame(0x2, data[i : i + 3]))
        except OSError:
            pass


def _rows(query, params):
    return Reply(["x"], [[i] for i in range(1, 6)])


@pytest.mark.parametrize("busy_poll", [0, 0.0001])
def test_graphdatabase_driver_over_ws(busy_poll):
    with StubServer(_rows) as server:
        gw = WsGateway(server.port)
        try:
            uri = "ws://127.0.0.1:%d" % gw.port
            with GraphDatabase.driver(uri, auth=("neo4j", "pass"), connection_timeout=5, busy_poll=busy_poll) as d:
                with d.session() as s:
                    assert [r["x"] for r in s.run("UNWIND range(1, 5) AS x RETURN x")] == [1, 2, 3, 4, 5]
            assert gw.errors == []
            assert gw.binary_in >= 2  # the handshake, then the messages
            assert gw.pings > 10 and gw.pongs > 0
        finally:
            gw.close()


def test_websocket_schemes_are_accepted_and_unknown_ones_refused():
    port = socket.socket()
    port.bind(("127.0.0.1", 0))
    closed = port.getsockname()[1]
    port.close()
    for scheme in ("ws", "wss", "wss+ssc"):
        with GraphDatabase.driver("%s://127.0.0.1:%d" % (scheme, closed), auth=("neo4j", "pass"), connection_timeout=2) as d:
            with pytest.raises(ex.ServiceUnavailable):
                d.verify_connectivity()
    with pytest.raises(ex.ConfigurationError):
        GraphDatabase.driver("ws+s://127.0.0.1:7687", auth=("neo4j", "pass"))
