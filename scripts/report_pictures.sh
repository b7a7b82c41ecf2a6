#!/usr/bin/env bash
# Remakes docs/report-*.png: one picture per section of `p2pscope report`,
# drawn from a demo run on the built-in lab (seed 1, BitTorrent half) and,
# for the honeynet and harness sections, from the outputs the ctest
# report.browser_harness leaves (a harness run and the synthetic honeynet
# capture's events); shot by Debian's headless Chromium in a network
# namespace of its own.
#   scripts/report_pictures.sh [BUILD_DIR [HARNESS_RUN_DIR]]
#   (default build/release, as scripts/demo.sh builds; BUILD_DIR/tests/harness-report)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/release}/cli/p2pscope
harness_run=${2:-${1:-build/release}/tests/harness-report}
out=build/pictures
[[ -x $bin ]] || { echo "no $bin: run scripts/demo.sh (or name a build directory)" >&2; exit 2; }
command -v chromium >/dev/null || { echo "chromium is not installed (scripts/setup.sh installs it)" >&2; exit 2; }

rm -rf "$out"
"$bin" demo --seed 1 --emule-scenario none --keep-lab --out "$out" --state-dir "$out/lab" >"$out.log" 2>&1 ||
  { echo "the demo failed; see $out.log" >&2; exit 1; }
trap '"$bin" lab down --state-dir "$out/lab" >/dev/null 2>&1 || true' EXIT
routing=$out/lab/routability/lab.pfx2as

shoot() {  # section, window height that holds it, then what `report` reads
  local section=$1 height=$2
  shift 2
  "$bin" report --only "$section" -o "$out/$section.html" "$@" 2>/dev/null
  unshare --net sh -c 'ip link set lo up; exec chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --user-data-dir="$(mktemp -d)" --window-size=1000,"$1" --screenshot="$2" "file://$3"' sh \
    "$height" "docs/report-$section.png" "$PWD/$out/$section.html" >/dev/null 2>&1
  echo "docs/report-$section.png"
}

for shot in summary:620 crawl:1500 breakdown:560 origins:1500 dht-nodes:400 flagged:900; do
  shoot "${shot%%:*}" "${shot##*:}" --routing "$routing" --title "p2pscope demo: the BitTorrent lab" \
    "$out/crawl.jsonl" "$out/probes.jsonl"
done
if [[ -f $harness_run/harness/report.json && -f $harness_run/events.jsonl ]]; then
  for shot in honeynet:2000 harness:1500; do
    shoot "${shot%%:*}" "${shot##*:}" --title "p2pscope: a harness run and the synthetic honeynet capture" \
      --harness "$harness_run/harness/report.json" "$harness_run/events.jsonl"
  done
else
  echo "no harness run in $harness_run (ctest -R report.browser_harness makes one): honeynet and harness pictures not made" >&2
fi
