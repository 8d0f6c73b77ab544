#!/usr/bin/env bash
# Builds the standalone Rust generator (NOT part of the tower-redact build):
#   mkdir -p /tmp/corpus-work/rust && cp -r generate/rust/src /tmp/corpus-work/rust/ \
#   && cp generate/rust/Cargo.toml.in /tmp/corpus-work/rust/Cargo.toml \
#   && cp generate/rust/Cargo.lock.in /tmp/corpus-work/rust/Cargo.lock
# then runs: axum_app (benign rejections, captured with curl), leakgen (Debug/Display
# of real error values) and panicker (panic messages + RUST_BACKTRACE=1 backtraces).
# Needs PostgreSQL from services.sh (role corpus, db shop, table customers).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
R=/tmp/corpus-work/rust
if [ ! -f $R/Cargo.toml ]; then
  mkdir -p $R && cp -r "$GEN_DIR/rust/src" $R/ && cp "$GEN_DIR/rust/Cargo.toml.in" $R/Cargo.toml && cp "$GEN_DIR/rust/Cargo.lock.in" $R/Cargo.lock
fi
(cd $R && cargo build -q)
RV="$(rustc --version | cut -d' ' -f1-2)"
AXV="axum 0.8.9 ($RV)"

# ---------- axum rejections (benign) ----------
PORT=5201 $R/target/debug/axum_app & AX=$!
trap 'kill $AX 2>/dev/null || true' EXIT
wait_port 5201
U=http://127.0.0.1:5201
J='Content-Type: application/json'
b() { local name=$1 desc=$2; shift 2; cap benign/$name "$@"; rec axum benign/$name benign - "$AXV" "capture_rust.sh: $desc"; }
b axum_json_syntax_error.txt "POST /users invalid JSON" $U/users -H "$J" -d '{"name": "Ann", "email": }'
b axum_json_eof.txt "POST /users truncated JSON" $U/users -H "$J" -d '{"name": "Ann"'
b axum_json_missing_field.txt "POST /users missing field" $U/users -H "$J" -d '{"name": "Ann", "email": "ann@example.com"}'
b axum_json_wrong_type.txt "POST /users wrong type" $U/users -H "$J" -d '{"name": "Ann", "email": "ann@example.com", "age": "thirty"}'
b axum_json_negative_number.txt "POST /users negative age" $U/users -H "$J" -d '{"name": "Ann", "email": "ann@example.com", "age": -4}'
b axum_json_trailing_chars.txt "POST /users trailing characters" $U/users -H "$J" -d '{"name": "Ann", "email": "a@b.c", "age": 3} x'
b axum_json_multiline_error.txt "POST /users multi-line body, error on line 4" $U/users -H "$J" --data-binary $'{\n  "name": "Ann",\n  "email": "ann@example.com",\n  "age": 30,,\n}'
b axum_json_wrong_content_type.txt "POST /users text/plain" $U/users -H 'Content-Type: text/plain' -d '{"name":"Ann","email":"a@b.c","age":3}'
b axum_query_missing_field.txt "GET /users?page=2" "$U/users?page=2"
b axum_query_invalid_digit.txt "GET /users?page=two&per_page=10" "$U/users?page=two&per_page=10"
b axum_query_overflow.txt "GET /users?page=1&per_page=1000" "$U/users?page=1&per_page=1000"
b axum_path_parse_error.txt "GET /users/abc" $U/users/abc
b axum_path_overflow.txt "GET /users/99999999999999999999999" $U/users/99999999999999999999999
b axum_path_tuple_error.txt "GET /orgs/acme/items/-1" $U/orgs/acme/items/-1
b axum_form_missing_field.txt "POST /login form missing field" $U/login -d 'username=ann'
b axum_form_bad_bool.txt "POST /login form bad bool" $U/login -d 'username=ann&remember=yes'
b axum_form_wrong_content_type.txt "POST /login JSON body" $U/login -H "$J" -d '{"username":"ann"}'
b axum_413_length_limit.txt "POST /upload 4 KiB body (limit 1 KiB)" $U/upload --data-binary "$(head -c 4096 /dev/zero | tr '\0' a)"
b axum_string_invalid_utf8.txt "POST /text with invalid UTF-8" $U/text --data-binary $'\xff\xfe\xfa'
b axum_405_empty.txt "DELETE /users (405, empty body)" -X DELETE $U/users
b axum_404_empty.txt "GET /nope (404, empty body)" $U/nope
kill $AX; trap - EXIT

