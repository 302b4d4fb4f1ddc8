#!/usr/bin/env bash
# confluence-dlp next to Kingfisher, detect-secrets and Presidio: throughput per core on the
# generated benchmark text, then precision and recall on the labelled corpus. Prints both
# tables as Markdown, ready for docs/benchmarks.md.
#
#   scripts/peers/compare.sh                  # defaults below
#   RUNS=1 PYTHON_MB=1 BENIGN_MB=10 DENSE_MB=2 scripts/peers/compare.sh   # quicker
#
# Needs on PATH: kingfisher, detect-secrets, python3 with presidio-analyzer and spaCy (no spaCy
# model: scripts/peers/presidio_scan.py builds a blank pipeline). Peers that are missing are
# left out of the throughput table.
set -euo pipefail
cd "$(dirname "$0")/../.."

: "${BENIGN_MB:=100}" "${DENSE_MB:=20}" "${RUNS:=3}" "${PYTHON_MB:=1}" "${BENCH_DIR:=target/bench-corpus}"

cargo build --release --quiet -p confluence-dlp -p dlp-bench
bin="${CARGO_TARGET_DIR:-target}/release/confluence-dlp"
bench="${CARGO_TARGET_DIR:-target}/release/dlp-bench"

versions() {
    echo "kingfisher $(kingfisher --version 2>/dev/null | awk '{print $NF}'),"\
         "detect-secrets $(detect-secrets --version 2>/dev/null),"\
         "presidio-analyzer $(python3 -c 'from importlib.metadata import version as v; print(v("presidio-analyzer"), "+ spaCy", v("spacy"))' 2>/dev/null)"
}

echo "## Throughput (one core; ${BENIGN_MB} MiB benign, ${DENSE_MB} MiB dense; Python peers on the first ${PYTHON_MB} MiB; median of ${RUNS})"
echo
echo "Peers: $(versions)"
echo
"$bench" --dir "$BENCH_DIR" --benign-mb "$BENIGN_MB" --dense-mb "$DENSE_MB" --runs "$RUNS" \
    --peers --python-mb "$PYTHON_MB" --markdown
echo
echo "## Quality (samples/labelled)"
echo
python3 scripts/peers/quality.py --ours "$bin" "$@"
