#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ one after the other, each for SECONDS (default 20) of wall
# time, niced, with AddressSanitizer (set SANITIZER=none to build without it).
#
#   scripts/fuzz.sh                 # ~20 s per target: a smoke run
#   SECONDS_PER_TARGET=360 scripts/fuzz.sh packstream message   # a campaign
#
# Only stable Rust is installed here, so cargo-fuzz's nightly flags (-Zsanitizer, -Cpasses) are
# unlocked with RUSTC_BOOTSTRAP=1. Crashing inputs land in fuzz/artifacts/<target>/; copy each into
# tests/fuzz_regressions/<target>/ so `cargo test --test fuzz_regressions` replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
export RUSTC_BOOTSTRAP=1
secs="${SECONDS_PER_TARGET:-20}"
san="${SANITIZER:-address}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(packstream message chunk handshake uri session)
if ! command -v cargo-fuzz >/dev/null; then
    echo "cargo-fuzz is not installed (cargo install cargo-fuzz); skipping the fuzz run"
    exit 0
fi
cd fuzz
nice -n 10 cargo fuzz build -O -s "$san"
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    echo "== fuzz $t for ${secs}s"
    nice -n 10 cargo fuzz run -O -s "$san" "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$secs" -max_len=4096 -rss_limit_mb=1024 -timeout=10 -print_final_stats=1 \
        2>&1 | grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)|Done|ERROR|panicked|SUMMARY' || true
    if compgen -G "artifacts/$t/*" >/dev/null; then
        echo "!! $t: crashing inputs in fuzz/artifacts/$t/"
        exit 1
    fi
done
