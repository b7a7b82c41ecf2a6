#include "probes/emule_probe.hpp"

#include "lab/sx_peer.hpp"
#include "net/ed2k_conversation.hpp"
#include "tests/testlib/hostile.hpp"

#include <gtest/gtest.h>

#include <deque>

namespace p2pscope::probes {
namespace {

using namespace net;
using ed2k::Md4;

Md4 md4_filled(std::uint8_t b) {
  Md4 h;
  h.bytes.fill(b);
  return h;
}

// Everything a peer received in one session: the frames, in order.
struct Heard {
  std::vector<ed2k::Frame> frames;
};

// A stock-client stand-in that records what it hears: it answers the hello
// and says "no such file" to every SETREQFILEID.
awaitable<void> serve_recording_peer(tcp::acceptor& a, Heard& heard) {
  error_code ec;
  auto s = co_await a.async_accept(use_ec(ec));
  if (ec) co_return;
  Conversation talk(s, ed2k::Limits{}, std::chrono::seconds(5));
  for (;;) {
    auto f = co_await talk.next(std::chrono::seconds(5));
    if (!f) co_return;
    heard.frames.push_back(f.value());
    if (f.value().opcode == ed2k::op::hello) {
      ed2k::Hello me{md4_filled(0x33), 0, 4662, lab::sx_peer_hello_tags(lab::SxPeerConfig{}), 0, 0, {}};
      co_await talk.send(ed2k::Frame{ed2k::Protocol::edonkey, ed2k::op::hello_answer,
                                     ed2k::encode_hello(me, ed2k::HelloKind::answer)});
    } else if (f.value().opcode == ed2k::op::set_req_file_id) {
      co_await talk.send(ed2k::Frame{ed2k::Protocol::edonkey, ed2k::op::no_such_file, f.value().payload});
    }
  }
}

class EmuleProbe : public ::testing::Test {
 protected:
  EmuleProbe() : gate_(net::Politeness::unlimited()) {
    cfg_.contact_special_purpose = true;
    cfg_.user_hash = md4_filled(0x77);
    cfg_.connect_timeout = std::chrono::milliseconds(1000);
    cfg_.hello_timeout = std::chrono::milliseconds(800);
    cfg_.answer_timeout = std::chrono::milliseconds(800);
    cfg_.retry_pause = std::chrono::milliseconds(50);
  }
  EmuleContact contact(const Endpoint& to, std::optional<Md4> fake) {
    std::optional<EmuleContact> out;
    asio::co_spawn(io_, [&]() -> awaitable<void> { out = co_await contact_emule_peer(to, fake, cfg_, gate_); },
                   asio::detached);
    while (!out) io_.run_one();
    return *out;
  }
  // A scripted eMule peer sharing real_ (anti-P2P: claiming every file).
  Endpoint serve_peer(bool anti_p2p) {
    auto a = testlib::loopback_acceptor(io_);
    Endpoint at{IpAddress::v4(0x7f000001), a.local_endpoint().port()};
    auto& cfg = peers_.emplace_back();
    cfg.user_hash = md4_filled(0x44);
    cfg.sources[real_] = {Endpoint{IpAddress::v4(0x01020304), 4662}};
    cfg.any_file = anti_p2p;
    asio::co_spawn(io_, lab::serve_sx_peer(std::move(a), cfg), asio::detached);
    return at;
  }
  Endpoint at(tcp::acceptor& a) { return {IpAddress::v4(0x7f000001), a.local_endpoint().port()}; }
  // A contact with a hostile eMule peer.
  EmuleContact against(testlib::Ed2kPeerMisbehaviour m) {
    auto& a = hostile_.emplace_back(testlib::loopback_acceptor(io_));
    asio::co_spawn(io_, testlib::serve_hostile_ed2k_peer(a, m), asio::detached);
    return contact(at(a), fake_);
  }

