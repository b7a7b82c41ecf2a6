#include "crawler/tracker_client.hpp"

#include "core/http_tracker.hpp"
#include "crawler/crawl.hpp"
#include "lab/tracker_server.hpp"
#include "tests/testlib/memory_sink.hpp"
#include "tests/testlib/run_until.hpp"
#include "tests/testlib/table_resolver.hpp"

#include <gtest/gtest.h>

#include <random>

namespace p2pscope::crawler {
namespace {

using namespace net;
using namespace std::chrono_literals;

IpAddress ip(const char* text) { return IpAddress::parse(text).value(); }
Endpoint endpoint(const char* text) { return Endpoint::parse(text).value(); }
InfoHash torrent() { return InfoHash::from_bytes(std::string(20, 't')).value(); }

std::vector<TrackerPath> paths_of(const std::string& url, Ipv6Routes ipv6) {
  asio::io_context io;
  testlib::TableResolver names({{"dual.test", {ip("2001:db8::9"), ip("23.0.0.9"), ip("23.0.0.10")}},
                                {"six.test", {ip("2001:db8::9")}}});
  auto r = testlib::run_until_done(io, tracker_paths(parse_tracker_url(url).value(), names, ipv6));
  EXPECT_TRUE(r) << url << ": " << r.error().message();
  return r ? r.value() : std::vector<TrackerPath>{};
}

TEST(TrackerPaths, ANameWithBothFamiliesIsAskedOverEachIpv4First) {
  EXPECT_EQ(paths_of("udp://dual.test:6969", Ipv6Routes::on),
            (std::vector<TrackerPath>{{ip("23.0.0.9")}, {ip("2001:db8::9")}}));
  EXPECT_EQ(paths_of("http://dual.test/announce", Ipv6Routes::off), (std::vector<TrackerPath>{{ip("23.0.0.9")}}));
}

TEST(TrackerPaths, ALiteralIsItsOwnPathAndAnIpv6OnlyNameHasNoneWithIpv6Off) {
  EXPECT_EQ(paths_of("http://[2001:db8::1]:80/announce", Ipv6Routes::on), (std::vector<TrackerPath>{{ip("2001:db8::1")}}));
  EXPECT_TRUE(paths_of("udp://six.test:6969", Ipv6Routes::off).empty());
  EXPECT_EQ(paths_of("udp://six.test:6969", Ipv6Routes::on).size(), 1u);
}

TEST(TrackerPaths, AnUnknownNameIsAnError) {
  asio::io_context io;
  testlib::TableResolver names({});
  auto r = testlib::run_until_done(io, tracker_paths(parse_tracker_url("udp://nowhere.test:1").value(), names, Ipv6Routes::on));
  EXPECT_EQ(r.error(), static_cast<std::error_code>(error_code(asio::error::host_not_found)));
}

// A lab tracker serving HTTP and UDP on 127.0.0.1 and ::1 at one port, so a
// URL naming "tracker.test" can be asked over either family.
class DualStackTracker : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937 rng(std::random_device{}());
    for (int attempt = 0; attempt < 20 && !port_; ++attempt) {
      auto p = static_cast<std::uint16_t>(20000 + rng() % 40000);
      asio::io_context probe;
      lab::TrackerState scratch({}, 1);
      if (lab::serve_tracker(probe, {ip("127.0.0.1"), p}, scratch, 1) &&
          lab::serve_tracker(probe, {ip("::1"), p}, scratch, 1))
        port_ = p;
    }
    if (!port_) GTEST_SKIP() << "no port free on both 127.0.0.1 and ::1 (or no IPv6 loopback)";
    ASSERT_TRUE(lab::serve_tracker(io_, {ip("127.0.0.1"), port_}, state_, 7));
    ASSERT_TRUE(lab::serve_tracker(io_, {ip("::1"), port_}, state_, 7));
    for (const char* peer : {"23.0.0.1:6881", "[2001:db8::1]:6881"})
      ASSERT_TRUE(state_.announce({torrent(), endpoint(peer), true, AnnounceEvent::started, -1, {}}, lab::TrackerState::Clock::now()));
  }

  Result<TrackerReply> announce(const std::string& scheme, const char* server) {
    auto url = scheme + "://tracker.test:" + std::to_string(port_) + (scheme == "udp" ? "" : "/announce");
    TrackerClient c(io_.get_executor(), url, {ip(server)}, ip("127.0.0.1"), ip("::1"), http_, gate_,
                    {.first_wait = 1s, .max_resends = 1}, [](auto&&...) {});
    TrackerAnnounce a{torrent(), PeerId::from_bytes(std::string(20, 'p')).value(), 6881, 50, AnnounceEvent::started, 1};
    auto r = testlib::run_until_done(io_, c.announce(a));
    EXPECT_TRUE(r) << url << " at " << server << ": " << c.last_error();
    return r;
  }

