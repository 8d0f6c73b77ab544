#!/usr/bin/env bash
# E2E behind a real nginx: the demo (examples/axum.rs) on 127.0.0.1 behind
# nginx configured with the file examples/nginx.rs generates from the demo's
# own layer configuration (tower_redact::nginx::Snippet). curl checks what a
# client gets through nginx:
#
#   (a) no client id: nginx's $request_id (32 hex) reaches the demo's log
#       ("saying hello" under request{request_id=…}), nginx's access log and
#       the response, in exactly one x-request-id header;
#   (b) a client's valid id survives (response and log); invalid ones (a
#       space and a quote, 129 bytes) are replaced by nginx's;
#   (c) a panic in the demo comes back as the layer's 500 template through
#       nginx; the demo's own 500 (/leaky-500) and 503 (/maintenance, with
#       its own message and retry-after) pass nginx unchanged, with one id;
#   (d) /slow (3 s) against proxy_read_timeout 1s: nginx's own 504;
#   (e) the demo stopped: nginx's own 502;
#   (f) nginx's other own errors: 413 (client_max_body_size 1024), 400 (bad
#       Host), 400 for a header over the buffers (nginx's 494), 414, 405
#       (TRACE), 501 (unknown Transfer-Encoding), 404 (a direct request for
#       an error location);
#   (g) a public message with $ \ ' " and a newline, through nginx's quoting.
#
# Every template answer is checked the same way: the status; the body equal,
# byte for byte, to the layer's rendering for that status with the id of the
# response's x-request-id (examples/nginx.rs --render); exactly one valid
# x-request-id; cache-control no-store; x-content-type-options nosniff; the
# layer's content type; no Server header; no "nginx" (any case) anywhere in
# the head or the body.
#
# Installs Debian's nginx and libnginx-mod-http-headers-more-filter if
# missing (apt). nginx runs with its own -p prefix and -c file in a temporary
# directory, in the foreground (daemon off), on free 127.0.0.1 ports; a trap
# stops it and the demo. E2E_NGINX_TIMEOUT bounds the whole script (default
# 1200 s, the build included). Ends with "N passed, M failed"; exits non-zero
# on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z "${E2E_NGINX_INNER:-}" ]]; then
    export E2E_NGINX_INNER=1
    exec timeout --kill-after=10 "${E2E_NGINX_TIMEOUT:-1200}" "$0" "$@"
fi

WORK="$(mktemp -d)"
# nginx's workers (nobody, when started as root) need to reach its temp dirs.
chmod 755 "$WORK"
DEMO_PID=""
NGINX_PID=""