# ---------- leakgen: Debug/Display of real errors ----------
OUT=/tmp/corpus-work/rust-out; rm -rf $OUT; mkdir -p $OUT
(cd $R && OUT=$OUT RUST_BACKTRACE=1 PG_URL=postgres://corpus:corpus@127.0.0.1:55432/shop CLOSED_PORT=9 ./target/debug/leakgen)
mv_l() { local f=$1 cat=$2 src=$3; mkdir -p "$CORPUS/leaky/$cat"; cp $OUT/$f "$CORPUS/leaky/$cat/$f"; rec rust "leaky/$cat/$f" leaky $cat "$src" "capture_rust.sh: leakgen"; }
mv_l rust_io_error_debug.txt file_path "$RV std::io::Error {:?} with path"
mv_l rust_serde_json_error_debug.txt stack_trace "$RV serde_json 1.0 Error {:?}"
mv_l rust_anyhow_chain_backtrace.txt stack_trace "$RV anyhow 1.0 {:?} with context chain + backtrace (RUST_BACKTRACE=1)"
mv_l rust_anyhow_chain_alternate.txt file_path "$RV anyhow 1.0 {:#} context chain"
mv_l rust_toml_config_error_dsn.txt connection_string "$RV toml 0.8 de::Error Display (shows config line with DSN)"
mv_l rust_sqlx_sqlite_unique_debug.txt database "$RV sqlx 0.8 sqlite {:?}"
mv_l rust_sqlx_sqlite_unique_json.json database "$RV sqlx 0.8 sqlite Display in JSON"
mv_l rust_sqlx_sqlite_no_such_table_debug.txt database "$RV sqlx 0.8 sqlite {:?}"
mv_l rust_sqlx_column_not_found_debug.txt database "$RV sqlx 0.8 ColumnNotFound {:?}"
mv_l rust_sqlx_pg_unique_debug.txt database "$RV sqlx 0.8 postgres 15 {:?}"
mv_l rust_sqlx_pg_syntax_json.json database "$RV sqlx 0.8 postgres 15 Display in JSON"
mv_l rust_sqlx_pg_undefined_table_pretty_debug.txt database "$RV sqlx 0.8 postgres 15 {:#?}"
mv_l rust_sqlx_pg_auth_failed.txt connection_string "$RV sqlx 0.8 postgres 15 auth failure, handler echoes URL"
mv_l rust_sqlx_pg_connect_refused_raw.txt connection_string "$RV sqlx 0.8 connect refused {:?}, handler echoes URL"
mv_l rust_tokio_postgres_undefined_column_debug.txt database "$RV tokio-postgres 0.7 {:?}"
mv_l rust_tokio_postgres_unique_json.json database "$RV tokio-postgres 0.7 Display + {:?} in JSON"
mv_l rust_tokio_postgres_connect_refused_raw.txt database "$RV tokio-postgres 0.7 connect refused {:?}"
mv_l rust_reqwest_connect_refused_raw.txt private_address "$RV reqwest 0.12 connect error {:?} (127.0.0.1)"
sed -e 's/127\.0\.0\.1:9/10.0.3.44:8080/g' $OUT/rust_reqwest_connect_refused_raw.txt > "$CORPUS/leaky/private_address/rust_reqwest_connect_refused_10_0_3_44.txt"
rec rust leaky/private_address/rust_reqwest_connect_refused_10_0_3_44.txt leaky private_address "$RV reqwest 0.12 {:?}; 127.0.0.1:9 substituted with 10.0.3.44:8080" "capture_rust.sh: leakgen + sed"
mv_l rust_tokio_join_error_panic.txt stack_trace "$RV tokio 1 JoinError::Panic {:?}"

# ---------- panics ----------
for m in expect unwrap index; do
  (cd $R && RUST_BACKTRACE=0 ./target/debug/panicker $m 2> $OUT/panic_$m.txt >/dev/null) || true
  (cd $R && RUST_BACKTRACE=1 ./target/debug/panicker $m 2> $OUT/panic_${m}_backtrace.txt >/dev/null) || true
done
cp $OUT/panic_expect.txt "$CORPUS/leaky/stack_trace/rust_panic_expect.txt"
rec rust leaky/stack_trace/rust_panic_expect.txt leaky stack_trace "$RV panic message (default hook stderr returned as body)" "capture_rust.sh: panicker expect"
cp $OUT/panic_unwrap.txt "$CORPUS/leaky/stack_trace/rust_panic_unwrap_parseint.txt"
rec rust leaky/stack_trace/rust_panic_unwrap_parseint.txt leaky stack_trace "$RV panic message" "capture_rust.sh: panicker unwrap"
cp $OUT/panic_index_backtrace.txt "$CORPUS/leaky/stack_trace/rust_panic_index_backtrace.txt"
rec rust leaky/stack_trace/rust_panic_index_backtrace.txt leaky stack_trace "$RV panic + RUST_BACKTRACE=1 backtrace" "capture_rust.sh: RUST_BACKTRACE=1 panicker index"
python3 - "$OUT/panic_expect_backtrace.txt" "$CORPUS/leaky/stack_trace/rust_panic_backtrace_json.json" <<'PY'
import json, sys
t = open(sys.argv[1]).read()
open(sys.argv[2], "w").write(json.dumps({"error": "internal error", "panic": t}))
PY
rec rust leaky/stack_trace/rust_panic_backtrace_json.json leaky stack_trace "$RV panic + RUST_BACKTRACE=1 backtrace in JSON" "capture_rust.sh: RUST_BACKTRACE=1 panicker expect"
