"""The official Python driver (`neo4j`, with or without `neo4j-rust-ext`) running the harness
workloads, printing the same JSON line as benches/harness/src/bin/boltc.rs.

    python bench_python.py CLIENT URI WORKLOAD [N] [THREADS]

CLIENT is only the label printed (the venv decides whether the Rust extension is installed).
Credentials come from BENCH_USER / BENCH_PASSWORD (default neo4j / password).
BENCH_PY_MODULE=boltc runs the same code on boltc's Python package, whose API follows the
official driver's (with BOLTC_LIBRARY and PYTHONPATH pointing at the build).

The floor of W1/W1b (issue 19): BENCH_PY_FLOOR=tuples times the same loop over the same rows
built beforehand as plain tuples, no driver and no server (URI is ignored); BENCH_PY_FLOOR=records
over boltc Records (with PYTHONPATH/BOLTC_LIBRARY as above), so ``record[0]`` costs what it costs
on a Record:

    BENCH_PY_FLOOR=tuples python3 bench_python.py python-floor - w1
"""
import json
import os
import sys
import importlib
import threading
import time

neo4j = None if os.environ.get("BENCH_PY_FLOOR") else importlib.import_module(
    os.environ.get("BENCH_PY_MODULE", "neo4j"))

AUTH = (os.environ.get("BENCH_USER", "neo4j"), os.environ.get("BENCH_PASSWORD", "password"))
RETURN_1 = "RETURN 1 AS n"


def query_for(workload, n):
    if workload == "w1":
        return f"UNWIND range(1, {n or 1000000}) AS i RETURN i"
    return (f"UNWIND range(1, {n or 200000}) AS i RETURN i, 'name-' + toString(i) AS s, "
            "[i, i + 1] AS l, {k: i} AS m")


def max_rss_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def start_timer():
    """Starts the timed part: wall clock and process CPU (user + sys, all threads)."""
    return time.perf_counter(), time.process_time()


def report(client, workload, ops, started, **extra):
    secs = time.perf_counter() - started[0]
    out = {"client": client, "workload": workload, "ops": ops, "seconds": secs,
           "per_op_us": secs * 1e6 / max(ops, 1), "max_rss_kb": max_rss_kb(),
           "cpu_s": time.process_time() - started[1]}
    out.update(extra)
    print(json.dumps(out), flush=True)


def floor_rows(workload, n):
    """The rows W1/W1b return, built in this process (as the server's would be decoded)."""
    if workload == "w1":
        return [(i,) for i in range(1, (n or 1000000) + 1)]
    return [(i, "name-%d" % i, [i, i + 1], {"k": i}) for i in range(1, (n or 200000) + 1)]


def floor(client, workload, n, kind):
    rows = floor_rows(workload, n)
    if kind == "records":
        from boltc import Record
        keys = ["i"] if workload == "w1" else ["i", "s", "l", "m"]
        cls = type(Record(dict.fromkeys(keys)))
        rows = [tuple.__new__(cls, r) for r in rows]
    elif kind != "tuples":
        raise SystemExit(f"BENCH_PY_FLOOR={kind}: tuples or records")
    started = start_timer()
    count = total = 0
    for record in rows:
        total += record[0]
        count += 1
    report(client, workload, count, started, rows=count, check=total, floor=kind)


def return_1(session):
    assert session.run(RETURN_1).single()[0] == 1


def main():
    client, uri, workload = sys.argv[1:4]
    n = int(sys.argv[4]) if len(sys.argv) > 4 else None
    threads = int(sys.argv[5]) if len(sys.argv) > 5 else 4
    if os.environ.get("BENCH_PY_FLOOR"):
        floor(client, workload, n, os.environ["BENCH_PY_FLOOR"])
    elif workload in ("w1", "w1b"):
        with neo4j.GraphDatabase.driver(uri, auth=AUTH) as driver:
            driver.verify_connectivity()
            with driver.session(fetch_size=1000) as session:
                started = start_timer()
                rows = total = 0
                for record in session.run(query_for(workload, n)):
                    total += record[0]
                    rows += 1
                report(client, workload, rows, started, rows=rows, check=total)
    elif workload == "w2":
        n = n or 5000
        with neo4j.GraphDatabase.driver(uri, auth=AUTH) as driver:
            with driver.session(fetch_size=1000) as session:
                for _ in range(min(n, 200)):
                    return_1(session)
                started = start_timer()
                for _ in range(n):
                    return_1(session)
                report(client, "w2", n, started)
    elif workload == "w3":
        n = n or 2000
        with neo4j.GraphDatabase.driver(uri, auth=AUTH) as driver:
            def work(count):
                with driver.session(fetch_size=1000) as session:
                    for _ in range(count):
                        return_1(session)

            def in_threads(count):
                ts = [threading.Thread(target=work, args=(count,)) for _ in range(threads)]
                for t in ts:
                    t.start()
                for t in ts:
                    t.join()

            in_threads(1)
            started = start_timer()
            in_threads(n)
            report(client, "w3", n * threads, started, threads=threads)
    elif workload == "w4":
        n = n or 200
        started = start_timer()
        for _ in range(n):
            driver = neo4j.GraphDatabase.driver(uri, auth=AUTH)
            driver.verify_connectivity()
            driver.close()
        report(client, "w4", n, started)
    else:
        raise SystemExit(f"unknown workload {workload}")


if __name__ == "__main__":
    main()
