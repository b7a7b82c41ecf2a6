#!/usr/bin/env bash
# Builds and runs every benchmark (release build in build/bench) and prints
# each result as a ratio against a baseline measured in the same run.
#   bench/run.sh [--repetitions N] [--no-lab] [--only SECTION]
#     --repetitions N  repetitions of each in-process benchmark; the median is
#                      reported (default 5)
#     --no-lab         skip the DHT lookup and probe benchmarks, which bring up the
#                      `large` lab (about 35 s and 1 GiB of memory)
#     --only SECTION   run one section: codec, krpc, pex, emule, routability,
#                      passive, store or lab
set -euo pipefail
cd "$(dirname "$0")/.."
reps=5
lab=yes
only=
want() { [[ -z $only || $only == "$1" ]]; }
while (($#)); do
  case $1 in
    --repetitions) reps=$2; shift 2 ;;
    --no-lab) lab=no; shift ;;
    --only)
      only=$2; shift 2
      [[ $only =~ ^(codec|krpc|pex|emule|routability|passive|store|lab)$ ]] ||
        { echo "bench/run.sh: unknown section $only (codec, krpc, pex, emule, routability, passive, store, lab)" >&2; exit 2; } ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DP2PSCOPE_BUILD_TESTS=OFF -DP2PSCOPE_BUILD_BENCH=ON >/dev/null
cmake --build build/bench -j "$(nproc)" --target codec_bench krpc_bench pex_bench kad_bench sx_bench dht_bench routability_bench probe_bench \
  passive_bench pg_bench p2pscope >/dev/null
