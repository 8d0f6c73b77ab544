# Shared shell helpers for the capture scripts.
# rec PRODUCER REL LABEL CATEGORY SOURCE HOW  -> records a manifest row for an existing file
GEN_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CORPUS="$(dirname "$GEN_DIR")"
PY="${PY:-python3}"
rec() { "$PY" "$GEN_DIR/corpuslib.py" record "$@"; }
# cap REL URL [curl args...] : capture body exactly as sent (curl -s -o)
cap() { local rel="$1"; shift; mkdir -p "$(dirname "$CORPUS/$rel")"; local code; code=$(curl -s -o "$CORPUS/$rel" -w '%{http_code}' "$@"); echo "$code $rel" >&2; }
wait_port() { for i in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.2; done; echo "port $1 not up" >&2; return 1; }
