#!/usr/bin/env bash
# Instruction counts of the benchmarked work (`benches/icount.rs`) under
# valgrind's callgrind, for this tree and optionally a base to compare with:
#
#   benches/icount.sh              # this tree only
#   benches/icount.sh 1f5c1d4      # this tree against a commit
#   benches/icount.sh ../base      # ... against a worktree already checked out
#
# Timings on a shared machine vary by more than the 5% a regression bound
# asks; the number of instructions a workload executes varies by well under
# 0.1% from run to run. Every workload runs pinned to one core (`taskset`,
# so the worker pool has one thread and no idle spinning is counted), and
# only the work itself is counted: the driver zeroes the counters when its
# input is ready and dumps them when the work is done.
#
# A base given as a commit is checked out in a temporary worktree (removed
# afterwards); a base given as a folder is used as it is. Either way the
# driver (`benches/icount.rs`, `benches/common/corpus.rs`) is copied into it
# and registered in its Cargo.toml if it has none, and both trees read the
# base's example campaigns (`ICOUNT_CAMPAIGNS`), so that both run the same
# input. Both build in this tree's target folder (dependencies are shared).
#
# Environment:
#   ICOUNT_PROFILE    cargo profile (default `bench`: what criterion measures)
#   ICOUNT_WORKLOADS  workloads to run (default: all, `icount list`)
#   ICOUNT_OUT        keep the callgrind profiles here, for
#                     `callgrind_annotate ICOUNT_OUT/this.simulate_cart_recovery.1`
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
profile=${ICOUNT_PROFILE:-bench}
out=${ICOUNT_OUT:-}
if [ -z "$out" ]; then
  out=$(mktemp -d)
  cleanup_out=$out
fi
mkdir -p "$out"
base=${1:-}
base_tree=
cleanup() {
  [ -n "${cleanup_out:-}" ] && rm -rf "$cleanup_out"
  if [ -n "${cleanup_tree:-}" ]; then
    git -C "$here" worktree remove --force "$cleanup_tree"
  fi
}
trap cleanup EXIT

# Builds the driver in tree $1; prints the path of its executable.
build() {
  (cd "$1" && CARGO_TARGET_DIR="$here/target" cargo bench --profile "$profile" \
    --no-run --bench icount --message-format=json) |
    sed -n 's|.*"executable":"\([^"]*/icount-[^"]*\)".*|\1|p' | tail -1
}

if [ -n "$base" ]; then
  if [ -d "$base" ]; then
    base_tree=$(cd "$base" && pwd)
  else
    base_tree=$(mktemp -d)
    rmdir "$base_tree"
    git -C "$here" worktree add --detach "$base_tree" "$base" >/dev/null
    cleanup_tree=$base_tree
  fi
  mkdir -p "$base_tree/benches/common"
  cp "$here/benches/icount.rs" "$base_tree/benches/icount.rs"
  cp "$here/benches/common/corpus.rs" "$base_tree/benches/common/corpus.rs"
  grep -q '^name = "icount"' "$base_tree/Cargo.toml" ||
    printf '\n[[bench]]\nname = "icount"\nharness = false\n' >>"$base_tree/Cargo.toml"
  base_exe=$(build "$base_tree")
  export ICOUNT_CAMPAIGNS="$base_tree/campaigns"
fi
this_exe=$(build "$here")
workloads=${ICOUNT_WORKLOADS:-$("$this_exe" list)}

# Instructions counted in workload $2 by executable $1, profile named $3.
count() {
  local file
  file="$out/$3.$(echo "$2" | tr / _)"
  taskset -c 0 valgrind --tool=callgrind --callgrind-out-file="$file" \
    "$1" "$2" >/dev/null 2>"$file.log"
  sed -n 's/^totals: *//p' "$file.1"
}

if [ -n "$base" ]; then
  printf '%-26s %15s %15s %8s\n' workload base this change
else
  printf '%-26s %15s\n' workload this
fi
for w in $workloads; do
  now=$(count "$this_exe" "$w" this)
  if [ -n "$base" ]; then
    was=$(count "$base_exe" "$w" base)
    printf '%-26s %15s %15s %+7.2f%%\n' "$w" "$was" "$now" \
      "$(echo "($now - $was) * 100 / $was" | bc -l)"
  else
    printf '%-26s %15s\n' "$w" "$now"
  fi
done
