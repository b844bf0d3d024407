#!/usr/bin/env bash
# The OSS-Fuzz / ClusterFuzzLite build script: builds fuzz-codec, fuzz-client and fuzz-broker
# with the compiler, flags and fuzzing engine those services hand over, and puts each binary in
# $OUT with its seed corpus (<target>_seed_corpus.zip), dictionary (<target>.dict) and options.
#
# Environment, as OSS-Fuzz defines it:
#   CXX, CXXFLAGS       compiler and flags, sanitizer flags included (none are added here)
#   CC, CFLAGS          left to CMake; the project compiles no C
#   LIB_FUZZING_ENGINE  link flags or archive of the engine (-fsanitize=fuzzer for libFuzzer)
#   SRC                 where the checkout lives ($SRC/mqtt-harness); the sources are found
#                       from this script's path, so any checkout works
#   WORK                scratch space: the CMake build tree is $WORK/mqtt-harness-build
#   OUT                 where the fuzz targets and their files go
# MQTT_WARNINGS_AS_ERRORS=ON keeps -Werror (off by default: a newer clang than the project's
# may warn where clang-14 does not, and that must not stop the fuzzing).
set -euo pipefail

: "${CXX:?CXX is not set (OSS-Fuzz: clang++)}"
: "${LIB_FUZZING_ENGINE:?LIB_FUZZING_ENGINE is not set (libFuzzer: -fsanitize=fuzzer)}"
: "${OUT:?OUT is not set}"
: "${WORK:?WORK is not set}"
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$WORK/mqtt-harness-build
targets=(fuzz-codec fuzz-client fuzz-broker)

# The seed corpus directory under fuzz/corpus/ of each target.
corpus_name() {
  echo "${1#fuzz-}"
}

generator=()
if command -v ninja >/dev/null; then
  generator=(-G Ninja)
fi

# No CMAKE_BUILD_TYPE: the optimisation and debug flags are the ones in CXXFLAGS. libcrypto
# (SCRAM in fuzz-broker) is linked statically, since the image that runs the fuzzers may lack
# the shared library.
mkdir -p "$WORK" "$OUT"
cmake -S "$root" -B "$build" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE= \
  -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_CXX_FLAGS="${CXXFLAGS:-}" \
  -DMQTT_FUZZING_ENGINE="$LIB_FUZZING_ENGINE" \
  -DMQTT_BUILD_FUZZ=ON \
  -DMQTT_FUZZ_SMOKE=OFF \
  -DMQTT_BUILD_TESTS=OFF \
  -DMQTT_BUILD_BENCH=OFF \
  -DMQTT_BUILD_TOOLS=OFF \
  -DMQTT_BUILD_PLANTED_BROKER=OFF \
  -DMQTT_WARNINGS_AS_ERRORS="${MQTT_WARNINGS_AS_ERRORS:-OFF}" \
  -DOPENSSL_USE_STATIC_LIBS=TRUE
cmake --build "$build" --parallel "${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" --target "${targets[@]}"

for target in "${targets[@]}"; do
  cp "$build/bin/$target" "$OUT/$target"
  cp "$root/fuzz/mqtt.dict" "$OUT/$target.dict"
  printf '[libfuzzer]\ndict = %s.dict\n' "$target" >"$OUT/$target.options"
  # zip adds to an archive that exists: start afresh, so seeds removed from the sources go.
  zip_file=$OUT/${target}_seed_corpus.zip
  rm -f "$zip_file"
  (cd "$root/fuzz/corpus/$(corpus_name "$target")" && zip -q -X -j "$zip_file" -- *)
done
