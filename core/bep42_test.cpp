#include "core/bep42.hpp"

#include <gtest/gtest.h>

namespace p2pscope {
namespace {

// The worked examples of BEP 42: the first 21 bits and the last byte are
// fixed by the address and r.
TEST(Bep42, MakesNodeIdsThatMatchTheSpecExamples) {
  struct Case {
    const char* ip;
    std::uint8_t r;
    const char* prefix;  // first three bytes; the third's low 3 bits are random
  };
  for (auto c : {Case{"124.31.75.21", 1, "5fbfbf"}, Case{"21.75.31.124", 86, "5a3ce9"},
                 Case{"65.23.51.170", 22, "a5d432"}, Case{"84.124.73.14", 65, "1b0321"},
                 Case{"43.213.53.83", 90, "e56f6c"}}) {
    auto ip = IpAddress::parse(c.ip).value();
    auto id = bep42_node_id(ip, c.r, std::string(20, '\0'));
    auto hex = id.hex();
    EXPECT_EQ(hex.substr(0, 4), std::string(c.prefix).substr(0, 4)) << c.ip;
    EXPECT_EQ(id.bytes()[2] & 0xf8, std::stoi(std::string(c.prefix).substr(4), nullptr, 16) & 0xf8) << c.ip;
    EXPECT_EQ(id.bytes()[19], c.r);
    EXPECT_TRUE(bep42_valid(id, ip));
    EXPECT_FALSE(bep42_valid(id, IpAddress::parse("1.2.3.4").value()));
  }
}

TEST(Bep42, ExemptsLoopbackPrivateAndLinkLocalAddresses) {
  for (const char* ip : {"10.1.2.3", "127.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.0.9", "::1",
                         "fd00::1", "fe80::1"})
    EXPECT_FALSE(bep42_applies(IpAddress::parse(ip).value())) << ip;
  for (const char* ip : {"172.32.0.1", "8.8.8.8", "192.169.0.1", "2001:db8::1", "fec0::1"})
    EXPECT_TRUE(bep42_applies(IpAddress::parse(ip).value())) << ip;
}

}  // namespace
}  // namespace p2pscope
