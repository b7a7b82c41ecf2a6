#!/usr/bin/env bash
# Exercises the p2pscope binary as a user would: exit codes, help text and
# error messages. Usage: cli_test.sh PATH/TO/p2pscope
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/expect.sh"

expect 0 "$bin" --help
for sub in inspect lab crawl probe diagnose blocklist report explain serve push routing demo harness passive db schedule worker; do contains "$sub"; done
# Help text is for users: it names no issue number and no unfinished part.
for sub in "" inspect lab crawl probe diagnose blocklist report explain serve push routing demo harness passive db schedule worker; do
  expect 0 "$bin" $sub --help
  if grep -qiE "issue ?#?[0-9]|partly built" <<<"$out"; then fail_check "'p2pscope $sub --help' names an issue or a half-built part"; fi
done
expect 0 "$bin" --version
contains "p2pscope 0.1.0"
expect 2 "$bin"
expect 2 "$bin" no-such-command
expect 2 "$bin" worker --db "password=x"
contains ".pgpass"
expect 2 "$bin" schedule
pcaps="$(dirname "$0")/fixtures/pcaps"
expect 2 "$bin" passive
contains "give capture files, or --interface"
expect 2 "$bin" passive --count 5 "$pcaps/zeek_tracker.pcap"
contains "requires --interface"
expect 2 "$bin" passive -i lo "$pcaps/zeek_tracker.pcap"
contains "excludes"
# The filter must drop the TCP records and keep the UDP ones: a check for
# absence alone would pass on an empty or missing file.
expect 0 "$bin" passive --filter "not tcp" -o "$tmp/p.jsonl" "$pcaps/bittorrent.pcap" "$pcaps/bittorrent_utp.pcap"
grep -q '"type":"passive_krpc"' "$tmp/p.jsonl" || fail_check "--filter 'not tcp' lost the UDP (KRPC) records"
if grep -q '"carrier":"tcp"' "$tmp/p.jsonl"; then fail_check "--filter 'not tcp' kept TCP records"; fi
expect 1 "$bin" passive --filter "port ninety" "$pcaps/zeek_tracker.pcap"
contains "bad --filter"
expect 0 "$bin" passive --help
contains "JSON Lines"
expect 0 "$bin" passive -o "$tmp/p.jsonl" "$pcaps/zeek_tracker.pcap"
contains "passive_tracker_peers: 1"
head -c 1000 "$pcaps/zeek_tracker.pcap" >"$tmp/cut.pcap"
expect 1 "$bin" passive -o "$tmp/p.jsonl" "$tmp/cut.pcap"
contains "damaged after frame"
expect 1 "$bin" passive "$(dirname "$0")/cli_test.sh"
contains "not a readable capture"
expect 2 "$bin" passive --honeynet 198.51.100.0/33 "$pcaps/zeek_tracker.pcap"
contains "not a CIDR block"
expect 2 "$bin" passive --scan-label --ppr-low 2 "$pcaps/zeek_tracker.pcap"
contains "--ppr-low is above --ppr-high"
expect 0 "$bin" passive --honeynet 10.0.0.0/8 --scan-label --suspects "$tmp/s.txt" -o "$tmp/p.jsonl" "$pcaps/zeek_tracker.pcap"
contains "honeynet: 0 event(s)"
contains "scan labelling: "
mkdir -p "$tmp/zeek"
expect 0 "$bin" passive --zeek-logs "$tmp/zeek" --scan-label -o "$tmp/p.jsonl" "$pcaps/zeek_tracker.pcap"
grep -q "^#path	p2p_tracker_peers$" "$tmp/zeek/p2p_tracker_peers.log" || { echo "FAIL: no Zeek tracker log" >&2; exit 1; }
expect 2 "$bin" passive --zeek-logs "$tmp/no-such-dir" "$pcaps/zeek_tracker.pcap"
expect 2 "$bin" passive --zeek-logs "$tmp/zeek" --zeek-format xml "$pcaps/zeek_tracker.pcap"
expect 0 "$bin" harness --help
contains "--control"
contains "{torrent}"
contains "--anonymous"
contains "--idle"
expect 2 "$bin" harness --client no-such-client --out "$tmp/h"
contains "unknown client"
expect 2 "$bin" harness --command 'myclient {tornet}' --out "$tmp/h"
# A control or client asked for by name is never skipped: a missing program
# is exit 2 at once, naming the file and how to get it.
expect 2 "$bin" harness --control reverse-pex --reference "$tmp/no-such-reference-client" --out "$tmp/h"
contains "$tmp/no-such-reference-client is not there"
contains "cmake --install"
[ ! -e "$tmp/h/runs" ] || fail_check "a missing control still started runs"
expect 2 env PATH=/nonexistent "$bin" harness --client transmission --out "$tmp/h"
contains "transmission-daemon is not on PATH"
contains "apt-get install transmission-daemon"
expect 2 "$bin" harness --window 1
expect 2 "$bin" harness --control reverse-everything
expect 2 "$bin" harness --idle 60 --window 60
contains "excludes"
expect 2 "$bin" harness --idle 60 --control reverse-pex
expect 2 "$bin" harness --idle 5
expect 2 "$bin" harness --ipv6 --no-ipv6
expect 0 "$bin" harness --list --command 'myclient {torrent}' --name mine
contains "mine"
# Controls named alone run alone: no installed client joins them.
printf '#!/bin/sh\necho p2pscope-reference-client 0\n' > "$tmp/ref" && chmod +x "$tmp/ref"
expect 0 "$bin" harness --list --control reverse-pex --reference "$tmp/ref"
contains "reference-reverse-pex"
[ "$(grep -c . <<<"$out")" = 1 ] || fail_check "--control alone listed more than the control: $out"
expect 0 "$bin" demo --help
contains "--seed"
contains "blocklist.p2p"
expect 2 "$bin" demo --scenario no-such-scenario --out "$tmp/demo"
contains "neither a scenario file nor a built-in scenario"
expect 2 "$bin" demo --timeout 0

