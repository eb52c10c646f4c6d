#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seeds from the repository: the `.omni`
# files of campaigns/ and tests/ui/ for the parser and `fmt`, the scenarios
# of campaigns/ for the scenario reader, and the plans `omnis build` makes of
# campaigns/ (JSON and YAML) for plan loading. The `check` target builds its
# inputs with `arbitrary` and starts from an empty corpus. Seeds are copied,
# not committed, to keep the repository small; the corpus folders are
# ignored by git. Run from anywhere: `fuzz/seeds.sh`.
set -euo pipefail
fuzz="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$fuzz")"
corpus="$fuzz/corpus"
mkdir -p "$corpus"/{parse,fmt_roundtrip,scenario,plan,check}

# Seeds are named by content, so running this again adds nothing twice.
seed() { # seed FILE TARGET
  local sum
  sum="$(sha1sum "$1" | cut -c1-40)"
  cp "$1" "$corpus/$2/$sum"
}

while IFS= read -r -d '' f; do
  seed "$f" parse
  seed "$f" fmt_roundtrip
done < <(find "$root/campaigns" "$root/tests/ui" -name '*.omni' -print0)

while IFS= read -r -d '' f; do
  seed "$f" scenario
done < <(find "$root/campaigns" -name '*.scenario.yaml' -print0)

plans="$(mktemp -d)"
trap 'rm -rf "$plans"' EXIT
(cd "$root" && cargo run --quiet -- build campaigns --out "$plans/json" >/dev/null \
  && cargo run --quiet -- build campaigns --format yaml --out "$plans/yaml" >/dev/null)
for f in "$plans"/json/* "$plans"/yaml/*; do
  seed "$f" plan
done

for t in "$corpus"/*; do
  echo "$(basename "$t"): $(find "$t" -type f | wc -l) seeds"
done
