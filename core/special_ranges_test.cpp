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

// Each entry's parsed network is its CIDR text, with no host bits set past
// its length (a network address contains itself whatever its bits, so that
// check proved nothing), and classify() finds it or an entry nested in it.
TEST(SpecialRanges, EveryEntryIsAProperNetworkAndClassifiesAsItself) {
  std::size_t checked = 0;
  for (const auto& r : special_ranges()) {
    auto slash = r.prefix.find('/');
    ASSERT_NE(slash, std::string_view::npos) << r.prefix;
    EXPECT_EQ(IpAddress::parse(r.prefix.substr(0, slash)).value(), r.network) << r.prefix;
    EXPECT_EQ(std::to_string(r.length), r.prefix.substr(slash + 1)) << r.prefix;
    const auto* bytes = r.network.data();
    int width = r.network.is_v4() ? 32 : 128;
    ASSERT_GE(r.length, 0);
    ASSERT_LE(r.length, width);
    for (int bit = r.length; bit < width; ++bit)
      EXPECT_EQ((bytes[bit / 8] >> (7 - bit % 8)) & 1, 0) << r.prefix << ": host bit " << bit << " is set";
    const auto* found = classify(r.network);
    ASSERT_NE(found, nullptr) << r.prefix;
    EXPECT_GE(found->length, r.length) << r.prefix << " classified as the wider " << found->prefix;
    ++checked;
  }
  EXPECT_GE(checked, 40u) << "the IPv4 and IPv6 registries together";
}

}  // namespace
}  // namespace p2pscope
