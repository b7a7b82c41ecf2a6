#include "taint-harness/plan.hpp"

#include "core/special_ranges.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace p2pscope::harness {
namespace {

std::set<std::uint32_t> prefixes(const HarnessPlan& p) {
  std::set<std::uint32_t> out{p.client.address.v4_value() >> 8, p.tracker.address.v4_value() >> 8};
  for (const auto& f : p.fed) out.insert(f.endpoint.address.v4_value() >> 8);
  for (const auto& n : p.dht_only) out.insert(n.address.v4_value() >> 8);
  return out;
}

TEST(HarnessPlan, EveryAddressHasItsOwnSlash24AndAnUnambiguousReversal) {
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    auto p = make_plan({seed, 3, 2, 6});
    std::size_t addresses = 2 + p.fed.size() + p.dht_only.size();
    auto used = prefixes(p);
    ASSERT_EQ(used.size(), addresses) << "seed " << seed;
    for (const auto& f : p.fed) {
      EXPECT_TRUE(harness_address_ok(f.endpoint.address));
      EXPECT_EQ(used.count(reverse_v4(f.endpoint.address).v4_value() >> 8), 0u) << f.endpoint.to_string();
      EXPECT_NE(reverse_port(f.endpoint.port), f.endpoint.port);
    }
  }
}

// The spare port (KTorrent's DHT) is nobody else's, nor a byte swap of
// anybody's, with IPv6 feeding or without.
TEST(HarnessPlan, TheSparePortIsNobodysElse) {
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    for (bool ipv6 : {false, true}) {
      PlanOptions o{seed, 3, 2, 6};
      o.ipv6 = ipv6;
      auto p = make_plan(o);
      std::set<std::uint16_t> taken{p.client.port, p.tracker.port, p.prober.port};
      for (const auto& f : p.fed) taken.insert(f.endpoint.port);
      for (const auto& n : p.dht_only) taken.insert(n.port);
      ASSERT_NE(p.spare_port, 0) << "seed " << seed;
      EXPECT_EQ(taken.count(p.spare_port), 0u) << "seed " << seed;
      EXPECT_EQ(taken.count(reverse_port(p.spare_port)), 0u) << "seed " << seed;
    }
  }
}

// A partner is picked after everything else: the rest of the plan is the
// one without it, and its addresses are nobody else's.
TEST(HarnessPlan, APartnerChangesNothingElseAndHasAddressesOfItsOwn) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    PlanOptions o{seed, 3, 2, 6};
    o.ipv6 = true;
    auto without = make_plan(o);
    o.partner = true;
    auto with = make_plan(o);
    EXPECT_FALSE(without.partner);
    ASSERT_TRUE(with.partner && with.partner6) << "seed " << seed;
    EXPECT_EQ(with.partner->port, kPartnerPort);
    EXPECT_EQ(with.client, without.client);
    EXPECT_EQ(with.fed, without.fed);
    EXPECT_EQ(with.spare_port, without.spare_port);
    auto mine = without.local_addresses();
    std::set<IpAddress> others(mine.begin(), mine.end());
    others.insert(reverse_v4(with.client.address));
    EXPECT_EQ(others.count(with.partner->address), 0u) << "seed " << seed;
    EXPECT_EQ(others.count(*with.partner6), 0u) << "seed " << seed;
    auto all = with.local_addresses();
    EXPECT_EQ(all.size(), mine.size() + 2);
  }
}

TEST(HarnessPlan, FeedsEveryKindOnEveryRoute) {
  auto p = make_plan({7, 3, 2, 6});
  EXPECT_EQ(p.hubs().size(), 3u);
  for (auto r : {Route::tracker, Route::pex, Route::dht}) {
    std::map<FedKind, int> kinds;
    for (const auto& f : p.fed_by(r)) {
      if (!f.hub) ++kinds[f.kind];
    }
    EXPECT_EQ(kinds[FedKind::bittorrent], 2) << to_string(r);
    EXPECT_EQ(kinds[FedKind::open_port], 2) << to_string(r);
    EXPECT_EQ(kinds[FedKind::unreachable], 2) << to_string(r);
  }
}

