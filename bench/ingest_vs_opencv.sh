#!/usr/bin/env bash
# Ingest against the decode limit (issue 13, must-show 1), in one run per folder:
#   winnow   `winnow ingest` into a new project, timed as a process (start-up, folder walk, read,
#            XXH3, one decode per file, perceptual hashes, quality measures, 128 px thumbnail
#            written, SQLite), --threads N;
#   limit    OpenCV decoding the same files in one process on N threads (bench/opencv_decode_rate:
#            cv::imdecode at full resolution from memory, file reading not timed).
# Runs alternate (winnow, then the limit) so both see the same machine load; best of each is
# compared. usage: bench/ingest_vs_opencv.sh [runs=5] [folder ...]
#   (default folders: ../shared/data/realfake/hard and ../shared/data/mask/prajnasb)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${1:-5}
shift || true
folders=("$@")
[ ${#folders[@]} -gt 0 ] || folders=("$root/../shared/data/realfake/hard" "$root/../shared/data/mask/prajnasb")
build=${WINNOW_BUILD_DIR:-$root/build}
winnow=$build/bin/winnow
limit=$build/bin/opencv_decode_rate
threads=${THREADS:-$(nproc)}
[ -x "$winnow" ] && [ -x "$limit" ] || { echo "build winnow and opencv_decode_rate first ($build)" >&2; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }

echo "threads: $threads, runs: $runs, load: $(cut -d' ' -f1-3 /proc/loadavg)"
for folder in "${folders[@]}"; do
  folder=$(cd "$folder" && pwd)
  find "$folder" -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \) | sort > "$tmp/files"
  count=$(wc -l < "$tmp/files")
  xargs cat < "$tmp/files" > /dev/null  # page cache warm for both
  : > "$tmp/rates"
  for run in $(seq 1 "$runs"); do
    rm -rf "$tmp/p"
    "$winnow" init "$tmp/p" > /dev/null
    t0=$(now)
    "$winnow" ingest "$tmp/p" "$folder" --threads "$threads" --json > "$tmp/ingest.json" 2> /dev/null
    t1=$(now)
    added=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['added'] + d['duplicates'] + d['bad_file_count'])" "$tmp/ingest.json")
    [ "$added" -eq "$count" ] || { echo "$folder: winnow handled $added of $count files" >&2; exit 1; }
    cv=$("$limit" "$tmp/files" "$threads" 1 | awk '/^best:/ {print $2}')
    echo "$t0 $t1 $cv" >> "$tmp/rates"
  done
  awk -v n="$count" -v folder="$folder" '
    { w = n / ($2 - $1); c = $3;
      printf "  run %d: winnow ingest %.0f images/s, OpenCV decode %.0f images/s, ratio %.2f\n", NR, w, c, w / c;
      if (w > bw) bw = w; if (c > bc) bc = c }
    END { printf "%s (%d files): best winnow %.0f images/s, best OpenCV %.0f images/s: winnow at %.2f of the limit\n",
                 folder, n, bw, bc, bw / bc }' "$tmp/rates"
done
