#!/usr/bin/env bash
# The hostile-input suite (ctest label `hostile`, issue 22): every command
# on hostile files, arguments and remotes, as an adversarial user would run
# them. Each case runs in a directory of its own under a memory cap (ASan's
# hard_rss_limit_mb in a sanitizer build, prlimit --as otherwise) and a time
# cap, and checks its exit status, its message, that no sanitizer spoke, and
# that nothing outside its directory changed (the rest of the test tree,
# which holds HOME, XDG_STATE_HOME and TMPDIR, and /dev/null).
#
# Every case runs in a user+network (and mount) namespace of its own
# (unshare), so a case that wrongly got as far as the network reaches
# nothing; those that need remotes put public-looking addresses on its
# loopback, and tests/hostile_remotes.py plays the misbehaving trackers and
# peers there. Only the device-node case runs on the host (mknod needs real
# root). The database cases use a server that does not exist.
#
# Usage: hostile_cli_test.sh PATH/TO/p2pscope   (MEM_MB, TIME_S adjust the caps)
set -u
bin=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
remotes="$here/hostile_remotes.py"
MEM_MB=${MEM_MB:-1500}
TIME_S=${TIME_S:-90}
T=$(mktemp -d "${TMPDIR:-/tmp}/p2pscope-hostile.XXXXXX")
trap 'rm -rf "$T"' EXIT
export HOME=$T/home XDG_STATE_HOME=$T/state TMPDIR=$T/tmp
unset P2PSCOPE_DB PGHOST PGSERVICE PGPORT
mkdir -p "$HOME" "$XDG_STATE_HOME" "$TMPDIR" "$T/outside" "$T/in" "$T/c"
echo untouched >"$T/outside/sentinel"
nodb="host=$T/no-server dbname=nothing"  # a socket directory with no server: unreachable

# A sanitizer build reserves terabytes of address space, so its cap is on RSS.
if ASAN_OPTIONS=help=1 "$bin" --version 2>&1 | grep -q "AddressSanitizer"; then
  capped=(env "ASAN_OPTIONS=${ASAN_OPTIONS:-}:hard_rss_limit_mb=$MEM_MB")
  cap_name="ASan hard_rss_limit_mb=$MEM_MB"
else
  capped=(prlimit --as=$((MEM_MB * 1024 * 1024)) --)
  cap_name="prlimit --as=${MEM_MB}M"
fi
echo "hostile: $bin under $cap_name, ${TIME_S} s per case"

failures=0 cases=0
fail() { echo "FAIL [$name]: $*"; failures=$((failures + 1)); }
snapshot() { find "$T" -path "$1" -prune -o -printf '%p %y %s %T@ %m\n' | sort; }

# case NAME RC TEXT [--host] [--time S] -- CMD...: CMD runs in $T/c/NAME
# (prepared by setup_NAME when defined), in a namespace of its own unless
# --host; stdout and stderr land in $out, the seconds taken in $elapsed.
case_() {
  name=$1 want=$2 text=$3; shift 3
  local ns=(unshare --user --map-root-user --net --mount --) limit=$TIME_S
  while [[ $1 != -- ]]; do
    case $1 in
      --host) ns=() ;;
      --time) limit=$2; shift ;;
    esac
    shift
  done
  shift
  cases=$((cases + 1))
  dir=$T/c/$name
  mkdir -p "$dir"
  if declare -F "setup_$name" >/dev/null; then (cd "$dir" && "setup_$name") || { fail "setup"; return; }; fi
  local before after start rc
  before=$(snapshot "$dir")
  start=$SECONDS
  out=$(cd "$dir" && timeout -k 5 "$limit" "${ns[@]}" "${capped[@]}" "$@" 2>&1)
  rc=$?
  elapsed=$((SECONDS - start))
  after=$(snapshot "$dir")
  [[ $rc == "$want" ]] || fail "exit $rc, want $want (${elapsed} s): $(head -c 600 <<<"$out")"
  [[ -z $text ]] || grep -qF -- "$text" <<<"$out" || fail "no '$text' in: $(head -c 600 <<<"$out")"
  if grep -q "Sanitizer\|hard rss limit" <<<"$out"; then fail "sanitizer: $(grep -m3 "Sanitizer\|rss" <<<"$out")"; fi
  [[ $before == "$after" ]] || fail "changed outside its directory: $(diff <(echo "$before") <(echo "$after") | head -5)"
  [[ -c /dev/null ]] || fail "/dev/null is no longer a character device"
  printf '  %-44s exit %s in %3d s\n' "$name" "$rc" "$elapsed"
}
# Inside the namespace: loopback up, lab-like public addresses on it, and
# the remotes started by remote() stopped when the case's shell exits (they
# hold no descriptor of the case's output, which would keep it waiting).
netup() {
  trap 'kill $(jobs -p) 2>/dev/null' EXIT
  ip link set lo up && for a in "$@"; do ip addr add "$a/32" dev lo; done
}
remote() { python3 "$remotes" "$@" </dev/null >/dev/null 2>&1 & }
lacks() { if grep -qF -- "$1" <<<"$out"; then fail "'$1' in: $(head -c 400 <<<"$out")"; fi; }

