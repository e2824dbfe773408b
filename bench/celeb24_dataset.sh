# Sourced by the training benches: celeb24_dataset <winnow bin folder> <checkout root> prints the
# path of ../shared/data/faces/celeb24 exported at 112 px with a 60/20/20 split, made once under
# build/bench/train.
celeb24_dataset() {
  local bin=$1 root=$2 work=$2/build/bench/train
  local dataset=$work/celeb24-112.h5
  if [ ! -f "$dataset" ]; then
    rm -rf "$work/project"; mkdir -p "$work"
    "$bin/winnow" init "$work/project" >/dev/null
    "$bin/winnow" ingest "$work/project" "$root/../shared/data/faces/celeb24" --source celeb24 >/dev/null
    "$bin/winnow" split "$work/project" --ratios 60,20,20 >/dev/null
    "$bin/winnow" export "$work/project" --format hdf5 --output "$dataset" -p image_size=112 >/dev/null
  fi
  echo "$dataset"
}
