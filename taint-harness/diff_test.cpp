#include "taint-harness/diff.hpp"

#include <gtest/gtest.h>

#include <map>

namespace p2pscope::harness {
namespace {

// A run's plan, and helpers to say what the client gave out.
struct HarnessDiff : ::testing::Test {
  HarnessPlan plan = make_plan({11, 3, 2, 6});
  Capture capture;

  FedPeer fed(Route r, FedKind k) const {
    for (const auto& f : plan.fed) {
      if (f.route == r && f.kind == k && !f.hub) return f;
    }
    return {};
  }
  void pex_lists(std::vector<Endpoint> eps) {
    PexSeen p;
    p.to = plan.hubs().front().endpoint;
    for (const auto& e : eps) p.added.push_back({e, PexFlags{}});
    capture.pex.push_back(p);
  }
  void announces(std::optional<std::string> ip) {
    AnnounceRecord a;
    a.from = plan.client.address;
    a.port = plan.client.port;
    a.ip = std::move(ip);
    capture.announces.push_back(a);
  }
  const RouteRow& row(const Diff& d, Route r) const {
    for (const auto& x : d.routes) {
      if (x.route == r) return x;
    }
    throw std::logic_error("no row");
  }
};

TEST_F(HarnessDiff, HealthyClientCreatesNothing) {
  auto bt = fed(Route::pex, FedKind::bittorrent).endpoint;
  pex_lists({plan.hubs()[1].endpoint, bt});
  announces(std::nullopt);
  capture.dht.push_back({1, plan.dht_only.front(), {plan.dht_only[1]}, {}});
  auto d = diff(plan, capture);
  EXPECT_EQ(d.bogus(), 0u);
  EXPECT_EQ(row(d, Route::pex).outgoing, 2u);
  EXPECT_EQ(row(d, Route::tracker).outgoing, 1u);
  EXPECT_EQ(d.policy, Policy::after_handshake);
}

TEST_F(HarnessDiff, ReversedPexAddressIsAByteOrderPairOnItsRoute) {
  auto bt = fed(Route::tracker, FedKind::bittorrent).endpoint;
  Endpoint reversed{reverse_v4(bt.address), bt.port};
  pex_lists({reversed});
  auto d = diff(plan, capture);
  ASSERT_EQ(d.created.size(), 1u);
  EXPECT_EQ(d.created[0].route, Route::pex);
  EXPECT_EQ(d.created[0].original, bt);
  EXPECT_EQ(d.created[0].byte_order, ByteOrder::address_reversed);
  EXPECT_EQ(row(d, Route::pex).created, 1u);
}

// What a client told its partner by Azureus's peer exchange is its PEX
// route too: a made-up peer there is created; the partner itself, listed
// to it by the tracker, is not.
TEST_F(HarnessDiff, AzureusPexToThePartnerJoinsThePexRoute) {
  auto o = PlanOptions{11, 3, 2, 6};
  o.partner = true;
  plan = make_plan(o);
  auto bt = fed(Route::tracker, FedKind::bittorrent).endpoint;
  Endpoint reversed{reverse_v4(bt.address), bt.port};
  PexSeen az;
  az.to = *plan.partner;
  az.dialect = PexDialect::az_pex;
  az.added = {{bt, PexFlags{}}, {reversed, PexFlags{}}};
  capture.partner_pex.push_back(az);
  pex_lists({*plan.partner});
  auto d = diff(plan, capture);
  ASSERT_EQ(d.created.size(), 1u);
  EXPECT_EQ(d.created[0].advertised, reversed);
  EXPECT_EQ(d.created[0].route, Route::pex);
  EXPECT_EQ(d.created[0].byte_order, ByteOrder::address_reversed);
  EXPECT_EQ(row(d, Route::pex).outgoing, 3u);
  EXPECT_EQ(row(d, Route::tracker).incoming, plan.fed_by(Route::tracker).size() + 1);
}

TEST_F(HarnessDiff, SwappedPortAndBothAreTold) {
  auto a = fed(Route::dht, FedKind::bittorrent).endpoint;
  auto b = fed(Route::pex, FedKind::open_port).endpoint;
  pex_lists({{a.address, reverse_port(a.port)}, {reverse_v4(b.address), reverse_port(b.port)}});
  auto d = diff(plan, capture);
  ASSERT_EQ(d.created.size(), 2u);
  for (const auto& c : d.created) {
    ASSERT_TRUE(c.byte_order);
    EXPECT_EQ(*c.byte_order, c.original == a ? ByteOrder::port_swapped : ByteOrder::both);
  }
}

TEST_F(HarnessDiff, ByteSwappedAnnounceIpIsCaughtOnTheTrackerRoute) {
  announces(reverse_v4(plan.client.address).to_string());  // Transmission 4.0.0-4.0.4's UDP announce bug
  auto d = diff(plan, capture);
  ASSERT_EQ(d.created.size(), 1u);
  EXPECT_EQ(d.created[0].route, Route::tracker);
  EXPECT_EQ(d.created[0].original, plan.client);
}

TEST_F(HarnessDiff, DhtNodesAreDiffedAgainstTheHarnessNodesOnTheirOwnRoute) {
  auto ours = plan.dht_nodes();
  ASSERT_GE(ours.size(), 2u);
  Endpoint reversed{reverse_v4(ours[1].address), ours[1].port};
  capture.dht.push_back({1, ours[0], {}, {ours[1], reversed}});
  auto d = diff(plan, capture);
  EXPECT_EQ(row(d, Route::dht_node).incoming, ours.size());
  EXPECT_EQ(row(d, Route::dht_node).outgoing, 2u);
  ASSERT_EQ(d.created.size(), 1u);
  EXPECT_EQ(d.created[0].route, Route::dht_node);
  EXPECT_EQ(d.created[0].original, ours[1]);
  EXPECT_EQ(d.created[0].byte_order, ByteOrder::address_reversed);
  EXPECT_EQ(row(d, Route::dht).outgoing, 0u) << "nodes are not values";
}

TEST_F(HarnessDiff, AnIpv6PeerReadAsThreeIpv4PeersIsTracedBackToIt) {
  // 2a01:2345:6789:abcd:ef01:2345:1a2b:3c4d port 6881, read 6 bytes at a time.
  auto v6 = Endpoint::parse("[2a01:2345:6789:abcd:ef01:2345:1a2b:3c4d]:6881").value();
  plan.fed.push_back({v6, Route::tracker, FedKind::bittorrent, false});
  pex_lists({Endpoint::parse("42.1.35.69:26505").value(), Endpoint::parse("171.205.239.1:9029").value(),
             Endpoint::parse("26.43.60.77:6881").value()});
  auto d = diff(plan, capture);
  ASSERT_EQ(d.created.size(), 3u);
  for (const auto& c : d.created) {
    EXPECT_EQ(c.original, v6) << c.advertised.to_string();
    EXPECT_EQ(c.byte_order, ByteOrder::ipv6_read_as_ipv4) << c.advertised.to_string();
  }
}

// The two IPv6 byte-order bugs: all 16 bytes reversed, and ntohl applied
// to each 32-bit word. Expected addresses written out by hand.
TEST_F(HarnessDiff, Ipv6ReversalsAreTracedBackWithTheirKind) {
  auto v6 = Endpoint::parse("[2a01:2345:6789:abcd:ef01:2345:1a2b:3c4d]:6881").value();
  plan.fed.push_back({v6, Route::pex, FedKind::bittorrent, false});
  auto whole = Endpoint::parse("[4d3c:2b1a:4523:1ef:cdab:8967:4523:12a]:6881").value();
  auto words = Endpoint::parse("[4523:12a:cdab:8967:4523:1ef:4d3c:2b1a]:6881").value();
  auto whole_swapped = Endpoint::parse("[4d3c:2b1a:4523:1ef:cdab:8967:4523:12a]:57626").value();
  pex_lists({whole, words, whole_swapped});
  auto d = diff(plan, capture);
  ASSERT_EQ(d.created.size(), 3u);
  std::map<Endpoint, ByteOrder> how;
  for (const auto& c : d.created) {
    EXPECT_EQ(c.original, v6) << c.advertised.to_string();
    ASSERT_TRUE(c.byte_order) << c.advertised.to_string();
    how[c.advertised] = *c.byte_order;
  }
  EXPECT_EQ(how[whole], ByteOrder::address_reversed);
  EXPECT_EQ(how[words], ByteOrder::ipv6_words_swapped);
  EXPECT_EQ(how[whole_swapped], ByteOrder::both);
}

TEST_F(HarnessDiff, MadeUpUnroutablePeerIsCountedAsSuch) {
  pex_lists({Endpoint::parse("10.9.8.7:6881").value(), Endpoint::parse("44.1.2.3:6881").value()});
  auto d = diff(plan, capture);
  EXPECT_EQ(row(d, Route::pex).created, 2u);
  EXPECT_EQ(row(d, Route::pex).created_unroutable, 1u);
  for (const auto& c : d.created) EXPECT_FALSE(c.original);
}

TEST_F(HarnessDiff, TableVCountsUnroutableOutgoingAndEachPeerOnceOverAllRoutes) {
  auto made_up = Endpoint::parse("44.1.2.3:6881").value(), dark = Endpoint::parse("10.9.8.7:6881").value();
  pex_lists({fed(Route::tracker, FedKind::bittorrent).endpoint, dark, made_up});
  capture.dht.push_back({1, plan.dht_only.front(), {made_up}, {}});
  auto d = diff(plan, capture);
  const auto& pex = row(d, Route::pex);
  EXPECT_EQ(pex.outgoing, 3u);
  EXPECT_EQ(pex.outgoing_unroutable, 1u);
  EXPECT_EQ(pex.created, 2u);
  EXPECT_EQ(pex.created_unroutable, 1u);
  EXPECT_EQ(row(d, Route::dht).created, 1u);
  EXPECT_EQ(d.all.outgoing, 3u) << "44.1.2.3 given out by PEX and the DHT counts once";
  EXPECT_EQ(d.all.created, 2u);
  EXPECT_EQ(d.all.outgoing_unroutable, 1u);
  EXPECT_EQ(d.all.created_unroutable, 1u);
  EXPECT_GE(d.all.incoming, plan.fed.size());
}

TEST_F(HarnessDiff, PolicyFollowsTheLeastCheckedKindAdvertised) {
  pex_lists({fed(Route::tracker, FedKind::open_port).endpoint});
  EXPECT_EQ(diff(plan, capture).policy, Policy::after_connect);
  pex_lists({fed(Route::dht, FedKind::unreachable).endpoint});
  EXPECT_EQ(diff(plan, capture).policy, Policy::unchecked);
}

TEST_F(HarnessDiff, NothingGivenOutIsNoPolicy) {
  auto d = diff(plan, capture);
  EXPECT_EQ(d.policy, Policy::none_observed);
  EXPECT_EQ(d.bogus(), 0u);
}

TEST(HarnessCapture, RoundTripsThroughJson) {
  Capture c;
  c.duration = 12.5;
  c.dht_queries = 3;
  c.pex.push_back({1.5, Endpoint::parse("1.2.3.4:5").value(), {{Endpoint::parse("5.6.7.8:9").value(), PexFlags::from_bits(0x12)}}, {Endpoint::parse("9.9.9.9:1").value()}});
  AnnounceRecord a;
  a.from = IpAddress::parse("8.7.6.5").value();
  a.port = 4321;
  a.ip = "5.6.7.8";
  a.key = 77;
  a.event = "started";
  c.announces.push_back(a);
  ContactSeen k;
  k.at = Endpoint::parse("1.2.3.4:5").value();
  k.handshake = true;
  k.peer_id = "-TR3000-abc";
  k.v = "Transmission 3.00";
  k.extended = true;
  c.contacts.push_back(k);
  k.carrier = Carrier::utp;
  c.contacts.push_back(k);
  c.announces.back().user_agent = "Transmission/3.00";
  c.dht_versions = {"TR%00%01"};
  c.dht.push_back({3.5, Endpoint::parse("1.2.3.4:5").value(), {Endpoint::parse("5.6.7.8:9").value()},
                   {Endpoint::parse("[2400::1]:6881").value()}});
  c.incoming.push_back({20.5, IncomingOutcome::accepted, "-TR3000-abc"});
  c.incoming.push_back({35.5, IncomingOutcome::timeout, ""});
  c.partner_pex.push_back({101.5, Endpoint::parse("4.3.2.1:6881").value(), {{Endpoint::parse("5.6.7.8:9").value(), PexFlags{}}}, {},
                           PexDialect::az_pex});
  auto back = capture_from_json(to_json(c));
  ASSERT_TRUE(back);
  EXPECT_EQ(to_json(back.value()), to_json(c));
  EXPECT_EQ(back.value().contacts.back().carrier, Carrier::utp);
  EXPECT_EQ(back.value().partner_pex.at(0).dialect, PexDialect::az_pex);
  EXPECT_FALSE(capture_from_json(nlohmann::json{{"duration", "x"}}));
  // A capture from before uTP feeding (no carrier) reads as TCP.
  auto old = to_json(c);
  old["contacts"][0].erase("carrier");
  auto read = capture_from_json(old);
  ASSERT_TRUE(read);
  EXPECT_EQ(read.value().contacts.front().carrier, Carrier::tcp);
}

}  // namespace
}  // namespace p2pscope::harness
