# Sourced by the PostgreSQL acceptance scripts that need a server of their
# own and the lab. Expects $1 = PATH/TO/p2pscope. Sets bin, root, tmp (a
# directory the server's user can reach), pgdir, lab; starts the server
# (PG* variables exported) and migrates it; `lab_up` brings up the `small`
# lab and sets client (a free address inside), dht (a bootstrap node) and
# torrent. Everything is torn down on exit.
set -u
bin=$(realpath "$1")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d)
chmod 755 "$tmp"
lab="$tmp/lab"
pgdir="$tmp/pg"
cleanup_extra() { :; }
cleanup() {
  cleanup_extra
  "$bin" lab down --state-dir "$lab" >/dev/null 2>&1
  "$root/scripts/pg_test_server.sh" destroy "$pgdir" >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
q() { psql -XtAc "$1"; }

eval "$("$root/scripts/pg_test_server.sh" start "$pgdir")" || fail "cannot start PostgreSQL"
"$bin" db migrate 2>/dev/null || fail "db migrate"

lab_up() {
  "$bin" lab up --state-dir "$lab" >"$tmp/lab-up.txt" 2>&1 || { cat "$tmp/lab-up.txt"; fail "lab up"; }
  client=$(sed -n 's/^free addresses for tools run inside: \([^ ]*\).*/\1/p' "$tmp/lab-up.txt")
  dht=$(sed -n 's/^DHT: .*e\.g\. \(.*\)$/\1/p' "$tmp/lab-up.txt")
  torrent=$(sed -n 's/^info hash: *[0-9a-f]* *\(.*\)$/\1/p' "$tmp/lab-up.txt" | head -1)
  [[ -n $client && -n $dht && -f $torrent ]] || { cat "$tmp/lab-up.txt"; fail "cannot read the lab's addresses"; }
}
