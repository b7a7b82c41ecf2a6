#include "probes/dht_nodes.hpp"

#include "core/bep42.hpp"
#include "lab/dht_responder.hpp"

#include <gtest/gtest.h>

namespace p2pscope::probes {
namespace {

using namespace net;

Endpoint ep(const char* ip, std::uint16_t port = 6890) { return {IpAddress::parse(ip).value(), port}; }
InfoHash hash_of(char c) { return InfoHash::from_bytes(std::string(20, c)).value(); }
NodeId id_of(std::string raw) {
  raw.resize(20, 'x');
  return NodeId::from_bytes(raw).value();
}

// The lab's DHT responder answers every query directly, no sockets: nodes
// 0-7 honest, 8 gives fake values, 9 names phantoms (nothing at 61.0.x.1).
class DhtNodeProbe : public ::testing::Test {
 protected:
  DhtNodeProbe() : swarm_(specs(), 3) {
    ask_ = [this](const Endpoint& to, KrpcQuery q) -> awaitable<Result<KrpcResponse>> {
      q.transaction_id = "tx";
      q.id = id_of("prober");
      q.read_only = true;
      auto self = swarm_.node_at(to);
      if (!self) co_return make_error_code(std::errc::timed_out);
      auto reply = decode_krpc(swarm_.handle(*self, encode_krpc(q), me_).value()).value();
      co_return std::get<KrpcResponse>(reply);
    };
  }
  static std::vector<lab::DhtNodeSpec> specs() {
    std::vector<lab::DhtNodeSpec> v;
    for (int i = 0; i < 8; ++i)
      v.push_back({ep(("23.0." + std::to_string(i) + ".1").c_str()), lab::DhtBehaviour::honest, std::nullopt, {}, {}, lab::Bep51::supported});
    v.push_back({ep("51.0.0.1"), lab::DhtBehaviour::fake_values, std::nullopt, {ep("23.0.0.1"), ep("23.0.1.1")}, {}, lab::Bep51::supported});
    std::vector<Endpoint> phantoms;
    for (int i = 0; i < 8; ++i) phantoms.push_back(ep(("61.0." + std::to_string(i) + ".1").c_str()));
    v.push_back({ep("53.0.0.1"), lab::DhtBehaviour::phantom, std::nullopt, {}, phantoms, lab::Bep51::supported});
    return v;
  }
  DhtNodeContact probe(const Endpoint& node) {
    asio::io_context io;
    DhtNodeContact out;
    asio::co_spawn(io, probe_dht_node(ask_, node, hash_of('r'), cfg_), [&](std::exception_ptr e, DhtNodeContact c) {
      if (e) std::rethrow_exception(e);
      out = std::move(c);
    });
    io.run();
    return out;
  }
  std::map<ProbeKind, ProbeResult> results(const Endpoint& node) {
    std::map<ProbeKind, ProbeResult> out;
    for (auto& r : dht_node_results(probe(node))) out[r.probe] = r;
    return out;
  }
  lab::DhtSwarm swarm_;
  Endpoint me_ = ep("93.1.2.3", 40000);
  KrpcAsk ask_;
  DhtNodeProbeConfig cfg_;
};

TEST_F(DhtNodeProbe, AnHonestNodeHasNoValuesForARandomHashAndItsNeighboursAnswer) {
  auto r = results(ep("23.0.3.1"));
  EXPECT_EQ(r[ProbeKind::dht_fake_infohash].outcome, ProbeOutcome::negative);
  EXPECT_EQ(r[ProbeKind::dht_fake_infohash].evidence.at("values"), "0");
  EXPECT_EQ(r[ProbeKind::dht_neighbours].outcome, ProbeOutcome::positive);
  EXPECT_EQ(r[ProbeKind::dht_neighbours].evidence.at("asked"), "8");
  EXPECT_EQ(r[ProbeKind::dht_neighbours].evidence.at("answered"), "8");
}

TEST_F(DhtNodeProbe, AFakeValuesNodeAnswersARandomHashWithValues) {
  auto r = results(ep("51.0.0.1"));
  ASSERT_EQ(r[ProbeKind::dht_fake_infohash].outcome, ProbeOutcome::positive);
  EXPECT_EQ(r[ProbeKind::dht_fake_infohash].evidence.at("values_sample"), "23.0.0.1:6890,23.0.1.1:6890");
  EXPECT_EQ(r[ProbeKind::dht_fake_infohash].evidence.at("random_info_hash"), hash_of('r').hex());
}

TEST_F(DhtNodeProbe, APhantomNodesNeighboursNeverAnswer) {
  auto r = results(ep("53.0.0.1"));
  EXPECT_EQ(r[ProbeKind::dht_fake_infohash].outcome, ProbeOutcome::negative);
  EXPECT_EQ(r[ProbeKind::dht_neighbours].outcome, ProbeOutcome::negative);
  EXPECT_EQ(r[ProbeKind::dht_neighbours].evidence.at("asked"), "8");
  EXPECT_EQ(r[ProbeKind::dht_neighbours].evidence.at("answered"), "0");
}

TEST_F(DhtNodeProbe, ASilentNodeIsATimeoutAndSpecialPurposeAddressesAreNotAsked) {
  auto r = dht_node_results(probe(ep("99.0.0.1")));
  ASSERT_EQ(r.size(), 1u) << "no neighbours record without an answer";
  EXPECT_EQ(r[0].outcome, ProbeOutcome::timeout);
  auto skipped = probe(ep("10.1.2.3"));
  EXPECT_EQ(skipped.answered, ProbeOutcome::error);
  EXPECT_NE(skipped.why.find("special-purpose"), std::string::npos);
}

// ---- judging ----

DhtNodeSeen seen(const Endpoint& node, const NodeId& id, const InfoHash& target = hash_of('t')) {
  DhtNodeSeen s;
  s.info_hash = target;
  s.node = node;
  s.node_id = id;
  return s;
}
NodeId valid_id(const Endpoint& e) { return bep42_node_id(e.address, 7, std::string(20, 'v')); }

ProbeResult probe_record(const Endpoint& node, ProbeKind k, ProbeOutcome o, std::map<std::string, std::string> ev) {
  ProbeResult p;
  p.peer = node;
  p.probe = k;
  p.outcome = o;
  p.evidence = std::move(ev);
  return p;
}

std::map<Endpoint, Verdict> by_node(const std::vector<Verdict>& v) {
  std::map<Endpoint, Verdict> out;
  for (const auto& x : v) out.emplace(x.peer, x);
  return out;
}

TEST(JudgeDhtNodes, FakeValuesAndPhantomNeighboursComeFromTheProbes) {
  auto honest = ep("23.0.0.1"), fake = ep("51.0.0.1"), phantom = ep("53.0.0.1"), few = ep("57.0.0.1");
  std::vector<DhtNodeSeen> s{seen(honest, valid_id(honest)), seen(fake, valid_id(fake)), seen(phantom, valid_id(phantom)),
                             seen(few, valid_id(few))};
  std::vector<ProbeResult> p{
      probe_record(honest, ProbeKind::dht_fake_infohash, ProbeOutcome::negative, {{"values", "0"}}),
      probe_record(honest, ProbeKind::dht_neighbours, ProbeOutcome::positive, {{"asked", "8"}, {"answered", "6"}}),
      probe_record(fake, ProbeKind::dht_fake_infohash, ProbeOutcome::positive,
                   {{"values", "2"}, {"values_sample", "23.0.0.1:6890,1.2.3.4:5"}, {"random_info_hash", "ab"}}),
      probe_record(phantom, ProbeKind::dht_neighbours, ProbeOutcome::negative, {{"asked", "8"}, {"answered", "0"}}),
      probe_record(few, ProbeKind::dht_neighbours, ProbeOutcome::negative, {{"asked", "2"}, {"answered", "0"}}),
  };
  auto v = by_node(judge_dht_nodes(s, p));
  ASSERT_EQ(v.size(), 2u) << "the honest node and one with two silent neighbours are not judged bogus";
  EXPECT_EQ(v.at(fake).verdict, VerdictKind::dht_fake_values);
  EXPECT_EQ(v.at(fake).evidence.at(0),
            "gave 2 values for a random infohash (ab) nobody announced; 1 of the first 2 are DHT nodes this crawl met");
  EXPECT_FALSE(v.at(fake).info_hash);
  EXPECT_EQ(v.at(phantom).verdict, VerdictKind::dht_phantom_neighbours);
}

TEST(JudgeDhtNodes, ManyRandomIdsOnOneAddressAreAHorizontalSybilButOneNatIsNot) {
  std::vector<DhtNodeSeen> s;
  for (std::uint16_t port = 6890; port < 6895; ++port) s.push_back(seen(ep("45.0.0.1", port), id_of("random" + std::to_string(port))));
  for (std::uint16_t port = 6890; port < 6895; ++port) {
    auto e = ep("47.0.0.1", port);
    s.push_back(seen(e, bep42_node_id(e.address, static_cast<std::uint8_t>(port), std::string(20, static_cast<char>(port)))));
  }
  auto v = judge_dht_nodes(s, {});
  ASSERT_EQ(v.size(), 5u) << "users behind one NAT each have a valid id for it";
  for (const auto& x : v) {
    EXPECT_EQ(x.peer.address, ep("45.0.0.1").address);
    EXPECT_EQ(x.verdict, VerdictKind::dht_sybil);
    EXPECT_NE(x.evidence.at(0).find("one of 5 node ids on 45.0.0.1 (5 of them not BEP 42 ids for it)"), std::string::npos);
  }
}

TEST(JudgeDhtNodes, IdsCrowdedNextToACrawledInfohashAreAVerticalSybil) {
  auto target = hash_of('t');
  auto near = [&](char c) { return id_of(std::string(target.raw().substr(0, 5)) + c); };
  std::vector<DhtNodeSeen> s{seen(ep("45.0.0.1"), near('a')), seen(ep("45.1.0.1"), near('b')),
                             seen(ep("23.0.0.1"), valid_id(ep("23.0.0.1")))};
  auto v = by_node(judge_dht_nodes(s, {}));
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v.at(ep("45.0.0.1")).verdict, VerdictKind::dht_sybil);
  EXPECT_NE(v.at(ep("45.0.0.1")).evidence.at(0).find("shares the first 43 bits with infohash " + target.hex()),
            std::string::npos);

