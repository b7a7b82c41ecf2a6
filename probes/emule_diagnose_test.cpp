#include "probes/emule_diagnose.hpp"

#include <gtest/gtest.h>

namespace p2pscope::probes {
namespace {

using ed2k::IdForm;
using ed2k::Md4;

Endpoint ep(const char* s) { return Endpoint::parse(s).value(); }

// A small eMule crawl: an index server that is poisoned with made-up farm
// addresses, an anti-P2P peer in that farm, an honest aMule, and an old
// aMule whose source exchange reverses the honest one's address.
class EmuleDiagnose : public ::testing::Test {
 protected:
  EmuleDiagnose() {
    routing_.add(parse_cidr("5.5.5.0/24").value(), 64666, "Farm Hosting");
    routing_.add(parse_cidr("20.0.0.0/8").value(), 64500);
    routing_.add(parse_cidr("30.0.0.0/8").value(), 64501);
    (void)routing_.build();
    for (int i = 1; i <= 7; ++i) server(ep(("5.5.5." + std::to_string(i) + ":4662").c_str()));
    server(honest_);
    server(old_amule_);
    sx(old_amule_, ep("1.0.0.20:4662"), 3, IdForm::hybrid);  // 20.0.0.1 in the wrong form
    sx(honest_, ep("30.0.0.7:4662"), 4, IdForm::hybrid);     // a peer that has gone away
    auto low = obs(Via::sx, honest_, ep("30.0.0.7:4662"), 4, IdForm::hybrid);
    low.raw_id = 42;
    obs_.push_back(low);
    hello(honest_, ProbeOutcome::positive, "aMule 2.3.3");
    hello(old_amule_, ProbeOutcome::positive, "aMule 2.0.1");
    hello(anti_, ProbeOutcome::positive, "eMule 0.50a");
    probe(anti_, ProbeKind::fake_file, ProbeOutcome::positive, {{"transcript", "hello-answer,file-status"}});
    probe(honest_, ProbeKind::fake_file, ProbeOutcome::negative);
    probe(ep("1.0.0.20:4662"), ProbeKind::reverse_byte_order, ProbeOutcome::positive,
          {{"reverse", "20.0.0.1:4662"}, {"client", "aMule 2.3.3"}});
    probe(ep("30.0.0.7:4662"), ProbeKind::tcp_connect, ProbeOutcome::negative);
    probe(ep("30.0.0.7:4662"), ProbeKind::reverse_byte_order, ProbeOutcome::negative);
    for (int i = 2; i <= 7; ++i) probe(ep(("5.5.5." + std::to_string(i) + ":4662").c_str()), ProbeKind::tcp_connect, ProbeOutcome::negative);
  }
  EmuleObservation obs(Via via, const Endpoint& source, const Endpoint& peer, std::uint8_t sx_version, IdForm form) {
    EmuleObservation o;
    o.file = file_;
    o.via = via;
    o.source = source;
    o.id_form = form;
    o.raw_id = form == IdForm::hybrid ? ed2k::hybrid_id(peer.address) : ed2k::ed2k_id(peer.address);
    o.peer_port = peer.port;
    if (via == Via::sx) o.sx_version = sx_version;
    return o;
  }
  void server(const Endpoint& peer) { obs_.push_back(obs(Via::ed2k_server, server_, peer, 0, IdForm::ed2k)); }
  void sx(const Endpoint& from, const Endpoint& peer, std::uint8_t version, IdForm form) {
    obs_.push_back(obs(Via::sx, from, peer, version, form));
  }
  void probe(const Endpoint& peer, ProbeKind k, ProbeOutcome out, std::map<std::string, std::string> evidence = {}) {
    ProbeResult r;
    r.peer = peer;
    r.file_hash = file_;
    r.probe = k;
    r.outcome = out;
    r.evidence = std::move(evidence);
    probes_.push_back(r);
  }
  void hello(const Endpoint& peer, ProbeOutcome out, const char* client) {
    probe(peer, ProbeKind::tcp_connect, ProbeOutcome::positive);
    probe(peer, ProbeKind::ed2k_hello, out, {{"client", client}});
  }
  Diagnosis run() {
    DiagnoseInputs in;
    in.emule_observations = obs_;
    in.probes = probes_;
    in.routing = &routing_;
    return diagnose(in);
  }
  VerdictKind verdict_of(const Diagnosis& d, const Endpoint& peer) {
    for (const auto& v : d.verdicts)
      if (v.peer == peer) return v.verdict;
    ADD_FAILURE() << "no verdict for " << peer.to_string();
    return VerdictKind::unknown;
  }
  const SourceReport& source(const Diagnosis& d, const Endpoint& s) {
    for (const auto& r : d.sources)
      if (r.source == s.to_string()) return r;
    throw std::runtime_error("no source " + s.to_string());
  }

