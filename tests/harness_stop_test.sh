#!/usr/bin/env bash
# Issue 23: SIGTERM (as `timeout` sends it) and Ctrl-C stop a harness run
# within seconds: every client stopped, every sandbox torn down, the report
# written with what was captured, and no process left behind.
# Usage: harness_stop_test.sh PATH/TO/p2pscope PATH/TO/p2pscope-reference-client
set -u
bin=$1
ref=$2
tmp=$(mktemp -d)
trap '[ "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
source "$(dirname "$0")/expect.sh"

# One real client and the positive control, side by side; each would run
# for 75-100 s. TERM after 15 s, KILL only if it is still there 20 s later.
# -o is relative, as a user types it: the clients run in their profile
# directories, and once every one of them failed at once on such a path.
start=$(date +%s)
(cd "$tmp" && exec timeout -k 20 15 "$bin" harness --client transmission --control reverse-pex -j 2 \
  --reference "$ref" -o out >"$tmp/stdout" 2>"$tmp/stderr")
rc=$?
took=$(( $(date +%s) - start ))
[ "$rc" -eq 124 ] || fail_check "expected timeout's 124 (TERM obeyed), got $rc: $(tail -5 "$tmp/stderr")"
[ "$took" -le 27 ] || fail_check "the harness took $took s to stop after SIGTERM at 15 s"
grep -q "interrupted; the report covers 2 run(s)" "$tmp/stderr" || fail_check "no interrupted summary: $(tail -5 "$tmp/stderr")"
for client in transmission reference-reverse-pex; do
  grep -q "\"client\": \"$client\"" "$tmp/out/report.json" || fail_check "report.json lacks $client"
done
[ "$(grep -c '"interrupted": true' "$tmp/out/report.json")" -eq 2 ] || fail_check "both runs should say interrupted"
if grep -q "exited with status" "$tmp/out/report.json"; then
  fail_check "a client did not start: $(grep -o '"error": "[^"]*"' "$tmp/out/report.json")"
fi
grep -q "interrupted: the window was cut short" "$tmp/out/report.txt" || fail_check "report.txt does not say interrupted"
sleep 1
if pgrep -f "$tmp/out" >/dev/null; then
  fail_check "processes left behind: $(pgrep -af "$tmp/out")"
  pkill -9 -f "$tmp/out"
fi
finish harness_stop
