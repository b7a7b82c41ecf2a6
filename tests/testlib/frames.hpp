// Hand-built captured frames for packet-decoder tests: IPv4/IPv6 datagrams
// with a TCP or UDP header, wrapped in a link layer. Checksums are left
// zero (nothing here checks them). Pure values.
#pragma once

#include "core/ip.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace p2pscope::testlib {

struct FlowSpec {
  Endpoint src, dst;
};

// An IPv4 or IPv6 datagram (by the addresses' family) carrying UDP.
std::string udp_datagram(const FlowSpec& f, std::string_view payload);
// The same carrying TCP with the given flag bits (TcpFlag values OR-ed).
std::string tcp_datagram(const FlowSpec& f, std::uint8_t flags, std::uint32_t seq, std::string_view payload,
                         std::uint32_t ack = 0);
// An IPv4 ICMP "port unreachable" from `from` quoting the first 28 bytes of
// the refused (IPv4) datagram.
std::string icmp_port_unreachable(const IpAddress& from, std::string_view refused);

// Link layers: Ethernet (with an optional 802.1Q tag) and Linux cooked SLL2.
std::string ethernet(std::string_view datagram, int vlan_tags = 0);
std::string linux_sll2(std::string_view datagram);

}  // namespace p2pscope::testlib
