#include "core/ip_range.hpp"

#include <gtest/gtest.h>

namespace p2pscope {
namespace {

IpAddress ip(const char* s) { return IpAddress::parse(s).value(); }
IpRange range(const char* a, const char* b, std::string label = {}) { return make_range(ip(a), ip(b), label).value(); }
std::vector<std::string> texts(const std::vector<Cidr>& cs) {
  std::vector<std::string> out;
  for (const auto& c : cs) out.push_back(c.to_string());
  return out;
}

TEST(IpRange, ParsesCidrsAndRejectsHostBitsAndJunk) {
  EXPECT_EQ(parse_cidr("1.2.3.0/24").value().to_string(), "1.2.3.0/24");
  EXPECT_EQ(parse_cidr("1.2.3.4").value().length, 32);
  EXPECT_EQ(parse_cidr("2001:db8::/32").value().to_string(), "2001:db8::/32");
  EXPECT_EQ(parse_cidr("::/0").value().length, 0);
  for (const char* bad : {"1.2.3.4/24", "1.2.3.0/33", "1.2.3.0/", "1.2.3.0/2x", "2001:db8::/129", "x/8", ""})
    EXPECT_FALSE(parse_cidr(bad)) << bad;
  EXPECT_FALSE(make_range(ip("1.2.3.9"), ip("1.2.3.1")));
  EXPECT_FALSE(make_range(ip("1.2.3.1"), ip("::1")));
}

TEST(IpRange, CutsARangeIntoTheFewestCidrs) {
  EXPECT_EQ(texts(to_cidrs(range("1.2.3.0", "1.2.3.255"))), (std::vector<std::string>{"1.2.3.0/24"}));
  EXPECT_EQ(texts(to_cidrs(range("1.2.3.1", "1.2.3.6"))),
            (std::vector<std::string>{"1.2.3.1/32", "1.2.3.2/31", "1.2.3.4/31", "1.2.3.6/32"}));
  EXPECT_EQ(texts(to_cidrs(range("0.0.0.0", "255.255.255.255"))), (std::vector<std::string>{"0.0.0.0/0"}));
  EXPECT_EQ(texts(to_cidrs(range("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"))), (std::vector<std::string>{"::/0"}));
  EXPECT_EQ(to_cidrs(range("0.0.0.1", "255.255.255.254")).size(), 62u);
  EXPECT_EQ(texts(to_cidrs(range("2001:db8::", "2001:db8::1:ffff"))), (std::vector<std::string>{"2001:db8::/111"}));
}

TEST(IpRange, MergesOverlappingAndTouchingRangesPerFamily) {
  auto merged = merge_ranges({range("10.0.0.5", "10.0.0.9", "b"), range("10.0.0.0", "10.0.0.4", "a"),
                              range("10.0.0.8", "10.0.0.20", "c"), range("10.0.0.22", "10.0.0.22", "d"),
                              range("::1", "::5", "v6"), range("255.255.255.0", "255.255.255.255", "top"),
                              range("255.255.255.255", "255.255.255.255", "top")});
  ASSERT_EQ(merged.size(), 4u);
  EXPECT_EQ(merged[0], range("10.0.0.0", "10.0.0.20", "a (+2 more)"));
  EXPECT_EQ(merged[1], range("10.0.0.22", "10.0.0.22", "d"));
  EXPECT_EQ(merged[2], range("255.255.255.0", "255.255.255.255", "top")) << "no wrap-around at the top";
  EXPECT_EQ(merged[3], range("::1", "::5", "v6"));
}

TEST(IpRange, RangeOfACidrCoversExactlyIt) {
  auto r = range_of(parse_cidr("2001:db8:1::/48").value(), "x");
  EXPECT_EQ(r.last, ip("2001:db8:1:ffff:ffff:ffff:ffff:ffff"));
  EXPECT_TRUE(r.contains(ip("2001:db8:1::7")));
  EXPECT_FALSE(r.contains(ip("2001:db8:2::")));
  EXPECT_FALSE(r.contains(ip("1.2.3.4")));
}

}  // namespace
}  // namespace p2pscope
