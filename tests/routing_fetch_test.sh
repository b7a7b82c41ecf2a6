#!/usr/bin/env bash
# `p2pscope routing fetch` against a local HTTP server serving fixture files
# (python3's http.server on 127.0.0.1), in a network namespace of its own
# (ctest runs this under `unshare --net`): CAIDA's creation log leads to its
# newest file, an MRT RIB dump goes through bgpdump, a bad file and a 404
# leave the cache as it was, and diagnose warns about old routing data.
#   routing_fetch_test.sh P2PSCOPE
set -uo pipefail
bin=$1
tmp=$(mktemp -d)
trap 'kill $server 2>/dev/null; rm -rf "$tmp"' EXIT
source "$(dirname "$0")/expect.sh"
ip link set lo up

www=$tmp/www cache=$tmp/cache
mkdir -p "$www/2026/11" "$www/2026/12"
printf '1.0.0.0\t24\t13335\n8.8.8.0\t24\t15169\n' | gzip > "$www/2026/11/routeviews-rv2-20261101-1200.pfx2as.gz"
printf '1.0.0.0\t24\t13335\n8.8.8.0\t24\t15169\n20.0.0.0\t8\t8075\n' | gzip > "$www/2026/12/routeviews-rv2-20261201-1200.pfx2as.gz"
printf '# seqnum\ttimestamp\tpath\n1\t1793534400\t2026/11/routeviews-rv2-20261101-1200.pfx2as.gz\n2\t1796126400\t2026/12/routeviews-rv2-20261201-1200.pfx2as.gz\n' \
  > "$www/pfx2as-creation.log"
echo '<html>not found, but said with a 200</html>' > "$www/oops.pfx2as"
# An MRT TABLE_DUMP_V2 RIB: a peer index table and two IPv4 prefixes, the
# second with a two-AS path (origin 64501).
python3 - "$www/rib.20261130.0000" <<'PY'
import struct, sys
def mrt(sub, body): return struct.pack("!IHHI", 1796040000, 13, sub, len(body)) + body
peers = struct.pack("!4sH", bytes([10, 0, 0, 1]), 0) + struct.pack("!H", 1) + \
        struct.pack("!B4s4sI", 0x02, bytes([10, 0, 0, 1]), bytes([192, 0, 2, 1]), 64500)
def rib(seq, prefix, plen, path):
    seg = struct.pack("!BB", 2, len(path)) + b"".join(struct.pack("!I", a) for a in path)
    attrs = struct.pack("!BBBB", 0x40, 1, 1, 0) + struct.pack("!BBB", 0x40, 2, len(seg)) + seg + \
            struct.pack("!BBB4s", 0x40, 3, 4, bytes([192, 0, 2, 1]))
    entry = struct.pack("!HIH", 0, 1796040000, len(attrs)) + attrs
    return mrt(2, struct.pack("!IB", seq, plen) + prefix[: (plen + 7) // 8] + struct.pack("!H", 1) + entry)
data = mrt(1, peers) + rib(0, bytes([45, 1, 2, 0]), 24, [64500]) + rib(1, bytes([46, 0, 0, 0]), 8, [64500, 64501])
open(sys.argv[1], "wb").write(data)
PY
python3 -m http.server --bind 127.0.0.1 --directory "$www" 18480 >"$tmp/http.log" 2>&1 &
server=$!
for _ in $(seq 50); do python3 -c "import socket; socket.create_connection(('127.0.0.1', 18480), 1)" 2>/dev/null && break; sleep 0.1; done
url=http://127.0.0.1:18480

# CAIDA: the creation log names the newest file; it is fetched, checked and dated.
expect 0 "$bin" routing fetch --caida-log "$url/pfx2as-creation.log" --cache-dir "$cache"
contains "3 announcements (pfx2as), data of 2026-12-01"
contains "diagnose --routing $cache/routeviews-rv2-20261201-1200.pfx2as.gz"
grep -q '"url": "http://127.0.0.1:18480/2026/12/routeviews-rv2-20261201-1200.pfx2as.gz"' \
  "$cache/routeviews-rv2-20261201-1200.pfx2as.gz.meta.json" || fail_check "the fetch record names its URL"
[[ -e $cache/routeviews-rv2-20261101-1200.pfx2as.gz ]] && fail_check "the older file was fetched too"

# An MRT RIB dump is turned into bgpdump -m text, whose origins diagnose reads.
expect 0 "$bin" routing fetch --url "$url/rib.20261130.0000" --cache-dir "$cache"
contains "2 announcements (bgpdump), data of 2026-11-30"
grep -q '46.0.0.0/8|64500 64501|' "$cache/rib.20261130.0000.bgpdump" || fail_check "bgpdump's line for 46.0.0.0/8"

# What is not routing data, and what is not there, are refused; the cache keeps what it had.
expect 1 "$bin" routing fetch --url "$url/oops.pfx2as" --cache-dir "$cache"
contains "is not routing data"
[[ -e $cache/oops.pfx2as ]] && fail_check "a refused file is in the cache"
expect 1 "$bin" routing fetch --url "$url/no/such/file.pfx2as.gz" --cache-dir "$cache"
contains "HTTP 404"
expect 1 "$bin" routing fetch --url "$url/2026/12/routeviews-rv2-20261201-1200.pfx2as.gz" --max-mib 1 --timeout 1 \
  --cache-dir "$cache" --url "http://127.0.0.1:1/closed"
contains "127.0.0.1:1/closed"
ls -a "$cache" | grep -q '^\.partial' && fail_check "a partial download was left behind"

expect 0 "$bin" routing status --cache-dir "$cache"
contains "rib.20261130.0000.bgpdump: data of 2026-11-30"

# diagnose says when its routing data is older than a week (by the fetch
# record, by a date in the name, or by the file's time) and is quiet when not.
ih=c12fe1c06bba254a9dc9f519b335aa7c1367a88a
echo '{"type":"observation","info_hash":"'$ih'","peer_ip":"45.1.2.3","peer_port":6881,"via":"tracker_udp","source_url":"udp://t:1/a","time":"2026-11-21T00:00:00.000000Z"}' > "$tmp/crawl.jsonl"
expect 0 "$bin" diagnose --report none -o "$tmp/v.jsonl" --routing "$cache/rib.20261130.0000.bgpdump" "$tmp/crawl.jsonl"
now=$(date +%s); then=$(date -d 2026-11-30 +%s)
if (( (now - then) / 86400 > 7 )); then contains "days old (by its fetch record)"; else grep -q "days old" <<<"$out" && fail_check "warned about fresh data"; fi
printf '45.1.2.0\t24\t64500\n' > "$tmp/fresh.pfx2as"
expect 0 "$bin" diagnose --report none -o "$tmp/v.jsonl" --routing "$tmp/fresh.pfx2as" "$tmp/crawl.jsonl"
grep -q "days old" <<<"$out" && fail_check "warned about a file written just now"
touch -d '10 days ago' "$tmp/fresh.pfx2as"
expect 0 "$bin" diagnose --report none -o "$tmp/v.jsonl" --routing "$tmp/fresh.pfx2as" "$tmp/crawl.jsonl"
contains "is 10 days old (by the file's time)"

finish "routing fetch"
