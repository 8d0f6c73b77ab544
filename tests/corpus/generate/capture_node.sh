#!/usr/bin/env bash
# Copies generate/node to /home/app/api, npm installs, runs node_leaks.js and the
# Express / node:http servers on 127.0.0.1, captures bodies with curl -s -o.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
APP=/home/app/api
mkdir -p $APP && cp -r "$GEN_DIR"/node/. $APP/
(cd $APP && npm install --silent --no-audit --no-fund >/dev/null 2>&1)
NV="node $(node --version)"; EXV="express $(node -p 'require("/home/app/api/node_modules/express/package.json").version')"
OUT=/tmp/corpus-work/node-out; rm -rf $OUT; mkdir -p $OUT
(cd $APP && node node_leaks.js $OUT)
while IFS=$'\t' read -r rel label cat src; do
  mkdir -p "$(dirname "$CORPUS/$rel")"; cp "$OUT/$rel" "$CORPUS/$rel"; rec node "$rel" "$label" "$cat" "$src" "capture_node.sh: node_leaks.js"
done < $OUT/rows.tsv

PIDS=(); trap 'for p in "${PIDS[@]}"; do kill $p 2>/dev/null || true; done' EXIT
(cd $APP && NODE_ENV=development PORT=5301 exec node express_app.js) & PIDS+=($!)
(cd $APP && NODE_ENV=production PORT=5302 exec node express_app.js) & PIDS+=($!)
(cd $APP && PORT=5303 exec node node_http_server.js) & PIDS+=($!)
wait_port 5301; wait_port 5302; wait_port 5303
J='Content-Type: application/json'
e() { local rel=$1 label=$2 cat=$3 src=$4 desc=$5; shift 5; cap "$rel" "$@"; rec express "$rel" "$label" "$cat" "$src" "capture_node.sh: $desc"; }
e leaky/debug_page/express_dev_typeerror.html leaky debug_page "$EXV NODE_ENV=development default error handler" "GET /orders/7" http://127.0.0.1:5301/orders/7
e leaky/debug_page/express_dev_json_syntax_error.html leaky debug_page "$EXV NODE_ENV=development, body-parser SyntaxError" "POST /webhook bad JSON" http://127.0.0.1:5301/webhook -H "$J" -d '{"event": "x",}'
e leaky/debug_page/express_dev_enoent.html leaky debug_page "$EXV NODE_ENV=development, ENOENT" "GET /secrets" http://127.0.0.1:5301/secrets
e leaky/debug_page/express_dev_payload_too_large.html leaky debug_page "$EXV NODE_ENV=development, 413 with stack" "POST /webhook 2 KiB" http://127.0.0.1:5301/webhook -H "$J" --data-binary "{\"a\":\"$(head -c 2048 /dev/zero | tr '\0' x)\"}"
e leaky/debug_page/express_dev_async_cause.html leaky debug_page "$EXV NODE_ENV=development, async rejection" "GET /charge/5" http://127.0.0.1:5301/charge/5
e leaky/stack_trace/express_json_message_stack.json leaky stack_trace "$EXV handler res.json({message, stack})" "GET /api/report" http://127.0.0.1:5302/api/report
e leaky/stack_trace/node_http_err_stack.txt leaky stack_trace "$NV node:http handler res.end(err.stack)" "GET /summary" http://127.0.0.1:5303/summary
e leaky/file_path/node_http_enoent_text.txt leaky file_path "$NV node:http handler res.end(err.message)" "GET /secrets" http://127.0.0.1:5303/secrets
e benign/express_prod_500.html benign - "$EXV NODE_ENV=production default 500" "GET /orders/7" http://127.0.0.1:5302/orders/7
e benign/express_prod_400_bad_json.html benign - "$EXV NODE_ENV=production body-parser 400" "POST /webhook bad JSON" http://127.0.0.1:5302/webhook -H "$J" -d '{"event": "x",}'
e benign/express_prod_413.html benign - "$EXV NODE_ENV=production 413" "POST /webhook 2 KiB" http://127.0.0.1:5302/webhook -H "$J" --data-binary "{\"a\":\"$(head -c 2048 /dev/zero | tr '\0' x)\"}"
e benign/express_cannot_get.html benign - "$EXV default 404 (NODE_ENV=development)" "GET /x" http://127.0.0.1:5301/x
e benign/express_cannot_post_prod.html benign - "$EXV default 404 (NODE_ENV=production)" "POST /api/v2/login" -X POST http://127.0.0.1:5302/api/v2/login
e benign/express_json_404_user.json benign - "$EXV app JSON 404" "GET /api/users/42" http://127.0.0.1:5302/api/users/42
