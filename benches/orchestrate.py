"""Runs the benchmark matrix and writes BENCHMARKS.md, results JSON and a chart.

Called by benches/run.sh (which builds everything and starts the servers); see `--help`.
Every client is a separate process that prints one JSON line (see
benches/harness/src/lib.rs `report`), including its own peak RSS (VmHWM).
Runs alternate between clients so drifting machine load hits every client alike, and the
1-minute load average is recorded before each run. The order of a pass over a workload's clients
is a row of a Williams design (`pass_order`): over as many passes as there are clients, each
client runs once in every slot and right after every other client once, so no client always
follows the same one (a plain rotation put each client after the same neighbour every time). A real
server (any target but `replay`) first gets untimed runs of each workload (`--server-warmup`), and
in every repetition each workload's timed runs follow an untimed lead-in run (`--lead-in`).

Targets: every workload runs against each `--target NAME=URI` (the replay server, and Neo4j
when run.sh is given `--target neo4j`). A target's credentials come from the environment,
BOLTC_<NAME>_USER / BOLTC_<NAME>_PASSWORD (e.g. BOLTC_NEO4J_PASSWORD), handed to the clients
as BENCH_USER / BENCH_PASSWORD; they are never printed or written to the report.

CPU: every client reports `cpu_s`, the CPU time (user + sys, all threads) of its own process
during the timed part; the orchestrator also records `proc_cpu_s`, the whole child process
(start-up, connecting, warm-up included) from getrusage(RUSAGE_CHILDREN) around the run.
"""
import argparse
import datetime
import json
import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import time

WORKLOADS = {
    # name: (title, metric key, unit)
    "w1": ("W1 stream 1M ints", "seconds", "s"),
    "w1b": ("W1b stream 200k wide rows", "seconds", "s"),
    "w2": ("W2 5,000 sequential RETURN 1", "per_op_us", "µs/query"),
    "w3": ("W3 4 threads × 2,000 RETURN 1", "per_op_us", "µs/query (wall)"),
    "w4": ("W4 new driver, verify, close", "per_op_us", "µs each"),
}
# Clients that cannot talk to FalkorDB (it speaks only Bolt 5.7): no memory check for them.
BOLT4_ONLY = {"rust-neo4rs": "speaks only Bolt 4.0/4.1"}
# Clients that run only some workloads (the others would repeat another client's runs).
ONLY = {"boltc-rust-rows": ("w1", "w1b")}
# The raw limit for each workload (a client named "raw-*" in the clients file).
LIMITS = {"w1": "drain-w1", "w1b": "drain-w1b", "w2": "rtt", "w3": None, "w4": "connect"}
# Workload sizes (before --scale). W4 against the replay server is 1,000 connects per run: a run
# of 200 lasted about 25 ms there, short enough for one scheduling hiccup to move it by 10%.
# Against Neo4j each connect takes milliseconds, so 200 are plenty.
SIZES = {"w1": 1_000_000, "w1b": 200_000, "w2": 5000, "w3": 2000, "w4": 200}
TARGET_SIZES = {"replay": {"w4": 1000}}
# Clients whose runs of a workload are capped at a size: the Java driver's W4 is mostly
# Driver.close() waiting about 0.2 s for its event loops, so 1,000 would take minutes a run.
SIZE_CAPS = {"java-neo4j-driver": {"w4": 200}, "java-neo4j-driver-cold": {"w4": 200}}
# The polling on / off check's two clients (see --polling-pairs): polling on, polling off.
POLLING_PAIR = ("boltc-rust", "boltc-rust-nopoll")
# Clients that measure the machine, not a server: run against the first target only.
TARGET_FREE = {"raw-pingpong"}
# What each target is, for the report (a target given as NAME=URI with another name is
# described by its name and the BOLTC_<NAME>_VERSION variable, if set).
TARGET_LABELS = {
    "replay": "replay server (`benches/harness`: answers from pre-encoded memory, honours PULL n / has_more)",
    "neo4j": "Neo4j",
}


