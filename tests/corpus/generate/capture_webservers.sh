#!/usr/bin/env bash
# Debian nginx and apache2 with private configs under /tmp/corpus-work, listening on
# 127.0.0.1 only; captures their built-in error pages with and without version tokens.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
W=/tmp/corpus-work/web; rm -rf $W; mkdir -p $W/nginx/logs $W/docroot/private $W/apache/logs
echo '<h1>home</h1>' > $W/docroot/index.html
NGV="nginx $(nginx -v 2>&1 | cut -d/ -f2)"
cat > $W/nginx/nginx.conf <<CONF
worker_processes 1;
error_log $W/nginx/logs/error.log;
pid $W/nginx/nginx.pid;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $W/nginx/tmp; proxy_temp_path $W/nginx/tmp; fastcgi_temp_path $W/nginx/tmp; uwsgi_temp_path $W/nginx/tmp; scgi_temp_path $W/nginx/tmp;
  client_max_body_size 1k;
  server { listen 127.0.0.1:5701; server_tokens on;  root $W/docroot; autoindex off;
           location /api/ { proxy_pass http://127.0.0.1:9; } }
  server { listen 127.0.0.1:5702; server_tokens off; root $W/docroot; autoindex off;
           location /api/ { proxy_pass http://127.0.0.1:9; } }
}
CONF
mkdir -p $W/nginx/tmp
nginx -c $W/nginx/nginx.conf -p $W/nginx
trap 'nginx -c $W/nginx/nginx.conf -p $W/nginx -s stop 2>/dev/null || true' EXIT
wait_port 5701; wait_port 5702
n() { local rel=$1 label=$2 cat=$3 src=$4 desc=$5; shift 5; cap "$rel" "$@"; rec nginx "$rel" "$label" "$cat" "$NGV $src" "capture_webservers.sh: $desc"; }
n leaky/version_banner/nginx_404_server_tokens_on.html leaky version_banner "server_tokens on, default 404" "GET /missing" http://127.0.0.1:5701/missing
n leaky/version_banner/nginx_403_server_tokens_on.html leaky version_banner "server_tokens on, default 403" "GET /private/" http://127.0.0.1:5701/private/
n leaky/version_banner/nginx_502_server_tokens_on.html leaky version_banner "server_tokens on, 502 from proxy_pass to closed port" "GET /api/x" http://127.0.0.1:5701/api/x
n leaky/version_banner/nginx_413_server_tokens_on.html leaky version_banner "server_tokens on, 413" "POST 4 KiB" http://127.0.0.1:5701/ --data-binary "$(head -c 4096 /dev/zero | tr '\0' a)"
n benign/nginx_404_server_tokens_off.html benign - "server_tokens off, default 404" "GET /missing" http://127.0.0.1:5702/missing
n benign/nginx_403_server_tokens_off.html benign - "server_tokens off, default 403" "GET /private/" http://127.0.0.1:5702/private/
n benign/nginx_502_server_tokens_off.html benign - "server_tokens off, 502" "GET /api/x" http://127.0.0.1:5702/api/x
n benign/nginx_405_server_tokens_off.html benign - "server_tokens off, 405 (POST to static file)" "POST /index.html" -X POST http://127.0.0.1:5702/index.html
nginx -c $W/nginx/nginx.conf -p $W/nginx -s stop; trap - EXIT

AV="$(apache2 -v | head -1 | cut -d' ' -f3)"
M=/usr/lib/apache2/modules
mk_apache() { # $1 port, $2 ServerTokens, $3 ServerSignature
cat > $W/apache/httpd-$1.conf <<CONF
ServerRoot $W/apache
PidFile $W/apache/httpd-$1.pid
Listen 127.0.0.1:$1
ServerName 127.0.0.1
LoadModule mpm_event_module $M/mod_mpm_event.so
LoadModule authz_core_module $M/mod_authz_core.so
LoadModule dir_module $M/mod_dir.so
LoadModule mime_module $M/mod_mime.so
LoadModule proxy_module $M/mod_proxy.so
LoadModule proxy_http_module $M/mod_proxy_http.so
ErrorLog $W/apache/logs/error-$1.log
TypesConfig /etc/mime.types
ServerTokens $2
ServerSignature $3
TraceEnable off
DocumentRoot $W/docroot
<Directory $W/docroot>
  Options None
  Require all granted
</Directory>
<Location /private/>
  Require all denied
</Location>
ProxyPass /api/ http://127.0.0.1:9/
CONF
apache2 -f $W/apache/httpd-$1.conf -k start
}
mk_apache 5703 Full On; mk_apache 5704 Prod Off
trap 'apache2 -f $W/apache/httpd-5703.conf -k stop; apache2 -f $W/apache/httpd-5704.conf -k stop' EXIT
wait_port 5703; wait_port 5704
a() { local rel=$1 label=$2 cat=$3 src=$4 desc=$5; shift 5; cap "$rel" "$@"; rec apache "$rel" "$label" "$cat" "$AV $src" "capture_webservers.sh: $desc"; }
a leaky/version_banner/apache_404_servertokens_full.html leaky version_banner "ServerTokens Full, ServerSignature On, 404" "GET /missing" http://127.0.0.1:5703/missing
a leaky/version_banner/apache_403_servertokens_full.html leaky version_banner "ServerTokens Full, ServerSignature On, 403" "GET /private/" http://127.0.0.1:5703/private/
a leaky/version_banner/apache_503_proxy_servertokens_full.html leaky version_banner "ServerTokens Full, ServerSignature On, proxy to closed port" "GET /api/x" http://127.0.0.1:5703/api/x
a benign/apache_404_signature_off.html benign - "ServerTokens Prod, ServerSignature Off, 404" "GET /missing" http://127.0.0.1:5704/missing
a benign/apache_403_signature_off.html benign - "ServerTokens Prod, ServerSignature Off, 403" "GET /private/" http://127.0.0.1:5704/private/
a benign/apache_405_signature_off.html benign - "ServerTokens Prod, ServerSignature Off, TraceEnable off, 405" "TRACE /" -X TRACE http://127.0.0.1:5704/
