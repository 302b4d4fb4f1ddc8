#!/usr/bin/env bash
# Installs what building and testing confluence-dlp needs on Debian/Ubuntu, when it is missing,
# and starts Redis and PostgreSQL when they are not running. Safe to run again.
# Usage: scripts/setup.sh [build|services|mcp|browser]   (default: all four)
set -euo pipefail
what="${1:-all}"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
apt_updated=""
need_pkg() { # need_pkg PACKAGE... : install the ones dpkg does not know as installed
  local missing=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ -z "$apt_updated" ]; then $SUDO apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
}

if [ "$what" = all ] || [ "$what" = build ]; then
  # libtesseract/libleptonica for OCR of images (the tesseract crate links them; bindgen needs
  # clang), make for jemalloc (the binary's allocator, built from source by tikv-jemalloc-sys), the English model for them, poppler-utils for the PDF benchmark's peer, and python3
  # for the sample generators (tests/detection_quality.rs reruns samples/labelled/generate.py).
  need_pkg ca-certificates pkg-config gcc make libc6-dev clang libclang-dev \
    libtesseract-dev libleptonica-dev tesseract-ocr-eng poppler-utils python3
  if ! command -v cargo >/dev/null 2>&1; then
    echo "setup: no cargo on PATH; installing Debian's (a rustup toolchain >= 1.94 is better)" >&2
    need_pkg cargo rustc
  fi
fi

if [ "$what" = all ] || [ "$what" = services ]; then
  need_pkg redis-server postgresql postgresql-client
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    mkdir -p /tmp/confluence-dlp-redis
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
      --dir /tmp/confluence-dlp-redis --logfile /tmp/confluence-dlp-redis/redis.log
    for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    ver=$(ls /etc/postgresql | sort -V | tail -1)
    pg_ctlcluster --skip-systemctl-redirect "$ver" main start || $SUDO pg_ctlcluster "$ver" main start
    for _ in $(seq 100); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.1; done
  fi
  # The tests connect as postgres/postgres over TCP; on a fresh install that password is unset.
  if ! PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
    (cd / && $SUDO -u postgres psql -qc "ALTER USER postgres PASSWORD 'postgres'" >/dev/null 2>&1) ||
      (cd / && su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null)
  fi
fi

if [ "$what" = all ] || [ "$what" = mcp ]; then
  # The MCP end-to-end test drives the real mcp-atlassian server (Data Center mode) against the
  # simulator. It lives in its own venv so its pinned dependencies never meet the system's; the
  # version is pinned because the simulator's routes were checked against exactly its requests.
  mcp_venv="${DLP_MCP_VENV:-$HOME/.cache/confluence-dlp/mcp-atlassian-venv}"
  mcp_pin="mcp-atlassian==0.23.1"
  if [ "$("$mcp_venv/bin/python" -c 'import importlib.metadata as m; print(m.version("mcp-atlassian"))' 2>/dev/null)" != "${mcp_pin#*==}" ]; then
    need_pkg python3
    # Debian splits ensurepip into python3-venv; without it `python3 -m venv` fails.
    python3 -c 'import ensurepip, venv' 2>/dev/null || need_pkg python3-venv
    [ -x "$mcp_venv/bin/python" ] || python3 -m venv "$mcp_venv"
    "$mcp_venv/bin/python" -m pip install -q "$mcp_pin"
  fi
fi

if [ "$what" = all ] || [ "$what" = browser ]; then
  # The console's test (tests/api/console.rs) drives Debian's headless Chromium through
  # chromedriver; both come from the distribution, never a browser build of their own.
  need_pkg chromium chromium-driver
fi