  PrefixTable routing_;
  std::vector<EmuleObservation> obs_;
  std::vector<ProbeResult> probes_;
  Md4 file_{{1, 2, 3}};
  Endpoint server_ = ep("30.0.0.1:4661"), honest_ = ep("20.0.0.1:4662"), old_amule_ = ep("20.0.0.2:4662"),
           anti_ = ep("5.5.5.1:4662");
};

TEST_F(EmuleDiagnose, EachPeerGetsTheVerdictOfItsMostDecisiveEvidence) {
  auto d = run();
  EXPECT_EQ(verdict_of(d, anti_), VerdictKind::anti_p2p);
  EXPECT_EQ(verdict_of(d, honest_), VerdictKind::normal);
  EXPECT_EQ(verdict_of(d, ep("1.0.0.20:4662")), VerdictKind::byte_order);
  EXPECT_EQ(verdict_of(d, ep("5.5.5.4:4662")), VerdictKind::anti_p2p);  // the farm's made-up address
  EXPECT_EQ(verdict_of(d, ep("30.0.0.7:4662")), VerdictKind::unreachable);
  for (const auto& v : d.verdicts) {
    EXPECT_EQ(v.file_hash, file_);
    EXPECT_FALSE(v.info_hash);
  }
}

TEST_F(EmuleDiagnose, TheTreeSplitsByRouteAndBoundsTheBogusShare) {
  auto d = run();
  ASSERT_TRUE(d.emule);
  const auto& b = *d.emule;
  EXPECT_EQ(b.low_ids, 1u);
  EXPECT_EQ(b.servers.total(), 9u);
  EXPECT_EQ(b.servers.of(EmuleClass::emule), 3u);  // the anti-P2P peer runs eMule too
  EXPECT_EQ(b.servers.at(EmuleClass::other, EmuleClass::unroutable), 5u);  // 5.5.5.x reversed is x.5.5.5 ...
  EXPECT_EQ(b.servers.at(EmuleClass::other, EmuleClass::other), 1u);       // ... but 5.5.5.5 is its own reverse
  EXPECT_EQ(b.sx.total(), 2u);
  EXPECT_EQ(b.sx.at(EmuleClass::unroutable, EmuleClass::emule), 1u);
  EXPECT_EQ(b.sx.at(EmuleClass::other, EmuleClass::unroutable), 1u);
  EXPECT_EQ(b.sx.lower(), 1u);
  EXPECT_EQ(b.overall.total(), 11u);
  EXPECT_EQ(b.overall.lower(), 1u);
  EXPECT_EQ(b.overall.upper(), 2u);  // and 5.5.5.5, which is other both ways round
}

TEST_F(EmuleDiagnose, AnOldAmuleIsNamedWithTheSxVersionAndFormOfItsReversals) {
  auto d = run();
  const auto& r = source(d, old_amule_);
  EXPECT_EQ(r.looks_like, SourceLooks::byte_order_relay);
  ASSERT_EQ(r.reversed_entries.size(), 1u);
  EXPECT_EQ(r.reversed_entries.begin()->first, std::make_pair(std::uint8_t{3}, IdForm::hybrid));
  EXPECT_EQ(source(d, honest_).looks_like, SourceLooks::unremarkable);
}

TEST_F(EmuleDiagnose, AServerListingAddressesThatCouldNeverHaveLoggedInIsPoisoned) {
  auto d = run();
  const auto& r = source(d, server_);
  EXPECT_EQ(r.looks_like, SourceLooks::poisoned_server);
  EXPECT_EQ(r.definitely_bogus, 7u);
}

TEST_F(EmuleDiagnose, AnHonestServerListingARealAntiP2pClientIsNotPoisoned) {
  obs_.erase(std::remove_if(obs_.begin(), obs_.end(), [&](const EmuleObservation& o) {
               return o.via == Via::ed2k_server && o.peer() && o.peer()->address.to_string().starts_with("5.5.5.") &&
                      *o.peer() != anti_;
             }),
             obs_.end());
  EXPECT_EQ(source(run(), server_).looks_like, SourceLooks::unremarkable);
}

TEST_F(EmuleDiagnose, APeerThatNeedsObfuscationIsNotCalledDead) {
  probe(ep("30.0.0.7:4662"), ProbeKind::ed2k_hello, ProbeOutcome::negative,
        {{"crypt_required", "its source says it accepts only obfuscated connections"}});
  EXPECT_EQ(verdict_of(run(), ep("30.0.0.7:4662")), VerdictKind::unknown);
}

}  // namespace
}  // namespace p2pscope::probes
