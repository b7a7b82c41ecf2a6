#include "crawler/crawl_core.hpp"

#include <gtest/gtest.h>

namespace p2pscope::crawler {
namespace {

using namespace std::chrono_literals;
using Clock = CrawlCore::Clock;

const Clock::time_point t0{};
const InfoHash kTorrent = InfoHash::from_hex("c12fe1c06bba254a9dc9f519b335aa7c1367a88a").value();

Observation seen(Via via, const char* source, const char* peer, const InfoHash& ih = kTorrent) {
  Observation o;
  o.info_hash = ih;
  o.peer = Endpoint::parse(peer).value();
  o.via = via;
  if (via == Via::tracker_udp) o.source_url = source;
  else o.source_endpoint = Endpoint::parse(source).value();
  return o;
}

Anomaly misbehaved(const char* source, AnomalyKind kind) {
  Anomaly a;
  a.via = Via::pex;
  a.source_endpoint = Endpoint::parse(source).value();
  a.kind = kind;
  return a;
}

CoreConfig config() {
  CoreConfig c;
  c.stable_for = 60s;
  c.max_duration = 600s;
  c.bind_v4 = IpAddress::parse("20.0.0.9").value();
  return c;
}

TEST(CrawlCore, RecordsEachSourcePeerPairOnceAndContactsEachPeerOnce) {
  CrawlCore core(config(), t0);
  auto first = core.observe(seen(Via::tracker_udp, "udp://t:1/announce", "30.0.0.1:6881"), t0);
  EXPECT_TRUE(first.record);
  EXPECT_TRUE(first.contact);
  auto repeat = core.observe(seen(Via::tracker_udp, "udp://t:1/announce", "30.0.0.1:6881"), t0 + 1s);
  EXPECT_FALSE(repeat.record);
  EXPECT_FALSE(repeat.contact);
  // Another route hands out the same peer: a record of its own, no second session.
  auto via_dht = core.observe(seen(Via::dht, "40.0.0.1:6881", "30.0.0.1:6881"), t0 + 2s);
  EXPECT_TRUE(via_dht.record);
  EXPECT_FALSE(via_dht.contact);
  auto via_pex = core.observe(seen(Via::pex, "40.0.0.2:51413", "30.0.0.1:6881"), t0 + 3s);
  EXPECT_TRUE(via_pex.record);
  EXPECT_FALSE(via_pex.contact);
  EXPECT_EQ(core.tally().unique_peers(), 1u);
  EXPECT_EQ(core.tally().observations(), 3u);
  EXPECT_EQ(core.tally().handed_out(), 4u);
}

TEST(CrawlCore, ThePeerOfAnotherTorrentIsANewPeer) {
  CrawlCore core(config(), t0);
  core.observe(seen(Via::dht, "40.0.0.1:6881", "30.0.0.1:6881"), t0);
  auto other = InfoHash::from_hex("0000000000000000000000000000000000000001").value();
  auto a = core.observe(seen(Via::dht, "40.0.0.1:6881", "30.0.0.1:6881", other), t0);
  EXPECT_TRUE(a.record);
  EXPECT_TRUE(a.contact);
  EXPECT_EQ(core.tally().unique_peers(), 2u);
}

TEST(CrawlCore, NeverContactsSpecialPurposeAddressesPortZeroOrItself) {
  CrawlCore core(config(), t0);
  for (const char* peer : {"10.0.0.1:6881", "127.0.0.1:6881", "192.168.1.2:6881", "0.0.0.0:6881", "224.0.0.1:6881",
                           "30.0.0.1:0", "20.0.0.9:6881"}) {
    auto a = core.observe(seen(Via::tracker_udp, "udp://t:1/announce", peer), t0);
    EXPECT_TRUE(a.record) << peer << " is still recorded";
    EXPECT_FALSE(a.contact) << peer;
  }
}

TEST(CrawlCore, ContactsIpv6PeersOnlyWithAnIpv6Address) {
  CrawlCore v4_only(config(), t0);
  EXPECT_FALSE(v4_only.observe(seen(Via::dht, "40.0.0.1:6881", "[2001:4860::1]:6881"), t0).contact);
  auto c = config();
  c.bind_v6 = IpAddress::parse("2001:4860::9").value();
  CrawlCore dual(c, t0);
  EXPECT_TRUE(dual.observe(seen(Via::dht, "40.0.0.1:6881", "[2001:4860::1]:6881"), t0).contact);
  EXPECT_FALSE(dual.contactable(Endpoint::parse("[2001:4860::9]:6881").value())) << "itself";
  EXPECT_FALSE(dual.contactable(Endpoint::parse("[fe80::1]:6881").value()));
}

TEST(CrawlCore, ContactsNobodyWithPexOffOrOnceStopping) {
  auto c = config();
  c.use_pex = false;
  CrawlCore no_pex(c, t0);
  EXPECT_FALSE(no_pex.observe(seen(Via::dht, "40.0.0.1:6881", "30.0.0.1:6881"), t0).contact);
  CrawlCore stopping(config(), t0);
  stopping.stopping();
  auto a = stopping.observe(seen(Via::dht, "40.0.0.1:6881", "30.0.0.1:6881"), t0);
  EXPECT_TRUE(a.record) << "what arrives while stopping is still recorded";
  EXPECT_FALSE(a.contact);
}

TEST(CrawlCore, StopsWhenNoNewPeerCameForStableFor) {
  CrawlCore core(config(), t0);
  core.first_round_started();
  core.first_round_done();
  core.observe(seen(Via::dht, "40.0.0.1:6881", "30.0.0.1:6881"), t0 + 10s);
  EXPECT_FALSE(core.stop_due(t0 + 69s, 0));
  // A repeat is not growth.
  core.observe(seen(Via::dht, "40.0.0.2:6881", "30.0.0.1:6881"), t0 + 50s);
  auto why = core.stop_due(t0 + 70s, 0);
  ASSERT_TRUE(why);
  EXPECT_EQ(*why, "no new peers for 60 s");
}

TEST(CrawlCore, StableForWaitsForFirstRoundsAndPexSessions) {
  CrawlCore core(config(), t0);
  core.first_round_started();
  core.first_round_started();
  core.first_round_done();
  EXPECT_FALSE(core.stop_due(t0 + 100s, 0)) << "one first round has not answered";
  core.first_round_done();
  EXPECT_FALSE(core.stop_due(t0 + 100s, 3)) << "PEX sessions are open or waiting";
  EXPECT_TRUE(core.stop_due(t0 + 100s, 0));
}

TEST(CrawlCore, MaxDurationStopsEvenWhileWorkIsPending) {
  CrawlCore core(config(), t0);
  core.first_round_started();
  EXPECT_FALSE(core.stop_due(t0 + 599s, 5));
  auto why = core.stop_due(t0 + 600s, 5);
  ASSERT_TRUE(why);
  EXPECT_EQ(*why, "reached the maximum duration of 600 s");
  auto c = config();
  c.max_duration = 0s;  // no limit
  CrawlCore unlimited(c, t0);
  unlimited.first_round_started();
  EXPECT_FALSE(unlimited.stop_due(t0 + 100000s, 1));
}

TEST(CrawlCore, RestartMovesBothClocks) {
  CrawlCore core(config(), t0);
  core.restart(t0 + 500s);
  EXPECT_FALSE(core.stop_due(t0 + 559s, 0));
  EXPECT_TRUE(core.stop_due(t0 + 560s, 0));
  EXPECT_EQ(*core.stop_due(t0 + 1100s, 0), "reached the maximum duration of 600 s");
}

TEST(CrawlCore, FoldsAnomaliesPerRouteSourceAndKind) {
  CrawlCore core(config(), t0);
  for (int i = 0; i < 3; ++i) core.anomaly(misbehaved("40.0.0.1:6881", AnomalyKind::malformed));
  core.anomaly(misbehaved("40.0.0.1:6881", AnomalyKind::oversized));
  core.anomaly(misbehaved("40.0.0.2:6881", AnomalyKind::malformed));
  EXPECT_EQ(core.anomaly_count(), 5u);
  ASSERT_EQ(core.anomalies().size(), 3u);
  std::uint64_t malformed_from_1 = 0;
  for (const auto& [key, a] : core.anomalies()) {
    if (a.kind == AnomalyKind::malformed && a.source_endpoint == Endpoint::parse("40.0.0.1:6881").value())
      malformed_from_1 = a.count;
  }
  EXPECT_EQ(malformed_from_1, 3u);
}

TEST(CrawlCore, CountsAnomaliesPastTheKeyCapWithoutKeepingThem) {
  auto c = config();
  c.max_anomaly_keys = 2;
  CrawlCore core(c, t0);
  core.anomaly(misbehaved("40.0.0.1:6881", AnomalyKind::malformed));
  core.anomaly(misbehaved("40.0.0.2:6881", AnomalyKind::malformed));
  core.anomaly(misbehaved("40.0.0.3:6881", AnomalyKind::malformed));
  core.anomaly(misbehaved("40.0.0.1:6881", AnomalyKind::malformed));
  EXPECT_EQ(core.anomalies().size(), 2u);
  EXPECT_EQ(core.anomaly_count(), 4u);
}

}  // namespace
}  // namespace p2pscope::crawler
