#!/usr/bin/env bash
# E2E in a real browser: headless Chromium loads a page from one origin on
# 127.0.0.1 and fetch()es an API on another port through RedactLayer and
# tower-http's CorsLayer (examples/browser.rs). The page writes what the
# browser could read into <pre id="result">; this script checks it:
#
#   - the rewritten 500 is readable: status 500, JSON body whose request_id
#     equals the x-request-id header the page read (so CORS exposed it);
#   - no leak (hunter2, 10.0.0.7) reaches the browser;
#   - a second fetch of the same failing URL is answered by the server (a new
#     request id), not by the browser cache: no-store works, against a
#     handler that asked for max-age=3600; the control (a cacheable 200
#     fetched twice) shows this browser does cache;
#   - /api/ok works; a handler panic gives the template.
#
# It runs the example in both layer orders:
#   redact-outside  RedactLayer outermost, CorsLayer inside (the README order);
#   cors-outside    CorsLayer outside RedactLayer.
# In redact-outside, a caught panic is answered by RedactLayer itself, outside
# CorsLayer, so it carries no Access-Control-Allow-Origin and the browser
# cannot read it (fetch rejects). That is checked as a known limitation; the
# panic template is checked through the browser in cors-outside.
#
# Installs Debian's chromium if missing (apt). Everything else stays on
# 127.0.0.1. Time bounds: E2E_BROWSER_TIMEOUT for the whole script (default
# 1500 s, the build included), CHROMIUM_TIMEOUT per browser run (default 60 s).
# Ends with "N passed, M failed"; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z "${E2E_BROWSER_INNER:-}" ]]; then
    export E2E_BROWSER_INNER=1
    exec timeout --kill-after=10 "${E2E_BROWSER_TIMEOUT:-1500}" "$0" "$@"
fi

CHROMIUM_TIMEOUT="${CHROMIUM_TIMEOUT:-60}"
WORK="$(mktemp -d)"
SERVER_PID=""