  asio::io_context io_;
  net::RateGate gate_;
  EmuleProbeConfig cfg_;
  std::deque<lab::SxPeerConfig> peers_;  // outlive the servers' coroutines
  std::deque<tcp::acceptor> hostile_;
  Md4 real_ = md4_filled(0x52), fake_ = md4_filled(0x46);
};

TEST_F(EmuleProbe, AStockClientAnswersTheHelloAndSaysNoSuchFileToTheFakeHash) {
  auto peer = serve_peer(false);
  auto c = contact(peer, fake_);
  auto live = emule_liveness_results(peer, real_, c);
  ASSERT_EQ(live.size(), 2u);
  EXPECT_EQ(live[0].probe, ProbeKind::tcp_connect);
  EXPECT_EQ(live[0].outcome, ProbeOutcome::positive);
  EXPECT_EQ(live[1].probe, ProbeKind::ed2k_hello);
  EXPECT_EQ(live[1].outcome, ProbeOutcome::positive);
  EXPECT_EQ(live[1].file_hash, real_);
  EXPECT_EQ(live[1].evidence.at("client"), "aMule 2.3.3");
  EXPECT_EQ(live[1].evidence.at("sx1"), "3");
  EXPECT_EQ(live[1].evidence.at("sx2"), "yes");
  EXPECT_EQ(live[1].evidence.at("user_hash"), md4_filled(0x44).hex());
  auto fake = fake_file_result(peer, real_, fake_, c);
  EXPECT_EQ(fake.outcome, ProbeOutcome::negative);
  EXPECT_EQ(fake.evidence.at("answer"), "no_such_file");
  EXPECT_EQ(fake.evidence.at("fake_file_hash"), fake_.hex());
}

TEST_F(EmuleProbe, AnAntiP2pPeerClaimsTheFakeHashWithTheTranscriptAsEvidence) {
  auto peer = serve_peer(true);
  auto fake = fake_file_result(peer, real_, fake_, contact(peer, fake_));
  EXPECT_EQ(fake.outcome, ProbeOutcome::positive);
  EXPECT_EQ(fake.evidence.at("answer"), "claimed");
  EXPECT_EQ(fake.evidence.at("transcript"), "hello-answer,file-status");
}

TEST_F(EmuleProbe, TheHelloCarriesTheStableUserHashAndIdZeroAndOneUnknownHashPerSession) {
  auto a = testlib::loopback_acceptor(io_);
  Heard heard;
  asio::co_spawn(io_, serve_recording_peer(a, heard), asio::detached);
  auto c = contact(at(a), fake_);
  EXPECT_EQ(c.fake, FakeFileAnswer::no_such_file);
  ASSERT_EQ(heard.frames.size(), 2u);
  auto hello = ed2k::decode_hello(heard.frames[0].payload, ed2k::HelloKind::hello);
  ASSERT_TRUE(hello);
  EXPECT_EQ(hello.value().user_hash, cfg_.user_hash);
  EXPECT_EQ(hello.value().client_id, 0u);
  EXPECT_EQ(ed2k::client_info(hello.value()).sx1_version, 3);
  EXPECT_EQ(heard.frames[1].opcode, ed2k::op::set_req_file_id);
  EXPECT_EQ(ed2k::decode_hash_only(heard.frames[1].payload).value(), fake_);
}

TEST_F(EmuleProbe, ABitTorrentPeerOnThePortIsNoEmulePeer) {
  auto a = testlib::loopback_acceptor(io_);
  asio::co_spawn(io_, testlib::serve_honest_peer(a, InfoHash::from_bytes(std::string(20, 'x')).value()), asio::detached);
  auto live = emule_liveness_results(at(a), real_, contact(at(a), fake_));
  ASSERT_EQ(live.size(), 2u);
  EXPECT_EQ(live[0].outcome, ProbeOutcome::positive);
  EXPECT_EQ(live[1].outcome, ProbeOutcome::negative);
  EXPECT_FALSE(live[1].evidence.at("why").empty());
}

TEST_F(EmuleProbe, ASilentListenerTimesOutAndTheFakeProbeProvesNothing) {
  auto a = testlib::loopback_acceptor(io_);
  asio::co_spawn(io_, testlib::serve_hostile_http(a, testlib::HttpMisbehaviour::silent), asio::detached);
  auto c = contact(at(a), fake_);
  EXPECT_EQ(c.hello, ProbeOutcome::timeout);
  EXPECT_EQ(c.attempts, 2u);
  EXPECT_EQ(c.fake, FakeFileAnswer::not_asked);
  EXPECT_EQ(fake_file_result(at(a), real_, fake_, c).outcome, ProbeOutcome::timeout);
}

// A peer too busy to answer the first hello in time answers the second
// contact: it is a live eMule peer, and the fake hash is asked only there.
awaitable<void> busy_once_then_answer(tcp::acceptor& a, Heard& heard) {
  error_code ec;
  auto first = co_await a.async_accept(use_ec(ec));
  if (ec) co_return;
  co_await serve_recording_peer(a, heard);
}

TEST_F(EmuleProbe, APeerThatMissesTheHelloDeadlineOnceIsAskedAgain) {
  auto a = testlib::loopback_acceptor(io_);
  Heard heard;
  asio::co_spawn(io_, busy_once_then_answer(a, heard), asio::detached);
  auto c = contact(at(a), fake_);
  EXPECT_EQ(c.attempts, 2u);
  EXPECT_EQ(c.hello, ProbeOutcome::positive);
  EXPECT_EQ(c.fake, FakeFileAnswer::no_such_file);
  EXPECT_EQ(heard.frames.size(), 2u) << "one hello and one fake hash on the second contact";
  EXPECT_EQ(emule_liveness_results(at(a), real_, c).at(1).evidence.at("attempts"), "2");
}

TEST_F(EmuleProbe, AFrameHeaderClaiming100MiBEndsTheContactWithoutReadingIt) {
  auto a = testlib::loopback_acceptor(io_);
  asio::co_spawn(io_, testlib::serve_hostile_ed2k_server(a, testlib::Ed2kServerMisbehaviour::huge_frame), asio::detached);
  auto c = contact(at(a), fake_);
  EXPECT_EQ(c.hello, ProbeOutcome::negative);
  EXPECT_NE(c.why.find("not an eMule frame"), std::string::npos) << c.why;
  EXPECT_EQ(c.fake, FakeFileAnswer::not_asked);
}

// Frames already buffered come back without waiting: a peer that streams
// unasked frames must still meet the deadlines.
TEST_F(EmuleProbe, AFloodOfUnaskedFramesEndsOnTheHelloDeadline) {
  auto c = against(testlib::Ed2kPeerMisbehaviour::flood_before_hello);
  EXPECT_EQ(c.hello, ProbeOutcome::timeout);
  EXPECT_LE(c.transcript.size(), 64u);
  EXPECT_EQ(c.fake, FakeFileAnswer::not_asked);
}

TEST_F(EmuleProbe, AFloodAfterTheHelloEndsOnTheAnswerDeadline) {
  auto c = against(testlib::Ed2kPeerMisbehaviour::flood_after_hello);
  EXPECT_EQ(c.hello, ProbeOutcome::positive);
  EXPECT_EQ(c.fake, FakeFileAnswer::silent);
}

TEST_F(EmuleProbe, AClosedPortIsRecordedWithoutAHelloResult) {
  auto a = testlib::loopback_acceptor(io_);
  auto closed = at(a);
  a.close();
  auto live = emule_liveness_results(closed, real_, contact(closed, fake_));
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].outcome, ProbeOutcome::negative);
}

