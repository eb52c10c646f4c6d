#!/usr/bin/env bash
# Time and maximum resident set of the release binary, whole process:
#
# - `omnis check` on the campaigns of benches/check.rs: a chain and if/else
#   diamonds of 20,000 and 200,000 steps (issue 9: under 2 s and 300 MB at
#   200,000 steps, under 200 MB at 20,000);
# - `omnis check` on the 20,000-file workspace of benches/workspace.rs
#   (issue 9: under 1 s and 300 MB on 2 cores);
# - `omnis simulate --people 1000000` (under 200 MB: people are streamed
#   through counts);
# - `omnis fmt --check` against `omnis check` on the same formatted files
#   (at most 1.2 times: a formatted file is not parsed twice).
#
# Criterion (`cargo bench --bench check`) measures time in process, and
# `cargo bench --bench memory` the bytes each stage allocates; this
# measures what the operating system sees.
#
#   benches/rss.sh
#
# Where the heap goes: heaptrack hooks malloc, so build with the system
# allocator (`cargo build --release --features system-alloc`), then
# `heaptrack ./target/release/omnis check FILE` and `heaptrack_print` (its
# peak consumers; `-M` writes the heap over time). Each site's peak
# there need not fall at the program's: `valgrind --tool=dhat` on the same
# build says what is live at the global peak ("At t-gmax", per call site,
# in its JSON output). The system allocator's resident set is higher than
# mimalloc's: compare like with like.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cargo build --release --quiet
OMNIS_BENCH_WRITE="$dir" cargo bench --quiet --bench check
OMNIS_BENCH_WRITE="$dir" cargo bench --quiet --bench workspace
omnis=./target/release/omnis
measure() {
  /usr/bin/time -f "$1: %e s wall (%U s user, %S s system), max RSS %M KB" "${@:2}" >/dev/null
}
for f in "$dir"/*.omni; do
  measure "check $(basename "$f")" "$omnis" check "$f"
done
measure "simulate --people 1000000" \
  "$omnis" simulate campaigns --campaign cart_recovery --people 1000000
# The same files, formatted: `fmt --check` finds nothing to change.
"$omnis" fmt "$dir" >/dev/null
for f in "$dir"/chain_200000.omni campaigns; do
  measure "check $(basename "$f")" "$omnis" check "$f"
  measure "fmt --check $(basename "$f")" "$omnis" fmt --check "$f"
done
measure "check workspace (20,000 files)" "$omnis" check "$dir/workspace"
# The same, its findings (every campaign shares a trigger and a channel:
# about 80,000 project findings) printed as JSON instead of rendered with
# source excerpts: what rendering costs.
measure "check --format json workspace (20,000 files)" \
  "$omnis" check --format json "$dir/workspace"
# A workspace whose campaigns seldom meet (seven triggers, audiences split
# by country): 2,000 files, as the project lints' pairing within a group
# grows with its square.
measure "check workspace apart (2,000 files)" "$omnis" check "$dir/apart"
