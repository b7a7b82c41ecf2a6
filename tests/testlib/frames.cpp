#include "tests/testlib/frames.hpp"

#include "core/bytes.hpp"

namespace p2pscope::testlib {
namespace {

std::string ip_header(const IpAddress& src, const IpAddress& dst, std::uint8_t protocol, std::size_t payload) {
  std::string h;
  if (src.is_v4()) {
    put_u8(h, 0x45);
    put_u8(h, 0);
    put_u16(h, static_cast<std::uint16_t>(20 + payload));
    put_u32(h, 0);  // id, flags, fragment offset
    put_u8(h, 64);
    put_u8(h, protocol);
    put_u16(h, 0);
  } else {
    put_u32(h, 0x60000000);
    put_u16(h, static_cast<std::uint16_t>(payload));
    put_u8(h, protocol);
    put_u8(h, 64);
  }
  h += src.raw();
  h += dst.raw();
  return h;
}

std::string ethertype_of(std::string_view datagram) {
  std::string t;
  put_u16(t, (static_cast<std::uint8_t>(datagram[0]) >> 4) == 6 ? 0x86dd : 0x0800);
  return t;
}

}  // namespace

std::string udp_datagram(const FlowSpec& f, std::string_view payload) {
  std::string u;
  put_u16(u, f.src.port);
  put_u16(u, f.dst.port);
  put_u16(u, static_cast<std::uint16_t>(8 + payload.size()));
  put_u16(u, 0);
  u += payload;
  return ip_header(f.src.address, f.dst.address, 17, u.size()) + u;
}

std::string tcp_datagram(const FlowSpec& f, std::uint8_t flags, std::uint32_t seq, std::string_view payload,
                         std::uint32_t ack) {
  std::string t;
  put_u16(t, f.src.port);
  put_u16(t, f.dst.port);
  put_u32(t, seq);
  put_u32(t, ack);
  put_u8(t, 5 << 4);
  put_u8(t, flags);
  put_u16(t, 65535);
  put_u32(t, 0);  // checksum, urgent pointer
  t += payload;
  return ip_header(f.src.address, f.dst.address, 6, t.size()) + t;
}

std::string icmp_port_unreachable(const IpAddress& from, std::string_view refused) {
  std::string i;
  put_u8(i, 3);
  put_u8(i, 3);
  put_u16(i, 0);
  put_u32(i, 0);
  i += refused.substr(0, 28);
  auto dst = IpAddress::from_bytes(refused.substr(12, 4)).value();
  return ip_header(from, dst, 1, i.size()) + i;
}

std::string ethernet(std::string_view datagram, int vlan_tags) {
  std::string e(12, '\x02');
  for (int i = 0; i < vlan_tags; ++i) {
    put_u16(e, 0x8100);
    put_u16(e, static_cast<std::uint16_t>(100 + i));
  }
  return e + ethertype_of(datagram) + std::string(datagram);
}

std::string linux_sll2(std::string_view datagram) {
  std::string s = ethertype_of(datagram);
  put_u16(s, 0);
  put_u32(s, 1);        // interface index
  put_u16(s, 1);        // ARPHRD_ETHER
  put_u8(s, 0);         // to us
  put_u8(s, 6);         // address length
  s += std::string(8, '\x02');
  return s + std::string(datagram);
}

}  // namespace p2pscope::testlib
