#include "core/packet.hpp"

#include "tests/testlib/frames.hpp"

#include <gtest/gtest.h>

namespace p2pscope {
namespace {

using testlib::FlowSpec;

FlowSpec flow(const char* src, const char* dst) { return {Endpoint::parse(src).value(), Endpoint::parse(dst).value()}; }

TEST(Packet, DecodesUdpOverEthernetWithVlanTags) {
  auto f = flow("1.2.3.4:6881", "5.6.7.8:51413");
  auto frame = testlib::ethernet(testlib::udp_datagram(f, "d1:ad2:id20:e"), 2);
  auto p = decode_frame(LinkType::ethernet, frame).value();  // p.payload views frame
  EXPECT_EQ(p.transport, Transport::udp);
  EXPECT_EQ(p.src, f.src.address);
  EXPECT_EQ(p.dst, f.dst.address);
  EXPECT_EQ(p.src_port, 6881);
  EXPECT_EQ(p.dst_port, 51413);
  EXPECT_EQ(p.payload, "d1:ad2:id20:e");
  EXPECT_FALSE(p.truncated);
}

TEST(Packet, DecodesTcpOverIpv6InLinuxCookedV2) {
  auto f = flow("[2001:db8::1]:40000", "[2001:db8::2]:6881");
  auto syn = static_cast<std::uint8_t>(static_cast<int>(TcpFlag::syn) | static_cast<int>(TcpFlag::ack));
  auto frame = testlib::linux_sll2(testlib::tcp_datagram(f, syn, 7, "hello"));
  auto p = decode_frame(LinkType::linux_sll2, frame).value();
  EXPECT_EQ(p.transport, Transport::tcp);
  EXPECT_TRUE(p.has(TcpFlag::syn));
  EXPECT_TRUE(p.has(TcpFlag::ack));
  EXPECT_FALSE(p.has(TcpFlag::rst));
  EXPECT_EQ(p.seq, 7u);
  EXPECT_EQ(p.dst, f.dst.address);
  EXPECT_EQ(p.payload, "hello");
}

TEST(Packet, MarksSnaplenCutPayloadAsTruncatedNotAnError) {
  auto frame = testlib::ethernet(testlib::udp_datagram(flow("1.2.3.4:1", "5.6.7.8:2"), std::string(100, 'x')));
  auto p = decode_frame(LinkType::ethernet, frame.substr(0, 14 + 28 + 10)).value();
  EXPECT_TRUE(p.truncated);
  EXPECT_EQ(p.payload.size(), 10u);
  EXPECT_EQ(p.payload_length, 100u);
}

TEST(Packet, RejectsCutHeadersAndForeignFrames) {
  auto frame = testlib::ethernet(testlib::tcp_datagram(flow("1.2.3.4:1", "5.6.7.8:2"), 0x02, 0, ""));
  for (std::size_t n : {0, 10, 14, 20, 33, 40, 50}) {
    EXPECT_EQ(decode_frame(LinkType::ethernet, frame.substr(0, n)).error(), errc::truncated) << n;
  }
  auto arp = std::string(12, '\x02') + "\x08\x06" + std::string(28, '\0');
  EXPECT_EQ(decode_frame(LinkType::ethernet, arp).error(), errc::bad_value);
  EXPECT_EQ(link_type_from(147).error(), errc::bad_value);
}

TEST(Packet, RejectsImpossibleHeaderLengths) {
  auto d = testlib::udp_datagram(flow("1.2.3.4:1", "5.6.7.8:2"), "abc");
  auto bad_ihl = d;
  bad_ihl[0] = 0x44;
  EXPECT_EQ(decode_ip(bad_ihl).error(), errc::bad_value);
  auto bad_udp = d;
  bad_udp[20 + 5] = 100;  // UDP length past the datagram
  EXPECT_EQ(decode_ip(bad_udp).error(), errc::bad_value);
}

TEST(Packet, IcmpPortUnreachableQuotesTheRefusedFlow) {
  auto refused = testlib::udp_datagram(flow("9.9.9.9:5000", "1.2.3.4:6881"), "x");
  auto icmp = testlib::icmp_port_unreachable(IpAddress::parse("1.2.3.4").value(), refused);
  auto p = decode_ip(icmp).value();
  EXPECT_EQ(p.transport, Transport::icmp);
  EXPECT_EQ(p.icmp_type, 3);
  EXPECT_EQ(p.icmp_code, 3);
  ASSERT_TRUE(p.icmp_quote);
  EXPECT_EQ(p.icmp_quote->src.to_string(), "9.9.9.9");
  EXPECT_EQ(p.icmp_quote->dst_port, 6881);
}

TEST(Packet, LaterFragmentsHaveNoPorts) {
  auto d = testlib::udp_datagram(flow("1.2.3.4:1", "5.6.7.8:2"), std::string(40, 'x'));
  d[6] = 0x00;
  d[7] = 0x05;  // fragment offset 40 bytes
  auto p = decode_ip(d).value();
  EXPECT_TRUE(p.fragment);
  EXPECT_EQ(p.dst_port, 0);
}

}  // namespace
}  // namespace p2pscope
