# Sourced by the acceptance scripts that run a lab of their own. Expects
# $1 = PATH/TO/p2pscope. Sets bin, work (a directory everyone can read,
# removed on exit) and state (the lab's state directory, torn down on exit).
set -u
bin=$(realpath "$1")
work=$(mktemp -d)
chmod 755 "$work"
state="$work/lab"
cleanup() {
  "$bin" lab down --state-dir "$state" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
