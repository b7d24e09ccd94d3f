#!/usr/bin/env bash
# Runs TestKit's stub test suites (or its integration suites against a real Neo4j) against
# boltc's TestKit backend.
#
#   TESTKIT_DIR=/path/to/testkit-checkout scripts/testkit.sh
#   TESTKIT_DIR=... TESTKIT_SUITE=neo4j TEST_NEO4J_HOST=127.0.0.1 TEST_NEO4J_PORT=7687 \
#       TEST_NEO4J_PASS=... TEST_NEO4J_VERSION=5.26 scripts/testkit.sh
#   TESTKIT_DIR=... TESTKIT_SUITE=neo4j TESTKIT_NEO4J_LINE=both scripts/testkit.sh
#
# Environment:
#   TESTKIT_DIR        (required) a checkout of the TestKit repository
#   TESTKIT_SUITE      `stub` (default): tests/stub, scripted servers; `neo4j`: tests/neo4j, the
#                      integration suites, against the running server named by
#                      TEST_NEO4J_HOST (else BOLTC_NEO4J_HOST, as written by scripts/neo4j.sh),
#                      TEST_NEO4J_PORT (else BOLTC_NEO4J_PORT, else 7687),
#                      TEST_NEO4J_USER (else BOLTC_NEO4J_USER, else neo4j),
#                      TEST_NEO4J_PASS (else BOLTC_NEO4J_PASSWORD; required),
#                      TEST_NEO4J_VERSION (else BOLTC_NEO4J_VERSION cut to major.minor; required:
#                      TestKit wants `major.minor`, e.g. 5.26: it expects the agent string
#                      `Neo4j/<version>` after cutting the agent's own version to two parts, and
#                      looks the version up in its table of Bolt versions per server),
#                      TEST_NEO4J_EDITION (else BOLTC_NEO4J_EDITION, else community),
#                      TEST_NEO4J_SCHEME (default bolt); not with TESTKIT_SHARDS/TESTKIT_NETNS
#                      (the server is on the host's loopback)
#                      `tls`: tests/tls, TestKit's TLS suites, against its own TLS server
#                      (tlsserver, built here with Go from a scratch copy of the checkout, as
#                      the suites expect it inside the checkout). What TestKit's Docker image
#                      provides is given to the backend instead: the names `thehost` and
#                      `thehostbutwrong` resolve to 127.0.0.1 (BOLTC_TESTKIT_HOSTS, through the
#                      driver's resolver hook: certificates are still checked against the name),
#                      the system trust store is TestKit's trusted root (SSL_CERT_FILE), and
#                      relative CA file names are looked up in its custom CA folder
#                      (BOLTC_TESTKIT_CA_DIR); see testkit-backend/src/tls_env.rs. Not with
#                      TESTKIT_SHARDS/TESTKIT_NETNS (one fixed port, 6666).
#   TESTKIT_NEO4J_LINE (optional, with TESTKIT_SUITE=neo4j) `lts`, `latest` or `both`: the
#                      server line(s) to run against, started with scripts/neo4j.sh (a line
#                      already running is reused through target/neo4j/<line>.env; a line this
#                      script started is stopped, by pid, when it ends). Its env file then
#                      supplies the TEST_NEO4J_ values above. `both` runs lts, then latest, each
#                      with its logs under $TESTKIT_SCRATCH/<line>, and fails if either fails.
#   TESTKIT_FILTER     (optional) extended regex; only test modules whose name matches run,
#                      e.g. 'versions|basic_query|session_run'
#   TESTKIT_VENV       (optional) where to create the Python venv (default $TESTKIT_DIR/.venv)
#   TESTKIT_PORT       (optional) backend port (default 9876)
#   TESTKIT_SCRATCH    (optional) where logs and helper files go (default $TESTKIT_VENV/boltc-testkit)
#   TESTKIT_SHARDS=N   run N shards at once, each in its own network namespace (implies the
#                      namespace; needs `unshare -rn`), and report them together
#   TESTKIT_NETNS=1    run the suites in a private network namespace (`unshare -rn`, loopback
#                      only), so that several runs can use TestKit's fixed stub ports at once
#   TESTKIT_MODULE_TIMEOUT (optional) seconds one test module may take (default 900)
#   TESTKIT_ALLOW_FAILURES=1  exit 0 even when tests fail
#   TESTKIT_NO_ERROR_TABLE=1  run against a scratch copy of the checkout ($TESTKIT_SCRATCH/
#                      testkit-no-error-table) in which TestKit's per-driver error-name tables
#                      no longer fail for drivers they do not list (see below)
#
# It creates a venv with TestKit's few Python dependencies, builds the backend in release mode,
# starts it on 127.0.0.1, runs every stub test module with `python -m unittest -v MODULE`,
# prints a per-suite table and ends with the line `N passed, N failed` (skipped tests are not
# passes; errors count as failures). The backend is killed by its pid at the end.
#
# Stub server address: TestKit's StubServer (tests/stub/shared.py) always starts boltstub with
# `-l 0.0.0.0:PORT`, i.e. on every interface; TEST_STUB_HOST only chooses the address the
# driver connects to, and there is no environment variable for the listen address. So that the
# stub servers listen on loopback only, this script puts a small `sitecustomize.py` of its own
# on PYTHONPATH for the test processes: it rewrites a `0.0.0.0:PORT` argument following `-l` in
# a `boltstub` command line to `$TEST_STUB_HOST:PORT`. The TestKit checkout is not modified.
# (Not inside the private network namespace of TESTKIT_NETNS/TESTKIT_SHARDS, whose interfaces are
# its own: there the stubs keep the wildcard, for tests that connect to the "real" IPs.)
#
# Error-name tables (TESTKIT_NO_ERROR_TABLE=1): many TestKit tests check an error's type against
# a table of the official drivers' type names whose last branch is
# `self.fail("no error mapping is defined for %s driver" % driver)`. For boltc that line fails
# the subtest and stops it before the rest of it runs. With this option the script copies the
# checkout to a scratch directory (made afresh on every run) and replaces each such line, and
# only those, by `pass`; the code and retryability checks around the tables stay. It stops with an
# error when no line matches or when a line naming the mapping has another form (TestKit changed:
# the replacement must be looked at again). The checkout itself is never modified.
set -euo pipefail

