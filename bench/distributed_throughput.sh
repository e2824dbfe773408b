#!/usr/bin/env bash
# Data-parallel training on one machine: `winnow train` as 1 process with T threads against
# `winnow train --nproc 2` with T/2 threads per rank, on the same global batch, back to back in one
# run, plus 2 ranks with the all-reduce after backward instead of during it (WINNOW_DIST_OVERLAP=0).
# Prints the training loop's images/s (summary train_images_per_second: validation and start-up
# not timed) and the share of training time each rank waited on the process group
# (communication_share: time blocked in collectives, i.e. the all-reduce time not hidden behind
# backward).
# Usage: bench/distributed_throughput.sh [--arch resnet18] [--size 112] [--batch 64] [--threads 2]
#          [--epochs 1] [--runs 3] [dataset.h5]
# Default dataset: ../shared/data/faces/celeb24 exported at 112 px, 60/20/20 (made once under
# build/bench/train, shared with bench/train_vs_pytorch.sh). Random initial weights: the speed
# does not depend on them.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
arch=resnet18 size=112 batch=64 threads=2 epochs=1 runs=3 dataset=""
while [ $# -gt 0 ]; do
  case $1 in
    --arch) arch=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) dataset=$1; shift ;;
  esac
done
bin=${WINNOW_BIN:-$root/build/bin}
export OPENBLAS_NUM_THREADS=1
# shellcheck source=bench/celeb24_dataset.sh
source "$root/bench/celeb24_dataset.sh"
[ -n "$dataset" ] || dataset=$(celeb24_dataset "$bin" "$root")
half=$((batch / 2)) per_rank=$((threads / 2))
[ "$per_rank" -ge 1 ] || per_rank=1
common=(-p backbone=$arch -p input_size=$size -p epochs=$epochs -p patience=0 -p linear_probe_baseline=false
        -p "augment={\"flip\":0.5}" --json)
echo "dataset $dataset, $arch at $size px, global batch $batch, $epochs epoch(s), $(nproc) cores, $runs runs"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for run in $(seq "$runs"); do
  "$bin/winnow" train "$dataset" -o "$tmp/one$run" "${common[@]}" -p batch_size=$batch -p threads=$threads \
    > "$tmp/one$run.json" 2>/dev/null
  "$bin/winnow" train "$dataset" -o "$tmp/two$run" --nproc 2 "${common[@]}" -p batch_size=$half -p threads=$per_rank \
    > "$tmp/two$run.json" 2>/dev/null
  WINNOW_DIST_OVERLAP=0 "$bin/winnow" train "$dataset" -o "$tmp/after$run" --nproc 2 "${common[@]}" -p batch_size=$half \
    -p threads=$per_rank > "$tmp/after$run.json" 2>/dev/null
  /usr/bin/python3 - "$tmp/one$run.json" "$tmp/two$run.json" "$tmp/after$run.json" "$run" "$threads" "$per_rank" <<'PY'
import json, sys
one, two, after = (json.load(open(p)) for p in sys.argv[1:4])
run, threads, per_rank = sys.argv[4:7]
o, t, a = (s["train_images_per_second"] for s in (one, two, after))
print(f"run {run}: 1 process x {threads} threads {o:.1f} img/s | 2 ranks x {per_rank} thread {t:.1f} img/s "
      f"({t / o:.2f}x), waiting on all-reduce {two['distributed']['communication_share']:.1%} of training time, "
      f"{two['distributed']['gradient_buckets']} buckets | all-reduce after backward {a:.1f} img/s, waiting "
      f"{after['distributed']['communication_share']:.1%}")
PY
done
