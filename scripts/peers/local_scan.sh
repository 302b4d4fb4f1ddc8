#!/usr/bin/env bash
# `confluence-dlp scan PATH` next to `kingfisher scan PATH`, in one run, on two shapes of the
# same text: many small files (by default every crate source under ~/.cargo/registry/src) and
# three 60 MB files made by concatenating them. Wall time (median of RUNS, the tools taking
# turns) and peak RSS (the largest of RUNS, from /usr/bin/time) as a Markdown table, ready for
# docs/benchmarks.md.
#
#   scripts/peers/local_scan.sh
#   RUNS=1 MANY_DIR=some/tree BIG_MB=20 scripts/peers/local_scan.sh    # quicker
#   BEFORE_BIN=/path/to/older/confluence-dlp scripts/peers/local_scan.sh   # adds its column
#   ONLY=big scripts/peers/local_scan.sh                                   # one row (many|big)
#
# Kingfisher 2.14.0 comes from PyPI (kingfisher-bin) into target/peers-venv when it is not on
# PATH. It runs with --no-validate and --no-update-check: nothing here reaches the network.
set -euo pipefail
cd "$(dirname "$0")/../.."

: "${RUNS:=3}" "${MANY_DIR:=$HOME/.cargo/registry/src}" "${BIG_MB:=60}" "${JOBS:=2}"
: "${WORK:=target/local-scan}"
export OMP_THREAD_LIMIT=1   # Tesseract's; note that nproc honours it too

[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
if ! command -v kingfisher >/dev/null; then
    if [ ! -x target/peers-venv/bin/kingfisher ]; then
        python3 -m venv target/peers-venv
        target/peers-venv/bin/pip install --quiet kingfisher-bin==2.14.0
    fi
    PATH="$PWD/target/peers-venv/bin:$PATH"
fi

cargo build --release --quiet -p confluence-dlp
ours="${CARGO_TARGET_DIR:-target}/release/confluence-dlp"

mkdir -p "$WORK"
big="$WORK/big-${BIG_MB}mb"
if [ ! -f "$big/3.txt" ]; then
    mkdir -p "$big"
    # The tree's own text, so that the two shapes differ only in how it is cut into files.
    find "$MANY_DIR" -type f -size -2M -print0 | sort -z | xargs -0 cat 2>/dev/null \
        | head -c $((3 * BIG_MB * 1024 * 1024)) > "$big/all" || true
    split -b "$((BIG_MB * 1024 * 1024))" -d -a 1 "$big/all" "$big/part"
    for i in 0 1 2; do mv "$big/part$i" "$big/$((i + 1)).txt"; done
    rm "$big/all"
fi

# One run of "$@": prints its wall seconds and peak RSS in KB.
once() {
    local out rc
    out=$(mktemp)
    # A fresh data directory each run: every scan of ours is a first scan.
    rm -rf "$WORK/state"
    DLP_DATA_DIR="$WORK/state" /usr/bin/time -f "%e %M" -o "$out" "$@" >/dev/null 2>"$WORK/stderr" || {
        rc=$?
        # Both tools exit non-zero when they find something; only a usage or I/O error is one.
        if [ "$rc" -ne 1 ] && [ "$rc" -lt 200 ]; then echo "failed ($rc): $* : $(tail -3 "$WORK/stderr")" >&2; exit 1; fi
    }
    tail -1 "$out"
    rm "$out"
}

median() {
    printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

describe() {
    echo "$(find "$1" -type f | wc -l) files, $(du -sm --apparent-size "$1" | cut -f1) MB"
}

# The tools take turns, run by run: a machine whose speed wanders from one minute to the
# next (a shared VM's does, by 10-20%) then slows them alike, and the medians compare.
row() {
    local name=$1 dir=$2 wall rss
    local o_walls=() k_walls=() b_walls=() o_peak=0 k_peak=0 b_peak=0
    for _ in $(seq "$RUNS"); do
        read -r wall rss < <(once "$ours" scan "$dir" --format jsonl)
        o_walls+=("$wall"); [ "$rss" -gt "$o_peak" ] && o_peak=$rss
        read -r wall rss < <(once kingfisher scan "$dir" -j "$JOBS" --no-validate --no-update-check -q --format jsonl)
        k_walls+=("$wall"); [ "$rss" -gt "$k_peak" ] && k_peak=$rss
        if [ -n "${BEFORE_BIN:-}" ]; then
            read -r wall rss < <(once "$BEFORE_BIN" scan "$dir" --format jsonl)
            b_walls+=("$wall"); [ "$rss" -gt "$b_peak" ] && b_peak=$rss
        fi
    done
    local o_wall k_wall before=""
    o_wall=$(median "${o_walls[@]}")
    k_wall=$(median "${k_walls[@]}")
    if [ -n "${BEFORE_BIN:-}" ]; then
        before=" $(median "${b_walls[@]}") s, $((b_peak / 1024)) MB |"
    fi
    local speed
    speed=$(awk -v o="$o_wall" -v k="$k_wall" 'BEGIN {printf "%.2fx", k / o}')
    echo "| $name ($(describe "$dir")) |$before ${o_wall} s, $((o_peak / 1024)) MB | ${k_wall} s, $((k_peak / 1024)) MB | $speed |"
}

echo "## Local scans ($(getconf _NPROCESSORS_ONLN) cores; wall time median of $RUNS, peak RSS the largest of $RUNS)"
echo
echo "Ours: $("$ours" --version 2>/dev/null || echo confluence-dlp), \`scan DIR --format jsonl\`;" \
     "$(kingfisher --version), \`kingfisher scan DIR -j $JOBS --no-validate --no-update-check -q --format jsonl\`"
echo
if [ -n "${BEFORE_BIN:-}" ]; then
    echo "| data | before | ours | Kingfisher | ours vs Kingfisher |"
    echo "|---|---|---|---|---|"
else
    echo "| data | ours | Kingfisher | ours vs Kingfisher |"
    echo "|---|---|---|---|"
fi
case "${ONLY:-}" in big) ;; *) row "many files" "$MANY_DIR" ;; esac
case "${ONLY:-}" in many) ;; *) row "big files" "$big" ;; esac
