#include "lab/score.hpp"

#include "probes/diagnose.hpp"

#include <gtest/gtest.h>

namespace p2pscope::lab {
namespace {

using json = nlohmann::json;
constexpr const char* kHash = "c12fe1c06bba254a9dc9f519b335aa7c1367a88a";

// A lab of one poisoned tracker, one honest seed, one byte-order actor, one
// injected dead address and one reversal the actor made.
json tiny_truth() {
  return json::parse(R"({
    "info_hashes": ["c12fe1c06bba254a9dc9f519b335aa7c1367a88a"],
    "trackers": ["udp://20.0.0.1:6969/announce"],
    "addresses": [
      {"ip": "20.0.0.1", "port": 6969, "role": "tracker", "name": "lab-tracker-0", "bogus": false},
      {"ip": "2400:1:2::1", "port": 6969, "role": "tracker", "name": "lab-tracker-0", "bogus": false},
      {"ip": "30.0.0.2", "port": 6881, "role": "seed", "name": "seed-0", "implementation": "libtorrent", "bogus": false},
      {"ip": "40.0.0.3", "port": 51413, "role": "byte_order", "name": "byte-order-0", "bogus": false},
      {"ip": "50.0.0.4", "port": 6881, "role": "bogus_dead", "bogus": true,
       "introduced_by": [{"actor": "lab-tracker-0", "route": "tracker-reply"}]},
      {"ip": "2.0.0.30", "port": 6881, "role": "byte_order_reversed", "bogus": true,
       "introduced_by": [{"actor": "byte-order-0", "route": "pex", "reverse_of": "30.0.0.2:6881"}]},
      {"ip": "60.0.0.9", "role": "client", "bogus": false}
    ]})");
}

Observation seen(const char* peer, Via via, const char* source) {
  Observation o;
  o.info_hash = InfoHash::from_hex(kHash).value();
  o.peer = Endpoint::parse(peer).value();
  o.via = via;
  if (via == Via::tracker_udp) o.source_url = std::string("udp://") + source + "/announce";
  else o.source_endpoint = Endpoint::parse(source).value();
  return o;
}

TEST(ScoreCrawl, ConfirmsSourcesTheTruthNamesAndCountsRecall) {
  auto s = score_crawl(tiny_truth(), {seen("30.0.0.2:6881", Via::tracker_udp, "20.0.0.1:6969"),
                                      seen("50.0.0.4:6881", Via::tracker_udp, "20.0.0.1:6969"),
                                      seen("2.0.0.30:6881", Via::pex, "40.0.0.3:51413"),
                                      seen("60.0.0.9:6881", Via::pex, "30.0.0.2:6881")});
  EXPECT_EQ(s.confirmed, 4u);
  EXPECT_EQ(s.expected, 4u);  // seed, byte-order actor, dead address, reversal
  EXPECT_EQ(s.found, 3u);
  EXPECT_EQ(s.actors_seen, (std::vector<std::string>{"byte-order-0", "lab-tracker-0"}));
  EXPECT_TRUE(s.actors_missing.empty());
}

TEST(ScoreCrawl, KnowsADualStackTrackerByItsIpv6Face) {
  auto s = score_crawl(tiny_truth(), {seen("50.0.0.4:6881", Via::tracker_udp, "[2400:1:2::1]:6969")});
  EXPECT_EQ(s.confirmed, 1u) << (s.unconfirmed.empty() ? "" : s.unconfirmed.front());
  EXPECT_EQ(s.actors_seen, (std::vector<std::string>{"lab-tracker-0"}));
}

TEST(ScoreCrawl, CountsIpv6PeersAndTheIpv6OnlyOnesHeardThroughPex) {
  auto truth = tiny_truth();
  truth["addresses"].push_back(json::parse(R"({"ip": "2400:5:6::7", "port": 51413, "role": "leecher", "bogus": false})"));
  truth["addresses"].push_back(json::parse(R"({"ip": "2400:5:6::8", "port": 51413, "role": "leecher", "bogus": false})"));
  auto s = score_crawl(truth, {seen("[2400:5:6::7]:51413", Via::tracker_udp, "[2400:1:2::1]:6969"),
                               seen("[2400:5:6::8]:51413", Via::tracker_udp, "[2400:1:2::1]:6969"),
                               seen("[2400:5:6::8]:51413", Via::pex, "[2400:5:6::7]:51413")});
  EXPECT_EQ(s.ipv6_expected, 2u);
  EXPECT_EQ(s.ipv6_found, 2u);
  EXPECT_EQ(s.ipv6_only, 2u);
  EXPECT_EQ(s.ipv6_only_heard, 1u) << "PEX came from ::7 only";
  EXPECT_EQ(s.unheard, std::vector<std::string>{"[2400:5:6::8]:51413 (leecher)"});
}

TEST(ScoreCrawl, ADualStackPeersIpv6FaceIsToBeFoundButNeedNotBeHeardThroughPex) {
  auto truth = tiny_truth();
  truth["addresses"].push_back(json::parse(
      R"({"ip": "2400:5:6::9", "port": 6881, "role": "leecher", "implementation": "libtorrent", "bogus": false, "dual_stack": true})"));
  auto s = score_crawl(truth, {seen("[2400:5:6::9]:6881", Via::tracker_udp, "[2400:1:2::1]:6969")});
  EXPECT_EQ(s.ipv6_expected, 1u);
  EXPECT_EQ(s.ipv6_found, 1u);
  EXPECT_EQ(s.ipv6_only, 0u) << "it has an IPv4 face as well";
}

TEST(ScoreCrawl, AnIpv6FakePlantedThroughBep7IsConfirmedAtTheTrackerItWasPlantedAt) {
  auto truth = tiny_truth();
  truth["addresses"].push_back(json::parse(R"({"ip": "2a01:4f8:1:2::100", "port": 6881, "role": "anti_p2p_fake",
    "bogus": true, "introduced_by": [{"actor": "anti-p2p6-0", "route": "tracker-announce-ipv6", "via": "lab-tracker-0"}]})"));
  auto s = score_crawl(truth, {seen("[2a01:4f8:1:2::100]:6881", Via::tracker_udp, "[2400:1:2::1]:6969"),
                               seen("[2a01:4f8:1:2::100]:6881", Via::pex, "30.0.0.2:6881")});
  EXPECT_EQ(s.confirmed, 1u);
  ASSERT_EQ(s.unconfirmed.size(), 1u);
  EXPECT_NE(s.unconfirmed[0].find("the truth does not name"), std::string::npos) << s.unconfirmed[0];
}

TEST(ScoreCrawl, RejectsBogusPeersFromSourcesTheTruthDoesNotName) {
  auto s = score_crawl(tiny_truth(), {seen("2.0.0.30:6881", Via::pex, "30.0.0.2:6881"),   // the seed did not make it
                                      seen("50.0.0.4:6881", Via::pex, "40.0.0.3:51413"),  // wrong route
                                      seen("70.0.0.1:1", Via::tracker_udp, "20.0.0.1:6969"),  // unknown peer
                                      seen("30.0.0.2:6881", Via::tracker_udp, "99.0.0.1:6969")});  // not a tracker
  EXPECT_EQ(s.confirmed, 0u);
  EXPECT_EQ(s.unconfirmed.size(), 4u);
  EXPECT_EQ(s.actors_missing, (std::vector<std::string>{"byte-order-0", "lab-tracker-0"}));
}

TEST(ScoreCrawl, IgnoresOtherInfohashes) {
  auto o = seen("30.0.0.2:6881", Via::tracker_udp, "20.0.0.1:6969");
  o.info_hash = InfoHash::from_hex(std::string(40, 'a')).value();
  EXPECT_EQ(score_crawl(tiny_truth(), {o}).observations, 0u);
}

Verdict judged(const char* peer, VerdictKind kind) {
  Verdict v;
  v.info_hash = InfoHash::from_hex(kHash).value();
  v.peer = Endpoint::parse(peer).value();
  v.verdict = kind;
  return v;
}

TEST(ScoreVerdicts, CountsPrecisionAndRecallPerTrueClass) {
  auto s = score_verdicts(tiny_truth(), {judged("2.0.0.30:6881", VerdictKind::byte_order),
                                         judged("30.0.0.2:6881", VerdictKind::byte_order),  // wrong: an honest seed
                                         judged("50.0.0.4:6881", VerdictKind::unknown)});   // missed
  EXPECT_EQ(s[VerdictKind::byte_order].predicted, 2u);
  EXPECT_EQ(s[VerdictKind::byte_order].correct, 1u);
  EXPECT_EQ(s[VerdictKind::byte_order].actual, 1u);
  EXPECT_EQ(s[VerdictKind::normal].actual, 1u);
  EXPECT_EQ(s[VerdictKind::normal].correct, 0u);
  EXPECT_EQ(s[VerdictKind::unreachable].missed, (std::vector<std::string>{"50.0.0.4:6881 (verdict: unknown)"}));
}

// The defect: a class the truth has but no verdict named scored 0/0 = 1.0.
TEST(ScoreVerdicts, AClassTheTruthHasAndTheVerdictsLackScoresZero) {
  auto s = score_verdicts(tiny_truth(), {judged("30.0.0.2:6881", VerdictKind::normal)});
  EXPECT_EQ(s[VerdictKind::byte_order].in_truth, 1u);
  EXPECT_EQ(s[VerdictKind::byte_order].recall(), 0.0);
  EXPECT_EQ(s[VerdictKind::byte_order].precision(), 0.0);
  EXPECT_EQ(s[VerdictKind::anti_p2p].in_truth, 0u) << "the tiny lab has no anti-P2P peer";
  EXPECT_EQ(s[VerdictKind::anti_p2p].recall(), 1.0);
}

TEST(ScoreVerdicts, EmuleRowsAreNotBitTorrentPeersToFind) {
  auto truth = tiny_truth();
  auto before = score_verdicts(truth, {})[VerdictKind::unreachable].in_truth;
  truth["addresses"].push_back(
      {{"ip", "70.0.0.5"}, {"port", 4662}, {"role", "emule_anti_p2p"}, {"network", "emule"}, {"bogus", true}});
  EXPECT_EQ(score_verdicts(truth, {})[VerdictKind::unreachable].in_truth, before);
}

TEST(ScoreActors, EachActorRoleExpectsTheWordsTheDiagnosisUsesForIt) {
  using probes::SourceLooks;
  for (auto [role, looks, anti] : {std::tuple{"anti_p2p", SourceLooks::anti_p2p_peer, true},
                                   {"byte_order", SourceLooks::byte_order_client, false},
                                   {"propagator", SourceLooks::propagator, false},
                                   {"tracker", SourceLooks::poisoned_tracker, false},
                                   {"emule_anti_p2p", SourceLooks::anti_p2p_peer, true},
                                   {"emule_byte_order", SourceLooks::byte_order_relay, false},
                                   {"ed2k_server", SourceLooks::poisoned_server, false}}) {
    auto want = expected_of_actor(role);
    ASSERT_TRUE(want) << role;
    EXPECT_EQ(want->looks_like, to_string(looks)) << role;
    EXPECT_EQ(want->anti_p2p, anti) << role;
  }
  EXPECT_FALSE(expected_of_actor("leecher"));
  EXPECT_FALSE(expected_of_actor("byte_order_reversed")) << "a bogus address, not an actor";
}

TEST(ScoreActors, NamesWhatTheDiagnosisSaidOfEachActorAndCountsWhatItIntroduced) {
  auto found = score_actors(tiny_truth(),
                            {judged("2.0.0.30:6881", VerdictKind::byte_order), judged("50.0.0.4:6881", VerdictKind::unknown),
                             judged("40.0.0.3:51413", VerdictKind::normal)},
                            {{"udp://20.0.0.1:6969/announce", "poisoned tracker"}, {"40.0.0.3:51413", "buggy client (byte order)"}});
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].name, "byte-order-0");
  EXPECT_EQ(found[0].looks_like, "buggy client (byte order)");
  EXPECT_EQ(found[0].own_verdict, "normal");
  EXPECT_EQ(found[0].introduced, 1u);
  EXPECT_EQ(found[0].flagged, 1u);
  EXPECT_EQ(found[1].name, "lab-tracker-0");
  EXPECT_EQ(found[1].looks_like, "poisoned tracker");
  EXPECT_EQ(found[1].introduced, 1u);
  EXPECT_EQ(found[1].flagged, 0u);  // judged unknown, not unreachable
}

