#include "crawler/sx_session.hpp"
#include "lab/sx_peer.hpp"
#include "tests/testlib/ed2k_bytes.hpp"
#include "tests/testlib/hostile.hpp"

#include <gtest/gtest.h>

namespace p2pscope::crawler {
namespace {

using namespace ed2k;
using test::md4;

IpAddress ip(const char* s) { return IpAddress::parse(s).value(); }

// A scripted eMule peer on loopback that knows two sources of file 1.
class SxSession : public ::testing::Test {
 protected:
  SxSession() : gate_(net::Politeness::unlimited()) {
    peer_cfg_.user_hash = md4(0x30);
    peer_cfg_.sources[md4(1)] = {{ip("81.2.3.4"), 4662}, {ip("203.0.113.7"), 4711}};
    cfg_.user_hash = md4(0x20);
    cfg_.answer_timeout = std::chrono::milliseconds(500);
    events_.on_source = [this](EmuleObservation o) { seen_.push_back(std::move(o)); };
    events_.on_anomaly = [this](AnomalyKind k, std::string d) { anomalies_.push_back(std::string(to_string(k)) + ": " + d); };
  }
  SxOutcome ask(const Md4& file) {
    auto acceptor = net::tcp::acceptor(io_, net::tcp::endpoint(net::asio::ip::make_address("127.0.0.1"), 0));
    peer_ = Endpoint{ip("127.0.0.1"), acceptor.local_endpoint().port()};
    net::asio::co_spawn(io_, lab::serve_sx_peer(std::move(acceptor), peer_cfg_), net::asio::detached);
    std::optional<SxOutcome> out;
    net::asio::co_spawn(
        io_,
        [&]() -> net::awaitable<void> {
          out = co_await sx_session(peer_, {file, 5'000'000}, cfg_, gate_, events_);
          io_.stop();
        },
        net::asio::detached);
    io_.run_for(std::chrono::seconds(20));
    EXPECT_TRUE(out);
    return out.value_or(SxOutcome{});
  }
  std::vector<std::string> addresses(IdForm how) const {
    std::vector<std::string> out;
    for (const auto& o : seen_)
      out.push_back(how == o.id_form ? o.peer()->address.to_string() : o.other_form_address().to_string());
    return out;
  }

