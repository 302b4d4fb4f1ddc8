#!/usr/bin/env bash
# The main job on the embedded default: serve the bundled sample space through the Confluence
# simulator and scan it (SQLite store and queue under a temporary data dir; no servers needed).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/confluence-dlp/target}"
# Tesseract reads this before main(): one OpenMP thread per OCR call is 8x faster on 2 cores.
export OMP_THREAD_LIMIT="${OMP_THREAD_LIMIT:-1}"
cargo build --locked --release --quiet
bin="$CARGO_TARGET_DIR/release/confluence-dlp"
port="${DEMO_PORT:-8765}"
data_dir="$(mktemp -d)"
"$bin" simulate samples/spaces/ENG --port "$port" --auth-email demo@acme-corp.com --auth-token demo-token &
sim=$!
trap 'kill $sim 2>/dev/null; rm -rf "$data_dir"' EXIT
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
set +e
CONFLUENCE_EMAIL=demo@acme-corp.com CONFLUENCE_API_TOKEN=demo-token \
  "$bin" --data-dir "$data_dir" scan --site "http://127.0.0.1:$port" --space ENG "$@"
code=$?
set -e
# Exit code 1 means "findings", which is what the sample space is for.
[ "$code" -le 1 ] || exit "$code"
