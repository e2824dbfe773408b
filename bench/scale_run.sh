#!/usr/bin/env bash
# The end-to-end scale run (issue 13, must-show 3): a generated set of N images (default 100,000,
# bench/make_scale_set.cpp: variants of the shared photos, mixed sizes, exact and near copies)
# through ingest, dupes, quality, split and the HDF5 export, one winnow process per stage, each
# timed with its peak RSS (GNU time). Prints a table (markdown) and the per-stage rates the
# extrapolation in docs/benchmarks.md uses.
# usage: bench/scale_run.sh [count=100000] [work-dir=/tmp/winnow-scale]
#   The set is kept in <work-dir>/set-<count> and reused by later runs; the project is remade.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
count=${1:-100000}
work=${2:-/tmp/winnow-scale}
build=${WINNOW_BUILD_DIR:-$root/build}
data=${WINNOW_SHARED_DATA_DIR:-$root/../shared/data}
winnow=$build/bin/winnow
maker=$build/bin/make_scale_set
[ -x "$winnow" ] && [ -x "$maker" ] || { echo "build winnow and make_scale_set first ($build)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time missing: apt-get install time" >&2; exit 2; }
mkdir -p "$work"
set_dir=$work/set-$count
if [ ! -f "$set_dir/.complete" ]; then
  rm -rf "$set_dir"
  echo "== generating $count images in $set_dir"
  "$maker" "$data" "$set_dir" "$count"
  touch "$set_dir/.complete"
fi
files=$(find "$set_dir/" -type f ! -name '.complete' | wc -l)
bytes=$(du -sbL --exclude=.complete "$set_dir/" | cut -f1)
project=$work/project-$count
rm -rf "$project" "$work/out-$count.h5"
"$winnow" init "$project" > /dev/null

echo "set: $files files, $((bytes / 1024 / 1024)) MiB; $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
results=$work/stages-$count.tsv
: > "$results"
stage() {  # stage <name> <winnow args...>
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$winnow" "$@" --json > "$work/$name.json" 2> "$work/$name.err" ||
    { echo "$name failed:" >&2; tail -5 "$work/$name.err" >&2; exit 1; }
  read -r seconds rss_kb < "$work/time.txt"
  printf '%s\t%s\t%s\n' "$name" "$seconds" "$rss_kb" >> "$results"
  printf '  %-8s %8.1f s  peak RSS %6.0f MiB\n' "$name" "$seconds" "$(echo "$rss_kb / 1024" | bc -l)"
}
stage ingest ingest "$project" "$set_dir"
stage dupes dupes "$project"
stage quality quality "$project"
stage split split "$project"
stage export export "$project" --format hdf5 --output "$work/out-$count.h5" -p image_size=64 --overwrite

python3 - "$results" "$work" "$files" <<'PY'
import json, os, sys
results, work, files = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = [line.split('\t') for line in open(results).read().splitlines()]
ingest = json.load(open(os.path.join(work, 'ingest.json')))
dupes = json.load(open(os.path.join(work, 'dupes.json')))
print(f"ingest: added {ingest['added']}, exact duplicates {ingest['duplicates']}, bad {ingest['bad_file_count']}, "
      f"measured at ingest {ingest.get('analysed')}")
print(f"dupes: {dupes.get('clusters', '?')} near-duplicate clusters")
print()
print("| stage | wall time | files/s | peak RSS |")
print("|---|---|---|---|")
total = 0.0
peak = 0
for name, seconds, rss in rows:
    seconds = float(seconds); rss = int(rss); total += seconds; peak = max(peak, rss)
    print(f"| {name} | {seconds:.1f} s | {files / seconds:,.0f} | {rss / 1024:,.0f} MiB |")
print(f"| all | {total:.1f} s | {files / total:,.0f} | {peak / 1024:,.0f} MiB (largest) |")
PY
