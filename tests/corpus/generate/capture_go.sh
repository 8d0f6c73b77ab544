#!/usr/bin/env bash
# Builds generate/go in /opt/orders-svc with the Debian golang-go toolchain (stdlib only),
# runs it on 127.0.0.1:5501 and captures bodies; also captures an unrecovered panic.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
SVC=/opt/orders-svc
mkdir -p $SVC/crash && cp "$GEN_DIR"/go/main.go $SVC/ && cp "$GEN_DIR"/go/crash/main.go $SVC/crash/
cd $SVC && [ -f go.mod ] || go mod init example.com/orders-svc >/dev/null 2>&1
export GOFLAGS=-mod=mod GOPROXY=off
go build -o orders-svc . && (cd crash && go build -o ../crash-bin .)
GV="$(go version | cut -d' ' -f3)"
PORT=5501 ./orders-svc & P=$!; trap 'kill $P 2>/dev/null || true' EXIT
wait_port 5501
g() { local rel=$1 label=$2 cat=$3 src=$4 desc=$5; shift 5; cap "$rel" "$@"; rec go "$rel" "$label" "$cat" "$GV $src" "capture_go.sh: $desc"; }
U=http://127.0.0.1:5501
g leaky/stack_trace/go_recovered_panic_debug_stack.txt leaky stack_trace "net/http handler writes recover() + debug.Stack()" "GET /orders/total" $U/orders/total
g leaky/file_path/go_open_no_such_file.txt leaky file_path "http.Error(err.Error()) of os.Open" "GET /config" $U/config
g leaky/private_address/go_dial_tcp_refused_loopback.json leaky private_address "net.Dial error (real, 127.0.0.1:9)" "GET /inventory" $U/inventory
sed -e 's/127\.0\.0\.1:9/10.0.3.12:5432/g' "$CORPUS/leaky/private_address/go_dial_tcp_refused_loopback.json" > "$CORPUS/leaky/private_address/go_dial_tcp_refused_10_0_3_12.json"
rec go leaky/private_address/go_dial_tcp_refused_10_0_3_12.json leaky private_address "$GV net.Dial error; 127.0.0.1:9 substituted with 10.0.3.12:5432" "capture_go.sh: GET /inventory + sed"
curl -s $U/inventory-http | sed -e 's/127\.0\.0\.1:9/192.168.40.7:8081/g' > "$CORPUS/leaky/private_address/go_http_get_refused_192_168.txt"
rec go leaky/private_address/go_http_get_refused_192_168.txt leaky private_address "$GV http.Get error via http.Error; 127.0.0.1:9 substituted with 192.168.40.7:8081" "capture_go.sh: GET /inventory-http + sed"
J='Content-Type: application/json'
g benign/go_json_syntax_error.txt benign - "encoding/json syntax error via http.Error" "POST /items bad JSON" $U/items -H "$J" -d '{"name": "Desk", "price": 12.5,, "qty": 1}'
g benign/go_json_type_error.txt benign - "encoding/json type error via http.Error" "POST /items wrong type" $U/items -H "$J" -d '{"name": "Desk", "price": "12.50", "qty": 1}'
g benign/go_json_unexpected_eof.txt benign - "encoding/json unexpected EOF via http.Error" "POST /items truncated" $U/items -H "$J" -d '{"name": "Desk"'
g benign/go_body_too_large.txt benign - "http.MaxBytesReader" "POST /items 1 KiB" $U/items -H "$J" --data-binary "{\"name\":\"$(head -c 1024 /dev/zero | tr '\0' d)\"}"
g benign/go_422_validation.json benign - "app 422 JSON" "POST /items qty 0" $U/items -H "$J" -d '{"name": "Desk", "price": 12.5, "qty": 0}'
g benign/go_default_404.txt benign - "ServeMux default 404" "GET /nope" $U/nope
kill $P; trap - EXIT
(GOTRACEBACK=all ./crash-bin 2> /tmp/corpus-work/go_crash.txt) || true
cp /tmp/corpus-work/go_crash.txt "$CORPUS/leaky/stack_trace/go_unrecovered_panic_goroutines.txt"
rec go leaky/stack_trace/go_unrecovered_panic_goroutines.txt leaky stack_trace "$GV runtime panic + goroutine dump (GOTRACEBACK=all) stderr as body" "capture_go.sh: ./crash-bin"
