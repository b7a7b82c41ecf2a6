#include "crawler/dht_lookup.hpp"

#include "lab/dht_responder.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>

namespace p2pscope::crawler {
namespace {

// A DHT of n nodes answered by the lab's responder (pure, no sockets).
class LookupAgainstLabDht : public ::testing::Test {
 protected:
  // n IPv4 nodes, then n6 IPv6 ones.
  void build(std::size_t n, std::size_t n6 = 0) {
    std::vector<Endpoint> eps;
    for (std::uint32_t i = 0; i < n; ++i) eps.push_back({IpAddress::v4(0x17000001 + (i << 8)), 6890});
    for (std::uint32_t i = 0; i < n6; ++i) eps.push_back({v6(0x2a01, i), 6890});
    swarm_ = std::make_unique<lab::DhtSwarm>(eps, 42);
  }
  static IpAddress v6(std::uint16_t first, std::uint32_t i) {
    IpAddress::V6Bytes b{};
    b[0] = static_cast<std::uint8_t>(first >> 8);
    b[1] = static_cast<std::uint8_t>(first);
    b[2] = static_cast<std::uint8_t>(i >> 8);
    b[3] = static_cast<std::uint8_t>(i);
    b[15] = 1;
    return IpAddress::v6(b);
  }
  KrpcMessage ask(std::size_t node, const KrpcQuery& q, const Endpoint& from) {
    auto reply = swarm_->handle(node, encode_krpc(q), from);
    return decode_krpc(reply.value()).value();
  }
  KrpcQuery get_peers() const {
    KrpcQuery q;
    q.transaction_id = "gp";
    q.method_name = "get_peers";
    q.id = NodeId::from_bytes(std::string(20, 'm')).value();
    q.info_hash = ih_;
    return q;
  }
  // Announces `peer` (default peer_) at the 8 nodes of its family closest
  // to ih_, as a client would.
  void announce_at_closest(std::vector<std::size_t>& idx, std::optional<Endpoint> who = std::nullopt) {
    auto peer = who.value_or(peer_);
    idx.clear();
    for (std::size_t i = 0; i < swarm_->nodes().size(); ++i)
      if (swarm_->nodes()[i].endpoint.address.family() == peer.address.family()) idx.push_back(i);
    auto t = NodeId::from_bytes(ih_.raw()).value();
    std::sort(idx.begin(), idx.end(),
              [&](auto a, auto b) { return (swarm_->nodes()[a].id ^ t) < (swarm_->nodes()[b].id ^ t); });
    idx.resize(8);
    for (auto i : idx) {
      Endpoint from{peer.address, 40000};
      auto token = std::get<KrpcResponse>(ask(i, get_peers(), from)).token;
      auto ann = get_peers();
      ann.method_name = "announce_peer";
      ann.port = peer.port;
      ann.token = token;
      ASSERT_TRUE(std::holds_alternative<KrpcResponse>(ask(i, ann, from)));
    }
  }
  // Drives the lookup to the end; returns what it found. With `want`, asks
  // as a dual-stack crawler does (BEP 32), from me6_ to IPv6 nodes.
  std::vector<FoundPeer> run(GetPeersLookup& l, WantFlags want = {}) {
    std::vector<FoundPeer> found;
    auto q6 = get_peers();
    q6.want = want;
    q6.read_only = true;  // as the crawler asks (BEP 43): not learned as a node
    for (int round = 0; round < 1000 && !l.done(); ++round) {
      for (const auto& q : l.next_queries()) {
        auto self = swarm_->node_at(q.endpoint);
        if (!self) {  // an outside node the responder learned (an announcing client): nobody answers there
          l.on_timeout(q.endpoint);
          continue;
        }
        auto from = q.endpoint.address.is_v6() ? me6_ : me_;
        auto reply = swarm_->handle(*self, encode_krpc(q6), from);
        auto f = l.on_reply(q.endpoint, std::get<KrpcResponse>(decode_krpc(reply.value()).value())).peers;
        found.insert(found.end(), f.begin(), f.end());
      }
    }
    return found;
  }

