#!/usr/bin/env bash
# The main job: generate the built-in sample data, run the demo pipeline (ingest two sources with
# a class mapping, an exact duplicate, a corrupt file and a video; stats; HDF5 and ImageFolder
# exports), then read the HDF5 file back with h5py. Usage: scripts/demo.sh [build-dir]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
winnow="$build/bin/winnow"
demo="$root/build/demo"

rm -rf "$demo"
mkdir -p "$demo/out"
"$build/bin/winnow_sample_data" "$demo/data"

echo; echo "== winnow plugins"
"$winnow" plugins

echo; echo "== winnow run samples/demo.pipeline.json"
set +e
"$winnow" run "$root/samples/demo.pipeline.json" --project "$demo/project"
status=$?
set -e
# 3 = finished, with bad input files reported (the demo plants a corrupt file and a non-image).
if [ $status -ne 0 ] && [ $status -ne 3 ]; then echo "demo pipeline failed ($status)" >&2; exit $status; fi

echo; echo "== label conflicts: near-duplicates filed under two classes (kept, one split group, for review)"
"$winnow" conflicts "$demo/project"

echo; echo "== winnow stats --json"
"$winnow" stats "$demo/project" --json

echo; echo "== labels from a Kaggle-style CSV (flat folder, id,label without extensions): winnow ingest --labels-csv"
"$winnow" init "$demo/kaggle_project" > /dev/null
"$winnow" ingest "$demo/kaggle_project" "$demo/data/kaggle/images" --labels-csv "$demo/data/kaggle/train.csv" --source kaggle
"$winnow" ingest "$demo/kaggle_project" "$demo/data/kaggle/images" --labels-csv "$demo/data/kaggle/train.csv" --json 2>/dev/null |
  /usr/bin/python3 -c 'import json,sys; print("  --json labels_csv:", json.dumps(json.load(sys.stdin).get("labels_csv")))'

echo; echo "== the HDF5 export, read back with h5py"
/usr/bin/python3 - "$demo/out/demo.h5" <<'PY'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    images, labels = f["images"], f["labels"][:]
    names = [n.decode() if isinstance(n, bytes) else n for n in f["class_names"][:]]
    print(f"images {images.shape} {images.dtype}, classes {names}")
    for i, name in enumerate(names):
        print(f"  {name}: {int((labels == i).sum())}")
    sources = [s.decode() if isinstance(s, bytes) else s for s in f["provenance/source"][:]]
    print("  by source:", {s: sources.count(s) for s in sorted(set(sources))})
PY
shared="$root/../shared/data"
if [ -d "$shared/faces/celeb24" ] && [ -d "$shared/realfake/ciplab" ]; then
  echo; echo "== faces on real photos: winnow run samples/faces_photos.pipeline.json"
  "$winnow" run "$root/samples/faces_photos.pipeline.json"
  echo; echo "== telling people apart: winnow run samples/faces_identity.pipeline.json"
  "$winnow" run "$root/samples/faces_identity.pipeline.json"
  "$winnow" identity "$demo/faces_identity" --png "$demo/out/celeb24_identity.png"
  echo; echo "== identity groups from the descriptors alone (labels shown for comparison; unlabelled phone photos are named with --name N=person)"
  "$winnow" identities "$demo/faces_identity" --all > "$demo/out/celeb24_identity_groups.txt"
  head -13 "$demo/out/celeb24_identity_groups.txt"; echo "  ... (all groups: $demo/out/celeb24_identity_groups.txt)"
  echo; echo "== assisted labelling: a simulated user names ORL's 400 unlabelled faces (40 people) with winnow identities, suggest and accept"
  SIM_SETS=orl SIM_ARGS="--detector faceapi_whole_face" bash "$root/bench/simulated_labeller.sh" "$build" \
    "$demo/out/labelling" > "$demo/out/labelling.log"
  /usr/bin/python3 - "$demo/out/labelling/orl.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(f"{d['photos']} photos of {d['people']} people fully and correctly labelled in {d['actions']} actions "
      f"({d['actions_per_photo']:.2f} per photo; {d['named_groups']} identity groups named, the rest suggested and accepted)")
PY
  echo "  curve: $demo/out/labelling/simulated_labeller.png; log: $demo/out/labelling.log"
  echo; echo "== winnow predict: the celeb24 model on two photos (face found and cropped first)"
  "$winnow" predict "$demo/out/train-celeb24/model.h5" "$shared/faces/celeb24/Tom_Hanks/"$(ls "$shared/faces/celeb24/Tom_Hanks" | head -1) \
    "$shared/faces/celeb24/Halle_Berry/"$(ls "$shared/faces/celeb24/Halle_Berry" | head -1) --device cpu
else
  echo; echo "(no ../shared/data beside the checkout: the face pipelines, which need real photos, are skipped)"
fi

echo; echo "== winnow predict: the demo model on two sample pictures (one of them corrupt: reported, the run goes on)"
set +e
"$winnow" predict "$demo/out/train-small-cnn/model.h5" "$demo/data/field/round/round 0.jpg" "$demo/data/field/round/notes.jpg" --device cpu 2>&1
set -e

echo; echo "== data-parallel training: the demo dataset on 2 ranks (winnow train --nproc 2, Gloo on 127.0.0.1; rank 0 writes the run)"
rm -rf "$demo/out/train-2-ranks"
"$winnow" train "$demo/out/demo.h5" -o "$demo/out/train-2-ranks" --nproc 2 -p backbone=small_cnn -p epochs=100 -p patience=0 \
  -p batch_size=8 -p learning_rate=0.003 -p 'augment={"flip":0.5,"rotation_degrees":10}' --json 2>/dev/null \
  > "$demo/out/train-2-ranks.json"
/usr/bin/python3 - "$demo/out/train-2-ranks.json" "$demo/out/train-small-cnn/report.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
one = json.load(open(sys.argv[2]))
d = s["distributed"]
print(f"{d['world_size']} ranks over {d['backend']}, global batch {d['global_batch_size']} (one process above: 16), "
      f"{s['epochs_run']} epochs, test accuracy {s['test']['accuracy']:.3f} (one process: {one['test']['accuracy']:.3f}), "
      f"waiting on all-reduce {d['communication_share']:.1%} of training time")
PY

echo; echo "== a metadata-only exporter built out of tree against the installed SDK: samples/csv_exporter (no picture decoded)"
sdk="$demo/sdk"
rm -rf "$sdk"
cmake --install "$build" --prefix "$sdk/prefix" --component sdk >/dev/null
cmake -S "$root/samples/csv_exporter" -B "$sdk/csv" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$sdk/prefix" >/dev/null
cmake --build "$sdk/csv" >/dev/null
"$winnow" export "$demo/project" --format example.csv --output "$demo/out/labels.csv" --plugin-path "$sdk/csv" --overwrite >/dev/null
head -3 "$demo/out/labels.csv"; echo "  ... $(($(wc -l < "$demo/out/labels.csv") - 1)) rows: $demo/out/labels.csv"

echo; echo "demo finished: project in $demo/project, exports, trained models and plots in $demo/out"