  DhtJudgeConfig strict;
  strict.near_bits = 48;
  EXPECT_TRUE(judge_dht_nodes(s, {}, strict).empty()) << "43 shared bits are not near enough at 48";
}

TEST(JudgeDhtNodes, NamesNothingAnswersAtAreNoSybils) {
  // A phantom node's made-up neighbours sit next to the target; they never answer.
  auto target = hash_of('t');
  std::vector<DhtNodeSeen> s;
  std::vector<ProbeResult> p;
  for (const char* ip : {"61.0.0.1", "61.0.1.1", "61.0.2.1"}) {
    s.push_back(seen(ep(ip), id_of(std::string(target.raw().substr(0, 16)) + ip[5])));
    p.push_back(probe_record(ep(ip), ProbeKind::dht_fake_infohash, ProbeOutcome::timeout, {{"why", "timed out"}}));
  }
  EXPECT_TRUE(judge_dht_nodes(s, p).empty());
  EXPECT_EQ(judge_dht_nodes(s, {}).size(), 3u) << "never probed: judged by their ids alone";
  // A later run in which they answered: they are nodes after all.
  for (const char* ip : {"61.0.0.1", "61.0.1.1", "61.0.2.1"})
    p.push_back(probe_record(ep(ip), ProbeKind::dht_fake_infohash, ProbeOutcome::negative, {{"values", "0"}}));
  EXPECT_EQ(judge_dht_nodes(s, p).size(), 3u) << "an answer outweighs a timeout";
}

TEST(JudgeDhtNodes, CommonPrefixBits) {
  EXPECT_EQ(common_prefix_bits(id_of("aaaa"), id_of("aaaa")), 160);
  EXPECT_EQ(common_prefix_bits(id_of(std::string(1, '\x80')), id_of(std::string(1, '\x00'))), 0);
  EXPECT_EQ(common_prefix_bits(id_of(std::string("\x12\x01")), id_of(std::string("\x12\x02"))), 14);
}

}  // namespace
}  // namespace p2pscope::probes