  asio::io_context io_;
  std::uint16_t port_ = 0;
  lab::TrackerState state_{{}, 1};
  RateGate gate_{Politeness{.per_ip_rate = 0, .global_rate = 0}};
  HttpClient http_{io_.get_executor(), HttpLimits{}};
};

// BEP 15 answers with the asking family's peers only: each path brings its own.
TEST_F(DualStackTracker, UdpAskedAtEachFamilysAddressGivesThatFamilysPeers) {
  auto v4 = announce("udp", "127.0.0.1");
  auto v6 = announce("udp", "::1");
  ASSERT_TRUE(v4 && v6);
  EXPECT_EQ(v4.value().peers, std::vector<Endpoint>{endpoint("23.0.0.1:6881")});
  EXPECT_EQ(v6.value().peers, std::vector<Endpoint>{endpoint("[2001:db8::1]:6881")});
  EXPECT_EQ(v6.value().address, (Endpoint{ip("::1"), port_}));
}

// "tracker.test" resolves nowhere but through the path: curl is pinned to it,
// and the reply names the address that answered.
TEST_F(DualStackTracker, HttpIsAskedAtThePathsAddressUnderTheUrlsName) {
  for (const char* server : {"127.0.0.1", "::1"}) {
    auto r = announce("http", server);
    ASSERT_TRUE(r);
    EXPECT_EQ(r.value().address, (Endpoint{ip(server), port_}));
    for (const char* peer : {"23.0.0.1:6881", "[2001:db8::1]:6881"})
      EXPECT_EQ(std::count(r.value().peers.begin(), r.value().peers.end(), endpoint(peer)), 1) << peer;
  }
}

// A tracker honouring BEP 7 lists whoever announces at the ipv6= address it
// names: the way a made-up IPv6 peer gets planted over IPv4.
TEST_F(DualStackTracker, AHonouringTrackerListsTheIpv6AddressAnIpv4AnnounceNames) {
  lab::TrackerConfig cfg;
  cfg.honour_ip = true;
  state_ = lab::TrackerState(cfg, 1);
  HttpAnnounceParams p;
  p.info_hash = torrent();
  p.peer_id = PeerId::from_bytes(std::string(20, 'v')).value();
  p.port = 7000;
  p.ipv6 = "[2001:db8::66]:51413";
  auto base = "http://127.0.0.1:" + std::to_string(port_) + "/announce";
  auto planted = testlib::run_until_done(io_, http_.get(announce_url(base, p)));
  ASSERT_FALSE(planted.error) << *planted.error;
  auto r = announce("http", "127.0.0.1");
  ASSERT_TRUE(r);
  EXPECT_EQ(std::count(r.value().peers.begin(), r.value().peers.end(), endpoint("[2001:db8::66]:51413")), 1);
  EXPECT_EQ(std::count(r.value().peers.begin(), r.value().peers.end(), endpoint("127.0.0.1:7000")), 1);
}

// The whole crawl: one URL whose name has both families becomes two
// announce loops, and the peers of both are recorded under the one URL.
TEST_F(DualStackTracker, ACrawlAsksANamedTrackerOverBothFamiliesUnderOneSource) {
  CrawlConfig cfg;
  cfg.use_dht = cfg.use_pex = cfg.scrape = false;
  cfg.stable_for = 1s;
  cfg.max_duration = 20s;
  cfg.bind_v4 = ip("127.0.0.1");
  cfg.bind_v6 = ip("::1");
  cfg.politeness = {.per_ip_rate = 0, .global_rate = 0};
  cfg.resolver = std::make_shared<testlib::TableResolver>(
      std::map<std::string, std::vector<IpAddress>>{{"tracker.test", {ip("::1"), ip("127.0.0.1")}}});
  auto url = "udp://tracker.test:" + std::to_string(port_);
  Target t;
  t.info_hash = torrent();
  t.trackers = {url, "udp://unknown.test:1"};
  testlib::MemorySink sink;
  Crawler crawler(io_, cfg, {t}, sink);
  auto summary = crawler.run();
  ASSERT_TRUE(summary) << summary.error().message();
  EXPECT_EQ(summary.value().tracker_paths_v4, 1u);
  EXPECT_EQ(summary.value().tracker_paths_v6, 1u);
  std::set<Endpoint> seen;
  for (const auto& o : sink.of<Observation>()) {
    EXPECT_EQ(o.source_url, url);
    seen.insert(o.peer);
  }
  EXPECT_EQ(seen, (std::set<Endpoint>{endpoint("23.0.0.1:6881"), endpoint("[2001:db8::1]:6881")}));
  ASSERT_EQ(summary.value().warnings.size(), 1u);
  EXPECT_NE(summary.value().warnings[0].find("cannot resolve unknown.test"), std::string::npos) << summary.value().warnings[0];
}

}  // namespace
}  // namespace p2pscope::crawler