bin=build/bench/bench
work=$(mktemp -d)
chmod 755 "$work"  # the throwaway PostgreSQL server runs as its own user
state="$work/lab"
cleanup() {
  [[ -d $state ]] && build/bench/cli/p2pscope lab down --state-dir "$state" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT


# Codecs against lt::bdecode of the same bytes.
if want codec; then
$bin/codec_bench --benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true \
  --benchmark_format=json >"$work/codec.json"
python3 - "$work/codec.json" <<'PY'
import json, sys
# The medians; with --repetitions 1 there are no aggregates, only the one run.
rows = {b["run_name"]: b for b in json.load(open(sys.argv[1]))["benchmarks"]
        if b.get("aggregate_name") == "median" or b.get("run_type") == "iteration"}
pairs = [("codec: KRPC get_peers response (8 nodes, 50 values)", "BM_DecodeKrpcGetPeers", "BM_BaselineBdecodeGetPeers"),
         ("codec: ut_pex (50 added with flags, 50 dropped)", "BM_DecodePex", "BM_BaselineBdecodePex")]
for label, ours, base in pairs:
    o, b = rows[ours]["real_time"], rows[base]["real_time"]
    print(f"{label}: {o:.0f} ns vs lt::bdecode {b:.0f} ns "
          f"= {o / b:.2f}x the baseline's time ({1e9 / o:,.0f} msg/s)")
PY
fi

# KRPC queries per CPU-second against raw loopback UDP request/response.
if want krpc; then
for ((i = 0; i < reps; i++)); do $bin/krpc_bench >>"$work/krpc.jsonl"; done
python3 - "$work/krpc.jsonl" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
med = lambda k: statistics.median(r[k] for r in runs)
print(f"krpc: {med('krpc_per_cpu_s'):,.0f} queries per CPU-second vs raw loopback UDP {med('raw_per_cpu_s'):,.0f} "
      f"= {med('ratio'):.0%} of the baseline (target >= 30%; median of {len(runs)})")
PY
fi

# PEX sessions held open and memory per session (an absolute target).
if want pex; then
$bin/pex_bench --sessions 10000 >"$work/pex.json"
$bin/pex_bench --sessions 10000 --carrier utp >>"$work/pex.json"
python3 - "$work/pex.json" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(f"pex over {r['carrier']}: {r['held']:,} of {r['sessions']:,} sessions held open after {r['seconds_to_open']:.1f} s; "
          f"{r['heap_bytes_per_session'] / 1024:.1f} KiB heap, {r['rss_bytes_per_session'] / 1024:.1f} KiB RSS per session "
          f"(target <= 16 KiB)")
PY
fi

# eMule (issue 24): KAD requests per crawler CPU-second against raw loopback
# UDP, and source-exchange sessions held open with memory per session.
if want emule; then
for ((i = 0; i < reps; i++)); do $bin/kad_bench >>"$work/kad.jsonl"; done
$bin/sx_bench --sessions 10000 >"$work/sx.json"
python3 - "$work/kad.jsonl" "$work/sx.json" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
med = lambda k: statistics.median(r[k] for r in runs)
print(f"kad: {med('kad_requests_per_cpu_s'):,.0f} KAD requests per CPU-second ({med('searches_per_cpu_s'):,.0f} source searches) "
      f"vs raw loopback UDP {med('raw_per_cpu_s'):,.0f} = {med('ratio'):.0%} of the baseline "
      f"(target >= 30%; {runs[0]['nodes']} nodes, {runs[0]['files']} files, median of {len(runs)})")
r = json.load(open(sys.argv[2]))
print(f"sx: {r['held']:,} of {r['sessions']:,} source-exchange sessions held open after {r['seconds_to_open']:.1f} s; "
      f"{r['heap_bytes_per_session'] / 1024:.1f} KiB heap, {r['rss_bytes_per_session'] / 1024:.1f} KiB RSS per session "
      f"(target <= 16 KiB)")
PY
fi

# Routability lookups against libmaxminddb on the same synthetic ASN .mmdb
# (400k IPv4 and 120k IPv6 prefixes, 10M lookups; writing the file takes
# about 20 s).
if want routability; then
for ((i = 0; i < (reps < 3 ? reps : 3); i++)); do $bin/routability_bench >>"$work/routability.jsonl"; done
python3 - "$work/routability.jsonl" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
med = lambda k: statistics.median(r[k] for r in runs)
r = runs[0]
print(f"routability: {med('ours_per_s'):,.0f} lookups/s vs MMDB_lookup_sockaddr {med('mmdb_lookup_per_s'):,.0f}/s "
      f"= {med('ratio'):.1f}x (target >= 3x; {med('ratio_with_asn'):.1f}x against lookup plus reading the ASN); "
      f"table {r['table_bytes'] / 2**20:.1f} MiB vs .mmdb {r['file_bytes'] / 2**20:.1f} MiB "
      f"({r['prefixes']:,} networks, {r['lookups']:,} lookups, median of {len(runs)})")
PY
fi

# The passive pass over 1M packets (the real samples replayed with new
# addresses each round) against a plain libpcap loop in the same process,
# then the whole command against tshark -r and ndpiReader on the same file
# (wall time, output to /dev/null, the page cache warm for all three).
if want passive; then
bench/replay_capture.py --out "$work/replay.pcap" --packets 1000000
# Write the 0.9 GB back now and read it once: otherwise the writeback of the
# fresh file competes with the first timed runs (seen as iowait).
sync "$work/replay.pcap"
cat "$work/replay.pcap" >/dev/null
$bin/passive_bench --capture "$work/replay.pcap" --repetitions "$reps" >"$work/passive.json"
$bin/passive_bench --capture "$work/replay.pcap" --repetitions "$reps" --messages off >"$work/passive_nomsg.json"
python3 - "$work" "$reps" <<'PY'
import json, statistics, subprocess, sys, time
work, reps = sys.argv[1], int(sys.argv[2])
cap = work + "/replay.pcap"
def wall(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t
# Rounds of all three back to back, so that each ratio compares runs made
# under the same load (a busy host slows our two-thread pass more than
# tshark's one thread); the medians and each round's ratios are reported.
rounds = [(wall(["build/bench/cli/p2pscope", "passive", "-o", "/dev/null", cap]), wall(["tshark", "-r", cap]),
           wall(["ndpiReader", "-q", "-i", cap])) for _ in range(max(1, min(reps, 3)))]
ours, tshark, ndpi = (statistics.median(x) for x in zip(*rounds))
per_round = ", ".join(f"{t / o:.1f}x" for o, t, _ in rounds)
r, q = json.load(open(work + "/passive.json")), json.load(open(work + "/passive_nomsg.json"))
n = r["packets"]
print(f"passive: {n:,} packets in {ours:.2f} s ({n / ours:,.0f}/s, {r['records']:,} records) vs tshark -r {tshark:.2f} s "
      f"= {tshark / ours:.1f}x (target >= 20x; rounds {per_round}); vs ndpiReader {ndpi:.2f} s = {ndpi / ours:.2f}x (target >= 1x)")
print(f"passive: in process {r['ours_pps']:,.0f} packets/s vs a plain libpcap loop {r['libpcap_pps']:,.0f}/s "
      f"= {r['share']:.0%} of it (target >= 50%); {r['share_same_buffer']:.0%} of the loop given our 1 MiB stdio buffer; "
      f"without per-message records {q['ours_pps']:,.0f}/s = {q['share']:.0%}")
PY
fi

# Observation rows into PostgreSQL through PgSink against `psql \copy` of
# the same rows into the same table (same indexes), on a throwaway server.
if want store; then
eval "$(scripts/pg_test_server.sh start "$work/pg")" >/dev/null
$bin/../cli/p2pscope db migrate 2>/dev/null
rows=300000
$bin/pg_bench --db '' --rows "$rows" >"$work/pg.json"
psql -XqAc "\copy (SELECT * FROM observation) TO '$work/pg/obs.copy'"
psql -XqAc "TRUNCATE observation"
python3 - "$work" "$rows" <<'PY'
import json, subprocess, sys, time
work, rows = sys.argv[1], int(sys.argv[2])
t = time.perf_counter()
subprocess.run(["psql", "-XqAc", f"\\copy observation FROM '{work}/pg/obs.copy'"], check=True)
psql = rows / (time.perf_counter() - t)
r = json.load(open(work + "/pg.json"))
print(f"store: {r['rows_per_s']:,.0f} observation rows/s through PgSink (batches of {r['batch']}) vs psql \\copy "
      f"{psql:,.0f}/s = {r['rows_per_s'] / psql:.0%} (target >= 70%; {rows:,} rows, test server with fsync off)")
PY
scripts/pg_test_server.sh destroy "$work/pg" >/dev/null
fi

# DHT lookups on the large lab against libtorrent's dht_get_peers, then
# handshake probes against its lite peers vs raw loopback connect/accept.
if [[ $lab == yes ]] && want lab; then
  build/bench/cli/p2pscope lab up --scenario large --state-dir "$state" >"$work/up.txt" 2>"$work/up.err" ||
    { cat "$work/up.err" >&2; exit 1; }
  node=$(sed -n 's/^DHT: .*e\.g\. \([0-9.:]*\).*/\1/p' "$work/up.txt")
  free=$(sed -n 's/^free addresses for tools run inside: \([0-9.]*\).*/\1/p' "$work/up.txt")
  free2=$(sed -n 's/^free addresses for tools run inside: [0-9.]* \([0-9.]*\).*/\1/p' "$work/up.txt")
  free6=$(sed -n 's/^and IPv6 (crawl and probe with --bind6): \([0-9a-f:]*\).*/\1/p' "$work/up.txt")
  for lookups in 500 2000; do
    build/bench/cli/p2pscope lab exec --state-dir "$state" -- "$PWD/$bin/dht_bench" \
      --bind "$free" --bootstrap "$node" --lookups "$lookups" >>"$work/dht.jsonl"
  done
  # Both sides dual-stack (the large lab's IPv6 DHT, BEP 32).
  if [[ -n $free6 ]]; then
    build/bench/cli/p2pscope lab exec --state-dir "$state" -- "$PWD/$bin/dht_bench" \
      --bind "$free" --bind6 "$free6" --bootstrap "$node" --lookups 2000 >>"$work/dht.jsonl"
  fi
  python3 - "$work/dht.jsonl" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    print(f"dht{' (IPv4 and IPv6)' if r.get('ipv6') else ''}: {r['lookups']} lookups at once: {r['ours_per_s']:,.0f}/s vs libtorrent dht_get_peers "
          f"{r['libtorrent_per_s']:,.0f}/s = {r['ratio']:.1f}x (target >= 5x); CPU per lookup "
          f"{1000 * r['ours_cpu_s'] / r['lookups']:.2f} ms vs {1000 * r['libtorrent_cpu_s'] / r['lookups']:.2f} ms")
PY
  # The DHT crawl learns between rounds: every round after the first starts
  # from the closest nodes the round before kept. Queries per lookup and per
  # peer found, first round against the later ones, in the same crawl.
  torrents=$(ls "$state"/torrents/*.torrent)
  # shellcheck disable=SC2086
  build/bench/cli/p2pscope lab exec --state-dir "$state" -- build/bench/cli/p2pscope crawl -q --bind "$free" \
    --bootstrap "$node" --no-trackers --no-pex --requery 20 --stable-for 3600 --max-duration 95 -o /dev/null \
    --summary "$work/dht_rounds.json" $torrents 2>"$work/dht_rounds.err" || { cat "$work/dht_rounds.err" >&2; exit 1; }
  python3 - "$work/dht_rounds.json" <<'PY'
import json, sys
rounds = json.load(open(sys.argv[1]))["dht_rounds"]
first, later = rounds[0], rounds[1:]
q = lambda rs: sum(r["queries"] for r in rs); v = lambda rs: sum(r["values"] for r in rs); n = lambda rs: sum(r["lookups"] for r in rs)
learned = sum(r["from_learned"] for r in later)
per100 = lambda rs: 100 * q(rs) / max(v(rs), 1)
print(f"dht rounds: first round {q([first]) / n([first]):.1f} queries per lookup, {per100([first]):.1f} per 100 values "
      f"found; later rounds ({len(later)}) {q(later) / max(n(later), 1):.1f} per lookup, {per100(later):.1f} per 100 values "
      f"found; {learned} of {n(later)} later lookups started from kept nodes, not the bootstrap")
PY
  for ((i = 0; i < reps; i++)); do
    build/bench/cli/p2pscope lab exec --state-dir "$state" -- "$PWD/$bin/probe_bench" \
      --bind "$free2" --truth "$state/ground-truth.json" >>"$work/probe.jsonl"
    sleep 2  # lets the previous run's TIME_WAITs thin out
  done
  python3 - "$work/probe.jsonl" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
med = lambda k: statistics.median(r[k] for r in runs)
r = runs[0]
print(f"probe: {med('probe_per_s'):,.0f} handshake probes/s vs raw loopback connect/accept {med('raw_per_s'):,.0f}/s "
      f"= {med('ratio'):.0%} of the baseline (target >= 30%; {r['probes']:,} probes over {r['targets']} lab peers, "
      f"{r['concurrency']} at once, median of {len(runs)})")
PY
fi
