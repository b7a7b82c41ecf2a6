#!/usr/bin/env bash
# `p2pscope db` as a user runs it, against the server of the ctest fixture
# pg_server (PGHOST set by ctest): migrate, import, export (JSON Lines ->
# database -> JSON Lines is an identity), re-import without duplicates, and
# the connection errors.
# Usage: pg_cli_test.sh PATH/TO/p2pscope
set -u
bin=$1
fixture="$(dirname "$0")/fixtures/records/every_type_from_a_lab_run.jsonl"
tmp=$(mktemp -d)
db="user=p2pscope dbname=cli_$$"
trap 'psql -XqAt "user=p2pscope dbname=postgres" -c "DROP DATABASE IF EXISTS cli_$$ WITH (FORCE)"; rm -rf "$tmp"' EXIT
psql -XqAt "user=p2pscope dbname=postgres" -c "CREATE DATABASE cli_$$" || exit 1
source "$(dirname "$0")/expect.sh"

# The test server acknowledges a commit only once its WAL is written: a
# kill -9 of the server must not lose a batch import reported as stored.
[[ $(psql -XqAt "$db" -c "SHOW synchronous_commit") == on ]] || fail_check "the test server runs with synchronous_commit off"

expect 0 "$bin" db --help
contains "migrate"
expect 1 "$bin" db export --db "$db"
contains "run \`p2pscope db migrate\`"
expect 0 "$bin" db migrate --db "$db"
contains "applied version 1"
expect 0 "$bin" db migrate --db "$db"
contains "nothing to do"
expect 0 "$bin" db import --db "$db" --spool-dir "$tmp/spool" "$fixture"
contains "16 records in"
expect 0 "$bin" db export --db "$db" -o "$tmp/out.jsonl"
cmp "$fixture" "$tmp/out.jsonl" || { fail_check "export differs from the imported file"; }
expect 0 "$bin" db import --db "$db" --spool-dir "$tmp/spool" "$fixture"
contains "1 duplicate batches skipped"
expect 0 "$bin" db status --db "$db"
contains "observation: 3 rows"
expect 0 env P2PSCOPE_DB="$db" "$bin" db export --run no-such-run -o "$tmp/none.jsonl"
[[ -s $tmp/none.jsonl ]] && { fail_check "--run filter"; }
# Issue 22: a failed write names the file it failed on.
expect 1 "$bin" db export --db "$db" -o /dev/full
contains "writing /dev/full: No space left on device"
# Standard input is digested like a file: the same lines twice are stored once.
rows_before=$(psql -XqAt "$db" -c "SELECT count(*) FROM observation")
expect 0 sh -c "cat '$fixture' | '$bin' db import --db '$db' --spool-dir '$tmp/spool' -"
contains "1 duplicate batches skipped"
[[ $(psql -XqAt "$db" -c "SELECT count(*) FROM observation") == "$rows_before" ]] ||
  fail_check "importing the same lines from standard input stored them again"
ls "${TMPDIR:-/tmp}"/p2pscope-import-stdin-* >/dev/null 2>&1 && fail_check "the saved standard input was left behind"

# The stages read from and store into the database.
expect 0 "$bin" diagnose --db "$db" --spool-dir "$tmp/spool" --report none
contains "records from the database"
verdicts=$(psql -XqAt "$db" -c "SELECT count(*) FROM verdict")
[[ $verdicts -gt 3 ]] || { fail_check "diagnose --db stored no verdicts ($verdicts rows)"; }
expect 0 "$bin" blocklist --db "$db" -f cidr --classes byte_order --classes unreachable -o "$tmp/list.cidr"
contains "verdict(s)"
contains "blocklist export 1"
# serve over the database (issue 27): it diagnoses the stored records as
# diagnose does, so its feed holds what blocklist writes from a diagnosis of
# the same records exported; /health says all is well.
expect 0 "$bin" db export --db "$db" -o "$tmp/all.jsonl"
expect 0 "$bin" diagnose --report none -o "$tmp/fresh.jsonl" "$tmp/all.jsonl"
classes=()
for c in $(python3 -c 'import json,sys; print(" ".join(sorted({json.loads(l)["verdict"] for l in open(sys.argv[1])})))' \
  "$tmp/fresh.jsonl"); do classes+=(--classes "$c"); done
