// Issue #6's acceptance: each real Debian client, and the libtorrent
// reference client, runs in its own sandbox and must create no bogus peer
// and advertise by PEX only peers it completed a handshake with; the buggy
// reference client must be caught, with the route and every reversed pair.
// A client that is not installed fails its test: CI installs them all
// (scripts/setup.sh).
#include "taint-harness/report.hpp"
#include "taint-harness/run.hpp"

#include <gtest/gtest.h>

#include <set>

namespace p2pscope::harness {
namespace {

namespace fs = std::filesystem;

ClientDriver driver(const std::string& name) {
  for (auto& d : builtin_drivers(P2PSCOPE_REFERENCE_CLIENT)) {
    if (d.name == name) return d;
  }
  throw std::invalid_argument(name);
}

ClientReport run(const ClientDriver& d) {
  RunOptions o;
  o.dir = fs::path(P2PSCOPE_HARNESS_RUNS) / d.name;
  auto r = run_client(d, o);
  if (!r) throw std::runtime_error("harness failed: " + r.error().message());
  return make_report(std::move(r).value());
}

std::string describe(const ClientReport& r) {
  return "\n" + report_table(nlohmann::json::array({to_json(r)}));
}

// A healthy client: ran, gave peers out by PEX, created none, and passed on
// only peers it had a BitTorrent handshake with.
void expect_healthy(const std::string& name) {
  auto r = run(driver(name));
  EXPECT_FALSE(r.run.error) << describe(r);
  EXPECT_EQ(r.verdict, ClientVerdict::clean) << describe(r);
  EXPECT_EQ(r.diff.bogus(), 0u) << describe(r);
  EXPECT_EQ(r.diff.policy, Policy::after_handshake) << describe(r);
}

TEST(HarnessClient, TransmissionCreatesNoBogusPeers) { expect_healthy("transmission"); }
TEST(HarnessClient, QbittorrentCreatesNoBogusPeers) { expect_healthy("qbittorrent"); }
TEST(HarnessClient, DelugeCreatesNoBogusPeers) { expect_healthy("deluge"); }
TEST(HarnessClient, RtorrentCreatesNoBogusPeers) { expect_healthy("rtorrent"); }
TEST(HarnessClient, Aria2CreatesNoBogusPeers) { expect_healthy("aria2"); }
TEST(HarnessClient, ReferenceCreatesNoBogusPeers) { expect_healthy("reference"); }

TEST(HarnessControl, ReversedPexIsCaughtWithEveryPair) {
  auto r = run(buggy_reference_driver(P2PSCOPE_REFERENCE_CLIENT, "reverse-pex"));
  ASSERT_EQ(r.verdict, ClientVerdict::creates_bogus) << describe(r);
  // Every peer it completed a handshake with comes back reversed, by PEX.
  std::set<Endpoint> handshaken, originals;
  for (const auto& c : r.run.capture.contacts) {
    if (c.handshake) handshaken.insert(c.at);
  }
  for (const auto& c : r.diff.created) {
    EXPECT_EQ(c.route, Route::pex) << describe(r);
    ASSERT_TRUE(c.original) << c.advertised.to_string() << describe(r);
    EXPECT_EQ(c.byte_order, ByteOrder::address_reversed);
    EXPECT_EQ(c.advertised.address, reverse_v4(c.original->address));
    originals.insert(*c.original);
  }
  EXPECT_EQ(originals, handshaken) << describe(r);
  EXPECT_GE(handshaken.size(), 3u) << describe(r);
}

TEST(HarnessControl, UncheckedPropagationIsCaught) {
  auto r = run(buggy_reference_driver(P2PSCOPE_REFERENCE_CLIENT, "unchecked-pex"));
  EXPECT_EQ(r.diff.policy, Policy::unchecked) << describe(r);
  EXPECT_EQ(r.diff.bogus(), 0u) << describe(r);  // it relays what it heard, it makes nothing up
}

}  // namespace
}  // namespace p2pscope::harness
