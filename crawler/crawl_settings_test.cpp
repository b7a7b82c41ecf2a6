#include "crawler/crawl_settings.hpp"

#include "tests/testlib/status.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace p2pscope::crawler {
namespace {

using nlohmann::json;

CrawlSettings every_field_set() {
  CrawlSettings s;
  s.quick = true;
  s.trackers = {"udp://t.example:6969/announce"};
  s.bootstrap = {"router.example:6881"};
  s.ed2k_servers = {"198.51.100.1:4661"};
  s.kad_nodes = {"198.51.100.2:4672"};
  s.ipv6 = s.no_ipv6 = s.no_trackers = s.no_dht = s.no_pex = s.no_scrape = s.no_sx = s.no_utp = true;
  s.sample_infohashes = true;
  s.bind = "192.0.2.1";
  s.bind6 = "2001:db8::1";
  s.pex_until = "whole-view";
  int n = 0;
  for (auto* field : {&s.requery, &s.stable_for, &s.max_duration, &s.pex_hold, &s.numwant, &s.max_sessions,
                      &s.max_lookups, &s.port})
    *field = ++n;
  s.per_ip_rate = 0.5;
  s.global_rate = 9.25;
  return s;
}

// Every field written and read back: a field added to CrawlSettings but not
// to the JSON table makes this fail.
TEST(CrawlSettings, EveryFieldRoundTripsThroughJson) {
  auto s = every_field_set();
  auto j = to_json(s);
  EXPECT_EQ(j.size(), 27u) << j.dump();
  auto back = crawl_settings_from_json(j);
  ASSERT_TRUE(test::is_ok(back));
  EXPECT_EQ(back.value(), s);
  EXPECT_EQ(to_json(CrawlSettings{}), json::object()) << "defaults are not written";
}

TEST(CrawlSettings, UnknownKeysAndWrongTypesAreRefusedByName) {
  auto unknown = crawl_settings_from_json(json{{"max_durration", 5}});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message().find("max_durration"), std::string::npos) << unknown.error();
  for (const auto& [key, value] : {std::pair{"quick", json("yes")}, std::pair{"port", json(-1)},
                                   std::pair{"trackers", json{1, 2}}, std::pair{"per_ip_rate", json(-0.5)}}) {
    auto r = crawl_settings_from_json(json{{key, value}});
    ASSERT_FALSE(r) << key;
    EXPECT_EQ(r.error(), errc::bad_value);
    EXPECT_NE(r.error().message().find(key), std::string::npos) << r.error();
  }
  EXPECT_FALSE(crawl_settings_from_json(json::array()));
}

TEST(CrawlSettings, ConfigStartsFromTheProfileAndAppliesWhatIsSet) {
  CrawlSettings s;
  s.quick = true;
  s.max_duration = 42;
  s.ipv6 = true;
  auto c = make_config(s, "run-1");
  ASSERT_TRUE(test::is_ok(c));
  EXPECT_EQ(c.value().requery, CrawlConfig::quick().requery);
  EXPECT_EQ(c.value().max_duration, std::chrono::seconds(42));
  EXPECT_TRUE(c.value().bind_v6) << "--ipv6 binds to any local IPv6 address";
  EXPECT_EQ(c.value().run_id, "run-1");
  EXPECT_EQ(make_config({}, "r").value().stable_for, CrawlConfig{}.stable_for);
  EXPECT_EQ(c.value().pex.until, PexUntil::whole_view) << "the quick profile's";
  EXPECT_EQ(make_config({}, "r").value().pex.until, PexUntil::hold);
  s.pex_until = "hold";
  EXPECT_EQ(make_config(s, "r").value().pex.until, PexUntil::hold) << "the flag over the profile";
}

TEST(CrawlSettings, ConfigNamesTheFlagWithABadValue) {
  auto with = [](auto edit) {
    CrawlSettings s;
    edit(s);
    auto c = make_config(s, "r");
    return c ? std::string() : c.error().message();
  };
  EXPECT_NE(with([](CrawlSettings& s) { s.bootstrap = {"no-port"}; }).find("--bootstrap"), std::string::npos);
  EXPECT_NE(with([](CrawlSettings& s) { s.trackers = {"gopher://x"}; }).find("--tracker"), std::string::npos);
  EXPECT_NE(with([](CrawlSettings& s) { s.pex_until = "forever"; }).find("--pex-until"), std::string::npos);
  EXPECT_NE(with([](CrawlSettings& s) { s.bind = "2001:db8::1"; }).find("--bind "), std::string::npos);
  EXPECT_NE(with([](CrawlSettings& s) { s.bind6 = "192.0.2.1"; }).find("--bind6"), std::string::npos);
  EXPECT_NE(with([](CrawlSettings& s) { s.port = 70000; }).find("--port"), std::string::npos);
  EXPECT_NE(with([](CrawlSettings& s) { s.ipv6 = s.no_ipv6 = true; }).find("--no-ipv6 with --ipv6"), std::string::npos);
  EXPECT_NE(with([](CrawlSettings& s) { s.no_ipv6 = true; s.bind6 = "2001:db8::1"; }).find("--bind6"), std::string::npos);
}

TEST(CrawlSettings, Ipv6IsOnWhenTheHostHasARouteUnlessTurnedOff) {
  CrawlSettings s;
  EXPECT_TRUE(make_config(s, "r", net::HostIpv6::routed).value().bind_v6);
  EXPECT_FALSE(make_config(s, "r", net::HostIpv6::unrouted).value().bind_v6);
  s.no_ipv6 = true;
  EXPECT_FALSE(make_config(s, "r", net::HostIpv6::routed).value().bind_v6);
  CrawlSettings forced;
  forced.ipv6 = true;
  EXPECT_TRUE(make_config(forced, "r", net::HostIpv6::unrouted).value().bind_v6);
  CrawlSettings bound;
  bound.bind6 = "2001:db8::1";
  EXPECT_EQ(make_config(bound, "r", net::HostIpv6::unrouted).value().bind_v6, IpAddress::parse("2001:db8::1").value());
}

}  // namespace
}  // namespace p2pscope::crawler
