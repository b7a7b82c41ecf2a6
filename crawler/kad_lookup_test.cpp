#include "crawler/kad_lookup.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace p2pscope::crawler {
namespace {

using kad::Contact;
using kad::KadId;

KadId random_id(std::mt19937_64& rng) {
  KadId id;
  for (auto& b : id.bytes) b = static_cast<std::uint8_t>(rng());
  return id;
}

// A synthetic KAD network: n nodes on distinct /24s of TEST-NET-like space;
// each answers with the `wanted` contacts it knows closest to the target
// (it knows everyone, so a lookup converges on the true closest nodes).
struct Network {
  std::vector<Contact> nodes;
  explicit Network(std::size_t n, std::uint64_t seed = 1) {
    std::mt19937_64 rng(seed);
    for (std::size_t i = 0; i < n; ++i) {
      auto ip = IpAddress::v4(0x0B000000u + static_cast<std::uint32_t>(i << 8) + 1);  // 11.x.y.1
      nodes.push_back(Contact{random_id(rng), ed2k::hybrid_id(ip), 4672, 4662, 8});
    }
  }
  kad::NodeResponse answer(const KadId& target, std::size_t wanted) const {
    auto sorted = nodes;
    std::sort(sorted.begin(), sorted.end(),
              [&](const auto& a, const auto& b) { return kad::distance(a.id, target) < kad::distance(b.id, target); });
    sorted.resize(std::min(wanted, sorted.size()));
    return kad::NodeResponse{target, sorted};
  }
  std::vector<Contact> closest(const KadId& target, std::size_t n) const { return answer(target, n).contacts; }
};

Endpoint ep(const Contact& c) { return Endpoint{c.address(), c.udp_port}; }

// Drives a lookup to its end with every node answering; returns the rounds.
std::size_t run(KadLookup& l, const Network& net) {
  std::size_t rounds = 0;
  while (!l.done() && rounds < 1000) {
    ++rounds;
    for (const auto& c : l.next_queries()) l.on_reply(ep(c), net.answer(l.target(), 11));
  }
  return rounds;
}

TEST(KadLookup, ConvergesOnTheClosestNodesAndSearchesThoseWithinTolerance) {
  Network net(2000);
  std::mt19937_64 rng(7);
  auto target = random_id(rng);
  std::vector<Contact> seeds(net.nodes.begin(), net.nodes.begin() + 5);
  KadLookup l(target, seeds);
  run(l, net);
  ASSERT_TRUE(l.done());
  EXPECT_LT(l.stats().queries, 200u) << "well inside the budget";
  auto truth = net.closest(target, 10);
  auto found = l.source_nodes();
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found.front(), truth.front()) << "the closest node of 2000 is found";
  for (const auto& c : found) EXPECT_LE(kad::distance_prefix(c.id, target), kad::kSearchTolerance);
}

TEST(KadLookup, RepliesFromNodesNotAskedOrForAnotherTargetDoNotCount) {
  Network net(50);
  std::mt19937_64 rng(3);
  auto target = random_id(rng);
  KadLookup l(target, {net.nodes[0]});
  auto asked = l.next_queries();
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_FALSE(l.on_reply(ep(net.nodes[1]), net.answer(target, 11))) << "never asked";
  EXPECT_FALSE(l.on_reply(ep(asked[0]), net.answer(random_id(rng), 11))) << "another target";
  EXPECT_TRUE(l.on_reply(ep(asked[0]), net.answer(target, 11)));
  EXPECT_FALSE(l.on_reply(ep(asked[0]), net.answer(target, 11))) << "answered already";
  EXPECT_EQ(l.stats().unsolicited, 3u);
}

TEST(KadLookup, OneContactPerIpAndTwoPerSlash24) {
  std::mt19937_64 rng(5);
  auto target = random_id(rng);
  std::vector<Contact> crowd;
  for (std::uint32_t i = 0; i < 5; ++i)  // five nodes in 11.0.0.0/24, two of them on one IP
    crowd.push_back(Contact{random_id(rng), ed2k::hybrid_id(IpAddress::v4(0x0B000001u + (i == 4 ? 0 : i))), 4672, 4662, 8});
  KadLookup l(target, crowd);
  EXPECT_EQ(l.candidates(), 2u);
  EXPECT_EQ(l.stats().dropped_contacts, 3u);
}

TEST(KadLookup, StartsFromTheClosestSeedsThatPassTheAddressRules) {
  Network net(300);
  std::mt19937_64 rng(11);
  auto target = random_id(rng);
  auto seeds = net.nodes;
  // A twin of the closest node, on its IP, with an id closer still: taken,
  // and the node itself dropped (one contact per IP).
  auto twin = net.closest(target, 1).front();
  twin.id = target;
  twin.id.bytes.back() ^= 1;
  seeds.push_back(twin);
  KadLookupConfig cfg;
  cfg.max_seeds = 50;
  KadLookup l(target, seeds, cfg);
  EXPECT_EQ(l.candidates(), 50u);
  std::set<KadId> asked;
  while (!l.done()) {
    auto q = l.next_queries();
    if (q.empty()) break;
    for (const auto& c : q) {
      asked.insert(c.id);
      l.on_timeout(ep(c));
    }
  }
  std::set<KadId> expected{twin.id};
  auto nearest = net.closest(target, 50);
  for (std::size_t i = 1; i < nearest.size(); ++i) expected.insert(nearest[i].id);
  EXPECT_EQ(asked, expected);

}

TEST(KadLookup, AFloodOfContactsIsCappedAndTimeoutsEndTheLookup) {
  Network net(3000);
  std::mt19937_64 rng(9);
  auto target = random_id(rng);
  KadLookupConfig cfg;
  cfg.max_candidates = 64;
  KadLookup l(target, {net.nodes[0]}, cfg);
  auto asked = l.next_queries();
  l.on_reply(ep(asked[0]), kad::NodeResponse{target, net.nodes});  // 3000 contacts in one answer
  EXPECT_LE(l.candidates(), 64u);
  while (!l.done())
    for (const auto& c : l.next_queries()) l.on_timeout(ep(c));
  EXPECT_TRUE(l.source_nodes().size() <= 1u) << "only the seed answered";
  EXPECT_GT(l.stats().timeouts, 0u);
}

TEST(KadBudget, AmulesPerMinuteAllowancesPerIp) {
  KadBudget b;
  auto ip = IpAddress::v4(0x0B000001);
  auto t = KadBudget::Clock::now();
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(b.try_take(ip, kad::op::req, t));
  EXPECT_FALSE(b.try_take(ip, kad::op::req, t)) << "the 11th request in a minute";
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(b.try_take(ip, kad::op::search_source_req, t));
  EXPECT_FALSE(b.try_take(ip, kad::op::search_source_req, t));
  EXPECT_TRUE(b.try_take(IpAddress::v4(0x0B000002), kad::op::req, t)) << "another IP has its own minute";
  EXPECT_TRUE(b.try_take(ip, kad::op::req, t + std::chrono::seconds(61))) << "a new minute";
  EXPECT_TRUE(b.try_take(ip, kad::op::res, t)) << "answers are not limited";
}

}  // namespace
}  // namespace p2pscope::crawler
