"""Streaming benchmark: boltc vs. the official driver (run each in its own interpreter).

    python bench/stream.py boltc bolt://127.0.0.1:PORT
    python bench/stream.py neo4j bolt://127.0.0.1:PORT    # a venv with neo4j (+ neo4j-rust-ext)

Prints the best of 3 runs, in seconds, for each query. Not part of the tests.
"""

import sys
import time

QUERIES = {
    "1M ints": "UNWIND range(1, 1000000) AS i RETURN i",
    "200k wide rows (8 scalar columns)": (
        "UNWIND range(1, 200000) AS i RETURN i, i * 2 AS j, i * 3 AS k, toString(i) AS s, "
        "'name-' + toString(i) AS name, i * 1.5 AS f, i % 2 = 0 AS b, i - 1 AS l"
    ),
    "200k wide rows (with list, map, null)": (
        "UNWIND range(1, 200000) AS i RETURN i, toString(i) AS s, i * 1.5 AS f, [i, i + 1] AS list, "
        "{a: i, b: 'x'} AS map, CASE WHEN i % 2 = 0 THEN i ELSE null END AS maybe"
    ),
}


def main() -> None:
    which, uri = sys.argv[1], sys.argv[2]
    if which == "boltc":
        from boltc import GraphDatabase
    else:
        from neo4j import GraphDatabase
    with GraphDatabase.driver(uri, auth=("falkordb", "")) as driver:
        with driver.session() as session:
            session.run("RETURN 1").consume()
            for name, q in QUERIES.items():
                best = float("inf")
                for _ in range(3):
                    t = time.perf_counter()
                    n = 0
                    for record in session.run(q):
                        n += 1
                        record[0]
                    best = min(best, time.perf_counter() - t)
                print("%-40s %8d rows %8.3f s" % (name, n, best), flush=True)


if __name__ == "__main__":
    main()