ih=c12fe1c06bba254a9dc9f519b335aa7c1367a88a
obs() { echo "{\"type\":\"observation\",\"time\":\"2025-11-21T12:00:00.000000Z\",\"info_hash\":\"$ih\",\"peer_ip\":\"$1\",\"peer_port\":${2:-6881},\"via\":\"tracker_http\",\"source_url\":\"http://1.2.3.4:8000/announce\"}"; }
verdict() { echo "{\"type\":\"verdict\",\"time\":\"2025-11-21T12:00:00.000000Z\",\"peer_ip\":\"$1\",\"peer_port\":6881,\"info_hash\":\"$ih\",\"verdict\":\"$2\",\"confidence\":1}"; }
obs 1.2.3.4 >"$T/in/obs.jsonl"
{ verdict 5.6.7.8 anti_p2p; verdict 9.9.9.9 normal; } >"$T/in/verdicts.jsonl"
verdict 9.9.9.9 normal >"$T/in/normal.jsonl"
printf 'garbage\n{"type":\n' >"$T/in/garbage.jsonl"

# --- 1. Outputs: devices and links are written through, never replaced.
if [[ $EUID == 0 ]]; then
  setup_device_node() { mknod n c 1 3; }
  case_ device_node 0 "" --host -- "$bin" diagnose -o n --report none "$T/in/obs.jsonl"
  [[ -c $dir/n ]] || fail "the device node was replaced"
else
  echo "hostile: not root, so no mknod: the FIFO case stands in for device nodes"
fi
setup_fifo() { mkfifo pipe; (cat pipe >got &); }
case_ fifo 0 "" -- "$bin" diagnose -o pipe --report none "$T/in/obs.jsonl"
sleep 0.2
[[ -p $dir/pipe ]] || fail "the FIFO was replaced"
grep -q '"type":"verdict"' "$dir/got" || fail "nothing came through the FIFO"
setup_symlink() { mkdir deployed && echo old >deployed/list.p2p && ln -s deployed/list.p2p current.p2p; }
case_ symlink 0 "1 rule(s)" -- "$bin" blocklist -o current.p2p "$T/in/verdicts.jsonl"
[[ -L $dir/current.p2p ]] || fail "the link was replaced by a file"
grep -q "5.6.7.8-5.6.7.8" "$dir/deployed/list.p2p" || fail "the link's target was not written"
# Checked before any work: a probe that started would have contacted 1.2.3.4.
case_ probe_bad_output 1 "cannot create a file in" --time 10 -- \
  "$bin" probe -o no/such/dir/probes.jsonl "$T/in/obs.jsonl"
case_ report_bad_output 1 "cannot create a file in" -- "$bin" diagnose --report no/dir/r.txt "$T/in/obs.jsonl"

