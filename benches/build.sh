#!/usr/bin/env bash
# `omnis build` against `omnis check`, wall time of the release binary on
# 2,000-file projects (issue 9, 16c: `build` at most 1.5 times `check`):
#
#   benches/build.sh            # 7 rounds
#   BUILD_ROUNDS=11 benches/build.sh
#   OMNIS="old/omnis new/omnis" benches/build.sh  # other binaries (not
#                                    # built), interleaved in each round
#   BUILD_PROJECTS=DIR benches/build.sh      # projects already written there
#
# Two projects, written by `benches/build.rs` (`OMNIS_BENCH_WRITE`):
# `stress`, where every campaign collides with its neighbours (about four
# project findings each, so `check` has much to render), and `apart`, where
# campaigns seldom meet (`check` is fast, so writing weighs the most).
#
# Each round times, in this order:
# - `check`;
# - `build` into an absent folder, then into an empty one (fresh builds:
#   every plan written and made durable);
# - `build` into the folder of the previous build (unchanged: nothing
#   written).
#
# Before each timed command the file system is synced (`sync -f`,
# untimed). Each fresh build gets a folder of its own, and none is deleted
# before the end: ext4 without a journal (as on the development machine)
# skips inodes freed in the last minute when it allocates one, walking
# over each of them, so a build right after deleting the previous
# 2,000 plans pays for the deletion (up to a second per 2,000 files
# measured, in the kernel: so does a run started within minutes of the
# previous one's clean-up, or in a folder, `TMPDIR`, whose part of the
# disk other processes churn through). Rounds alternate the commands so that
# a change in the machine's load affects them alike; the medians and their
# ratios to `check` are printed, with the load average before and after
# (on a shared machine, compare ratios, not seconds).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${BUILD_ROUNDS:-7}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
[ -n "${OMNIS:-}" ] || cargo build --release --quiet
read -r -a binaries <<<"${OMNIS:-$PWD/target/release/omnis}"
if [ -n "${BUILD_PROJECTS:-}" ]; then
  cp -rL "$BUILD_PROJECTS/stress" "$BUILD_PROJECTS/apart" "$dir"
else
  OMNIS_BENCH_WRITE="$dir" cargo bench --quiet --bench build
fi

# Wall time of "$@" in seconds, after syncing the file system.
timed() {
  sync -f "$dir"
  local t0 t1
  t0=$(date +%s%N)
  "$@" >/dev/null 2>&1 || [ $? -eq 1 ] # findings
  t1=$(date +%s%N)
  echo "scale=3; ($t1 - $t0) / 1000000000" | bc -l
}

median() {
  sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

ratio() {
  echo "scale=2; $1 / $2" | bc -l
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %3s %8s %20s %20s %20s\n' project bin check "fresh (absent)" "fresh (empty)" unchanged
for p in stress apart; do
  src=$dir/$p
  for r in $(seq "$rounds"); do
    for i in "${!binaries[@]}"; do
      omnis=${binaries[$i]}
      timed "$omnis" check "$src" >>"$dir/check.$i"
      timed "$omnis" build "$src" --out "$dir/$p.absent.$i.$r" >>"$dir/absent.$i"
      mkdir "$dir/$p.empty.$i.$r"
      timed "$omnis" build "$src" --out "$dir/$p.empty.$i.$r" >>"$dir/empty.$i"
      timed "$omnis" build "$src" --out "$dir/$p.empty.$i.$r" >>"$dir/unchanged.$i"
    done
  done
  for i in "${!binaries[@]}"; do
    c=$(median <"$dir/check.$i")
    a=$(median <"$dir/absent.$i")
    e=$(median <"$dir/empty.$i")
    u=$(median <"$dir/unchanged.$i")
    printf '%-8s %3s %7.3fs %9.3fs (%5.2fx) %9.3fs (%5.2fx) %9.3fs (%5.2fx)\n' \
      "$p" "$((i + 1))" "$c" "$a" "$(ratio "$a" "$c")" "$e" "$(ratio "$e" "$c")" "$u" "$(ratio "$u" "$c")"
    rm "$dir/check.$i" "$dir/absent.$i" "$dir/empty.$i" "$dir/unchanged.$i"
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores, $rounds rounds, medians)"
for i in "${!binaries[@]}"; do echo "bin $((i + 1)): ${binaries[$i]}"; done
