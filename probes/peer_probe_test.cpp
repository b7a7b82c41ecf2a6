#include "probes/peer_probe.hpp"

#include "tests/testlib/hostile.hpp"
#include "tests/testlib/utp_peer.hpp"

#include <gtest/gtest.h>

#include <deque>

namespace p2pscope::probes {
namespace {

using namespace net;

using Kinds = std::vector<std::pair<ProbeKind, ProbeOutcome>>;
Kinds kinds(const std::vector<ProbeResult>& rs) {
  Kinds out;
  for (const auto& r : rs) out.emplace_back(r.probe, r.outcome);
  return out;
}

// What libtorrent does with a second connection from an address it already
// has one from: takes it and closes it without a byte.
awaitable<void> hang_up_on_the_first(tcp::acceptor& a, InfoHash ih, int hang_ups) {
  for (int i = 0; i < hang_ups; ++i) (co_await a.async_accept(use_awaitable)).close();
  co_await testlib::serve_honest_peer(a, ih);
}

class PeerProbe : public ::testing::Test {
 protected:
  PeerProbe() : gate_(net::Politeness::unlimited()) {
    cfg_.contact_special_purpose = true;
    cfg_.connect_timeout = std::chrono::milliseconds(1000);
    cfg_.handshake_timeout = std::chrono::milliseconds(1000);
    cfg_.linger = std::chrono::milliseconds(300);
  }
  Contact contact(const Endpoint& to, const InfoHash& ih, bool listen, CarrierPlan plan = CarrierPlan::tcp_then_utp) {
    std::optional<Contact> out;
    asio::co_spawn(
        io_, [&]() -> awaitable<void> { out = co_await contact_peer(to, ih, own_, cfg_, gate_, listen, plan); },
        asio::detached);
    while (!out) io_.run_one();
    return *out;
  }
  Contact contact_again(const Endpoint& to) {
    std::optional<Contact> out;
    asio::co_spawn(
        io_, [&]() -> awaitable<void> { out = co_await contact_peer_again_if_hung_up(to, real_, own_, cfg_, gate_); },
        asio::detached);
    while (!out) io_.run_one();
    return *out;
  }
  // An honest peer that first hangs up on `n` connections; asked again after 50 ms.
  Endpoint hanging_up(int n) {
    auto& a = acceptors_.emplace_back(testlib::loopback_acceptor(io_));
    asio::co_spawn(io_, hang_up_on_the_first(a, real_, n), asio::detached);
    cfg_.hung_up_retry = std::chrono::milliseconds(50);
    return serve(a);
  }
  Endpoint serve(tcp::acceptor& a) { return {IpAddress::v4(0x7f000001), a.local_endpoint().port()}; }
  // A uTP-only peer; TCP to its port is refused (a socket bound there, not
  // listening), or with TcpSide::listen goes to ports_.back().listening.
  Endpoint serve_utp(testlib::UtpPeerKind kind, testlib::TcpSide tcp = testlib::TcpSide::refuse) {
    auto& p = ports_.emplace_back(testlib::loopback_utp_only(io_, tcp));
    asio::co_spawn(io_, testlib::serve_utp_pex_peer(p.mux, real_, {}, kind), asio::detached);
    cfg_.utp.v4 = UtpMux::open(io_.get_executor(), {IpAddress::v4(0x7f000001), 0}).value();
    servers_.push_back(p.mux);
    return p.endpoint();
  }
  ~PeerProbe() override {
    cfg_.utp.close();
    for (auto& s : servers_) s->close();
  }

