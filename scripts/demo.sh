#!/usr/bin/env bash
# The main job. Builds p2pscope (release, build/release) and runs it.
#
# Until the lab (issue #3) and the crawler and probes (#4, #5) land, there is
# no swarm to crawl: the demo shows the command-line tool and what is built,
# namely the address classification and torrent-reference inspection that
# every later stage uses. It sends no packets.
set -euo pipefail
cd "$(dirname "$0")/.."

cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DP2PSCOPE_BUILD_TESTS=OFF >/dev/null
cmake --build build/release -j "$(nproc)" --target p2pscope
bin=build/release/cli/p2pscope

run() { echo; echo "\$ p2pscope $*"; "$bin" "$@"; }
run --version
run --help
# A peer list from a byte-order-buggy client: 4.3.2.1 is 1.2.3.4 reversed,
# 1.0.0.10 is the private 10.0.0.1 reversed.
run inspect ip 4.3.2.1 1.0.0.10 100.64.7.9 2001:db8::1 ::ffff:192.0.2.1
run inspect torrent "magnet:?xt=urn:btih:YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK&dn=demo&tr=udp%3A%2F%2Ftracker.lab%3A6969%2Fannounce"
echo
echo "demo: the lab, crawl, probe and diagnose stages are not built yet (issues #3-#5); see README."
