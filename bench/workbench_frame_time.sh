#!/usr/bin/env bash
# Workbench frame time while scrolling the grid of a 20,000-sample project, under Xvfb with
# Mesa's software renderer (llvmpipe): prints median and p95 frame times (ms).
#   bench/workbench_frame_time.sh [build-dir] [samples]
#   PROJECT=<dir> bench/workbench_frame_time.sh [build-dir]   (an existing project, e.g. the
#       100,000-sample one of bench/scale_run.sh; its thumbnail cache is set aside and restored)
# Without PROJECT, makes <samples> distinct 96x96 JPEGs (random shapes on noise, 10 classes) with
# python3-opencv and ingests them with `winnow ingest`. Then runs winnow-workbench three times
# with a scripted scroll (200 px per frame for 600 frames, wrapping at the end):
#   no-cache        the thumbnail cache emptied: the background loader decodes the originals
#   ingest-cache    the thumbnails ingest wrote from its one decode, first opening
#   warm-cache      the same again (files in the page cache)
# Frame time = the whole frame on the CPU: events, UI, thumbnail uploads, GL draw, buffer swap.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
count=${2:-20000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Debian's interpreter carries python3-opencv; a python3 earlier on PATH (pyenv, venv) may not.
py=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}

if [ -n "${PROJECT:-}" ]; then
  project=$(cd "$PROJECT" && pwd)
else
project=$work/project
"$py" - "$work/images" "$count" <<'PY'
import os, sys
import cv2
import numpy as np
out, count = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(7)
for i in range(count):
    label = f"class{i % 10}"
    os.makedirs(os.path.join(out, label), exist_ok=True)
    img = rng.integers(0, 255, (96, 96, 3), dtype=np.uint8) // 4 + 40 * (i % 5)
    for _ in range(3):
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        cv2.circle(img, tuple(int(c) for c in rng.integers(0, 96, 2)), int(rng.integers(8, 30)), colour, -1)
    cv2.imwrite(os.path.join(out, label, f"{i:05d}.jpg"), img, [cv2.IMWRITE_JPEG_QUALITY, 85])
PY

"$build/bin/winnow" init "$project" >/dev/null
"$build/bin/winnow" ingest "$project" "$work/images" --source synthetic --json >/dev/null 2>&1
fi
samples=$("$build/bin/winnow" stats "$project" --json 2>/dev/null | "$py" -c 'import json,sys; print(json.load(sys.stdin)["samples"])')

cat >"$work/scroll.script" <<'SCRIPT'
view grid
frames 30
scroll 200 600
SCRIPT

run() {
  xvfb-run -a -s "-screen 0 1280x800x24" "$build/bin/winnow-workbench" "$project" \
    --script "$work/scroll.script" --frame-stats "$work/$1.json" 2>/dev/null
  "$py" - "$work/$1.json" "$1" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
f = s["scroll_frames"]
print(f"{sys.argv[2]:>16}: {f['frames']} scroll frames, median {f['median_ms']:.2f} ms, "
      f"p95 {f['p95_ms']:.2f} ms, max {f['max_ms']:.2f} ms ({s['samples']} samples, 1280x800)")
PY
}
echo "samples in project: $samples"
thumbs=$project/cache/thumbs
[ -d "$thumbs" ] && mv "$thumbs" "$work/thumbs-from-ingest"
run no-cache
rm -rf "$thumbs"
[ -d "$work/thumbs-from-ingest" ] && mv "$work/thumbs-from-ingest" "$thumbs"
run ingest-cache
run warm-cache
echo "renderer: $(xvfb-run -a -s '-screen 0 1280x800x24' glxinfo -B 2>/dev/null | grep -m1 'OpenGL renderer' || echo 'Mesa llvmpipe (glxinfo not installed)')"
