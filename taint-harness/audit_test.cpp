#include "taint-harness/audit.hpp"

#include <gtest/gtest.h>

namespace p2pscope::harness {
namespace {

// A capture with one handshaken contact, one HTTP announce, DHT traffic and
// one incoming attempt: every check has something to look at.
struct HarnessAudit : ::testing::Test {
  Capture c;
  void SetUp() override {
    ContactSeen k;
    k.at = Endpoint::parse("41.1.2.3:5000").value();
    k.handshake = true;
    k.extended = true;
    k.peer_id = "%A1%B2random-bytes%00%01";
    c.contacts.push_back(k);
    AnnounceRecord a;
    a.peer_id = k.peer_id;
    a.user_agent = "";
    c.announces.push_back(a);
    c.dht_queries = 4;
    c.incoming.push_back({20, IncomingOutcome::refused, ""});
  }
  Exposure result(const char* name) const { return audit(c).at(name).result; }
  // Every audit runs these checks, in this order: a loop over fewer would pass on nothing.
  static std::vector<std::string> names(const AnonymityAudit& a) {
    std::vector<std::string> out;
    for (const auto& x : a.checks) out.push_back(x.name);
    return out;
  }
  const std::vector<std::string> all_checks{"peer_id_version",     "extended_handshake_v", "extended_handshake_address",
                                            "announce_ip",         "announce_user_agent",  "dht_version",
                                            "dht_port_message",    "incoming_connections"};
};

TEST_F(HarnessAudit, AnonymousLookingClientLeaksNothing) {
  auto a = audit(c);
  EXPECT_EQ(a.leaks(), 0u);
  ASSERT_EQ(names(a), all_checks);
  for (const auto& x : a.checks) EXPECT_EQ(x.result, Exposure::none) << x.name;
}

TEST_F(HarnessAudit, EveryLeakIsItsOwnCheckWithEvidence) {
  c.contacts[0].peer_id = "-TR3000-abcdefghijkl";
  c.contacts[0].v = "Transmission 3.00";
  c.contacts[0].p = 51413;
  c.contacts[0].sent_port = true;
  c.announces[0].ip = "41.73.12.201";
  c.announces[0].user_agent = "qBittorrent/4.5.2";
  c.dht_versions = {"LT%02%00"};
  c.incoming[0].outcome = IncomingOutcome::accepted;
  auto a = audit(c);
  ASSERT_EQ(names(a), all_checks);
  EXPECT_EQ(a.leaks(), a.checks.size());
  EXPECT_EQ(a.checks[0].evidence, "peer id -TR3000-abcdefghijkl");
}

TEST_F(HarnessAudit, ChecksWithNothingToSeeAreNotObserved) {
  Capture empty;
  ASSERT_EQ(names(audit(empty)), all_checks);
  for (const auto& x : audit(empty).checks) EXPECT_EQ(x.result, Exposure::not_observed) << x.name;
  c.contacts[0].extended = false;
  EXPECT_EQ(result("extended_handshake_v"), Exposure::not_observed);
  c.announces[0].udp = true;
  EXPECT_EQ(result("announce_user_agent"), Exposure::not_observed) << "BEP 15 has no User-Agent";
}

TEST_F(HarnessAudit, GenericUserAgentIsNotAVersion) {
  c.announces[0].user_agent = "libtorrent";
  EXPECT_EQ(result("announce_user_agent"), Exposure::none);
  c.announces[0].user_agent = "curl/7.81.0";  // libtorrent 2.0's anonymous mode
  EXPECT_EQ(result("announce_user_agent"), Exposure::none);
}

TEST(HarnessAuditPeerId, KnowsTheCommonClientStyles) {
  for (const char* id : {"-TR3000-xxxxxxxxxxxx", "-qB4520-xxxxxxxxxxxx", "-lt0D80-xxxxxxxxxxxx", "A2-1-36-0-xxxxxxxxxx",
                         "M7-4-0--xxxxxxxxxxxx", "-DE203s-xxxxxxxxxxxx"}) {
    EXPECT_TRUE(peer_id_names_client(id)) << id;
  }
  for (const char* id : {"%A1%B2xyz", "abcdefghijklmnopqrst", "-P-xxxxxxxxx"}) EXPECT_FALSE(peer_id_names_client(id)) << id;
}

}  // namespace
}  // namespace p2pscope::harness
