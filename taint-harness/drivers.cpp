#include "taint-harness/drivers.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <regex>

namespace p2pscope::harness {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string port_of(const DriverContext& c) { return std::to_string(c.client.port); }
std::string on_off(const DriverContext& c) { return c.anonymity == Anonymity::on ? "true" : "false"; }
std::string ip_of(const DriverContext& c) { return c.client.address.to_string(); }


// Transmission 3.00: settings.json in the config dir; the torrent arrives
// through the watch dir (scanned at start); dht.bootstrap lists DHT nodes
// to contact first (libtransmission/tr-dht.c). Encryption "prefer plain"
// (0): our peers do not speak MSE, and trying it first would cost a retry.
Result<Launch> transmission(const DriverContext& c) {
  P2PSCOPE_TRY(watch, fill_watch_dir(c));
  nlohmann::json s{
      {"bind-address-ipv4", ip_of(c)}, {"peer-port", c.client.port}, {"peer-port-random-on-start", false},
      {"dht-enabled", true},           {"pex-enabled", true},        {"lpd-enabled", false},
      {"utp-enabled", true},           {"port-forwarding-enabled", false}, {"rpc-enabled", false},
      {"blocklist-enabled", false},    {"encryption", 0},             {"download-dir", (c.download).string()},
      {"incomplete-dir-enabled", false}, {"watch-dir-enabled", true}, {"watch-dir", watch.string()},
      {"start-added-torrents", true},  {"message-level", 2}};
  // Its IPv6 listen socket and outgoing IPv6 connections. Its IPv6 UDP
  // socket (uTP, the IPv6 DHT) also needs a route to a global address
  // (tr_globalIPv6()): the harness's sandbox has one, onto its loopback.
  if (c.client6) s["bind-address-ipv6"] = c.client6->address.to_string();
  P2PSCOPE_CHECK(write_profile_file(c.profile / "config/settings.json", s.dump(2)));
  std::string boot;
  for (const auto& n : c.dht_nodes) boot += n.address.to_string() + " " + std::to_string(n.port) + "\n";
  P2PSCOPE_CHECK(write_profile_file(c.profile / "config/dht.bootstrap", boot));
  Launch l;
  l.argv = {"transmission-daemon", "--foreground", "--config-dir", (c.profile / "config").string(), "--log-info"};
  l.env = home_env(c);
  return l;
}

// qBittorrent 4.5: its ini under the profile. Encryption 2 = disabled (see
// Transmission); AnnounceToAllTiers so both of our trackers are asked.
Result<Launch> qbittorrent(const DriverContext& c) {
  std::string ini =
      "[LegalNotice]\nAccepted=true\n\n"
      "[BitTorrent]\n"
      "Session\\Interface=lo\nSession\\InterfaceName=lo\nSession\\InterfaceAddress=" + ip_of(c) + "\n"
      "Session\\Port=" + port_of(c) + "\n"
      "Session\\DHTEnabled=true\nSession\\PeXEnabled=true\nSession\\LSDEnabled=false\n"
      "Session\\Encryption=2\nSession\\AnonymousModeEnabled=" + on_off(c) + "\nSession\\SSRFMitigation=false\n"
      "Session\\BTProtocol=Both\nSession\\AnnounceToAllTiers=true\nSession\\QueueingSystemEnabled=false\n"
      "Session\\DefaultSavePath=" + c.download.string() + "\n\n"
      "[Preferences]\nWebUI\\Address=127.0.0.1\nWebUI\\Port=18080\nWebUI\\LocalHostAuth=false\n"
      "General\\StatusbarExternalIPDisplayed=false\n";
  P2PSCOPE_CHECK(write_profile_file(c.profile / "qBittorrent/config/qBittorrent.conf", ini));
  Launch l;
  l.argv = {"qbittorrent-nox", "--profile=" + c.profile.string(), "--save-path=" + c.download.string(),
            "--skip-dialog=true"};
  if (!c.torrent.empty()) l.argv.push_back(c.torrent.string());
  l.env = home_env(c);
  return l;
}

// Deluge 2.0: core.conf (a version header, then the settings; deluge fills
// in what is missing), the daemon in the foreground, the torrent added
// through deluge-console with the daemon's own localclient credentials.
// Encryption policies 2 = disabled.
Result<Launch> deluge(const DriverContext& c) {
  nlohmann::json core{
      {"listen_ports", {c.client.port, c.client.port}}, {"random_port", false}, {"listen_interface", ip_of(c)},
      {"dht", true}, {"upnp", false}, {"natpmp", false}, {"utpex", true}, {"lsd", false},
      {"enc_in_policy", 2}, {"enc_out_policy", 2}, {"download_location", c.download.string()},
      {"new_release_check", false}, {"send_info", false}, {"allow_remote", false}, {"daemon_port", 58846},
      {"add_paused", false}, {"queue_new_to_top", false}, {"max_active_limit", -1},
      {"max_active_downloading", -1}, {"max_active_seeding", -1}, {"anonymous_mode", c.anonymity == Anonymity::on}};
  P2PSCOPE_CHECK(write_profile_file(c.profile / "deluge/core.conf", R"({"file": 1, "format": 1})" + core.dump(2)));
  Launch l;
  auto cfg = (c.profile / "deluge").string();
  l.argv = {"deluged", "-d", "-c", cfg, "-L", "info", "-i", ip_of(c), "-u", "127.0.0.1", "-p", "58846"};
  if (!c.torrent.empty()) {
    l.after_start = {{"deluge-console", "-c", cfg, "connect 127.0.0.1:58846; add -p " + c.download.string() + " " +
                                                     c.torrent.string()}};
    l.after_start_delay = 4s;
  }
  l.env = home_env(c);
  return l;
}

// rtorrent 0.9.8: an rc file imported with -n (no user rc), daemon mode (no
// terminal), the torrent loaded and started from the rc. Not
// network.local_address: that would add "ip=" to announces.
Result<Launch> rtorrent(const DriverContext& c) {
  std::string rc =
      "directory.default.set = " + c.download.string() + "\n"
      "session.path.set = " + (c.profile / "session").string() + "\n"
      "network.bind_address.set = " + ip_of(c) + "\n"
      "network.port_range.set = " + port_of(c) + "-" + port_of(c) + "\n"
      "network.port_random.set = no\n"
      "dht.mode.set = on\n"
      "dht.port.set = " + port_of(c) + "\n"
      "protocol.pex.set = yes\n"
      "trackers.use_udp.set = yes\n"
      "system.daemon.set = true\n";
  // The DHT starts after the rc is read: add our nodes a moment later.
  // IPv4 ones only: rtorrent's DHT is IPv4 only.
  int i = 0;
  for (const auto& n : c.dht_nodes) {
    if (!n.address.is_v4()) continue;
    rc += "schedule2 = harness_node_" + std::to_string(i++) + ", 2, 0, \"dht.add_node=" + n.to_string() + "\"\n";
  }
  if (!c.torrent.empty()) rc += "load.start = " + c.torrent.string() + "\n";
  fs::create_directories(c.profile / "session");
  P2PSCOPE_CHECK(write_profile_file(c.profile / "rtorrent.rc", rc));
  Launch l;
  l.argv = {"rtorrent", "-n", "-o", "import=" + (c.profile / "rtorrent.rc").string()};
  l.env = home_env(c);
  return l;
}

// The first of our DHT nodes of one family.
std::optional<Endpoint> first_node(const DriverContext& c, Family f) {
  for (const auto& n : c.dht_nodes) {
    if (n.address.family() == f) return n;
  }
  return std::nullopt;
}

// aria2 1.36: all on the command line. --interface binds every socket to
// the client's address; with an IPv6 address, its IPv6 DHT binds that one
// (--dht-listen-addr6), while its peer and tracker sockets stay on the
// IPv4 address --interface names.
Result<Launch> aria2(const DriverContext& c) {
  Launch l;
  std::string v6 = c.client6 ? "true" : "false";
  l.argv = {"aria2c", "--no-conf", "--dir=" + c.download.string(), "--interface=" + ip_of(c),
            "--listen-port=" + port_of(c), "--dht-listen-port=" + port_of(c), "--enable-dht=true",
            "--enable-dht6=" + v6, "--disable-ipv6=" + std::string(c.client6 ? "false" : "true"),
            "--enable-peer-exchange=true", "--bt-enable-lpd=false",
            "--bt-require-crypto=false", "--dht-file-path=" + (c.profile / "dht.dat").string(),
            "--dht-file-path6=" + (c.profile / "dht6.dat").string(),
            "--seed-time=0", "--summary-interval=0", "--enable-color=false", "--console-log-level=notice",
            "--log=" + (c.profile / "aria2.log").string(), "--log-level=info"};
  if (auto n = first_node(c, Family::v4)) l.argv.push_back("--dht-entry-point=" + n->to_string());
  if (c.client6) {
    l.argv.push_back("--dht-listen-addr6=" + c.client6->address.to_string());
    // Read as the host and port of a URL: [IPv6]:PORT.
    if (auto n = first_node(c, Family::v6)) l.argv.push_back("--dht-entry-point6=" + n->to_string());
  }
  // With nothing to download aria2c exits at once; its RPC server keeps it
  // running idle (on loopback, inside the sandbox).
  if (c.torrent.empty()) l.argv.insert(l.argv.end(), {"--enable-rpc=true", "--rpc-listen-all=false"});
  else l.argv.push_back(c.torrent.string());
  l.env = home_env(c);
  return l;
}

Launch reference_launch(const fs::path& binary, const DriverContext& c) {
  Launch l;
  l.argv = {binary.string(), "--save", c.download.string(), "--listen", c.client.to_string()};
  if (c.client6) l.argv.insert(l.argv.end(), {"--listen6", c.client6->to_string()});
  if (!c.torrent.empty()) l.argv.insert(l.argv.end(), {"--torrent", c.torrent.string()});
  if (c.anonymity == Anonymity::on) l.argv.push_back("--anonymous");
  for (const auto& n : c.dht_nodes) {
    l.argv.push_back("--dht-node");
    l.argv.push_back(n.to_string());
  }
  l.env = home_env(c);
  return l;
}

std::string shell_quoted(const std::string& s) {
  std::string out = "'";
  for (char ch : s) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return out + "'";
}

}  // namespace

