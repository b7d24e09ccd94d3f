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
echo "== cargo test"
cargo test --workspace 2>&1 | tee "${TMPDIR:-/tmp}/boltc-cargo-test.log"
if [ -d bindings/python/tests ]; then
    echo "== python tests"
    cargo build --release --lib
    BOLTC_LIBRARY="$ROOT/target/release/libboltc.so" PYTHONPATH="$ROOT/bindings/python" \
        "$VENV/bin/python" -m pytest -q bindings/python/tests
fi
