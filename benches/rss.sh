#!/usr/bin/env bash
# Time and maximum resident set of `omnis check` (the release binary) on the
# campaigns of benches/check.rs (a chain and if/else diamonds of 20,000 and
# 200,000 steps) and on the 20,000-file workspace of benches/workspace.rs.
# Criterion (`cargo bench --bench check`, `--bench workspace`) measures
# time in process; this measures the whole process, memory included.
#
#   benches/rss.sh
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cargo build --release --quiet
OMNIS_BENCH_WRITE="$dir" cargo bench --quiet --bench check
OMNIS_BENCH_WRITE="$dir" cargo bench --quiet --bench workspace
for f in "$dir"/*.omni; do
  /usr/bin/time -f "$(basename "$f"): %e s wall (%U s user, %S s system), max RSS %M KB" \
    ./target/release/omnis check "$f" >/dev/null
done
/usr/bin/time -f "workspace (20,000 files): %e s wall (%U s user, %S s system), max RSS %M KB" \
  ./target/release/omnis check "$dir/workspace" >/dev/null
