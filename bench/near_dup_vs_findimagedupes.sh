#!/usr/bin/env bash
# Near-duplicate detection: winnow (init + ingest + dupes) vs findimagedupes (Debian package,
# default threshold 90%) on the same set built from real images, in one run.
# The set: 150 originals from realfake/hard, mask/prajnasb and faces/celeb24, each with 4 variants
# (JPEG q60, 0.5x resize, 2-5% crop, brightness +10), plus 300 unrelated images (1050 files).
# Scores: precision / recall / F1 over unordered pairs of files against the built groups, and the
# wall time of each tool (winnow: ingest + dupes; findimagedupes: one run, fresh fingerprints).
#
# usage: bench/near_dup_vs_findimagedupes.sh [build-dir=build] [work-dir=fresh temp dir] [winnow dupes options...]
#   ORIGINALS=n UNRELATED=m set the set's size (default 150 and 300: 1,050 files; ORIGINALS=1800
#   UNRELATED=1000 gives the 10,000-file set of issue 13's must-show 2).
# needs: apt-get install -y findimagedupes; python3.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
work=${2:-$(mktemp -d /tmp/winnow-neardup.XXXXXX)}
mkdir -p "$work"
shift $(( $# > 2 ? 2 : $# )) || true
data=${WINNOW_SHARED_DATA_DIR:-$(cd "$here/../../shared/data" && pwd)}
winnow="$build/bin/winnow"
command -v findimagedupes >/dev/null || { echo "findimagedupes missing: apt-get install -y findimagedupes" >&2; exit 2; }
[ -x "$winnow" ] || { echo "no $winnow: build the winnow target first" >&2; exit 2; }

maker="$build/bin/make_near_dup_set"
if [ ! -x "$maker" ]; then
  maker="$work/make_near_dup_set"
  g++ -std=c++17 -O2 "$here/make_near_dup_set.cpp" -o "$maker" $(pkg-config --cflags --libs opencv4)
fi
rm -rf "$work/set" "$work/project"
"$maker" "$data" "$work/set" "${ORIGINALS:-150}" "${UNRELATED:-300}"

# CPU seconds (user + sys) of each tool too, to compare them fairly on a busy machine.
timed() { local out=$1; shift; /usr/bin/time -f "%U %S" -a -o "$out" "$@"; }
rm -f "$work/winnow.cpu" "$work/findimagedupes.cpu"
t0=$(date +%s.%N)
timed "$work/winnow.cpu" "$winnow" init "$work/project" >/dev/null
timed "$work/winnow.cpu" "$winnow" ingest "$work/project" "$work/set/images" --layout flat --json >"$work/ingest.json" 2>/dev/null
timed "$work/winnow.cpu" "$winnow" dupes "$work/project" --json "$@" >"$work/winnow.json" 2>/dev/null
t1=$(date +%s.%N)
timed "$work/findimagedupes.cpu" findimagedupes -t 90% -- "$work"/set/images/* >"$work/findimagedupes.txt" 2>"$work/findimagedupes.err" || true
t2=$(date +%s.%N)
sumcpu() { awk '{s += $1 + $2} END {printf "%.2f", s}' "$1"; }
echo "cpu seconds (user+sys): winnow $(sumcpu "$work/winnow.cpu") findimagedupes $(sumcpu "$work/findimagedupes.cpu")"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

python3 - "$work" "$t0" "$t1" "$t2" <<'PY'
import itertools, json, os, sys
work, t0, t1, t2 = sys.argv[1], *map(float, sys.argv[2:5])
truth = dict(line.rstrip('\n').split('\t') for line in open(os.path.join(work, 'set/truth.tsv')))
groups = {}
for name, group in truth.items():
    groups.setdefault(group, []).append(name)
truePairs = {frozenset(p) for members in groups.values() for p in itertools.combinations(members, 2)}

def pairsOf(clusters):
    return {frozenset(p) for c in clusters for p in itertools.combinations(sorted(set(c)), 2)}

result = json.load(open(os.path.join(work, 'winnow.json')))
winnowClusters = [[os.path.basename(m['path']) for m in c['members']] for c in result['cluster_list']]
fidClusters = [[os.path.basename(f) for f in line.split()] for line in open(os.path.join(work, 'findimagedupes.txt')) if line.strip()]
ingested = json.load(open(os.path.join(work, 'ingest.json')))

def score(name, clusters, seconds):
    found = pairsOf(clusters)
    tp = len(found & truePairs)
    precision = tp / len(found) if found else 0.0
    recall = tp / len(truePairs)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(f"{name:15s} pairs={len(found):5d} tp={tp:5d} precision={precision:.4f} recall={recall:.4f} F1={f1:.4f} time={seconds:.2f}s")
    return f1

print(f"set: {len(truth)} files, {len(groups)} groups, {len(truePairs)} true pairs; winnow ingested {ingested.get('added')} (exact duplicates {ingested.get('duplicates')})")
print(f"winnow thresholds: {json.dumps({k: result['params'][k] for k in ('phash_distance', 'dhash_distance')})}")
fw = score('winnow', winnowClusters, t1 - t0)
ff = score('findimagedupes', fidClusters, t2 - t1)
print(f"speed ratio (findimagedupes / winnow): {(t2 - t1) / (t1 - t0):.1f}x; F1 winnow - findimagedupes: {fw - ff:+.4f}")
PY
