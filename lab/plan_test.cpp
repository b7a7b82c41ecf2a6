#include "lab/plan.hpp"

#include "core/special_ranges.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include <set>

namespace p2pscope::lab {
namespace {

Scenario scenario(int seeds, int leechers) {
  Scenario s;
  s.name = "t";
  s.seeds = seeds;
  s.leechers = leechers;
  return s;
}

void drop_ipv6(Scenario& s) {
  s.lite_peers_v6 = s.byte_order_v6_peers = s.dht_nodes_v6 = s.anti_p2p_v6_members = s.anti_p2p_v6_fakes = 0;
  s.libtorrent_v6_leechers = 0;
  ASSERT_FALSE(s.has_ipv6());
}

TEST(LabPlan, IsDeterministicForASeed) {
  auto a = make_plan(scenario(4, 12)), b = make_plan(scenario(4, 12));
  EXPECT_EQ(a.addresses(), b.addresses());
  auto other = scenario(4, 12);
  other.seed = 99;
  EXPECT_NE(make_plan(other).addresses(), a.addresses());
}

TEST(LabPlan, GivesEveryPartyItsOwnPublicLookingSlash24) {
  auto s = scenario(16, 200);
  s.lite_peers = 300;
  s.mirrored_pairs = 20;
  s.dht_nodes = 500;
  auto plan = make_plan(s);
  std::set<std::uint32_t> nets;
  std::set<std::uint8_t> first_octets;
  for (const auto& ip : plan.addresses()) {
    EXPECT_FALSE(is_bogon(ip)) << ip.to_string();
    EXPECT_TRUE(nets.insert(ip.v4_value() >> 8).second) << "shared /24: " << ip.to_string();
    first_octets.insert(static_cast<std::uint8_t>(ip.v4_value() >> 24));
  }
  EXPECT_GE(first_octets.size(), 8u);
}

TEST(LabPlan, CountsRolesAndTrackers) {
  auto s = scenario(3, 5);
  s.lab_trackers = 2;
  s.poisoned_trackers = 1;
  auto plan = make_plan(s);
  EXPECT_EQ(plan.with_role(Role::seed).size(), 3u);
  EXPECT_EQ(plan.with_role(Role::leecher).size(), 5u);
  EXPECT_EQ(plan.with_role(Role::tracker).size(), 3u);
  EXPECT_FALSE(plan.client_addresses().empty());
  auto urls = plan.tracker_urls();
  ASSERT_EQ(urls.size(), 6u);
  EXPECT_EQ(urls[0], "http://" + plan.find("opentracker")->endpoint.to_string() + "/announce");
  EXPECT_EQ(urls[1], "udp://" + plan.find("opentracker")->endpoint.to_string() + "/announce");
  EXPECT_TRUE(plan.poisoned(*plan.find("lab-tracker-0")));
  EXPECT_FALSE(plan.poisoned(*plan.find("lab-tracker-1")));
  EXPECT_FALSE(plan.poisoned(*plan.find("opentracker")));
}

TEST(LabPlan, SmallScenarioPlacesEveryActor) {
  auto plan = make_plan(parse_scenario(builtin_scenario("small").value()).value());
  EXPECT_GE(plan.announcing_peers().size(), 180u);  // "about 200 peers"
  EXPECT_EQ(plan.with_role(Role::dht_node).size(), 364u);  // 300 IPv4, 64 IPv6
  for (auto r : {Role::anti_p2p, Role::byte_order, Role::propagator, Role::bogus_unroutable, Role::bogus_dead,
                 Role::bogus_open_port, Role::anti_p2p_fake, Role::dht_fake_values, Role::dht_phantom,
                 Role::dht_phantom_neighbour, Role::dht_sybil, Role::dht_sybil_near})
    EXPECT_FALSE(plan.with_role(r).empty()) << to_string(r);
}

TEST(LabPlan, BogusDhtNodesKeepTheOtherAddressesAndASybilHostIsOneAddress) {
  auto s = parse_scenario(builtin_scenario("small").value()).value();
  drop_ipv6(s);  // allocated after the bogus nodes
  auto with = make_plan(s);
  s.dht_fake_values = s.dht_phantom = s.dht_sybil_hosts = s.dht_sybil_near = 0;
  auto without = make_plan(s);
  ASSERT_LT(without.parties.size(), with.parties.size());
  for (std::size_t i = 0; i < without.parties.size(); ++i)
    EXPECT_EQ(with.parties[i].endpoint, without.parties[i].endpoint) << with.parties[i].name;

  for (const auto& p : with.parties)
    if (bogus_dht_role(p.role) || p.role == Role::dht_phantom_neighbour)
      EXPECT_EQ(p.farm, -1) << p.name << ": an anti-P2P farm hands out every party of its farm index";
  auto sybils = with.with_role(Role::dht_sybil);
  ASSERT_EQ(sybils.size(), 4u);
  for (const auto* p : sybils) EXPECT_EQ(p->endpoint.address, sybils[0]->endpoint.address);
  auto lo = with.addresses();
  EXPECT_EQ(std::count(lo.begin(), lo.end(), sybils[0]->endpoint.address), 1) << "added to the sandbox once";
  for (const auto* n : with.with_role(Role::dht_phantom_neighbour)) {
    EXPECT_FALSE(n->on_lo) << "nothing is there";
    EXPECT_EQ(std::count(lo.begin(), lo.end(), n->endpoint.address), 0);
  }
  auto phantom = with.with_role(Role::dht_phantom);
  EXPECT_EQ(phantom_neighbours_of(with, *phantom.at(0)).size(), static_cast<std::size_t>(kPhantomNeighbours));
  auto values = fake_values_of(with, *with.with_role(Role::dht_fake_values).at(0));
  ASSERT_EQ(values.size(), 8u);
  auto honest = with.with_role(Role::dht_node);
  for (const auto& v : values)
    EXPECT_TRUE(std::any_of(honest.begin(), honest.end(), [&](const Party* p) { return p->endpoint == v; }))
        << v.to_string() << " is an honest DHT node";
}

TEST(LabPlan, Ipv6PartiesComeLastEachInItsOwnSlash48) {
  auto s = parse_scenario(builtin_scenario("small").value()).value();
  auto with = make_plan(s);
  ASSERT_TRUE(s.has_ipv6());
  drop_ipv6(s);
  auto without = make_plan(s);
  for (std::size_t i = 0; i < without.parties.size(); ++i)
    EXPECT_EQ(with.parties[i].endpoint, without.parties[i].endpoint) << with.parties[i].name;

  std::set<std::string> nets;
  std::set<int> reversals;
  for (const auto& p : with.parties) {
    for (const auto& ep : p.endpoints()) {
      const auto& ip = ep.address;
      if (ip.is_v4() || p.farm >= 0) continue;  // the IPv6 farm shares a /64: FarmsShareASlash24...
      EXPECT_FALSE(is_bogon(ip)) << ip.to_string();
      EXPECT_TRUE(nets.insert(std::string(ip.raw().substr(0, 6))).second) << "shared /48: " << ip.to_string();
    }
  }
  for (const auto* p : with.with_role(Role::byte_order))
    if (p->endpoint.address.is_v6()) reversals.insert(p->variant);
  EXPECT_EQ(reversals, (std::set<int>{0, 1})) << "both kinds of IPv6 reversal";
  EXPECT_EQ(with.client_addresses6().size(), with.client_addresses().size());
  auto flags = with.client_bind_flags(0);
  ASSERT_EQ(flags.size(), 4u);
  EXPECT_EQ(flags[3], with.client_addresses6()[0].to_string());
  auto tracker = with.find("lab-tracker-0");
  ASSERT_TRUE(tracker->v6);
  auto urls = with.tracker_urls();
  EXPECT_NE(std::find(urls.begin(), urls.end(), "udp://[" + tracker->v6->to_string() + "]:6969/announce"), urls.end());
  EXPECT_FALSE(with.find("opentracker")->v6) << "Debian's opentracker is built for IPv4";
  EXPECT_EQ(without.client_bind_flags(0).size(), 2u);
}

TEST(LabPlan, TheLastByteOrderActorAndFarmMemberSpeakUtpOnly) {
  auto plan = make_plan(parse_scenario(builtin_scenario("small").value()).value());
  std::vector<std::string> utp;
  for (const auto& p : plan.parties)
    if (p.utp_only && p.role != Role::leecher) utp.push_back(p.name);
  EXPECT_EQ(utp, (std::vector<std::string>{"anti-p2p-0-3", "byte-order-2"}));
  EXPECT_FALSE(plan.find("anti-p2p-0-0")->utp_only) << "the farm head (member 0) keeps TCP";
}

TEST(LabPlan, AByteOrderNeighbourhoodIsItsOwnFamilysShareDrawnPerActor) {
  auto s = parse_scenario(builtin_scenario("small").value()).value();
  auto all = make_plan(s);
  const auto* b0 = all.find("byte-order-0");
  auto everyone = byte_order_known(all, *b0);
  EXPECT_GT(everyone.size(), 100u);
  for (const auto& ep : everyone) {
    EXPECT_NE(ep, b0->endpoint);
    EXPECT_TRUE(ep.address.is_v4()) << ep.to_string();
  }
  s.byte_order_neighbours = 20;
  auto plan = make_plan(s);
  auto k0 = byte_order_known(plan, *plan.find("byte-order-0"));
  auto k1 = byte_order_known(plan, *plan.find("byte-order-1"));
  auto propagator = plan.with_role(Role::propagator).at(0)->endpoint;
  EXPECT_NE(std::find(k0.begin(), k0.end(), propagator), k0.end()) << "it may dial any actor: always known";
  ASSERT_GE(k0.size(), 20u);
  ASSERT_LE(k0.size(), 21u) << "20 drawn, and the propagator unless it was drawn";
  EXPECT_EQ(std::set<Endpoint>(k0.begin(), k0.end()).size(), k0.size()) << "drawn without repeats";
  EXPECT_EQ(k0, byte_order_known(make_plan(s), *plan.find("byte-order-0"))) << "the same draw every time";
  EXPECT_NE(k0, k1) << "each actor its own share";
  for (const auto& ep : k0) EXPECT_NE(std::find(everyone.begin(), everyone.end(), ep), everyone.end());
  auto six = byte_order_known(plan, *plan.find("byte-order6-0"));
  for (const auto& ep : six) EXPECT_TRUE(ep.address.is_v6()) << ep.to_string();
}

TEST(LabPlan, MirroredPairsAreEachOthersByteReversal) {
  auto s = scenario(1, 0);
  s.lite_peers = 10;
  s.mirrored_pairs = 3;
  auto plan = make_plan(s);
  for (int i = 0; i < 6; i += 2) {
    auto a = plan.find("lite-" + std::to_string(i))->endpoint.address;
    auto b = plan.find("lite-" + std::to_string(i + 1))->endpoint.address;
    EXPECT_EQ(reverse_v4(a), b);
    EXPECT_FALSE(is_bogon(b));
  }
}

TEST(LabPlan, FarmsShareASlash24AndUnroutablesAreUnroutable) {
  auto s = scenario(1, 0);
  s.anti_p2p_farms = 2;
  s.anti_p2p_per_farm = 5;
  s.bogus_unroutable = 4;
  auto plan = make_plan(s);
  std::set<std::uint32_t> farm_nets;
  for (const auto* p : plan.with_role(Role::anti_p2p)) farm_nets.insert(p->endpoint.address.v4_value() >> 8);
  EXPECT_EQ(farm_nets.size(), 2u);
  auto unroutable = plan.with_role(Role::bogus_unroutable);
  EXPECT_TRUE(is_bogon(unroutable[0]->endpoint.address));
  EXPECT_FALSE(unroutable[0]->on_lo);
  auto configured = plan.addresses();
  std::set<IpAddress> on_lo(configured.begin(), configured.end());
  for (const auto* p : unroutable) EXPECT_FALSE(on_lo.count(p->endpoint.address));
}

TEST(LabPlan, Ipv6OnlyLibtorrentLeechersAreAddedAfterTheOthers) {
  auto s = scenario(2, 6);
  s.libtorrent_v6_leechers = 3;
  auto plan = make_plan(s);
  std::vector<std::string> six;
  for (const auto& p : plan.parties)
    if (p.impl == Impl::libtorrent && p.endpoint.address.is_v6()) six.push_back(p.name);
  EXPECT_EQ(six, (std::vector<std::string>{"leecher6-0", "leecher6-1", "leecher6-2"}));
  EXPECT_EQ(plan.with_role(Role::leecher).size(), 9u);
  EXPECT_FALSE(plan.find("leecher6-0")->v6) << "IPv6 only";
  EXPECT_TRUE(s.has_ipv6());
  std::set<std::uint16_t> ports;
  for (const auto& name : six) ports.insert(plan.find(name)->endpoint.port);
  EXPECT_EQ(ports.size(), 3u) << "equal ports make libtorrent drop both of two crossing connections at random";
}

TEST(LabPlan, TheIpv6FarmIsOneSlash64WithItsFakesAndPlantsThemFromItsFirstMember) {
  auto s = scenario(1, 0);
  s.anti_p2p_farms = 2;
  s.anti_p2p_v6_members = 3;
  s.anti_p2p_v6_fakes = 7;
  auto plan = make_plan(s);
  std::set<std::string> slash64s;
  int members = 0, fakes = 0;
  for (const auto& p : plan.parties) {
    if (!p.endpoint.address.is_v6() || p.farm < 0) continue;
    EXPECT_EQ(p.farm, 2) << p.name << ": after the IPv4 farms";
    EXPECT_FALSE(is_bogon(p.endpoint.address)) << p.endpoint.to_string();
    slash64s.insert(std::string(p.endpoint.address.raw().substr(0, 8)));
    members += p.role == Role::anti_p2p;
    if (p.role == Role::anti_p2p_fake) {
      ++fakes;
      EXPECT_FALSE(p.on_lo) << p.name << ": nothing is there";
    }
  }
  EXPECT_EQ(members, 3);
  EXPECT_EQ(fakes, 7);
  EXPECT_EQ(slash64s.size(), 1u);
  ASSERT_NE(farm_head(plan, 2), nullptr);
  EXPECT_EQ(farm_head(plan, 2)->name, "anti-p2p6-0");
  EXPECT_EQ(farm_head(plan, 0)->name, "anti-p2p-0-0");
  EXPECT_EQ(farm_head(plan, 3), nullptr);
  EXPECT_TRUE(s.has_ipv6());
}

}  // namespace
}  // namespace p2pscope::lab
