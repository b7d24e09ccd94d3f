"""Client-side streaming benchmark: the same records served instantly by the tests' stub server,
so the numbers measure the drivers rather than the server.

    python bench/client.py boltc      # with BOLTC_LIBRARY / PYTHONPATH set
    python bench/client.py neo4j      # in a venv with neo4j (+ neo4j-rust-ext)
"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))

from stub import RECORD, Reply, StubServer, encode_message  # noqa: E402

CASES = {
    "1M ints": (["i"], lambda i: [i], 1_000_000),
    "200k wide rows (8 scalar columns)": (
        ["i", "j", "k", "s", "name", "f", "b", "l"],
        lambda i: [i, i * 2, i * 3, str(i), "name-%d" % i, i * 1.5, i % 2 == 0, i - 1],
        200_000,
    ),
    "200k wide rows (with list, map, null)": (
        ["i", "s", "f", "list", "map", "maybe"],
        lambda i: [i, str(i), i * 1.5, [i, i + 1], {"a": i, "b": "x"}, i if i % 2 == 0 else None],
        200_000,
    ),
}


def main() -> None:
    which = sys.argv[1]
    if which == "boltc":
        from boltc import GraphDatabase
    else:
        from neo4j import GraphDatabase
    replies = {}
    for name, (fields, row, n) in CASES.items():
        raw = b"".join(encode_message(RECORD, [row(i)]) for i in range(1, n + 1))
        replies[name] = Reply(fields, [], raw=raw)
    with StubServer(lambda q, p: replies.get(q, Reply(["x"], [[1]]))) as server:
        with GraphDatabase.driver(server.uri, auth=("neo4j", "x")) as driver, driver.session() as session:
            for name in CASES:
                best = float("inf")
                for _ in range(3):
                    t = time.perf_counter()
                    count = 0
                    for record in session.run(name):
                        count += 1
                        record[0]
                    best = min(best, time.perf_counter() - t)
                print("%-40s %8d rows %8.3f s" % (name, count, best), flush=True)


if __name__ == "__main__":
    main()
