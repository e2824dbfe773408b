#!/usr/bin/env bash
# Kill -9 loop: interrupts ingest, dupes, quality, label and export (HDF5) with SIGKILL at random
# moments, checks the store after every kill (winnow check), re-runs the command to completion,
# and compares the store's content (and the exported file) with a clean, uninterrupted run.
#
# Each kill starts from a copy of the project as the clean run left it before that command, so
# every kill interrupts real work and every recovery is compared with the clean result of the
# same command (samples, duplicates, bad files, decisions, clusters, hashes, quality measures and
# flags; the HDF5 file by a digest of every dataset and attribute).
#
# usage: bench/kill_loop.sh [--winnow BIN] [--data DIR] [--kills N] [--per-class N] [--seed S]
#                           [--work DIR] [--keep]
#   --winnow     winnow binary (default: build-robust/bin/winnow, else build/bin/winnow)
#   --data       class-folder dataset (default: ../shared/data/mask/prajnasb)
#   --kills      kills, spread evenly over the five commands (default 30)
#   --per-class  use only the first N files of each class folder (default 0 = all)
#   --seed       seed of the kill times (default 1)
#   --work       work folder (default: a new mktemp -d; removed at the end unless --keep)
# Prints one line per kill and a summary; exits 0 only when every check passed and every
# recovered state matches the clean run.
set -u
cd "$(dirname "$0")/.."

WINNOW=""
DATA=../shared/data/mask/prajnasb
KILLS=30
PER_CLASS=0
SEED=1
WORK=""
KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --winnow) WINNOW=$2; shift 2 ;;
    --data) DATA=$2; shift 2 ;;
    --kills) KILLS=$2; shift 2 ;;
    --per-class) PER_CLASS=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
if [ -z "$WINNOW" ]; then
  for candidate in build-robust/bin/winnow build/bin/winnow; do
    [ -x "$candidate" ] && WINNOW=$candidate && break
  done
fi
[ -x "$WINNOW" ] || { echo "no winnow binary (use --winnow)" >&2; exit 2; }
WINNOW=$(readlink -f "$WINNOW")
[ -d "$DATA" ] || { echo "no dataset at $DATA" >&2; exit 2; }
[ -n "$WORK" ] || WORK=$(mktemp -d /tmp/winnow-kill-loop.XXXXXX)
mkdir -p "$WORK"
WORK=$(readlink -f "$WORK")
[ "$KEEP" = 1 ] || trap 'rm -rf "$WORK"' EXIT
RANDOM=$SEED