// An eMule lab of one old aMule, the honest peer whose address it
// reversed, that reversal, and a farm's peer and made-up address.
json emule_truth() {
  return json::parse(R"({
    "ed2k_files": [{"hash": "0102030405060708090a0b0c0d0e0f10"}],
    "addresses": [
      {"ip": "20.0.0.1", "port": 4662, "role": "emule_peer", "network": "emule", "name": "emule-0", "bogus": false},
      {"ip": "20.0.0.2", "port": 4662, "role": "emule_byte_order", "network": "emule", "name": "emule-byte-order-0",
       "bogus": false},
      {"ip": "1.0.0.20", "port": 4662, "role": "byte_order_reversed", "network": "emule", "bogus": true,
       "introduced_by": [{"actor": "emule-byte-order-0", "route": "sx", "reverse_of": "20.0.0.1:4662"}]},
      {"ip": "5.5.5.1", "port": 4662, "role": "emule_anti_p2p", "network": "emule", "name": "emule-anti-p2p-0",
       "bogus": true},
      {"ip": "5.5.5.9", "port": 4662, "role": "emule_fake", "network": "emule", "bogus": true,
       "introduced_by": [{"actor": "emule-anti-p2p-0", "route": "sx"}]}
    ]})");
}

Verdict emule_judged(const char* peer, VerdictKind kind) {
  Verdict v;
  v.file_hash = ed2k::Md4{{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};
  v.peer = Endpoint::parse(peer).value();
  v.verdict = kind;
  return v;
}

// A DHT of one honest node, the node a fake-values node hands out as a
// peer, and one bogus node of each kind (two Sybil ids on one address).
json dht_truth() {
  return json::parse(R"({
    "info_hashes": ["c12fe1c06bba254a9dc9f519b335aa7c1367a88a"],
    "addresses": [
      {"ip": "23.0.0.1", "port": 6890, "role": "dht_node", "name": "dht-0", "bogus": false},
      {"ip": "23.0.1.1", "port": 6890, "role": "dht_node", "name": "dht-1", "bogus": true,
       "introduced_by": [{"actor": "dht-fake-values-0", "route": "dht-values"}]},
      {"ip": "51.0.0.1", "port": 6890, "role": "dht_fake_values", "name": "dht-fake-values-0", "bogus": false},
      {"ip": "53.0.0.1", "port": 6890, "role": "dht_phantom", "name": "dht-phantom-0", "bogus": false},
      {"ip": "61.0.0.1", "port": 6890, "role": "dht_phantom_neighbour", "name": "dht-phantom-0-0", "bogus": false},
      {"ip": "45.0.0.1", "port": 6890, "role": "dht_sybil", "name": "dht-sybil-0-0", "bogus": false},
      {"ip": "45.0.0.1", "port": 6891, "role": "dht_sybil", "name": "dht-sybil-0-1", "bogus": false},
      {"ip": "47.0.0.1", "port": 6890, "role": "dht_sybil_near", "name": "dht-near-0-0", "bogus": false}
    ]})");
}