expect 0 "$bin" blocklist -f cidr "${classes[@]}" -o "$tmp/fresh.cidr" "$tmp/fresh.jsonl"
"$bin" serve --db "$db" --listen 127.0.0.1:18413 --refresh 0 "${classes[@]}" >"$tmp/serve.log" 2>&1 &
serve_pid=$!
python3 - "$tmp" <<'PY' || fail_check "serve --db: $(tail -3 "$tmp/serve.log")"
import json, sys, time, urllib.request
tmp = sys.argv[1]
for _ in range(200):
    try:
        health = json.load(urllib.request.urlopen("http://127.0.0.1:18413/health", timeout=2))
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("serve never answered")
served = urllib.request.urlopen("http://127.0.0.1:18413/blocklist.cidr", timeout=5).read().decode()
rules = lambda text: sorted(l for l in text.splitlines() if l and not l.startswith("#"))
written = rules(open(tmp + "/fresh.cidr").read())
if rules(served) != written or len(written) < 3:
    sys.exit("served %s, blocklist wrote %s" % (rules(served), written))
if health.get("status") != "ok":
    sys.exit("health: %s" % health)
PY
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null
[[ $(psql -XqAt "$db" -c "SELECT content_sha256 || ' ' || rules FROM blocklist_export WHERE id = 1") == \
   "$(sha256sum <"$tmp/list.cidr" | cut -d' ' -f1) $(grep -vc '^#' "$tmp/list.cidr")" ]] ||
  fail_check "blocklist_export does not describe the file written"
[[ $(psql -XqAt "$db" -c "SELECT count(*) FROM blocklist_entry WHERE export = 1") -ge 1 ]] ||
  fail_check "the export's ranges are not in blocklist_entry"

# A harness report (a reverse-pex control run) into harness_run and
# harness_flow; importing it again adds nothing.
report="$(dirname "$0")/fixtures/harness/reverse_pex_control_report.json"
expect 0 "$bin" db import --db "$db" "$report"
contains "1 new harness run(s)"
expect 0 "$bin" db import --db "$db" "$report"
contains "0 new harness run(s), 1 already stored"
[[ $(psql -XqAt "$db" -c "SELECT count(*) FROM harness_flow WHERE created AND byte_order = 'address_reversed'") == 7 ]] ||
  fail_check "harness_flow lacks the 7 reversed peers of the control"
echo '[{"client": "x", "verdict": "clean"}]' >"$tmp/no_session.json"
expect 1 "$bin" db import --db "$db" --db-wait 0 "$tmp/no_session.json"
contains 'no string "session"'
expect 2 "$bin" diagnose
contains "give record files, or --db"

# Scheduled info hashes are remembered as manual ones.
expect 0 "$bin" schedule add --db "$db" --name manual-one --input c12fe1c06bba254a9dc9f519b335aa7c1367a88a
[[ $(psql -XqAt "$db" -c "SELECT origin || ' ' || detail FROM infohash WHERE info_hash = decode('c12fe1c06bba254a9dc9f519b335aa7c1367a88a', 'hex')") == "manual schedule manual-one" ]] ||
  fail_check "schedule add did not note its info hash as manual"
expect 0 "$bin" schedule list --db "$db"
contains '"name":"manual-one"'
expect 0 "$bin" schedule pause --db "$db" manual-one
expect 0 "$bin" schedule remove --db "$db" manual-one
expect 1 "$bin" schedule remove --db "$db" manual-one
contains "no job manual-one"

# Honeynet events and their suspect info hashes; reading the capture again adds nothing.
python3 "$(dirname "$0")/../scripts/synthetic_captures.py" --out "$tmp/syn" >/dev/null || fail_check "synthetic captures"
for round in 1 2; do
  expect 0 "$bin" passive --honeynet 198.51.100.0/24 --db "$db" --spool-dir "$tmp/spool" -o "$tmp/hn$round.jsonl" \
    "$tmp/syn/honeynet.pcap"