# ---- input: the dataset, or its first N files per class ------------------------------------------
INPUT=$(readlink -f "$DATA")
if [ "$PER_CLASS" -gt 0 ]; then
  INPUT=$WORK/input
  for class_dir in "$(readlink -f "$DATA")"/*/; do
    class=$(basename "$class_dir")
    mkdir -p "$INPUT/$class"
    ls "$class_dir" | sort | head -n "$PER_CLASS" | while read -r f; do cp "$class_dir/$f" "$INPUT/$class/"; done
  done
fi
CLASS=$(ls "$INPUT" | sort | head -n 1)

# ---- HDF5 digest: every dataset and attribute by name with a hash of its raw data -----------------
# (byte comparison would fail on HDF5's object timestamps)
DIGEST=$WORK/h5digest
cat > "$WORK/h5digest.c" <<'EOF'
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
static unsigned long long fnv(const unsigned char* p, size_t n, unsigned long long h) {
  for (size_t i = 0; i < n; ++i) { h ^= p[i]; h *= 1099511628211ULL; }
  return h;
}
static herr_t attr(hid_t loc, const char* name, const H5A_info_t* info, void* path) {
  (void)info;
  hid_t a = H5Aopen(loc, name, H5P_DEFAULT), t = H5Aget_type(a), s = H5Aget_space(a);
  hid_t nt = H5Tget_native_type(t, H5T_DIR_ASCEND);
  size_t n = (size_t)H5Sget_simple_extent_npoints(s) * H5Tget_size(nt);
  unsigned long long h = 1469598103934665603ULL;
  if (H5Tis_variable_str(t) > 0) {
    char** v = calloc((size_t)H5Sget_simple_extent_npoints(s), sizeof(char*));
    H5Aread(a, nt, v);
    /* Text attributes are printed as they are, so the comparison can leave out what must differ. */
    printf("attr %s@%s text ", (const char*)path, name);
    for (hssize_t i = 0; i < H5Sget_simple_extent_npoints(s); ++i) if (v[i]) { for (char* c = v[i]; *c; ++c) putchar(*c == '\n' ? ' ' : *c); }
    putchar('\n');
    H5Dvlen_reclaim(nt, s, H5P_DEFAULT, v); free(v);
    H5Tclose(nt); H5Sclose(s); H5Tclose(t); H5Aclose(a);
    return 0;
  } else {
    unsigned char* b = malloc(n ? n : 1); H5Aread(a, nt, b); h = fnv(b, n, h); free(b);
  }
  printf("attr %s@%s %zu %016llx\n", (const char*)path, name, n, h);
  H5Tclose(nt); H5Sclose(s); H5Tclose(t); H5Aclose(a);
  return 0;
}
static herr_t visit(hid_t root, const char* name, const H5O_info_t* info, void* data) {
  (void)data;
  hid_t o = H5Oopen(root, name, H5P_DEFAULT);
  H5Aiterate2(o, H5_INDEX_NAME, H5_ITER_INC, NULL, attr, (void*)name);
  if (info->type == H5O_TYPE_DATASET) {
    hid_t t = H5Dget_type(o), s = H5Dget_space(o);
    unsigned long long h = 1469598103934665603ULL;
    hssize_t count = H5Sget_simple_extent_npoints(s);
    if (H5Tis_variable_str(t) > 0) {
      hid_t nt = H5Tget_native_type(t, H5T_DIR_ASCEND);
      char** v = calloc((size_t)count + 1, sizeof(char*));
      H5Dread(o, nt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
      for (hssize_t i = 0; i < count; ++i) if (v[i]) { for (char* c = v[i]; *c; ++c) h = fnv((unsigned char*)c, 1, h); h = fnv((const unsigned char*)"", 1, h); }
      H5Dvlen_reclaim(nt, s, H5P_DEFAULT, v); free(v); H5Tclose(nt);
    } else {
      size_t n = (size_t)count * H5Tget_size(t);
      unsigned char* b = malloc(n ? n : 1);
      H5Dread(o, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, b); h = fnv(b, n, h); free(b);
    }
    printf("dataset %s %lld %016llx\n", name, (long long)count, h);
    H5Sclose(s); H5Tclose(t);
  }
  H5Oclose(o);
  return 0;
}
int main(int argc, char** argv) {
  if (argc != 2) return 2;
  hid_t f = H5Fopen(argv[1], H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) return 1;
  H5Ovisit(f, H5_INDEX_NAME, H5_ITER_INC, visit, NULL);
  H5Fclose(f);
  return 0;
}
EOF
HDF5_CC=$(command -v h5cc || true)
if [ -n "$HDF5_CC" ] && (cd "$WORK" && "$HDF5_CC" -O1 -o "$DIGEST" h5digest.c) 2>"$WORK/h5digest.log"; then
  :
else
  DIGEST=""
  echo "note: h5cc not usable; the exported files are compared by size only" >&2
fi
export_digest() {  # $1 = exported file
  # The export's time and the project's and output's own paths are the only things that may differ.
  if [ -n "$DIGEST" ]; then "$DIGEST" "$1"; else stat -c %s "$1"; fi |
    grep -v '^attr \.@created_at ' |
    sed -e "s#$WORK/\(clean\|killed\)#RUN#g" -e 's/"exported_at":"[^"]*"/"exported_at":"T"/g'
}

# ---- the store's content, without times and run ids (they differ between runs by design) --------
store_digest() {  # $1 = project
  sqlite3 -readonly "$1/winnow.db" <<'EOF'
.mode list
.separator |
SELECT 'sample', id, content_hash, source_id, original_path, byte_size, width, height, channels, format,
       coalesce(label,'<null>'), split, status FROM samples ORDER BY id;
SELECT 'duplicate', sample_id, path, content_hash FROM duplicates ORDER BY path;
SELECT 'bad', path, reason FROM bad_files ORDER BY path;
SELECT 'decision', sample_id, field, coalesce(old_value,'<null>'), coalesce(new_value,'<null>'), actor,
       undone_at IS NOT NULL FROM decisions ORDER BY sample_id, field, coalesce(new_value,''), id;
EOF
  # Every other table that holds per-sample results (clusters, hashes, quality measures and flags),
  # whatever its columns: all columns except times and run ids, sorted.
  for table in $(sqlite3 -readonly "$1/winnow.db" "SELECT name FROM sqlite_master WHERE type='table' AND name NOT IN ('samples','duplicates','bad_files','decisions','runs','known_files','sources','sqlite_sequence') ORDER BY name"); do
    cols=$(sqlite3 -readonly "$1/winnow.db" "SELECT group_concat(quote(name),'||''|''||') FROM pragma_table_info('$table') WHERE name NOT LIKE '%_at' AND name NOT IN ('run_id','id','created','updated')")
    [ -n "$cols" ] && sqlite3 -readonly "$1/winnow.db" "SELECT '$table|' || $(echo "$cols" | sed "s/'\([a-z_0-9]*\)'/coalesce(\"\1\",'<null>')/g") FROM \"$table\"" | sort
  done
}

# ---- the five commands ----------------------------------------------------------------------------
STAGES="ingest dupes quality label export"
stage_command() {  # $1 = stage, $2 = project, $3 = export output
  case "$1" in
    ingest) echo "$WINNOW ingest $2 $INPUT --source mask" ;;
    dupes) echo "$WINNOW dupes $2" ;;
    quality) echo "$WINNOW quality $2" ;;
    label) echo "$WINNOW label $2 $CLASS $(seq 1 3 1500 | tr '\n' ' ')" ;;
    export) echo "$WINNOW export $2 --format hdf5 --output $3 -p image_size=64" ;;
  esac
}
# Exit codes that mean "finished": 0, and 3 (finished; some inputs were bad or ids unknown).
finished() { [ "$1" = 0 ] || [ "$1" = 3 ]; }

