#include "lab/dht_responder.hpp"

#include "core/krpc.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

namespace p2pscope::lab {
namespace {

Endpoint ep(const char* ip, std::uint16_t port = 6890) { return {IpAddress::parse(ip).value(), port}; }

class LabDhtSwarm : public ::testing::Test {
 protected:
  LabDhtSwarm() : swarm_({ep("23.0.0.1"), ep("31.0.0.1"), ep("37.0.0.1"), ep("45.0.0.1")}, 7) {}

  KrpcMessage ask(std::size_t node, KrpcQuery q, const Endpoint& from) {
    q.transaction_id = "tx";
    q.id = NodeId::from_bytes(std::string(20, 'q')).value();
    auto reply = swarm_.handle(node, encode_krpc(q), from);
    EXPECT_TRUE(reply);
    return decode_krpc(reply.value_or("")).value();
  }
  DhtSwarm swarm_;
  Endpoint peer_ = ep("93.1.2.3", 6881);
  InfoHash ih_ = InfoHash::from_bytes(std::string(20, 'i')).value();
};

TEST_F(LabDhtSwarm, AnnouncedPeersAreHandedOutByTheNodeThatStoredThem) {
  KrpcQuery get;
  get.method_name = "get_peers";
  get.info_hash = ih_;
  auto r = std::get<KrpcResponse>(ask(2, get, peer_));
  ASSERT_TRUE(r.token);
  EXPECT_TRUE(r.values.empty());
  EXPECT_EQ(r.nodes.size(), 3u) << "every other node, never the requester's own entry";
  EXPECT_EQ(r.requester, peer_);

  KrpcQuery ann;
  ann.method_name = "announce_peer";
  ann.info_hash = ih_;
  ann.port = 51413;
  ann.token = r.token;
  EXPECT_TRUE(std::holds_alternative<KrpcResponse>(ask(2, ann, peer_)));
  auto again = std::get<KrpcResponse>(ask(2, get, ep("77.1.1.1", 6881)));
  ASSERT_EQ(again.values.size(), 1u);
  EXPECT_EQ(again.values[0], (Endpoint{peer_.address, 51413}));
  EXPECT_TRUE(std::get<KrpcResponse>(ask(1, get, peer_)).values.empty()) << "node 1 was never announced to";
}

TEST_F(LabDhtSwarm, RejectsAnnouncesWithAnotherAddressesToken) {
  KrpcQuery get;
  get.method_name = "get_peers";
  get.info_hash = ih_;
  auto token = std::get<KrpcResponse>(ask(0, get, peer_)).token;
  KrpcQuery ann;
  ann.method_name = "announce_peer";
  ann.info_hash = ih_;
  ann.port = 1;
  ann.token = token;
  auto e = std::get<KrpcError>(ask(0, ann, ep("93.9.9.9", 6881)));
  EXPECT_EQ(e.code, 203);
}

TEST_F(LabDhtSwarm, LearnsOutsideNodesAndAnswersUnknownMethodsWith204) {
  KrpcQuery ping;
  ping.method_name = "ping";
  (void)ask(0, ping, peer_);
  KrpcQuery find;
  find.method_name = "find_node";
  find.target = NodeId::from_bytes(std::string(20, 'q')).value();
  auto r = std::get<KrpcResponse>(ask(1, find, ep("77.1.1.1", 6881)));
  EXPECT_EQ(r.nodes.front().endpoint, peer_) << "the pinging node has exactly the target id";
  KrpcQuery odd;
  odd.method_name = "vote";
  EXPECT_EQ(std::get<KrpcError>(ask(0, odd, peer_)).code, 204);
  EXPECT_FALSE(swarm_.handle(0, "garbage", peer_));
}

// A node from before BEP 51 answers sample_infohashes as an unknown method;
// one that knows it answers with samples and the nodes next to the target.
TEST(LabDht, ANodeWithoutBep51AnswersSampleInfohashesWith204) {
  std::vector<DhtNodeSpec> specs(2);
  specs[0].endpoint = ep("23.0.0.1");
  specs[0].bep51 = Bep51::unknown_method;
  specs[1].endpoint = ep("31.0.0.1");
  DhtSwarm swarm(specs, 7);
  auto q = KrpcQuery::sample_infohashes(NodeId::from_bytes(std::string(20, 'q')).value(),
                                        NodeId::from_bytes(std::string(20, 't')).value());
  q.transaction_id = "tx";
  auto from = ep("93.9.9.9", 6881);
  EXPECT_EQ(std::get<KrpcError>(decode_krpc(swarm.handle(0, encode_krpc(q), from).value()).value()).code, 204);
  auto r = std::get<KrpcResponse>(decode_krpc(swarm.handle(1, encode_krpc(q), from).value()).value());
  EXPECT_TRUE(r.samples.has_value());
  ASSERT_EQ(r.nodes.size(), 1u);
  EXPECT_EQ(r.nodes[0].endpoint, ep("23.0.0.1")) << "nodes without BEP 51 are still named";
}

// BEP 32: `nodes` are IPv4 nodes and `nodes6` IPv6 ones, the families the
// query's `want` asks for or else its own; values are the querier's family.
TEST(LabDht, AnswersEachFamilyAsBep32Says) {
  DhtSwarm swarm({ep("23.0.0.1"), ep("31.0.0.1"), ep("2a01:1::1"), ep("2a01:2::1"), ep("2a01:3::1")}, 7);
  auto ask = [&](std::size_t node, KrpcQuery q, const Endpoint& from) {
    q.transaction_id = "tx";
    q.id = NodeId::from_bytes(std::string(20, 'q')).value();
    return std::get<KrpcResponse>(decode_krpc(swarm.handle(node, encode_krpc(q), from).value()).value());
  };
  auto ih = InfoHash::from_bytes(std::string(20, 'i')).value();
  KrpcQuery get;
  get.method_name = "get_peers";
  get.info_hash = ih;
  get.read_only = true;  // BEP 43: the askers are not learned as nodes
  auto plain4 = ask(0, get, ep("93.1.2.3", 6881));
  EXPECT_EQ(plain4.nodes.size(), 1u);
  EXPECT_TRUE(plain4.nodes6.empty()) << "no want: the query's own family only";
  auto plain6 = ask(2, get, ep("2400::9", 6881));
  EXPECT_TRUE(plain6.nodes.empty());
  EXPECT_EQ(plain6.nodes6.size(), 2u) << "the other two IPv6 nodes";
  get.want = WantFlags{Want::n4} | Want::n6;
  auto both = ask(0, get, ep("93.1.2.3", 6881));
  EXPECT_EQ(both.nodes.size(), 1u);
  ASSERT_EQ(both.nodes6.size(), 3u);
  for (const auto& n : both.nodes6) EXPECT_TRUE(n.endpoint.address.is_v6());

  // An IPv6 peer announces at an IPv6 node: IPv6 askers get it, IPv4 ones not.
  KrpcQuery ann;
  ann.method_name = "announce_peer";
  ann.info_hash = ih;
  ann.port = 51413;
  ann.token = plain6.token;
  get.want = {};
  (void)ask(2, ann, ep("2400::9", 6881));
  EXPECT_EQ(ask(2, get, ep("2400::77", 6881)).values, (std::vector<Endpoint>{ep("2400::9", 51413)}));
  EXPECT_TRUE(ask(2, get, ep("93.1.2.3", 6881)).values.empty());
}

// closest() searches a sorted-id range of the nodes, and of the outside
// nodes it learned, instead of every one; a brute-force sort of all 2,000
// nodes and 600 learned ones (100 of them learned twice, with a new id)
// must agree on every target.
TEST(LabDht, FindNodeReturnsTheKClosestLikeABruteForceSort) {
  std::vector<Endpoint> nodes;
  for (std::uint32_t i = 0; i < 2000; ++i) nodes.push_back({IpAddress::v4(0x17000000u + i * 7919u), 6890});
  DhtSwarm swarm(nodes, 3);
  std::mt19937_64 rng(11);
  auto random_id = [&] {
    std::string raw(20, '\0');
    for (auto& c : raw) c = static_cast<char>(rng());
    return NodeId::from_bytes(raw).value();
  };
  std::map<Endpoint, NodeId> outside;
  for (std::uint32_t i = 0; i < 700; ++i) {
    Endpoint at{IpAddress::v4(0x5d000000u + (i % 600) * 104729u), 6881};
    KrpcQuery ping;
    ping.method_name = "ping";
    ping.transaction_id = "tx";
    ping.id = outside[at] = random_id();
    ASSERT_TRUE(swarm.handle(0, encode_krpc(ping), at));
  }
  for (int round = 0; round < 200; ++round) {
    auto target = random_id();
    auto self = static_cast<std::size_t>(rng() % nodes.size());
    const auto& from = nodes[(self + 1) % nodes.size()];  // another node asks: both are left out
    std::vector<NodeId> want;
    for (const auto& n : swarm.nodes())
      if (n.endpoint != from && n.endpoint != nodes[self]) want.push_back(n.id);
    for (const auto& [at, id] : outside) want.push_back(id);
    std::sort(want.begin(), want.end(), [&](auto& a, auto& b) { return (a ^ target) < (b ^ target); });
    want.resize(8);

    KrpcQuery q;
    q.method_name = "find_node";
    q.transaction_id = "tx";
    q.id = swarm.nodes()[(self + 1) % nodes.size()].id;
    q.target = target;
    q.read_only = true;
    auto r = std::get<KrpcResponse>(decode_krpc(swarm.handle(self, encode_krpc(q), from).value()).value());
    std::vector<NodeId> got;
    for (const auto& n : r.nodes) got.push_back(n.id);
    ASSERT_EQ(got, want) << "round " << round;
  }
}

// Nodes 0-3 honest, 4 fake_values, 5 phantom, 6 a Sybil with an id picked next to ih.
class BogusDhtNodes : public ::testing::Test {
 protected:
  BogusDhtNodes() : swarm_(specs(), 5) {}
  std::vector<DhtNodeSpec> specs() const {
    std::vector<DhtNodeSpec> v;
    for (const char* ip : {"23.0.0.1", "31.0.0.1", "37.0.0.1", "45.0.0.1"})
      v.push_back({ep(ip), DhtBehaviour::honest, std::nullopt, {}, {}, Bep51::supported});
    v.push_back({ep("51.0.0.1"), DhtBehaviour::fake_values, std::nullopt, {ep("23.0.0.1"), ep("31.0.0.1")}, {}, Bep51::supported});
    v.push_back({ep("53.0.0.1"), DhtBehaviour::phantom, std::nullopt, {}, {ep("61.0.0.1"), ep("61.0.1.1")}, Bep51::supported});
    auto near = std::string(ih_.raw().substr(0, 18)) + "zz";
    v.push_back({ep("57.0.0.1"), DhtBehaviour::honest, NodeId::from_bytes(near).value(), {}, {}, Bep51::supported});
    return v;
  }
  KrpcResponse get_peers(std::size_t node, const InfoHash& ih) {
    KrpcQuery q;
    q.method_name = "get_peers";
    q.transaction_id = "tx";
    q.id = NodeId::from_bytes(std::string(20, 'q')).value();
    q.info_hash = ih;
    return std::get<KrpcResponse>(decode_krpc(swarm_.handle(node, encode_krpc(q), asker_).value()).value());
  }
  InfoHash ih_ = InfoHash::from_bytes(std::string(20, 'i')).value();
  InfoHash random_ = InfoHash::from_bytes(std::string(20, 'r')).value();
  Endpoint asker_ = ep("93.1.2.3", 40000);
  DhtSwarm swarm_;
};

TEST_F(BogusDhtNodes, AFakeValuesNodeGivesItsValuesForAnyInfohash) {
  for (const auto& ih : {ih_, random_}) {
    auto r = get_peers(4, ih);
    EXPECT_EQ(r.values, (std::vector<Endpoint>{ep("23.0.0.1"), ep("31.0.0.1")}));
    EXPECT_FALSE(r.nodes.empty()) << "it names real nodes as well";
  }
  EXPECT_TRUE(get_peers(0, random_).values.empty()) << "an honest node has nothing for a hash nobody announced";
}

TEST_F(BogusDhtNodes, APhantomNodeNamesNodesThatAreNotThereNextToTheTarget) {
  auto r = get_peers(5, random_);
  ASSERT_EQ(r.nodes.size(), 2u);
  EXPECT_EQ(r.nodes[0].endpoint, ep("61.0.0.1"));
  EXPECT_EQ(r.nodes[1].endpoint, ep("61.0.1.1"));
  auto target = NodeId::from_bytes(random_.raw()).value();
  for (const auto& n : r.nodes) {
    EXPECT_EQ(n.id.raw().substr(0, 16), target.raw().substr(0, 16)) << "nearer than any real node";
    EXPECT_FALSE(swarm_.node_at(n.endpoint)) << "no node answers there";
  }
  EXPECT_TRUE(r.values.empty());
}

TEST_F(BogusDhtNodes, HonestNodesNameTheBogusOnesAndASybilKeepsItsPickedId) {
  auto r = get_peers(0, ih_);
  ASSERT_FALSE(r.nodes.empty());
  EXPECT_EQ(r.nodes[0].endpoint, ep("57.0.0.1")) << "the Sybil's id is the closest to ih";
  EXPECT_EQ(r.nodes[0].id.raw().substr(0, 18), ih_.raw().substr(0, 18));
  EXPECT_FALSE(bep42_valid(r.nodes[0].id, r.nodes[0].endpoint.address));
  EXPECT_TRUE(bep42_valid(swarm_.nodes()[0].id, swarm_.nodes()[0].endpoint.address));
}

}  // namespace
}  // namespace p2pscope::lab
