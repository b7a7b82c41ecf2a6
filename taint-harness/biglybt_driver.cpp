// BiglyBT 3.2 (the Azureus/Vuze line) for the harness: Debian's launcher
// with its console UI. Its stdin is closed, so the console's input reader
// stops and the core runs on (as biglybtd runs under systemd).
#include "core/bencode.hpp"
#include "taint-harness/drivers.hpp"

namespace p2pscope::harness {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// biglybt.config is bencode; BiglyBT fills in what is missing. Ports and
// the bind address as the other clients get them (Enforce Bind IP: no
// socket on any other address; without IPV6 Enable Support its IPv6
// connections came from ::1); plain connections allowed (the harness's
// peers do not speak MSE); no update check, no new-version dialog.
std::string biglybt_config(const DriverContext& c, const fs::path& watch) {
  lt::entry::dictionary_type d;
  auto port = static_cast<std::int64_t>(c.client.port);
  d["TCP.Listen.Port"] = port;
  d["UDP.Listen.Port"] = port;
  d["UDP.NonData.Listen.Port"] = port;
  d["UDP.NonData.Listen.Port.Same"] = 1;
  d["Listen.Port.Randomize.Enable"] = 0;
  d["Bind IP"] = c.client.address.to_string() + (c.client6 ? ";" + c.client6->address.to_string() : "");
  d["Enforce Bind IP"] = 1;
  d["IPV6 Enable Support"] = c.client6 ? 1 : 0;
  d["Check Bind IP On Start"] = 0;
  d["network.transport.encrypted.require"] = 0;
  d["Default save path"] = c.download.string();
  d["update.start"] = 0;
  d["update.periodic"] = 0;
  d["update.opendialog"] = 0;
  d["update.autodownload"] = 0;
  // The torrent comes through a watched folder: as an argument it is read
  // before the core runs, and refused ("Core not running").
  d["Watch Torrent Folder"] = 1;
  d["Watch Torrent Folder Path"] = watch.string();
  d["Watch Torrent Folder Path Count"] = 1;
  d["Watch Torrent Folder Interval Secs"] = 1;
  d["Start Watched Torrents Stopped"] = 0;
  return encode_bencode(lt::entry(std::move(d)));
}

// One BiglyBT's profile: JVM options, config, watched folder. The launcher
// reads JVM options from $HOME/.biglybt/java.vmoptions: the profile's config
// directory instead of ~/.biglybt, and, for a second instance, a port of its
// own for BiglyBT's one-instance check (127.0.0.1:6880 by default), which
// would otherwise hand the torrent to the first instance and exit.
// The LAN instance finder is off (az.instance.manager.enable): on the
// sandbox's one loopback the two BiglyBTs found each other as instances on
// one LAN, and each sent its Vuze DHT packets for the other to the first
// IPv4 address on lo (AddressUtils.adjustDHTAddress), a fed open port's.
Result<void> write_profile(const DriverContext& c, std::optional<std::uint16_t> instance_port) {
  auto config = c.profile / "config";
  std::string options = "-Dazureus.config.path=" + config.string() + "\n-Daz.instance.manager.enable=0\n";
  if (instance_port) options += "-Dazureus.instance.port=" + std::to_string(*instance_port) + "\n";
  P2PSCOPE_CHECK(write_profile_file(c.profile / ".biglybt/java.vmoptions", options));
  P2PSCOPE_TRY(watch, fill_watch_dir(c));
  return write_profile_file(config / "biglybt.config", biglybt_config(c, watch));
}

// The partner: a second BiglyBT at its own addresses, in the profile's
// "partner" directory, with its own HOME. It binds IPv6 as the client does:
// told IPv4 only, it still dialled the IPv6 peers the client named to it,
// from unbound sockets, whose source on the sandbox's loopback is the peer's
// own address.
DriverContext partner_context(const DriverContext& c) {
  DriverContext p = c;
  p.profile = c.profile / "partner";
  p.download = p.profile / "download";
  p.client = *c.partner;
  p.client6 = c.partner6;
  p.partner.reset();
  p.partner6.reset();
  return p;
}

Result<Launch> biglybt(const DriverContext& c) {
  P2PSCOPE_CHECK(write_profile(c, std::nullopt));
  Launch l;
  l.argv = {"biglybt", "--ui=console"};
  l.env = home_env(c);
  if (!c.partner) return l;
  // The partner runs in the client's process group (stopped with it), its
  // output in its own log, its stdin closed like the client's.
  auto p = partner_context(c);
  std::error_code ec;
  std::filesystem::create_directories(p.download, ec);
  if (ec) return ec;
  P2PSCOPE_CHECK(write_profile(p, kPartnerPort + 1));
  l.argv = {"sh", "-c", "log=$1; shift; \"$@\" </dev/null >\"$log\" 2>&1 & exec biglybt --ui=console", "sh",
            (p.profile / "biglybt.log").string(), "env"};
  for (const auto& [k, v] : home_env(p)) l.argv.push_back(k + "=" + v);
  l.argv.insert(l.argv.end(), {"biglybt", "--ui=console"});
  return l;
}

}  // namespace

ClientDriver biglybt_driver() {
  // Its version without starting it (a start outside the sandbox would
  // reach for the internet): the Debian package's. 130 s: its first
  // AZ_PEER_EXCHANGE to the partner goes out about 100 s into their
  // connection (101.7 s into the pcap of a 200 s run).
  ClientDriver d{"biglybt", "biglybt", {"dpkg-query", "-W", "-f=biglybt ${Version}\\n", "biglybt"}, 130s, biglybt};
  d.hubs = Hubs::leechers;
  d.partner = Partner::same_client;  // Azureus's own PEX and the Vuze DHT
  return d;
}

}  // namespace p2pscope::harness
