#!/usr/bin/env bash
# face-api speed: winnow's LibTorch ports (bench/faceapi_throughput, ml/faceapi_nets) vs
# @vladmandic/face-api itself in Node.js (scripts/faceapi_reference.js, tfjs wasm backend by
# default, --backend cpu for tfjs' plain-JS one), images/s of SSD-MobileNetV1 detection
# (min confidence 0.5) and of 128-d descriptors (recognition net on each whole image), in one run.
# Both read the same raw RGB pixels (N JPEGs decoded once with python3-opencv, BGR -> RGB), keep
# every image in memory, warm up on the first image and time the loop over all N, one image at a
# time (winnow also reports descriptors in batches of 16 as a separate number). Not timed: process
# start-up, model loading, reading the images.
# Threads: Node runs tfjs single-threaded (the wasm backend reports no multithread support in Node:
# getThreadsCount() is 1; the cpu backend is plain JS); winnow runs LibTorch with
# torch::set_num_threads(nproc), and once more with 1 thread, the per-thread comparison.
# Caveat: LibTorch 1.13 sends batch-1 convolutions that oneDNN does not take (1x1 ones when single-
# threaded, small 3x3 ones) to the system libblas.so.3, the unoptimised netlib one unless an
# optimised BLAS (e.g. libopenblas0-pthread) is installed or preloaded via LD_LIBRARY_PATH.
# Equal results: total faces found by both within 1% (and as many descriptors as images).
# Usage: bench/faceapi_vs_node.sh [--backend wasm|cpu] [--count N] [folder]
#   (default wasm, 100 images of ../shared/data/realfake/hard/real); needs scripts/setup.sh's
#   .devdeps/faceapi and the faceapi_throughput target built.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
backend=wasm count=100 folder=$root/../shared/data/realfake/hard/real
while [ $# -gt 0 ]; do
  case $1 in
    --backend) backend=$2; shift 2 ;;
    --count) count=$2; shift 2 ;;
    *) folder=$1; shift ;;
  esac
done
bench=${FACEAPI_THROUGHPUT:-$root/build/bin/faceapi_throughput}
deps=${FACEAPI_DEPS:-$root/.devdeps/faceapi}
node=${NODE:-node}
python=${PYTHON:-/usr/bin/python3}  # python3-opencv's interpreter
threads=$(nproc)
[ -x "$bench" ] || { echo "no $bench: cmake --build build --target faceapi_throughput" >&2; exit 2; }
[ -d "$deps/node_modules/@vladmandic/face-api" ] || { echo "no face-api in $deps: run scripts/setup.sh" >&2; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

"$python" - "$folder" "$count" "$tmp" <<'PY'
import json, os, sys
import cv2
folder, count, tmp = sys.argv[1], int(sys.argv[2]), sys.argv[3]
names = sorted(f for f in os.listdir(folder) if f.lower().endswith(('.jpg', '.jpeg', '.png')))[:count]
images = []
for i, name in enumerate(names):
    bgr = cv2.imread(os.path.join(folder, name), cv2.IMREAD_COLOR)
    if bgr is None:
        sys.exit(f'cannot decode {name}')
    raw = os.path.join(tmp, f'{i}.rgb')
    cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).tofile(raw)
    images.append({'name': name, 'rgb': raw, 'width': bgr.shape[1], 'height': bgr.shape[0]})
json.dump({'images': images}, open(os.path.join(tmp, 'job.json'), 'w'))
PY

for mode in bench-ssd bench-embed; do
  "$node" "$root/scripts/faceapi_reference.js" --deps "$deps" --backend "$backend" --mode "$mode" \
    --job "$tmp/job.json" --out "$tmp/node-$mode.json"
  "$bench" --job "$tmp/job.json" --mode "$mode" --threads "$threads" >"$tmp/winnow-$mode.json"
  "$bench" --job "$tmp/job.json" --mode "$mode" --threads 1 >"$tmp/winnow1-$mode.json"
done

"$python" - "$tmp" "$backend" "$threads" <<'PY'
import json, os, sys
tmp, backend, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
load = lambda name: json.load(open(os.path.join(tmp, name + '.json')))
ok = True
print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
for mode, what in (('bench-ssd', 'faces'), ('bench-embed', 'descriptors')):
    node, ours, one = load('node-' + mode), load('winnow-' + mode), load('winnow1-' + mode)
    n = node['images_per_second']
    print(f"{mode}: {node['count']} images")
    print(f"  face-api {node['face_api']} (node, tfjs {node['backend']}, 1 thread): {n:.2f} img/s, {node['outputs']} {what}")
    print(f"  winnow ({threads} threads): {ours['images_per_second']:.2f} img/s, {ours['outputs']} {what}; "
          f"ratio winnow/face-api {ours['images_per_second'] / n:.2f}x")
    print(f"  winnow (1 thread): {one['images_per_second']:.2f} img/s; ratio {one['images_per_second'] / n:.2f}x")
    if 'batched' in ours:
        b = ours['batched']
        print(f"  winnow ({threads} threads, batches of {b['batch']}): {b['images_per_second']:.2f} img/s, "
              f"{b['outputs']} {what}; ratio {b['images_per_second'] / n:.2f}x")
    equal = abs(ours['outputs'] - node['outputs']) <= 0.01 * max(1, node['outputs'])
    ok = ok and equal and ours['count'] == node['count']
    print(f"  equal results ({what} within 1%): {'yes' if equal else 'NO'}")
sys.exit(0 if ok else 1)
PY
