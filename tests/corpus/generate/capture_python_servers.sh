#!/usr/bin/env bash
# Runs Flask (debug + non-debug), Django (DEBUG=True/False) and FastAPI
# (debug + non-debug) on 127.0.0.1 and captures bodies with curl -s -o.
# Needs: venv at $VENV with flask django fastapi uvicorn psycopg2-binary;
# PostgreSQL from services.sh; /srv/app/shop from srv_app/ (services.sh copies it).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
VENV=${VENV:-/tmp/corpus-work/venv}
PY=$VENV/bin/python
SRV=/srv/app
cp "$GEN_DIR"/servers/flask_app.py "$GEN_DIR"/servers/django_app.py "$GEN_DIR"/servers/fastapi_app.py $SRV/
FLASKV="Flask $($PY -c 'import importlib.metadata as m;print(m.version("flask"))') / Werkzeug $($PY -c 'import importlib.metadata as m;print(m.version("werkzeug"))')"
DJV="Django $($PY -c 'import django;print(django.get_version())')"
FAV="FastAPI $($PY -c 'import fastapi;print(fastapi.__version__)') / uvicorn $($PY -c 'import uvicorn;print(uvicorn.__version__)')"
# environment the servers run with (fake values; shows up in Django META)
ENVV=(PATH=/usr/local/bin:/usr/bin:/bin HOME=/home/app HOSTNAME=web-6c8f7b9d4-qx2lm LANG=C.UTF-8
  DATABASE_URL=postgres://shop_rw:s3cr3t-Pa55@10.0.3.12:5432/shop
  AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYfakekey0001 SENTRY_DSN=https://4f1c0e2d9a7b4c3e@o12345.ingest.sentry.io/67890)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
H='Accept: text/html,application/xhtml+xml'

# ---- Flask debug=True on 5101, debug=False on 5102
(cd $SRV && exec env -i "${ENVV[@]}" PORT=5101 FLASK_DEBUG_MODE=1 $PY flask_app.py >/tmp/corpus-work/flask_dbg.log 2>&1) & PIDS+=($!)
(cd $SRV && exec env -i "${ENVV[@]}" PORT=5102 $PY flask_app.py >/tmp/corpus-work/flask.log 2>&1) & PIDS+=($!)
wait_port 5101; wait_port 5102
cap leaky/debug_page/werkzeug_debugger_keyerror.html http://127.0.0.1:5101/orders/total -H "$H" -d '{"items":[{"sku":"SKU-9999","qty":1}]}'
rec flask leaky/debug_page/werkzeug_debugger_keyerror.html leaky debug_page "$FLASKV debug=True" "capture_python_servers.sh: POST /orders/total"
cap leaky/debug_page/werkzeug_debugger_zerodivision.html http://127.0.0.1:5101/crash -H "$H"
rec flask leaky/debug_page/werkzeug_debugger_zerodivision.html leaky debug_page "$FLASKV debug=True" "capture_python_servers.sh: GET /crash"
cap leaky/stack_trace/flask_format_exc_text.txt -X POST http://127.0.0.1:5102/orders/4411/charge
rec flask leaky/stack_trace/flask_format_exc_text.txt leaky stack_trace "$FLASKV handler returns traceback.format_exc()" "capture_python_servers.sh: POST /orders/4411/charge"
cap leaky/database/flask_sqlite_error_json.json http://127.0.0.1:5102/reports/monthly
rec flask leaky/database/flask_sqlite_error_json.json leaky database "$FLASKV + sqlite3, handler returns str(e) and query" "capture_python_servers.sh: GET /reports/monthly"
cap leaky/version_banner/werkzeug_server_software_json.json http://127.0.0.1:5102/upstream
rec flask leaky/version_banner/werkzeug_server_software_json.json leaky version_banner "$FLASKV dev server SERVER_SOFTWARE echoed" "capture_python_servers.sh: GET /upstream"
cap benign/flask_404.html http://127.0.0.1:5102/nope
rec flask benign/flask_404.html benign - "$FLASKV default 404" "capture_python_servers.sh: GET /nope"
cap benign/flask_405.html http://127.0.0.1:5102/signup
rec flask benign/flask_405.html benign - "$FLASKV default 405" "capture_python_servers.sh: GET /signup"
cap benign/flask_500_production.html http://127.0.0.1:5102/crash
rec flask benign/flask_500_production.html benign - "$FLASKV debug=False default 500" "capture_python_servers.sh: GET /crash"
cap benign/flask_400_bad_json.html http://127.0.0.1:5102/signup -H 'Content-Type: application/json' -d '{"email": '
rec flask benign/flask_400_bad_json.html benign - "$FLASKV get_json() on invalid JSON" "capture_python_servers.sh: POST /signup bad JSON"
cap benign/flask_415_unsupported_media.html http://127.0.0.1:5102/signup -d 'email=a@b.c'
rec flask benign/flask_415_unsupported_media.html benign - "$FLASKV get_json() without JSON content type" "capture_python_servers.sh: POST /signup form body"

# ---- Django DEBUG=True on 5103, DEBUG=False on 5104
(cd $SRV && exec env -i "${ENVV[@]}" DJANGO_DEBUG=1 $PY django_app.py runserver 127.0.0.1:5103 --noreload >/tmp/corpus-work/dj_dbg.log 2>&1) & PIDS+=($!)
(cd $SRV && exec env -i "${ENVV[@]}" $PY django_app.py runserver 127.0.0.1:5104 --noreload >/tmp/corpus-work/dj.log 2>&1) & PIDS+=($!)
wait_port 5103; wait_port 5104
cap leaky/debug_page/django_technical_500_integrityerror.html http://127.0.0.1:5103/signup/ -H "$H"
rec django leaky/debug_page/django_technical_500_integrityerror.html leaky debug_page "$DJV DEBUG=True technical 500 (sqlite IntegrityError)" "capture_python_servers.sh: GET /signup/"
cap leaky/environment_dump/django_technical_500_plaintext.txt http://127.0.0.1:5103/orders/ -H 'Accept: application/json'
rec django leaky/environment_dump/django_technical_500_plaintext.txt leaky environment_dump "$DJV DEBUG=True technical 500, text/plain variant (META + settings)" "capture_python_servers.sh: GET /orders/ Accept: application/json"
cap leaky/debug_page/django_technical_404_urlconf.html http://127.0.0.1:5103/admin/login/ -H "$H"
rec django leaky/debug_page/django_technical_404_urlconf.html leaky debug_page "$DJV DEBUG=True technical 404 (URLconf list)" "capture_python_servers.sh: GET /admin/login/"
cap leaky/debug_page/django_technical_404_http404.html http://127.0.0.1:5103/products/7/ -H "$H"
rec django leaky/debug_page/django_technical_404_http404.html leaky debug_page "$DJV DEBUG=True technical 404 (Http404 raised by view)" "capture_python_servers.sh: GET /products/7/"
cap leaky/database/django_integrityerror_json.json http://127.0.0.1:5104/signup.json
rec django leaky/database/django_integrityerror_json.json leaky database "$DJV sqlite, handler returns IntegrityError text" "capture_python_servers.sh: GET /signup.json"
cap benign/django_404_production.html http://127.0.0.1:5104/nope/
rec django benign/django_404_production.html benign - "$DJV DEBUG=False 404" "capture_python_servers.sh: GET /nope/"
cap benign/django_500_production.html http://127.0.0.1:5104/orders/
rec django benign/django_500_production.html benign - "$DJV DEBUG=False 500" "capture_python_servers.sh: GET /orders/"
cap benign/django_400_disallowed_host.html http://127.0.0.1:5104/form/ -H 'Host: evil.example'
rec django benign/django_400_disallowed_host.html benign - "$DJV DEBUG=False 400 (DisallowedHost)" "capture_python_servers.sh: GET /form/ Host: evil.example"
cap benign/django_403_csrf_production.html -X POST http://127.0.0.1:5104/form/ -d 'a=1'
rec django benign/django_403_csrf_production.html benign - "$DJV DEBUG=False 403 CSRF failure" "capture_python_servers.sh: POST /form/"
cap leaky/debug_page/django_403_csrf_debug.html -X POST http://127.0.0.1:5103/form/ -d 'a=1'
rec django leaky/debug_page/django_403_csrf_debug.html leaky debug_page "$DJV DEBUG=True 403 CSRF failure help page" "capture_python_servers.sh: POST /form/ (DEBUG=True)"

# ---- FastAPI debug on 5105, normal on 5106
(cd $SRV && exec env -i "${ENVV[@]}" FASTAPI_DEBUG=1 $VENV/bin/uvicorn fastapi_app:app --host 127.0.0.1 --port 5105 >/tmp/corpus-work/fa_dbg.log 2>&1) & PIDS+=($!)
(cd $SRV && exec env -i "${ENVV[@]}" $VENV/bin/uvicorn fastapi_app:app --host 127.0.0.1 --port 5106 >/tmp/corpus-work/fa.log 2>&1) & PIDS+=($!)
wait_port 5105; wait_port 5106
cap leaky/debug_page/starlette_debug_traceback.html http://127.0.0.1:5105/crash -H "$H"
rec fastapi leaky/debug_page/starlette_debug_traceback.html leaky debug_page "$FAV FastAPI(debug=True) HTML traceback" "capture_python_servers.sh: GET /crash"
cap leaky/stack_trace/starlette_debug_traceback_plain.txt http://127.0.0.1:5105/crash
rec fastapi leaky/stack_trace/starlette_debug_traceback_plain.txt leaky stack_trace "$FAV FastAPI(debug=True) text/plain traceback" "capture_python_servers.sh: GET /crash (Accept */*)"
cap leaky/database/fastapi_detail_psycopg2_error.json http://127.0.0.1:5106/customers/3
rec fastapi leaky/database/fastapi_detail_psycopg2_error.json leaky database "$FAV + psycopg2 / postgresql 15, HTTPException(detail=str(e))" "capture_python_servers.sh: GET /customers/3"
cap benign/fastapi_500_production.txt http://127.0.0.1:5106/crash
rec fastapi benign/fastapi_500_production.txt benign - "$FAV default 500" "capture_python_servers.sh: GET /crash"
cap benign/fastapi_404_not_found.json http://127.0.0.1:5106/nope
rec fastapi benign/fastapi_404_not_found.json benign - "$FAV default 404" "capture_python_servers.sh: GET /nope"
cap benign/fastapi_404_item_not_found.json http://127.0.0.1:5106/items/404
rec fastapi benign/fastapi_404_item_not_found.json benign - "$FAV HTTPException 404" "capture_python_servers.sh: GET /items/404"
cap benign/fastapi_405.json -X DELETE http://127.0.0.1:5106/items/1
rec fastapi benign/fastapi_405.json benign - "$FAV default 405" "capture_python_servers.sh: DELETE /items/1"
cap benign/fastapi_422_missing_and_types.json http://127.0.0.1:5106/items -H 'Content-Type: application/json' -d '{"name": "Desk", "price": "cheap", "tags": "x"}'
rec fastapi benign/fastapi_422_missing_and_types.json benign - "$FAV 422 validation" "capture_python_servers.sh: POST /items wrong types"
cap benign/fastapi_422_json_decode.json http://127.0.0.1:5106/items -H 'Content-Type: application/json' -d '{"name": "Desk", "price": 12,'
rec fastapi benign/fastapi_422_json_decode.json benign - "$FAV 422 JSON decode error" "capture_python_servers.sh: POST /items truncated JSON"
cap benign/fastapi_422_path_query.json 'http://127.0.0.1:5106/items/abc?verbose=maybe'
rec fastapi benign/fastapi_422_path_query.json benign - "$FAV 422 path+query validation" "capture_python_servers.sh: GET /items/abc?verbose=maybe"
cap benign/fastapi_422_missing_body.json -X POST http://127.0.0.1:5106/items
rec fastapi benign/fastapi_422_missing_body.json benign - "$FAV 422 missing body" "capture_python_servers.sh: POST /items no body"
