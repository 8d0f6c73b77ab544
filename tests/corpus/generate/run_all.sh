#!/usr/bin/env bash
# Regenerates the whole corpus: services, every producer, then manifest + README table.
# Each producer rewrites its own files; META_DIR collects the manifest rows.
set -euo pipefail
cd "$(dirname "$0")"
export META_DIR=/tmp/corpus-work/meta; rm -rf "$META_DIR"; mkdir -p "$META_DIR"
bash services.sh
PY=/tmp/corpus-work/venv/bin/python
$PY python_leaks.py
bash capture_python_servers.sh
bash capture_rust.sh
bash capture_node.sh
bash capture_php.sh
bash capture_go.sh
bash capture_java.sh
bash capture_ruby.sh
bash capture_webservers.sh
$PY benign_gen.py
python3 handwritten.py
python3 build_manifest.py
bash services.sh stop
