#!/usr/bin/env bash
# Installs every Debian package p2pscope needs to build, test, fuzz and run
# its lab. Idempotent: packages already present are left alone, and apt's
# index is refreshed only when something is missing.
# Usage: scripts/setup.sh            (as root, or with sudo available)
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config clang libclang-rt-14-dev
  # libraries named on the design card
  libtorrent-rasterbar-dev libboost-all-dev libcurl4-openssl-dev
  libmaxminddb-dev libmaxmind-db-writer-perl libpqxx-dev libpcap-dev libgtest-dev libgmock-dev libbenchmark-dev
  # libraries we chose: CLI parsing, formatting, JSON
  libcli11-dev libfmt-dev nlohmann-json3-dev
  # run-time tools: namespaces (unshare, ip), the lab's tracker;
  # python3 formats bench/run.sh output
  iproute2 util-linux opentracker python3
  # gzip lists and routing data; zlib also inflates eMule's packed frames
  zlib1g-dev
  # MD4, the eMule file hash (issue 24)
  nettle-dev
  # real aMule daemons for the eMule lab and its captures (issue 24)
  amule-daemon amule-utils
  # real loaders of our blocklists, run by the tests inside the lab's namespace
  transmission-daemon qbittorrent-nox nftables ipset
  # the other real clients the taint harness runs (issue 6)
  deluged deluge-console rtorrent aria2
  # KTorrent's own library, which p2pscope-ktorrent-client drives in the
  # harness (issue 28); with its Qt and KDE Frameworks development files
  libktorrent-dev
  # BiglyBT, the Azureus line (issue 28), and the Java runtime its launcher calls
  biglybt default-jre-headless
  # the independent decoder the passive recognisers are checked against (issue 7),
  # and the DPI engine the passive benchmark compares with
  tshark libndpi-bin
  # the PostgreSQL store (issue 8): the server the tests start themselves
  # (scripts/pg_test_server.sh) and psql
  postgresql postgresql-client
  # the browser that opens `p2pscope report`'s page in the tests (issue 27);
  # MRT RIB dumps as text for `p2pscope routing fetch`
  chromium bgpdump
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages already installed"
  exit 0
fi

sudo_cmd=()
if ((EUID != 0)); then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark's package asks whether non-root users may capture; the tests only
# read files, so the answer is no.
echo "wireshark-common wireshark-common/install-setuid boolean false" | "${sudo_cmd[@]}" debconf-set-selections 2>/dev/null || true
# transmission-daemon ships a system service that would start on install and
# talk to the internet's DHT. The tests run the client themselves, inside the
# lab's namespace, so no service may start: policy-rc.d answers "forbidden"
# (101) to every start request while apt runs, unless the machine has one.
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
  "${sudo_cmd[@]}" chmod 755 "$policy"
  trap '"${sudo_cmd[@]}" rm -f "$policy"' EXIT
fi
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
