#!/usr/bin/env bash
# On a GPU machine (the `device` tool runs commands in the repository root): builds the OpenCV-free
# training path (cmake -DWINNOW_TRAINING_ONLY=ON: ml/torch_training, the torch_classifier
# plugin, bench/train_throughput) against that machine's LibTorch, the one inside its PyTorch, then
# runs bench/train_vs_pytorch.sh there: winnow and the PyTorch reference back to back, images/s of
# both and of the model's own forward+backward on device-resident random data.
#
# Carry with the tree: .devdeps/ made by ../shared/device/fetch-debs.sh (nlohmann-json, which the
# GPU machine lacks) and a dataset exported on this machine, e.g.
#   build/bin/winnow export <project> --format hdf5 --output .devdeps/celeb24-112.h5 -p image_size=112
# Usage: bash scripts/gpu_build.sh [dataset.h5] [bench/train_vs_pytorch.sh options, e.g. --batch 256 --epochs 3]
# WINNOW_DEVICE=cpu runs the same steps on a CPU-only machine (how the script itself is tested).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
if [ -f .devdeps/unpack.sh ]; then eval "$(bash .devdeps/unpack.sh /opt/devdeps)"; fi
python=${PYTHON:-python3}
torch_prefix=$("$python" -c 'import torch; print(torch.utils.cmake_prefix_path)')
build=${WINNOW_GPU_BUILD_DIR:-$root/build-gpu}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DWINNOW_TRAINING_ONLY=ON \
  -DCMAKE_PREFIX_PATH="$torch_prefix${CMAKE_PREFIX_PATH:+;$CMAKE_PREFIX_PATH}" >/dev/null
cmake --build "$build" -j"$(nproc)"
dataset=${1:-.devdeps/celeb24-112.h5}
[ $# -gt 0 ] && shift
[ -f "$dataset" ] || { echo "error: $dataset: no such dataset file (export one and carry it)" >&2; exit 2; }
if [ "${WINNOW_DEVICE:-cuda}" = cuda ]; then
  "$python" -c 'import torch; print("CUDA device:", torch.cuda.get_device_name(0), "torch", torch.__version__)'
fi
WINNOW_BIN="$build/bin" PYTHON="$python" bash "$root/bench/train_vs_pytorch.sh" --device "${WINNOW_DEVICE:-cuda}" "$@" "$dataset"
