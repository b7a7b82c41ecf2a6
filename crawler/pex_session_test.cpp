// Which carrier a PEX session takes, against peers on loopback: a uTP-only
// one (tests/testlib/utp_peer.hpp) and a TCP one.
#include "crawler/pex_session.hpp"

#include "core/utp.hpp"
#include "tests/testlib/hostile.hpp"
#include "tests/testlib/utp_peer.hpp"

#include <gtest/gtest.h>

#include <deque>

namespace p2pscope::crawler {
namespace {

using namespace net;
using namespace std::chrono_literals;

const InfoHash kTorrent = InfoHash::from_bytes(std::string(20, 'T')).value();

PexPeer pex_peer(const char* ep, std::uint8_t flags) {
  return {Endpoint::parse(ep).value(), PexFlags::from_bits(flags)};
}

class PexCarrier : public ::testing::Test {
 protected:
  // A uTP-only peer; its UDP port has a TCP socket bound but not listening,
  // so TCP connects there are refused at once, or (tcp_hangs_up) a TCP
  // listener that takes the connection and closes it without a byte, as
  // libtorrent does with incoming TCP turned off.
  Endpoint utp_only_peer(std::vector<PexPeer> pex, bool tcp_hangs_up = false) {
    auto& p = ports_.emplace_back(testlib::loopback_utp_only(io_, tcp_hangs_up ? testlib::TcpSide::listen : testlib::TcpSide::refuse));
    servers_.push_back(p.mux);
    asio::co_spawn(io_, testlib::serve_utp_pex_peer(p.mux, kTorrent, std::move(pex)), asio::detached);
    if (tcp_hangs_up) asio::co_spawn(io_, testlib::serve_honest_peer(*p.listening, InfoHash{}), asio::detached);
    return p.endpoint();
  }
  PexOutcome session(Endpoint peer, CarrierOrder order, bool with_utp = true, StopSignal* stop = nullptr) {
    UtpMuxes utp;
    if (with_utp) utp.v4 = UtpMux::open(io_.get_executor(), {IpAddress::parse("127.0.0.1").value(), 0}).value();
    PexConfig cfg;
    cfg.connect_timeout = 2s;
    cfg.hold = hold_.value_or(stop ? 30s : 1s);
    cfg.until = until_;
    cfg.hung_up_retry = retry_;
    PexEvents ev;
    ev.on_peer = [this](const PexPeer& p) { peers_.push_back(p); };
    ev.on_hello = [this](PeerHello h) { hellos_.push_back(std::move(h)); };
    ev.on_anomaly = [this](AnomalyKind, std::string d) { anomalies_.push_back(std::move(d)); };
    std::optional<PexOutcome> out;
    asio::co_spawn(io_, [&]() -> awaitable<void> {
      out = co_await pex_session(peer, kTorrent, PeerId::from_bytes(std::string(20, 'P')).value(), cfg, gate_, ev,
                                 PexRoute{stop, &utp, order});
      if (utp.v4) utp.v4->close();
      for (auto& s : servers_) s->close();
      io_.stop();
    }, asio::detached);
    io_.run_for(20s);
    EXPECT_TRUE(out) << "the session did not end";
    return out.value_or(PexOutcome{});
  }

  // Names `n` made-up peers, as one ut_pex message.
  static std::vector<PexPeer> many(std::size_t n) {
    std::vector<PexPeer> out;
    for (std::size_t i = 0; i < n; ++i)
      out.push_back({{IpAddress::v4(0x0B000000u + static_cast<std::uint32_t>(i) + 1), 6881}, PexFlags{}});
    return out;
  }

  // A TCP peer for kTorrent that takes its first connection and closes it
  // without a byte, as libtorrent does with a second connection from one
  // address; then an honest peer.
  Endpoint hangs_up_once() {
    auto& a = acceptors_.emplace_back(testlib::loopback_acceptor(io_));
    asio::co_spawn(io_, [&a]() -> awaitable<void> {
      error_code ec;
      auto first = co_await a.async_accept(use_ec(ec));
      first.close(ec);
      co_await testlib::serve_honest_peer(a, kTorrent);
    }, asio::detached);
    return {IpAddress::parse("127.0.0.1").value(), a.local_endpoint().port()};
  }