  std::unique_ptr<lab::DhtSwarm> swarm_;
  Endpoint me_{IpAddress::v4(0x2d000001), 6881};
  Endpoint me6_{v6(0x2400, 7), 6881};
  Endpoint peer_{IpAddress::v4(0x5d000001), 51413};
  InfoHash ih_ = InfoHash::from_bytes(std::string(20, 'i')).value();
};

TEST_F(LookupAgainstLabDht, FindsAnnouncedPeersAndNamesTheNodesThatHeldThem) {
  build(2000);
  std::vector<std::size_t> holders;
  announce_at_closest(holders);
  // Start from one node whose id we do not know yet, as with a bootstrap router.
  GetPeersLookup l(ih_, {{NodeId{}, swarm_->nodes()[1234].endpoint}});
  auto found = run(l);
  ASSERT_TRUE(l.done());
  ASSERT_FALSE(found.empty());
  for (const auto& f : found) {
    EXPECT_EQ(f.peer, peer_);
    auto at = swarm_->node_at(f.source);
    ASSERT_TRUE(at);
    EXPECT_NE(std::find(holders.begin(), holders.end(), *at), holders.end()) << "attributed to a node that never held it";
    EXPECT_EQ(swarm_->nodes()[*at].id, f.source_id);
  }
  EXPECT_EQ(l.closest_answered().size(), 8u);
  EXPECT_LT(l.stats().queries, 100u) << "a lookup over 2,000 nodes should converge in few queries";
}

// BEP 32: a dual-stack lookup walks the IPv6 DHT through `nodes6` to the
// IPv6 nodes nearest the target, although IPv4 nodes are nearer by XOR.
TEST_F(LookupAgainstLabDht, ADualStackLookupFindsPeersHeldOnlyByIpv6Nodes) {
  build(2000, 200);
  std::vector<std::size_t> holders;
  Endpoint peer6{v6(0x2c0f, 9), 51413};
  announce_at_closest(holders, peer6);
  GetPeersLookup l(ih_, {{NodeId{}, swarm_->nodes()[1234].endpoint}});
  auto found = run(l, WantFlags{Want::n4} | Want::n6);
  ASSERT_TRUE(l.done());
  ASSERT_FALSE(found.empty()) << "the IPv6 holders were never asked";
  for (const auto& f : found) {
    EXPECT_EQ(f.peer, peer6);
    auto at = swarm_->node_at(f.source);
    ASSERT_TRUE(at);
    EXPECT_NE(std::find(holders.begin(), holders.end(), *at), holders.end());
  }
  auto closest = l.closest_answered();
  auto six = std::count_if(closest.begin(), closest.end(), [](const auto& c) { return c.first.endpoint.address.is_v6(); });
  EXPECT_EQ(six, 8) << "the k closest of each family";
  EXPECT_EQ(closest.size(), 16u);
}

TEST_F(LookupAgainstLabDht, EndsWhenEveryNodeTimesOut) {
  build(50);
  GetPeersLookup l(ih_, {{swarm_->nodes()[0].id, swarm_->nodes()[0].endpoint}});
  for (int i = 0; i < 10 && !l.done(); ++i) {
    for (const auto& q : l.next_queries()) l.on_timeout(q.endpoint);
  }
  EXPECT_TRUE(l.done());
  EXPECT_EQ(l.stats().timeouts, 1u);
}

TEST_F(LookupAgainstLabDht, ASlowNodeNeitherHoldsASlotNorDelaysTheEndButItsLateReplyCounts) {
  build(50);
  GetPeersLookup l(ih_, {{swarm_->nodes()[0].id, swarm_->nodes()[0].endpoint}});
  auto first = l.next_queries();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_TRUE(l.next_queries().empty()) << "the only node is in flight";
  EXPECT_FALSE(l.done());
  EXPECT_TRUE(l.on_slow(first[0].endpoint));
  EXPECT_FALSE(l.on_slow(first[0].endpoint)) << "already slow";
  EXPECT_TRUE(l.done()) << "nothing else to ask, and a slow query is not waited for";

  KrpcResponse r;
  r.id = swarm_->nodes()[0].id;
  r.values = {peer_};
  auto found = l.on_reply(first[0].endpoint, r).peers;
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].peer, peer_);
  EXPECT_TRUE(l.stats().anomalies.empty()) << "a late reply is not unsolicited";
  EXPECT_EQ(l.stats().replies, 1u);
}

TEST(GetPeersLookup, BoundsHostileRepliesAndRecordsAnomalies) {
  auto ih = InfoHash::from_bytes(std::string(20, 'i')).value();
  Endpoint evil{IpAddress::v4(0x17000001), 6881};
  LookupConfig cfg;
  cfg.max_candidates = 64;
  GetPeersLookup l(ih, {{NodeId{}, evil}}, cfg);
  ASSERT_EQ(l.next_queries().size(), 1u);
  KrpcResponse r;
  r.id = NodeId::from_bytes(std::string(20, 'e')).value();
  for (std::uint32_t i = 0; i < 5000; ++i) {
    std::string id(20, '\0');
    id[0] = static_cast<char>(i >> 8);
    id[1] = static_cast<char>(i);
    r.nodes.push_back({NodeId::from_bytes(id).value(), {IpAddress::v4(0x1f000000 + i), 6881}});
  }
  r.nodes.push_back({NodeId{}, {IpAddress::v4(0x0a000001), 6881}});  // private
  r.nodes.push_back({NodeId{}, {IpAddress::v4(0x1f100001), 0}});     // port 0
  r.nodes.push_back({r.id, evil});                                   // itself
  auto reply = l.on_reply(evil, r);
  EXPECT_TRUE(reply.solicited);
  EXPECT_EQ(reply.id, r.id);
  EXPECT_EQ(reply.nodes.size(), 5000u) << "every well-formed entry is reported, kept as a candidate or not";
  EXPECT_LE(l.candidates(), cfg.max_candidates);
  EXPECT_LE(l.next_queries().size(), cfg.alpha);
  EXPECT_EQ(l.stats().anomalies.at(LookupAnomaly::bogus_node), 2u);
  EXPECT_EQ(l.stats().anomalies.at(LookupAnomaly::self_reference), 1u);
  auto stray = l.on_reply({IpAddress::v4(0x2d000001), 1}, r);
  EXPECT_FALSE(stray.solicited);
  EXPECT_TRUE(stray.peers.empty() && stray.nodes.empty());
  EXPECT_EQ(l.stats().anomalies.at(LookupAnomaly::unsolicited), 1u);
}

}  // namespace
}  // namespace p2pscope::crawler