expect 0 "$bin" crawl --help
contains "--quick"
contains "Politeness"
expect 2 "$bin" crawl
expect 2 "$bin" crawl 0123
contains "'0123'"
expect 2 "$bin" crawl "magnet:?xt=urn:btih:nothex"
contains "malformed magnet"
printf 'c12fe1c06bba254a9dc9f519b335aa7c1367a88a\nnot-a-hash\n' > "$tmp/list.txt"
expect 2 "$bin" crawl "$tmp/list.txt"
contains "list.txt:2"
expect 2 "$bin" crawl --tracker gopher://x c12fe1c06bba254a9dc9f519b335aa7c1367a88a
contains "not an http, https or udp tracker URL"
expect 2 "$bin" crawl --bind 1.2.3 c12fe1c06bba254a9dc9f519b335aa7c1367a88a
expect 2 "$bin" crawl --requery 0 c12fe1c06bba254a9dc9f519b335aa7c1367a88a
# IPv6: on or off, not both; --bind6 is IPv6 on.
expect 2 "$bin" crawl --ipv6 --no-ipv6 c12fe1c06bba254a9dc9f519b335aa7c1367a88a
expect 2 "$bin" crawl --no-ipv6 --bind6 ::1 c12fe1c06bba254a9dc9f519b335aa7c1367a88a
contains "choose one"
expect 0 "$bin" crawl --no-ipv6 --no-trackers --no-dht --stable-for 1 -o "$tmp/crawl-v4.jsonl" c12fe1c06bba254a9dc9f519b335aa7c1367a88a
contains "IPv6 off (--no-ipv6)"
# Nothing to ask: the crawl starts, finds nothing and stops by its rule.
expect 0 "$bin" crawl --no-trackers --no-dht --stable-for 1 -o "$tmp/crawl-empty.jsonl" c12fe1c06bba254a9dc9f519b335aa7c1367a88a
contains "politeness: per-IP 2/s"
contains "no new peers for 1 s"

