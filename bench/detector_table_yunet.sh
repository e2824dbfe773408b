#!/usr/bin/env bash
# Issue 17 must-show 1: per detector, photos with no face / one / several and images/s, all in
# one run, on ../shared/data/realfake/hard/real (589 photos) and mask/prajnasb/without_mask
# (686 files, 635 distinct: winnow ingests byte-identical copies once).
#   bench/detector_table_yunet.sh [build-dir]
# Every detector runs with one worker (--threads 1; OpenCV/LibTorch may still use their own
# threads), default parameters, on the same ingested project, one after the other.
# face-api's SSD runs about 2 img/s: by default it is timed and counted on the first
# FACEAPI_COUNT (60) photos of each set by name; FACEAPI_COUNT=0 runs it on the whole set.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
winnow="$build/bin/winnow"
shared=$(cd "$root/../shared/data" && pwd)
faceapi_count=${FACEAPI_COUNT:-60}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

folders=("realfake/hard/real" "mask/prajnasb/without_mask")
# label|detector|params|subset (1: FACEAPI_COUNT photos)
detectors=("Haar + rotation sweep (15° to ±45°)|haar||0"
           "res10 SSD (cv::dnn)|res10_ssd||0"
           "face-api SSD-MobileNetV1 (LibTorch), no landmarks|faceapi_ssd|-p landmarks=false|1"
           "YuNet 2022mar (5 landmarks)|yunet||0")
echo "| detector | set | photos | no face | one face | several | found a face | img/s |"
echo "|---|---|---|---|---|---|---|---|"
for i in "${!folders[@]}"; do
  full="$work/full$i"
  "$winnow" init "$full" >/dev/null
  "$winnow" ingest "$full" "$shared/${folders[$i]}" --source s --json >/dev/null 2>&1 || true
  subset="$work/subset$i"
  if [[ "$faceapi_count" != 0 ]]; then
    mkdir -p "$work/files$i"
    find "$shared/${folders[$i]}" -maxdepth 1 -type f | sort >"$work/list$i"
    head -n "$faceapi_count" "$work/list$i" | while read -r f; do ln -s "$f" "$work/files$i/"; done
    "$winnow" init "$subset" >/dev/null
    "$winnow" ingest "$subset" "$work/files$i" --source s --json >/dev/null 2>&1 || true
  fi
  for d in "${detectors[@]}"; do
    IFS='|' read -r label id params sub <<<"$d"
    project=$full
    note=""
    if [[ "$sub" == 1 && "$faceapi_count" != 0 ]]; then
      project=$subset
      note=" (first $faceapi_count by name)"
    fi
    # shellcheck disable=SC2086
    json=$("$winnow" detect "$project" --detector "$id" $params --threads 1 --redo --json 2>/dev/null)
    /usr/bin/python3 -c '
import json, sys
r = json.loads(sys.argv[1]); n = r["samples"]
one, none, several, secs = r["one_face"], r["no_face"], r["several_faces"], r["seconds"]
print(f"| {sys.argv[2]} | {sys.argv[3]}{sys.argv[4]} | {n} | {none} | {one} | {several} | "
      f"{(one + several) / n:.1%} | {n / secs:.1f} |")
' "$json" "$label" "${folders[$i]}" "$note"
  done
done
