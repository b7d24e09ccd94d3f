#!/usr/bin/env bash
# A real Neo4j Community for the tests: the embedded launcher in tests/neo4j-server.
#
#   scripts/neo4j.sh build  [--line lts|latest]   compile the launcher (Maven; downloads once)
#   scripts/neo4j.sh start  [--line lts|latest]   build if needed, start, wait until ready
#   scripts/neo4j.sh stop   [--line lts|latest]   stop it by pid (SIGTERM, then SIGKILL)
#   scripts/neo4j.sh status [--line lts|latest]   print the env file, or exit 1 if not running
#
# Lines: `lts` is Neo4j 5.26 on the default Java (17+); `latest` is the newest release, which
# needs Java 21+ (BOLTC_NEO4J_LATEST_JAVA_HOME, else the newest JDK under /usr/lib/jvm).
# Maven's cache is the repo-local, ignored .cache/m2: only the first build needs the network;
# later starts run plain `java -cp` on the class path the build wrote.
#
# A started server writes target/neo4j/<line>.env (KEY=value lines, shell-sourceable), which
# the tests read (tests/support/neo4j.rs, bindings/python/tests):
#   BOLTC_NEO4J_URI, _HOST, _PORT, _USER, _PASSWORD, _VERSION, _EDITION, _LINE, _PID, _ROUTING_TTL,
#   _TLS_CA (PEM of the CA that signed the server certificate), _TLS_HOST (the name the
#   certificate is for: "localhost"; 127.0.0.1 is deliberately not in it), _TLS_CLIENT_CERT/_KEY
#   (a client certificate signed by that CA), _TLS_UNTRUSTED_CERT/_KEY (a self-signed one).
# The Bolt connector takes plain and TLS connections alike (encryption level OPTIONAL); TLS
# clients may present a certificate, which must then chain to the CA (client auth OPTIONAL).
#
# Environment: BOLTC_NEO4J_START_TIMEOUT (seconds, default 240), BOLTC_NEO4J_HEAP (default 1g),
# BOLTC_NEO4J_PASSWORD (default boltc-test-password), BOLTC_NEO4J_ROUTING_TTL (seconds a routing
# table lives, default 5 so tests see the driver's background refresh; Neo4j's own default is
# 300), BOLTC_NEO4J_START_PORT (default: a free port).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVER_DIR="$ROOT/tests/neo4j-server"
STATE="$ROOT/target/neo4j"
M2="$ROOT/.cache/m2"

cmd="${1:-}"
shift || true
line=lts
while [ $# -gt 0 ]; do
    case "$1" in
        --line) line="${2:?--line needs lts or latest}"; shift 2 ;;
        --line=*) line="${1#--line=}"; shift ;;
        *) echo "neo4j.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
case "$line" in
    lts) profile=() ;;
    latest) profile=(-Pline-latest) ;;
    *) echo "neo4j.sh: --line must be lts or latest, not $line" >&2; exit 2 ;;
esac