TEST(HarnessPlan, Ipv6FeedingAddsIpv6PeersOnEveryRouteAndLeavesTheRestAsItWas) {
  PlanOptions o{5, 3, 2, 6};
  auto v4 = make_plan(o);
  o.ipv6 = true;
  auto p = make_plan(o);
  ASSERT_TRUE(p.client6 && p.tracker6);
  EXPECT_EQ(p.client, v4.client);
  ASSERT_EQ(p.fed.size(), v4.fed.size() + 3 * 3 * 2);
  EXPECT_TRUE(std::equal(v4.fed.begin(), v4.fed.end(), p.fed.begin())) << "IPv4 addresses keep their seed";
  ASSERT_EQ(p.dht_only.size(), v4.dht_only.size() + o.dht_only6);
  EXPECT_TRUE(std::equal(v4.dht_only.begin(), v4.dht_only.end(), p.dht_only.begin()));
  std::set<std::string> nets{std::string(p.client6->raw().substr(0, 6)), std::string(p.tracker6->raw().substr(0, 6))};
  auto local = p.local_addresses();
  std::set<IpAddress> on_lo(local.begin(), local.end());
  EXPECT_TRUE(on_lo.count(*p.client6) && on_lo.count(*p.tracker6));
  std::map<std::pair<Route, FedKind>, int> v6_fed;
  for (std::size_t i = v4.fed.size(); i < p.fed.size(); ++i) {
    const auto& f = p.fed[i];
    ASSERT_TRUE(f.endpoint.address.is_v6());
    EXPECT_FALSE(f.hub);
    ++v6_fed[{f.route, f.kind}];
    EXPECT_EQ(classify(f.endpoint.address), nullptr) << f.endpoint.to_string();
    EXPECT_TRUE(nets.insert(std::string(f.endpoint.address.raw().substr(0, 6))).second) << "shared /48";
    EXPECT_EQ(on_lo.count(f.endpoint.address), f.kind == FedKind::unreachable ? 0u : 1u);
  }
  for (auto r : {Route::tracker, Route::pex, Route::dht}) {
    for (auto k : {FedKind::bittorrent, FedKind::open_port, FedKind::unreachable})
      EXPECT_EQ((v6_fed[{r, k}]), 2) << to_string(r) << " " << to_string(k);
  }
  for (std::size_t i = v4.dht_only.size(); i < p.dht_only.size(); ++i) {
    const auto& n = p.dht_only[i];
    ASSERT_TRUE(n.address.is_v6());
    EXPECT_TRUE(nets.insert(std::string(n.address.raw().substr(0, 6))).second) << "shared /48";
    EXPECT_EQ(on_lo.count(n.address), 1u);
  }
  auto nodes = p.dht_nodes();
  EXPECT_EQ(std::count_if(nodes.begin(), nodes.end(), [](const Endpoint& e) { return e.address.is_v6(); }),
            static_cast<long>(o.dht_only6));
  EXPECT_EQ(p.client_endpoints().back(), (Endpoint{*p.client6, p.client.port}));
}

TEST(HarnessPlan, UnreachablePeersAreNotOnTheLoopback) {
  auto p = make_plan({3, 3, 2, 6});
  auto local = p.local_addresses();
  std::set<IpAddress> on_lo(local.begin(), local.end());
  for (const auto& f : p.fed) EXPECT_EQ(on_lo.count(f.endpoint.address), f.kind == FedKind::unreachable ? 0u : 1u);
  for (const auto& n : p.dht_only) EXPECT_EQ(on_lo.count(n.address), 1u);
}

TEST(HarnessPlan, EmuleHubsAnswerInEveryVersionAndEachHandsOutItsOwnPeers) {
  auto p = make_emule_plan({5});
  EXPECT_EQ(p.network, Network::emule);
  EXPECT_EQ(p.routes(), (std::vector<Route>{Route::server, Route::sx}));
  std::set<std::uint8_t> versions;
  for (const auto& h : p.hubs()) {
    EXPECT_EQ(h.route, Route::server);
    EXPECT_EQ(h.kind, FedKind::emule);
    versions.insert(h.sx);
    std::size_t handed = 0;
    for (const auto& f : p.fed_by(Route::sx)) handed += f.sx == h.sx;
    EXPECT_EQ(handed, 2u) << "hub v" << int(h.sx);
  }
  EXPECT_EQ(versions, (std::set<std::uint8_t>{1, 2, 3, 4}));
  // A hub's answers are what its hello promises: aMule reads SX1 answers by the sender's version.
  for (std::uint8_t v = 1; v <= 4; ++v) EXPECT_EQ(hub_sx1_advertised(v), v);
  // Sources the client knows while it asks the hubs: at most aMule's "very rare" 10.
  EXPECT_LE(p.fed_by(Route::server).size() + 1, 10u);
}

TEST(HarnessPlan, EmuleAddressesAreDistinctAndOnTheLoopbackWhereTheyAnswer) {
  auto p = make_emule_plan({9});
  ASSERT_TRUE(p.seeder);
  EXPECT_EQ(p.askers.size(), kEmuleAskRounds * 4);
  std::set<std::uint32_t> used{p.client.address.v4_value() >> 8, p.tracker.address.v4_value() >> 8,
                               p.seeder->address.v4_value() >> 8, p.prober.address.v4_value() >> 8};
  for (const auto& f : p.fed) used.insert(f.endpoint.address.v4_value() >> 8);
  for (const auto& a : p.askers) used.insert(a.address.v4_value() >> 8);
  EXPECT_EQ(used.size(), 4 + p.fed.size() + p.askers.size());
  auto local = p.local_addresses();
  std::set<IpAddress> on_lo(local.begin(), local.end());
  EXPECT_EQ(on_lo.count(p.seeder->address), 1u);
  for (const auto& a : p.askers) EXPECT_EQ(on_lo.count(a.address), 1u);
  for (const auto& f : p.fed) EXPECT_EQ(on_lo.count(f.endpoint.address), f.kind == FedKind::unreachable ? 0u : 1u);
  EXPECT_TRUE(p.dht_nodes().empty());
}

TEST(HarnessPlan, RejectsAddressesClientsDrop) {
  EXPECT_FALSE(harness_address_ok(IpAddress::parse("127.3.2.1").value()));   // Transmission drops 127/8
  EXPECT_FALSE(harness_address_ok(IpAddress::parse("25.1.2.200").value()));  // libtorrent's dark /8s
  EXPECT_FALSE(harness_address_ok(IpAddress::parse("200.1.2.25").value()));  // ... reversed
  EXPECT_FALSE(harness_address_ok(IpAddress::parse("10.1.2.3").value()));    // private
  EXPECT_FALSE(harness_address_ok(IpAddress::parse("41.7.7.41").value()));   // its own reversal
  EXPECT_TRUE(harness_address_ok(IpAddress::parse("41.73.12.201").value()));
}

}  // namespace
}  // namespace p2pscope::harness
