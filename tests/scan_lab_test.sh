#!/usr/bin/env bash
# Scan labelling on a capture of the real lab (issue 7): `p2pscope passive
# --scan-label` captures inside the `small` lab while `p2pscope crawl
# --quick` works the swarm (a BitTorrent host that dials hundreds of bogus
# peers the trackers, the DHT and PEX handed it) and four scanners run from
# addresses of their own: horizontal, vertical, a block scan, and a
# horizontal scan of dead space. The BitTorrent hosts the unsuppressed
# detector flags must drop by at least 90% with suppression, and every
# scanner must still be flagged.
#
# The internet's dead space is made visible inside the lab: a default route
# into a veth pair whose both ends are in the lab's namespace, so a SYN to an
# address no lab party holds goes out on the veth and is never answered (a
# timeout, as on the internet) instead of failing in connect(). No packet
# leaves the namespace.
#
# Usage: scan_lab_test.sh PATH/TO/p2pscope
# shellcheck source=tests/lab_test_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lab_test_common.sh"

"$bin" lab up --scenario small --state-dir "$state" >"$work/up.txt" 2>&1 || { cat "$work/up.txt"; exit 1; }
truth=$(awk '/^ground truth:/ {print $3}' "$work/up.txt")
torrent=$(awk '/^info hash:/ {print $4; exit}' "$work/up.txt")
read -r -a clients <<<"$(sed -n 's/^free addresses for tools run inside: //p' "$work/up.txt")"
bootstrap=$(sed -n 's/^DHT: .* e\.g\. //p' "$work/up.txt")
if [[ -z $truth || -z $torrent || ${#clients[@]} -lt 5 || -z $bootstrap ]]; then
  echo "FAIL: cannot read lab up's output (need 5 free addresses):"; cat "$work/up.txt"; exit 1
fi
crawler=${clients[0]}
scanners=("${clients[@]:1:4}")

cat >"$work/scan.py" <<'PY'
# scan.py SRC KIND TRUTH: one scan from SRC, non-blocking connects, then
# give the answers a second and leave what is unanswered open.
import ipaddress, json, random, socket, sys, time
src, kind, truth = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
live = sorted({a["ip"] for a in truth["addresses"]
               if a["role"] in ("seed", "leecher", "dht_node", "tracker") and ":" not in a["ip"]})
taken = {a["ip"] for a in truth["addresses"]}
rng = random.Random(kind)
if kind == "horizontal":
    targets = [(ip, 22) for ip in rng.sample(live, 40)]
elif kind == "vertical":
    targets = [(live[0], port) for port in range(1000, 1040)]
elif kind == "block":
    targets = [(ip, port) for ip in rng.sample(live, 30) for port in (21, 23, 80, 443, 3389)]
else:  # dead space: addresses no lab party holds, answered by nobody
    dead = []
    while len(dead) < 40:
        ip = str(ipaddress.IPv4Address(rng.randrange(1 << 24, 223 << 24)))
        if ip not in taken and ipaddress.IPv4Address(ip).is_global:
            dead.append(ip)
    targets = [(ip, 445) for ip in dead]
socks = []
for ip, port in targets:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    s.bind((src, 0))
    s.connect_ex((ip, port))
    socks.append(s)
    time.sleep(0.02)
time.sleep(1)
PY

cat >"$work/inside.sh" <<'SH'
set -u
bin=$1 work=$2 truth=$3 torrent=$4 bootstrap=$5 crawler=$6; shift 6
# Nothing forwards what reaches the far end: the lab's namespace routes nothing on.
[[ $(cat /proc/sys/net/ipv4/ip_forward) == 0 ]] || { echo "ip_forward is on in the lab"; exit 1; }
ip link add p2ps-sink0 type veth peer name p2ps-sink1 || exit 1
ip link set p2ps-sink0 up && ip link set p2ps-sink1 up || exit 1
mac=$(ip -br link show p2ps-sink1 | awk '{print $3}')
ip neigh add 169.254.77.2 lladdr "$mac" dev p2ps-sink0 nud permanent || exit 1
ip route add default via 169.254.77.2 dev p2ps-sink0 onlink || exit 1
"$bin" passive -i any --scan-label --no-messages --duration 90 -o "$work/scans.jsonl" 2>"$work/capture.err" &
capture=$!
for _ in $(seq 100); do grep -q "capturing on any" "$work/capture.err" && break; sleep 0.1; done
"$bin" crawl --quick --bind "$crawler" --bootstrap "$bootstrap" -o "$work/crawl.jsonl" "$torrent" 2>"$work/crawl.err" &
crawl=$!
kinds=(horizontal vertical block dead)
for i in 0 1 2 3; do python3 "$work/scan.py" "$1" "${kinds[$i]}" "$truth" & shift; done
crawl_rc=0
wait "$crawl" || crawl_rc=$?
kill -INT "$capture"; wait "$capture" || { echo "the capture failed:"; cat "$work/capture.err"; exit 1; }
# The crawl is the traffic suppression must recognise: without it the check proves nothing.
if ((crawl_rc != 0)); then echo "the crawl failed ($crawl_rc):"; cat "$work/crawl.err"; exit 1; fi
SH

"$bin" lab exec --state-dir "$state" -- bash "$work/inside.sh" "$bin" "$work" "$truth" "$torrent" "$bootstrap" \
  "$crawler" "${scanners[@]}" || { echo "FAIL: the run inside the lab failed"; cat "$work/capture.err"; exit 1; }

python3 - "$work/scans.jsonl" "$crawler" "${scanners[@]}" <<'PY'
import json, sys
records = [json.loads(l) for l in open(sys.argv[1])]
hosts = {r["host"]: r for r in records if r["type"] == "passive_scan_host"}
crawler, scanners = sys.argv[2], sys.argv[3:]
kinds = dict(zip(scanners, ["horizontal", "vertical", "block", "dead space"]))
bt = {h: r for h, r in hosts.items() if h not in scanners}
flagged = [h for h, r in bt.items() if r["alarm_unsuppressed"]]
still = [h for h in flagged if bt[h]["alarm_suppressed"]]
failures = 0
def fail(msg):
    global failures
    failures += 1
    print("FAIL:", msg)
print(f"scan labelling in the lab: {len(hosts)} hosts made attempts; BitTorrent hosts flagged unsuppressed "
      f"{len(flagged)}, suppressed {len(still)}")
for h in sorted(flagged):
    r = bt[h]
    print(f"  {h}{' (the crawler)' if h == crawler else ''}: {r['failed']} failed, {r['failed_predicted']} predicted, "
          f"ppr {r['ppr']:.2f}, unsuppressed {r['alarm_unsuppressed']}, suppressed {r['alarm_suppressed']}")
for s in scanners:
    r = hosts.get(s)
    print(f"  scanner {s} ({kinds[s]}): " + (f"{r['failed']} failed, alarms {r['alarm_unsuppressed']} / {r['alarm_suppressed']}" if r else "no attempts seen"))
    if not r or not r["alarm_suppressed"]:
        fail(f"scanner {s} ({kinds[s]}) missed by the suppressed detector")
if crawler not in flagged:
    fail("the crawler, which dials the lab's bogus peers, was not flagged unsuppressed: the drop would mean nothing")
if len(still) > 0.1 * len(flagged):
    fail(f"{len(still)} of {len(flagged)} flagged BitTorrent hosts are still flagged with suppression (at most 10%)")
sys.exit(1 if failures else 0)
PY