# The JDK for a line: the default one for lts; Java 21+ for latest.
java_home() {
    if [ "$line" = lts ]; then
        echo "${JAVA_HOME:-}"
        return
    fi
    if [ -n "${BOLTC_NEO4J_LATEST_JAVA_HOME:-}" ]; then
        echo "$BOLTC_NEO4J_LATEST_JAVA_HOME"
        return
    fi
    local best="" best_v=0 d v
    for d in /usr/lib/jvm/*/; do
        d="${d%/}"
        [ -x "$d/bin/java" ] && [ -x "$d/bin/javac" ] || continue
        v="$("$d/bin/java" -XshowSettings:properties -version 2>&1 |
            sed -n 's/^ *java\.specification\.version = //p')"
        [[ "$v" =~ ^[0-9]+$ ]] || continue
        if [ "$v" -ge 21 ] && [ "$v" -gt "$best_v" ]; then best="$d"; best_v="$v"; fi
    done
    if [ -z "$best" ]; then
        echo "neo4j.sh: the latest line needs Java 21+; set BOLTC_NEO4J_LATEST_JAVA_HOME" >&2
        return 1
    fi
    echo "$best"
}

# The JDK, found only by the commands that need one (stop and status work without it).
JH=""
JAVA=java
resolve_java() {
    JH="$(java_home)"
    JAVA="${JH:+$JH/bin/}java"
}
BUILD="$SERVER_DIR/target/$line"
ENV_FILE="$STATE/$line.env"
PID_FILE="$STATE/$line.pid"
LOG_FILE="$STATE/$line.log"

build() {
    resolve_java
    # Rebuild when the sources or the pom are newer than the last build.
    if [ -f "$BUILD/classpath.txt" ] && [ -z "$(find "$SERVER_DIR/pom.xml" "$SERVER_DIR/src" \
        -newer "$BUILD/classpath.txt" -print -quit)" ]; then
        return 0
    fi
    echo "== building the Neo4j launcher ($line) with Maven (cache: $M2)"
    # After a first successful build the cache holds everything: try without the network
    # first, then with it (a changed pom may need new artifacts).
    local mvn=(mvn -B -q "${profile[@]}" -Dmaven.repo.local="$M2" compile)
    if ! (cd "$SERVER_DIR" && [ -f "$BUILD/classpath.txt" ] &&
        JAVA_HOME="$JH" "${mvn[@]}" -o >/dev/null 2>&1); then
        (cd "$SERVER_DIR" && JAVA_HOME="$JH" "${mvn[@]}") || {
            echo "neo4j.sh: the Maven build failed (is Maven installed, Maven Central reachable?)" >&2
            return 1
        }
    fi
    touch "$BUILD/classpath.txt"
}

# A CA; a server certificate for "localhost" and a client certificate signed by it; and a
# self-signed client certificate the server does not trust (generated once per checkout).
certs() {
    local dir="$STATE/certs"
    [ -f "$dir/server.key" ] && [ -f "$dir/untrusted.key" ] && { encrypted_client_key; return 0; }
    mkdir -p "$dir"
    (
        cd "$dir"
        openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=boltc test CA" \
            -keyout ca.key -out ca.pem -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
        openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key.tmp \
            -out server.csr 2>/dev/null
        printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
            >server.ext
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
            -extfile server.ext -out server.pem 2>/dev/null
        # Neo4j reads PKCS#8 keys.
        openssl pkcs8 -topk8 -nocrypt -in server.key.tmp -out server.key
        openssl req -newkey rsa:2048 -nodes -subj "/CN=boltc test client" -keyout client.key \
            -out client.csr 2>/dev/null
        printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n' >client.ext
        openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
            -extfile client.ext -out client.pem 2>/dev/null
        openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=untrusted client" \
            -keyout untrusted.key -out untrusted.pem 2>/dev/null
        rm -f server.key.tmp server.csr server.ext client.csr client.ext ca.srl
    )
    encrypted_client_key
}

# The client key again, encrypted (PKCS#8, PBES2 with PBKDF2-SHA256 and AES-256-CBC) with a
# test password, for the mutual TLS tests with a key password.
encrypted_client_key() {
    local dir="$STATE/certs"
    [ -f "$dir/client.enc.key" ] && return 0
    openssl pkcs8 -topk8 -v2 aes-256-cbc -passout pass:boltc-test-key-pass \
        -in "$dir/client.key" -out "$dir/client.enc.key.tmp"
    mv "$dir/client.enc.key.tmp" "$dir/client.enc.key"
}

running_pid() {
    local pid
    [ -f "$PID_FILE" ] || return 1
    pid="$(cat "$PID_FILE")"
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    echo "$pid"
}

start() {
    if pid="$(running_pid)"; then
        echo "== Neo4j ($line) already running (pid $pid)"
        cat "$ENV_FILE"
        return 0
    fi
    rm -f "$ENV_FILE" "$PID_FILE"
    build
    certs
    mkdir -p "$STATE"
    local password="${BOLTC_NEO4J_PASSWORD:-boltc-test-password}"
    local timeout="${BOLTC_NEO4J_START_TIMEOUT:-240}"
    local routing_ttl="${BOLTC_NEO4J_ROUTING_TTL:-5}"
    local started=$SECONDS attempt pid ready=""
    # The launcher picks a free port and then binds it: someone may take it in between, so a
    # start that fails on a port in use is tried again.
    for attempt in 1 2 3; do
        : >"$LOG_FILE"
        # setsid: the server is its own process group, so a Ctrl-C in the calling shell does
        # not reach it half-way; `stop` ends it by pid. The port is given explicitly, so a
        # BOLTC_NEO4J_PORT in the environment (from a sourced env file) is not reused.
        BOLTC_NEO4J_PASSWORD="$password" setsid "$JAVA" -Xms"${BOLTC_NEO4J_HEAP:-1g}" \
            -Xmx"${BOLTC_NEO4J_HEAP:-1g}" -XX:+UseSerialGC \
            --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
            -cp "$BUILD/classes:$(cat "$BUILD/classpath.txt")" boltc.neo4j.Server \
            --port "${BOLTC_NEO4J_START_PORT:-0}" --routing-ttl "$routing_ttl" \
            --tls-cert "$STATE/certs/server.pem" --tls-key "$STATE/certs/server.key" \
            --tls-ca "$STATE/certs/ca.pem" --client-auth optional \
            >"$LOG_FILE" 2>&1 </dev/null &
        pid=$!
        echo "$pid" >"$PID_FILE"
        while [ $((SECONDS - started)) -lt "$timeout" ]; do
            ready="$(grep -m1 '^NEO4J READY ' "$LOG_FILE" || true)"
            [ -n "$ready" ] && break
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.5
        done
        [ -n "$ready" ] && break
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$PID_FILE"
            if [ "$attempt" -lt 3 ] && grep -qi 'address already in use' "$LOG_FILE"; then
                echo "== Neo4j ($line): its port was taken; starting again" >&2
                continue
            fi
            echo "neo4j.sh: Neo4j ($line) exited before it was ready; log $LOG_FILE:" >&2
            tail -n 40 "$LOG_FILE" >&2
            return 1
        fi
        break
    done
    if [ -z "$ready" ]; then
        echo "neo4j.sh: Neo4j ($line) not ready after ${timeout}s; log $LOG_FILE:" >&2
        tail -n 40 "$LOG_FILE" >&2
        stop
        return 1
    fi
    # NEO4J READY bolt://127.0.0.1:PORT version=V edition=E tls=true
    local uri port version edition
    uri="$(awk '{print $3}' <<<"$ready")"
    port="${uri##*:}"
    version="$(sed -n 's/.* version=\([^ ]*\).*/\1/p' <<<"$ready")"
    edition="$(sed -n 's/.* edition=\([^ ]*\).*/\1/p' <<<"$ready")"
    cat >"$ENV_FILE.tmp" <<EOF
BOLTC_NEO4J_URI=$uri
BOLTC_NEO4J_HOST=127.0.0.1
BOLTC_NEO4J_PORT=$port
BOLTC_NEO4J_USER=neo4j
BOLTC_NEO4J_PASSWORD=$password
BOLTC_NEO4J_VERSION=$version
BOLTC_NEO4J_EDITION=$edition
BOLTC_NEO4J_LINE=$line
BOLTC_NEO4J_PID=$pid
BOLTC_NEO4J_TLS_CA=$STATE/certs/ca.pem
BOLTC_NEO4J_TLS_HOST=localhost
BOLTC_NEO4J_ROUTING_TTL=$routing_ttl
BOLTC_NEO4J_TLS_CLIENT_CERT=$STATE/certs/client.pem
BOLTC_NEO4J_TLS_CLIENT_KEY=$STATE/certs/client.key
BOLTC_NEO4J_TLS_CLIENT_ENC_KEY=$STATE/certs/client.enc.key
BOLTC_NEO4J_TLS_CLIENT_KEY_PASSWORD=boltc-test-key-pass
BOLTC_NEO4J_TLS_UNTRUSTED_CERT=$STATE/certs/untrusted.pem
BOLTC_NEO4J_TLS_UNTRUSTED_KEY=$STATE/certs/untrusted.key
EOF
    mv "$ENV_FILE.tmp" "$ENV_FILE"
    echo "== Neo4j $version ($line, pid $pid) at $uri, ready in $((SECONDS - started))s; env: $ENV_FILE"
}

stop() {
    local pid
    if ! pid="$(running_pid)"; then
        rm -f "$ENV_FILE" "$PID_FILE"
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 60); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "neo4j.sh: Neo4j ($line, pid $pid) ignored SIGTERM for 30s; killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$ENV_FILE" "$PID_FILE"
    echo "== Neo4j ($line, pid $pid) stopped"
}

case "$cmd" in
    build) build ;;
    start) start ;;
    stop) stop ;;
    status)
        if pid="$(running_pid)" && [ -f "$ENV_FILE" ]; then cat "$ENV_FILE"; else
            echo "Neo4j ($line) is not running"
            exit 1
        fi
        ;;
    *) echo "usage: scripts/neo4j.sh build|start|stop|status [--line lts|latest]" >&2; exit 2 ;;
esac
