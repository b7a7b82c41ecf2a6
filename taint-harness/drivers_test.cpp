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

TEST(HarnessDriver, EveryBuiltinWritesItsProfileAndBindsTheClientAddress) {
  auto root = fs::temp_directory_path() / ("harness-drivers-" + std::to_string(::getpid()));
  for (const auto& d : builtin_drivers("/opt/ref")) {
    auto c = context(root / d.name);
    fs::create_directories(c.profile);
    std::ofstream(c.torrent) << "d4:infod4:name1:xee";
    auto l = d.prepare(c);
    ASSERT_TRUE(l) << d.name;
    std::string all;
    for (const auto& a : l.value().argv) all += a + " ";
    for (const auto& entry : fs::recursive_directory_iterator(c.profile)) {
      if (entry.is_regular_file()) {
        std::ifstream f(entry.path());
        all.append(std::istreambuf_iterator<char>(f), {});
      }
    }
    EXPECT_NE(all.find("41.73.12.201"), std::string::npos) << d.name << " does not bind the client address";
    EXPECT_NE(all.find("51413"), std::string::npos) << d.name << " does not set the port";
  }
  fs::remove_all(root);
}

TEST(HarnessDriver, VersionIsTheFirstLineWithANumber) {
  EXPECT_EQ(version_from_output("Usage: x\n  qBittorrent v4.5.2 \n"), "qBittorrent v4.5.2");
  EXPECT_EQ(version_from_output("nothing here"), "unknown");
}

}  // namespace
}  // namespace p2pscope::harness