: "${TESTKIT_DIR:?set TESTKIT_DIR to a TestKit checkout}"
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TESTKIT_DIR=$(cd "$TESTKIT_DIR" && pwd)
VENV=${TESTKIT_VENV:-$TESTKIT_DIR/.venv}
PORT=${TESTKIT_PORT:-9876}
HOST=127.0.0.1
FILTER=${TESTKIT_FILTER:-}
MODULE_TIMEOUT=${TESTKIT_MODULE_TIMEOUT:-900}
SCRATCH=${TESTKIT_SCRATCH:-$VENV/boltc-testkit}
# Absolute: the shards and the test modules run in other directories.
VENV=$(realpath -m "$VENV") SCRATCH=$(realpath -m "$SCRATCH")
LOGS=$SCRATCH/logs

# --- Python environment ------------------------------------------------------------------
if [ ! -x "$VENV/bin/python" ]; then
    echo "testkit.sh: creating venv in $VENV"
    python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c 'import ifaddr, lark, pytz' 2>/dev/null; then
    "$VENV/bin/python" -m pip install --quiet ifaddr lark pytz
fi
PY=$VENV/bin/python
mkdir -p "$SCRATCH/site" "$SCRATCH/tmp" "$LOGS"
rm -f "$LOGS"/*.log

# --- Scratch copy without the error-name tables' failure (TESTKIT_NO_ERROR_TABLE=1) ----------
# (TESTKIT_SUITE=tls copies the checkout too, without changing it, unless this copy is made.)
# BOLTC_TESTKIT_COPIED marks a run of this script that already works on its copy.
if [ -z "${BOLTC_TESTKIT_COPIED:-}" ] &&
    { [ "${TESTKIT_NO_ERROR_TABLE:-0}" = 1 ] || [ "${TESTKIT_SUITE:-stub}" = tls ]; }; then
    if [ "${TESTKIT_NO_ERROR_TABLE:-0}" = 1 ]; then
        COPY=$SCRATCH/testkit-no-error-table
    else
        COPY=$SCRATCH/testkit-copy
    fi
    "$PY" - "$TESTKIT_DIR" "$COPY" "$VENV" "$SCRATCH" "${TESTKIT_NO_ERROR_TABLE:-0}" <<'PYEOF'
import os, re, shutil, sys

src, dst, replace = sys.argv[1], sys.argv[2], sys.argv[5] == "1"
sys.argv = sys.argv[:5]
leave_out = {os.path.realpath(p) for p in sys.argv[2:]}  # the copy, the venv, the scratch dir
if os.path.exists(dst):
    shutil.rmtree(dst)


def ignore(folder, names):
    return [n for n in names if n == "__pycache__"
            or os.path.realpath(os.path.join(folder, n)) in leave_out]


shutil.copytree(src, dst, symlinks=True, ignore=ignore)
if not replace:
    print("testkit.sh: copied %s to %s" % (src, dst))
    sys.exit(0)
FAIL = re.compile(r'^([ \t]*)self\.fail\("no error mapping is defined for %s driver" % driver\)[ \t]*$')
replaced, files, odd = 0, 0, []
for folder, _, names in os.walk(os.path.join(dst, "tests")):
    for name in names:
        if not name.endswith(".py"):
            continue
        path = os.path.join(folder, name)
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        hits = 0
        for i, line in enumerate(lines):
            m = FAIL.match(line)
            if m:
                lines[i] = m.group(1) + "pass  # boltc scripts/testkit.sh: TESTKIT_NO_ERROR_TABLE"
                hits += 1
            elif "no error mapping" in line:
                odd.append("%s:%d: %s" % (os.path.relpath(path, dst), i + 1, line.strip()))
        if hits:
            with open(path, "w", encoding="utf-8") as f:
                f.write("\n".join(lines))
            replaced += hits
            files += 1
if odd or not replaced:
    print("testkit.sh: TESTKIT_NO_ERROR_TABLE: the replacement no longer applies to this TestKit"
          " checkout (%d lines matched; lines of another form: %s)" % (replaced, odd or "none"),
          file=sys.stderr)
    sys.exit(1)
print("testkit.sh: TESTKIT_NO_ERROR_TABLE: %d error-name table failures replaced in %d files of %s"
      % (replaced, files, dst))
PYEOF
    # Shards and the network namespace run this script again: they use the copy as it is.
    export TESTKIT_DIR=$COPY TESTKIT_VENV=$VENV BOLTC_TESTKIT_COPIED=1
fi

cat >"$SCRATCH/site/sitecustomize.py" <<'PYEOF'
# Written by boltc's scripts/testkit.sh: make TestKit's boltstub servers listen on
# $TEST_STUB_HOST instead of 0.0.0.0 (TestKit hard-codes the wildcard address).
import os
import subprocess

_HOST = os.environ.get("TEST_STUB_HOST")
_Popen = subprocess.Popen


def _loopback_args(args):
    # In the script's private network namespace every interface is the namespace's own (loopback
    # and a veth pair): the wildcard stays, so tests that use the "real" IPs reach the stubs.
    if os.environ.get("BOLTC_TESTKIT_IN_NETNS"):
        return args
    if not _HOST or not isinstance(args, (list, tuple)):
        return args
    tls = bool(args) and str(args[0]).endswith("/tlsserver")  # TestKit's TLS server: -bind
    if "boltstub" not in args and not tls:
        return args
    args = list(args)
    for i, arg in enumerate(args[:-1]):
        if arg in ("-l", "--listen-addr", "-bind") and args[i + 1].startswith("0.0.0.0:"):
            args[i + 1] = _HOST + args[i + 1][len("0.0.0.0"):]
    return args


class _LoopbackPopen(_Popen):
    def __init__(self, args, *rest, **kwargs):
        super().__init__(_loopback_args(args), *rest, **kwargs)


subprocess.Popen = _LoopbackPopen
PYEOF

# --- Which suites --------------------------------------------------------------------------
SUITE=${TESTKIT_SUITE:-stub}
NEO4J_LINE=${TESTKIT_NEO4J_LINE:-}
NEO4J_STARTED=""   # the line this run started, stopped again at exit
BACKEND_PID=""
cleanup() {
    if [ -n "$BACKEND_PID" ] && kill -0 "$BACKEND_PID" 2>/dev/null; then
        kill "$BACKEND_PID" 2>/dev/null || true
        wait "$BACKEND_PID" 2>/dev/null || true
    fi
    if [ -n "$NEO4J_STARTED" ]; then
        "$REPO/scripts/neo4j.sh" stop --line "$NEO4J_STARTED" || true
    fi
}
trap cleanup EXIT
if [ -n "$NEO4J_LINE" ] && [ "$SUITE" != neo4j ]; then
    echo "testkit.sh: TESTKIT_NEO4J_LINE applies to TESTKIT_SUITE=neo4j only" >&2
    exit 2
fi
case "$NEO4J_LINE" in
    "") ;;
    both)
        # Each line is this script again, one after the other (the backend port is reused).
        status=0
        for line in lts latest; do
            echo "testkit.sh: === Neo4j line $line"
            TESTKIT_NEO4J_LINE=$line TESTKIT_SCRATCH="$SCRATCH/$line" "${BASH_SOURCE[0]}" ||
                status=1
        done
        exit "$status"
        ;;
    lts | latest)
        ENV_FILE=$REPO/target/neo4j/$NEO4J_LINE.env
        if "$REPO/scripts/neo4j.sh" status --line "$NEO4J_LINE" >/dev/null 2>&1; then
            echo "testkit.sh: using the running Neo4j ($NEO4J_LINE) of $ENV_FILE"
        else
            "$REPO/scripts/neo4j.sh" start --line "$NEO4J_LINE"
            NEO4J_STARTED=$NEO4J_LINE
        fi
        # The line's own server, not whatever TEST_NEO4J_/BOLTC_NEO4J_ the caller had set.
        unset TEST_NEO4J_HOST TEST_NEO4J_PORT TEST_NEO4J_USER TEST_NEO4J_PASS TEST_NEO4J_VERSION \
            TEST_NEO4J_EDITION
        set -a
        # shellcheck disable=SC1090
        . "$ENV_FILE"
        set +a
        ;;
    *)
        echo "testkit.sh: TESTKIT_NEO4J_LINE must be lts, latest or both, not '$NEO4J_LINE'" >&2
        exit 2
        ;;
esac
case "$SUITE" in
    stub) ;;
    neo4j)
        if [ "${TESTKIT_SHARDS:-1}" -gt 1 ] || [ "${TESTKIT_NETNS:-0}" = 1 ]; then
            echo "testkit.sh: TESTKIT_SUITE=neo4j runs against a server on the host's network:" \
                "TESTKIT_SHARDS and TESTKIT_NETNS do not apply" >&2
            exit 2
        fi
        export TEST_NEO4J_HOST=${TEST_NEO4J_HOST:-${BOLTC_NEO4J_HOST:-}}
        export TEST_NEO4J_PORT=${TEST_NEO4J_PORT:-${BOLTC_NEO4J_PORT:-7687}}
        export TEST_NEO4J_USER=${TEST_NEO4J_USER:-${BOLTC_NEO4J_USER:-neo4j}}
        export TEST_NEO4J_PASS=${TEST_NEO4J_PASS:-${BOLTC_NEO4J_PASSWORD:-}}
        if [ -z "${TEST_NEO4J_VERSION:-}" ] && [ -n "${BOLTC_NEO4J_VERSION:-}" ]; then
            TEST_NEO4J_VERSION=$(cut -d. -f1,2 <<<"$BOLTC_NEO4J_VERSION")
        fi
        export TEST_NEO4J_VERSION=${TEST_NEO4J_VERSION:-}
        export TEST_NEO4J_EDITION=${TEST_NEO4J_EDITION:-${BOLTC_NEO4J_EDITION:-community}}
        export TEST_NEO4J_SCHEME=${TEST_NEO4J_SCHEME:-bolt}
        for v in TEST_NEO4J_HOST TEST_NEO4J_PASS TEST_NEO4J_VERSION; do
            if [ -z "${!v}" ]; then
                echo "testkit.sh: TESTKIT_SUITE=neo4j needs $v (or its BOLTC_NEO4J_ form)" >&2
                exit 2
            fi
        done
        if ! "$PY" -c "import socket, sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 5).close()" \
            "$TEST_NEO4J_HOST" "$TEST_NEO4J_PORT" 2>/dev/null; then
            echo "testkit.sh: no server accepts connections at $TEST_NEO4J_HOST:$TEST_NEO4J_PORT" >&2
            exit 1
        fi
        echo "testkit.sh: integration suites against $TEST_NEO4J_SCHEME://$TEST_NEO4J_HOST:$TEST_NEO4J_PORT" \
            "(Neo4j $TEST_NEO4J_VERSION $TEST_NEO4J_EDITION, user $TEST_NEO4J_USER)"
        ;;
    tls)
        if [ "${TESTKIT_SHARDS:-1}" -gt 1 ] || [ "${TESTKIT_NETNS:-0}" = 1 ]; then
            echo "testkit.sh: TESTKIT_SUITE=tls uses one fixed port: TESTKIT_SHARDS and" \
                "TESTKIT_NETNS do not apply" >&2
            exit 2
        fi
        command -v go >/dev/null || { echo "testkit.sh: TESTKIT_SUITE=tls needs Go" >&2; exit 2; }
        echo "testkit.sh: building TestKit's tlsserver in $TESTKIT_DIR/tlsserver"
        (cd "$TESTKIT_DIR/tlsserver" && GO111MODULE=off go build -o tlsserver main.go)
        CERTS=$TESTKIT_DIR/tests/tls/certs/driver
        export SSL_CERT_FILE=$CERTS/trusted/trustedRoot.crt
        export BOLTC_TESTKIT_CA_DIR=$CERTS/custom
        export BOLTC_TESTKIT_HOSTS=thehost=127.0.0.1,thehostbutwrong=127.0.0.1
        ;;
    *)
        echo "testkit.sh: TESTKIT_SUITE must be stub, neo4j or tls, not '$SUITE'" >&2
        exit 2
        ;;
esac

# --- Test modules ------------------------------------------------------------------------
# Module names: tests/<stub|neo4j>/<suite>/.../test_*.py -> tests.stub.<suite>....test_x
# (integration modules: tests.neo4j.test_x and tests.neo4j.datatypes.test_x)
if [ -n "${TESTKIT_MODULES:-}" ]; then
    read -r -a MODULES <<<"$TESTKIT_MODULES"
else
mapfile -t MODULES < <(cd "$TESTKIT_DIR" && find "tests/$SUITE" -name 'test_*.py' | sort \
    | sed -e 's/\.py$//' -e 's#/#.#g')
fi
if [ -n "$FILTER" ]; then
    mapfile -t MODULES < <(printf '%s\n' "${MODULES[@]}" | grep -E -- "$FILTER" || true)
fi
if [ "${#MODULES[@]}" -eq 0 ]; then
    echo "testkit.sh: no test module matches TESTKIT_FILTER='$FILTER'" >&2
    exit 1
fi


SHARDS=${TESTKIT_SHARDS:-1}
if [ "$SHARDS" -gt 1 ]; then
    # Sharded: each shard is this script again, in a network namespace of its own (the stub
    # servers use fixed ports), on a share of the modules balanced by file size. This process
    # only waits for them and adds up their logs below.
    cargo build --release --quiet --manifest-path "$REPO/Cargo.toml" -p testkit-backend
    mapfile -t SHARD_OF < <(cd "$TESTKIT_DIR" && "$PY" - "$SHARDS" "${MODULES[@]}" <<'PYEOF'
import os, sys
n, mods = int(sys.argv[1]), sys.argv[2:]
size = {m: os.path.getsize(m.replace(".", "/") + ".py") for m in mods}
load, out = [0] * n, [[] for _ in range(n)]
for m in sorted(mods, key=size.get, reverse=True):
    i = load.index(min(load))
    load[i] += size[m]
    out[i].append(m)
for shard in out:
    print(" ".join(shard))
PYEOF
    )
    PIDS=()
    for i in $(seq 0 $((SHARDS - 1))); do
        [ -n "${SHARD_OF[$i]:-}" ] || continue
        echo "testkit.sh: shard $i: ${SHARD_OF[$i]}"
        TESTKIT_SHARDS=1 TESTKIT_NETNS=1 TESTKIT_ALLOW_FAILURES=1 TESTKIT_FILTER= \
            TESTKIT_MODULES="${SHARD_OF[$i]}" TESTKIT_SCRATCH="$SCRATCH/shard$i" \
            "${BASH_SOURCE[0]}" >"$SCRATCH/shard$i.out" 2>&1 &
        PIDS+=($!)
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" || true
    done
    for i in $(seq 0 $((SHARDS - 1))); do
        cp "$SCRATCH/shard$i"/logs/*.log "$LOGS"/ 2>/dev/null || true
    done
fi

if [ "$SHARDS" -le 1 ]; then
# --- Backend -------------------------------------------------------------------------------
echo "testkit.sh: building testkit-backend (release)"
cargo build --release --quiet --manifest-path "$REPO/Cargo.toml" -p testkit-backend
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps --manifest-path "$REPO/Cargo.toml" \
    | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
BACKEND_BIN=$TARGET_DIR/release/testkit-backend

if [ "${TESTKIT_NETNS:-0}" = 1 ] && [ -z "${BOLTC_TESTKIT_IN_NETNS:-}" ]; then
    # Everything is built and installed: go on in a fresh network namespace of our own.
    export BOLTC_TESTKIT_IN_NETNS=1
    # Besides loopback, two non-loopback addresses on a veth pair (one per interface, as
    # TestKit picks one address per adapter): some routing tests need a host's "real" IPs.
    exec unshare -rn bash -c 'ip link set lo up &&
        { { ip link add tk0 type veth peer name tk1 &&
            ip addr add 10.231.0.1/32 dev tk0 && ip addr add 10.231.0.2/32 dev tk1 &&
            ip link set tk0 up && ip link set tk1 up; } ||
          echo "testkit.sh: warning: no veth pair, only loopback in the namespace" >&2; } &&
        exec "$0"' "${BASH_SOURCE[0]}"
fi

"$BACKEND_BIN" "$HOST:$PORT" >"$LOGS/backend.out" 2>&1 &
BACKEND_PID=$!

for _ in $(seq 1 100); do
    if "$PY" -c "import socket; socket.create_connection(('$HOST', $PORT), 0.2).close()" 2>/dev/null; then
        break
    fi
    if ! kill -0 "$BACKEND_PID" 2>/dev/null; then
        echo "testkit.sh: backend exited early:" >&2
        cat "$LOGS/backend.out" >&2
        exit 1
    fi
    sleep 0.1
done

export TEST_DRIVER_NAME=boltc
# TestKit writes each stub script to the temp dir under a fixed name: a run of its own keeps
# concurrent runs (shards) from overwriting each other's scripts.
export TMPDIR=$SCRATCH/tmp
export TEST_BACKEND_HOST=$HOST
export TEST_BACKEND_PORT=$PORT
export TEST_STUB_HOST=$HOST
export PYTHONPATH=$SCRATCH/site${PYTHONPATH:+:$PYTHONPATH}

for module in "${MODULES[@]}"; do
    echo "testkit.sh: running $module"
    (cd "$TESTKIT_DIR" && timeout "$MODULE_TIMEOUT" "$PY" -m unittest -v "$module") \
        >"$LOGS/$module.log" 2>&1 || true
done
fi

declare -A S_RUN S_PASS S_FAIL S_ERR S_SKIP
SUITES=()
for module in "${MODULES[@]}"; do
    suite=$(echo "$module" | cut -d. -f3)
    log=$LOGS/$module.log
    # Count per test method: a test with failing subtests is one failure (or error), however
    # many of its subtests failed; unittest's own totals count subtests.
    read -r run pass fail err skip < <("$PY" - "$log" <<'PYEOF'
import re, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
m = re.findall(r"^Ran (\d+) tests?", text, re.M)
if not m:
    print(1, 0, 0, 1, 0)  # crashed or timed out before unittest reported
    sys.exit()
run = int(m[-1])
def ids(kind):
    return {re.sub(r"\)\s*\(.*$", ")", line.strip())
            for line in re.findall(r"^%s: (.*)$" % kind, text, re.M)}
errors = ids("ERROR")
failures = ids("FAIL") - errors
# A test counts as skipped when the test itself was skipped (an unindented verbose line);
# skipped subtests of a test that otherwise ran do not make the test a skip. TestKit prints the
# driver's features during a module's first test, which puts that test's "skipped" on the
# next line.
lines = text.split("\n")
skipped_ids = set()
for i, line in enumerate(lines):
    t = re.match(r"^(test\w* \([^)]*\)) \.\.\. (.*)$", line)
    if not t:
        continue
    rest, after = t.group(2), lines[i + 1] if i + 1 < len(lines) else ""
    if rest.startswith("skipped") or (rest.startswith("features ")
                                      and after.startswith("skipped ")):
        skipped_ids.add(t.group(1))
skipped = len(skipped_ids - errors - failures)
skipped = min(skipped, run - len(errors) - len(failures))
print(run, run - len(errors) - len(failures) - skipped, len(failures), len(errors), skipped)
PYEOF
    )
    if ! grep -Eq '^Ran [0-9]+ tests?' "$log"; then
        echo "testkit.sh: $module did not finish (see $log)"
    fi
    if [ -z "${S_RUN[$suite]+x}" ]; then
        SUITES+=("$suite")
        S_RUN[$suite]=0 S_PASS[$suite]=0 S_FAIL[$suite]=0 S_ERR[$suite]=0 S_SKIP[$suite]=0
    fi
    S_RUN[$suite]=$((S_RUN[$suite] + run))
    S_PASS[$suite]=$((S_PASS[$suite] + pass))
    S_FAIL[$suite]=$((S_FAIL[$suite] + fail))
    S_ERR[$suite]=$((S_ERR[$suite] + err))
    S_SKIP[$suite]=$((S_SKIP[$suite] + skip))
done

T_RUN=0 T_PASS=0 T_FAIL=0 T_ERR=0 T_SKIP=0
echo
printf '%-28s %7s %7s %7s %7s %7s\n' suite tests passed failed skipped errors
for suite in "${SUITES[@]}"; do
    printf '%-28s %7d %7d %7d %7d %7d\n' "$suite" "${S_RUN[$suite]}" "${S_PASS[$suite]}" \
        "${S_FAIL[$suite]}" "${S_SKIP[$suite]}" "${S_ERR[$suite]}"
    T_RUN=$((T_RUN + S_RUN[$suite]))
    T_PASS=$((T_PASS + S_PASS[$suite]))
    T_FAIL=$((T_FAIL + S_FAIL[$suite]))
    T_ERR=$((T_ERR + S_ERR[$suite]))
    T_SKIP=$((T_SKIP + S_SKIP[$suite]))
done
printf '%-28s %7d %7d %7d %7d %7d\n' total "$T_RUN" "$T_PASS" "$T_FAIL" "$T_SKIP" "$T_ERR"
echo "logs: $LOGS"
echo
FAILED=$((T_FAIL + T_ERR))
echo "$T_PASS passed, $FAILED failed"
if [ "$FAILED" -gt 0 ] && [ "${TESTKIT_ALLOW_FAILURES:-0}" != 1 ]; then
    exit 1
fi
