#!/usr/bin/env bash
# PHP built-in server (php -S 127.0.0.1:5401) with display_errors=On serving
# generate/php copied to /var/www/html/shop; bodies captured with curl -s -o.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
DOC=/var/www/html/shop
mkdir -p $DOC && cp -r "$GEN_DIR"/php/. $DOC/
PV="php $(php -r 'echo PHP_VERSION;') built-in server"
FAKE=(PATH=/usr/local/bin:/usr/bin:/bin HOSTNAME=php-fpm-7b9c4d-2kq8x APP_ENV=production
  DB_PASSWORD=shop-db-Pa55 MAIL_PASSWORD=m41l-Pa55 APP_KEY=base64:Zm9yLXRlc3RzLW9ubHktbm90LWEtcmVhbC1rZXk=)
env -i "${FAKE[@]}" php -d display_errors=On -d html_errors=On -d error_reporting=E_ALL -d variables_order=EGPCS -d auto_prepend_file=$DOC/prepend_500.php -S 127.0.0.1:5401 -t $DOC >/tmp/corpus-work/php.log 2>&1 & P1=$!
env -i "${FAKE[@]}" php -d display_errors=On -d html_errors=Off -d error_reporting=E_ALL -d variables_order=EGPCS -d auto_prepend_file=$DOC/prepend_500.php -S 127.0.0.1:5402 -t $DOC >/tmp/corpus-work/php2.log 2>&1 & P2=$!
trap 'kill $P1 $P2 2>/dev/null || true' EXIT
wait_port 5401; wait_port 5402
p() { local rel=$1 label=$2 cat=$3 src=$4 desc=$5; shift 5; cap "$rel" "$@"; rec php "$rel" "$label" "$cat" "$PV $src" "capture_php.sh: $desc"; }
U=http://127.0.0.1:5401; T=http://127.0.0.1:5402
p leaky/stack_trace/php_uncaught_exception_html.html leaky stack_trace "display_errors=On html_errors=On" "GET /uncaught.php?qty=-3" "$U/uncaught.php?qty=-3"
p leaky/stack_trace/php_uncaught_exception_text.txt leaky stack_trace "display_errors=On html_errors=Off" "GET /uncaught.php?qty=0" "$T/uncaught.php?qty=0&sku=SKU-77"
p leaky/file_path/php_failed_to_open_stream.html leaky file_path "warnings, html_errors=On" "GET /warning.php" $U/warning.php
p leaky/file_path/php_undefined_variable_text.txt leaky file_path "warnings, html_errors=Off" "GET /undefined.php" $T/undefined.php
p leaky/stack_trace/php_division_by_zero.html leaky stack_trace "DivisionByZeroError" "GET /divzero.php" $U/divzero.php
p leaky/database/php_pdo_mysql_uncaught.html leaky database "+ PDO mysql / mariadb 10.11, uncaught PDOException" "GET /pdo_mysql.php" $U/pdo_mysql.php
p leaky/database/php_pdo_mysql_syntax_json.json leaky database "+ PDO mysql / mariadb 10.11, getMessage() in JSON" "GET /pdo_mysql_syntax.php" $U/pdo_mysql_syntax.php
p leaky/database/php_pdo_pgsql_unique_trace_json.json leaky database "+ PDO pgsql / postgresql 15, getMessage()+getTraceAsString()" "GET /pdo_pgsql.php" $U/pdo_pgsql.php
p leaky/stack_trace/php_pdo_connect_refused_text.txt leaky stack_trace "+ PDO pgsql connect refused (password shown as SensitiveParameterValue)" "GET /pdo_connect.php" $T/pdo_connect.php
p leaky/environment_dump/php_phpinfo.html leaky environment_dump "phpinfo(GENERAL|CONFIGURATION|ENVIRONMENT|VARIABLES), fixed fake env" "GET /phpinfo.php" $U/phpinfo.php
p leaky/environment_dump/php_print_r_server.txt leaky environment_dump "print_r(\$_SERVER), fixed fake env" "GET /server_dump.php" $U/server_dump.php
p leaky/version_banner/php_server_software_banner.html leaky version_banner "SERVER_SOFTWARE + PHP_VERSION in 503 body" "GET /banner.php" $U/banner.php
p benign/php_builtin_404.html benign - "default 404" "GET /missing.php" $U/missing.php
p benign/php_laravel_style_422.json benign - "app 422 validation JSON" "POST /ok_validation.php" $U/ok_validation.php -d 'email=not-an-email'