  net::asio::io_context io_;
  net::RateGate gate_;
  lab::SxPeerConfig peer_cfg_;
  SxConfig cfg_;
  Ed2kEvents events_;
  Endpoint peer_;
  std::vector<EmuleObservation> seen_;
  std::vector<std::string> anomalies_;
};

TEST_F(SxSession, SourceExchangeTwoInsideTheExtendedMultipacketAsAmuleAnswersIt) {
  auto out = ask(md4(1));
  EXPECT_EQ(out.end, SxEnd::answered);
  ASSERT_TRUE(out.client);
  EXPECT_EQ(out.client->software(), "aMule 2.3.3");
  EXPECT_EQ(out.version, 4);
  ASSERT_EQ(seen_.size(), 2u);
  for (const auto& o : seen_) {
    EXPECT_EQ(o.via, Via::sx);
    EXPECT_EQ(o.source, peer_);
    EXPECT_EQ(o.sx_version, 4);
    EXPECT_EQ(o.id_form, IdForm::hybrid);
    EXPECT_TRUE(o.user_hash);
    EXPECT_EQ(o.crypt, 1);
    EXPECT_TRUE(o.validate());
  }
  EXPECT_EQ(addresses(IdForm::hybrid), (std::vector<std::string>{"81.2.3.4", "203.0.113.7"}));
}

// aMule rc8-2.0.1 answered v3 requests from its upload queue with ED2K IDs:
// read in the hybrid form v3 defines, every address comes out reversed. The
// record keeps the raw ID, so the other reading gives the real source back.
TEST_F(SxSession, AnOldAmulesByteOrderDefectIsRecordedRawSoTheOtherReadingRecoversIt) {
  peer_cfg_.encoding = lab::SxEncoding::ed2k_everywhere;
  ask(md4(1));
  ASSERT_EQ(seen_.size(), 2u);
  EXPECT_EQ(seen_[0].peer()->address.to_string(), "4.3.2.81") << "what a v4 reader sees";
  EXPECT_EQ(seen_[0].other_form_address().to_string(), "81.2.3.4") << "what the peer meant";
}

TEST_F(SxSession, APeerWithoutSxTwoIsAskedWithStandaloneSxOne) {
  peer_cfg_.sx2 = false;
  auto out = ask(md4(1));
  EXPECT_EQ(out.end, SxEnd::answered);
  EXPECT_EQ(out.version, 3) << "28-byte entries from a peer that advertised SX1 3 are v3";
  EXPECT_EQ(addresses(IdForm::hybrid), (std::vector<std::string>{"81.2.3.4", "203.0.113.7"}));
}

// The taint harness asks as an old client would: its hello announces SX1 2,
// and a v2 answer (28-byte entries) is read in the ED2K form, not as v3.
TEST_F(SxSession, AnAskerAnnouncingSxOneVersionTwoReadsTheAnswerAsVersionTwo) {
  cfg_.sx1 = 2;
  cfg_.request = SxRequest::sx1_only;
  auto out = ask(md4(1));
  EXPECT_EQ(out.end, SxEnd::answered);
  EXPECT_EQ(out.version, 2);
  EXPECT_EQ(addresses(IdForm::ed2k), (std::vector<std::string>{"81.2.3.4", "203.0.113.7"}));
}

TEST_F(SxSession, AnUnknownFileGetsNoSuchFile) {
  auto out = ask(md4(9));
  EXPECT_EQ(out.end, SxEnd::no_such_file);
  EXPECT_TRUE(seen_.empty());
}

TEST_F(SxSession, AnAnswerPastTheEntryLimitEndsTheSessionAsAnAnomaly) {
  auto& many = peer_cfg_.sources[md4(1)];
  for (std::uint32_t i = 0; i < 2000; ++i) many.push_back({IpAddress::v4(0x51000000u + i), 4662});
  auto out = ask(md4(1));
  EXPECT_EQ(out.end, SxEnd::bad_answer);
  EXPECT_TRUE(seen_.empty());
  ASSERT_EQ(anomalies_.size(), 1u);
  EXPECT_EQ(anomalies_[0].substr(0, 9), "oversized") << anomalies_[0];
}

// Frames already buffered come back without waiting: a peer that streams
// unasked frames after its hello must not hold the session past its deadline.
TEST_F(SxSession, AFloodOfUnaskedFramesEndsOnTheAnswerDeadline) {
  auto acceptor = testlib::loopback_acceptor(io_);
  Endpoint flood{ip("127.0.0.1"), acceptor.local_endpoint().port()};
  net::asio::co_spawn(io_, testlib::serve_hostile_ed2k_peer(acceptor, testlib::Ed2kPeerMisbehaviour::flood_after_hello),
                      net::asio::detached);
  std::optional<SxOutcome> out;
  net::asio::co_spawn(
      io_, [&]() -> net::awaitable<void> { out = co_await sx_session(flood, {md4(1), 1}, cfg_, gate_, events_); },
      net::asio::detached);
  for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10); !out && std::chrono::steady_clock::now() < until;)
    io_.run_one_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(out) << "the session outlived its deadlines";
  EXPECT_EQ(out->end, SxEnd::silent);
}

TEST_F(SxSession, NobodyListeningIsUnreachable) {
  SxOutcome out;
  net::asio::co_spawn(
      io_,
      [&]() -> net::awaitable<void> { out = co_await sx_session({ip("127.0.0.1"), 1}, {md4(1), 1}, cfg_, gate_, events_); },
      net::asio::detached);
  io_.run_for(std::chrono::seconds(10));
  EXPECT_EQ(out.end, SxEnd::unreachable);
}

}  // namespace
}  // namespace p2pscope::crawler
