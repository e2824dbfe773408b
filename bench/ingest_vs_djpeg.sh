#!/usr/bin/env bash
# Ingest throughput vs djpeg: winnow ingest (read + XXH3 hash + full decode with EXIF orientation +
# SQLite insert, one thread per core) against libjpeg-turbo's djpeg decoding the same JPEGs to
# /dev/null (one process per file, as many in parallel as winnow has threads), in one run.
# djpeg runs once per file, so its time includes process start-up; the same loop running `cat`
# measures that overhead, and "djpeg decode-only" subtracts it (best of the runs for each).
# Usage: bench/ingest_vs_djpeg.sh [folder] [runs]   (default ../shared/data/realfake/hard, 5 runs)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
folder=${1:-$root/../shared/data/realfake/hard}
runs=${2:-5}
winnow=${WINNOW:-$root/build/bin/winnow}
threads=$(nproc)
command -v djpeg >/dev/null || { echo "djpeg missing: apt-get install libjpeg-turbo-progs" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
find "$folder" -type f \( -iname '*.jpg' -o -iname '*.jpeg' \) | sort > "$tmp/files"
count=$(wc -l < "$tmp/files")
xargs cat < "$tmp/files" > /dev/null  # warm the page cache for both

now() { date +%s.%N; }
echo "folder: $folder ($count JPEGs), $threads threads, $runs runs"
: > "$tmp/times"
for run in $(seq 1 "$runs"); do
  rm -rf "$tmp/p"
  "$winnow" init "$tmp/p" >/dev/null
  t0=$(now)
  "$winnow" ingest "$tmp/p" "$folder" --threads "$threads" --json >/dev/null 2>&1 || true
  t1=$(now)
  xargs -P "$threads" -n 16 sh -c 'for f; do djpeg "$f" > /dev/null; done' _ < "$tmp/files"
  t2=$(now)
  xargs -P "$threads" -n 16 sh -c 'for f; do cat "$f" > /dev/null; done' _ < "$tmp/files"
  t3=$(now)
  echo "$t0 $t1 $t2 $t3" >> "$tmp/times"
done
awk -v n="$count" '
  { w = $2 - $1; d = $3 - $2; c = $4 - $3;
    printf "run %d: winnow %.1f img/s, djpeg %.1f img/s (ratio %.2f)\n", NR, n / w, n / d, d / w;
    if (NR == 1 || w < bw) bw = w; if (NR == 1 || d < bd) bd = d; if (NR == 1 || c < bc) bc = c }
  END {
    printf "best: winnow %.1f img/s, djpeg %.1f img/s, ratio winnow/djpeg %.2f\n", n / bw, n / bd, bd / bw;
    if (bd > bc) printf "djpeg decode-only (minus %.2f s process start-up): %.1f img/s, ratio %.2f\n", bc, n / (bd - bc), (bd - bc) / bw;
  }' "$tmp/times"
