#!/usr/bin/env bash
# Training speed: winnow's trainer (bench/train_throughput, ml/torch_training) vs the same
# training in PyTorch (bench/train_reference.py), back to back on the same winnow HDF5 dataset,
# images/s of the training loop (data already in memory; start-up, data loading and validation not
# timed). Also prints the model's own forward+backward speed on device-resident random data.
# Usage: bench/train_vs_pytorch.sh [--device cpu|cuda] [--arch resnet18] [--batch 32] [--epochs 1]
#          [--amp 0|1] [--size 112] [--runs 3] [dataset.h5]
# Default dataset: ../shared/data/faces/celeb24 (1,399 112-px faces) exported at 112 px with a
# 60/20/20 split (made once under build/bench/train; needs the winnow CLI). CPU runs use
# OPENBLAS_NUM_THREADS=1 and one LibTorch intra-op thread per core on both sides (LibTorch's own
# default in Debian's build is one thread in total).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
device=cpu arch=resnet18 batch=32 epochs=1 amp=1 size=112 runs=3 dataset=""
while [ $# -gt 0 ]; do
  case $1 in
    --device) device=$2; shift 2 ;;
    --arch) arch=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --amp) amp=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) dataset=$1; shift ;;
  esac
done
bin=${WINNOW_BIN:-$root/build/bin}
python=${PYTHON:-/usr/bin/python3}
export OPENBLAS_NUM_THREADS=1
# shellcheck source=bench/celeb24_dataset.sh
source "$root/bench/celeb24_dataset.sh"
[ -n "$dataset" ] || dataset=$(celeb24_dataset "$bin" "$root")
echo "dataset $dataset, $arch at $size px, batch $batch, $epochs epoch(s), $device, amp $amp, $runs runs"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for run in $(seq "$runs"); do
  w=$("$bin/train_throughput" "$dataset" "$tmp/run$run" "$arch" "$batch" "$epochs" "$device" "$amp" "$size")
  p=$("$python" "$root/bench/train_reference.py" "$dataset" "$arch" "$batch" "$epochs" "$device" "$amp" "$size")
  "$python" - "$w" "$p" "$run" <<'PY'
import json, sys
w, p, run = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
wi, pi, ri = w["train_images_per_second"], p["train_images_per_second"], w["random_data_images_per_second"]
print(f"run {run}: winnow {wi:.1f} img/s, PyTorch {p['torch']} {pi:.1f} img/s, ratio {wi / pi:.2f}x; "
      f"winnow on random device-resident data {ri:.1f} img/s (winnow's loop at {wi / ri:.0%} of it)")
PY
done
