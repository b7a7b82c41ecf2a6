#!/usr/bin/env bash
# eDonkey and KAD records of `p2pscope passive` against tshark's `edonkey`
# dissector on a capture made in the lab (issue 25): the `emule-demo` lab
# (index servers, scripted eMule peers with source exchange, a KAD
# responder) is crawled once with `crawl --quick` while dumpcap records the
# lab's loopback; then every server UDP answer (GLOBFOUNDSOURCES) and every
# KAD search answer that tshark dissects must match the passive records
# source for source (file, address, port), and there must be as many source
# exchange answers as tshark sees. tshark reads a KAD address in the hybrid
# form and a server's in the ED2K form, as the records' `address` does. A
# GLOBFOUNDSOURCES datagram may hold several files' lists; tshark dissects
# the first, so the first list's record of each datagram is compared.
#
# Usage: ed2k_lab_capture_test.sh PATH/TO/p2pscope
# shellcheck source=tests/lab_test_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lab_test_common.sh"

"$bin" lab up --scenario emule-demo --state-dir "$state" >"$work/up.txt" 2>&1 || { cat "$work/up.txt"; exit 1; }
inputs=$(sed -n 's/^eMule inputs: //p' "$work/up.txt")
crawler=$(sed -n 's/^free addresses for tools run inside: //p' "$work/up.txt" | awk '{print $1}')
[[ -n $inputs && -n $crawler ]] || { echo "FAIL: cannot read lab up's output:"; cat "$work/up.txt"; exit 1; }

cat >"$work/inside.sh" <<'SH'
set -u
bin=$1 work=$2 crawler=$3; shift 3
dumpcap -q -i lo -w "$work/cap.pcapng" >"$work/dumpcap.txt" 2>&1 &
pid=$!
for _ in $(seq 50); do [[ -s $work/cap.pcapng ]] && break; sleep 0.1; done
"$bin" crawl --quick --bind "$crawler" -o "$work/crawl.jsonl" "$@" 2>"$work/crawl.txt" || { cat "$work/crawl.txt"; kill $pid; exit 1; }
sleep 1
kill -INT $pid
wait $pid
SH
# shellcheck disable=SC2086
"$bin" lab exec --state-dir "$state" -- bash "$work/inside.sh" "$bin" "$work" "$crawler" $inputs || { echo "FAIL: crawl or capture"; cat "$work/dumpcap.txt"; exit 1; }
"$bin" passive -o "$work/passive.jsonl" "$work/cap.pcapng" 2>"$work/passive.txt" || { cat "$work/passive.txt"; exit 1; }

decode=(-d tcp.port==4661,edonkey -d tcp.port==4662,edonkey -d udp.port==4665,edonkey -d udp.port==4672,edonkey
        -d udp.port==4673,edonkey)
tshark -r "$work/cap.pcapng" "${decode[@]}" -Y 'edonkey.message.type == 0x9b' -T fields -E separator='|' \
  -e ip.src -e edonkey.file_hash -e edonkey.ip -e edonkey.port >"$work/server_udp.txt" 2>/dev/null
tshark -r "$work/cap.pcapng" "${decode[@]}" -Y 'edonkey.message.type == 0x3b' -T fields -E separator='|' \
  -e ip.src -e edonkey.kademlia.target.id -e edonkey.kademlia.tag.value.ipv4 -e edonkey.kademlia.tag.value.uint16 \
  >"$work/kad.txt" 2>/dev/null
sx_frames=$(tshark -r "$work/cap.pcapng" "${decode[@]}" -Y 'edonkey.message.type == 0x84 || edonkey.message.type == 0x82' \
  -T fields -e edonkey.message.type 2>/dev/null | tr ',' '\n' | grep -cE '^0x8[24]$')

python3 - "$work" "$sx_frames" <<'PY'
import collections, json, sys
work, sx_frames = sys.argv[1], int(sys.argv[2])
def ed2k_form(i): return ".".join(str((i >> s) & 255) for s in (0, 8, 16, 24))
def hybrid_form(i): return ".".join(str((i >> s) & 255) for s in (24, 16, 8, 0))
ours = {"server_udp": collections.Counter(), "kad": collections.Counter()}
sx = 0
first_lists = set()
for line in open(f"{work}/passive.jsonl"):
    r = json.loads(line)
    if r["type"] != "passive_ed2k_sources":
        continue
    if r["route"] == "sx":
        sx += 1
        continue
    if r["route"] not in ours:
        continue
    if r["route"] == "server_udp":
        if (r["t"], r["from"]) in first_lists:
            continue
        first_lists.add((r["t"], r["from"]))
    read = ed2k_form if r["form"] == "ed2k" else hybrid_form
    for s in r["sources"]:
        assert s.get("address", read(s["id"])) == read(s["id"])
        ours[r["route"]][(r["from"].split(":")[0], r["file"], read(s["id"]), s["port"])] += 1
theirs = {"server_udp": collections.Counter(), "kad": collections.Counter()}
for line in open(f"{work}/server_udp.txt"):
    src, files, ips, ports = line.rstrip("\n").split("|")
    for ip, port in zip(ips.split(","), ports.split(",")):
        theirs["server_udp"][(src, files.split(",")[0], ip, int(port))] += 1
for line in open(f"{work}/kad.txt"):
    src, target, ips, ports = line.rstrip("\n").split("|")
    tcp_ports = [int(p) for p in ports.split(",")][0::2] if ports else []
    for ip, port in zip(ips.split(",") if ips else [], tcp_ports):
        theirs["kad"][(src, target.lower(), ip, port)] += 1
ok = True
for route in ("server_udp", "kad"):
    a, b = ours[route], theirs[route]
    if not b:
        print(f"FAIL: tshark saw no {route} sources in the capture"); ok = False
    elif a != b:
        print(f"FAIL: {route}: {sum(a.values())} sources in the records, {sum(b.values())} from tshark;"
              f" only ours: {list((a - b).items())[:5]} only tshark's: {list((b - a).items())[:5]}"); ok = False
    else:
        print(f"{route}: {sum(a.values())} sources in {route} answers match tshark field for field")
if sx != sx_frames or sx == 0:
    print(f"FAIL: {sx} source exchange records, {sx_frames} answers tshark sees"); ok = False
else:
    print(f"source exchange: {sx} answers, as tshark counts them")
sys.exit(0 if ok else 1)
PY
