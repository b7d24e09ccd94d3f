#!/usr/bin/env bash
# The Quick start demo: starts a local FalkorDB, builds boltc, and runs a query from Rust, C and
# Python against it.
source "$(dirname "$0")/env.sh"
source "$(dirname "$0")/falkordb.sh"
cd "$ROOT"
echo "== building"
cargo build --release --lib --examples
start_falkordb
echo "== Rust (examples/rust/query.rs)"
target/release/examples/query "$BOLT_URI" falkordb ""
echo "== C (examples/c/query.c)"
gcc -std=c11 -Wall -Wextra -Werror -Iinclude examples/c/query.c -Ltarget/release -lboltc \
    -Wl,-rpath,"$ROOT/target/release" -o target/release/query_c
target/release/query_c "$BOLT_URI"
echo "== C++ (examples/cpp/query.cpp)"
g++ -std=c++17 -Wall -Wextra -Werror -Iinclude -Ibindings/cpp/include examples/cpp/query.cpp \
    -Ltarget/release -lboltc -Wl,-rpath,"$ROOT/target/release" -o target/release/query_cpp
target/release/query_cpp "$BOLT_URI"
echo "== Python (examples/python/query.py)"
BOLTC_LIBRARY="$ROOT/target/release/libboltc.so" PYTHONPATH="$ROOT/bindings/python" \
    "$VENV/bin/python" examples/python/query.py "$BOLT_URI"
stop_falkordb
