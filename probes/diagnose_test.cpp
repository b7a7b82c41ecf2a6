#include "probes/diagnose.hpp"

#include <gtest/gtest.h>

namespace p2pscope::probes {
namespace {

Endpoint ep(const char* s) { return Endpoint::parse(s).value(); }

// A small crawl: a poisoned tracker, an anti-P2P peer with its farm, an
// honest peer whose client byte-swaps what it relays, and the odd bogus peer.
class Diagnose : public ::testing::Test {
 protected:
  Diagnose() {
    routing_.add(parse_cidr("5.5.5.0/24").value(), 64666, "Farm Hosting");
    routing_.add(parse_cidr("20.0.0.0/8").value(), 64500);
    (void)routing_.build();
    for (auto p : {"5.5.5.1:6881", "20.0.0.1:6881", "10.0.0.1:6881", "30.0.0.9:6881"}) tracker(ep(p));
    for (int i = 2; i <= 7; ++i) pex(anti_, ep(("5.5.5." + std::to_string(i) + ":6881").c_str()));
    pex(honest_, ep("1.0.0.20:6881"));  // 20.0.0.1 byte-reversed
    pex(honest_, ep("20.0.0.9:6881"));
    pex(honest_, ep("20.0.0.10:6881"));
    probe(anti_, ProbeKind::fake_infohash, ProbeOutcome::positive, "extended-handshake,have_all");
    probe(honest_, ProbeKind::handshake, ProbeOutcome::positive);
    probe(honest_, ProbeKind::fake_infohash, ProbeOutcome::negative);
    probe(ep("20.0.0.9:6881"), ProbeKind::tcp_connect, ProbeOutcome::positive);
    probe(ep("20.0.0.9:6881"), ProbeKind::handshake, ProbeOutcome::timeout);
    for (int i = 2; i <= 7; ++i) probe(ep(("5.5.5." + std::to_string(i) + ":6881").c_str()), ProbeKind::tcp_connect, ProbeOutcome::timeout);
  }
  void tracker(const Endpoint& peer) {
    Observation o;
    o.info_hash = ih_;
    o.peer = peer;
    o.via = Via::tracker_udp;
    o.source_url = "udp://t.example:6969/announce";
    obs_.push_back(o);
  }
  void pex(const Endpoint& from, const Endpoint& peer) {
    Observation o;
    o.info_hash = ih_;
    o.peer = peer;
    o.via = Via::pex;
    o.source_endpoint = from;
    obs_.push_back(o);
  }
  void probe(const Endpoint& peer, ProbeKind k, ProbeOutcome out, std::string transcript = {}) {
    ProbeResult r;
    r.peer = peer;
    r.info_hash = ih_;
    r.probe = k;
    r.outcome = out;
    if (!transcript.empty()) r.evidence["transcript"] = transcript;
    probes_.push_back(r);
  }
  Diagnosis run() {
    DiagnoseInputs in;
    in.observations = obs_;
    in.probes = probes_;
    in.routing = &routing_;
    return diagnose(in);
  }
  static const Verdict& of(const Diagnosis& d, const char* peer) {
    auto it = std::find_if(d.verdicts.begin(), d.verdicts.end(), [&](const Verdict& v) { return v.peer == ep(peer); });
    EXPECT_NE(it, d.verdicts.end()) << peer;
    return *it;
  }
  static const SourceReport& source(const Diagnosis& d, const std::string& s) {
    auto it = std::find_if(d.sources.begin(), d.sources.end(), [&](const SourceReport& r) { return r.source == s; });
    EXPECT_NE(it, d.sources.end()) << s;
    return *it;
  }