def children_cpu():
    """CPU seconds (user + sys) of all reaped child processes so far."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def target_env(name):
    """BENCH_USER / BENCH_PASSWORD for a target, from BOLTC_<NAME>_USER / _PASSWORD."""
    env = {}
    prefix = f"BOLTC_{name.upper()}_"
    if prefix + "USER" in os.environ:
        env["BENCH_USER"] = os.environ[prefix + "USER"]
    if prefix + "PASSWORD" in os.environ:
        env["BENCH_PASSWORD"] = os.environ[prefix + "PASSWORD"]
    return env


def target_info(name):
    """How the report names a target: a short name for headings and a longer description."""
    version = os.environ.get(f"BOLTC_{name.upper()}_VERSION")
    short = {"replay": "replay server", "neo4j": "Neo4j"}.get(name, name)
    if version:
        short = f"{short} {version}"
    label = TARGET_LABELS.get(name, name)
    return {"short": short, "label": f"{label} {version}" if version else label}


def cpu_ticks():
    """(busy, total) CPU ticks of the whole machine so far, from /proc/stat (None elsewhere)."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def quiet_pause(pause):
    """Sleeps `pause` seconds; returns the busy share of all CPUs over that pause (None where
    /proc/stat is missing), recorded with the run as `busy_before`.

    It tells whether a slow run followed leftover work. In the full runs of sessions 24-26 the
    first boltc run of each replay workload in a repetition often ran 1.2-3.6x its median; in
    session 26's check run (`s26-check`) those runs found the machine idle through their pause
    (0.0-0.03 of the CPUs busy) and were still slow (1.51x and 2.64x on W1), so leftover work
    of the server or the previous client is not the cause. (Waiting for an idle machine after
    the pause, tried in that run, changed nothing and is gone.)"""
    before = cpu_ticks()
    time.sleep(pause)
    after = cpu_ticks()
    if before is None or after is None or after[1] == before[1]:
        return None
    return round((after[0] - before[0]) / (after[1] - before[1]), 3)


def run_once(argv, timeout, env=None, pause=0.0):
    """Runs one client after `pause` seconds of quiet (see `quiet_pause`); returns (its JSON
    line, with the load average and the busy share during the pause added, or None; stderr
    tail)."""
    busy_before = quiet_pause(pause) if pause > 0 else None
    load = os.getloadavg()[0]
    cpu_before = children_cpu()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=None if env is None else {**os.environ, **env})
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        err += f"\n(timed out after {timeout} s)"
    proc_cpu = children_cpu() - cpu_before
    result = None
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                result = json.loads(line)
            except json.JSONDecodeError:
                pass
    if proc.returncode != 0:
        result = None
    if result is not None:
        result["load1"] = load
        result["busy_before"] = busy_before
        result["proc_cpu_s"] = proc_cpu
    lines = err.strip().splitlines()
    # The lines that say what went wrong (a panic message, an exception), else the tail.
    telling = []
    for i, l in enumerate(lines):
        if any(k in l for k in ("panicked", "Error", "error:", "Exception", "timed out")):
            telling.append(l.strip())
            if "panicked" in l and i + 1 < len(lines):
                telling.append(lines[i + 1].strip()[:300])  # a Rust panic's message
    return result, (telling[:3] if telling else lines[-3:])


def expand(template, **kw):
    return [part.format(**kw) for part in shlex.split(template)]


def cpu_in_unit(run):
    """A run's CPU in its workload's unit: seconds (W1, W1b) or µs per operation (W2–W4)."""
    if run.get("cpu_s") is None:
        return None
    if WORKLOADS[run["workload"]][1] == "seconds":
        return run["cpu_s"]
    return run["cpu_s"] * 1e6 / max(run["ops"], 1)


