#!/usr/bin/env bash
# Load test: examples/hyper.rs in its three modes (bare handler, RedactLayer,
# the tower-http stack), each server pinned to CPU 0, wrk pinned to CPU 1
# with HTTP/1.1 pipelining, rounds interleaved (the order rotates each
# round). Prints requests/s per mode (median over rounds) and the ratios.
#
#   scripts/load.sh                          # 3 rounds x 10 s per mode on /
#   LOAD_DURATION=5 LOAD_ROUNDS=3 scripts/load.sh
#   LOAD_PATH=/fail scripts/load.sh          # the 500 rewrite path
#
# Environment (defaults): LOAD_DURATION=10 (seconds per run), LOAD_ROUNDS=3,
# LOAD_CONNECTIONS=64, LOAD_DEPTH=16 (pipelined requests per write),
# LOAD_PATH=/, LOAD_WARMUP=2 (seconds of load per mode before the rounds),
# LOAD_MODES="bare redact towerhttp", RUST_LOG=info (the servers' log filter; their output goes to
# target/load/*.log). Everything binds 127.0.0.1 only; the servers are killed
# on exit; every wrk run is bounded by `timeout`.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${LOAD_DURATION:-10}
ROUNDS=${LOAD_ROUNDS:-3}
CONNECTIONS=${LOAD_CONNECTIONS:-64}
DEPTH=${LOAD_DEPTH:-16}
URL_PATH=${LOAD_PATH:-/}
WARMUP=${LOAD_WARMUP:-2}
read -r -a MODES <<<"${LOAD_MODES:-bare redact towerhttp}"
export RUST_LOG=${RUST_LOG:-info}
SERVER_CPU=0
CLIENT_CPU=1
BAR=50000

if ! command -v wrk >/dev/null 2>&1; then
  echo "==> installing wrk"
  if ! apt-get install -y wrk >/dev/null 2>&1; then
    apt-get update >/dev/null
    apt-get install -y wrk >/dev/null
  fi
fi
if [ "$(nproc)" -lt 2 ]; then
  echo "warning: fewer than 2 CPUs; server and wrk will share one" >&2
  CLIENT_CPU=0
fi

echo "==> cargo build --release --example hyper"
cargo build --release --example hyper --quiet
BIN=target/release/examples/hyper
LOGDIR=target/load
mkdir -p "$LOGDIR"

