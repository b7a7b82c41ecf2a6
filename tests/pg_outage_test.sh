#!/usr/bin/env bash
# Issue #8 acceptance: stop PostgreSQL in the middle of a lab crawl and start
# it again; every observation the crawler produced must be in the database
# exactly once, counted against the crawler's own tally (--summary) and its
# JSON Lines copy. Everything runs in the lab's namespace and on a throwaway
# server on a unix socket.
# Usage: pg_outage_test.sh PATH/TO/p2pscope
source "$(dirname "$0")/pg_lab_common.sh"
lab_up

"$bin" lab exec --state-dir "$lab" -- "$bin" crawl --quick --bind "$client" --bootstrap "$dht" --run-id outage-run \
  --db '' --spool-dir "$tmp/spool" --db-wait 120 -o "$tmp/crawl.jsonl" --summary "$tmp/summary.json" "$torrent" \
  2>"$tmp/crawl.err" &
crawl=$!
sleep 15
"$root/scripts/pg_test_server.sh" stop "$pgdir" || fail "stopping PostgreSQL"
echo "PostgreSQL stopped at $(date +%T)"
sleep 20
kill -0 "$crawl" 2>/dev/null || fail "the crawl ended before PostgreSQL came back; the outage proves nothing"
"$root/scripts/pg_test_server.sh" start "$pgdir" >/dev/null || fail "restarting PostgreSQL"
echo "PostgreSQL started at $(date +%T)"
wait "$crawl"; rc=$?
cat "$tmp/crawl.err" | grep -E "database|spool|p2pscope crawl" || true
[[ $rc == 0 ]] || { tail -20 "$tmp/crawl.err"; fail "crawl exited $rc"; }

tally=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["observations"])' "$tmp/summary.json")
lines=$(grep -c '"type":"observation"' "$tmp/crawl.jsonl")
rows=$(q "SELECT count(*) FROM observation WHERE run = 'outage-run'")
distinct=$(q "SELECT count(*) FROM (SELECT DISTINCT time, info_hash, peer_ip, peer_port, via, source_url, source_ip, source_port, source_node_id, pex_flags FROM observation WHERE run = 'outage-run') d")
echo "crawler tally $tally, JSON Lines $lines, database rows $rows ($distinct distinct)"
grep -q "batches spooled during an outage" "$tmp/crawl.err" || fail "nothing was spooled: the outage did not hit a delivery"
[[ $tally -gt 0 && $tally == "$lines" && $tally == "$rows" && $rows == "$distinct" ]] || fail "counts differ"
"$bin" db export --run outage-run -o "$tmp/exported.jsonl" 2>/dev/null || fail "db export"
# Observations and the DHT nodes met (dht_node), as the crawler wrote them.
grep '"type":"observation"\|"type":"dht_node"' "$tmp/crawl.jsonl" | sort >"$tmp/a"
grep '"type":"observation"\|"type":"dht_node"' "$tmp/exported.jsonl" | sort >"$tmp/b"
grep -q '"type":"dht_node"' "$tmp/a" || fail "the crawl recorded no DHT node"
cmp -s "$tmp/a" "$tmp/b" || fail "the stored observations and DHT nodes differ from the crawler's own JSON Lines"
echo "outage: every observation stored exactly once"
