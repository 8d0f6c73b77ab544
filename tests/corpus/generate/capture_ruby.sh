#!/usr/bin/env bash
# Debian ruby 3.1 + ruby-pg + ruby-sqlite3 + ruby-actionpack/ruby-rack/ruby-webrick.
# Copies generate/ruby to /opt/billing-rb, runs ruby_leaks.rb, then serves config.ru
# (ActionDispatch::DebugExceptions = Rails development error page) with rackup/WEBrick.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
APP=/opt/billing-rb; mkdir -p $APP && cp -r "$GEN_DIR"/ruby/. $APP/
OUT=/tmp/corpus-work/ruby-out; rm -rf $OUT; mkdir -p $OUT
(cd $APP && ruby ruby_leaks.rb $OUT)
while IFS=$'\t' read -r rel label cat src; do
  mkdir -p "$(dirname "$CORPUS/$rel")"; cp "$OUT/$rel" "$CORPUS/$rel"; rec ruby "$rel" "$label" "$cat" "$src" "capture_ruby.sh: ruby_leaks.rb"
done < $OUT/rows.tsv
AP="actionpack $(dpkg-query -W -f='${Version}' ruby-actionpack | sed 's/^2://;s/+.*//')"
(cd $APP && exec rackup -E production -o 127.0.0.1 -p 5801 config.ru >/tmp/corpus-work/rack.log 2>&1) & P=$!
trap 'kill $P 2>/dev/null || true' EXIT
wait_port 5801
cap leaky/debug_page/rails_debug_exceptions.html -H 'Accept: text/html' http://127.0.0.1:5801/invoices/7
rec ruby leaky/debug_page/rails_debug_exceptions.html leaky debug_page "ruby $(ruby -e 'print RUBY_VERSION') $AP ActionDispatch::DebugExceptions (Rails dev error page) via rackup/WEBrick" "capture_ruby.sh: GET /invoices/7"
