#!/usr/bin/env bash
# The whole test suite: installs and starts what it needs, then runs every test against the
# real Redis and PostgreSQL on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh all
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/confluence-dlp/target}"
# Tesseract reads this before main(): one OpenMP thread per OCR call is 8x faster on 2 cores.
export OMP_THREAD_LIMIT="${OMP_THREAD_LIMIT:-1}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/}"
# Formatting and lints first: they fail in seconds, the suite takes minutes.
cargo fmt --all --check
cargo clippy --locked --workspace --all-targets -- -D warnings
cargo build --locked --workspace --all-targets
cargo test --locked --workspace --no-fail-fast -- --test-threads=2