DhtNodeSeen node_seen(const char* node) {
  DhtNodeSeen n;
  n.info_hash = InfoHash::from_hex(kHash).value();
  n.node = Endpoint::parse(node).value();
  return n;
}

Verdict node_verdict(const char* node, VerdictKind k) {
  Verdict v;
  v.peer = Endpoint::parse(node).value();
  v.verdict = k;
  return v;
}

TEST(ScoreDhtNodes, ScoresEachKindOfBogusNodeAndFlagsAnHonestNodeJudgedBogus) {
  std::vector<DhtNodeSeen> met;
  for (const char* n : {"23.0.0.1:6890", "51.0.0.1:6890", "53.0.0.1:6890", "61.0.0.1:6890", "45.0.0.1:6890",
                        "45.0.0.1:6891", "47.0.0.1:6890", "99.9.9.9:1"})
    met.push_back(node_seen(n));
  auto s = score_dht_nodes(dht_truth(), met,
                           {node_verdict("51.0.0.1:6890", VerdictKind::dht_fake_values),
                            node_verdict("53.0.0.1:6890", VerdictKind::dht_phantom_neighbours),
                            node_verdict("45.0.0.1:6890", VerdictKind::dht_sybil),
                            node_verdict("23.0.0.1:6890", VerdictKind::dht_sybil),
                            node_verdict("47.0.0.1:6890", VerdictKind::dht_sybil)});
  EXPECT_EQ(s.met, 7u) << "the address outside the lab is not a lab node";
  EXPECT_DOUBLE_EQ(s.by_kind[VerdictKind::dht_fake_values].precision(), 1.0);
  EXPECT_DOUBLE_EQ(s.by_kind[VerdictKind::dht_phantom_neighbours].recall(), 1.0);
  EXPECT_EQ(s.by_kind[VerdictKind::dht_sybil].predicted, 3u);
  EXPECT_EQ(s.by_kind[VerdictKind::dht_sybil].correct, 2u);
  EXPECT_EQ(s.by_kind[VerdictKind::dht_sybil].wrong, (std::vector<std::string>{"23.0.0.1:6890 (truth: normal)"}));
  EXPECT_DOUBLE_EQ(s.by_role["dht_sybil"].recall(), 0.5);
  EXPECT_EQ(s.by_role["dht_sybil"].missed, (std::vector<std::string>{"45.0.0.1:6891 (verdict: normal)"}));
  EXPECT_DOUBLE_EQ(s.by_role["dht_sybil_near"].recall(), 1.0);
}

