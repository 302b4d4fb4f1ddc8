#!/usr/bin/env bash
# Measures a full scan of the bundled sample space through the simulator, on the embedded
# backends and on Redis + PostgreSQL: median wall time, pages/s and API requests per page over
# RUNS runs each (release build). Needs Redis and PostgreSQL on 127.0.0.1 (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${RUNS:-5}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/confluence-dlp/target}"
# Tesseract reads this before main(): one OpenMP thread per OCR call is 8x faster on 2 cores.
export OMP_THREAD_LIMIT="${OMP_THREAD_LIMIT:-1}"
cargo build --locked --release --quiet
bin="$CARGO_TARGET_DIR/release/confluence-dlp"
port="${PORT:-8766}"
work="$(mktemp -d)"
"$bin" simulate samples/spaces/ENG --port "$port" --auth-email m@acme-corp.com --auth-token m-token 2>/dev/null &
sim=$!
trap 'kill $sim 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
export CONFLUENCE_EMAIL=m@acme-corp.com CONFLUENCE_API_TOKEN=m-token CONFLUENCE_SITE="http://127.0.0.1:$port"
pg="postgres://postgres:postgres@127.0.0.1:5432"
one() { # one BACKEND RUN -> prints "wall pages requests"
  local dir="$work/$1-$2"; mkdir -p "$dir"
  local -a env=(DLP_DATA_DIR="$dir" DLP_QUEUE="measure-$1-$2-$$")
  if [ "$1" = redis+postgres ]; then
    local db="dlp_measure_$$_$2"
    psql "$pg/postgres" -qc "CREATE DATABASE $db" >/dev/null
    env+=(DATABASE_URL="$pg/$db" REDIS_URL="redis://127.0.0.1:6379/")
  fi
  local out; out=$(env "${env[@]}" "$bin" scan --space ENG || true)
  [ "$1" = redis+postgres ] && psql "$pg/postgres" -qc "DROP DATABASE $db" >/dev/null
  python3 - "$out" <<'PY'
import re, sys
out = sys.argv[1]
wall = float(re.search(r"in ([0-9.]+)s", out).group(1))
m = re.search(r"crawled: (\d+) pages, (\d+) blog posts, \d+ attachments; (\d+) API requests", out)
print(wall, int(m.group(1)) + int(m.group(2)), int(m.group(3)))
PY
}
printf '%-16s %5s %12s %10s %10s %14s\n' backend runs "median wall" pages "pages/s" "requests/page"
for backend in embedded redis+postgres; do
  results=$(for r in $(seq "$runs"); do one "$backend" "$r"; done)
  python3 - "$backend" "$runs" "$results" <<'PY'
import statistics, sys
backend, runs, rows = sys.argv[1], sys.argv[2], [l.split() for l in sys.argv[3].splitlines()]
walls = [float(r[0]) for r in rows]; pages = int(rows[0][1]); reqs = [int(r[2]) for r in rows]
w = statistics.median(walls)
print(f"{backend:<16} {runs:>5} {w:>11.2f}s {pages:>10} {pages / w:>10.1f} {statistics.median(reqs) / pages:>14.2f}")
PY
done
