"""Connects to the Bolt URI given as argv[1] with auth ("falkordb", ""), runs a parameterised
query and prints the rows.

    BOLTC_LIBRARY=target/release/libboltc.so PYTHONPATH=bindings/python \
        python examples/python/query.py bolt://127.0.0.1:7687
"""

import sys

from boltc import GraphDatabase


def main() -> None:
    uri = sys.argv[1] if len(sys.argv) > 1 else "bolt://127.0.0.1:7687"
    with GraphDatabase.driver(uri, auth=("falkordb", "")) as driver:
        driver.verify_connectivity()
        with driver.session() as session:
            result = session.run(
                "UNWIND range(1, $n) AS i RETURN i, i * i AS square, $greeting + ' ' + toString(i) AS text",
                n=3,
                greeting="hello",
            )
            print("\t".join(result.keys()))
            for record in result:
                print("\t".join(str(v) for v in record.values()))
            summary = result.consume()
            print("server: %s (Bolt %d.%d)" % (summary.server.agent, *summary.server.protocol_version))


if __name__ == "__main__":
    main()
