#!/usr/bin/env bash
# Runs every test: formatting, lints, the Rust unit and integration tests (stub servers and a
# real FalkorDB the tests start themselves), the C/C++ tests and the Python tests.
source "$(dirname "$0")/env.sh"
cd "$ROOT"
export BOLTC_REQUIRE_FALKORDB=1
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --all-targets --workspace -- -D warnings
echo "== cargo doc"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --workspace --quiet
echo "== cargo build"
cargo build --workspace
echo "== cargo test"
LOGS="$(mktemp -d)"
cargo test --workspace 2>&1 | tee "$LOGS/cargo.log"
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
