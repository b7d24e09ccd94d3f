#!/usr/bin/env python3
"""Reproduces, without boltc, the two FalkorDB 4.16.3 Bolt bugs described in RELIABILITY.md (Load).

A minimal Bolt 5.7 client on raw sockets (standard library only):

    falkordb-bolt-repro.py crash PORT [PROCESSES [QUERIES]]
        PROCESSES processes (default 8), each with one persistent connection: handshake, HELLO,
        LOGON, then QUERIES (default 30000) times RUN "RETURN $i AS n, 'x' AS s" + PULL in one
        write, checking SUCCESS, RECORD, SUCCESS. No RESET, BEGIN or GOODBYE is sent. With 8
        processes FalkorDB 4.16.3 usually dies within seconds ("illegal decrRefCount" in its log);
        with 1 process it does not.

    falkordb-bolt-repro.py goodbye PORT
        Four times: connect, handshake, HELLO, LOGON, GOODBYE, close. After each GOODBYE the next
        connection's handshake gets no answer (FalkorDB leaves the closed fd's READABLE event in
        Redis's event loop, and the next socket with that fd number is never registered).

PORT is FalkorDB's BOLT_PORT (start one as in scripts/falkordb.sh or /work/shared/FALKORDB.md).
Exit status: 0 when the server behaved, 1 when the bug showed.
"""

import socket
import struct
import sys
import time
from multiprocessing import Pool

HANDSHAKE = b"\x60\x60\xb0\x17" + bytes([0, 0, 7, 5]) + b"\x00" * 12


def tiny_string(text):
    data = text.encode()
    assert len(data) < 16
    return bytes([0x80 + len(data)]) + data


def string(text):
    data = text.encode()
    return tiny_string(text) if len(data) < 16 else b"\xd0" + bytes([len(data)]) + data


def chunked(message):
    return struct.pack(">H", len(message)) + message + b"\x00\x00"


HELLO = chunked(b"\xb1\x01\xa1" + tiny_string("user_agent") + tiny_string("repro/1"))
LOGON = chunked(
    b"\xb1\x6a\xa2"
    + tiny_string("scheme")
    + tiny_string("basic")
    + tiny_string("principal")
    + tiny_string("falkordb")
)
GOODBYE = chunked(b"\xb0\x02")
SUCCESS, RECORD = 0x70, 0x71


class Reader:
    """Reads whole (dechunked) Bolt messages from a socket."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _fill(self, n):
        while len(self.buf) < n:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("server closed the connection")
            self.buf += data

    def message(self):
        out = b""
        while True:
            self._fill(2)
            (size,) = struct.unpack(">H", self.buf[:2])
            self._fill(2 + size)
            out += self.buf[2 : 2 + size]
            self.buf = self.buf[2 + size :]
            if size == 0:
                return out


def connect(port):
    sock = socket.create_connection(("127.0.0.1", port))
    sock.settimeout(2)
    sock.sendall(HANDSHAKE)
    try:
        return sock, sock.recv(4)
    except socket.timeout:
        return sock, None


def run_queries(args):
    port, proc, queries = args
    sock, version = connect(port)
    if version != b"\x00\x00\x07\x05":
        return f"process {proc}: handshake answer {version!r}", False
    sock.settimeout(20)
    reader = Reader(sock)
    sock.sendall(HELLO + LOGON)
    for _ in range(2):
        assert reader.message()[1] == SUCCESS
    query = string("RETURN $i AS n, 'x' AS s")
    for i in range(queries):
        n = proc * 10_000_000 + i
        run = b"\xb3\x10" + query + b"\xa1" + tiny_string("i") + b"\xcb" + struct.pack(">q", n) + b"\xa0"
        pull = b"\xb1\x3f\xa1" + tiny_string("n") + b"\xc9\x03\xe8"
        sock.sendall(chunked(run) + chunked(pull))
        try:
            tags = [reader.message()[1] for _ in range(3)]
        except (OSError, EOFError) as e:
            return f"process {proc}: query {i}: {type(e).__name__}: {e}", False
        if tags != [SUCCESS, RECORD, SUCCESS]:
            return f"process {proc}: query {i}: replies {tags}", False
    sock.close()  # no GOODBYE: see the goodbye mode
    return f"process {proc}: {queries} queries answered", True


def crash(port, processes, queries):
    start = time.time()
    with Pool(processes) as pool:
        results = pool.map(run_queries, [(port, p, queries) for p in range(processes)])
    for text, _ in results:
        print(text)
    ok = all(good for _, good in results)
    print(f"{processes} x {queries} queries in {time.time() - start:.1f} s: {'ok' if ok else 'FAILED'}")
    return ok


def goodbye(port):
    ok = True
    for i in range(4):
        sock, version = connect(port)
        print(f"connection {i}: handshake answer {version.hex() if version else 'none (2 s)'}")
        if version is None:
            ok = False
            sock.close()
            continue
        reader = Reader(sock)
        sock.sendall(HELLO + LOGON)
        for _ in range(2):
            reader.message()
        sock.sendall(GOODBYE)
        time.sleep(0.1)
        sock.close()
        time.sleep(0.2)
    return ok


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("crash", "goodbye"):
        sys.exit(__doc__)
    port = int(sys.argv[2])
    if sys.argv[1] == "crash":
        processes = int(sys.argv[3]) if len(sys.argv) > 3 else 8
        queries = int(sys.argv[4]) if len(sys.argv) > 4 else 30000
        ok = crash(port, processes, queries)
    else:
        ok = goodbye(port)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