declare -A PIDS=() PORTS=()
cleanup() {
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for mode in "${MODES[@]}"; do
  # Port 0: the server picks a free port and prints it on stdout.
  taskset -c "$SERVER_CPU" "$BIN" --mode "$mode" --addr "127.0.0.1:0" \
    >"$LOGDIR/$mode.log" 2>&1 &
  PIDS[$mode]=$!
done

for mode in "${MODES[@]}"; do
  for _ in $(seq 1 100); do
    port=$(sed -n 's|^listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$LOGDIR/$mode.log")
    if [ -n "$port" ] || ! kill -0 "${PIDS[$mode]}" 2>/dev/null; then break; fi
    sleep 0.1
  done
  url="http://127.0.0.1:${port:-0}$URL_PATH"
  if [ -z "$port" ] || ! curl -s -o /dev/null --max-time 2 "$url"; then
    echo "server $mode did not come up; its log:" >&2
    cat "$LOGDIR/$mode.log" >&2
    exit 1
  fi
  PORTS[$mode]=$port
  echo "--- $mode on 127.0.0.1:$port: $URL_PATH -> $(curl -s -o /dev/null -w '%{http_code}' "$url") $(curl -s -D - -o /dev/null "$url" | grep -i '^x-request-id' | tr -d '\r' || true)"
done

# run_wrk MODE SECONDS -> prints requests/s
run_wrk() {
  local mode=$1 seconds=$2 out
  out=$(timeout $((seconds + 15)) taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" \
    -d"${seconds}s" -s scripts/pipeline.lua "http://127.0.0.1:${PORTS[$mode]}$URL_PATH" \
    -- "$DEPTH")
  if ! kill -0 "${PIDS[$mode]}" 2>/dev/null; then
    echo "server $mode died; its log:" >&2
    tail -20 "$LOGDIR/$mode.log" >&2
    exit 1
  fi
  if grep -q 'Socket errors' <<<"$out"; then
    echo "  ($mode: $(grep 'Socket errors' <<<"$out" | sed 's/^ *//'))" >&2
  fi
  awk '/^Requests\/sec:/ {print $2}' <<<"$out"
}

echo "==> machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); $(date -u +%Y-%m-%dT%H:%MZ)"
echo "==> wrk -t1 -c$CONNECTIONS -d${DURATION}s, pipelining depth $DEPTH, path $URL_PATH, $ROUNDS rounds; server on CPU $SERVER_CPU, wrk on CPU $CLIENT_CPU; RUST_LOG=$RUST_LOG"
if [ "$WARMUP" -gt 0 ]; then
  for mode in "${MODES[@]}"; do run_wrk "$mode" "$WARMUP" >/dev/null; done
fi

declare -A RESULTS=() ROUND_RATIOS=()
n=${#MODES[@]}
for round in $(seq 1 "$ROUNDS"); do
  line="round $round:"
  declare -A THIS=()
  for k in $(seq 0 $((n - 1))); do
    mode=${MODES[$(((k + round - 1) % n))]}
    rps=$(run_wrk "$mode" "$DURATION")
    THIS[$mode]=$rps
    RESULTS[$mode]="${RESULTS[$mode]:-} $rps"
    line="$line $mode=$rps"
  done
  # Ratios within the round: less exposed to load drifting between rounds.
  if [ -n "${THIS[bare]:-}" ]; then
    for mode in "${MODES[@]}"; do
      r=$(awk -v a="${THIS[$mode]}" -v b="${THIS[bare]}" 'BEGIN {printf "%.4f", a / b}')
      ROUND_RATIOS[$mode]="${ROUND_RATIOS[$mode]:-} $r"
    done
  fi
  echo "$line"
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.2f\n", (a[NR/2]+a[NR/2+1])/2}'; }

declare -A MEDIAN=()
for mode in "${MODES[@]}"; do
  MEDIAN[$mode]=$(median <<<"${RESULTS[$mode]}")
done

echo
echo "| mode | req/s (median of $ROUNDS) | rounds | vs bare | vs towerhttp | median of per-round ratios to bare |"
echo "|---|---:|---|---:|---:|---:|"
for mode in "${MODES[@]}"; do
  vs_bare="–"
  vs_th="–"
  if [ -n "${MEDIAN[bare]:-}" ]; then
    vs_bare=$(awk -v a="${MEDIAN[$mode]}" -v b="${MEDIAN[bare]}" 'BEGIN {printf "%.1f %%", 100 * a / b}')
  fi
  if [ -n "${MEDIAN[towerhttp]:-}" ]; then
    vs_th=$(awk -v a="${MEDIAN[$mode]}" -v b="${MEDIAN[towerhttp]}" 'BEGIN {printf "%.1f %%", 100 * a / b}')
  fi
  per_round="–"
  if [ -n "${ROUND_RATIOS[$mode]:-}" ]; then
    per_round=$(median <<<"${ROUND_RATIOS[$mode]}" | awk '{printf "%.1f %%", 100 * $1}')
  fi
  printf '| %s | %.0f | %s | %s | %s | %s |\n' "$mode" "${MEDIAN[$mode]}" "$(echo ${RESULTS[$mode]})" "$vs_bare" "$vs_th" "$per_round"
done
echo
if [ -n "${MEDIAN[redact]:-}" ]; then
  if awk -v a="${MEDIAN[redact]}" -v b="$BAR" 'BEGIN {exit !(a > b)}'; then
    echo "redact on one core: ${MEDIAN[redact]} req/s > $BAR: above the bar"
  else
    echo "redact on one core: ${MEDIAN[redact]} req/s <= $BAR: BELOW the bar"
  fi
fi
if [ -n "${MEDIAN[redact]:-}" ] && [ -n "${MEDIAN[bare]:-}" ]; then
  if awk -v a="${MEDIAN[redact]}" -v b="${MEDIAN[bare]}" 'BEGIN {exit !(a >= 0.95 * b)}'; then
    echo "target >= 95 % of bare: met"
  else
    echo "target >= 95 % of bare: missed"
  fi
fi
