#!/usr/bin/env bash
# CTest driver for fuzz-oss-build: runs fuzz/build.sh the way OSS-Fuzz and ClusterFuzzLite run
# it, then checks what it left in $OUT.
# usage: oss_build_check.sh DIR               build into DIR/{src,work,out}, then check DIR/out
#        oss_build_check.sh --check-only DIR  check DIR/out as it is
# The layout is the image's: $SRC/mqtt-harness is (a link to) this checkout, $SRC/build.sh is
# .clusterfuzzlite/build.sh, and it runs from $SRC/mqtt-harness with a clean environment. The
# flags are OSS-Fuzz's for SANITIZER=address less two parts: its -stdlib=libc++ (OSS-Fuzz builds
# against its own libc++, which Debian's clang-14 lacks here, so this is libstdc++) and its
# -Wno-error=... list (clang-14 does not know all of those warnings). -Werror stays on: clang-14
# is the project's compiler. Exit 0 pass, 1 fail, 77 clang-14 missing.
set -euo pipefail
check_only=0
if [[ "${1:-}" == "--check-only" ]]; then
  check_only=1
  shift
fi
dir=${1:?usage: oss_build_check.sh [--check-only] DIR}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# DIR is wiped before a build: never the checkout or one of its parents.
case "$root/" in
  "$(realpath -m "$dir")"/*) echo "oss_build_check.sh: refusing DIR $dir (holds the checkout)" >&2; exit 2 ;;
esac
out=$dir/out
targets=(fuzz-codec fuzz-client fuzz-broker)
failures=0

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# Runs .clusterfuzzlite/build.sh as the image runs it; the log is in DIR/build.log.
build() {
  if ! command -v clang-14 >/dev/null || ! command -v clang++-14 >/dev/null; then
    echo "SKIP: clang-14 is not installed (tools/bootstrap installs it)"
    exit 77
  fi
  rm -rf "$dir"
  mkdir -p "$dir/src" "$dir/work" "$out"
  ln -s "$root" "$dir/src/mqtt-harness"
  trap 'rm -f "$dir/src/mqtt-harness"' EXIT
  cp "$root/.clusterfuzzlite/build.sh" "$dir/src/build.sh"

  local flags="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION"
  flags+=" -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link"
  local keep=(PATH="$PATH") var
  for var in HOME TMPDIR $(compgen -v CCACHE_); do
    [[ -n "${!var:-}" ]] && keep+=("$var=${!var}")
  done
  local start=$SECONDS status=0
  (cd "$dir/src/mqtt-harness" &&
    env -i "${keep[@]}" \
      CC=clang-14 CXX=clang++-14 CFLAGS="$flags" CXXFLAGS="$flags" \
      LIB_FUZZING_ENGINE=-fsanitize=fuzzer SANITIZER=address FUZZING_ENGINE=libfuzzer \
      FUZZING_LANGUAGE=c++ ARCHITECTURE=x86_64 \
      SRC="$dir/src" WORK="$dir/work" OUT="$out" \
      MQTT_WARNINGS_AS_ERRORS=ON CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}" \
      bash -eux "$dir/src/build.sh") >"$dir/build.log" 2>&1 || status=$?
  if ((status != 0)); then
    tail -40 "$dir/build.log"
    echo "FAIL: build.sh exited $status; full log in $dir/build.log"
    exit 1
  fi
  echo "build.sh: $((SECONDS - start)) s"
}

# The seed corpus directory under fuzz/corpus/ of a target.
corpus_of() {
  echo "$root/fuzz/corpus/${1#fuzz-}"
}

# Binary, dictionary and options of one target.
check_files() {
  local target=$1
  [[ -f "$out/$target" && -x "$out/$target" ]] || { fail "$out/$target is missing or not executable"; return; }
  cmp -s "$out/$target.dict" "$root/fuzz/mqtt.dict" || fail "$out/$target.dict is missing or is not fuzz/mqtt.dict"
  grep -qx "dict = $target.dict" "$out/$target.options" 2>/dev/null ||
    fail "$out/$target.options is missing or does not name $target.dict"
  # The runner images have no libcrypto to lend: fuzz-broker links it statically.
  if readelf -d "$out/$target" | grep -E 'NEEDED.*lib(crypto|ssl)' >/dev/null; then
    fail "$target needs a shared libcrypto/libssl"
  fi
}

# The seed corpus zip: flat, and exactly the files of fuzz/corpus/<name>/, byte for byte.
check_zip() {
  local target=$1 zip=$out/${1}_seed_corpus.zip seeds=$2
  [[ -s "$zip" ]] || { fail "$zip is missing or empty"; return 1; }
  rm -rf "$seeds" && mkdir -p "$seeds"
  unzip -q "$zip" -d "$seeds" || { fail "$zip does not unzip"; return 1; }
  diff -r "$(corpus_of "$target")" "$seeds" >/dev/null ||
    { fail "$zip differs from fuzz/corpus/${target#fuzz-}/: $(diff -rq "$(corpus_of "$target")" "$seeds" | head -3)"; return 1; }
}

# One pass over the unzipped seeds with the dictionary, bounded in time; must exit 0.
check_run() {
  local target=$1 seeds=$2 run=$3 count
  count=$(find "$seeds" -type f | wc -l)
  mkdir -p "$run"
  local status=0
  (cd "$run" && "$out/$target" -runs="$count" -max_total_time=20 -timeout=10 -rss_limit_mb=2048 \
    -dict="$out/$target.dict" -artifact_prefix="$run/" "$seeds") >"$run/fuzzer.log" 2>&1 || status=$?
  if ((status != 0)); then
    tail -30 "$run/fuzzer.log"
    fail "$target -runs=$count over its seed corpus exited $status; log in $run/fuzzer.log"
  else
    echo "$target: $count seeds, $(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$run/fuzzer.log" || echo 'done')"
  fi
}

if ((check_only == 0)); then
  build
fi
[[ -d "$out" ]] || { echo "FAIL: $out does not exist"; exit 1; }
for target in "${targets[@]}"; do
  check_files "$target"
  if [[ -x "$out/$target" ]] && check_zip "$target" "$dir/check/$target/seeds"; then
    check_run "$target" "$dir/check/$target/seeds" "$dir/check/$target/run"
  fi
done
# OSS-Fuzz takes every executable in $OUT for a fuzz target: nothing else may be one.
for f in "$out"/*; do
  name=${f##*/}
  if [[ -f "$f" && -x "$f" && " ${targets[*]} " != *" $name "* ]]; then
    fail "$out/$name is executable but not a fuzz target"
  fi
done
if ((failures > 0)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "OK: ${targets[*]} in $out with seed corpora, dictionaries and options"
