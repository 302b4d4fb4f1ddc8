#!/usr/bin/env bash
# Redactor lookups (`POST /api/v1/lookup/content`, all cache hits) under wrk: a C load generator
# on its own thread, so the client costs the two cores less than the in-process client of
# `dlp-bench webhooks` does. The sample space is served by the simulator (Data Center) and
# scanned into a store; `serve --role api` then answers lookups of its pages round robin, with
# the API's per-token rate limit raised out of the way. One Markdown row per backend and
# connection count (closed loop: each connection sends its next request on the answer).
#
#   scripts/peers/lookup_wrk.sh
#   BACKENDS=sqlite CONNS="1 2" SECS=10 RUNS=3 scripts/peers/lookup_wrk.sh
#   EXTRA_CONFIG=$'[cache]\nnear_cache_ms = 0' BACKENDS=postgres scripts/peers/lookup_wrk.sh
#
# Everything listens on 127.0.0.1; PostgreSQL and Redis are the test suite's (DATABASE_URL's
# server, REDIS_URL), with a database and a queue name of the script's own.
set -euo pipefail
cd "$(dirname "$0")/../.."

: "${BACKENDS:=sqlite postgres}" "${CONNS:=1 2}" "${SECS:=10}" "${RUNS:=2}"
: "${PG:=postgres://postgres:postgres@127.0.0.1:5432}" "${REDIS:=redis://127.0.0.1:6379/}"
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 2; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/confluence-dlp/target}"
cargo build --release --quiet -p confluence-dlp --bin confluence-dlp
BIN="$CARGO_TARGET_DIR/release/confluence-dlp"
WORK=$(mktemp -d)
SIM_PORT=$((20000 + RANDOM % 10000)); API_PORT=$((SIM_PORT + 1))
export DLP_SERVER_KEY=4f1c7e9a0b2d3c5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6
export OMP_THREAD_LIMIT=1
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS lookup_wrk" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN" simulate samples/spaces/ENG --port "$SIM_PORT" --flavor datacenter --auth-pat wrk-pat \
  >"$WORK/sim.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do curl -s "http://127.0.0.1:$SIM_PORT/" >/dev/null 2>&1 && break; sleep 0.1; done
printf '[api]\nrequests_per_sec = 1000000\nburst = 1000000\n%s\n' "${EXTRA_CONFIG:-}" >"$WORK/config.toml"
ids=$(ls samples/spaces/ENG/pages/*.json | xargs -n1 basename | sed 's/\.json$//' | tr '\n' ' ')

echo "| backend | connections | requests/s | p50 | p99 |"
echo "|---|---:|---:|---:|---:|"
for backend in $BACKENDS; do
  dir="$WORK/$backend"; mkdir -p "$dir"
  env=(DLP_DATA_DIR="$dir" DLP_QUEUE="lookup-wrk-$$" DLP_CONFIG="$WORK/config.toml")
  if [ "$backend" = postgres ]; then
    psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS lookup_wrk" -c "CREATE DATABASE lookup_wrk" >/dev/null
    env+=(DATABASE_URL="$PG/lookup_wrk" REDIS_URL="$REDIS")
  fi
  env "${env[@]}" CONFLUENCE_PAT=wrk-pat "$BIN" scan --site "http://127.0.0.1:$SIM_PORT/confluence" \
    --space ENG --format json >/dev/null 2>"$dir/scan.err" || [ $? -eq 1 ]
  token=$(env "${env[@]}" "$BIN" token create --name "wrk-$backend" --scope lookup | tail -1)
  cat >"$dir/lookup.lua" <<EOF
local ids = {}
for id in string.gmatch("$ids", "%S+") do table.insert(ids, id) end
local i = 0
request = function()
  i = i + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer $token"}, '{"content_id": "' .. ids[(i % #ids) + 1] .. '"}')
end
EOF
  env "${env[@]}" "$BIN" serve --role api --listen "127.0.0.1:$API_PORT" >"$dir/serve.log" 2>&1 &
  serve=$!; pids+=($serve)
  for _ in $(seq 100); do curl -s "http://127.0.0.1:$API_PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  url="http://127.0.0.1:$API_PORT/api/v1/lookup/content"
  # Unmeasured: every page read once, from the store into the cache.
  wrk -t1 -c1 -d2s -s "$dir/lookup.lua" "$url" >/dev/null
  for c in $CONNS; do
    for _ in $(seq "$RUNS"); do
      out=$(wrk -t1 -c"$c" -d"${SECS}s" -s "$dir/lookup.lua" --latency "$url")
      if echo "$out" | grep -q "Non-2xx"; then echo "$out" >&2; exit 1; fi
      rps=$(echo "$out" | awk '/Requests\/sec/ {printf "%d", $2}')
      p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
      p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
      echo "| $backend | $c | $rps | $p50 | $p99 |"
    done
  done
  kill "$serve"; wait "$serve" 2>/dev/null || true
done
