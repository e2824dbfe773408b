#!/usr/bin/env bash
# Detection on sets with exactly one face per image: the fraction of images where each detector
# finds exactly one face (and none / several), per folder, as a markdown table.
#   bench/detection_table.sh [build-dir]
# Folders: ../shared/data/realfake/hard/real (589 photos, 300 px) and
# ../shared/data/mask/prajnasb/without_mask (686 photos, mixed sizes). Detectors: Haar with and
# without its rotation sweep, OpenCV's res10 SSD, face-api's SSD-MobileNetV1 (LibTorch port).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
winnow="$build/bin/winnow"
shared=$(cd "$root/../shared/data" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

folders=("realfake/hard/real" "mask/prajnasb/without_mask")
# label|detector|params
detectors=("Haar, rotation sweep 15° to ±45°|haar|"
           "Haar, no sweep|haar|-p rotation_max_degrees=0"
           "res10 SSD (cv::dnn)|res10_ssd|"
           "SSD-MobileNetV1 (face-api port)|faceapi_ssd|-p landmarks=false")
declare -A results
for i in "${!folders[@]}"; do
  project="$work/p$i"
  "$winnow" init "$project" >/dev/null
  "$winnow" ingest "$project" "$shared/${folders[$i]}" --source s --json >/dev/null 2>&1 || true
  for d in "${detectors[@]}"; do
    IFS='|' read -r label id params <<<"$d"
    # shellcheck disable=SC2086
    json=$("$winnow" detect "$project" --detector "$id" $params --redo --json 2>/dev/null)
    results["$i|$label"]=$(/usr/bin/python3 -c '
import json, sys
r = json.loads(sys.argv[1]); n = r["samples"]
one, none, several, secs = r["one_face"], r["no_face"], r["several_faces"], r["seconds"]
print(f"{one / n:.1%} ({one}/{n}; none {none}, several {several}; {n / secs:.1f} img/s)")
' "$json")
    echo "done: ${folders[$i]} / $label" >&2
  done
done
echo "| detector | ${folders[0]} | ${folders[1]} |"
echo "|---|---|---|"
for d in "${detectors[@]}"; do
  IFS='|' read -r label id params <<<"$d"
  echo "| $label | ${results["0|$label"]} | ${results["1|$label"]} |"
done
