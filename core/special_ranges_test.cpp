#include "core/special_ranges.hpp"

#include <gtest/gtest.h>

namespace p2pscope {
namespace {

std::string_view prefix_of(std::string_view text) {
  const auto* r = classify(IpAddress::parse(text).value());
  return r ? r->prefix : std::string_view("none");
}

bool bogon(std::string_view text) { return is_bogon(IpAddress::parse(text).value()); }

TEST(SpecialRanges, NamesTheMostSpecificRange) {
  EXPECT_EQ(prefix_of("10.1.2.3"), "10.0.0.0/8");
  EXPECT_EQ(prefix_of("100.64.0.1"), "100.64.0.0/10");
  EXPECT_EQ(prefix_of("100.128.0.1"), "none");  // just past the CGN /10
  EXPECT_EQ(prefix_of("0.0.0.0"), "0.0.0.0/32");
  EXPECT_EQ(prefix_of("0.1.2.3"), "0.0.0.0/8");
  EXPECT_EQ(prefix_of("192.0.0.9"), "192.0.0.9/32");
  EXPECT_EQ(prefix_of("192.0.0.100"), "192.0.0.0/24");
  EXPECT_EQ(prefix_of("198.19.255.255"), "198.18.0.0/15");
  EXPECT_EQ(prefix_of("239.1.1.1"), "224.0.0.0/4");
  EXPECT_EQ(prefix_of("255.255.255.255"), "255.255.255.255/32");
  EXPECT_EQ(prefix_of("8.8.8.8"), "none");
  EXPECT_EQ(prefix_of("2001:db8::5"), "2001:db8::/32");
  EXPECT_EQ(prefix_of("2001:1::1"), "2001:1::1/128");
  EXPECT_EQ(prefix_of("2001:0:1::1"), "2001::/32");
  EXPECT_EQ(prefix_of("::ffff:8.8.8.8"), "::ffff:0:0/96");
  EXPECT_EQ(prefix_of("fd00::1"), "fc00::/7");
  EXPECT_EQ(prefix_of("4000::1"), "4000::/2");
  EXPECT_EQ(prefix_of("2a00:1450::1"), "none");
}

TEST(SpecialRanges, ExplainsWhy) {
  const auto* r = classify(IpAddress::parse("203.0.113.7").value());
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->kind, RangeKind::documentation);
  EXPECT_EQ(r->rfc, "RFC 5737");
  EXPECT_EQ(r->reachable, Reachability::not_reachable);
}

TEST(SpecialRanges, BogonFollowsReachabilityNotMembership) {
  EXPECT_TRUE(bogon("192.168.1.1"));
  EXPECT_TRUE(bogon("127.0.0.1"));
  EXPECT_TRUE(bogon("224.0.0.1"));         // multicast cannot be a TCP peer
  EXPECT_TRUE(bogon("2001:10::1"));        // deprecated ORCHID
  EXPECT_FALSE(bogon("192.31.196.1"));     // AS112 is globally reachable
  EXPECT_FALSE(bogon("2001:0:4136::1"));   // Teredo peers are real
  EXPECT_FALSE(bogon("2002:102:304::1"));  // 6to4 likewise
  EXPECT_FALSE(bogon("1.2.3.4"));
}

TEST(SpecialRanges, EveryEntryContainsItsOwnNetwork) {
  for (const auto& r : special_ranges()) {
    EXPECT_TRUE(in_prefix(r.network, r.network, r.length)) << r.prefix;
    EXPECT_NE(classify(r.network), nullptr) << r.prefix;
  }
}

}  // namespace
}  // namespace p2pscope