std::vector<std::pair<std::string, std::string>> home_env(const DriverContext& c) {
  return {{"HOME", c.profile.string()},
          {"XDG_CONFIG_HOME", (c.profile / ".config").string()},
          {"XDG_DATA_HOME", (c.profile / ".local/share").string()},
          {"XDG_CACHE_HOME", (c.profile / ".cache").string()}};
}

Result<fs::path> fill_watch_dir(const DriverContext& c) {
  auto dir = c.profile / "watch";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!ec && !c.torrent.empty()) fs::copy_file(c.torrent, dir / c.torrent.filename(), ec);
  if (ec) return ec;
  return dir;
}

Result<void> write_profile_file(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::trunc);
  f << text;
  f.close();
  if (!f) return std::make_error_code(std::errc::io_error);
  return success();
}

std::vector<ClientDriver> builtin_drivers(const fs::path& reference_binary) {
  constexpr auto has_anon = AnonymousMode::supported;
  constexpr auto no_anon = AnonymousMode::unsupported;
  return {
      {"transmission", "transmission-daemon", {"transmission-daemon", "--version"}, 100s, transmission, no_anon},
      {"qbittorrent", "qbittorrent-nox", {"qbittorrent-nox", "--version"}, 75s, qbittorrent, has_anon},
      {"deluge", "deluged", {"deluged", "--version"}, 80s, deluge, has_anon},
      {"rtorrent", "rtorrent", {"rtorrent", "-h"}, 110s, rtorrent, no_anon},
      {"aria2", "aria2c", {"aria2c", "--version"}, 75s, aria2, no_anon},
      {"reference", reference_binary.string(), {reference_binary.string(), "--version"}, 75s,
       [reference_binary](const DriverContext& c) -> Result<Launch> { return reference_launch(reference_binary, c); },
       has_anon},
  };
}

