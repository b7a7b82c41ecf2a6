#!/usr/bin/env bash
# The main job: builds p2pscope (release, build/release) and runs
# `p2pscope demo` on the built-in lab. The demo brings up the lab (a private
# network namespace with three trackers, about 200 peers, 300 DHT nodes and
# the misbehaving actors), runs crawl --quick and probe inside it, then
# diagnose and blocklist, prints the breakdown, the worst sources and what
# became of each actor, and scores itself against the lab's ground truth;
# then the same on the eMule lab (emule-demo). It exits non-zero below the
# bar. Packets stay inside the labs' namespaces.
#
#   scripts/demo.sh                 # scenario small, seed 1
#   scripts/demo.sh --seed 2        # any further arguments go to p2pscope demo
set -euo pipefail
cd "$(dirname "$0")/.."

cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DP2PSCOPE_BUILD_TESTS=OFF >/dev/null
# The harness's reference client (its positive controls) is found next to p2pscope.
cmake --build build/release -j "$(nproc)" --target p2pscope p2pscope-reference-client

echo
echo "\$ p2pscope demo --out build/demo $*"
exec build/release/cli/p2pscope demo --out build/demo "$@"
