#!/usr/bin/env bash
# Issue #8 acceptance for `p2pscope worker`, on a server of its own:
#  1. two workers, one queue: 12 jobs, two workers at once; each job's due
#     time runs exactly once;
#  2. a worker killed with SIGKILL in the middle of a lab crawl: another
#     worker takes the job over once the lease expires, finishes it, and the
#     run's rows are exactly that crawl's observations, none twice.
# Usage: pg_worker_test.sh PATH/TO/p2pscope
source "$(dirname "$0")/pg_lab_common.sh"
cleanup_extra() { [[ -n ${worker_a:-} ]] && kill -9 "$worker_a" 2>/dev/null; }

# Workers outside the lab run in the background, each in a network namespace
# of its own (only loopback, down): their crawls have every source off, and
# the namespace makes sure nothing leaves even so. The database is reached by
# its socket. Background use only: exec makes $! the worker itself.
isolated() { exec unshare --user --map-root-user --net -- "$@"; }

# 1. Crawls that send nothing (every source off) and take a second each.
for i in $(seq -w 1 12); do
  "$bin" schedule add --name "idle-$i" --input "c12fe1c06bba254a9dc9f519b335aa7c1367a8$i" --every 24 \
    --crawl-arg=--no-trackers --crawl-arg=--no-dht --crawl-arg=--no-pex --crawl-arg=--max-duration --crawl-arg=1 \
    >/dev/null || fail "schedule add"
done
isolated "$bin" worker --worker-id one --exit-when-idle --spool-dir "$tmp/spool" 2>"$tmp/one.err" &
one=$!
isolated "$bin" worker --worker-id two --exit-when-idle --spool-dir "$tmp/spool" 2>"$tmp/two.err" &
two=$!
wait "$one" || fail "worker one exited $?"
wait "$two" || fail "worker two exited $?"
runs=$(q "SELECT count(*) FROM job_run WHERE status = 'done' AND attempt = 1")
by=$(q "SELECT string_agg(worker || ':' || n, ' ') FROM (SELECT worker, count(*) n FROM job_run GROUP BY worker ORDER BY worker) w")
echo "two workers: $runs of 12 due times done once ($by)"
[[ $runs == 12 && $(q "SELECT count(*) FROM job_run") == 12 ]] || fail "want each of the 12 jobs run exactly once"
[[ $(q "SELECT count(DISTINCT worker) FROM job_run") == 2 ]] || fail "the two workers did not share the queue"
[[ $(q "SELECT count(*) FROM job WHERE next_due < now() + interval '23 hours'") == 0 ]] || fail "a job is due again"
q "DELETE FROM job" >/dev/null

# 1b. Ctrl-C in the middle of a job gives it back undone.
"$bin" schedule add --name interrupted --input c12fe1c06bba254a9dc9f519b335aa7c1367a800 --every 24 \
  --crawl-arg=--no-trackers --crawl-arg=--no-dht --crawl-arg=--no-pex --crawl-arg=--max-duration --crawl-arg=60 \
  >/dev/null || fail "schedule add"
isolated "$bin" worker --worker-id stopped --exit-when-idle --spool-dir "$tmp/spool" 2>"$tmp/stopped.err" &
stopped=$!
# Interrupt only once the job is leased: "released" proves nothing about a
# job that was never taken.
for _ in $(seq 60); do
  [[ $(q "SELECT count(*) FROM job WHERE lease_owner LIKE 'stopped#%'") == 1 ]] && break
  sleep 0.5
done
[[ $(q "SELECT count(*) FROM job WHERE lease_owner LIKE 'stopped#%'") == 1 ]] ||
  fail "the worker never leased the job in 30 s: $(tail -4 "$tmp/stopped.err")"
[[ $(q "SELECT count(*) FROM job_run WHERE worker = 'stopped' AND status = 'running'") == 1 ]] ||
  fail "no running job_run for the leased job"
kill -INT "$stopped"
wait "$stopped" || fail "the interrupted worker exited $?"
[[ $(q "SELECT count(*) FROM job WHERE lease_owner IS NULL AND next_due <= now()") == 1 ]] ||
  fail "an interrupted job must be released and still due: $(q "SELECT lease_owner, next_due, now() FROM job"); $(tail -4 "$tmp/stopped.err")"
