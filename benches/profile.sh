#!/usr/bin/env bash
# Profiles boltc's Rust API on W1, W1b and W2 against the replay server with `perf record`
# (user-space cycles, DWARF call graphs from the `profiling` cargo profile: release plus the debug
# info the release artefacts no longer carry) and prints the top symbols of each, self time and
# with children.
#
#   benches/profile.sh [OUT_DIR]      (default target/bench/profile; needs `perf`)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$ROOT/target/bench/profile}"
mkdir -p "$OUT"
cd "$ROOT"
nice -n 10 cargo build --profile profiling --quiet -p boltc-bench --bins
T="$ROOT/target/profiling"
"$T/replay" --port 0 >"$OUT/replay.log" 2>&1 &
REPLAY_PID=$!
trap 'kill $REPLAY_PID 2>/dev/null || true' EXIT
until grep -q "^listening on " "$OUT/replay.log"; do sleep 0.1; done
URI="bolt://$(sed -n 's/^listening on //p' "$OUT/replay.log")"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
for w in "w1 3000000" "w1b 600000" "w2 30000"; do
    set -- $w
    # Sizes 3x the workloads' give perf enough samples; the replay server encodes a result on
    # first use, so run once untraced first.
    "$T/boltc" "$URI" "$1" "$2" >/dev/null
    perf record -q -e cycles:u -F 4000 --call-graph dwarf,16384 -o "$OUT/$1.data" -- "$T/boltc" "$URI" "$1" "$2"
    echo "== $1: self"
    perf report -i "$OUT/$1.data" --no-children --percent-limit 2 --stdio -g none 2>/dev/null |
        grep -v '^#' | grep -v '^$' | head -25 | tee "$OUT/$1.self.txt"
    echo "== $1: with children"
    perf report -i "$OUT/$1.data" --children --percent-limit 5 --stdio -g none 2>/dev/null |
        grep -v '^#' | grep -v '^$' | head -25 | tee "$OUT/$1.children.txt"
done
