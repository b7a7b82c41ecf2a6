#!/usr/bin/env bash
# The whole test suite: one clang build with AddressSanitizer and
# UndefinedBehaviorSanitizer (fuzz targets included), every ctest test, then
# every fuzz target for a bounded time. Exits non-zero on any failure.
#
#   scripts/test.sh                 # FUZZ_SECONDS=30 per target by default
#   FUZZ_SECONDS=0 scripts/test.sh  # skip the timed fuzzing (corpus replay still runs in ctest)
#
# Build directory: build/asan (reused between runs; ccache speeds rebuilds).
set -euo pipefail
cd "$(dirname "$0")/.."

build=build/asan
jobs=$(nproc)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}

CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DP2PSCOPE_BUILD_TESTS=ON -DP2PSCOPE_SANITIZE=ON -DP2PSCOPE_BUILD_FUZZERS=ON -DP2PSCOPE_BUILD_BENCH=ON >/dev/null
cmake --build "$build" -j "$jobs"

# Twice the cores: every test but the harness's takes 2 slots (PROCESSORS in
# CMakeLists.txt), so the harness's, which mostly wait on real clients, fill
# the gaps.
ctest --test-dir "$build" -j "$((jobs * 2))" --output-on-failure --timeout 600

if [[ "${FUZZ_SECONDS:-30}" != 0 ]]; then
  scripts/fuzz.sh --build "$build" --seconds "${FUZZ_SECONDS:-30}"
fi
