#!/usr/bin/env bash
# Builds and runs every benchmark (release build in build/bench) and prints
# each result as a ratio against the baseline measured in the same run.
#   bench/run.sh [--repetitions N]    (default 5; the median is reported)
set -euo pipefail
cd "$(dirname "$0")/.."
reps=5
[[ ${1:-} == --repetitions ]] && reps=$2

cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DP2PSCOPE_BUILD_TESTS=OFF -DP2PSCOPE_BUILD_BENCH=ON >/dev/null
cmake --build build/bench -j "$(nproc)" --target codec_bench >/dev/null

out=$(mktemp)
trap 'rm -f "$out"' EXIT
build/bench/bench/codec_bench --benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true \
  --benchmark_format=json >"$out"

python3 - "$out" <<'PY'
import json, sys
rows = {b["run_name"]: b for b in json.load(open(sys.argv[1]))["benchmarks"] if b.get("aggregate_name") == "median"}
pairs = [("codec: KRPC get_peers response (8 nodes, 50 values)", "BM_DecodeKrpcGetPeers", "BM_BaselineBdecodeGetPeers"),
         ("codec: ut_pex (50 added with flags, 50 dropped)", "BM_DecodePex", "BM_BaselineBdecodePex")]
for label, ours, base in pairs:
    o, b = rows[ours]["real_time"], rows[base]["real_time"]
    print(f"{label}: {o:.0f} ns vs lt::bdecode {b:.0f} ns "
          f"= {o / b:.2f}x the baseline's time ({1e9 / o:,.0f} msg/s)")
PY
