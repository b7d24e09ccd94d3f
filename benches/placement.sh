#!/usr/bin/env bash
# Streaming (W1, W1b) against the replay server with the server and the client pinned to the same
# CPU, then to different CPUs, alternating (benches/ab.py): how much of a streaming figure is the
# cost of waking a thread on another CPU rather than the client's own work.
#
#   benches/placement.sh [ROUNDS]        (default 9; needs 2+ CPUs and taskset)
#
# Uses the release binaries `benches/run.sh` builds (target/release/{replay,boltc,raw}) and, when
# it was installed by a full run, the Rust peers `neo4rs` and `neo4j` (target/bench/peers-rust).
# The server is pinned to CPU 0; each client runs on CPU 0 ("same") or CPU 1 ("cross"). Fetch
# size 1000 as in every run. Prints one ab.py table per workload: wall and CPU time per row, in
# µs (W1's 1,000,000 rows: the same figure as seconds per run).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
ROUNDS="${1:-9}"
T="$ROOT/target/release"
PEER="${BENCH_DIR:-$ROOT/target/bench}/peers-rust/target/release/peers-rust"
for b in replay boltc raw; do
    [ -x "$T/$b" ] || { echo "build first: cargo build --release -p boltc-bench --bins" >&2; exit 1; }
done
[ "$(nproc)" -ge 2 ] || { echo "needs two CPUs" >&2; exit 1; }
command -v taskset >/dev/null || { echo "needs taskset (util-linux)" >&2; exit 1; }

Q_W1="UNWIND range(1, 1000000) AS i RETURN i"
Q_W1B="UNWIND range(1, 200000) AS i RETURN i, 'name-' + toString(i) AS s, [i, i + 1] AS l, {k: i} AS m"
LOG="$(mktemp)"
taskset -c 0 "$T/replay" --port 0 --preload "$Q_W1" --preload "$Q_W1B" >"$LOG" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; rm -f "$LOG"' EXIT
for _ in $(seq 100); do grep -q "^listening on " "$LOG" && break; sleep 0.1; done
ADDR="$(sed -n 's/^listening on //p' "$LOG")"
[ -n "$ADDR" ] || { echo "replay server did not start:" >&2; cat "$LOG" >&2; exit 1; }
echo "== replay server (pid $SERVER) pinned to CPU 0 at $ADDR; $ROUNDS rounds, load $(cut -d' ' -f1-3 /proc/loadavg)"

for w in w1 w1b; do
    if [ "$w" = w1 ]; then n=1000000 q="$Q_W1"; else n=200000 q="$Q_W1B"; fi
    cmds=()
    for cpu in 0 1; do
        pin="taskset -c $cpu"
        cmds+=("$pin $T/raw drain $ADDR '$q' 1000"
            "$pin $T/boltc bolt://$ADDR $w $n"
            "$pin env BOLTC_BENCH_API=rows $T/boltc bolt://$ADDR $w $n")
        if [ -x "$PEER" ]; then
            cmds+=("$pin $PEER neo4rs bolt://$ADDR $w $n" "$pin $PEER neo4j bolt://$ADDR $w $n")
        fi
    done
    echo "== $w (taskset -c 0: same CPU as the server; -c 1: another CPU); µs per row, median of $ROUNDS"
    python3 "$ROOT/benches/ab.py" "$ROUNDS" "${cmds[@]}"
done