# --- 2. Routing data that loads nothing is refused, naming the file.
setup_routing_empty() { : >empty.pfx2as; printf '\n# nothing\n' >blank.pfx2as; }
case_ routing_empty 2 "empty.pfx2as: announces no prefix" -- \
  "$bin" diagnose --routing empty.pfx2as -o v.jsonl "$T/in/obs.jsonl"
case_ routing_blank 2 "2 blank or comment lines" -- "$bin" diagnose --routing "$T/c/routing_empty/blank.pfx2as" "$T/in/obs.jsonl"
setup_routing_mmdb() {
  perl -MMaxMind::DB::Writer::Tree -e '
    my $t = MaxMind::DB::Writer::Tree->new(ip_version => 6, record_size => 24, database_type => "City-ish",
      languages => ["en"], description => { en => "x" }, remove_reserved_networks => 0,
      map_key_type_callback => sub { "utf8_string" });
    $t->insert_network("1.2.3.0/24", { city => "Nowhere" });
    open(my $o, ">:raw", "city.mmdb") or die; $t->write_tree($o); close $o;'
}
case_ routing_mmdb 2 "no record names an AS" -- "$bin" diagnose --routing city.mmdb "$T/in/obs.jsonl"
# A RIB dump repeats every prefix once per peer: 1.5M lines, 3 prefixes, little memory.
setup_routing_repeats() {
  python3 -c "
import gzip
with gzip.open('rib.pfx2as.gz', 'wt') as f:
    for i in range(1500000): f.write('1.2.%d.0\t24\t%d\n' % (i % 3, 64500 + i % 3))"
}
case_ routing_repeats 0 "1500000 announcements" -- "$bin" diagnose --routing rib.pfx2as.gz -o v.jsonl "$T/in/obs.jsonl"

# --- 3. Input with no valid record is an error; a deployed list is kept.
case_ diagnose_garbage 2 "no valid record" -- "$bin" diagnose -o v.jsonl "$T/in/garbage.jsonl"
[[ -e $dir/v.jsonl ]] && fail "an output was written"
case_ report_garbage 2 "no valid record" -- "$bin" report -o r.html "$T/in/garbage.jsonl"
[[ -e $dir/r.html ]] && fail "a report was written"
case_ explain_garbage 2 "no valid record" -- "$bin" explain 1.2.3.4 "$T/in/garbage.jsonl"
case_ report_harness_garbage 2 "is not a harness report" -- "$bin" report --harness "$T/in/garbage.jsonl" -o r.html
[[ -e $dir/r.html ]] && fail "a report was written from a garbage harness report"
case_ probe_garbage 2 "no valid record" -- "$bin" probe -o p.jsonl "$T/in/garbage.jsonl"
case_ probe_no_observations 2 "no observation records" -- "$bin" probe "$T/in/verdicts.jsonl"
setup_blocklist_truncated() { echo "old:1.1.1.1-1.1.1.1" >list.p2p; head -c 50 "$T/in/verdicts.jsonl" >cut.jsonl; }
case_ blocklist_truncated 2 "no valid record" -- "$bin" blocklist -o list.p2p cut.jsonl
grep -q "old:1.1.1.1" "$dir/list.p2p" || fail "the deployed list was replaced"
setup_blocklist_empty() { echo "old:1.1.1.1-1.1.1.1" >list.p2p; }
case_ blocklist_empty 1 "--allow-empty" -- "$bin" blocklist -o list.p2p "$T/in/normal.jsonl"
grep -q "old:1.1.1.1" "$dir/list.p2p" || fail "the deployed list was replaced by an empty one"
setup_blocklist_allow_empty() { echo "old:1.1.1.1-1.1.1.1" >list.p2p; }
case_ blocklist_allow_empty 0 "0 rule(s)" -- "$bin" blocklist --allow-empty -o list.p2p "$T/in/normal.jsonl"
grep -q "old:" "$dir/list.p2p" && fail "--allow-empty kept the old list"