# eMule inputs: a file needs a server to ask; one that refuses is reported and the run goes on.
link="ed2k://|file|z12000000|12000000|26e5db501f39de2d1b6e090f8a766620|/"
expect 2 "$bin" crawl "$link"
contains "need an index server or KAD contacts"
expect 2 "$bin" crawl --ed2k-server nope "$link"
contains "--ed2k-server nope: not HOST:PORT"
expect 2 "$bin" crawl "ed2k://|serverlist|http://x/server.met|/"
contains "give the server.met file"
expect 0 "$bin" crawl --quick --ed2k-server 127.0.0.1:1 -o "$tmp/emule.jsonl" "$link"
contains "1 index server(s), 0 answered"
contains "ed2k server 127.0.0.1:1: connect: Connection refused"
grep -q '"via":"ed2k_server_udp"' "$tmp/emule.jsonl" || fail_check "the silent UDP side of the server is not recorded as an anomaly"
expect 0 "$bin" crawl --quick --kad-node 127.0.0.1:9 -o "$tmp/kad.jsonl" "$link"
contains "KAD: 0 bootstrap(s) answered"
expect 2 "$bin" crawl --kad-node 1.2.3.4 "$link"
contains "--kad-node 1.2.3.4: not HOST:PORT"

expect 0 "$bin" inspect ip 4.3.2.1 2001:db8::1
contains "byte-reversed 1.2.3.4"
contains "Documentation 2001:db8::/32"
expect 2 "$bin" inspect ip 1.2.3.400
contains "not an IPv4 or IPv6 address"
expect 0 "$bin" inspect ip --json 10.1.1.1
contains '"bogon":true'

expect 0 "$bin" inspect torrent "magnet:?xt=urn:btih:YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK&tr=udp%3A%2F%2Ft.lab%3A1"
contains "c12fe1c06bba254a9dc9f519b335aa7c1367a88a"
contains "tracker: udp://t.lab:1"
expect 2 "$bin" inspect torrent not-a-hash
expect 2 "$bin" inspect torrent "$tmp/missing.torrent"
printf 'd4:infod4:name1:xee' > "$tmp/bad.torrent"
expect 2 "$bin" inspect torrent "$tmp/bad.torrent"
contains "malformed .torrent file"
expect 2 "$bin" crawl "$tmp/bad.torrent"
contains "malformed .torrent file"

# The ed2k link of a local file, checked against aMule's own alcc (amule-utils)
# on a file of two parts and a bit, and one of exactly one part (the MD4("") rule).
head -c 20000000 /dev/urandom > "$tmp/two-parts.bin"
head -c 9728000 /dev/urandom > "$tmp/one-part.bin"
for f in two-parts.bin one-part.bin; do
  expect 0 "$bin" inspect ed2k --file --parts "$tmp/$f"
  want=$(alcc -p "$tmp/$f" 2>/dev/null)
  [[ -n $want && $out == "$want" ]] || fail_check "inspect ed2k --file --parts $f: '$out', alcc says '$want'"
done
expect 0 "$bin" inspect ed2k "ed2k://|file|a%20b.iso|12000000|26E5DB501F39DE2D1B6E090F8A766620|/"
contains "26e5db501f39de2d1b6e090f8a766620  12000000 bytes  a b.iso"
contains "2 part hashes"
expect 2 "$bin" inspect ed2k "ed2k://|file|a|12|nothex|/"
contains "hash 'nothex' is not 32 hex digits"
expect 2 "$bin" inspect ed2k --file "$tmp/missing.bin"
contains "missing.bin: cannot open: No such file or directory"
expect 2 "$bin" inspect ed2k --file "$tmp"
contains ": is a directory"

good='{"type":"observation","time":"2025-11-21T12:00:00.000000Z","info_hash":"c12fe1c06bba254a9dc9f519b335aa7c1367a88a","peer_ip":"1.2.3.4","peer_port":1,"via":"pex","source_ip":"5.5.5.5","source_port":2}'
printf '%s\n%s\n' "$good" '{"type":"verdict"}' > "$tmp/r.jsonl"
expect 2 "$bin" inspect records "$tmp/r.jsonl"
contains "r.jsonl:2:"
contains "observation=1"
expect 0 "$bin" inspect records - <<<"$good"
expect 1 "$bin" inspect records "$tmp/none.jsonl"

