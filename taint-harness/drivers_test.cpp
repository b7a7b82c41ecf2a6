#include "taint-harness/drivers.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace p2pscope::harness {
namespace {

namespace fs = std::filesystem;

DriverContext context(const fs::path& root) {
  DriverContext c;
  c.profile = root / "profile";
  c.download = root / "dl";
  c.torrent = root / "it's.torrent";
  c.client = Endpoint::parse("41.73.12.201:51413").value();
  c.dht_nodes = {Endpoint::parse("62.1.2.3:6881").value()};
  return c;
}

// Everything a driver produced for context c: its command lines and every
// file it wrote into the profile.
std::string everything_written(const ClientDriver& d, const DriverContext& c) {
  fs::remove_all(c.profile);
  fs::create_directories(c.profile);
  auto l = d.prepare(c);
  if (!l) return "prepare failed: " + l.error().message();
  std::string all;
  for (const auto& a : l.value().argv) all += a + " ";
  for (const auto& cmd : l.value().after_start) {
    for (const auto& a : cmd) all += a + " ";
  }
  for (const auto& entry : fs::recursive_directory_iterator(c.profile)) {
    all += entry.path().string() + "\n";
    if (entry.is_regular_file()) {
      std::ifstream f(entry.path());
      all.append(std::istreambuf_iterator<char>(f), {});
    }
  }
  return all;
}

struct HarnessDrivers : ::testing::Test {
  fs::path root = fs::temp_directory_path() / ("harness-drivers-" + std::to_string(::getpid()));
  void TearDown() override { fs::remove_all(root); }
  DriverContext context_for(const ClientDriver& d) {
    auto c = context(root / d.name);
    fs::create_directories(c.torrent.parent_path());
    std::ofstream(c.torrent) << "d4:infod4:name1:xee";
    return c;
  }
};

TEST(HarnessDriver, GenericCommandQuotesEveryField) {
  auto d = generic_driver("mine", "myclient --port {port} --bind {ip} --dht {dht} {torrent}");
  ASSERT_TRUE(d);
  auto l = d.value().prepare(context("/tmp/x"));
  ASSERT_TRUE(l);
  ASSERT_EQ(l.value().argv.size(), 3u);
  EXPECT_EQ(l.value().argv[2],
            "exec myclient --port '51413' --bind '41.73.12.201' --dht '62.1.2.3:6881' '/tmp/x/it'\\''s.torrent'");
}

TEST(HarnessDriver, GenericCommandRefusesUnknownFields) {
  EXPECT_FALSE(generic_driver("mine", "myclient {tornet}"));
}

// Every builtin driver, by name: the loops below must not pass on fewer.
const std::vector<std::string> kBuiltins{"transmission", "qbittorrent", "deluge", "rtorrent", "aria2", "reference"};
std::vector<std::string> builtin_names() {
  std::vector<std::string> out;
  for (const auto& d : builtin_drivers("/opt/ref")) out.push_back(d.name);
  return out;
}

TEST_F(HarnessDrivers, EveryBuiltinWritesItsProfileAndBindsTheClientAddress) {
  EXPECT_EQ(builtin_names(), kBuiltins);
  for (const auto& d : builtin_drivers("/opt/ref")) {
    auto all = everything_written(d, context_for(d));
    EXPECT_NE(all.find("41.73.12.201"), std::string::npos) << d.name << " does not bind the client address";
    EXPECT_NE(all.find("51413"), std::string::npos) << d.name << " does not set the port";
    EXPECT_NE(all.find("it's.torrent"), std::string::npos) << d.name << " does not load the torrent";
  }
}

TEST_F(HarnessDrivers, IdleRunLoadsNoTorrent) {
  EXPECT_EQ(builtin_names(), kBuiltins);
  for (const auto& d : builtin_drivers("/opt/ref")) {
    auto c = context_for(d);
    c.torrent.clear();
    auto all = everything_written(d, c);
    EXPECT_EQ(all.find(".torrent"), std::string::npos) << d.name << ": " << all;
    EXPECT_EQ(all.find("prepare failed"), std::string::npos) << d.name << ": " << all;
  }
}

TEST_F(HarnessDrivers, AnonymousModeReachesExactlyTheClientsThatHaveOne) {
  std::vector<std::string> with;
  for (const auto& d : builtin_drivers("/opt/ref")) {
    auto c = context_for(d);
    auto off = everything_written(d, c);
    c.anonymity = Anonymity::on;
    auto on = everything_written(d, c);
    EXPECT_EQ(off != on, d.anonymous_mode == AnonymousMode::supported) << d.name;
    if (off != on) with.push_back(d.name);
  }
  EXPECT_EQ(with, (std::vector<std::string>{"qbittorrent", "deluge", "reference"}));
}

// IPv6 feeding: the clients that can bind a second address are told it;
// qBittorrent and Deluge bind one address (theirs is the IPv4 one) and
// rtorrent's DHT is IPv4 only, so they must not name an IPv6 node either.
TEST_F(HarnessDrivers, AnIpv6AddressReachesExactlyTheClientsThatCanBindIt) {
  std::vector<std::string> with;
  for (const auto& d : builtin_drivers("/opt/ref")) {
    auto c = context_for(d);
    c.client6 = Endpoint::parse("[2a01:4f8:c0c:1234::7]:51413").value();
    c.dht_nodes.push_back(Endpoint::parse("[2a02:8f0:1:2::9]:6881").value());
    auto all = everything_written(d, c);
    if (all.find("2a01:4f8:c0c:1234::7") != std::string::npos) {
      with.push_back(d.name);
      EXPECT_NE(all.find("2a02:8f0:1:2::9"), std::string::npos) << d.name << " is not told our IPv6 DHT node";
    }
    if (d.name == "rtorrent") EXPECT_EQ(all.find("2a02:8f0"), std::string::npos) << all;
  }
  EXPECT_EQ(with, (std::vector<std::string>{"transmission", "aria2", "reference"}));
}

// KTorrent: its DHT on the spare port (its uTP has the listen port), our
// DHT nodes, its own state directory; KIO's http worker must not read
// from its cache (it would, offline, with only loopback up), and the
// sandbox gives its unbound sockets their source.
TEST_F(HarnessDrivers, KtorrentKeepsItsDhtOnTheSparePortAndAnnouncesOverHttp) {
  auto d = ktorrent_driver("/opt/ref/p2pscope-ktorrent-client");
  EXPECT_EQ(d.outgoing, OutgoingSource::set_by_sandbox);
  auto c = context_for(d);
  c.spare_port = 40404;
  auto all = everything_written(d, c);
  for (const char* want : {"--listen 41.73.12.201:51413 ", "--dht-port 40404 ", "--dht-node 62.1.2.3:6881 ",
                           "it's.torrent", "kio_httprc\nUseCache=false"})
    EXPECT_NE(all.find(want), std::string::npos) << want << " in " << all;
  c.torrent.clear();
  EXPECT_EQ(everything_written(d, c).find("--torrent"), std::string::npos);
}

// BiglyBT: its config (bencode) binds the client's addresses and ports,
// allows plain connections and checks for no update; the torrent waits in
// the watched folder; the launcher is pointed at the profile's config; its
// runs have leeching hubs; its version comes from dpkg, not from starting it.
TEST_F(HarnessDrivers, BiglybtIsConfiguredInItsProfileAndGetsTheTorrentByItsWatchedFolder) {
  auto d = biglybt_driver();
  EXPECT_EQ(d.hubs, Hubs::leechers);
  EXPECT_EQ(d.version_argv.front(), "dpkg-query");
  auto c = context_for(d);
  c.client6 = Endpoint::parse("[2a01:4f8:c0c:1234::7]:51413").value();
  auto all = everything_written(d, c);
  for (const char* want : {"7:Bind IP33:41.73.12.201;2a01:4f8:c0c:1234::7", "15:TCP.Listen.Porti51413e",
                           "15:Enforce Bind IPi1e", "19:IPV6 Enable Supporti1e", "35:network.transport.encrypted.requirei0e",
                           "12:update.starti0e", "20:Watch Torrent Folderi1e", "watch/it's.torrent",
                           "java.vmoptions\n-Dazureus.config.path=", "-Daz.instance.manager.enable=0\n"})
    EXPECT_NE(all.find(want), std::string::npos) << want << " in " << all;
}

TEST_F(HarnessDrivers, BiglybtStartsItsPartnerWithAProfileHomeAndInstancePortOfItsOwn) {
  auto d = biglybt_driver();
  EXPECT_EQ(d.partner, Partner::same_client);
  auto c = context_for(d);
  c.partner = Endpoint::parse("178.40.38.54:6881").value();
  auto l = d.prepare(c).value();
  ASSERT_EQ(l.argv.front(), "sh");  // the partner in the client's process group, then exec the client
  EXPECT_EQ(l.argv.back(), "--ui=console");
  auto partner = c.profile / "partner";
  auto home = std::find(l.argv.begin(), l.argv.end(), "HOME=" + partner.string());
  EXPECT_NE(home, l.argv.end());
  auto all = everything_written(d, c);
  for (const char* want : {"7:Bind IP12:178.40.38.54", "15:TCP.Listen.Porti6881e", "19:IPV6 Enable Supporti0e",
                           "-Daz.instance.manager.enable=0\n-Dazureus.instance.port=6882", "partner/watch/it's.torrent"})
    EXPECT_NE(all.find(want), std::string::npos) << want << " in " << all;
}

TEST(HarnessDriver, VersionIsTheFirstLineWithANumber) {
  EXPECT_EQ(version_from_output("Usage: x\n  qBittorrent v4.5.2 \n"), "qBittorrent v4.5.2");
  EXPECT_EQ(version_from_output("nothing here"), "unknown");
}

}  // namespace
}  // namespace p2pscope::harness
