#!/usr/bin/env bash
# W1 and W2 over WebSocket (ws://) against the same over a plain socket (bolt://), boltc's Rust
# API, the replay server on loopback (it upgrades a connection that starts with `GET `).
#
#   benches/ws.sh [REPS]     (default 5; runs alternate bolt:// and ws:// so drift hits both)
#
# Prints each run's JSON line (boltc_bench::report) and a table of medians, also written to
# benches/results/ws.md with the date and the load average. Not part of benches/run.sh's report:
# the peers have no WebSocket transport to compare with.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
REPS="${1:-5}"
OUT="${BENCH_DIR:-$ROOT/target/bench}/ws"
mkdir -p "$OUT"
nice -n 10 cargo build --release --quiet -p boltc-bench --bin replay --bin boltc
T="$ROOT/target/release"
"$T/replay" --port 0 \
    --preload "UNWIND range(1, 1000000) AS i RETURN i" >"$OUT/replay.log" 2>&1 &
REPLAY=$!
trap 'kill $REPLAY 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    grep -q "^listening on " "$OUT/replay.log" && break
    sleep 0.1
done
ADDR=$(sed -n 's/^listening on //p' "$OUT/replay.log")
: >"$OUT/runs.jsonl"
for rep in $(seq "$REPS"); do
    for w in w1 w2; do
        for scheme in bolt ws; do
            line=$("$T/boltc" "$scheme://$ADDR" "$w")
            echo "$scheme $line" | tee -a "$OUT/runs.jsonl"
        done
    done
done
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
python3 - "$OUT/runs.jsonl" "$REPS" "$LOAD_BEFORE" "$ROOT/benches/results/ws.md" <<'PY'
import datetime, json, statistics, sys
path, reps, load, md = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
lines = []
def out(s=""):
    print(s)
    lines.append(s)
runs = {}
for raw in open(path):
    scheme, line = raw.split(" ", 1)
    r = json.loads(line)
    runs.setdefault((r["workload"], scheme), []).append(r)
out("# W1/W2 over WebSocket vs a plain socket")
out()
out("`benches/ws.sh %s`, %s UTC, load average after the runs %s, boltc's Rust API, the replay" % (
    reps, datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"), load))
out("server on loopback (fetch size 1000; runs alternate bolt:// and ws://).")
out()
out("| workload | transport | median seconds | median per op (us) | runs |")
out("|---|---|---|---|---|")
for (w, scheme), rs in sorted(runs.items()):
    secs = statistics.median(r["seconds"] for r in rs)
    per_op = statistics.median(r["per_op_us"] for r in rs)
    out(f"| {w} | {scheme}:// | {secs:.3f} | {per_op:.2f} | {len(rs)} |")
open(md, "w").write("\n".join(lines) + "\n")
PY
