#include "lab/tracker_server.hpp"

#include <gtest/gtest.h>

namespace p2pscope::lab {
namespace {

using namespace std::chrono_literals;
using Clock = TrackerState::Clock;

InfoHash ih(char c) { return InfoHash::from_bytes(std::string(20, c)).value(); }
Endpoint ep(std::uint32_t ip, std::uint16_t port = 6881) { return {IpAddress::v4(ip), port}; }

TrackerState::Announce announce(Endpoint who, bool seed = false, int numwant = -1) {
  return {ih('a'), who, seed, AnnounceEvent::started, numwant, {}};
}

TEST(LabTracker, HandsOutOtherPeersAndCountsSeeds) {
  TrackerState t({}, 1);
  auto now = Clock::now();
  ASSERT_TRUE(t.announce(announce(ep(0x17000001), true), now));
  ASSERT_TRUE(t.announce(announce(ep(0x17000002)), now));
  auto r = t.announce(announce(ep(0x17000003)), now).value();
  EXPECT_EQ(r.peers.size(), 2u);
  EXPECT_EQ(r.seeders, 1u);
  EXPECT_EQ(r.leechers, 2u);
  EXPECT_EQ(std::count(r.peers.begin(), r.peers.end(), ep(0x17000003)), 0) << "a peer is never handed itself";
  EXPECT_EQ(t.scrape(ih('a')).seeders, 1u);
  EXPECT_EQ(t.scrape(ih('z')).leechers, 0u);
}

TEST(LabTracker, CapsRepliesAtNumwant) {
  TrackerState t({}, 1);
  auto now = Clock::now();
  for (std::uint32_t i = 0; i < 300; ++i) ASSERT_TRUE(t.announce(announce(ep(0x17000000 + i)), now));
  EXPECT_EQ(t.announce(announce(ep(0x18000000), false, 10), now).value().peers.size(), 10u);
  EXPECT_EQ(t.announce(announce(ep(0x18000000), false, 5000), now).value().peers.size(), 200u);
  EXPECT_EQ(t.announce(announce(ep(0x18000000)), now).value().peers.size(), 50u);
}

TEST(LabTracker, PoisonedTrackerInjectsItsEntriesIntoEveryReply) {
  TrackerConfig cfg;
  cfg.injected = {ep(0x0a000001), ep(0x2d000001)};
  TrackerState t(cfg, 1);
  auto r = t.announce(announce(ep(0x17000001), false, 0), Clock::now()).value();
  EXPECT_EQ(r.peers, cfg.injected);
}

TEST(LabTracker, ForgetsStoppedAndSilentPeers) {
  TrackerConfig cfg;
  cfg.interval = 60s;
  TrackerState t(cfg, 1);
  auto now = Clock::now();
  ASSERT_TRUE(t.announce(announce(ep(1)), now));
  ASSERT_TRUE(t.announce(announce(ep(2)), now));
  auto stop = announce(ep(2));
  stop.event = AnnounceEvent::stopped;
  ASSERT_TRUE(t.announce(stop, now));
  EXPECT_EQ(t.scrape(ih('a')).leechers, 1u);
  EXPECT_TRUE(t.announce(announce(ep(3)), now + 181s).value().peers.empty()) << "ep(1) went silent for 3 intervals";
}

// A tracker that honours BEP 7's ipv6= lists the announcer at both
// addresses (so anyone can list a victim's), never hands it either, and
// forgets both on `stopped`.
TEST(LabTracker, ListsAnAnnouncerAtItsBep7AddressToo) {
  TrackerState t({}, 1);
  auto now = Clock::now();
  Endpoint six{IpAddress::parse("2001:db8::7").value(), 6881};
  auto dual = announce(ep(0x17000001));
  dual.also = {six};
  ASSERT_TRUE(t.announce(dual, now));
  EXPECT_TRUE(t.announce(dual, now).value().peers.empty()) << "neither of its own addresses";
  auto r = t.announce(announce(ep(0x17000002)), now).value();
  EXPECT_EQ(std::count(r.peers.begin(), r.peers.end(), six), 1);
  EXPECT_EQ(std::count(r.peers.begin(), r.peers.end(), ep(0x17000001)), 1);
  dual.event = AnnounceEvent::stopped;
  ASSERT_TRUE(t.announce(dual, now));
  EXPECT_EQ(t.announce(announce(ep(0x17000002)), now).value().peers.size(), 0u);
}

TEST(LabTracker, CountsBep7AddressesAgainstThePeerLimit) {
  TrackerConfig cfg;
  cfg.max_peers = 2;
  TrackerState t(cfg, 1);
  ASSERT_TRUE(t.announce(announce(ep(1)), Clock::now()));
  auto dual = announce(ep(2));
  dual.also = {{IpAddress::parse("2001:db8::7").value(), 6881}};
  EXPECT_EQ(t.announce(dual, Clock::now()).error(), make_error_code(errc::too_many_items));
}

TEST(LabTracker, RefusesSwarmsPastItsLimit) {
  TrackerConfig cfg;
  cfg.max_swarms = 1;
  TrackerState t(cfg, 1);
  ASSERT_TRUE(t.announce(announce(ep(1)), Clock::now()));
  auto other = announce(ep(1));
  other.info_hash = ih('b');
  EXPECT_EQ(t.announce(other, Clock::now()).error(), make_error_code(errc::too_many_items));
}

}  // namespace
}  // namespace p2pscope::lab