def pass_order(names, q):
    """The order of pass `q` (counted over the repetitions and their passes) over `names`: row
    `q mod 2n` of a Williams design. Row 0 is 0, 1, n-1, 2, n-2, ...; row r adds r (mod n) to it,
    and rows n to 2n-1 are rows 0 to n-1 reversed. Over rows 0..n-1 each client takes every slot
    once and, for an even n, follows every other client exactly once; the reversed rows do the
    same for an odd n over all 2n rows. Why: with a rotation each client always ran right after
    the same one. In session 29's run boltc-rust's replay W4 always followed raw-connect's 1,000
    connects and boltc-rust-nopoll always followed boltc-rust, so the polling on / off check
    compared two predecessors as much as two clients."""
    n = len(names)
    if n == 0:
        return []
    first, low, high = [0], 1, n - 1
    while low <= high:
        first.append(low)
        low += 1
        if low <= high:
            first.append(high)
            high -= 1
    row = [names[(i + q) % n] for i in first]
    return row[::-1] if (q // n) % 2 else row


def summarize(runs):
    """Median/min/max of a cell's metric, and the median CPU (same unit) of its runs."""
    values = [r[WORKLOADS[r["workload"]][1]] for r in runs]
    cpu = [c for c in (cpu_in_unit(r) for r in runs) if c is not None]
    proc = [r["proc_cpu_s"] for r in runs if r.get("proc_cpu_s") is not None]
    rss = [r["max_rss_kb"] for r in runs if r.get("max_rss_kb")]
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "n": len(values),
        "cpu": statistics.median(cpu) if cpu else None,
        "proc_cpu_s": statistics.median(proc) if proc else None,
        "max_rss_kb": max(rss) if rss else None,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--clients", help="JSON file: {name: command template}")
    ap.add_argument("--replay", help="bolt://host:port of the replay server (= --target replay=URI)")
    ap.add_argument("--target", action="append", default=[], metavar="NAME=URI",
                    help="a server to run every workload against (repeatable; NAME replay or neo4j)")
    ap.add_argument("--falkordb", help="bolt://host:port of FalkorDB (memory check)")
    ap.add_argument("--falkordb-user", default="falkordb")
    ap.add_argument("--falkordb-password", default="", help="FalkorDB refuses a wrong password")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--workloads", default="w1,w1b,w2,w3,w4")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply workload sizes (smoke: small)")
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("--server-warmup", type=int, default=8, metavar="N",
                    help="untimed runs of each workload against each real server (every target but "
                         "the replay server) before the timed ones, so that the client that comes "
                         "first in the first repetition does not pay for the server's query "
                         "planning and JIT warm-up (default 8; 0: none)")
    ap.add_argument("--lead-in", type=int, default=1, metavar="N",
                    help="untimed runs of each workload, in every repetition and against every "
                         "server, before its timed runs (default 1; 0: none), by the workload's raw "
                         "limit client (else the first boltc client). In session 26's full run the "
                         "first run of each replay W1/W1b in a repetition, whoever made it, ran "
                         "1.49x/1.36x its client's median (median over 7 repetitions), and the "
                         "rotation gave that slot to boltc's clients in five of seven repetitions")
    ap.add_argument("--passes", action="append", default=[], metavar="[TARGET:]WORKLOAD=N",
                    help="alternating passes over the clients of a workload in each repetition "
                         "(default 1; TARGET: only against that server; may be repeated). Every "
                         "client runs N times a repetition, the design's rows going on from pass to pass, "
                         "so a cheap but noisy cell gets N times the runs for every client alike. "
                         "Why: boltc's replay W1b runs take about 0.015 s and spread 0.013-0.022 s "
                         "within one full run (session 28), so a median of 7 cannot judge the issue's "
                         "5%% polling on / off check")
    ap.add_argument("--polling-pairs", type=int, metavar="N",
                    help="after the repetitions, N adjacent pairs of runs of boltc's Rust client with "
                         "busy polling on and off (boltc-rust, boltc-rust-nopoll), for every workload "
                         "and server, alternating which runs first; the report judges the polling "
                         "on / off check by the median of the pairs' ratios (default 15; 0: none). "
                         "Why: on this 2-vCPU VM single runs are bimodal (replay W1b: about 0.018 or "
                         "0.030 s, CPU time moving with wall time, for both clients), so the ratio of "
                         "two medians of 15 runs read 1.32 in one run (session 29) on which 7 of one "
                         "client's runs and 5 of the other's fell slow; two runs side by side share "
                         "the machine's state, and the median of their ratios does not flip on one run")
    ap.add_argument("--pause", type=float, default=0.3, metavar="SECONDS",
                    help="quiet time before each timed run (default 0.3). The kernel keeps a decaying "
                         "average of each CPU's recent use (half-life about 32 ms) and places threads "
                         "by it, so a run that follows another at once inherits the previous client's "
                         "CPU use: back to back on the 2-vCPU bench machine, a boltc W1 run right after "
                         "another read 15-52 ms, and 15-18 ms after 0.3 s of quiet (see BENCHMARKS.md, "
                         "session 24)")
    ap.add_argument("--memory-timeout", type=int, default=180,
                    help="seconds per memory-check run (the slowest client needs about 30 s; "
                         "the Go driver has hung against FalkorDB at 0%% CPU, see BENCHMARKS.md)")
    ap.add_argument("--out-json")
    ap.add_argument("--out-md")
    ap.add_argument("--out-png")
    ap.add_argument("--versions", default="{}", help="JSON: peer versions for the report")
    ap.add_argument("--command", help="the command that ran this, for the report")
    ap.add_argument("--report-only", metavar="RESULTS_JSON",
                    help="only rewrite --out-md/--out-png from an earlier results JSON")
    ap.add_argument("--reuse", help="results JSON of an earlier run whose timed runs to keep "
                    "(with --reps 0: only redo the memory check and the report)")
    args = ap.parse_args()
    if args.report_only:
        with open(args.report_only) as f:
            report = json.load(f)
        # Results written before the summary kept the peak RSS: take it from the runs.
        for run in report.get("runs", []):
            cell = report.get("summary", {}).get(run.get("target"), {}).get(run["workload"], {})
            s = cell.get(run["client"])
            if s is not None and run.get("max_rss_kb"):
                s["max_rss_kb"] = max(s.get("max_rss_kb") or 0, run["max_rss_kb"])
        import report_md
        report_md.write(report, args.out_md, args.out_png)
        return
    if not args.out_json:
        ap.error("--out-json is required")

    if not args.clients:
        ap.error("--clients is required")
    if args.lead_in < 0:
        ap.error(f"--lead-in {args.lead_in}: expected 0 or more runs")
    if args.polling_pairs is not None and (args.polling_pairs < 0 or not args.reps):
        ap.error(f"--polling-pairs {args.polling_pairs}: expected 0 or more pairs, with repetitions to follow")
    explicit_pairs = args.polling_pairs is not None
    if args.polling_pairs is None:
        args.polling_pairs = 15
    with open(args.clients) as f:
        clients = json.load(f)
    missing = [c for c in POLLING_PAIR if c not in clients]
    if args.reps and args.polling_pairs and missing:
        if explicit_pairs:
            ap.error(f"--polling-pairs {args.polling_pairs}: the clients lack {', '.join(missing)}")
        print(f"[pairs] none: the clients lack {', '.join(missing)} (the polling check then compares "
              "medians)", flush=True)
    targets = []
    if args.replay:
        targets.append(("replay", args.replay))
    for t in args.target:
        name, sep, uri = t.partition("=")
        if not sep or not uri:
            ap.error(f"--target {t!r}: expected NAME=URI")
        targets.append((name, uri))
    if not targets:
        ap.error("no server: give --replay URI or --target NAME=URI")
    workloads = args.workloads.split(",")
    if args.passes and not args.reps:
        ap.error("--passes: no repetitions to run them in (--reps 0)")
    passes = {}  # (target or None, workload) -> passes a repetition
    for spec in args.passes:
        where, _, count = spec.partition("=")
        target, _, w = where.rpartition(":")
        if w not in workloads or not count.isdigit() or int(count) < 1 or (
                target and target not in dict(targets)):
            ap.error(f"--passes {spec!r}: expected [TARGET:]WORKLOAD=N with a workload of this run, "
                     f"a target of this run and N of 1 or more")
        passes[(target or None, w)] = int(count)

    def passes_of(target, w):
        return passes.get((target, w), passes.get((None, w), 1))
    def size_of(w, target, client):
        n = TARGET_SIZES.get(target, {}).get(w, SIZES[w])
        n = min(n, SIZE_CAPS.get(client, {}).get(w, n))
        return max(1, int(n * args.scale))

    size = {w: size_of(w, targets[0][0], "") for w in SIZES}

    runs = []  # every run: {client, workload, rep, ...JSON}
    failures = []
    earlier = None
    if args.reuse:
        with open(args.reuse) as f:
            earlier = json.load(f)
        runs = earlier["runs"]
        for r in runs:
            r.setdefault("target", "replay")  # results from before targets existed
        failures = [x for x in earlier["failures"] if not x["workload"].startswith("memory")]
    started = time.time()
    loads = [os.getloadavg()]
    drivers = [c for c in clients if not c.startswith("raw")]

    def argv_of(name, w, target, uri):
        return expand(clients[name], uri=uri, workload=w, n=size_of(w, target, name),
                      addr=uri.split("://")[-1], threads=4,
                      q_w1=f"UNWIND range(1, {size_of('w1', target, name)}) AS i RETURN i",
                      q_w1b=(f"UNWIND range(1, {size_of('w1b', target, name)}) AS i RETURN i, 'name-' + "
                             "toString(i) AS s, [i, i + 1] AS l, {k: i} AS m"))

    def timed_run(name, w, target, uri, env, tag):
        """One timed run of client `name`: its result, or None after recording and printing its
        failure (`tag` leads the line)."""
        result, err = run_once(argv_of(name, w, target, uri), args.timeout, env, args.pause)
        if result is None:
            failures.append({"client": name, "workload": w, "target": target, "stderr": err})
            print(f"{tag} FAILED: {' | '.join(err)}", flush=True)
        return result

    # A real server plans each workload's query on its first run and compiles its hot paths
    # over the first few: untimed, that warm-up would fall on whichever client comes first in
    # the first repetition (boltc's, as the order starts with it), on every workload.
    def first_boltc(names):
        """The first boltc client of `names`, else the first client (None if there is none)."""
        return next((c for c in names if c.startswith("boltc")), names[0] if names else None)

    warmer = first_boltc(drivers)
    warmed = []  # the targets whose every workload had its untimed runs, for the report

    lead_ins = []  # the untimed lead-in runs, kept apart from `runs` for the report
    for target, uri in targets:
        if target == "replay" or warmer is None or args.server_warmup <= 0 or not args.reps:
            continue
        env = target_env(target)
        complete = True
        for w in workloads:
            if w not in ONLY.get(warmer, (w,)):
                continue
            for _ in range(args.server_warmup):
                result, err = run_once(argv_of(warmer, w, target, uri), args.timeout, env)
                if result is None:
                    print(f"[warm-up] {target} {w} {warmer} FAILED: {' | '.join(err)}", flush=True)
                    complete = False
                    break
            else:
                print(f"[warm-up] {target:6} {w:4} {warmer}: {args.server_warmup} untimed runs", flush=True)
        if complete:
            warmed.append(target)
    for rep in range(args.reps):
        for ti, (target, uri) in enumerate(targets):
            env = target_env(target)
            for w in workloads:
                names = [c for c in drivers if w in ONLY.get(c, (w,))]
                limit = LIMITS.get(w)
                limit = f"raw-{limit}" if limit and f"raw-{limit}" in clients else None
                if limit:
                    names.append(limit)
                if w == "w2" and "raw-pingpong" in clients and ti == 0:
                    names.append("raw-pingpong")
                npass = passes_of(target, w)
                # The untimed lead-in runs: by the workload's raw limit, else (W3) boltc's.
                lead = limit or first_boltc(names)
                for _ in range(args.lead_in if lead else 0):
                    result, err = run_once(argv_of(lead, w, target, uri), args.timeout, env, args.pause)
                    metric = WORKLOADS[w][1]
                    took = f"{result[metric]:12.4f}" if result else "FAILED: " + " | ".join(err)
                    print(f"[{rep + 1}/{args.reps}] {target:6} {w:4} {lead:18} {took} (lead-in, untimed)",
                          flush=True)
                    if result is not None:
                        result.update(client=lead, workload=w, rep=rep, target=target)
                        lead_ins.append(result)
                order = []
                for p in range(npass):
                    order += pass_order(names, rep * npass + p)
                for name in order:
                    tag = f"[{rep + 1}/{args.reps}] {target:6} {w:4} {name:18}"
                    result = timed_run(name, w, target, uri, env, tag)
                    if result is None:
                        continue
                    result.update(client=name, workload=w, rep=rep, target=target)
                    runs.append(result)
                    metric = WORKLOADS[w][1]
                    cpu = cpu_in_unit(result)
                    cpu_text = f"cpu {cpu:10.4f}" if cpu is not None else "cpu          ?"
                    print(f"{tag} {result[metric]:12.4f} {cpu_text} {WORKLOADS[w][2]:16} "
                          f"load {result['load1']:.2f}", flush=True)
            loads.append(os.getloadavg())

    # The polling on / off check, in adjacent pairs (see --polling-pairs).
    pairs = dict(earlier.get("polling_pairs") or {}) if earlier else {}
    if args.reps and args.polling_pairs and not missing:
        pairs = {}
        for target, uri in targets:
            env = target_env(target)
            for w in workloads:
                metric = WORKLOADS[w][1]
                ratios, pair_runs = [], []
                for i in range(args.polling_pairs):
                    got = {}
                    for name in (POLLING_PAIR if i % 2 == 0 else POLLING_PAIR[::-1]):
                        result = timed_run(name, w, target, uri, env, f"[pairs] {target:6} {w:4} {name:18}")
                        if result is None:
                            break
                        got[name] = result
                    if len(got) == 2:
                        on, off = (got[c][metric] for c in POLLING_PAIR)
                        ratio = on / off
                        ratios.append(ratio)
                        pair_runs.append({name: {"value": r[metric], "cpu": cpu_in_unit(r), "load1": r["load1"]}
                                          for name, r in got.items()})
                        print(f"[pairs {i + 1}/{args.polling_pairs}] {target:6} {w:4} on {on:12.4f} "
                              f"off {off:12.4f} on/off {ratio:.3f}", flush=True)
                if ratios:
                    q = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else [ratios[0]] * 3
                    pairs.setdefault(target, {})[w] = {"n": len(ratios), "median": statistics.median(ratios),
                                                      "q1": q[0], "q3": q[2], "pairs": pair_runs}

    # A rerun without FalkorDB keeps the earlier memory check.
    memory = dict(earlier.get("memory", {})) if earlier and not args.falkordb else {}
    if args.falkordb:
        for name in drivers:
            if name in BOLT4_ONLY:
                memory[name] = {"skipped": BOLT4_ONLY[name]}
                continue
            argv = expand(clients[name], uri=args.falkordb, workload="w1", n=size["w1"],
                          addr=args.falkordb.split("://")[-1], threads=4, q_w1="", q_w1b="")
            # FalkorDB may leave the first handshake after a closed connection unanswered:
            # a client without a connect retry gets a second chance.
            for _attempt in range(2):
                # One stream, no JIT warm-up rounds: the peak RSS of a plain run.
                result, err = run_once(argv, args.memory_timeout, {"BENCH_USER": args.falkordb_user,
                                                            "BENCH_PASSWORD": args.falkordb_password,
                                                            "BENCH_WARMUP_ROUNDS": "0"})
                if result is not None:
                    break
            if result is None:
                failures.append({"client": name, "workload": "memory-w1-falkordb", "stderr": err})
                print(f"memory {name:18} FAILED: {' | '.join(err)}", flush=True)
                continue
            memory[name] = result
            print(f"memory {name:18} {result['max_rss_kb'] / 1024:8.1f} MB in {result['seconds']:.2f} s "
                  f"(load {result['load1']:.2f})", flush=True)

    cells = {}
    for r in runs:
        cells.setdefault(r["target"], {}).setdefault(r["workload"], {}).setdefault(r["client"], []).append(r)
    # summary[target][workload][client]
    summary = {t: {w: {c: summarize(v) for c, v in cs.items()} for w, cs in ws.items()}
               for t, ws in cells.items()}
    target_names = [t for t, _ in targets] + [t for t in summary if t not in dict(targets)]
    report = {
        "date": earlier["date"] if earlier else datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "load_before_after": earlier["load_before_after"] if earlier else [loads[0], loads[-1]],
        "load_per_run": {"median": statistics.median([r["load1"] for r in runs]) if runs else None,
                         "max": max([r["load1"] for r in runs], default=None)},
        "duration_s": (earlier["duration_s"] if earlier else 0) + time.time() - started,
        "reps": earlier["reps"] if earlier else args.reps,
        "scale": args.scale,
        "order": order_of(earlier, timed=args.reps > 0),
        "passes": {**(earlier.get("passes") or {} if earlier else {}),
                   **{f"{t or 'any'}:{w}": n for (t, w), n in passes.items()}},
        "pause_s": earlier.get("pause_s") if earlier else args.pause,
        "server_warmup": earlier.get("server_warmup") if earlier else (
            {"runs": args.server_warmup, "client": warmer, "targets": warmed} if warmed else None),
        "lead_in": lead_in_report(earlier, args.lead_in, lead_ins),
        "sizes": {t: {w: size_of(w, t, "") for w in SIZES} for t, _ in targets},
        "size_caps": SIZE_CAPS,
        "versions": json.loads(args.versions) or (earlier or {}).get("versions", {}),
        "command": args.command or (earlier or {}).get("command"),
        "niceness": (earlier or {}).get("niceness", os.nice(0)),
        "targets": {t: (earlier or {}).get("targets", {}).get(t) or target_info(t) for t in target_names},
        "summary": summary,
        "polling_pairs": pairs,
        "memory": {c: m if "skipped" in m else {"max_rss_kb": m["max_rss_kb"], "seconds": m["seconds"],
                                                "load1": m["load1"]}
                   for c, m in memory.items()},
        "failures": failures,
        "runs": runs,
    }
    with open(args.out_json, "w") as f:
        json.dump(report, f, indent=1)
    if args.out_md:
        import report_md
        report_md.write(report, args.out_md, args.out_png)
    if failures:
        print(f"{len(failures)} run(s) failed", file=sys.stderr)
        sys.exit(1)


def order_of(earlier, timed):
    """The report's `order`: how the passes of its runs were ordered. "williams" (`pass_order`);
    "rotation" for runs from before it; "rotation+williams" when this run added Williams-ordered
    runs (`timed`) to rotated ones it kept (`--reuse`)."""
    before = earlier.get("order", "rotation") if earlier and earlier["runs"] else "williams"
    return before if not timed or before.endswith("williams") else before + "+williams"


def lead_in_report(earlier, runs, lead_ins):
    """The report's `lead_in`: this run's lead-in runs, after an earlier run's when its timed
    runs are kept (`--reuse`); None for an earlier run from before `--lead-in` that this one
    added no repetitions to."""
    if earlier is None:
        return {"runs": runs, "results": lead_ins}
    before = earlier.get("lead_in")
    if not lead_ins:
        return before
    return {"runs": runs, "results": (before or {}).get("results", []) + lead_ins}


def machine():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(),
            "python": platform.python_version()}


if __name__ == "__main__":
    main()
