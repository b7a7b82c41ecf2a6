#include "crawler/ed2k_server_client.hpp"
#include "lab/ed2k_server.hpp"
#include "tests/testlib/ed2k_bytes.hpp"
#include "tests/testlib/hostile.hpp"
#include "tests/testlib/status.hpp"

#include <gtest/gtest.h>

namespace p2pscope::crawler {
namespace {

using namespace ed2k;
using test::md4;

IpAddress ip(const char* s) { return IpAddress::parse(s).value(); }

// The lab's index server on loopback, filled directly through its state:
// two HighID seeders and a LowID one share file 1; the crawl asks for
// files 1 and 2 (nobody has 2).
class Ed2kServerClient : public ::testing::Test {
 protected:
  Ed2kServerClient() : gate_(net::Politeness::unlimited()), server_(config()) {
    for (const char* a : {"198.51.100.7", "198.51.100.8", "198.51.100.9"}) {
      auto id = server_.login(ip(a), Login{md4(1), 0, 4662, {}}).value().change.id;
      server_.offer(id, {OfferedFile{md4(1), 0xFBFBFBFB, 0xFBFB, {}}});
    }
    tcp::acceptor acceptor(io_, tcp::endpoint(net::asio::ip::make_address("127.0.0.1"), 0));
    udp::socket udp_socket(io_, udp::endpoint(net::asio::ip::make_address("127.0.0.1"), 0));
    tcp_ = {ip("127.0.0.1"), acceptor.local_endpoint().port()};
    udp_ = {ip("127.0.0.1"), udp_socket.local_endpoint().port()};
    net::asio::co_spawn(io_, lab::serve_ed2k_tcp(std::move(acceptor), server_), net::asio::detached);
    net::asio::co_spawn(io_, lab::serve_ed2k_udp(std::move(udp_socket), server_), net::asio::detached);
    cfg_.user_hash = md4(0x50);
    cfg_.reply_timeout = std::chrono::milliseconds(500);
    cfg_.per_frame = 1;  // two frames for two files
    events_.on_source = [this](EmuleObservation o) { seen_.push_back(std::move(o)); };
    events_.on_anomaly = [this](AnomalyKind k, std::string d) { anomalies_.push_back(std::string(to_string(k)) + ": " + d); };
  }
  static lab::Ed2kServerConfig config() {
    lab::Ed2kServerConfig c;
    c.low_id = {IpAddress::parse("198.51.100.9").value()};
    return c;
  }
  template <class T>
  T run(net::awaitable<T> a) {
    std::optional<T> out;
    net::asio::co_spawn(
        io_,
        [&]() -> net::awaitable<void> {
          out = co_await std::move(a);
          io_.stop();  // the server's loops never end on their own
        },
        net::asio::detached);
    io_.restart();
    io_.run_for(std::chrono::seconds(20));
    EXPECT_TRUE(out) << "the coroutine did not finish in 20 s";
    return out ? std::move(*out) : T(make_error_code(std::errc::timed_out));
  }
  std::vector<Ed2kFile> files() const { return {{md4(1), 1000}, {md4(2), 5'000'000'000}}; }

  using tcp = net::tcp;
  using udp = net::udp;
  net::asio::io_context io_;
  net::RateGate gate_;
  lab::Ed2kServerState server_;
  Endpoint tcp_, udp_;
  Ed2kAskConfig cfg_;
  Ed2kEvents events_;
  std::vector<EmuleObservation> seen_;
  std::vector<std::string> anomalies_;
};

TEST_F(Ed2kServerClient, RecordsEverySourceWithTheServerThatGaveIt) {
  auto r = run(ask_server_tcp(tcp_, files(), cfg_, gate_, events_));
  ASSERT_TRUE(test::is_ok(r));
  EXPECT_EQ(r.value().id->id, ed2k_id(ip("127.0.0.1"))) << "the HighID of the address we log in from";
  EXPECT_EQ(r.value().messages, std::vector<std::string>{"p2pscope lab server"});
  EXPECT_EQ(r.value().files_asked, 1u) << "the 5 GB file is skipped: the lab server announced no large files";
  EXPECT_EQ(r.value().files_skipped, 1u);
  EXPECT_EQ(r.value().files_answered, 1u);
  ASSERT_EQ(seen_.size(), 3u);
  std::set<std::string> peers;
  for (const auto& o : seen_) {
    EXPECT_EQ(o.via, Via::ed2k_server);
    EXPECT_EQ(o.source, tcp_);
    EXPECT_EQ(o.file, md4(1));
    EXPECT_TRUE(o.validate());
    peers.insert(o.low_id() ? "low:" + std::to_string(o.raw_id) : o.peer()->to_string());
  }
  EXPECT_TRUE(peers.contains("198.51.100.7:4662"));
  EXPECT_TRUE(peers.contains("198.51.100.8:4662"));
  EXPECT_EQ(std::count_if(seen_.begin(), seen_.end(), [](const auto& o) { return o.low_id() && !o.peer(); }), 1)
      << "a LowID is the server's handle: no address";
  EXPECT_TRUE(anomalies_.empty());
}

TEST_F(Ed2kServerClient, AsksTheServersCensusAndItsGlobalSourcesOverUdp) {
  auto r = run(ask_server_udp(udp_, files(), cfg_, gate_, events_));
  ASSERT_TRUE(test::is_ok(r));
  ASSERT_TRUE(r.value().status);
  EXPECT_EQ(r.value().status->users, 3u);
  EXPECT_EQ(r.value().status->files, 1u);
  EXPECT_EQ(r.value().status->low_id_users, 1u);
  EXPECT_EQ(r.value().files_asked, 2u) << "its UDP flags take files of 4 GiB or more";
  EXPECT_EQ(r.value().sources, 3u);
  ASSERT_EQ(seen_.size(), 3u);
  EXPECT_EQ(seen_[0].via, Via::ed2k_server_udp);
  EXPECT_EQ(seen_[0].source, udp_);
}

TEST_F(Ed2kServerClient, AServerThatIsNotThereFailsWithItsAddress) {
  Endpoint nobody{ip("127.0.0.1"), 1};
  auto r = run(ask_server_tcp(nobody, files(), cfg_, gate_, events_));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("ed2k server 127.0.0.1:1"), std::string::npos) << r.error().message();
  auto u = run(ask_server_udp(nobody, files(), cfg_, gate_, events_));
  ASSERT_TRUE(test::is_ok(u));
  EXPECT_FALSE(u.value().status);
  ASSERT_FALSE(anomalies_.empty());
  EXPECT_EQ(anomalies_.front(), "silent: no answer to a UDP status request");
}

// Hostile servers: each ends its own conversation, named as an anomaly.
class Ed2kServerHostile : public Ed2kServerClient {
 protected:
  std::vector<std::string> against(testlib::Ed2kServerMisbehaviour m) {
    auto acceptor = testlib::loopback_acceptor(io_);
    Endpoint at{ip("127.0.0.1"), acceptor.local_endpoint().port()};
    net::asio::co_spawn(io_, testlib::serve_hostile_ed2k_server(acceptor, m), net::asio::detached);
    cfg_.login_timeout = std::chrono::milliseconds(500);
    auto r = run(ask_server_tcp(at, files(), cfg_, gate_, events_));
    if (!r) anomalies_.push_back("failed: " + r.error().message());
    net::error_code ignored;
    acceptor.close(ignored);
    return anomalies_;
  }
};

TEST_F(Ed2kServerHostile, APackedFrameInflatingPastTheCapIsOversized) {
  auto got = against(testlib::Ed2kServerMisbehaviour::inflate_bomb);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.front(), "oversized: frame: input exceeds size limit") << got.front();
  EXPECT_TRUE(seen_.empty());
}

TEST_F(Ed2kServerHostile, ASourceCountThatLiesIsMalformed) {
  auto got = against(testlib::Ed2kServerMisbehaviour::lying_count);
  ASSERT_FALSE(got.empty());
  EXPECT_NE(got.front().find("malformed: FOUNDSOURCES"), std::string::npos) << got.front();
  EXPECT_TRUE(seen_.empty()) << "nothing of a list that lies is recorded";
}

TEST_F(Ed2kServerHostile, AHugeFrameHeaderEndsTheLogin) {
  auto got = against(testlib::Ed2kServerMisbehaviour::huge_frame);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_NE(got[0].find("oversized: login"), std::string::npos) << got[0];
  EXPECT_NE(got[1].find("failed: ed2k server 127.0.0.1"), std::string::npos) << got[1];
}

// Buffered frames come back without waiting: a stream of server messages
// must not hold the login open past its deadline.
TEST_F(Ed2kServerHostile, AServerThatChattersWithoutAnIdFailsAfterTheLoginTimeout) {
  auto got = against(testlib::Ed2kServerMisbehaviour::chatty);
  ASSERT_FALSE(got.empty());
  EXPECT_NE(got.back().find("no ID from the server"), std::string::npos) << got.back();
}

TEST_F(Ed2kServerHostile, AServerThatNeverAssignsAnIdFailsAfterTheLoginTimeout) {
  auto got = against(testlib::Ed2kServerMisbehaviour::never_id);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("no ID from the server"), std::string::npos) << got[0];
}

}  // namespace
}  // namespace p2pscope::crawler
