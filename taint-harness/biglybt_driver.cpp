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

Result<Launch> biglybt(const DriverContext& c) {
  auto config = c.profile / "config";
  // The launcher reads JVM options from $HOME/.biglybt/java.vmoptions: the
  // profile's config directory instead of ~/.biglybt.
  P2PSCOPE_CHECK(write_profile_file(c.profile / ".biglybt/java.vmoptions", "-Dazureus.config.path=" + config.string() + "\n"));
  P2PSCOPE_TRY(watch, fill_watch_dir(c));
  P2PSCOPE_CHECK(write_profile_file(config / "biglybt.config", biglybt_config(c, watch)));
  Launch l;
  l.argv = {"biglybt", "--ui=console"};
  l.env = home_env(c);
  return l;
}

}  // namespace

ClientDriver biglybt_driver() {
  // Its version without starting it (a start outside the sandbox would
  // reach for the internet): the Debian package's.
  ClientDriver d{"biglybt", "biglybt", {"dpkg-query", "-W", "-f=biglybt ${Version}\\n", "biglybt"}, 110s, biglybt};
  d.hubs = Hubs::leechers;
  return d;
}

}  // namespace p2pscope::harness
