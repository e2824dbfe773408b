#!/usr/bin/env bash
# Simulated user (issue 17 §4): labels faces/celeb24 and faces/orl from photos with no labels
# through the real commands, prints actions per photo and draws the curve of correctly labelled
# photos against actions. Usage: bench/simulated_labeller.sh [build-dir] [out-dir]
# Needs ../shared/data beside the checkout (or WINNOW_SHARED_DATA_DIR); results: docs/benchmarks.md.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
out=${2:-$build/bench-out/simulated_labeller}
shared=${WINNOW_SHARED_DATA_DIR:-$root/../shared/data}
mkdir -p "$out"
specs=()
for set in ${SIM_SETS:-celeb24 orl}; do
  echo "== $set"
  python3 "$root/bench/simulated_labeller.py" --winnow "$build/bin/winnow" --data "$shared/faces/$set" \
    --project "$out/$set" --csv "$out/$set.csv" ${SIM_ARGS:-} | tee "$out/$set.json"
  read -r photos target < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["photos"], d["target"])' "$out/$set.json")
  specs+=("$set:$photos:$target:$out/$set.csv")
done
"$build/bin/simulated_labeller_plot" "$out/simulated_labeller.png" "${specs[@]}"
