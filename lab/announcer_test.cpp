#include "lab/announcer.hpp"

#include "lab/tracker_server.hpp"
#include "tests/testlib/run_until.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace p2pscope::lab {
namespace {

IpAddress loopback6() { return IpAddress::parse("::1").value(); }
InfoHash torrent() { return InfoHash::from_bytes(std::string(20, 't')).value(); }

HttpAnnounceParams params(std::uint16_t port) {
  return {.info_hash = torrent(), .peer_id = PeerId::from_bytes(std::string(20, 'p')).value(), .port = port};
}

// A lab tracker's HTTP side on [::1] at a port the kernel picks.
class HttpAnnounce : public ::testing::Test {
 protected:
  explicit HttpAnnounce(bool poisoned = true) {
    TrackerConfig cfg;
    cfg.honour_ip = poisoned;
    state_.emplace(cfg, 1);
    tcp::acceptor acc(io_);
    error_code ec;
    listen_on(acc, {loopback6(), 0}, ec);
    EXPECT_FALSE(ec) << ec.message();
    tracker_ = {loopback6(), acc.local_endpoint().port()};
    asio::co_spawn(io_, serve_http(std::move(acc), *state_), asio::detached);
  }
  Result<HttpAnnounceResponse> announce(HttpAnnounceParams p) {
    return testlib::run_until_done(io_, http_announce(loopback6(), tracker_, std::move(p)));
  }
  asio::io_context io_;
  std::optional<TrackerState> state_;
  Endpoint tracker_;
};

TEST_F(HttpAnnounce, AFarmHeadPlantsAnIpv6FakeThroughBep7AtAPoisonedTracker) {
  auto fake = Endpoint::parse("[2a01:4f8:1:2::100]:6881").value();
  auto head = params(51413);
  head.ipv6 = fake.to_string();
  ASSERT_TRUE(announce(head));
  auto r = announce(params(7000));
  ASSERT_TRUE(r) << r.error().message();
  auto has = [&](const Endpoint& ep) {
    return std::any_of(r.value().peers.begin(), r.value().peers.end(), [&](const TrackerPeer& p) { return p.endpoint == ep; });
  };
  EXPECT_TRUE(has(fake)) << "listed at its ipv6= endpoint";
  EXPECT_TRUE(has({loopback6(), 51413})) << "and at the connection's address";
}

class HttpAnnounceHonest : public HttpAnnounce {
 protected:
  HttpAnnounceHonest() : HttpAnnounce(false) {}
};

TEST_F(HttpAnnounceHonest, AnHonestTrackerIgnoresTheBep7Address) {
  auto head = params(51413);
  head.ipv6 = "[2a01:4f8:1:2::100]:6881";
  ASSERT_TRUE(announce(head));
  auto r = announce(params(7000));
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r.value().peers.size(), 1u);
  EXPECT_EQ(r.value().peers[0].endpoint, (Endpoint{loopback6(), 51413}));
}

TEST_F(HttpAnnounce, NoTrackerListeningIsAnError) {
  tracker_.port = 1;  // privileged, and nothing of ours there
  EXPECT_FALSE(announce(params(7000)));
}

}  // namespace
}  // namespace p2pscope::lab