[[ $(q "SELECT count(*) FROM job_run WHERE status = 'done'") == 0 ]] || fail "an interrupted job was marked done"
echo "interrupt: the job went back to the queue undone"
q "DELETE FROM job" >/dev/null

# 1c. A job of eMule files alone (no infohash): accepted, run and done. Its
# index server is a TEST-NET address the isolated worker has no route to,
# so the crawl records the failure and ends; nothing is sent anywhere.
ed2k="ed2k://|file|lab.bin|9728000|0123456789ABCDEF0123456789ABCDEF|/"
"$bin" schedule add --name emule-only --input "$ed2k" --every 24 \
  --crawl-arg=--ed2k-server --crawl-arg=198.51.100.7:4661 --crawl-arg=--max-duration --crawl-arg=5 \
  >"$tmp/emule-add.out" || fail "schedule add of an ed2k link: $(cat "$tmp/emule-add.out")"
isolated "$bin" worker --worker-id mule --exit-when-idle --spool-dir "$tmp/spool" 2>"$tmp/mule.err" &
mule=$!
wait "$mule" || fail "the eMule job's worker exited $?: $(tail -4 "$tmp/mule.err")"
[[ $(q "SELECT status FROM job_run WHERE worker = 'mule'") == done ]] ||
  fail "the eMule-only job did not run to done: $(q "SELECT status, message FROM job_run WHERE worker = 'mule'"); $(tail -4 "$tmp/mule.err")"
grep -q "198.51.100.7" "$tmp/mule.err" || fail "the crawl did not report its unreachable index server: $(tail -4 "$tmp/mule.err")"
echo "eMule-only job: run to done; the crawl said: $(grep -m1 "198.51.100.7" "$tmp/mule.err")"
q "DELETE FROM job" >/dev/null

# 2. A lab crawl, and the worker running it killed.
lab_up
"$bin" schedule add --name lab --input "$torrent" --every 24 --profile quick \
  --crawl-arg=--bind --crawl-arg="$client" --crawl-arg=--bootstrap --crawl-arg="$dht" >/dev/null || fail "schedule add"
"$bin" lab exec --state-dir "$lab" -- "$bin" worker --worker-id doomed --lease 6 --exit-when-idle \
  --spool-dir "$tmp/spool" 2>"$tmp/doomed.err" &
worker_a=$!
sleep 20
doomed_rows=$(q "SELECT count(*) FROM observation")
pkill -9 -f -- "--worker-id doomed"; kill -9 "$worker_a" 2>/dev/null; wait "$worker_a" 2>/dev/null; worker_a=
[[ $doomed_rows -gt 0 ]] || fail "the doomed worker stored nothing in 20 s; the takeover proves nothing"
echo "killed the first worker after it stored $doomed_rows observations"
# The lease has up to 6 s left: --once waits for the job to come due again.
timeout 300 "$bin" lab exec --state-dir "$lab" -- "$bin" worker --worker-id heir --lease 6 --poll 1 --once \
  --spool-dir "$tmp/spool" 2>"$tmp/heir.err" &
heir=$!
wait "$heir" || fail "heir exited $?"
grep -E "worker heir" "$tmp/heir.err"
row=$(q "SELECT attempt || ' ' || status || ' ' || observations || ' ' || run FROM job_run")
read -r attempt status tally run <<<"$row"
stored=$(q "SELECT count(*) FROM observation WHERE run = '$run'")
distinct=$(q "SELECT count(*) FROM (SELECT DISTINCT time, info_hash, peer_ip, peer_port, via, source_url, source_ip, source_port, source_node_id FROM observation WHERE run = '$run') d")
echo "takeover: attempt $attempt $status; crawler tally $tally, rows $stored ($distinct distinct)"
[[ $attempt == 2 && $status == done ]] || fail "want attempt 2 done"
[[ $tally -gt 0 && $stored == "$tally" && $distinct == "$stored" ]] || fail "rows differ from the finishing crawl's tally"
[[ $(q "SELECT count(*) FROM observation") == "$stored" ]] || fail "rows of the killed attempt remain"
echo "worker: all checks passed"