ClientDriver ktorrent_driver(const fs::path& binary) {
  auto prepare = [binary](const DriverContext& c) -> Result<Launch> {
    Launch l;
    l.argv = {binary.string(), "--save", c.download.string(), "--listen", c.client.to_string(), "--state",
              (c.profile / "ktorrent").string(), "--dht-port", std::to_string(c.spare_port)};
    if (c.client6) l.argv.insert(l.argv.end(), {"--listen6", c.client6->to_string()});
    if (!c.torrent.empty()) l.argv.insert(l.argv.end(), {"--torrent", c.torrent.string()});
    for (const auto& n : c.dht_nodes) l.argv.insert(l.argv.end(), {"--dht-node", n.to_string()});
    P2PSCOPE_CHECK(write_profile_file(c.profile / ".config/kio_httprc", "UseCache=false\n"));
    l.env = home_env(c);
    return l;
  };
  // A window of 100 s: libktorrent sends ut_pex once a minute per peer.
  ClientDriver d{"ktorrent", binary.string(), {binary.string(), "--version"}, 100s, prepare};
  d.outgoing = OutgoingSource::set_by_sandbox;
  return d;
}

ClientDriver buggy_reference_driver(const fs::path& reference_binary, const std::string& mode) {
  return {"reference-" + mode, reference_binary.string(), {reference_binary.string(), "--version"}, 45s,
          [reference_binary, mode](const DriverContext& c) -> Result<Launch> {
            auto l = reference_launch(reference_binary, c);
            l.argv.push_back("--bug");
            l.argv.push_back(mode);
            return l;
          },
          AnonymousMode::supported, Network::bittorrent,
          mode == "ipv6-reply-as-ipv4" ? Ipv6Feeding::required : Ipv6Feeding::as_asked};
}

