// Captured frames to IP packets: the link layer (Ethernet with VLAN tags,
// Linux cooked SLL and SLL2, BSD loopback, raw IP), IPv4 and IPv6 (extension
// headers skipped), and the TCP/UDP/ICMP header fields a passive reader
// needs. Pure: a frame in, a Packet or an error out. No reassembly: a
// fragment other than the first carries no transport header.
//
// A Packet's payload is a view into the frame it was decoded from; it lives
// as long as that buffer does.
#pragma once

#include "core/error.hpp"
#include "core/ip.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace p2pscope {

// libpcap's LINKTYPE_ values (not DLT_: these are what files store).
enum class LinkType : std::uint16_t {
  null = 0,          // BSD loopback: 4-byte host-order address family
  ethernet = 1,
  raw = 101,         // IPv4 or IPv6, told apart by the version nibble
  loop = 108,        // OpenBSD loopback: 4-byte network-order family
  linux_sll = 113,
  ipv4 = 228,
  ipv6 = 229,
  linux_sll2 = 276,
};
// LinkType for a pcap link type number, errc::bad_value when unsupported.
Result<LinkType> link_type_from(int linktype);

enum class Transport : std::uint8_t { tcp, udp, icmp, icmpv6, other };

enum class TcpFlag : std::uint8_t { fin = 0x01, syn = 0x02, rst = 0x04, psh = 0x08, ack = 0x10, urg = 0x20 };

// An ICMP/ICMPv6 error's view of the datagram that caused it (for "port
// unreachable": which flow the destination refused).
struct IcmpQuote {
  IpAddress src, dst;
  std::uint8_t protocol = 0;
  std::uint16_t src_port = 0, dst_port = 0;
};

struct Packet {
  IpAddress src, dst;
  std::uint8_t protocol = 0;  // IP protocol / IPv6 next header after extension headers
  Transport transport = Transport::other;
  std::uint16_t src_port = 0, dst_port = 0;   // TCP and UDP
  std::uint8_t tcp_flags = 0;                  // TcpFlag bits
  std::uint32_t seq = 0, ack = 0;              // TCP
  std::uint8_t icmp_type = 0, icmp_code = 0;   // ICMP, ICMPv6
  std::optional<IcmpQuote> icmp_quote;         // ICMP errors that quote a TCP/UDP header
  std::string_view payload;                    // transport payload as captured (may be cut by snaplen)
  std::size_t payload_length = 0;              // transport payload length per the headers
  bool fragment = false;  // part of a fragmented datagram (the first fragment still has ports)
  bool truncated = false; // the capture holds less than the IP header says

  bool has(TcpFlag f) const noexcept { return (tcp_flags & static_cast<std::uint8_t>(f)) != 0; }
};

// errc::truncated when a link, IP or transport header is cut short;
// errc::bad_value for a frame that is not IPv4/IPv6 (ARP, LLDP, ...) or a
// header with impossible lengths. A payload cut by the snap length is not
// an error: it is marked truncated.
Result<Packet> decode_frame(LinkType link, std::string_view frame);
// The same, from the IP header on.
Result<Packet> decode_ip(std::string_view datagram);

}  // namespace p2pscope