expect 2 "$bin" lab up --scenario no-such-scenario --state-dir "$tmp/lab"
contains "neither a scenario file nor a built-in scenario"
printf 'name = x\nseeds = lots\n' > "$tmp/bad.scenario"
expect 2 "$bin" lab up --scenario "$tmp/bad.scenario" --state-dir "$tmp/lab"
contains 'line 2, field "seeds"'
expect 1 "$bin" lab exec --state-dir "$tmp/lab" -- true
contains "no lab is running"
expect 0 "$bin" lab down --state-dir "$tmp/lab"
expect 0 "$bin" lab up --help
contains "--scenario"

# probe, diagnose, blocklist: bad inputs are named, bad lines skipped and counted.
expect 2 "$bin" probe "$tmp/none.jsonl"
expect 2 "$bin" probe --bind not-an-ip "$tmp/list.txt"
contains "not an IP address"
ih=c12fe1c06bba254a9dc9f519b335aa7c1367a88a
{
  echo '{"type":"observation","info_hash":"'$ih'","peer_ip":"10.0.0.1","peer_port":6881,"via":"tracker_udp","source_url":"udp://t:1/a","time":"2026-11-21T00:00:00.000000Z"}'
  echo 'this is not a record'
  echo '{"type":"observation","info_hash":"'$ih'","peer_ip":"1.0.0.20","peer_port":6881,"via":"pex","source_ip":"20.0.0.1","source_port":6881,"time":"2026-11-21T00:00:00.000000Z"}'
  echo '{"type":"observation","info_hash":"'$ih'","peer_ip":"20.0.0.1","peer_port":6881,"via":"tracker_udp","source_url":"udp://t:1/a","time":"2026-11-21T00:00:00.000000Z"}'
} > "$tmp/crawl.jsonl"
printf '20.0.0.0\t8\t64500\n' > "$tmp/good.pfx2as"
expect 0 "$bin" diagnose --routing "$tmp/good.pfx2as" -o "$tmp/verdicts.jsonl" "$tmp/crawl.jsonl"
contains "skipped 1 malformed line"
contains "bogus_unroutable 1"
contains "byte_order 1"
printf '1.0.0.0\t24\t64500\n1.0.0.0\t24\tAS1\n' > "$tmp/bad.pfx2as"
expect 2 "$bin" diagnose --routing "$tmp/bad.pfx2as" "$tmp/crawl.jsonl"
contains "bad.pfx2as: line 2"
expect 0 "$bin" blocklist --classes bogus_unroutable,byte_order -f dat -o "$tmp/list.dat" "$tmp/verdicts.jsonl"
contains "2 rule(s)"
grep -q "^010.000.000.001 - 010.000.000.001 , 000 , p2pscope bogus_unroutable$" "$tmp/list.dat" || { fail_check "DAT line"; }
expect 2 "$bin" blocklist --classes no_such_class "$tmp/verdicts.jsonl"
contains "unknown verdict class"
# DHT nodes (issue 26): five random ids on one address are a horizontal Sybil cluster.
cp "$tmp/crawl.jsonl" "$tmp/crawl-dht.jsonl"
for port in 6890 6891 6892 6893 6894; do
  echo '{"type":"dht_node","info_hash":"'$ih'","node_ip":"45.0.0.1","node_port":'$port',"node_id":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'$port'","time":"2026-11-21T00:00:00.000000Z"}' >> "$tmp/crawl-dht.jsonl"
