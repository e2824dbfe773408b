#!/usr/bin/env bash
# Face detection speed: winnow's Haar detector with its rotation sweep (`winnow detect --detector
# haar`, manifest defaults) vs bench/haar_reference.py, the same decode + detector steps written
# with python3-opencv (same OpenCV 4.6 and cascade), on the same images, one run each, one after
# the other. The images are the project's samples after `winnow ingest` (not timed).
# Timed: each command's wall time, process start-up included (winnow: plugin and cascade loading,
# store reads and writes; Python: interpreter, cv2 import, worker start-up). The reference also
# reports its processing-only time, and a second ratio uses that (the one most favourable to it).
# Threads: `winnow detect` has no --threads option; its detect step uses one worker per core (nproc)
# and OpenCV's own parallel_for (TBB) inside detectMultiScale. The reference runs PY_JOBS processes
# (default nproc) over a shared queue of the files, each with cv2.setNumThreads(PY_CV_THREADS,
# default 1; nproc when PY_JOBS=1), so it also keeps every core busy with whole images; PY_JOBS=1
# is the single-process variant (one image at a time, detectMultiScale parallel inside).
# Equal results: per-file face counts of both, agreement = fraction of files with the same count.
# Usage: bench/haar_vs_python.sh [folder]   (default ../shared/data/realfake/hard/real)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
folder=$(cd "${1:-$root/../shared/data/realfake/hard/real}" && pwd)
winnow=${WINNOW:-$root/build/bin/winnow}
python=${PYTHON:-/usr/bin/python3}  # python3-opencv's interpreter
jobs=${PY_JOBS:-$(nproc)}
cvThreads=${PY_CV_THREADS:-$([ "$jobs" -gt 1 ] && echo 1 || nproc)}
"$python" -c 'import cv2' || { echo "$python has no cv2: apt-get install python3-opencv" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "sqlite3 missing: apt-get install sqlite3" >&2; exit 2; }
[ -x "$winnow" ] || { echo "no $winnow: build the winnow target first" >&2; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

"$winnow" init "$tmp/p" >/dev/null
"$winnow" ingest "$tmp/p" "$folder" --source s --layout flat --json >"$tmp/ingest.json" 2>"$tmp/ingest.err" ||
  { tail -5 "$tmp/ingest.err" >&2; echo "winnow ingest failed" >&2; exit 1; }
sqlite3 "$tmp/p/winnow.db" \
  "SELECT original_path FROM samples WHERE status='active' AND derived_path='' ORDER BY id" >"$tmp/files"
[ -s "$tmp/files" ] || { echo "no images ingested from $folder" >&2; exit 1; }
xargs cat <"$tmp/files" >/dev/null  # warm the page cache for both

now() { date +%s.%N; }
t0=$(now)
/usr/bin/time -f "%U %S" -o "$tmp/winnow.cpu" \
  "$winnow" detect "$tmp/p" --detector haar --json >"$tmp/winnow.json" 2>"$tmp/winnow.err" ||
  { tail -5 "$tmp/winnow.err" >&2; echo "winnow detect failed" >&2; exit 1; }
t1=$(now)
/usr/bin/time -f "%U %S" -o "$tmp/python.cpu" \
  "$python" "$root/bench/haar_reference.py" --jobs "$jobs" --cv-threads "$cvThreads" --list "$tmp/files" >"$tmp/python.json"
t2=$(now)
sqlite3 -separator $'\t' "$tmp/p/winnow.db" "SELECT s.original_path, CAST(m.value AS INTEGER) FROM samples s
  JOIN sample_measures m ON m.sample_id = s.id AND m.name = 'face_count:haar'" >"$tmp/winnow.tsv"

"$python" - "$tmp" "$t0" "$t1" "$t2" "$(nproc)" <<'PY'
import json, os, sys
tmp, t0, t1, t2, cores = sys.argv[1], *map(float, sys.argv[2:5]), int(sys.argv[5])
ours = dict((p, int(c)) for p, c in (l.rstrip('\n').split('\t') for l in open(os.path.join(tmp, 'winnow.tsv'))))
summary = json.load(open(os.path.join(tmp, 'winnow.json')))
ref = json.load(open(os.path.join(tmp, 'python.json')))
theirs = ref['faces']
cpu = lambda name: sum(map(float, open(os.path.join(tmp, name + '.cpu')).read().split()[-2:]))
n, pn = summary['samples'], ref['count']
assert n == pn == len(ours), f"image counts differ: winnow {n} ({len(ours)} counted), python {pn}"
same = sum(ours[f] == theirs.get(f) for f in ours)
anyFace = sum((ours[f] > 0) == (theirs.get(f, 0) > 0) for f in ours)
w, p = t1 - t0, t2 - t1
print(f"images: {n} (load average {os.getloadavg()[0]:.2f} on {cores} cores)")
print(f"winnow haar: {n / w:.1f} img/s ({w:.2f} s wall, {cpu('winnow'):.2f} s cpu; {cores} detect threads + OpenCV's TBB)")
print(f"python-opencv reference: {pn / p:.1f} img/s ({p:.2f} s wall, {cpu('python'):.2f} s cpu; "
      f"{ref['jobs']} process(es), cv2 threads {ref['cv_threads']}); processing only {ref['images_per_second']:.1f} img/s")
print(f"ratio winnow/python: {p / w:.2f}x (wall), {ref['seconds'] / w:.2f}x (vs python processing only)")
print(f"faces: winnow {sum(ours.values())}, python {sum(theirs.values())}; same count {same}/{n} = {same / n:.4f}, "
      f"same face/no-face {anyFace}/{n} = {anyFace / n:.4f}")
PY
