#include "crawler/dht_lookup.hpp"

#include "lab/dht_responder.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace p2pscope::crawler {
namespace {

// A DHT of n nodes answered by the lab's responder (pure, no sockets).
class LookupAgainstLabDht : public ::testing::Test {
 protected:
  void build(std::size_t n) {
    std::vector<Endpoint> eps;
    for (std::uint32_t i = 0; i < n; ++i) eps.push_back({IpAddress::v4(0x17000001 + (i << 8)), 6890});
    swarm_ = std::make_unique<lab::DhtSwarm>(eps, 42);
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
  // Announces peer_ at the 8 nodes closest to ih_, as a client would.
  void announce_at_closest(std::vector<std::size_t>& idx) {
    idx.resize(swarm_->nodes().size());
    for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    auto t = NodeId::from_bytes(ih_.raw()).value();
    std::sort(idx.begin(), idx.end(),
              [&](auto a, auto b) { return (swarm_->nodes()[a].id ^ t) < (swarm_->nodes()[b].id ^ t); });
    idx.resize(8);
    for (auto i : idx) {
      Endpoint from{peer_.address, 40000};
      auto token = std::get<KrpcResponse>(ask(i, get_peers(), from)).token;
      auto ann = get_peers();
      ann.method_name = "announce_peer";
      ann.port = peer_.port;
      ann.token = token;
      ASSERT_TRUE(std::holds_alternative<KrpcResponse>(ask(i, ann, from)));
    }
  }
  // Drives the lookup to the end; returns what it found.
  std::vector<FoundPeer> run(GetPeersLookup& l) {
    std::vector<FoundPeer> found;
    for (int round = 0; round < 1000 && !l.done(); ++round) {
      for (const auto& q : l.next_queries()) {
        auto self = swarm_->node_at(q.endpoint);
        auto reply = swarm_->handle(*self, encode_krpc(get_peers()), me_);
        auto f = l.on_reply(q.endpoint, std::get<KrpcResponse>(decode_krpc(reply.value()).value())).peers;
        found.insert(found.end(), f.begin(), f.end());
      }
    }
    return found;
  }

  std::unique_ptr<lab::DhtSwarm> swarm_;
  Endpoint me_{IpAddress::v4(0x2d000001), 6881};
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