done
expect 0 "$bin" diagnose -o "$tmp/verdicts-dht.jsonl" "$tmp/crawl-dht.jsonl"
contains "5 DHT nodes"
contains "dht_sybil 5"
contains "one of 5 node ids on 45.0.0.1"
expect 0 "$bin" diagnose --sybil-ids-per-address 6 -o "$tmp/verdicts-dht6.jsonl" "$tmp/crawl-dht.jsonl"
contains "0 DHT nodes"
expect 0 "$bin" blocklist --classes dht_node -f cidr -o "$tmp/dht.cidr" "$tmp/verdicts-dht.jsonl"
contains "1 rule(s)"
grep -qx "45.0.0.1/32" "$tmp/dht.cidr" || fail_check "the Sybil address in the CIDR list"
expect 2 "$bin" diagnose --sybil-near-bits 7 "$tmp/crawl-dht.jsonl"
# report and explain (issue 27): the same records, drawn and told about one address.
expect 0 "$bin" report --routing "$tmp/good.pfx2as" -o "$tmp/report.html" "$tmp/crawl.jsonl"
contains "verdicts"
grep -q "default-src 'none'" "$tmp/report.html" || fail_check "the report's Content-Security-Policy"
grep -q 'href="#peer-1-0-0-20-6881"' "$tmp/report.html" || fail_check "the byte-order peer's link to its explanation"
expect 0 "$bin" report --only crawl -o - "$tmp/crawl.jsonl"
contains '<section id="crawl">'
expect 2 "$bin" report --only no-such-section "$tmp/crawl.jsonl"
expect 1 "$bin" report -o "$tmp/no/such/dir/r.html" "$tmp/crawl.jsonl"
expect 2 "$bin" report -o "$tmp/r.html"
contains "give record files, --db, or --harness"
echo '{"not":"a harness report"}' > "$tmp/not-harness.json"
expect 2 "$bin" report --harness "$tmp/not-harness.json" -o "$tmp/r.html"
contains "is not a harness report (a JSON array of client reports)"
echo '[{"client":"x"},{"verdict":"clean"}]' > "$tmp/half-harness.json"
expect 2 "$bin" report --harness "$tmp/half-harness.json" -o "$tmp/r.html"
contains "entry 2 is not a client report"
echo '[{"client":"x","verdict":"error","error":"did not start"}]' > "$tmp/one-run.json"
expect 0 "$bin" report --harness "$tmp/one-run.json" -o "$tmp/r.html"
contains "0 honeynet events, 1 harness client runs"
grep -q "<td>x</td><td>did not start</td>" "$tmp/r.html" || fail_check "the failed run's error on the page"
expect 0 "$bin" report --help
contains "--harness-session"
expect 0 "$bin" explain --routing "$tmp/good.pfx2as" 1.0.0.20 "$tmp/crawl.jsonl"
contains "byte_order"
contains "pex from 20.0.0.1:6881"
expect 0 "$bin" explain --json 20.0.0.1:6881 "$tmp/crawl.jsonl"
contains '"subject":"20.0.0.1:6881"'
expect 1 "$bin" explain 9.9.9.9 "$tmp/crawl.jsonl"
contains "no record names 9.9.9.9"
expect 2 "$bin" explain not-an-address "$tmp/crawl.jsonl"
contains "not an IP address"
expect 2 "$bin" explain 1.0.0.20
# serve and push (issue 27): bad arguments are refused before anything listens or connects.
expect 2 "$bin" serve --listen not-an-endpoint "$tmp/crawl.jsonl"
contains "is not IP:PORT"
expect 2 "$bin" serve --classes no_such_class "$tmp/crawl.jsonl"
expect 2 "$bin" push "$tmp/verdicts.jsonl"
contains "name one client"
expect 2 "$bin" push --transmission http://127.0.0.1:1
contains "needs --feed"
printf 'no colon here\n' > "$tmp/bad.credentials"
expect 2 "$bin" push --qbittorrent http://127.0.0.1:1 --credentials "$tmp/bad.credentials" "$tmp/verdicts.jsonl"
contains "USER:PASSWORD"
expect 2 "$bin" blocklist -f xml "$tmp/verdicts.jsonl"
expect 1 "$bin" blocklist -o "$tmp/no/such/dir/list.p2p" "$tmp/verdicts.jsonl"

finish CLI