stop_demo() {
    if [[ -n "$DEMO_PID" ]]; then
        kill "$DEMO_PID" 2>/dev/null || true
        wait "$DEMO_PID" 2>/dev/null || true
        DEMO_PID=""
    fi
}
stop_nginx() {
    if [[ -n "$NGINX_PID" ]]; then
        kill -QUIT "$NGINX_PID" 2>/dev/null || true
        wait "$NGINX_PID" 2>/dev/null || true
        NGINX_PID=""
    fi
}
cleanup() {
    stop_nginx
    stop_demo
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'echo "e2e-nginx: interrupted (time bound?)" >&2; exit 124' TERM INT

step() { printf '\n==> %s\n' "$*"; }

# --- nginx and the headers-more module -------------------------------------
MODULE=/usr/lib/nginx/modules/ngx_http_headers_more_filter_module.so
if ! command -v nginx >/dev/null 2>&1 || [[ ! -f "$MODULE" ]]; then
    step "installing Debian's nginx and libnginx-mod-http-headers-more-filter"
    SUDO=""
    [[ "$(id -u)" -ne 0 ]] && SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    packages=(nginx libnginx-mod-http-headers-more-filter)
    if ! $SUDO apt-get install -y "${packages[@]}"; then
        $SUDO apt-get update
        $SUDO apt-get install -y "${packages[@]}"
    fi
fi
NGINX="$(command -v nginx)"
NGINX_VERSION="$("$NGINX" -v 2>&1)"
echo "$NGINX_VERSION, headers-more: $MODULE"

# --- build -----------------------------------------------------------------
step "cargo build --example axum --example nginx"
cargo build --example axum --example nginx
BIN_DIR="${CARGO_TARGET_DIR:-target}/debug/examples"
DEMO="$BIN_DIR/axum"
GEN="$BIN_DIR/nginx"
CONTENT_TYPE="$("$GEN" --content-type)"

# --- helpers ---------------------------------------------------------------
PASSED=0
FAILED=0
check() {
    local what="$1"
    shift
    if "$@"; then
        echo "PASS $what"
        PASSED=$((PASSED + 1))
    else
        echo "FAIL $what"
        FAILED=$((FAILED + 1))
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for_port PORT PID: until something accepts on 127.0.0.1:PORT (30 s).
wait_for_port() {
    local port="$1" pid="$2" deadline=$((SECONDS + 30))
    while ((SECONDS < deadline)); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# wait_for_line FILE TEXT...: until one line of FILE (ANSI colours removed)
# holds every TEXT (10 s). Logs are written as the response is sent.
wait_for_line() {
    local file="$1" deadline=$((SECONDS + 10))
    shift
    while ((SECONDS < deadline)); do
        local lines
        lines="$(sed 's/\x1b\[[0-9;]*m//g' "$file")"
        for text in "$@"; do
            lines="$(grep -F -- "$text" <<<"$lines" || true)"
        done
        [[ -n "$lines" ]] && return 0
        sleep 0.1
    done
    return 1
}

# fetch NAME CURL-ARGS...: the response's head to $WORK/NAME.head, its body
# to $WORK/NAME.body.
fetch() {
    local name="$1"
    shift
    : >"$WORK/$name.head"
    : >"$WORK/$name.body"
    curl -sS --max-time 20 -H 'Expect:' -D "$WORK/$name.head" -o "$WORK/$name.body" "$@" ||
        echo "curl exited $? for $name" >&2
}
status_of() { grep -a '^HTTP/' "$WORK/$1.head" | tail -1 | awk '{print $2}'; }
header_of() {
    grep -ai "^$2:" "$WORK/$1.head" | head -1 | cut -d: -f2- | sed 's/^ *//' | tr -d '\r'
}
count_of() { grep -aci "^$2:" "$WORK/$1.head" || true; }
is_hex32() { [[ "$1" =~ ^[0-9a-f]{32}$ ]]; }
is_valid_id() { [[ "$1" =~ ^[.0-9:A-Z_a-z-]{1,128}$ ]]; }

# show NAME: the client's view, as curl -i prints it.
show() {
    echo "    \$ $2"
    tr -d '\r' <"$WORK/$1.head" | sed '/^$/d; s/^/    /'
    echo
    sed 's/^/    /' "$WORK/$1.body"
    echo
}

# expect_template NAME STATUS [TEMPLATE-STATUS]: the checks every templated
# answer gets (see the top of this file); TEMPLATE-STATUS is the status
# whose template the body is (nginx sends its 494 as a 400).
expect_template() {
    local name="$1" status="$2" template="${3:-$2}" id
    check "$name: status $status" [ "$(status_of "$name")" = "$status" ]
    id="$(header_of "$name" x-request-id)"
    check "$name: exactly one x-request-id, a valid id ($id)" \
        eval '[ "$(count_of "$name" x-request-id)" = 1 ] && is_valid_id "$id"'
    if is_valid_id "$id"; then
        "$GEN" --render "$template" --request-id "$id" "${MESSAGE_ARGS[@]}" >"$WORK/$name.expected"
    else
        : >"$WORK/$name.expected"
    fi
    check "$name: body is the layer's $template template with that id, byte for byte" \
        cmp -s "$WORK/$name.expected" "$WORK/$name.body"
    check "$name: cache-control: no-store" [ "$(header_of "$name" cache-control)" = "no-store" ]
    check "$name: x-content-type-options: nosniff" \
        [ "$(header_of "$name" x-content-type-options)" = "nosniff" ]
    check "$name: content-type: $CONTENT_TYPE" [ "$(header_of "$name" content-type)" = "$CONTENT_TYPE" ]
    no_banner "$name"
}

# no_banner NAME: no Server header, no "nginx" in the head or the body.
no_banner() {
    check "$1: no Server header" eval "! grep -aqi '^server:' '$WORK/$1.head'"
    check "$1: no \"nginx\" in the head or the body" \
        eval "! cat '$WORK/$1.head' '$WORK/$1.body' | grep -aqi nginx"
}
MESSAGE_ARGS=()

# --- the demo --------------------------------------------------------------
DEMO_PORT="$(free_port)"
NGINX_PORT="$(free_port)"
while [[ "$NGINX_PORT" = "$DEMO_PORT" ]]; do NGINX_PORT="$(free_port)"; done
DEMO_LOG="$WORK/demo.log"

start_demo() {
    step "the demo on 127.0.0.1:$DEMO_PORT"
    NO_COLOR=1 DEMO_ADDR="127.0.0.1:$DEMO_PORT" "$DEMO" >>"$DEMO_LOG" 2>&1 &
    DEMO_PID=$!
    if ! wait_for_port "$DEMO_PORT" "$DEMO_PID"; then
        echo "FAIL the demo did not start" >&2
        cat "$DEMO_LOG" >&2 || true
        exit 1
    fi
}
start_demo

# --- nginx -----------------------------------------------------------------
PREFIX="$WORK/nginx"
mkdir -p "$PREFIX/logs"
# generate [--message STATUS=TEXT]: the snippet for this nginx.
generate() {
    "$GEN" --upstream "127.0.0.1:$DEMO_PORT" --listen "127.0.0.1:$NGINX_PORT" \
        --read-timeout 1s --connect-timeout 2s --client-max-body-size 1024 "$@" \
        >"$PREFIX/redact.conf"
}
generate
cat >"$PREFIX/nginx.conf" <<EOF
load_module $MODULE;
worker_processes 1;
pid $PREFIX/nginx.pid;
error_log $PREFIX/logs/error.log notice;
events { worker_connections 128; }
http {
    client_body_temp_path $PREFIX/client_body;
    proxy_temp_path $PREFIX/proxy;
    fastcgi_temp_path $PREFIX/fastcgi;
    uwsgi_temp_path $PREFIX/uwsgi;
    scgi_temp_path $PREFIX/scgi;
    include $PREFIX/redact.conf;
    log_format redact '\$status "\$request" rid=\$redact_request_id';
    access_log $PREFIX/logs/access.log redact;
}
EOF
step "nginx on 127.0.0.1:$NGINX_PORT with the generated snippet"
"$NGINX" -t -q -e "$PREFIX/logs/error.log" -p "$PREFIX/" -c "$PREFIX/nginx.conf"
"$NGINX" -e "$PREFIX/logs/error.log" -p "$PREFIX/" -c "$PREFIX/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
if ! wait_for_port "$NGINX_PORT" "$NGINX_PID"; then
    echo "FAIL nginx did not start" >&2
    cat "$PREFIX/logs/error.log" >&2 || true
    exit 1
fi
URL="http://127.0.0.1:$NGINX_PORT"

# --- (a) no client id ------------------------------------------------------
step "(a) no client id: nginx's id reaches the demo's log and the response"
fetch a "$URL/"
show a "curl -i $URL/"
id="$(header_of a x-request-id)"
check "a: status 200" [ "$(status_of a)" = 200 ]
check "a: exactly one x-request-id, 32 hex digits from nginx ($id)" \
    eval '[ "$(count_of a x-request-id)" = 1 ] && is_hex32 "$id"'
check "a: the body (the demo's handler) names the same id" grep -qF "your request id is $id" "$WORK/a.body"
check "a: the demo logged \"saying hello\" under request_id=$id" \
    wait_for_line "$DEMO_LOG" "request_id=$id method=GET path=/}" "saying hello"
check "a: nginx's access log has the same id" wait_for_line "$PREFIX/logs/access.log" "rid=$id"
no_banner a

# --- (b) client ids --------------------------------------------------------
step "(b) a client's valid id survives; invalid ones are replaced"
client_id="client-7.a:b_C"
fetch b "$URL/" -H "X-Request-ID: $client_id"
show b "curl -i -H 'X-Request-ID: $client_id' $URL/"
check "b: the response's x-request-id is the client's" \
    eval '[ "$(header_of b x-request-id)" = "$client_id" ] && [ "$(count_of b x-request-id)" = 1 ]'
check "b: the demo logged under the client's id" \
    wait_for_line "$DEMO_LOG" "request_id=$client_id method=GET path=/}" "saying hello"

too_long="$(printf 'x%.0s' $(seq 1 129))"
for case in "space-quote:bad id\"x" "too-long:$too_long"; do
    label="${case%%:*}"
    sent="${case#*:}"
    fetch "b-$label" "$URL/" -H "X-Request-ID: $sent"
    id="$(header_of "b-$label" x-request-id)"
    check "b-$label: an invalid client id is replaced by nginx's ($id)" is_hex32 "$id"
    check "b-$label: the demo logged under the new id" \
        wait_for_line "$DEMO_LOG" "request_id=$id method=GET path=/}" "saying hello"
done
check "b: the rejected values never reached the demo's log" \
    eval '! grep -qF "bad id" "$DEMO_LOG" && ! grep -qF "$too_long" "$DEMO_LOG"'

# --- (c) the backend's own errors through nginx ----------------------------
step "(c) the demo's panic and its own 5xx pass nginx as the layer made them"
fetch c-panic "$URL/panic" -H "X-Request-ID: demo-panic"
show c-panic "curl -i -H 'X-Request-ID: demo-panic' $URL/panic"
expect_template c-panic 500
check "c-panic: the demo logged the panic under the same id" \
    wait_for_line "$DEMO_LOG" "request_id=demo-panic" "panic caught"

fetch c-panic-noid "$URL/panic"
expect_template c-panic-noid 500
check "c-panic-noid: the id in the body is nginx's (32 hex)" is_hex32 "$(header_of c-panic-noid x-request-id)"

fetch c-leaky "$URL/leaky-500"
show c-leaky "curl -i $URL/leaky-500"
expect_template c-leaky 500
check "c-leaky: nothing of the demo's error (postgres, 10.0.3.12) got through" \
    eval "! grep -qE 'postgres|10\\.0\\.3\\.12|Tr0ub4dor' '$WORK/c-leaky.body'"

fetch c-maintenance "$URL/maintenance" -H "X-Request-ID: demo-maintenance"
check "c-maintenance: the demo's own 503 passes nginx (not nginx's 503 page)" \
    eval '[ "$(status_of c-maintenance)" = 503 ] && grep -qF "Down for maintenance until 10:00 UTC." "$WORK/c-maintenance.body"'
check "c-maintenance: its retry-after: 600 and one x-request-id survive" \
    eval '[ "$(header_of c-maintenance retry-after)" = 600 ] && [ "$(count_of c-maintenance x-request-id)" = 1 ] && [ "$(header_of c-maintenance x-request-id)" = demo-maintenance ]'
no_banner c-maintenance

# --- (d) nginx's 504 -------------------------------------------------------
step "(d) /slow (3 s) against proxy_read_timeout 1s: nginx's own 504"
fetch d-slow "$URL/slow"
show d-slow "curl -i $URL/slow"
expect_template d-slow 504
check "d-slow: the id is nginx's (32 hex)" is_hex32 "$(header_of d-slow x-request-id)"
fetch d-slow-client "$URL/slow" -H "X-Request-ID: client-slow"
expect_template d-slow-client 504
check "d-slow-client: the client's id is in the 504" [ "$(header_of d-slow-client x-request-id)" = client-slow ]

# --- (f) nginx's other own errors (the demo up) ----------------------------
step "(f) nginx's other own errors"
head -c 2048 /dev/zero | tr '\0' a >"$WORK/2k"
fetch f-413 "$URL/" --data-binary "@$WORK/2k"
show f-413 "curl -i --data-binary @2KiB $URL/   # client_max_body_size 1024"
expect_template f-413 413
fetch f-400 "$URL/" -H 'Host: bad/host'
show f-400 "curl -i -H 'Host: bad/host' $URL/"
expect_template f-400 400
fetch f-494 "$URL/" -H "X-Big: $(head -c 9000 /dev/zero | tr '\0' a)"
show f-494 "curl -i -H 'X-Big: <9000 bytes>' $URL/"
expect_template f-494 400 400
fetch f-414 "$URL/$(head -c 9000 /dev/zero | tr '\0' a)"
show f-414 "curl -i $URL/<9000 bytes>"
expect_template f-414 414
fetch f-405 "$URL/" -X TRACE
show f-405 "curl -i -X TRACE $URL/"
expect_template f-405 405
fetch f-501 "$URL/" -X POST -H 'Transfer-Encoding: gzip'
show f-501 "curl -i -X POST -H 'Transfer-Encoding: gzip' $URL/"
expect_template f-501 501
fetch f-404 "$URL/__redact_error_502"
show f-404 "curl -i $URL/__redact_error_502"
expect_template f-404 404

# --- (e) nginx's 502 -------------------------------------------------------
step "(e) the demo stopped: nginx's own 502"
stop_demo
fetch e-down "$URL/"
show e-down "curl -i $URL/"
expect_template e-down 502
check "e-down: the id is nginx's (32 hex)" is_hex32 "$(header_of e-down x-request-id)"
fetch e-down-client "$URL/orders" -X POST -H "X-Request-ID: client-down" --data 'a=1'
show e-down-client "curl -i -X POST -H 'X-Request-ID: client-down' --data a=1 $URL/orders"
expect_template e-down-client 502
check "e-down-client: the client's id is in the 502" [ "$(header_of e-down-client x-request-id)" = client-down ]

# --- (g) quoting through nginx ---------------------------------------------
step "(g) a public message with \$ \\ ' \" and a newline, through nginx's quoting"
message=$'502=Costs $5 \\ it\'s "down" ${x} $request_id\nsecond line \\n'
MESSAGE_ARGS=(--message "$message")
generate "${MESSAGE_ARGS[@]}"
kill -HUP "$NGINX_PID"
deadline=$((SECONDS + 15))
while ((SECONDS < deadline)); do
    fetch g "$URL/"
    grep -qF 'Costs' "$WORK/g.body" && break
    sleep 0.2
done
show g "curl -i $URL/   # after a reload with the message above"
expect_template g 502

# --- summary ---------------------------------------------------------------
if [[ "$FAILED" -ne 0 ]]; then
    echo "--- demo log" >&2
    sed 's/\x1b\[[0-9;]*m//g' "$DEMO_LOG" >&2 || true
    echo "--- nginx error log" >&2
    cat "$PREFIX/logs/error.log" >&2 || true
    echo "--- generated snippet" >&2
    cat "$PREFIX/redact.conf" >&2 || true
fi
step "summary ($NGINX_VERSION)"
if [[ "$FAILED" -eq 0 ]]; then
    echo "PASS: e2e-nginx"
else
    echo "FAIL: e2e-nginx"
fi
echo "$PASSED passed, $FAILED failed"
[[ "$FAILED" -eq 0 ]]