done
contains "0 new honeynet event(s), 4 already stored"
contains "1 duplicate batches skipped"
# Every record passive wrote is in passive_record once, and comes back out
# of db export as the same values (keys sorted).
[[ $(psql -XqAt "$db" -c "SELECT count(*) FROM passive_record") == $(wc -l <"$tmp/hn1.jsonl") ]] ||
  fail_check "passive_record does not hold each record of the capture once"
expect 0 "$bin" db export --db "$db" -o "$tmp/all.jsonl"
python3 - "$tmp/hn1.jsonl" "$tmp/all.jsonl" <<'PY' || fail_check "passive records do not come back out of db export unchanged"
import json, sys
wrote = [json.loads(l) for l in open(sys.argv[1])]
back = [r for r in map(json.loads, open(sys.argv[2]))
        if r["type"].startswith("passive_") or r["type"] in ("suspect_infohash", "suspect_ed2k_file")]
sys.exit(0 if wrote == back else 1)
PY
[[ $(psql -XqAt "$db" -c "SELECT string_agg(classification, ',' ORDER BY target) FROM honeynet_event") == \
   "misconfiguration,anti_p2p,forged_sources,misconfiguration" ]] || fail_check "honeynet_event rows"
[[ $(psql -XqAt "$db" -c "SELECT count(*) FROM infohash WHERE origin = 'honeynet_event'") -ge 3 ]] ||
  fail_check "the events' suspect info hashes are not in infohash"
# report --db draws the stored events and the harness session stored last (issue 27).
expect 0 "$bin" report --db "$db" -o "$tmp/db-report.html"
contains "4 honeynet events, 1 harness client runs"
contains "harness session harness-20261122T034247Z-75b8989d"
grep -q '<h2>Honeynet events (4)</h2>' "$tmp/db-report.html" || fail_check "report --db: no honeynet section"
grep -q '<td>reference-reverse-pex</td><td>pex</td>' "$tmp/db-report.html" || fail_check "report --db: no Table V row"
# One crawl run's report: its records only, no capture's honeynet events.
expect 0 "$bin" report --db "$db" --from-run crawl-20261121T172356Z-c1a9 -o "$tmp/run-report.html"
contains "(run crawl-20261121T172356Z-c1a9)"
contains "honeynet events belong to no crawl run: left out with --from-run"
contains "harness sessions belong to no crawl run"
contains "0 honeynet events, 0 harness client runs"
grep -q '<h2>Honeynet events' "$tmp/run-report.html" && fail_check "report --from-run drew the honeynet events"
expect 2 "$bin" report --db "$db" --harness-session no-such-session -o "$tmp/db-report2.html"
contains "holds no harness session no-such-session"
# The info hashes DHT nodes offered in sample_infohashes responses (BEP 51).
expect 0 "$bin" passive --db "$db" -o "$tmp/samples.jsonl" "$tmp/syn/dht_samples.pcap"
want=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["dht_samples"]))' "$tmp/syn/truth.json")
contains "$want sampled info hash(es) noted"
[[ $(psql -XqAt "$db" -c "SELECT count(*) FROM infohash WHERE origin = 'sample'") == "$want" ]] ||
  fail_check "infohash does not hold the $want sampled info hashes"
expect 2 "$bin" passive --db "password=x" "$tmp/syn/dht_samples.pcap"
contains ".pgpass"

expect 2 "$bin" db migrate --db "postgresql://p2pscope:secret@/x"
contains ".pgpass"
expect 2 "$bin" db migrate --db "no_such_option=1"
contains "invalid connection option"
expect 1 env PGPASSWORD=wrong "$bin" db migrate --db "user=p2pscope_pw dbname=cli_$$"
contains "password authentication failed"
expect 1 "$bin" db migrate --db "host=/nonexistent-p2pscope"
contains "database unreachable"

finish "db CLI"
