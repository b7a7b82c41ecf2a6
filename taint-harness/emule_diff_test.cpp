#include "core/ed2k.hpp"
#include "taint-harness/diff.hpp"

#include <gtest/gtest.h>

namespace p2pscope::harness {
namespace {

// An eMule run's plan, and helpers to say what the client answered the
// askers and offered the server.
struct EmuleDiff : ::testing::Test {
  HarnessPlan plan = make_emule_plan({13});
  Capture capture;

  Endpoint fed(Route r, FedKind k) const {
    for (const auto& f : plan.fed)
      if (f.route == r && f.kind == k && !f.hub) return f.endpoint;
    throw std::logic_error("no such fed peer");
  }
  void answers(std::uint8_t version, std::vector<Endpoint> sources) {
    SxAsk a;
    a.asker = plan.askers.at(version - 1);
    a.asked = version;
    a.end = "answered";
    a.version = version;
    a.sources = std::move(sources);
    capture.sx.push_back(a);
  }
  void offers(std::uint32_t id, std::uint16_t port) {
    capture.offers.push_back({1, ed2k::ed2k_id(plan.client.address), plan.client.port, id, port});
  }
  const RouteRow& row(const Diff& d, Route r) const {
    for (const auto& x : d.routes)
      if (x.route == r) return x;
    throw std::logic_error("no row");
  }
};

TEST_F(EmuleDiff, HealthyClientCreatesNothingAndPassesOnOnlyEmulePeers) {
  answers(3, {plan.hubs()[0].endpoint, fed(Route::sx, FedKind::emule), *plan.seeder});
  answers(1, {fed(Route::server, FedKind::emule)});
  offers(0xFBFBFBFBu, 0xFBFB);  // "me", as aMule offers to a server without compression
  auto d = diff(plan, capture);
  EXPECT_EQ(d.bogus(), 0u);
  ASSERT_EQ(d.routes.size(), 2u);
  EXPECT_EQ(row(d, Route::sx).outgoing, 4u);
  EXPECT_EQ(row(d, Route::server).outgoing, 1u);
  EXPECT_EQ(d.policy, Policy::after_handshake);
  EXPECT_EQ(d.kinds.front().kind, FedKind::emule);
}

TEST_F(EmuleDiff, HybridIdReadAsEd2kIsAByteOrderFinding) {
  auto honest = fed(Route::sx, FedKind::emule);
  answers(3, {Endpoint{reverse_v4(honest.address), honest.port}});
  auto d = diff(plan, capture);
  ASSERT_EQ(d.created.size(), 1u);
  EXPECT_EQ(d.created[0].route, Route::sx);
  EXPECT_EQ(d.created[0].original, honest);
  EXPECT_EQ(d.created[0].byte_order, ByteOrder::address_reversed);
  EXPECT_EQ(row(d, Route::sx).created, 1u);
}

TEST_F(EmuleDiff, AnOfferNamingAnotherAddressIsCreatedOnTheServerRoute) {
  offers(ed2k::ed2k_id(reverse_v4(plan.client.address)), plan.client.port);
  auto d = diff(plan, capture);
  ASSERT_EQ(d.created.size(), 1u);
  EXPECT_EQ(d.created[0].route, Route::server);
  EXPECT_EQ(d.created[0].byte_order, ByteOrder::address_reversed);
}

TEST_F(EmuleDiff, UnreachablePeersPassedOnMeanNoCheck) {
  answers(4, {fed(Route::server, FedKind::unreachable)});
  auto d = diff(plan, capture);
  EXPECT_EQ(d.bogus(), 0u);
  EXPECT_EQ(d.policy, Policy::unchecked);
}

TEST(EmuleCapture, AsksAndOffersSurviveJson) {
  Capture c;
  c.sx.push_back({2.5, Endpoint::parse("41.73.12.201:4662").value(), 4, "answered", 4,
                  {Endpoint::parse("52.1.2.3:4662").value()}, 1, "aMule 2.3.3", std::nullopt});
  c.offers.push_back({3, 0x0100007Fu, 4662, 0xFBFBFBFBu, 0xFBFB});
  c.logins = 1;
  auto back = capture_from_json(to_json(c));
  ASSERT_TRUE(back);
  ASSERT_EQ(back.value().sx.size(), 1u);
  EXPECT_EQ(back.value().sx[0].sources, c.sx[0].sources);
  EXPECT_EQ(back.value().sx[0].software, c.sx[0].software);
  EXPECT_EQ(back.value().sx[0].low_ids, 1u);
  ASSERT_EQ(back.value().offers.size(), 1u);
  EXPECT_EQ(back.value().offers[0].login_port, 4662);
  EXPECT_EQ(back.value().logins, 1u);
}

}  // namespace
}  // namespace p2pscope::harness
