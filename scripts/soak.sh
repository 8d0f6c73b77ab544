#!/usr/bin/env bash
# Soak with fault injection: the demo server (examples/axum.rs) under the
# soak client (examples/soak.rs) for DURATION seconds at CONCURRENCY
# connections, with a route mix of successes, panics in every position,
# leaky and clean errors, body errors, slow, endless and oversized bodies.
# The client checks every response (exit 1 on any leak or failure); this
# script watches the server's memory and file descriptors and its log.
#
#   scripts/soak.sh                              # 300 s at 256 connections, release build
#   DURATION=20 CONCURRENCY=64 SOAK_PROFILE=dev scripts/soak.sh   # what CI runs
#
# Environment (defaults): DURATION=300, CONCURRENCY=256, SOAK_PROFILE=release
# (or dev: the debug build `cargo test` already made), SOAK_WARMUP (seconds
# of load excluded from the memory criterion; a fifth of DURATION, at most
# 60), SOAK_SAMPLE=1 (seconds between samples), SOAK_DRAIN=30 (seconds the
# descriptors get to return to the baseline), RUST_LOG=warn (the server's log
# filter). Output in target/soak/: samples.csv, client.log, server.log.
#
# Checks, each failing the run:
#   client     exit 0: every response as its route requires, no leak, no
#              timeout (30 s per request), no connection error;
#   memory     VmRSS does not keep growing: after the warm-up, the samples of
#              the load are cut in thirds by time, and the last third's
#              maximum must be <= the first third's maximum x 1.25 + 8 MiB;
#   fds        the open descriptors return to the pre-load baseline within
#              SOAK_DRAIN seconds after the client exits;
#   alive      the server still runs and answers / with 200 and an id;
#   log        no line but the demo's banner and tower_redact's own events
#              (a default panic hook's "thread '…' panicked" would be one),
#              and none of the planted credentials (`soak --never-logged`)
#              unmasked;
#   events     each fault logged exactly once: the layer's events counted by
#              message (panic caught, panic after the head, 5xx replaced,
#              leaky 4xx replaced, 4xx not inspectable) equal the client's
#              count of requests to the routes that cause them, and nothing
#              else at WARN or above (compared at RUST_LOG=warn only).
# The server's log goes through a filter that counts lines and keeps only the
# first 50 lines, the unexpected ones and any with a planted credential, so
# a long soak does not fill the disk. Everything binds 127.0.0.1 only; the
# server is stopped on exit; the client is bounded by `timeout`.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-300}
CONCURRENCY=${CONCURRENCY:-256}
PROFILE=${SOAK_PROFILE:-release}
SAMPLE=${SOAK_SAMPLE:-1}
DRAIN=${SOAK_DRAIN:-30}
WARMUP=${SOAK_WARMUP:-$(((DURATION / 5) < 60 ? DURATION / 5 : 60))}
RSS_FACTOR=1.25
RSS_SLACK_KIB=$((8 * 1024))
export RUST_LOG=${RUST_LOG:-warn}
export NO_COLOR=1
OUT=target/soak
case "$PROFILE" in
  dev) BIN=target/debug/examples ;;
  *) BIN=target/$PROFILE/examples ;;
esac

echo "==> cargo build --profile $PROFILE --example axum --example soak"
cargo build --profile "$PROFILE" --example axum --example soak --quiet
mkdir -p "$OUT"
rm -f "$OUT"/{samples.csv,client.log,server.log,server-flagged.log,server.fifo,log-counts.txt,phase}
: >"$OUT/server-flagged.log"