# --- 4. The spool: checked at start; what it cannot take is kept and named.
setup_spool_unwritable() { echo "a file" >file; }
case_ spool_unwritable 1 "cannot create the spool directory" --time 20 -- \
  "$bin" crawl --db "$nodb" --spool-dir file/spool --no-trackers --no-dht --no-pex --max-duration 5 "$ih"
lacks "replays them"
lacks "crawl crawl-"  # it stopped before crawling
# A spool on a full file system (a 16 KiB tmpfs in a mount namespace) and no database.
spool_full() {
  mkdir spool && mount -t tmpfs -o size=64k tmpfs spool && { head -c 1M /dev/zero >spool/filler 2>/dev/null; exec "$@"; }
}
setup_import_spool_full() {
  python3 -c "
for i in range(3000):
    print('{\"type\":\"observation\",\"time\":\"2025-11-21T12:00:00.000000Z\",\"info_hash\":\"$ih\",\"peer_ip\":\"1.2.%d.%d\",\"peer_port\":6881,\"via\":\"tracker_http\",\"source_url\":\"http://t/a\"}' % (i // 250, i % 250 + 1))" >many.jsonl
}
case_ import_spool_full 1 "they are in the input files" -- bash -c "$(declare -f spool_full); spool_full \"\$@\"" _ \
  "$bin" db import --db "$nodb" --db-wait 0 --spool-dir spool many.jsonl
lacks "replays them"
grep -q "No space left on device" <<<"$out" || fail "the real error is not shown: $(head -c 400 <<<"$out")"
case_ diagnose_spool_full 1 "p2pscope db import" -- bash -c "$(declare -f spool_full); spool_full \"\$@\"" _ \
  "$bin" diagnose --db "$nodb" --db-wait 0 --spool-dir spool --report none "$T/in/obs.jsonl"
ls "$dir"/p2pscope-unsent-*.jsonl >/dev/null 2>&1 || fail "no file of unsent records in the working directory"
grep -q '"type":"verdict"' "$dir"/p2pscope-unsent-*.jsonl 2>/dev/null || fail "the unsent verdict is not in it"

# --- 5. The fake-infohash probe is fresh every run and looks like a common client.
probe_twice() {
  netup 1.2.3.4
  remote peer 1.2.3.4 6881 log seen.txt
  for _ in $(seq 50); do [[ -n $(ss -Htln 'sport = :6881') ]] && break; sleep 0.1; done
  for run in 1 2; do
    "$1" probe -q --no-reverse --linger 0.2 --connect-timeout 2 --handshake-timeout 2 -o "run$run.jsonl" "$2" || exit 1
  done
}
case_ probe_identity 0 "" -- bash -c "$(declare -f netup remote probe_twice); remotes=$remotes; probe_twice \"\$@\"" _ \
  "$bin" "$T/in/obs.jsonl"
mapfile -t fakes < <(grep -v "^$ih " "$dir/seen.txt" | cut -d' ' -f1)
mapfile -t ids < <(cut -d' ' -f2- "$dir/seen.txt")
[[ ${#fakes[@]} == 2 && ${fakes[0]} != "${fakes[1]}" ]] || fail "two runs must send two different fake infohashes: ${fakes[*]}"
# The recording peer hangs up without a handshake, so each run asks the real
# infohash twice (probes/peer_probe.hpp) besides the fake one: compare the
# first connection of the first run with the last of the second.
[[ ${#ids[@]} -ge 4 && ${ids[0]} != "${ids[-1]}" ]] || fail "the peer id did not change between runs: ${ids[*]}"
for id in "${ids[@]}"; do [[ $id == -qB4520-* || $id == -TR3000-* ]] || fail "peer id $id is no common client's"; done

# --- 6. Bounds: memory and sizes.
# About 1.1 GB of list in a gzip file of 28 MB: inflated whole, it passed 2 GB.
setup_known_huge() {
  python3 -c "
import gzip
block = ''.join('An Anti-P2P Company With A Rather Long Name, Inc. %d:1.2.3.4-1.2.3.5\n' % i for i in range(400)) * 30
with gzip.open('list.p2p.gz', 'wt', compresslevel=1) as f:
    for _ in range(1270): f.write(block)"
}
case_ known_huge 2 "take more than 256 MiB" -- "$bin" diagnose --known list.p2p.gz "$T/in/obs.jsonl"
setup_torrent_huge() { truncate -s 2200M big.torrent; }
case_ torrent_huge 2 "input exceeds size limit" --time 10 -- "$bin" inspect torrent big.torrent
setup_many_trackers() { python3 "$remotes" torrent many.torrent 100000; }
case_ many_trackers 0 "lists 100000 trackers; asking the first 500" --time 30 -- \
  "$bin" crawl -q --no-trackers --no-dht --no-pex --max-duration 1 -o c.jsonl many.torrent

# --- 7. Numbers that are not numbers.
for opt in "crawl --per-ip-rate" "crawl --global-rate" "probe --connect-timeout" "diagnose --u-threshold" \
  "diagnose --db-wait" "passive --interval" "blocklist --min-confidence"; do
  read -r sub flag <<<"$opt"
  for v in nan inf -inf; do
    case_ "nan_${sub}_${flag#--}_${v/-/minus-}" 2 "not a finite number" -- "$bin" $sub "$flag" "$v" "$T/in/obs.jsonl"
  done
done

# --- 8. Hostile remotes in a namespace: every misbehaviour leaves an anomaly
# naming its source, and the good source's peers are still recorded.
remotes_crawl() {
  netup 1.2.3.4 1.2.3.5 1.2.3.6 1.2.3.7
  remote tracker 1.2.3.4 8001 trickle
  remote tracker 1.2.3.4 8002 huge-header
  remote tracker 1.2.3.4 8003 close-early
  remote tracker 1.2.3.4 8004 ok 1.2.3.5:6881
  remote udp 1.2.3.4 8005 silent
  remote udp 1.2.3.6 8006 elsewhere 1.2.3.7
  remote peer 1.2.3.5 6881 stall none
  sleep 1
  "$1" crawl --quick --no-dht --max-duration 25 --stable-for 20 -o c.jsonl \
    --tracker http://1.2.3.4:8001/announce --tracker http://1.2.3.4:8002/announce \
    --tracker http://1.2.3.4:8003/announce --tracker http://1.2.3.4:8004/announce \
    --tracker udp://1.2.3.4:8005/announce --tracker udp://1.2.3.6:8006/announce "$ih"
}
case_ remotes 0 "" --time 60 -- bash -c "$(declare -f netup remote remotes_crawl); remotes=$remotes ih=$ih; remotes_crawl \"\$@\"" _ "$bin"
anomaly() {  # SOURCE KIND: an anomaly record of that kind naming that source
  grep '"type":"anomaly"' "$dir/c.jsonl" | grep -F "$1" | grep -qF "\"kind\":\"$2\"" ||
    fail "no $2 anomaly for $1: $(grep '"type":"anomaly"' "$dir/c.jsonl" | head -c 800)"
}
anomaly "http://1.2.3.4:8001/announce" slow
anomaly "http://1.2.3.4:8002/announce" oversized
anomaly "http://1.2.3.4:8003/announce" protocol_violation
anomaly "udp://1.2.3.4:8005/announce" silent
anomaly "udp://1.2.3.6:8006/announce" unsolicited
anomaly '"source_ip":"1.2.3.5"' slow
grep '"type":"observation"' "$dir/c.jsonl" | grep -q '"source_url":"http://1.2.3.4:8004/announce"' ||
  fail "the good tracker's peer was not recorded"

# --- 9. Captures: raw IP link types.
for lt in 101 12 14; do
  setup_raw() { python3 "$remotes" pcap-raw raw.pcap "$lt"; }
  eval "setup_pcap_raw_$lt() { setup_raw; }"
  case_ "pcap_raw_$lt" 0 "passive_krpc: 1" -- "$bin" passive -o p.jsonl raw.pcap
done

# --- 10. Write errors name what failed and fail at once.
case_ stdout_full 1 "writing standard output" -- bash -c '"$@" >/dev/full' _ "$bin" inspect ip 1.2.3.4
case_ diagnose_stdout_full 1 "writing standard output" -- bash -c '"$@" >/dev/full' _ \
  "$bin" diagnose -o - --report none "$T/in/obs.jsonl"
crawl_full() {
  netup 1.2.3.4 1.2.3.5
  remote tracker 1.2.3.4 8004 ok 1.2.3.5:6881
  sleep 1
  "$1" crawl --quick --no-dht --no-pex --max-duration 40 -o /dev/full --tracker http://1.2.3.4:8004/announce "$ih"
}
case_ crawl_full 1 "cannot write /dev/full: No space left on device" --time 30 -- \
  bash -c "$(declare -f netup remote crawl_full); remotes=$remotes ih=$ih; crawl_full \"\$@\"" _ "$bin"
((elapsed <= 15)) || fail "the crawl went on for $elapsed s after its output failed"
grep -q "unique peers" <<<"$out" || fail "no summary after the write error"

# --- 11. The torrent author's and the list's bytes never reach the terminal raw.
case_ magnet_escape 0 "a%1B[31mRED" -- "$bin" inspect torrent "magnet:?xt=urn:btih:$ih&dn=a%1b%5b31mRED"
[[ $out != *$'\e'* ]] || fail "a raw ESC reached the terminal"
setup_trackers_escape() { printf 'http://ok/announce\n\033[31mbad\001\377\n' >trackers.txt; }
case_ trackers_escape 2 "%1B[31mbad%01%FF" -- "$bin" crawl --trackers trackers.txt "$ih"
[[ $out != *$'\e'* ]] || fail "a raw ESC reached the terminal"

# --- 12. The record reader: NUL, a repeated key, year 0000, each by line.
setup_records_lenient() {
  local good; good=$(obs 1.2.3.4)
  { echo "$good"; echo "${good%\}},\"peer_ip\":\"9.9.9.9\"}"; echo "${good/2025-/0000-}"; printf '%s\0 trailing\n' "$good"; } >r.jsonl
}
case_ records_lenient 2 'r.jsonl:2: field "peer_ip" appears twice' -- "$bin" inspect records r.jsonl
grep -qF "r.jsonl:3:" <<<"$out" || fail "year 0000 accepted"
grep -qF "r.jsonl:4: NUL byte" <<<"$out" || fail "text after a NUL accepted"

# --- 13. The small ones.
case_ records_directory 1 "Is a directory" -- "$bin" inspect records "$T/in"
case_ blocklist_name 2 "--name" -- "$bin" blocklist --name "bad name!" "$T/in/verdicts.jsonl"
case_ bootstrap_port_high 2 "port of 1-65535" -- "$bin" crawl --bootstrap h:99999 "$ih"
case_ bootstrap_port_zero 2 "port of 1-65535" -- "$bin" crawl --bootstrap h:0 "$ih"
# Windows editors start files with a byte-order mark.
setup_known_bom() { printf '\xef\xbb\xbf1.2.3.0/24\n' >bom.cidr; }
case_ known_bom 0 "" -- "$bin" diagnose --known bom.cidr -o v.jsonl --report none "$T/in/obs.jsonl"
grep -q '"verdict":"anti_p2p"' "$dir/v.jsonl" || fail "the listed peer was not judged anti_p2p"
setup_targets_bom() { printf '\xef\xbb\xbf%s\n' "$ih" >hashes.txt; }
case_ targets_bom 0 "1 infohash(es)" -- "$bin" crawl --no-trackers --no-dht --no-pex --max-duration 1 -o c.jsonl hashes.txt

grep -qx untouched "$T/outside/sentinel" || { name=suite; fail "the sentinel outside every case changed"; }
if ((failures > 0)); then echo "hostile: $failures failure(s) in $cases cases"; exit 1; fi
echo "hostile: all $cases cases passed"
