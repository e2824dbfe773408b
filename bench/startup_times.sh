#!/usr/bin/env bash
# Start-up time of the winnow command (issue 13): wall-clock milliseconds of
#   --help
#   stats <project>                      a project of 20 ingested photos
#   ingest <fresh project> <1 photo>     a fresh project each run (made untimed), so the file is read and stored
#   run samples/demo.pipeline.json --check   validates 15 steps' parameters against the plugins
#   export <project> --format imagefolder    uses one plugin; a new output folder each run
# each run `runs` times after one warm-up run; prints the median, the runs, and how many shared
# objects the process maps (LD_DEBUG=files: start-up plus dlopen), the main cost of a slow start.
# With WINNOW_BEFORE=<another winnow binary> (e.g. built from the commit before a change) both are
# measured, their runs alternating, so a busy machine slows both alike; the table then shows both
# medians and their ratio.
# Usage: [WINNOW=bin] [WINNOW_BEFORE=bin] bench/startup_times.sh [runs] [photo-folder]
#   default 10 runs, build/bin/winnow, and the first 20 JPEGs (by name) of
#   ../shared/data/mask/prajnasb/without_mask. Plugins: those beside each binary, or WINNOW_PLUGIN_PATH's.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${1:-10}
data=${2:-$root/../shared/data/mask/prajnasb/without_mask}
binaries=("${WINNOW:-$root/build/bin/winnow}")
[[ -n ${WINNOW_BEFORE:-} ]] && binaries=("$WINNOW_BEFORE" "${binaries[0]}")
pipeline=$root/samples/demo.pipeline.json
for binary in "${binaries[@]}"; do
  [[ -x $binary ]] || { echo "no winnow binary at $binary (build first, or set WINNOW)" >&2; exit 1; }
done
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

find "$data" -maxdepth 1 -type f -iname '*.jpg' | sort | awk 'NR <= 20' > "$tmp/files"
[[ $(wc -l < "$tmp/files") -eq 20 ]] || { echo "need 20 JPEGs in $data" >&2; exit 1; }
mkdir -p "$tmp/twenty/photos" "$tmp/one/photos"
xargs -I{} cp {} "$tmp/twenty/photos/" < "$tmp/files"
cp "$(head -n 1 "$tmp/files")" "$tmp/one/photos/"
for i in "${!binaries[@]}"; do  # each binary gets its own project (the store format may differ)
  "${binaries[$i]}" init "$tmp/project$i" >/dev/null
  "${binaries[$i]}" ingest "$tmp/project$i" "$tmp/twenty" --json >/dev/null 2>&1
done

# The commands: $1 binary, $2 its index. setup_* prepare untimed state for the next run.
cmd_help() { "$1" --help; }
cmd_stats() { "$1" stats "$tmp/project$2"; }
setup_ingest() { rm -rf "$tmp/fresh$2"; "$1" init "$tmp/fresh$2" >/dev/null; }
cmd_ingest() { "$1" ingest "$tmp/fresh$2" "$tmp/one" --json; }
cmd_check() { "$1" run "$pipeline" --check; }
setup_export() { rm -rf "$tmp/out$2"; }
cmd_export() { "$1" export "$tmp/project$2" --format imagefolder --output "$tmp/out$2"; }
setup_none() { :; }

# Milliseconds one command takes (output discarded; a failing command stops the script).
time_ms() {
  local start end
  start=$EPOCHREALTIME
  "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
  end=$EPOCHREALTIME
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f\n", (e - s) * 1000 }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

objects() {  # shared objects the dynamic loader maps for one command
  LD_DEBUG=files "$@" 2>&1 >/dev/null | grep -c "generating link map" || true
}

measure() {  # label, setup, command
  local label=$1 setup=$2 command=$3 i line="" counts=()
  for i in "${!binaries[@]}"; do
    $setup "${binaries[$i]}" "$i"; counts[i]=$(objects "$command" "${binaries[$i]}" "$i")
    $setup "${binaries[$i]}" "$i"; $command "${binaries[$i]}" "$i" >/dev/null 2>&1  # warm-up
    : > "$tmp/times$i"
  done
  for _ in $(seq 1 "$runs"); do
    for i in "${!binaries[@]}"; do
      $setup "${binaries[$i]}" "$i"
      time_ms "$command" "${binaries[$i]}" "$i" >> "$tmp/times$i"
    done
  done
  for i in "${!binaries[@]}"; do
    line+=$(printf ' %8.1f ms %4d objects |' "$(median < "$tmp/times$i")" "${counts[$i]}")
  done
  if (( ${#binaries[@]} == 2 )); then
    line+=$(awk -v b="$(median < "$tmp/times0")" -v a="$(median < "$tmp/times1")" 'BEGIN { printf " %5.1fx", b / a }')
  fi
  printf '%-38s|%s\n' "$label" "$line"
  for i in "${!binaries[@]}"; do printf '    runs, binary %d: %s\n' "$i" "$(tr '\n' ' ' < "$tmp/times$i")"; done
}

echo "$(nproc) cores, $runs runs each, median wall time; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for i in "${!binaries[@]}"; do echo "binary $i: ${binaries[$i]}"; done
measure "winnow --help" setup_none cmd_help
measure "winnow stats (20 photos)" setup_none cmd_stats
measure "winnow ingest (1 photo, new project)" setup_ingest cmd_ingest
measure "winnow run demo.pipeline --check" setup_none cmd_check
measure "winnow export imagefolder (20 photos)" setup_export cmd_export
echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
