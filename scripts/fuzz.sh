#!/usr/bin/env bash
# Runs every libFuzzer target, bounded by time or by run count, starting from
# its seed corpus in tests/corpus/<target>. New corpus entries go to a scratch
# directory, so the repository's corpus is never modified.
#
#   scripts/fuzz.sh [--build DIR] [--seconds N | --runs N] [TARGET...]
#
# Prints one line per target with its execution count; exits non-zero if any
# target crashes, leaks or violates a property (the crashing input is kept in
# the scratch directory and its path printed).
set -euo pipefail
cd "$(dirname "$0")/.."

build=build/asan
limit=(-max_total_time=30)
targets=()
while (($#)); do
  case $1 in
    --build) build=$2; shift 2 ;;
    --seconds) limit=(-max_total_time="$2"); shift 2 ;;
    --runs) limit=(-runs="$2"); shift 2 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if ((${#targets[@]} == 0)); then
  mapfile -t targets < <(cd tests/corpus && ls -d fuzz_* | sort)
fi

[[ -f $build/CMakeCache.txt ]] || { echo "fuzz.sh: no build in $build (run scripts/test.sh first)" >&2; exit 2; }
cmake --build "$build" --target "${targets[@]}" >/dev/null  # never fuzz stale binaries

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
scratch=$(mktemp -d "${TMPDIR:-/tmp}/p2pscope-fuzz.XXXXXX")
status=0
for t in "${targets[@]}"; do
  bin=$build/tests/fuzz/$t
  [[ -x $bin ]] || { echo "fuzz.sh: $bin not built (configure with -DP2PSCOPE_BUILD_FUZZERS=ON)" >&2; exit 2; }
  mkdir -p "$scratch/$t/corpus" "$scratch/$t/artifacts"
  log=$scratch/$t/log
  if "$bin" "${limit[@]}" -rss_limit_mb=2048 -timeout=10 -max_len=65536 -print_final_stats=1 \
       -artifact_prefix="$scratch/$t/artifacts/" "$scratch/$t/corpus" "tests/corpus/$t" >"$log" 2>&1; then
    runs=$(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    echo "fuzz $t: ok, $runs executions"
  else
    echo "fuzz $t: FAILED; log $log, artifacts in $scratch/$t/artifacts"
    tail -30 "$log"
    status=1
  fi
done
if ((status == 0)); then rm -rf "$scratch"; fi
exit $status
