// The crawler against hostile remotes on loopback: each misbehaviour ends
// that remote's flow with an anomaly naming it, within the limits.
#include "core/krpc.hpp"
#include "core/udp_tracker.hpp"
#include "crawler/dht_crawl.hpp"
#include "crawler/http_client.hpp"
#include "crawler/pex_session.hpp"
#include "crawler/udp_tracker_client.hpp"
#include "tests/testlib/fixtures.hpp"
#include "tests/testlib/hostile.hpp"
#include "tests/testlib/run_until.hpp"

#include <gtest/gtest.h>

namespace p2pscope::crawler {
namespace {

using namespace net;
using namespace std::chrono_literals;
using testlib::HttpMisbehaviour;
using testlib::PeerMisbehaviour;

// Runs aw on io until it completes; servers spawned on io are abandoned.
template <class T>
T run(asio::io_context& io, awaitable<T> aw) {
  return testlib::run_until_done(io, std::move(aw));
}

HttpLimits limits(std::function<void(HttpLimits&)> edit) {
  HttpLimits l;
  edit(l);
  return l;
}

struct Anomalies {
  std::vector<std::pair<AnomalyKind, std::string>> seen;
  bool has(AnomalyKind k) const {
    return std::any_of(seen.begin(), seen.end(), [k](const auto& a) { return a.first == k; });
  }
};

class HostileHttp : public ::testing::Test {
 protected:
  HttpOutcome fetch(HttpMisbehaviour m, HttpLimits lim, std::string body = {}) {
    auto a = testlib::loopback_acceptor(io_);
    auto url = "http://127.0.0.1:" + std::to_string(a.local_endpoint().port()) + "/announce?x=1";
    asio::co_spawn(io_, testlib::serve_hostile_http(a, m, std::move(body)), asio::detached);
    HttpClient client(io_.get_executor(), lim);
    return run(io_, client.get(url));
  }
  asio::io_context io_;
};

TEST_F(HostileHttp, EndlessBodyStopsAtTheCap) {
  auto out = fetch(HttpMisbehaviour::endless_body, limits([](auto& l) { l.max_body = 1 << 20; }));
  EXPECT_EQ(out.anomaly, AnomalyKind::oversized);
  EXPECT_LE(out.body.size(), std::size_t{1} << 20);
}

TEST_F(HostileHttp, TrickleIsCutOffBelowTheMinimumRate) {
  auto out = fetch(HttpMisbehaviour::trickle, limits([](auto& l) {
    l.min_rate = 256;
    l.min_rate_window = 1s;
  }));
  EXPECT_EQ(out.anomaly, AnomalyKind::slow) << out.error.value_or("");
}

// The defects below (issue 22): each ended the flow without an anomaly.
TEST_F(HostileHttp, TrickledHeaderIsASlowAnomaly) {
  auto out = fetch(HttpMisbehaviour::trickle_head, limits([](auto& l) {
    l.min_rate = 256;
    l.min_rate_window = 1s;
  }));
  EXPECT_EQ(out.anomaly, AnomalyKind::slow) << out.error.value_or("");
  EXPECT_EQ(out.status, 0) << "no whole header arrived";
}

TEST_F(HostileHttp, SilentServerIsASlowAnomaly) {
  auto out = fetch(HttpMisbehaviour::silent, limits([](auto& l) { l.timeout = 1s; }));
  EXPECT_EQ(out.anomaly, AnomalyKind::slow) << out.error.value_or("");
  EXPECT_NE(out.error.value_or("").find("connected"), std::string::npos) << out.error.value_or("");
}

TEST_F(HostileHttp, HugeHeaderIsOversizedNotOutOfMemory) {
  auto out = fetch(HttpMisbehaviour::huge_head, {});
  EXPECT_EQ(out.anomaly, AnomalyKind::oversized) << out.error.value_or("");
  EXPECT_EQ(out.error.value_or("").find("Out of memory"), std::string::npos) << out.error.value_or("");
}

TEST_F(HostileHttp, EarlyCloseIsAProtocolViolation) {
  auto out = fetch(HttpMisbehaviour::close_early, {});
  EXPECT_EQ(out.anomaly, AnomalyKind::protocol_violation) << out.error.value_or("");
}

TEST_F(HostileHttp, RedirectLoopEndsAtTheRedirectCap) {
  auto out = fetch(HttpMisbehaviour::redirect_loop, limits([](auto& l) { l.max_redirects = 3; }));
  EXPECT_EQ(out.anomaly, AnomalyKind::http_error) << out.error.value_or("");
}

TEST_F(HostileHttp, GzipBodyIsDecoded) {
  auto out = fetch(HttpMisbehaviour::gzip_body, {}, testlib::read_fixture("zeek_tracker_announce_body_gzip_encoded.gz"));
  EXPECT_FALSE(out.error) << *out.error;
  EXPECT_EQ(out.body, testlib::read_fixture("zeek_tracker_announce_body.bencode"));
}

TEST(HttpClient, TellsIpv6LiteralHostsApart) {
  EXPECT_TRUE(ipv6_literal_host("http://[2001:db8::1]:6969/announce"));
  EXPECT_FALSE(ipv6_literal_host("http://192.0.2.1:6969/announce"));
  EXPECT_FALSE(ipv6_literal_host("https://tracker.example/announce?x=[1]"));
  EXPECT_FALSE(ipv6_literal_host("no scheme"));
}

// With both local addresses set (a crawl's --bind and --bind6), an IPv6
// tracker is asked from the IPv6 one: curl takes one interface per transfer.
TEST_F(HostileHttp, AnIpv6TrackerIsAskedFromTheIpv6LocalAddress) {
  error_code ec;
  tcp::acceptor a(io_);
  a.open(tcp::v6(), ec);
  if (!ec) a.bind(tcp::endpoint(asio::ip::make_address("::1"), 0), ec);
  if (!ec) a.listen(16, ec);
  if (ec) GTEST_SKIP() << "no IPv6 loopback here: " << ec.message();
  auto url = "http://[::1]:" + std::to_string(a.local_endpoint().port()) + "/announce";
  asio::co_spawn(io_, testlib::serve_hostile_http(a, HttpMisbehaviour::gzip_body,
                                                  testlib::read_fixture("zeek_tracker_announce_body_gzip_encoded.gz")),
                 asio::detached);
  HttpClient client(io_.get_executor(), limits([](auto& l) {
    l.local = IpAddress::parse("127.0.0.1").value();
    l.local6 = IpAddress::parse("::1").value();
  }));
  auto out = run(io_, client.get(url));
  EXPECT_FALSE(out.error) << *out.error;
  EXPECT_EQ(out.body, testlib::read_fixture("zeek_tracker_announce_body.bencode"));
}

class HostilePeer : public ::testing::Test {
 protected:
  PexOutcome session(PeerMisbehaviour m, PexConfig cfg) {
    auto a = testlib::loopback_acceptor(io_);
    Endpoint peer{IpAddress::parse("127.0.0.1").value(), a.local_endpoint().port()};
    asio::co_spawn(io_, testlib::serve_hostile_peer(a, m), asio::detached);
    net::RateGate gate(net::Politeness{.per_ip_rate = 0, .global_rate = 0});
    PexEvents ev;
    ev.on_peer = [this](const PexPeer&) { ++peers_; };
    ev.on_hello = [this](PeerHello h) { hellos_.push_back(std::move(h)); };
    ev.on_anomaly = [this](AnomalyKind k, std::string d) { anomalies_.seen.emplace_back(k, std::move(d)); };
    auto ih = InfoHash::from_bytes(std::string(20, 'I')).value();
    return run(io_, pex_session(peer, ih, PeerId::from_bytes(std::string(20, 'P')).value(), cfg, gate, ev));
  }
  asio::io_context io_;
  std::size_t peers_ = 0;
  std::vector<PeerHello> hellos_;
  Anomalies anomalies_;
};

TEST_F(HostilePeer, LyingHandshakeIsRecordedAndEndsTheSession) {
  auto out = session(PeerMisbehaviour::wrong_infohash, {});
  EXPECT_EQ(out.end, PexEnd::wrong_torrent);
  EXPECT_TRUE(anomalies_.has(AnomalyKind::handshake_mismatch));
  EXPECT_EQ(peers_, 0u);
}

TEST_F(HostilePeer, PexFloodEndsAtTheMessageCap) {
  PexConfig cfg;
  cfg.max_messages = 20;
  auto out = session(PeerMisbehaviour::pex_flood, cfg);
  EXPECT_EQ(out.end, PexEnd::limit);
  EXPECT_TRUE(anomalies_.has(AnomalyKind::oversized));
  EXPECT_EQ(peers_, 20u * 50u);  // what came before the cap is kept
  ASSERT_EQ(hellos_.size(), 1u);
  EXPECT_EQ(hellos_[0].client, "Flooder 1.0");
  EXPECT_EQ(hellos_[0].extensions, std::vector<std::string>{"ut_pex"});
}

TEST_F(HostilePeer, AStalledHandshakeIsAnAnomaly) {
  PexConfig cfg;
  cfg.handshake_timeout = 500ms;
  auto out = session(PeerMisbehaviour::stalls, cfg);
  EXPECT_EQ(out.end, PexEnd::no_handshake);
  ASSERT_TRUE(anomalies_.has(AnomalyKind::slow));
  EXPECT_NE(anomalies_.seen.front().second.find("20 of 68"), std::string::npos) << anomalies_.seen.front().second;
}

class HostileUdp : public ::testing::Test {
 protected:
  // reply_from_elsewhere: the answers come from a second socket.
  Endpoint serve(testlib::UdpReply reply, bool reply_from_elsewhere = false) {
    socket_.emplace(testlib::loopback_udp(io_));
    if (reply_from_elsewhere) other_.emplace(testlib::loopback_udp(io_));
    asio::co_spawn(io_, testlib::serve_udp_replies(*socket_, std::move(reply), other_ ? &*other_ : nullptr),
                   asio::detached);
    return {IpAddress::parse("127.0.0.1").value(), socket_->local_endpoint().port()};
  }
  AnomalyFn record() {
    return [this](const Endpoint&, AnomalyKind k, std::string d) { anomalies_.seen.emplace_back(k, std::move(d)); };
  }
  asio::io_context io_;
  std::optional<udp::socket> socket_, other_;
  net::RateGate gate_{net::Politeness{.per_ip_rate = 0, .global_rate = 0}};
  Anomalies anomalies_;
};

// A BEP 15 tracker that hands out connection id 42 and counts connects.
std::optional<std::string> tiny_tracker(std::string_view d, int& connects) {
  auto req = decode_udp_tracker_request(d);
  if (!req) return std::nullopt;
  if (auto* c = std::get_if<UdpConnectRequest>(&req.value())) {
    ++connects;
    return encode_udp_tracker(UdpTrackerResponse{UdpConnectResponse{c->transaction_id, 42}});
  }
  if (auto* a = std::get_if<UdpAnnounceRequest>(&req.value())) {
    if (a->connection_id != 42) return encode_udp_tracker(UdpTrackerResponse{UdpErrorResponse{a->transaction_id, "bad id"}});
    UdpAnnounceResponse r{a->transaction_id, 1800, 1, 2, {Endpoint::parse("1.2.3.4:5").value()}};
    return encode_udp_tracker(UdpTrackerResponse{r});
  }
  return std::nullopt;
}

TEST_F(HostileUdp, UdpTrackerReusesItsConnectionId) {
  int connects = 0;
  auto at = serve([&](std::string_view d) { return tiny_tracker(d, connects); });
  UdpTrackerClient c(io_.get_executor(), at, IpAddress::v4(0x7f000001), {.first_wait = 500ms}, gate_, record());
  auto first = run(io_, c.announce({}));
  io_.restart();
  auto second = run(io_, c.announce({}));
  ASSERT_TRUE(first && second);
  EXPECT_EQ(second.value().peers, std::vector<Endpoint>{Endpoint::parse("1.2.3.4:5").value()});
  EXPECT_EQ(connects, 1);
}

TEST_F(HostileUdp, GarbageTrackerRepliesAreAnomaliesAndTimeOut) {
  auto at = serve([](std::string_view) { return std::string("\x00\x00\x00\x07garbage", 11); });
  UdpTrackerClient c(io_.get_executor(), at, IpAddress::v4(0x7f000001), {.first_wait = 200ms, .max_resends = 1}, gate_,
                     record());
  auto r = run(io_, c.announce({}));
  EXPECT_EQ(r.error(), std::errc::timed_out);
  EXPECT_TRUE(anomalies_.has(AnomalyKind::malformed));
}

TEST_F(HostileUdp, ASilentTrackerIsAnAnomaly) {
  auto at = serve([](std::string_view) { return std::nullopt; });
  UdpTrackerClient c(io_.get_executor(), at, IpAddress::v4(0x7f000001), {.first_wait = 100ms, .max_resends = 1}, gate_,
                     record());
  EXPECT_EQ(run(io_, c.announce({})).error(), std::errc::timed_out);
  ASSERT_EQ(anomalies_.seen.size(), 1u);
  EXPECT_EQ(anomalies_.seen[0].first, AnomalyKind::silent);
  EXPECT_NE(anomalies_.seen[0].second.find("2 BEP 15 requests"), std::string::npos) << anomalies_.seen[0].second;
}

TEST_F(HostileUdp, AReplyFromAnotherAddressIsUnsolicited) {
  int connects = 0;
  auto at = serve([&](std::string_view d) { return tiny_tracker(d, connects); }, true);
  UdpTrackerClient c(io_.get_executor(), at, IpAddress::v4(0x7f000001), {.first_wait = 100ms, .max_resends = 1}, gate_,
                     record());
  EXPECT_EQ(run(io_, c.announce({})).error(), std::errc::timed_out) << "the reply from elsewhere is not taken";
  EXPECT_TRUE(anomalies_.has(AnomalyKind::unsolicited));
  EXPECT_EQ(connects, 2);
}

TEST_F(HostileUdp, DhtNodeSendingThousandsOfNodesIsAnOversizedAnomaly) {
  auto at = serve([](std::string_view d) -> std::optional<std::string> {
    auto q = decode_krpc(d);
    if (!q) return std::nullopt;
    KrpcResponse r;
    r.transaction_id = std::get<KrpcQuery>(q.value()).transaction_id;
    r.id = NodeId::from_bytes(std::string(20, 'N')).value();
    for (std::uint32_t i = 0; i < 2000; ++i)
      r.nodes.push_back({NodeId::from_bytes(std::string(20, static_cast<char>(i))).value(), {IpAddress::v4(0x0b000000u + i), 1}});
    return encode_krpc(r);
  });
  KrpcConfig cfg;
  cfg.timeout = 300ms;
  cfg.bind_v4 = IpAddress::v4(0x7f000001);
  auto client = KrpcClient::open(io_.get_executor(), cfg, gate_, record());
  ASSERT_TRUE(client);
  // (The lookup itself would never ask a loopback node: they are special-purpose.)
  KrpcQuery q;
  q.method_name = "get_peers";
  q.info_hash = InfoHash::from_bytes(std::string(20, 'I')).value();
  auto r = run(io_, client.value()->query(at, q));
  EXPECT_EQ(r.error(), std::errc::timed_out);
  EXPECT_TRUE(anomalies_.has(AnomalyKind::oversized));
  EXPECT_EQ(client.value()->stats().dropped, 1u);
}

}  // namespace
}  // namespace p2pscope::crawler
