#!/usr/bin/env bash
# Runs every test: formatting, lints, the Rust unit and integration tests (stub servers, a
# real FalkorDB the tests start themselves, and real Neo4j servers started here), the C/C++
# tests and the Python tests.
#
# Neo4j: scripts/neo4j.sh starts the 5.26 LTS line, and the latest line when a JDK 21+ is
# found (BOLTC_NEO4J_LINES="lts latest" by default), in the background while the code
# compiles; the first run downloads Neo4j from Maven Central into .cache/m2. The servers this
# script started are stopped on exit. Under CI (CI set) a missing Neo4j fails the Neo4j tests
# (BOLTC_REQUIRE_NEO4J=1); elsewhere they print SKIPPED.
source "$(dirname "$0")/env.sh"
cd "$ROOT"
export BOLTC_REQUIRE_FALKORDB=1
if [ -n "${CI:-}" ]; then export BOLTC_REQUIRE_NEO4J=1; fi
NEO4J_LINES="${BOLTC_NEO4J_LINES:-lts latest}"
NEO4J_STARTED=()
NEO4J_JOB=""
stop_neo4j() {
    local line
    # A start still under way first finishes (so its server has a pid file), then stops.
    [ -n "$NEO4J_JOB" ] && wait "$NEO4J_JOB" 2>/dev/null || true
    for line in "${NEO4J_STARTED[@]}"; do scripts/neo4j.sh stop --line "$line" || true; done
}
trap stop_neo4j EXIT
mkdir -p target
for line in $NEO4J_LINES; do
    if scripts/neo4j.sh status --line "$line" >/dev/null 2>&1; then
        echo "== Neo4j ($line) already running: using it"
    else
        NEO4J_STARTED+=("$line")
        rm -f "target/neo4j-start-$line.ok"
    fi
done
# One after the other (the lines share the Maven cache), in the background while the code
# compiles; each leaves its log and, when it started, an .ok file.
if [ "${#NEO4J_STARTED[@]}" -gt 0 ]; then
    (
        for line in "${NEO4J_STARTED[@]}"; do
            if scripts/neo4j.sh start --line "$line" >"target/neo4j-start-$line.log" 2>&1; then
                touch "target/neo4j-start-$line.ok"
            fi
        done
    ) &
    NEO4J_JOB=$!
fi
# Waits for the starts; a line that did not start is reported (under BOLTC_REQUIRE_NEO4J=1,
# the LTS line is required), then exports BOLTC_NEO4J_ENV for the Rust and Python tests.
wait_neo4j() {
    local line env_files=()
    [ -n "$NEO4J_JOB" ] && wait "$NEO4J_JOB"
    NEO4J_JOB=""
    for line in "${NEO4J_STARTED[@]}"; do
        if [ -f "target/neo4j-start-$line.ok" ]; then
            tail -n 1 "target/neo4j-start-$line.log"
        else
            echo "== Neo4j ($line) did not start:" >&2
            cat "target/neo4j-start-$line.log" >&2
            if [ "$line" = lts ] && [ "${BOLTC_REQUIRE_NEO4J:-}" = 1 ]; then return 1; fi
        fi
    done
    for line in $NEO4J_LINES; do
        [ -f "target/neo4j/$line.env" ] && env_files+=("$ROOT/target/neo4j/$line.env")
    done
    BOLTC_NEO4J_ENV="$(IFS=:; echo "${env_files[*]}")"
    export BOLTC_NEO4J_ENV
    echo "== Neo4j env files: ${BOLTC_NEO4J_ENV:-none}"
}
# The ThreadSanitizer run of the C tests (tests/c_api.rs) rebuilds std with -Zbuild-std, which
# needs the toolchain's sources.
if ! rustup component list --installed 2>/dev/null | grep -q '^rust-src'; then
    echo "== rustup component add rust-src"
    rustup component add rust-src
fi
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --all-targets --workspace -- -D warnings
echo "== cargo doc"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --workspace --quiet
echo "== cargo build"
cargo build --workspace
wait_neo4j
echo "== cargo test"
LOGS="$(mktemp -d)"
cargo test --workspace 2>&1 | tee "$LOGS/cargo.log"
echo "== cargo test, poll-stats feature (its counting test)"
cargo test --lib --features poll-stats poll_stats 2>&1 | tee -a "$LOGS/cargo.log"
echo "== python tests"
cargo build --release --lib
BOLTC_LIBRARY="$ROOT/target/release/libboltc.so" PYTHONPATH="$ROOT/bindings/python" \
    "$VENV/bin/python" -m pytest -q bindings/python/tests 2>&1 | tee "$LOGS/pytest.log"
# One closing line for everything (any failure above has already stopped the script).
"$VENV/bin/python" - "$LOGS/cargo.log" "$LOGS/pytest.log" <<'PY'
import re, sys
passed = failed = 0
for line in open(sys.argv[1]):
    m = re.match(r"test result: \w+\. (\d+) passed; (\d+) failed", line)
    if m:
        passed += int(m.group(1)); failed += int(m.group(2))
for line in open(sys.argv[2]):
    for n, what in re.findall(r"(\d+) (passed|failed)", line):
        if what == "passed": passed += int(n)
        else: failed += int(n)
print(f"all tests: {passed} passed, {failed} failed")
PY