# ---- clean run: a snapshot of the project before each command, a digest after it -------------------
CLEAN=$WORK/clean
"$WINNOW" init "$CLEAN" >/dev/null || exit 1
declare -A SECONDS_OF
echo "clean run on $INPUT ($(find "$INPUT" -type f | wc -l) files), winnow $WINNOW"
for stage in $STAGES; do
  cp -a "$CLEAN" "$WORK/before_$stage"
  start=$(date +%s.%N)
  $(stage_command "$stage" "$CLEAN" "$WORK/clean.h5") >"$WORK/clean_$stage.log" 2>&1
  rc=$?
  finished "$rc" || { echo "clean $stage failed (exit $rc):"; tail -5 "$WORK/clean_$stage.log"; exit 1; }
  SECONDS_OF[$stage]=$(echo "$(date +%s.%N) - $start" | bc)
  store_digest "$CLEAN" >"$WORK/clean_$stage.store"
  printf '  %-8s %6.1f s, %d rows\n' "$stage" "${SECONDS_OF[$stage]}" "$(wc -l <"$WORK/clean_$stage.store")"
done
export_digest "$WORK/clean.h5" >"$WORK/clean.export"

# ---- kills ------------------------------------------------------------------------------------------------
KILLED=$WORK/killed
per_stage=$(( (KILLS + 4) / 5 ))
total_kills=0
attempts=0
check_failures=0
rerun_failures=0
mismatches=0
interrupted_shown=0
before_run=0
leftovers=0
for stage in $STAGES; do
  for ((k = 0; k < per_stage && total_kills < KILLS; ++k)); do
    for ((try = 0; try < 5; ++try)); do  # draw again when the command beat its kill time
      attempts=$((attempts + 1))
      rm -rf "$KILLED" "$WORK"/killed.h5*
      cp -a "$WORK/before_$stage" "$KILLED"
      fraction=$((RANDOM % 1000))
      delay=$(echo "scale=3; 0.05 + ${SECONDS_OF[$stage]} * $fraction / 1000" | bc)
      $(stage_command "$stage" "$KILLED" "$WORK/killed.h5") >"$WORK/killed_$stage.log" 2>&1 &
      pid=$!
      sleep "$delay"
      if kill -9 "$pid" 2>/dev/null; then
        wait "$pid" 2>/dev/null
        break
      fi
      wait "$pid" 2>/dev/null
      pid=""
    done
    [ -n "$pid" ] || { echo "$stage #$k: finished before every kill time"; continue; }
    total_kills=$((total_kills + 1))
    verdict=""
    if ! "$WINNOW" check "$KILLED" >"$WORK/check.log" 2>&1; then
      verdict="CHECK FAILED: $(head -3 "$WORK/check.log" | tr '\n' ' ')"
      check_failures=$((check_failures + 1))
    fi
    # The next command marks the killed run; a killed process's run never stays "running".
    runs_json=$("$WINNOW" runs "$KILLED" --limit 1000 --json)
    if echo "$runs_json" | grep -q '"outcome": "running"'; then
      verdict="$verdict RUN STILL SHOWN RUNNING"
    elif echo "$runs_json" | grep -q '"outcome": "interrupted"'; then
      interrupted_shown=$((interrupted_shown + 1))
    else
      before_run=$((before_run + 1))  # killed before it had recorded its run
    fi
    $(stage_command "$stage" "$KILLED" "$WORK/killed.h5") >"$WORK/rerun_$stage.log" 2>&1
    rc=$?
    if ! finished "$rc"; then
      verdict="$verdict RE-RUN FAILED (exit $rc: $(tail -2 "$WORK/rerun_$stage.log" | tr '\n' ' '))"
      rerun_failures=$((rerun_failures + 1))
    fi
    store_digest "$KILLED" >"$WORK/killed.store"
    differing=$(diff "$WORK/clean_$stage.store" "$WORK/killed.store" | grep -c '^[<>]')
    if [ "$stage" = export ]; then
      export_digest "$WORK/killed.h5" >"$WORK/killed.export" 2>/dev/null || echo missing >"$WORK/killed.export"
      differing=$((differing + $(diff "$WORK/clean.export" "$WORK/killed.export" | grep -c '^[<>]')))
      leftovers=$((leftovers + $(ls "$WORK" | grep -c '^killed\.h5\.\(tmp\|old\)-')))
    fi
    if [ "$differing" != 0 ]; then
      verdict="$verdict CONTENT DIFFERS ($differing lines)"
      mismatches=$((mismatches + 1))
      cp "$WORK/killed.store" "$WORK/mismatch_${stage}_$k.store"
    fi
    printf '%-8s #%-2d killed after %6.3f s: %s\n' "$stage" "$k" "$delay" "${verdict:-check ok, re-run ok, content = clean run}"
  done
done

echo
echo "kills: $total_kills in $attempts starts ($((attempts - total_kills)) finished before their kill time and were drawn again)"
echo "winnow check after each kill: $((total_kills - check_failures)) ok, $check_failures failed"
echo "killed runs shown 'interrupted' by the next command: $interrupted_shown of $total_kills ($before_run killed before recording a run)"
echo "re-runs to completion: $((total_kills - rerun_failures)) ok, $rerun_failures failed"
echo "recovered content vs clean run: $((total_kills - mismatches)) identical, $mismatches differ"
echo "temporary export files left beside the output after the re-run: $leftovers"
if [ "$check_failures" = 0 ] && [ "$rerun_failures" = 0 ] && [ "$mismatches" = 0 ] &&
   [ $((interrupted_shown + before_run)) = "$total_kills" ] && [ "$leftovers" = 0 ]; then
  echo "RESULT: PASS"
  exit 0
fi
echo "RESULT: FAIL"
exit 1
