#!/usr/bin/env bash
# winnow set-up: installs every dependency (Debian 12 packages), builds, then
#   scripts/setup.sh demo   runs the main job (the demo pipeline on the built-in sample data)
#   scripts/setup.sh test   runs the whole test suite (and again under ASan+UBSan)
# Run as root (or with sudo available) from anywhere inside the checkout.
set -euo pipefail

mode=${1:-demo}
case "$mode" in demo|test) ;; *) echo "usage: $0 demo|test" >&2; exit 2 ;; esac
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libopencv-dev libhdf5-dev libboost-dev libboost-program-options-dev libboost-filesystem-dev
  nlohmann-json3-dev libvalijson-dev libheif-dev libheif-examples libexif-dev libxxhash-dev
  libsqlite3-dev sqlite3 libcsv-dev googletest libgtest-dev python3 python3-h5py python3-numpy
  libjpeg-turbo-progs libjpeg-dev libpng-dev libgif-dev opencv-data libtorch-dev libgloo-dev libfaiss-dev libopenblas0-pthread python3-opencv python3-torchvision
  libimgui-dev libglfw3-dev libgl-dev libgl1-mesa-dri libglx-mesa0 xvfb xauth ccache
  clang-14 libclang-rt-14-dev  # scripts/fuzz.sh: clang with libFuzzer
  libcairo2-dev fonts-dejavu-core libspdlog-dev
)
# Node.js runs face-api, whose weights winnow's LibTorch ports load and which is the reference in
# the parity test and benchmarks. Any node >= 18 will do; Debian's is installed only if none is.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${#missing[@]} Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# @vladmandic/face-api and its TF.js runtime, versions pinned by scripts/faceapi-deps/package-lock.json.
deps="$root/.devdeps/faceapi"
if ! cmp -s "$root/scripts/faceapi-deps/package-lock.json" "$deps/package-lock.json" ||
   [ ! -d "$deps/node_modules/@vladmandic/face-api/model" ]; then
  echo "== installing face-api (npm) into $deps"
  mkdir -p "$deps"
  cp "$root/scripts/faceapi-deps/package.json" "$root/scripts/faceapi-deps/package-lock.json" "$deps/"
  (cd "$deps" && npm ci --no-audit --no-fund --loglevel=error)
fi

jobs=$(nproc)
build=${WINNOW_BUILD_DIR:-$root/build}
echo "== building winnow in $build"
# -O2 without debug info: LibTorch-heavy files compile about 30% faster without -g (35.6 s vs
# 25.5 s for the trainer), which keeps the set-up and CI short; configure RelWithDebInfo to debug.
# ccache: a rebuild after a small change (CI on the same machine, a second set-up) recompiles only
# what changed; the LibTorch-heavy files dominate a cold build.
launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
  # Paths under the checkout are hashed relative to it, so a fresh clone elsewhere (CI) hits.
  export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
fi
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" \
  -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" >/dev/null
cmake --build "$build" -j"$jobs"

if [ "$mode" = demo ]; then
  exec bash "$root/scripts/demo.sh" "$build"
fi

echo "== running the test suite"
ctest --test-dir "$build" --output-on-failure -j"$jobs" --timeout 900

if [ "${WINNOW_SKIP_SANITIZERS:-0}" != 1 ]; then
  asan=${build}-asan
  # The sanitizer build is the curation workbench without LibTorch (WINNOW_WITH_TORCH=OFF): core,
  # the CLI, the workbench and the OpenCV/HDF5 plugins, with every test that does not need the
  # faceapi or model_torch plugin. LibTorch's headers made its LibTorch half cost more than the rest
  # of the build together (docs/reliability.md, "What the sanitizers cover"); the LibTorch code
  # that reads untrusted bytes (the HDF5 dataset and .pth readers) is fuzzed under ASan+UBSan below.
  # WINNOW_SANITIZE_TORCH=1 sanitizes the LibTorch half too.
  torch_flag=OFF
  [ "${WINNOW_SANITIZE_TORCH:-0}" = 1 ] && torch_flag=ON
  echo "== building and testing again under ASan+UBSan in $asan (LibTorch parts: $torch_flag)"
  cmake -S "$root" -B "$asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug "${launcher[@]}" -DWINNOW_SANITIZE=ON \
    -DWINNOW_BUILD_BENCH=OFF -DWINNOW_WITH_TORCH=$torch_flag >/dev/null
  cmake --build "$asan" -j"$jobs"
  # intercept_tls_get_addr=0: LeakSanitizer reads every thread's dynamic TLS at exit, and after
  # `winnow train` (LibTorch's thread pool, libraries opened with dlopen) one thread's DTLS entry
  # is stale: the tracer itself crashed on it every time ("Tracer caught signal 11", "DTLS ... at
  # 0x00040000246e-0x002800003570" with verbosity=1). Without the interception LSan skips dynamic
  # TLS; the test stays clean of leak reports.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:intercept_tls_get_addr=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    LSAN_OPTIONS=suppressions=$root/scripts/lsan.supp \
    ctest --test-dir "$asan" --output-on-failure -j"$jobs" --timeout 1800 --repeat until-pass:2 \
      -E 'FaceApiParity|TrainingRealData|PlantedLabelNoise'  # with WINNOW_SANITIZE_TORCH=1: Node's side; real-data training and the celeb24 noise measure (their code paths run in Training.* and MislabelFinder.*)
  # --repeat until-pass:2: LeakSanitizer's tracer itself sometimes crashes at exit on a loaded
  # machine ("Tracer caught signal 11" after the test passed); a real ASan/UBSan error repeats.
fi

# libFuzzer targets (fuzz/), 10 s each from their seed corpora (regression inputs included);
# fails on any crash or leak. Long runs: scripts/fuzz.sh 1800 (docs/reliability.md#fuzzing).
if [ "${WINNOW_SKIP_FUZZ:-0}" != 1 ]; then
  echo "== fuzzing (scripts/fuzz.sh 10; WINNOW_SKIP_FUZZ=1 skips)"
  bash "$root/scripts/fuzz.sh" 10
fi
