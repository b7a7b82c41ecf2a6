#!/usr/bin/env bash
# Live capture (`p2pscope passive --interface`) on the loopback of a network
# namespace this script creates, so every packet it sends stays inside it.
# Usage: live_capture_test.sh PATH/TO/p2pscope
set -u
if [[ ${P2PSCOPE_IN_NETNS:-} != 1 ]]; then
  exec env P2PSCOPE_IN_NETNS=1 unshare --user --map-root-user --net -- "$0" "$@"
fi
bin=$1
ip link set lo up
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# krpc PORT: one get_peers query from 127.0.0.1:6881 to 127.0.0.1:PORT.
krpc() {
  python3 - "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 6881))
s.sendto(b"d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz123456e1:q9:get_peers1:t2:aa1:y1:qe",
         ("127.0.0.1", int(sys.argv[1])))
PY
}
# start NAME ARGS...: runs a capture in the background; returns once it listens.
start() {
  local name=$1; shift
  "$bin" passive -i lo -o "$tmp/$name.jsonl" "$@" 2>"$tmp/$name.err" &
  pid=$!
  for _ in $(seq 100); do grep -q "capturing on lo" "$tmp/$name.err" && return; sleep 0.05; done
  fail "$name: capture did not start"; cat "$tmp/$name.err"
}

# Ctrl-C ends the capture cleanly; records were streamed before it.
start interrupt
krpc 6882
sleep 1.5
grep -q '"method":"get_peers"' "$tmp/interrupt.jsonl" || fail "interrupt: record not written while capturing"
kill -INT "$pid"; wait "$pid"; rc=$?
[[ $rc == 0 ]] || fail "interrupt: exit $rc, want 0"
grep -q "captured [1-9][0-9]* frames" "$tmp/interrupt.err" || fail "interrupt: no capture summary"
grep -q '"info_hash":"6d6e6f707172737475767778797a313233343536"' "$tmp/interrupt.jsonl" || fail "interrupt: info hash"

# --count ends it by itself; --filter keeps the recognisers from the query.
start filtered --count 1 --filter "udp port 7000"
krpc 6882
krpc 7000
wait "$pid"; rc=$?
[[ $rc == 0 ]] || fail "count: exit $rc, want 0"
grep -q '"to":"127.0.0.1:6882"' "$tmp/filtered.jsonl" && fail "filter: the query to 6882 was not filtered out"
grep -q '"to":"127.0.0.1:7000"' "$tmp/filtered.jsonl" || fail "filter: the query to 7000 is missing"
grep -q "captured 1 frames" "$tmp/filtered.err" || fail "count: want exactly 1 frame"

# --duration ends a quiet capture.
SECONDS=0
"$bin" passive -i lo --duration 1 -o "$tmp/quiet.jsonl" 2>"$tmp/quiet.err" || fail "duration: exit $?"
((SECONDS <= 5)) || fail "duration: a 1 s capture took ${SECONDS} s"

# Errors: an unknown interface and a filter libpcap cannot compile.
out=$("$bin" passive -i no-such-if0 2>&1); rc=$?
[[ $rc == 1 && $out == *"cannot capture on no-such-if0"* ]] || fail "unknown interface: exit $rc: $out"
out=$("$bin" passive -i lo --filter "port ninety" 2>&1); rc=$?
[[ $rc == 1 && $out == *"bad --filter"* ]] || fail "bad filter: exit $rc: $out"

if ((failures)); then echo "$failures failure(s)"; exit 1; fi
echo "live capture: all checks passed"