TEST_F(EmuleProbe, ARefusedHelloFromAPeerThatRequiresCryptIsRecordedAsSuch) {
  auto a = testlib::loopback_acceptor(io_);
  asio::co_spawn(io_, testlib::serve_hostile_http(a, testlib::HttpMisbehaviour::close_early), asio::detached);
  auto live = emule_liveness_results(at(a), real_, contact(at(a), std::nullopt), CryptRequired::yes);
  ASSERT_EQ(live.size(), 2u);
  EXPECT_NE(live[1].outcome, ProbeOutcome::positive);
  EXPECT_TRUE(live[1].evidence.count("crypt_required"));
}

TEST_F(EmuleProbe, SpecialPurposeAddressesAreNeverContacted) {
  cfg_.contact_special_purpose = false;
  auto c = contact(Endpoint{IpAddress::v4(0x0a000001), 4662}, fake_);
  EXPECT_TRUE(c.skipped);
  auto rev = emule_reverse_result(Endpoint{IpAddress::v4(0x0100000a), 4662}, Endpoint{IpAddress::v4(0x0a000001), 4662},
                                  real_, c);
  EXPECT_EQ(rev.outcome, ProbeOutcome::negative);
  EXPECT_EQ(rev.evidence.at("reverse"), "10.0.0.1:4662");
}

TEST_F(EmuleProbe, TheReverseProbeIsPositiveWhenTheOtherByteOrderRunsEmule) {
  auto peer = serve_peer(false);
  Endpoint seen{IpAddress::v4(0x0100007f), peer.port};
  auto rev = emule_reverse_result(seen, peer, real_, contact(peer, std::nullopt));
  EXPECT_EQ(rev.outcome, ProbeOutcome::positive);
  EXPECT_EQ(rev.evidence.at("client"), "aMule 2.3.3");
  EXPECT_EQ(rev.peer, seen);
}

}  // namespace
}  // namespace p2pscope::probes
