#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests, benchmarks and trying p2pscope
# out: initdb into DIR, listening only on a unix socket in DIR (no TCP).
#
#   scripts/pg_test_server.sh start DIR   creates DIR/data on first use, starts the
#                                         server and prints the environment to use it:
#                                           eval "$(scripts/pg_test_server.sh start /tmp/pg)"
#   scripts/pg_test_server.sh stop DIR    stops it (fast shutdown); DIR/data stays
#   scripts/pg_test_server.sh destroy DIR stops it and removes DIR
#   scripts/pg_test_server.sh env DIR     prints the environment again
#
# Role p2pscope (superuser, no password over the socket) owns database
# p2pscope. Role p2pscope_pw has password "secret" (scram-sha-256), so tests
# can check how a wrong password is reported. Runs the server as the Debian
# `postgres` user when started as root (PostgreSQL refuses to run as root).
#
# NOT FOR DATA YOU KEEP. It runs with fsync=off and full_page_writes=off for
# speed: a crash of the server process loses nothing it acknowledged
# (synchronous_commit stays on, so every commit's WAL is written before the
# reply), but a crash of the machine or a power loss can lose or corrupt the
# whole database. A server for real crawls keeps PostgreSQL's defaults
# (fsync=on, synchronous_commit=on, full_page_writes=on) and is backed up.
set -euo pipefail

usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
(($# == 2)) || usage
cmd=$1
dir=$(realpath -m "$2")
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -x $bindir/initdb ]] || { echo "pg_test_server: PostgreSQL server binaries not found (scripts/setup.sh installs them)" >&2; exit 1; }

as_owner() {
  if ((EUID == 0)); then runuser -u postgres -- "$@"; else "$@"; fi
}
print_env() {
  echo "export PGHOST='$dir' PGPORT=5432 PGUSER=p2pscope PGDATABASE=p2pscope"
}

start() {
  mkdir -p "$dir"
  ((EUID == 0)) && chown postgres: "$dir"
  if [[ ! -f $dir/data/PG_VERSION ]]; then
    as_owner "$bindir/initdb" -D "$dir/data" -U p2pscope --auth-local=trust --auth-host=reject -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    cat >"$dir/data/pg_hba.conf" <<HBA
local all p2pscope trust
local all all scram-sha-256
HBA
    local first=1
  fi
  # A server still running in DIR was left by an interrupted run: its lock
  # file would make this start fail, so it is stopped first.
  if [[ -z ${first:-} ]] && as_owner "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    echo "pg_test_server: stopping the server an earlier run left running in $dir" >&2
    stop
  fi
  as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses='' -c unix_socket_directories='$dir' -p 5432 -c fsync=off -c full_page_writes=off" \
    start >/dev/null || { tail -20 "$dir/server.log" >&2; exit 1; }
  if [[ -n ${first:-} ]]; then
    "$bindir/psql" -h "$dir" -p 5432 -U p2pscope -d postgres -q -v ON_ERROR_STOP=1 \
      -c "CREATE DATABASE p2pscope" -c "CREATE ROLE p2pscope_pw LOGIN PASSWORD 'secret'" >/dev/null
  fi
  print_env
}

stop() {
  [[ -f $dir/data/postmaster.pid ]] || return 0
  as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
}

case $cmd in
  start) start ;;
  stop) stop ;;
  destroy) stop; rm -rf "$dir" ;;
  env) print_env ;;
  *) usage ;;
esac
