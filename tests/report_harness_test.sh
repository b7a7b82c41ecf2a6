#!/usr/bin/env bash
# Issue 27's acceptance for a harness run: `p2pscope harness` runs a real
# client (Transmission), the reference client and its reverse-pex positive
# control; `p2pscope passive --honeynet` reads the synthetic honeynet
# capture; `p2pscope report` draws both on one page, and headless Chromium
# (in a network namespace of its own) opens it: no console message, no
# request, and the numbers on the page equal report.json and the event
# records (tests/report_browser_test.py harness).
#   report_harness_test.sh P2PSCOPE REFERENCE_CLIENT SYNTHETIC_DIR OUT_DIR
set -uo pipefail
bin=$1 ref=$2 syn=$3 dir=$4
source "$(dirname "$0")/expect.sh"
# A failed step ends the test: the next would only fail for want of its input.
stop() { fail_check "$@"; finish report.harness; }
rm -rf "$dir"
mkdir -p "$dir"

"$bin" passive --honeynet 198.51.100.0/24 --no-messages -o "$dir/events.jsonl" "$syn/honeynet.pcap" 2>"$dir/passive.log" ||
  stop "passive: $(tail -3 "$dir/passive.log")"
# Exit status 1: the control creates bogus peers, as it must.
"$bin" harness --client reference --client transmission --control reverse-pex -j 3 --reference "$ref" \
  -o "$dir/harness" >"$dir/harness.log" 2>&1
rc=$?
[ "$rc" -eq 1 ] || stop "harness exited $rc, expected 1 (the control's bogus peers): $(tail -5 "$dir/harness.log")"
"$bin" report --harness "$dir/harness/report.json" "$dir/events.jsonl" --title "p2pscope harness run" \
  -o "$dir/report.html" 2>"$dir/report.log" || stop "report: $(cat "$dir/report.log")"
grep -q "4 honeynet events, 3 harness client runs" "$dir/report.log" || stop "report read: $(cat "$dir/report.log")"
unshare --net sh -c 'ip link set lo up && exec python3 "$1" harness "$2"' sh \
  "$(dirname "$0")/report_browser_test.py" "$dir" || stop "the page in Chromium"
finish report.harness