Result<ClientDriver> generic_driver(const std::string& name, const std::string& command) {
  static const std::regex field(R"(\{([a-z]*)\})");
  for (std::sregex_iterator it(command.begin(), command.end(), field), end; it != end; ++it) {
    static const std::vector<std::string> known{"torrent", "dir", "port", "ip", "ip6", "profile", "dht"};
    if (std::find(known.begin(), known.end(), (*it)[1].str()) == known.end()) return errc::bad_value;
  }
  auto prepare = [command](const DriverContext& c) -> Result<Launch> {
    std::map<std::string, std::string> values{
        {"torrent", c.torrent.string()}, {"dir", c.download.string()}, {"port", port_of(c)}, {"ip", ip_of(c)},
        {"ip6", c.client6 ? c.client6->address.to_string() : std::string()},
        {"profile", c.profile.string()},
        {"dht", c.dht_nodes.empty() ? std::string() : c.dht_nodes.front().to_string()}};
    std::string out;
    std::size_t pos = 0;
    for (std::sregex_iterator it(command.begin(), command.end(), field), end; it != end; ++it) {
      out += command.substr(pos, static_cast<std::size_t>(it->position()) - pos) + shell_quoted(values[(*it)[1].str()]);
      pos = static_cast<std::size_t>(it->position() + it->length());
    }
    out += command.substr(pos);
    Launch l;
    l.argv = {"/bin/sh", "-c", "exec " + out};
    l.env = home_env(c);
    return l;
  };
  return ClientDriver{name, "", {}, 75s, prepare};
}

std::string version_from_output(std::string_view out) {
  static const std::regex version(R"([0-9]+\.[0-9])");
  std::size_t pos = 0;
  while (pos < out.size()) {
    auto end = std::min(out.find('\n', pos), out.size());
    std::string line(out.substr(pos, end - pos));
    if (std::regex_search(line, version)) {
      auto b = line.find_first_not_of(" \t\r");
      auto e = line.find_last_not_of(" \t\r");
      return line.substr(b, e - b + 1);
    }
    pos = end + 1;
  }
  return "unknown";
}

}  // namespace p2pscope::harness
