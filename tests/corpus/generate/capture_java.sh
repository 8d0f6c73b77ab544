#!/usr/bin/env bash
# Compiles generate/java/LeakServer.java with the JDK (javac), runs it on 127.0.0.1:5601,
# captures bodies; then runs Debian's Tomcat 10 (CATALINA_BASE under /tmp/corpus-work/tomcat,
# connector on 127.0.0.1:58080) and captures its default error pages.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
B=/tmp/corpus-work/java; rm -rf $B; mkdir -p $B
javac -d $B "$GEN_DIR/java/LeakServer.java"
JV="java $(java -version 2>&1 | head -1 | cut -d'"' -f2)"
PORT=5601 java -cp $B com.acme.shop.LeakServer & P=$!; trap 'kill $P 2>/dev/null || true' EXIT
wait_port 5601
j() { local rel=$1 label=$2 cat=$3 src=$4 desc=$5; shift 5; cap "$rel" "$@"; rec java "$rel" "$label" "$cat" "$JV $src" "capture_java.sh: $desc"; }
U=http://127.0.0.1:5601
j leaky/stack_trace/java_printstacktrace_caused_by.txt leaky stack_trace "e.printStackTrace() with Caused by (JDBC URL inside)" "GET /orders" $U/orders
j leaky/connection_string/java_jdbc_url_in_message.json leaky connection_string "SQLException 'No suitable driver found for jdbc:...' in JSON" "GET /orders.json" $U/orders.json
j leaky/stack_trace/java_numberformat_trace_json.json leaky stack_trace "NumberFormatException trace in JSON (Spring-style keys)" "GET /cart" $U/cart
j leaky/stack_trace/java_npe_helpful_message.txt leaky stack_trace "NullPointerException (helpful NPE message) + trace" "GET /discount" $U/discount
j leaky/version_banner/java_health_jvm_version.json leaky version_banner "JVM + kernel version in 503 health body" "GET /health" $U/health
kill $P; trap - EXIT

# ---- Tomcat 10 (Debian package), default ErrorReportValve
TB=/tmp/corpus-work/tomcat; rm -rf $TB; mkdir -p $TB/{conf,logs,temp,work,webapps/ROOT}
cp -r /etc/tomcat10/. $TB/conf/
python3 - $TB/conf/server.xml <<'PY'
import re, sys
p = sys.argv[1]; s = open(p).read()
s = s.replace('<Server port="-1"', '<Server port="-1"').replace('<Server port="8005"', '<Server port="-1"')
s = re.sub(r'<Connector port="8080"', '<Connector address="127.0.0.1" port="58080"', s)
open(p, "w").write(s)
PY
cat > $TB/webapps/ROOT/checkout.jsp <<'JSP'
<%@ page import="java.util.*" %><%
  Map<String, Integer> stock = new HashMap<>();
  int left = stock.get(request.getParameter("sku"));
%>ok <%= left %>
JSP
CATALINA_HOME=/usr/share/tomcat10 CATALINA_BASE=$TB CATALINA_PID=$TB/pid /usr/share/tomcat10/bin/catalina.sh start >/dev/null 2>&1
trap 'kill $(cat $TB/pid) 2>/dev/null || true' EXIT
wait_port 58080; sleep 2
TV="tomcat $(dpkg-query -W -f='${Version}' tomcat10) ($JV)"
t() { local rel=$1 label=$2 cat=$3 src=$4 desc=$5; shift 5; cap "$rel" "$@"; rec tomcat "$rel" "$label" "$cat" "$TV $src" "capture_java.sh: $desc"; }
t leaky/version_banner/tomcat_404.html leaky version_banner "default 404 page (server info footer)" "GET /nope" http://127.0.0.1:58080/nope
t leaky/debug_page/tomcat_500_jsp_exception.html leaky debug_page "default 500 report page (exception + root cause stack)" "GET /checkout.jsp?sku=X" 'http://127.0.0.1:58080/checkout.jsp?sku=X'
t leaky/version_banner/tomcat_405_trace.html leaky version_banner "default 405 page" "TRACE /" -X TRACE http://127.0.0.1:58080/