TEST(ScoreDhtNodes, ValuesFromAFakeValuesNodeAreAttributedToIt) {
  Observation o = seen("23.0.1.1:6890", Via::dht, "51.0.0.1:6890");
  o.source_node_id = NodeId{};
  auto s = score_crawl(dht_truth(), {o, seen("23.0.1.1:6890", Via::dht, "23.0.0.1:6890")});
  EXPECT_EQ(s.confirmed, 1u) << "only the fake-values node hands it out";
  EXPECT_EQ(s.expected, 0u) << "DHT nodes are not peers to find";
}

TEST(ScoreEmuleVerdicts, ScoresFarmAddressesAsAntiP2pAndReversalsAsByteOrder) {
  auto s = score_emule_verdicts(emule_truth(), {emule_judged("1.0.0.20:4662", VerdictKind::byte_order),
                                                emule_judged("5.5.5.1:4662", VerdictKind::anti_p2p),
                                                emule_judged("5.5.5.9:4662", VerdictKind::unreachable),
                                                emule_judged("20.0.0.1:4662", VerdictKind::byte_order)});
  EXPECT_EQ(s[VerdictKind::byte_order].predicted, 2u);
  EXPECT_EQ(s[VerdictKind::byte_order].correct, 1u);
  EXPECT_EQ(s[VerdictKind::anti_p2p].in_truth, 2u);
  EXPECT_EQ(s[VerdictKind::anti_p2p].actual, 2u);
  EXPECT_EQ(s[VerdictKind::anti_p2p].recall(), 0.5);
  auto bt = emule_judged("1.0.0.20:4662", VerdictKind::byte_order);
  bt.file_hash.reset();
  bt.info_hash = InfoHash::from_hex(kHash).value();
  EXPECT_EQ(score_emule_verdicts(emule_truth(), {bt})[VerdictKind::byte_order].predicted, 0u) << "not an eMule verdict";
}

TEST(ScoreEmuleActors, NamesTheReversedEntriesOfEachByteOrderActor) {
  auto actors = score_emule_actors(emule_truth(), {emule_judged("1.0.0.20:4662", VerdictKind::byte_order)},
                                   {{"20.0.0.2:4662", "old-aMule byte-order relay (source exchange)"}},
                                   {{"20.0.0.2:4662", "SX v3 hybrid IDs 1"}});
  ASSERT_EQ(actors.size(), 2u);  // the byte-order actor and the anti-P2P peer
  const auto& bo = actors[1].role == "emule_byte_order" ? actors[1] : actors[0];
  EXPECT_EQ(bo.introduced, 1u);
  EXPECT_EQ(bo.flagged, 1u);
  EXPECT_EQ(bo.reversed, "SX v3 hybrid IDs 1");
  EXPECT_EQ(bo.looks_like, "old-aMule byte-order relay (source exchange)");
}

}  // namespace
}  // namespace p2pscope::lab