  asio::io_context io_;
  std::vector<std::shared_ptr<UtpMux>> servers_;
  std::deque<testlib::UtpOnlyPort> ports_;
  std::deque<tcp::acceptor> acceptors_;
  net::RateGate gate_;
  PeerProbeConfig cfg_;
  ProbeIdentity own_{PeerId::from_bytes("-qB4520-probeprobepr").value(), "qBittorrent/4.5.2"};
  InfoHash real_ = InfoHash::from_bytes(std::string(20, 'r')).value();
  InfoHash fake_ = InfoHash::from_bytes(std::string(20, 'f')).value();
};

TEST_F(PeerProbe, AnHonestPeerPassesLivenessAndRefusesTheFakeInfohash) {
  auto a = testlib::loopback_acceptor(io_);
  asio::co_spawn(io_, testlib::serve_honest_peer(a, real_), asio::detached);
  auto live = liveness_results(serve(a), real_, contact(serve(a), real_, false));
  ASSERT_EQ(live.size(), 2u);
  EXPECT_EQ(live[0].probe, ProbeKind::tcp_connect);
  EXPECT_EQ(live[0].outcome, ProbeOutcome::positive);
  EXPECT_EQ(live[1].outcome, ProbeOutcome::positive);
  EXPECT_EQ(live[1].evidence.at("peer_id"), "-LT2080-");
  auto fake = fake_infohash_result(serve(a), real_, fake_, contact(serve(a), fake_, true));
  EXPECT_EQ(fake.outcome, ProbeOutcome::negative);
  EXPECT_EQ(fake.evidence.at("why"), "closed without a handshake");
}

TEST_F(PeerProbe, APeerThatHangsUpAtOnceIsAskedAgainAfterAPause) {
  auto at = hanging_up(1);
  auto c = contact_again(at);
  EXPECT_TRUE(c.asked_again);
  EXPECT_EQ(c.handshake, ProbeOutcome::positive);
  auto live = liveness_results(at, real_, c);
  ASSERT_EQ(live.size(), 2u);
  EXPECT_EQ(live[1].evidence.count("asked_again"), 1u) << "the evidence says it was asked twice";
}

TEST_F(PeerProbe, OnlyOneMoreAskAndNoneWhenTurnedOff) {
  auto at = hanging_up(3);
  auto twice = contact_again(at);
  EXPECT_TRUE(twice.asked_again);
  EXPECT_EQ(twice.handshake, ProbeOutcome::negative) << "hung up on the second ask too";
  cfg_.hung_up_retry = std::chrono::milliseconds(0);
  auto once = contact_again(at);
  EXPECT_FALSE(once.asked_again);
  EXPECT_EQ(once.handshake, ProbeOutcome::negative) << "the third hang-up";
  EXPECT_EQ(contact_again(at).handshake, ProbeOutcome::positive) << "then it answers";
}

TEST_F(PeerProbe, AnAntiP2pPeerAcceptsTheFakeInfohashAndTheTranscriptShowsIt) {
  auto a = testlib::loopback_acceptor(io_);
  asio::co_spawn(io_, testlib::serve_hostile_peer(a, testlib::PeerMisbehaviour::accepts_any), asio::detached);
  auto r = fake_infohash_result(serve(a), real_, fake_, contact(serve(a), fake_, true));
  EXPECT_EQ(r.outcome, ProbeOutcome::positive);
  EXPECT_EQ(r.evidence.at("fake_info_hash"), fake_.hex());
  EXPECT_EQ(r.evidence.at("transcript"), "extended-handshake,have_all,ut_pex(50)");
  EXPECT_EQ(r.evidence.at("pex_peers"), "50");
}

TEST_F(PeerProbe, ClosedPortsWrongTorrentsAndBogonsAreNegative) {
  auto a = testlib::loopback_acceptor(io_);
  Endpoint closed = serve(a);
  a.close();
  auto c = contact(closed, real_, false);
  EXPECT_EQ(c.connect, ProbeOutcome::negative);
  EXPECT_EQ(liveness_results(closed, real_, c).size(), 1u) << "no handshake record without a connection";

  auto b = testlib::loopback_acceptor(io_);
  asio::co_spawn(io_, testlib::serve_hostile_peer(b, testlib::PeerMisbehaviour::wrong_infohash), asio::detached);
  auto w = contact(serve(b), real_, false);
  EXPECT_EQ(w.handshake, ProbeOutcome::negative);
  EXPECT_NE(w.why.find("answered for infohash 5858"), std::string::npos) << w.why;

  cfg_.contact_special_purpose = false;
  auto bogon = contact({IpAddress::parse("10.1.2.3").value(), 6881}, real_, false);
  EXPECT_EQ(bogon.connect, ProbeOutcome::error);
  EXPECT_EQ(bogon.why, "special-purpose address: not contacted");
  auto rev = reverse_result({IpAddress::parse("3.2.1.10").value(), 6881}, {IpAddress::parse("10.1.2.3").value(), 6881},
                            real_, bogon);
  EXPECT_EQ(rev.outcome, ProbeOutcome::negative);
  EXPECT_EQ(rev.evidence.at("reverse"), "10.1.2.3:6881");
}

TEST_F(PeerProbe, AUtpOnlyPeerIsAliveOverUtpAfterTcpIsRefused) {
  auto at = serve_utp(testlib::UtpPeerKind::honest);
  auto c = contact(at, real_, false);
  EXPECT_EQ(c.connect, ProbeOutcome::negative);
  EXPECT_EQ(c.carrier, Carrier::utp);
  auto live = liveness_results(at, real_, c);
  using K = ProbeKind;
  using O = ProbeOutcome;
  EXPECT_EQ(kinds(live), (Kinds{{K::tcp_connect, O::negative}, {K::utp_connect, O::positive}, {K::handshake, O::positive}}));
  EXPECT_EQ(live.back().evidence.at("carrier"), "utp");
  auto fake = fake_infohash_result(at, real_, fake_, contact(at, fake_, true, CarrierPlan::utp_only));
  EXPECT_EQ(fake.outcome, ProbeOutcome::negative) << "an honest uTP peer hangs up on a random infohash";
}

TEST_F(PeerProbe, APeerWhoseTcpListenerHangsUpAtOnceIsAskedOverUtp) {
  // A listener that takes the connection and closes it without a byte.
  auto at = serve_utp(testlib::UtpPeerKind::honest, testlib::TcpSide::listen);
  asio::co_spawn(io_, testlib::serve_honest_peer(*ports_.back().listening, fake_), asio::detached);
  auto c = contact(at, real_, false);
  EXPECT_EQ(c.connect, ProbeOutcome::positive);
  EXPECT_EQ(c.carrier, Carrier::utp);
  EXPECT_EQ(c.handshake, ProbeOutcome::positive);
}

TEST_F(PeerProbe, AUtpOnlyAntiP2pPeerAcceptsTheFakeInfohash) {
  auto at = serve_utp(testlib::UtpPeerKind::anti_p2p);
  auto c = contact(at, fake_, true, CarrierPlan::utp_only);
  EXPECT_EQ(c.connect, ProbeOutcome::error) << "uTP first: TCP never tried";
  auto r = fake_infohash_result(at, real_, fake_, c);
  EXPECT_EQ(r.outcome, ProbeOutcome::positive);
  EXPECT_EQ(r.evidence.at("transcript"), "extended-handshake,have_all,ut_pex(0)");
  EXPECT_EQ(kinds(liveness_results(at, fake_, c)),
            (Kinds{{ProbeKind::utp_connect, ProbeOutcome::positive}, {ProbeKind::handshake, ProbeOutcome::positive}}))
      << "no tcp_connect record for a peer reached over uTP first";
}

TEST_F(PeerProbe, ASilentPeerTimesOut) {
  auto a = testlib::loopback_acceptor(io_);  // listens, never accepts: the kernel completes the connect
  auto c = contact(serve(a), real_, false);
  EXPECT_EQ(c.connect, ProbeOutcome::positive);
  EXPECT_EQ(c.handshake, ProbeOutcome::timeout);
}

// The defect: the prober's generator was value-initialised after seeding,
// so every run sent the same fake infohashes as a constant peer id.
TEST(ProbeIdentity, EachRunDrawsAFreshIdentityAndFreshFakeHashes) {
  auto a = seeded_generator(), b = seeded_generator();
  EXPECT_NE(random_info_hash(a), random_info_hash(b));
  auto first = random_info_hash(a);
  EXPECT_NE(first, random_info_hash(a)) << "one draw per probe";
  auto x = ProbeIdentity::fresh(a), y = ProbeIdentity::fresh(b);
  EXPECT_NE(x.peer_id, y.peer_id);
  for (const auto& id : {x, y}) {
    auto raw = id.peer_id.raw();
    EXPECT_TRUE(raw.starts_with("-qB4520-") || raw.starts_with("-TR3000-")) << raw;
    EXPECT_EQ(raw.find("PS0"), std::string::npos);
    EXPECT_EQ(id.client.find("p2pscope"), std::string::npos);
    EXPECT_EQ(raw.starts_with("-qB") ? "qBittorrent/4.5.2" : "Transmission 3.00", id.client);
  }
}

}  // namespace
}  // namespace p2pscope::probes