  InfoHash ih_ = InfoHash::from_bytes(std::string(20, 'h')).value();
  Endpoint anti_ = ep("5.5.5.1:6881"), honest_ = ep("20.0.0.1:6881");
  PrefixTable routing_;
  std::vector<Observation> obs_;
  std::vector<ProbeResult> probes_;
};

TEST_F(Diagnose, GivesEachPeerTheMostDecisiveVerdict) {
  auto d = run();
  EXPECT_EQ(d.verdicts.size(), 13u);  // 4 from the tracker, 6 fakes, 3 relayed by the honest peer
  EXPECT_EQ(of(d, "5.5.5.1:6881").verdict, VerdictKind::anti_p2p);
  EXPECT_EQ(of(d, "5.5.5.1:6881").evidence[0], "accepted a random infohash: extended-handshake,have_all");
  EXPECT_EQ(of(d, "5.5.5.4:6881").verdict, VerdictKind::anti_p2p) << "a silent peer in the anti-P2P farm";
  EXPECT_EQ(of(d, "20.0.0.1:6881").verdict, VerdictKind::normal);
  EXPECT_EQ(of(d, "1.0.0.20:6881").verdict, VerdictKind::byte_order);
  EXPECT_EQ(of(d, "10.0.0.1:6881").verdict, VerdictKind::bogus_unroutable);
  EXPECT_EQ(of(d, "10.0.0.1:6881").evidence[0], "special-purpose: Private-Use (RFC 1918)");
  EXPECT_EQ(of(d, "30.0.0.9:6881").evidence[0], "no announced prefix covers it");
  EXPECT_EQ(of(d, "20.0.0.9:6881").verdict, VerdictKind::unreachable);
  EXPECT_EQ(of(d, "20.0.0.10:6881").verdict, VerdictKind::unknown);
  EXPECT_EQ(of(d, "20.0.0.1:6881").evidence[1], "announced: 20.0.0.0/8 AS64500");
}

TEST_F(Diagnose, RanksSourcesAndNamesWhatTheyLookLike) {
  auto d = run();
  const auto& anti = source(d, "5.5.5.1:6881");
  EXPECT_EQ(anti.looks_like, SourceLooks::anti_p2p_peer);
  EXPECT_EQ(anti.definitely_bogus, 6u);
  EXPECT_EQ(anti.hops_from_anti_p2p, 0u);
  EXPECT_TRUE(anti.cluster.anti_p2p_event) << "six fakes in one /24";
  const auto& honest = source(d, "20.0.0.1:6881");
  EXPECT_EQ(honest.looks_like, SourceLooks::byte_order_client);
  EXPECT_DOUBLE_EQ(honest.lower_share(), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(honest.upper_share(), 1.0) << "unreachable and unknown count as possibly bogus";
  EXPECT_FALSE(honest.hops_from_anti_p2p);
  const auto& tracker = source(d, "udp://t.example:6969/announce");
  EXPECT_EQ(tracker.looks_like, SourceLooks::poisoned_tracker);
  EXPECT_EQ(tracker.hops_from_anti_p2p, 1u) << "it handed out the anti-P2P peer";
  EXPECT_EQ(d.sources.front().source, "5.5.5.1:6881") << "most bogus first";
}

TEST_F(Diagnose, APeerThatRelaysUnroutablePeersIsAPropagatorAndOneThatRelaysAntiP2PPeersIsNot) {
  Endpoint relay = ep("20.0.0.20:6881"), plain = ep("20.0.0.21:6881");
  pex(relay, ep("10.0.0.1:6881"));
  pex(relay, ep("20.0.0.1:6881"));
  pex(plain, anti_);  // an anti-P2P peer completes handshakes: relaying it is no fault
  pex(plain, ep("20.0.0.1:6881"));
  auto d = run();
  EXPECT_EQ(source(d, "20.0.0.20:6881").looks_like, SourceLooks::propagator);
  EXPECT_EQ(source(d, "20.0.0.21:6881").looks_like, SourceLooks::unremarkable);
}

// The defect (issue 26): a peer reachable over uTP only was "no TCP
// connection"; now the uTP connection counts as reaching it.
TEST_F(Diagnose, AUtpOnlyPeerIsJudgedByWhatItSaidOverUtp) {
  Endpoint utp_live = ep("20.0.0.30:6881"), utp_mute = ep("20.0.0.31:6881"), dead = ep("20.0.0.32:6881");
  for (const auto& p : {utp_live, utp_mute, dead}) {
    pex(honest_, p);
    probe(p, ProbeKind::tcp_connect, ProbeOutcome::negative);
  }
  probe(utp_live, ProbeKind::utp_connect, ProbeOutcome::positive);
  probe(utp_live, ProbeKind::handshake, ProbeOutcome::positive);
  probe(utp_mute, ProbeKind::utp_connect, ProbeOutcome::positive);
  probe(utp_mute, ProbeKind::handshake, ProbeOutcome::timeout);
  probe(dead, ProbeKind::utp_connect, ProbeOutcome::timeout);
  auto d = run();
  EXPECT_EQ(of(d, "20.0.0.30:6881").verdict, VerdictKind::normal);
  EXPECT_EQ(of(d, "20.0.0.31:6881").verdict, VerdictKind::unreachable);
  EXPECT_EQ(of(d, "20.0.0.31:6881").evidence[0], "uTP connection set up, but no BitTorrent handshake");
  EXPECT_EQ(of(d, "20.0.0.32:6881").evidence[0], "no TCP connection (negative), no uTP connection (timeout)");
}

TEST_F(Diagnose, BreaksDownLikeFigureFour) {
  auto b = run().breakdown;
  EXPECT_EQ(b.unroutable_reverse_is_peer, 1u);   // 1.0.0.20
  EXPECT_EQ(b.unroutable_reverse_unroutable + b.unroutable_other, 2u);  // 10.0.0.1, 30.0.0.9
  EXPECT_EQ(b.routable_anti_p2p, 7u);
  EXPECT_EQ(b.routable_bittorrent, 1u);
  EXPECT_EQ(b.routable_open_port, 1u);
  EXPECT_EQ(b.routable_unprobed, 1u);
}

TEST_F(Diagnose, AKnownListMarksOtherwiseSilentPeersButNotHonestOnes) {
  std::vector<IpRange> known{make_range(IpAddress::parse("20.0.0.0").value(), IpAddress::parse("20.0.0.255").value(), "x").value()};
  DiagnoseInputs in;
  in.observations = obs_;
  in.probes = probes_;
  in.routing = &routing_;
  in.known = known;
  auto d = diagnose(in);
  EXPECT_EQ(of(d, "20.0.0.9:6881").verdict, VerdictKind::anti_p2p);
  EXPECT_EQ(of(d, "20.0.0.1:6881").verdict, VerdictKind::normal) << "a handshake outweighs a list";
}

}  // namespace
}  // namespace p2pscope::probes
