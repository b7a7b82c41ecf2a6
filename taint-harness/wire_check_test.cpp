#include "taint-harness/wire_check.hpp"

#include "tests/testlib/fixtures.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace p2pscope::harness {
namespace {

// The recorded uTP session: 82.243.113.43 sends one ut_pex naming 11 peers
// (frame 58; the fixture lists them, sliced out independently of passive).
const IpAddress kSender = IpAddress::parse("82.243.113.43").value();

std::vector<Endpoint> frame58_peers() {
  std::vector<Endpoint> out;
  std::istringstream lines(testlib::read_fixture("utp_pex_frame58_eleven_peers.txt"));
  for (std::string line; std::getline(lines, line);) out.push_back(Endpoint::parse(line.substr(0, line.find(' '))).value());
  return out;
}

const Endpoint kReceiver = Endpoint::parse("192.168.1.5:40959").value();

Capture feeders_saw(const std::vector<Endpoint>& peers) {
  Capture c;
  PexSeen m;
  m.to = kReceiver;
  for (const auto& e : peers) m.added.push_back({e, std::nullopt});
  c.pex.push_back(m);
  return c;
}

HarnessPlan plan_with_client(const IpAddress& client) {
  HarnessPlan p;
  p.client = {client, 64969};
  return p;
}

WireCheck check(const Capture& c, const HarnessPlan& plan = plan_with_client(kSender)) {
  auto w = check_wire(testlib::fixture_path("pcaps/bittorrent_utp.pcap"), c, plan);
  EXPECT_TRUE(w) << w.error().message();
  return w ? w.value() : WireCheck{};
}

TEST(WireCheck, TheSameElevenPeersAgree) {
  auto w = check(feeders_saw(frame58_peers()));
  EXPECT_TRUE(w.agree()) << ::testing::PrintToString(w.differences);
  EXPECT_EQ(w.pex_messages, 1u);
  EXPECT_EQ(w.pex_peers, 11u);
  EXPECT_EQ(w.krpc_responses, 0u) << "the sender only queried";
}

TEST(WireCheck, APeerOnlyOneViewHasIsNamedWithTheViewThatHasIt) {
  auto peers = frame58_peers();
  auto missing = peers.back();
  peers.pop_back();
  peers.push_back(Endpoint::parse("23.9.9.9:6881").value());
  auto w = check(feeders_saw(peers));
  EXPECT_EQ(w.differing, 2u);
  EXPECT_EQ(w.differences, (std::vector<std::string>{
                               "pex added " + missing.to_string() + ": in the pcap, not in the feeders' capture",
                               "pex added 23.9.9.9:6881: in the feeders' capture, not in the pcap"}));
}

TEST(WireCheck, AMessageTheFeedersReadButThePcapLacksIsNamed) {
  auto c = feeders_saw(frame58_peers());
  c.pex.push_back(c.pex.front());
  auto w = check(c);
  EXPECT_EQ(w.differences, std::vector<std::string>{"ut_pex to 192.168.1.5:40959: the feeders read 2, the pcap holds 1"});
}

TEST(WireCheck, OnlyWhatTheClientSentCounts) {
  auto w = check(Capture{}, plan_with_client(IpAddress::parse("192.168.1.5").value()));
  EXPECT_TRUE(w.agree());
  EXPECT_EQ(w.pex_messages, 0u) << "the ut_pex went to 192.168.1.5, not from it";
}

// A client whose outgoing socket is unbound sends from whatever address the
// kernel picks (on the sandbox's loopback, the receiver's): what reaches a
// feeder's own endpoint is the client's all the same.
TEST(WireCheck, WhatReachesAFeedersEndpointIsTheClientsFromAnyAddress) {
  auto plan = plan_with_client(IpAddress::parse("23.0.0.1").value());
  plan.fed.push_back({kReceiver, Route::pex, FedKind::bittorrent, true});
  auto w = check(feeders_saw(frame58_peers()), plan);
  EXPECT_TRUE(w.agree()) << ::testing::PrintToString(w.differences);
  EXPECT_EQ(w.pex_messages, 1u);
}

TEST(WireCheck, DifferencesAreListedUpToTheCapAndAllCounted) {
  std::vector<Endpoint> peers = frame58_peers();
  for (std::uint32_t i = 0; i < 25; ++i) peers.push_back({IpAddress::v4(0x17000000 + i), 6881});
  Capture c = feeders_saw(peers);
  c.dht.push_back({0, {}, {Endpoint::parse("23.1.1.1:1").value()}, {}});
  auto w = check(c);
  EXPECT_EQ(w.differing, 26u);
  EXPECT_EQ(w.differences.size(), kMaxDifferences);
  EXPECT_FALSE(w.agree());
}

TEST(WireCheck, AMissingPcapIsAnError) {
  EXPECT_FALSE(check_wire("/nonexistent/sandbox-lo.pcap", Capture{}, plan_with_client(kSender)));
}

}  // namespace
}  // namespace p2pscope::harness
