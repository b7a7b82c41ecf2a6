#include "core/packet.hpp"

#include "core/bytes.hpp"

#include <algorithm>

namespace p2pscope {
namespace {

constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherIpv6 = 0x86dd;
constexpr std::uint16_t kEtherVlan = 0x8100;
constexpr std::uint16_t kEtherQinQ = 0x88a8;
constexpr int kMaxVlanTags = 4;
constexpr int kMaxIpv6Extensions = 8;

constexpr std::uint8_t kIcmp = 1, kTcp = 6, kUdp = 17, kIcmpv6 = 58;

// The IP datagram inside a frame, by ethertype.
Result<std::string_view> by_ethertype(std::uint16_t type, std::string_view rest) {
  if (type == kEtherIpv4 || type == kEtherIpv6) return rest;
  return errc::bad_value;
}

Result<std::string_view> ethernet_payload(std::string_view f) {
  ByteReader r(f);
  r.bytes(12);
  auto type = r.u16();
  for (int tags = 0; !r.failed() && (type == kEtherVlan || type == kEtherQinQ); ++tags) {
    if (tags == kMaxVlanTags) return errc::bad_value;
    r.u16();
    type = r.u16();
  }
  if (r.failed()) return errc::truncated;
  return by_ethertype(type, r.rest());
}

// BSD loopback families for IPv4 (2) and IPv6 (24, 28, 30 across the BSDs).
Result<std::string_view> loopback_payload(std::uint32_t family, std::string_view rest) {
  if (family == 2) return rest;
  if (family == 24 || family == 28 || family == 30) return rest;
  return errc::bad_value;
}

Result<std::string_view> link_payload(LinkType link, std::string_view f) {
  switch (link) {
    case LinkType::ethernet: return ethernet_payload(f);
    case LinkType::raw:
    case LinkType::ipv4:
    case LinkType::ipv6: return f;
    case LinkType::linux_sll: {
      if (f.size() < 16) return errc::truncated;
      ByteReader r(f.substr(14));
      return by_ethertype(r.u16(), f.substr(16));
    }
    case LinkType::linux_sll2: {
      if (f.size() < 20) return errc::truncated;
      ByteReader r(f);
      return by_ethertype(r.u16(), f.substr(20));
    }
    case LinkType::null: {
      if (f.size() < 4) return errc::truncated;
      // Host order of the machine that wrote the file: accept either.
      ByteReader r(f);
      auto be = r.u32();
      auto le = ((be & 0xff) << 24) | ((be & 0xff00) << 8) | ((be >> 8) & 0xff00) | (be >> 24);
      auto ok = loopback_payload(be, f.substr(4));
      return ok ? ok : loopback_payload(le, f.substr(4));
    }
    case LinkType::loop: {
      if (f.size() < 4) return errc::truncated;
      ByteReader r(f);
      return loopback_payload(r.u32(), f.substr(4));
    }
  }
  return errc::bad_value;
}

// The first bytes of the datagram an ICMP error quotes: addresses and
// ports only (the quote is usually cut after 8 transport bytes).
std::optional<IcmpQuote> quote_of(std::string_view inner) {
  if (inner.empty()) return std::nullopt;
  IcmpQuote q;
  std::string_view transport;
  auto version = static_cast<std::uint8_t>(inner[0]) >> 4;
  if (version == 4) {
    auto ihl = (static_cast<std::uint8_t>(inner[0]) & 0x0f) * 4u;
    if (ihl < 20 || inner.size() < ihl) return std::nullopt;
    q.protocol = static_cast<std::uint8_t>(inner[9]);
    q.src = IpAddress::from_bytes(inner.substr(12, 4)).value();
    q.dst = IpAddress::from_bytes(inner.substr(16, 4)).value();
    transport = inner.substr(ihl);
  } else if (version == 6) {
    if (inner.size() < 40) return std::nullopt;
    q.protocol = static_cast<std::uint8_t>(inner[6]);
    q.src = IpAddress::from_bytes(inner.substr(8, 16)).value();
    q.dst = IpAddress::from_bytes(inner.substr(24, 16)).value();
    transport = inner.substr(40);
  } else {
    return std::nullopt;
  }
  if ((q.protocol == kTcp || q.protocol == kUdp) && transport.size() >= 4) {
    ByteReader r(transport);
    q.src_port = r.u16();
    q.dst_port = r.u16();
  }
  return q;
}

bool icmp_is_error(std::uint8_t protocol, std::uint8_t type) {
  if (protocol == kIcmp) return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
  return type >= 1 && type <= 4;  // ICMPv6 errors
}

// Fixed-offset reads for headers whose size was checked first: one load per
// field (these run once per packet).
std::uint8_t at(std::string_view d, std::size_t i) { return static_cast<std::uint8_t>(d[i]); }
std::uint16_t be16(std::string_view d, std::size_t i) {
  return static_cast<std::uint16_t>(at(d, i) << 8 | at(d, i + 1));
}
std::uint32_t be32(std::string_view d, std::size_t i) {
  return std::uint32_t{be16(d, i)} << 16 | be16(d, i + 2);
}

// The transport header at the start of seg (captured) whose full length,
// per the IP header, is length.
Result<void> decode_transport(Packet& p, std::string_view seg, std::size_t length) {
  ByteReader r(seg);
  switch (p.protocol) {
    case kTcp: {
      p.transport = Transport::tcp;
      if (seg.size() < 14) return errc::truncated;
      p.src_port = be16(seg, 0);
      p.dst_port = be16(seg, 2);
      p.seq = be32(seg, 4);
      p.ack = be32(seg, 8);
      auto offset = (at(seg, 12) >> 4) * 4u;
      p.tcp_flags = at(seg, 13) & 0x3f;
      if (offset < 20 || (offset > length && !p.fragment)) return errc::bad_value;
      if (seg.size() < offset) return errc::truncated;
      p.payload = seg.substr(offset);
      p.payload_length = length > offset ? length - offset : 0;
      return success();
    }
    case kUdp: {
      p.transport = Transport::udp;
      if (seg.size() < 8) return errc::truncated;
      p.src_port = be16(seg, 0);
      p.dst_port = be16(seg, 2);
      auto udp_length = be16(seg, 4);
      // A zero length is a jumbogram's (RFC 2675); otherwise it must fit,
      // unless this is the first fragment of a longer datagram.
      std::size_t len = udp_length == 0 ? length : udp_length;
      if (len < 8 || (len > length && !p.fragment)) return errc::bad_value;
      p.payload = seg.substr(8, len - 8);
      p.payload_length = len - 8;
      return success();
    }
    case kIcmp:
    case kIcmpv6: {
      p.transport = p.protocol == kIcmp ? Transport::icmp : Transport::icmpv6;
      p.icmp_type = r.u8();
      p.icmp_code = r.u8();
      if (r.failed()) return errc::truncated;
      p.payload = seg.size() > 8 ? seg.substr(8) : std::string_view{};
      p.payload_length = length > 8 ? length - 8 : 0;
      if (icmp_is_error(p.protocol, p.icmp_type)) p.icmp_quote = quote_of(p.payload);
      return success();
    }
    default:
      p.transport = Transport::other;
      p.payload = seg;
      p.payload_length = length;
      return success();
  }
}

Result<Packet> decode_ipv4(std::string_view d) {
  if (d.size() < 20) return errc::truncated;
  std::size_t ihl = (at(d, 0) & 0x0f) * 4u;
  std::size_t total = be16(d, 2);
  auto frag = be16(d, 6);
  Packet p;
  p.protocol = at(d, 9);
  if (ihl < 20 || total < ihl) return errc::bad_value;
  if (d.size() < ihl) return errc::truncated;
  p.src = IpAddress::v4(IpAddress::V4Bytes{at(d, 12), at(d, 13), at(d, 14), at(d, 15)});
  p.dst = IpAddress::v4(IpAddress::V4Bytes{at(d, 16), at(d, 17), at(d, 18), at(d, 19)});
  p.truncated = d.size() < total;
  d = d.substr(0, total);  // drop link-layer padding
  bool more = (frag & 0x2000) != 0;
  auto offset = frag & 0x1fff;
  p.fragment = more || offset != 0;
  if (offset != 0) {
    p.payload = d.substr(ihl);
    p.payload_length = total - ihl;
    return p;
  }
  P2PSCOPE_CHECK(decode_transport(p, d.substr(ihl), total - ihl));
  return p;
}

bool is_extension(std::uint8_t next) { return next == 0 || next == 43 || next == 44 || next == 51 || next == 60; }

Result<Packet> decode_ipv6(std::string_view d) {
  if (d.size() < 40) return errc::truncated;
  ByteReader r(d);
  r.u32();
  std::size_t length = r.u16();
  Packet p;
  std::uint8_t next = r.u8();
  r.u8();
  p.src = IpAddress::from_bytes(r.bytes(16)).value();
  p.dst = IpAddress::from_bytes(r.bytes(16)).value();
  if (length == 0) length = d.size() - 40;  // a jumbogram (hop-by-hop option): trust the capture
  p.truncated = d.size() < 40 + length;
  auto rest = d.substr(40, length);
  for (int i = 0; is_extension(next); ++i) {
    if (i == kMaxIpv6Extensions) return errc::bad_value;
    if (rest.size() < 8) return errc::truncated;
    auto following = static_cast<std::uint8_t>(rest[0]);
    auto hdr_len = next == 44 ? 8u
                 : next == 51 ? (static_cast<std::uint8_t>(rest[1]) + 2u) * 4u
                              : (static_cast<std::uint8_t>(rest[1]) + 1u) * 8u;
    if (hdr_len > length) return errc::bad_value;
    if (next == 44) {
      ByteReader fr(rest.substr(2, 2));
      auto off_m = fr.u16();
      p.fragment = true;
      if ((off_m & 0xfff8) != 0) {  // not the first fragment
        p.protocol = following;
        p.payload = rest.substr(8);
        p.payload_length = length - 8;
        return p;
      }
    }
    if (rest.size() < hdr_len) return errc::truncated;
    rest = rest.substr(hdr_len);
    length -= hdr_len;
    next = following;
  }
  p.protocol = next;
  P2PSCOPE_CHECK(decode_transport(p, rest, length));
  return p;
}

}  // namespace

Result<LinkType> link_type_from(int linktype) {
  switch (linktype) {
    case 0: return LinkType::null;
    case 1: return LinkType::ethernet;
    case 101: return LinkType::raw;
    case 108: return LinkType::loop;
    case 113: return LinkType::linux_sll;
    case 228: return LinkType::ipv4;
    case 229: return LinkType::ipv6;
    case 276: return LinkType::linux_sll2;
    default: return errc::bad_value;
  }
}

Result<Packet> decode_ip(std::string_view d) {
  if (d.empty()) return errc::truncated;
  auto version = static_cast<std::uint8_t>(d[0]) >> 4;
  if (version == 4) return decode_ipv4(d);
  if (version == 6) return decode_ipv6(d);
  return errc::bad_value;
}

Result<Packet> decode_frame(LinkType link, std::string_view frame) {
  P2PSCOPE_TRY(datagram, link_payload(link, frame));
  return decode_ip(datagram);
}

}  // namespace p2pscope