cleanup() {
    if [[ -n "$SERVER_PID" ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'echo "e2e-browser: interrupted (time bound?)" >&2; exit 124' TERM INT

step() { printf '\n==> %s\n' "$*"; }

# --- chromium --------------------------------------------------------------
CHROMIUM="$(command -v chromium || true)"
if [[ -z "$CHROMIUM" ]]; then
    step "installing Debian's chromium"
    SUDO=""
    [[ "$(id -u)" -ne 0 ]] && SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    if ! $SUDO apt-get install -y chromium; then
        $SUDO apt-get update
        $SUDO apt-get install -y chromium
    fi
    CHROMIUM="$(command -v chromium)"
fi
CHROMIUM_VERSION="$("$CHROMIUM" --version 2>/dev/null || echo unknown)"
echo "browser: $CHROMIUM_VERSION"

# --- build -----------------------------------------------------------------
step "cargo build --example browser"
cargo build --example browser
BIN="${CARGO_TARGET_DIR:-target}/debug/examples/browser"

# --- one run per layer order -----------------------------------------------
PASSED=0
FAILED=0

run_order() {
    local order="$1"
    local out="$WORK/$order"
    mkdir -p "$out"
    step "order $order: server on 127.0.0.1, headless Chromium"

    "$BIN" --page-addr 127.0.0.1:0 --api-addr 127.0.0.1:0 --order "$order" \
        >"$out/server.out" 2>"$out/server.log" &
    SERVER_PID=$!
    local ready=""
    for _ in $(seq 1 100); do
        ready="$(grep -m1 '^READY ' "$out/server.out" || true)"
        [[ -n "$ready" ]] && break
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    if [[ -z "$ready" ]]; then
        echo "FAIL [$order] server did not start"
        cat "$out/server.log" >&2 || true
        FAILED=$((FAILED + 1))
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
        return
    fi
    echo "$ready"
    local page
    page="$(sed -n 's/^READY page=\([^ ]*\) .*/\1/p' <<<"$ready")"

    local chromium_rc=0
    timeout --kill-after=5 "$CHROMIUM_TIMEOUT" "$CHROMIUM" \
        --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$(mktemp -d -p "$WORK")" \
        --virtual-time-budget=5000 --dump-dom "$page" \
        >"$out/dom.html" 2>"$out/chromium.log" || chromium_rc=$?

    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""

    local counts
    counts="$(python3 - "$order" "$out/dom.html" "$chromium_rc" <<'PY'
import html, json, re, sys

order, dom_path, chromium_rc = sys.argv[1], sys.argv[2], int(sys.argv[3])
passed = failed = 0

def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"PASS [{order}] {name}")
    else:
        failed += 1
        print(f"FAIL [{order}] {name}" + (f": {detail}" if detail else ""))

dom = open(dom_path, encoding="utf-8", errors="replace").read()
m = re.search(r'<pre id="result">(.*?)</pre>', dom, re.S)
result = None
if m:
    try:
        result = json.loads(html.unescape(m.group(1)))
    except ValueError:
        result = None
check("chromium dumped the page's result JSON", chromium_rc == 0 and isinstance(result, dict)
      and result.get("done") is True,
      f"chromium exit {chromium_rc}, result {m.group(1)[:200] if m else 'missing'!r}")
if not isinstance(result, dict):
    print(f"COUNTS {passed} {failed}")
    sys.exit(0)

def probe(key):
    p = result.get(key) or {}
    return p, p.get("json") if isinstance(p.get("json"), dict) else {}

def template_readable(key, status):
    p, body = probe(key)
    rid = p.get("request_id")
    check(f"{key}: browser read status {status}, a JSON template, and request_id == x-request-id header (CORS exposed it)",
          p.get("status") == status and body.get("status") == status
          and bool(rid) and body.get("request_id") == rid
          and p.get("content_type") == "application/problem+json",
          json.dumps({k: p.get(k) for k in ("status", "request_id", "content_type", "error")})
          + " body " + json.dumps(body))
    return p

f1 = template_readable("fail_first", 500)
f2 = result.get("fail_second") or {}
leaks = [s for s in ("hunter2", "10.0.0.7", "postgres://")
         for k in ("fail_first", "fail_second", "panic")
         if s in ((result.get(k) or {}).get("text") or "")]
check("no hunter2 / 10.0.0.7 / postgres:// in any body the browser read",
      not leaks and f1.get("text") is not None, f"found {leaks}")
check("fail_first: Cache-Control no-store (the handler asked for max-age=3600)",
      f1.get("cache_control") == "no-store", repr(f1.get("cache_control")))
check("fail_second: same URL again, status 500, a new request id (not from the browser cache)",
      f2.get("status") == 500 and result.get("fail_second_has_new_id") is True
      and (f2.get("json") or {}).get("request_id") == f2.get("request_id"),
      f"first {f1.get('request_id')!r}, second {f2.get('request_id')!r}")
check("control: a cacheable 200 fetched twice comes from the browser cache (same id)",
      result.get("cacheable_second_from_cache") is True,
      f"{(result.get('cacheable_first') or {}).get('request_id')!r} vs "
      f"{(result.get('cacheable_second') or {}).get('request_id')!r}")
ok, ok_body = probe("ok")
check("/api/ok: 200 JSON, request_id == x-request-id header",
      ok.get("status") == 200 and ok_body.get("ok") is True
      and bool(ok.get("request_id")) and ok_body.get("request_id") == ok.get("request_id"),
      json.dumps(ok))

if order == "cors-outside":
    template_readable("panic", 500)
else:
    p = result.get("panic") or {}
    check("known limitation: a caught panic carries no CORS headers here, so the browser "
          "cannot read it (fetch rejects); see the cors-outside run",
          "error" in p and "status" not in p,
          "the panic response is readable now: " + json.dumps(p)[:300]
          + " -- update this check and the docs")

print(f"COUNTS {passed} {failed}")
PY
)" || counts="FAIL [$order] the result checker crashed"$'\n'"COUNTS 0 1"
    grep -v '^COUNTS ' <<<"$counts"
    local p f
    read -r _ p f <<<"$(grep '^COUNTS ' <<<"$counts" | tail -1)"
    PASSED=$((PASSED + ${p:-0}))
    FAILED=$((FAILED + ${f:-1}))
    if [[ "${f:-1}" -ne 0 ]]; then
        echo "--- [$order] server log" >&2
        cat "$out/server.log" >&2 || true
        echo "--- [$order] chromium log (last 20 lines)" >&2
        tail -20 "$out/chromium.log" >&2 || true
    fi
}

run_order redact-outside
run_order cors-outside

step "summary ($CHROMIUM_VERSION)"
if [[ "$FAILED" -eq 0 ]]; then
    echo "PASS: e2e-browser"
else
    echo "FAIL: e2e-browser"
fi
echo "$PASSED passed, $FAILED failed"
[[ "$FAILED" -eq 0 ]]