  std::optional<std::chrono::milliseconds> hold_;
  std::chrono::milliseconds retry_{200};
  PexUntil until_ = PexUntil::hold;
  asio::io_context io_;
  std::deque<tcp::acceptor> acceptors_;  // after io_: destroyed before it
  RateGate gate_{Politeness{.per_ip_rate = 0, .global_rate = 0}};
  std::vector<std::shared_ptr<UtpMux>> servers_;
  std::deque<testlib::UtpOnlyPort> ports_;
  std::vector<PexPeer> peers_;
  std::vector<PeerHello> hellos_;
  std::vector<std::string> anomalies_;
};

TEST_F(PexCarrier, APeerWhosePexFlagsSayUtpIsAskedOverUtpFirst) {
  auto peer = utp_only_peer({pex_peer("11.0.0.1:6881", 0x04)});
  auto out = session(peer, CarrierOrder::utp_first);
  EXPECT_EQ(out.carrier, Carrier::utp);
  EXPECT_FALSE(out.fell_back);
  EXPECT_EQ(out.end, PexEnd::held) << "it stayed until the hold time";
  ASSERT_EQ(peers_.size(), 1u);
  EXPECT_EQ(peers_[0], pex_peer("11.0.0.1:6881", 0x04));
  ASSERT_EQ(hellos_.size(), 1u);
  EXPECT_EQ(hellos_[0].carrier, Carrier::utp);
  EXPECT_EQ(hellos_[0].client, "uTP-only test peer");
}

TEST_F(PexCarrier, AMessageUnderTheCapEndsAWholeViewSessionBeforeTheHoldTime) {
  auto peer = utp_only_peer(many(kWholeViewBelow - 1));
  hold_ = 30s;
  until_ = PexUntil::whole_view;
  auto began = std::chrono::steady_clock::now();
  auto out = session(peer, CarrierOrder::utp_first);
  EXPECT_EQ(out.end, PexEnd::whole_view);
  EXPECT_LT(std::chrono::steady_clock::now() - began, 20s) << "held for the hold time";
  EXPECT_EQ(peers_.size(), kWholeViewBelow - 1);
}

TEST_F(PexCarrier, AFullMessageKeepsAWholeViewSessionOpen) {
  auto peer = utp_only_peer(many(kWholeViewBelow));
  hold_ = 2s;
  until_ = PexUntil::whole_view;
  auto out = session(peer, CarrierOrder::utp_first);
  EXPECT_EQ(out.end, PexEnd::held) << "a message at the cap may have more behind it";
  EXPECT_EQ(peers_.size(), kWholeViewBelow);
}

TEST_F(PexCarrier, AStopEndsAUtpSessionAtOnce) {
  auto peer = utp_only_peer({pex_peer("11.0.0.4:6881", 0x04)});
  StopSignal stop;
  asio::steady_timer t(io_, 300ms);
  t.async_wait([&](const error_code&) { stop.request("test"); });
  auto out = session(peer, CarrierOrder::utp_first, true, &stop);
  EXPECT_EQ(out.end, PexEnd::stopped) << "not held for its 30 s";
  EXPECT_EQ(peers_.size(), 1u);
}

TEST_F(PexCarrier, ARefusedTcpConnectFallsBackToUtp) {
  auto peer = utp_only_peer({pex_peer("11.0.0.2:6881", 0)});
  auto out = session(peer, CarrierOrder::tcp_first);
  EXPECT_EQ(out.carrier, Carrier::utp);
  EXPECT_TRUE(out.fell_back);
  EXPECT_EQ(peers_.size(), 1u);
  EXPECT_TRUE(anomalies_.empty()) << anomalies_.front();
}

TEST_F(PexCarrier, ATcpListenerThatHangsUpAtOnceIsTriedOverUtp) {
  auto peer = utp_only_peer({pex_peer("11.0.0.5:6881", 0)}, true);
  auto out = session(peer, CarrierOrder::tcp_first);
  EXPECT_EQ(out.carrier, Carrier::utp);
  EXPECT_TRUE(out.fell_back);
  EXPECT_EQ(peers_.size(), 1u);
}

TEST_F(PexCarrier, WithoutAUtpMuxAUtpOnlyPeerIsUnreachable) {
  auto peer = utp_only_peer({pex_peer("11.0.0.3:6881", 0)});
  auto out = session(peer, CarrierOrder::utp_first, false);
  EXPECT_EQ(out.end, PexEnd::unreachable);
  EXPECT_FALSE(out.carrier);
  EXPECT_TRUE(peers_.empty());
}

TEST_F(PexCarrier, ATcpPeerIsAskedOverTcpAndUtpIsNotTried) {
  auto a = testlib::loopback_acceptor(io_);
  asio::co_spawn(io_, testlib::serve_honest_peer(a, kTorrent), asio::detached);
  auto out = session({IpAddress::parse("127.0.0.1").value(), a.local_endpoint().port()}, CarrierOrder::tcp_first);
  EXPECT_EQ(out.carrier, Carrier::tcp);
  EXPECT_FALSE(out.fell_back);
  EXPECT_EQ(out.end, PexEnd::no_pex) << "the honest test peer never sends an extended handshake";
}

TEST_F(PexCarrier, APeerThatHungUpAtOnceIsAskedAgainAfterThePause) {
  auto out = session(hangs_up_once(), CarrierOrder::tcp_first, false);
  EXPECT_TRUE(out.asked_again);
  EXPECT_EQ(out.carrier, Carrier::tcp);
  EXPECT_EQ(out.end, PexEnd::no_pex) << "the second connection got the honest peer's handshake";
}

TEST_F(PexCarrier, WithoutAPauseAPeerThatHungUpAtOnceIsNotAskedAgain) {
  retry_ = 0ms;
  auto out = session(hangs_up_once(), CarrierOrder::tcp_first, false);
  EXPECT_FALSE(out.asked_again);
  EXPECT_EQ(out.end, PexEnd::no_handshake);
}

TEST_F(PexCarrier, APeerAnsweringOnNeitherCarrierIsUnreachableAfterBoth) {
  // A bound UDP port that never answers, and a TCP port bound to refuse.
  auto [silent, refusing] = testlib::loopback_silent_port(io_);
  Endpoint at = from_asio(silent.local_endpoint());
  auto out = session(at, CarrierOrder::tcp_first);
  EXPECT_EQ(out.end, PexEnd::unreachable);
  EXPECT_FALSE(out.carrier);
  std::string got(64, '\0');
  error_code ec;
  silent.non_blocking(true);
  auto n = silent.receive(asio::buffer(got), 0, ec);
  ASSERT_FALSE(ec) << "no uTP SYN reached the UDP port: " << ec.message();
  auto syn = decode_utp(std::string_view(got).substr(0, n));
  ASSERT_TRUE(syn);
  EXPECT_EQ(syn.value().type, UtpType::syn);
}

}  // namespace
}  // namespace p2pscope::crawler
