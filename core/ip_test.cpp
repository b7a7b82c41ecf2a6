#include "core/ip.hpp"

#include <gtest/gtest.h>

namespace p2pscope {
namespace {

IpAddress ip(std::string_view s) { return IpAddress::parse(s).value(); }

TEST(IpAddress, ParsesAndFormatsBothFamilies) {
  EXPECT_EQ(ip("1.2.3.4").to_string(), "1.2.3.4");
  EXPECT_EQ(ip("1.2.3.4").v4_value(), 0x01020304u);
  EXPECT_EQ(ip("2001:DB8::1").to_string(), "2001:db8::1");
  EXPECT_TRUE(ip("::1").is_v6());
  EXPECT_EQ(IpAddress::parse("1.2.3").error(), errc::bad_address);
  EXPECT_EQ(IpAddress::parse("1.2.3.256").error(), errc::bad_address);
  EXPECT_EQ(IpAddress::parse("").error(), errc::bad_address);
  EXPECT_EQ(IpAddress::parse("fe80::1%eth0").error(), errc::bad_address);
}

TEST(IpAddress, FromBytesNeedsFourOrSixteen) {
  EXPECT_EQ(IpAddress::from_bytes(std::string("\x7f\0\0\1", 4)).value(), ip("127.0.0.1"));
  EXPECT_EQ(IpAddress::from_bytes("abcde").error(), errc::bad_address);
}

TEST(Endpoint, ParsesBracketedIpv6AndRejectsBadPorts) {
  EXPECT_EQ(Endpoint::parse("1.2.3.4:6881").value(), (Endpoint{ip("1.2.3.4"), 6881}));
  EXPECT_EQ(Endpoint::parse("[2001:db8::1]:80").value(), (Endpoint{ip("2001:db8::1"), 80}));
  EXPECT_EQ(Endpoint::parse("[2001:db8::1]:80").value().to_string(), "[2001:db8::1]:80");
  EXPECT_EQ(Endpoint::parse("1.2.3.4:65536").error(), errc::bad_value);
  EXPECT_EQ(Endpoint::parse("1.2.3.4:").error(), errc::bad_value);
  EXPECT_EQ(Endpoint::parse("2001:db8::1:80").error(), errc::bad_address);  // needs brackets
}

TEST(IpAddress, ReversesIpv4Bytes) {
  EXPECT_EQ(reverse_v4(ip("1.2.3.4")), ip("4.3.2.1"));
  EXPECT_EQ(byte_order_variants(ip("1.2.3.4")), std::vector<IpAddress>{ip("4.3.2.1")});
  EXPECT_TRUE(byte_order_variants(ip("1.2.2.1")).empty());  // palindrome: no distinct variant
}

TEST(IpAddress, ReversesIpv6WholeAndPerWord) {
  auto a = ip("2001:db8:1:2:3:4:5:6");
  EXPECT_EQ(reverse_v6_whole(a), ip("600:500:400:300:200:100:b80d:120"));
  EXPECT_EQ(reverse_v6_words(a), ip("b80d:120:200:100:400:300:600:500"));
  EXPECT_EQ(byte_order_variants(a).size(), 2u);
  EXPECT_EQ(reverse_v6_whole(reverse_v6_whole(a)), a);
  EXPECT_EQ(reverse_v6_words(reverse_v6_words(a)), a);
}

TEST(IpAddress, ReversesPort) { EXPECT_EQ(reverse_port(6881), 57626); }

TEST(Endpoint, FlagsPortZeroAndV4Mapped) {
  EXPECT_TRUE(endpoint_flags({ip("1.2.3.4"), 0}).has(EndpointFlag::port_zero));
  EXPECT_TRUE(endpoint_flags({ip("1.2.3.4"), 1}).empty());
  auto mapped = ip("::ffff:1.2.3.4");
  EXPECT_TRUE(endpoint_flags({mapped, 1}).has(EndpointFlag::v4_mapped));
  EXPECT_EQ(mapped.unmapped(), ip("1.2.3.4"));
  EXPECT_EQ(ip("::1").unmapped(), ip("::1"));
}

}  // namespace
}  // namespace p2pscope