SERVER=
SAMPLER=
FILTER=
cleanup() {
  for pid in $SAMPLER $SERVER; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in $SAMPLER $SERVER $FILTER; do
    wait "$pid" 2>/dev/null || true
  done
  rm -f "$OUT/server.fifo" "$OUT/phase"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The server's output -> a FIFO -> the log filter.
"$BIN/soak" --never-logged >"$OUT/never-logged.txt"
mkfifo "$OUT/server.fifo"
awk -v secrets="$OUT/never-logged.txt" -v counts="$OUT/log-counts.txt" \
  -v flagged="$OUT/server-flagged.log" '
  BEGIN { while ((getline s < secrets) > 0) if (s != "") secret[s] = 1 }
  {
    lines++; bytes += length($0) + 1; keep = 0
    tracing = $1 ~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T.*Z$/
    if (tracing && $2 == "ERROR") errors++
    if (tracing && $2 == "WARN") warns++
    if (tracing && index($0, " tower_redact::log: ")) {
      if (index($0, "panic while streaming")) kind["panic_after_head"]++
      else if (index($0, "panic caught")) kind["panic_caught"]++
      else if (index($0, "server error response replaced")) kind["server_error_replaced"]++
      else if (index($0, "leaked internals")) kind["leak_replaced"]++
      else if (index($0, "could not be inspected")) kind["uninspectable"]++
      else if ($2 == "ERROR" || $2 == "WARN") kind["other"]++
    } else if (tracing && ($2 == "ERROR" || $2 == "WARN")) {
      unexpected++; keep = 1
    } else if (!tracing && !($0 ~ /^tower-redact demo listening on / || $0 ~ /^  curl -i / || $0 ~ /^  and the fault routes/)) {
      unexpected++; keep = 1
    }
    for (s in secret) if (index($0, s)) { leaked++; keep = 1 }
    if (keep) { print > flagged; fflush(flagged) }
    if (lines <= 50 || keep) { print; fflush() }
  }
  END {
    printf "lines %d\nbytes %d\nerror %d\nwarn %d\nunexpected %d\nsecrets %d\n", \
      lines, bytes, errors, warns, unexpected, leaked > counts
    for (k in kind) printf "event %s\t%d\n", k, kind[k] > counts
  }' <"$OUT/server.fifo" >"$OUT/server.log" &
FILTER=$!
# The filter creates the log only once the demo opens the FIFO; until then
# the wait below reads an empty file, not a missing one.
: >>"$OUT/server.log"
DEMO_ADDR=127.0.0.1:0 "$BIN/axum" >"$OUT/server.fifo" 2>&1 &
SERVER=$!

PORT=
for _ in $(seq 1 100); do
  PORT=$(sed -n 's|^tower-redact demo listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$OUT/server.log")
  if [ -n "$PORT" ] || ! kill -0 "$SERVER" 2>/dev/null; then break; fi
  sleep 0.1
done
BASE="http://127.0.0.1:${PORT:-0}"
if [ -z "$PORT" ] || ! curl -sf -o /dev/null --max-time 5 "$BASE/"; then
  echo "the demo did not come up; its log:" >&2
  cat "$OUT/server.log" >&2
  exit 1
fi

# Samples: seconds since start, phase, VmRSS, VmHWM (KiB), open fds, of
# which sockets, threads.
echo idle >"$OUT/phase"
# Milliseconds since the epoch, without forking.
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
T0=$(now_ms)
since() { awk -v ms=$(($(now_ms) - $1)) 'BEGIN { printf "%.1f", ms / 1000 }'; }
sample() {
  local rss hwm threads fds sockets
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$SERVER/status" 2>/dev/null) || return 1
  hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$SERVER/status" 2>/dev/null) || return 1
  threads=$(awk '/^Threads:/ {print $2}' "/proc/$SERVER/status" 2>/dev/null) || return 1
  read -r fds sockets < <(find "/proc/$SERVER/fd" -mindepth 1 -printf '%l\n' 2>/dev/null |
    awk '{ n++ } /^socket:/ { s++ } END { print n + 0, s + 0 }')
  printf '%s,%s,%s,%s,%s,%s,%s\n' "$(since "$T0")" "$(cat "$OUT/phase")" \
    "$rss" "$hwm" "$fds" "$sockets" "$threads"
}
fds_now() { find "/proc/$SERVER/fd" -mindepth 1 2>/dev/null | wc -l; }
echo "t_s,phase,rss_kib,hwm_kib,fds,sockets,threads" >"$OUT/samples.csv"
(while sample; do sleep "$SAMPLE"; done) >>"$OUT/samples.csv" &
SAMPLER=$!

sleep 2 # the startup check's connection closes
BASELINE_FDS=$(fds_now)
BASELINE_RSS=$(awk '/^VmRSS:/ {print $2}' "/proc/$SERVER/status")
echo "==> demo on $BASE (pid $SERVER): $BASELINE_FDS fds, RSS $((BASELINE_RSS / 1024)) MiB before the load"
echo "==> machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ)"
echo "==> soak client: $DURATION s, $CONCURRENCY connections (warm-up $WARMUP s)"

echo load >"$OUT/phase"
LOAD_START=$(since "$T0")
set +e
# Bounded: the client's own deadline (30 s a request) ends it long before.
timeout $((DURATION + 120)) "$BIN/soak" --addr "127.0.0.1:$PORT" --duration "$DURATION" \
  --concurrency "$CONCURRENCY" 2>&1 | tee "$OUT/client.log"
CLIENT_RC=${PIPESTATUS[0]}
set -e
echo drain >"$OUT/phase"

# The client has exited: its connections are closed; the server's
# descriptors must return to the baseline.
DRAIN_START=$(now_ms)
FDS_AFTER=$(fds_now)
while [ "$FDS_AFTER" -gt "$BASELINE_FDS" ] && [ $(($(now_ms) - DRAIN_START)) -lt $((DRAIN * 1000)) ]; do
  sleep 0.2
  FDS_AFTER=$(fds_now)
done
DRAIN_TOOK=$(since "$DRAIN_START")
sleep "$SAMPLE"
RSS_END=$(awk '/^VmRSS:/ {print $2}' "/proc/$SERVER/status")
HWM=$(awk '/^VmHWM:/ {print $2}' "/proc/$SERVER/status")

ALIVE=no
if kill -0 "$SERVER" 2>/dev/null; then
  if curl -sf -D - -o /dev/null --max-time 5 "$BASE/" | tr -d '\r' | grep -qi '^x-request-id: '; then
    ALIVE=yes
  fi
fi

kill "$SAMPLER" 2>/dev/null || true
wait "$SAMPLER" 2>/dev/null || true
SAMPLER=
kill "$SERVER" 2>/dev/null || true
wait "$SERVER" 2>/dev/null || true
SERVER=
wait "$FILTER" 2>/dev/null || true
FILTER=

# Memory: the load's samples after the warm-up, in thirds by time.
read -r AFTER_WARMUP FIRST_MAX LAST_MAX LOAD_PEAK N <<<"$(awk -F, -v start="$LOAD_START" -v warm="$WARMUP" '
  BEGIN { n = 0; first = 0; last = 0; peak = 0 }
  NR > 1 && $2 == "load" && $3 + 0 > peak { peak = $3 + 0 }
  NR > 1 && $2 == "load" && $1 >= start + warm { t[n] = $1 + 0; r[n] = $3 + 0; n++ }
  END {
    if (n < 3) { print "0 0 0 0 " n; exit }
    span = t[n - 1] - t[0]
    for (i = 0; i < n; i++) {
      if (t[i] <= t[0] + span / 3 && r[i] > first) first = r[i]
      if (t[i] >= t[n - 1] - span / 3 && r[i] > last) last = r[i]
    }
    print r[0], first, last, peak, n
  }' "$OUT/samples.csv")"
PEAK_FDS=$(awk -F, 'NR > 1 && $5 > m { m = $5 } END { print m + 0 }' "$OUT/samples.csv")
PEAK_SOCKETS=$(awk -F, 'NR > 1 && $6 > m { m = $6 } END { print m + 0 }' "$OUT/samples.csv")
RSS_LIMIT=$(awk -v f="$FIRST_MAX" -v k="$RSS_FACTOR" -v s="$RSS_SLACK_KIB" 'BEGIN { printf "%d", f * k + s }')

count() { awk -v k="$1" '$1 == k { print $2 }' "$OUT/log-counts.txt"; }
LOG_LINES=$(count lines)
LOG_BYTES=$(count bytes)
LOG_UNEXPECTED=$(count unexpected)
LOG_SECRETS=$(count secrets)

# Each fault the client saw must be logged exactly once by the layer, and
# nothing else at WARN or above (compared at RUST_LOG=warn only).
logged() { awk -F'\t' -v k="event $1" '$1 == k { print $2 }' "$OUT/log-counts.txt"; }
EXPECTED_EVENTS=$(sed -n 's/^soak-log-expect: //p' "$OUT/client.log")
EVENTS_OK=1
EVENT_ROWS=
if [ "$RUST_LOG" = warn ]; then
  [ -n "$EXPECTED_EVENTS" ] || EVENTS_OK=0
  for pair in $EXPECTED_EVENTS; do
    key=${pair%%=*}
    want=${pair#*=}
    got=$(logged "$key")
    [ "${got:-0}" = "$want" ] || EVENTS_OK=0
    EVENT_ROWS+="$key ${got:-0} of $want; "
  done
  other=$(logged other)
  [ "${other:-0}" = 0 ] || EVENTS_OK=0
  EVENT_ROWS+="other ${other:-0}"
else
  EVENT_ROWS="not compared (RUST_LOG=$RUST_LOG)"
fi

mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
FAIL=0
verdict() { if [ "$1" = 1 ]; then echo "ok"; else echo "**FAILED**"; fi; }
V_CLIENT=$(verdict "$([ "$CLIENT_RC" = 0 ] && echo 1 || echo 0)")
V_RSS=$(verdict "$([ "$N" -ge 3 ] && [ "$LAST_MAX" -le "$RSS_LIMIT" ] && echo 1 || echo 0)")
V_FDS=$(verdict "$([ "$FDS_AFTER" -le "$BASELINE_FDS" ] && echo 1 || echo 0)")
V_ALIVE=$(verdict "$([ "$ALIVE" = yes ] && echo 1 || echo 0)")
V_LOG=$(verdict "$([ "$LOG_UNEXPECTED" = 0 ] && [ "$LOG_SECRETS" = 0 ] && echo 1 || echo 0)")
V_EVENTS=$(verdict "$EVENTS_OK")
case "$V_CLIENT$V_RSS$V_FDS$V_ALIVE$V_LOG$V_EVENTS" in *FAILED*) FAIL=1 ;; esac

RESPONSES=$(sed -n 's/^soak: \([0-9]*\) responses, .*/\1/p' "$OUT/client.log")
RATE=$(sed -n 's/^soak: [0-9]* responses, .*: \([0-9]*\)\/s;.*/\1/p' "$OUT/client.log")

echo
echo "| check | figures | result |"
echo "|---|---|---|"
echo "| client | ${RESPONSES:-?} responses, ${RATE:-?}/s, exit $CLIENT_RC (outcomes in the table above) | $V_CLIENT |"
echo "| memory (VmRSS) | before the load $(mib "$BASELINE_RSS") MiB; after the warm-up $(mib "$AFTER_WARMUP"); first third max $(mib "$FIRST_MAX"), last third max $(mib "$LAST_MAX") (limit $(mib "$RSS_LIMIT")); peak $(mib "$LOAD_PEAK") (VmHWM $(mib "$HWM")); after the load $(mib "$RSS_END") MiB; $N samples after the warm-up | $V_RSS |"
echo "| file descriptors | baseline $BASELINE_FDS; peak $PEAK_FDS ($PEAK_SOCKETS sockets); after the load $FDS_AFTER (within ${DRAIN_TOOK} s) | $V_FDS |"
echo "| server alive | answers / with an id: $ALIVE | $V_ALIVE |"
echo "| server log | $LOG_LINES lines ($(awk -v b="$LOG_BYTES" 'BEGIN { printf "%.0f", b / 1048576 }') MiB), $(count error) ERROR, $(count warn) WARN; unexpected lines $LOG_UNEXPECTED; planted credentials $LOG_SECRETS | $V_LOG |"
echo "| log events (logged of expected) | $EVENT_ROWS | $V_EVENTS |"
echo
if [ "$LOG_UNEXPECTED" != 0 ] || [ "$LOG_SECRETS" != 0 ]; then
  echo "unexpected or leaking log lines (first 10; all in $OUT/server.log):"
  head -10 "$OUT/server-flagged.log"
fi
echo "samples: $OUT/samples.csv; client output: $OUT/client.log; server log (filtered): $OUT/server.log"
if [ "$FAIL" != 0 ]; then
  echo "soak: FAILED"
  exit 1
fi
echo "soak: passed"
