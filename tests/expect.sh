# Sourced by the shell tests that run p2pscope as a user would.
#   expect RC CMD...  runs CMD, checks its exit status, keeps its output in $out
#   contains TEXT     checks that $out holds TEXT
#   fail_check WHY    counts a failure of the script's own
#   finish NAME       exits 1 if anything failed, else says NAME passed
failures=0
expect() {
  local want=$1; shift
  out=$("$@" 2>&1); local rc=$?
  if [[ $rc != "$want" ]]; then
    echo "FAIL: '$*' exited $rc, want $want"; echo "$out" | head -5; failures=$((failures + 1))
  fi
}
contains() {
  if ! grep -qF -- "$1" <<<"$out"; then echo "FAIL: output lacks '$1'"; echo "$out" | head -5; failures=$((failures + 1)); fi
}
fail_check() { echo "FAIL: $*"; failures=$((failures + 1)); }
finish() {
  if ((failures > 0)); then echo "$failures $1 check(s) failed"; exit 1; fi
  echo "$1: all checks passed"
}
