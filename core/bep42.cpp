#include "core/bep42.hpp"

#include <boost/crc.hpp>

#include <algorithm>

namespace p2pscope {
namespace {

using Crc32c = boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true>;

std::uint32_t bep42_crc(const IpAddress& ip, std::uint8_t r) {
  // BEP 42: mask the address, put r's low 3 bits on top, crc32c the result.
  static constexpr std::uint8_t v4_mask[] = {0x03, 0x0f, 0x3f, 0xff};
  static constexpr std::uint8_t v6_mask[] = {0x01, 0x03, 0x07, 0x0f, 0x1f, 0x3f, 0x7f, 0xff};
  const auto* mask = ip.is_v4() ? v4_mask : v6_mask;
  std::size_t n = ip.is_v4() ? 4 : 8;
  std::uint8_t buf[8];
  for (std::size_t i = 0; i < n; ++i) buf[i] = ip.data()[i] & mask[i];
  buf[0] = static_cast<std::uint8_t>(buf[0] | (r & 7) << 5);
  Crc32c crc;
  crc.process_bytes(buf, n);
  return crc.checksum();
}

}  // namespace

NodeId bep42_node_id(const IpAddress& ip, std::uint8_t r, std::string_view rest) {
  auto crc = bep42_crc(ip, r);
  std::string id(20, '\0');
  for (std::size_t i = 0; i < 20 && i < rest.size(); ++i) id[i] = rest[i];
  id[0] = static_cast<char>(crc >> 24);
  id[1] = static_cast<char>(crc >> 16);
  id[2] = static_cast<char>((crc >> 8 & 0xf8) | (static_cast<std::uint8_t>(id[2]) & 7));
  id[19] = static_cast<char>(r);
  return NodeId::from_bytes(id).value();
}

bool bep42_valid(const NodeId& id, const IpAddress& ip) {
  const auto& b = id.bytes();
  auto crc = bep42_crc(ip, b[19]);
  return b[0] == (crc >> 24 & 0xff) && b[1] == (crc >> 16 & 0xff) && (b[2] & 0xf8) == (crc >> 8 & 0xf8);
}

bool bep42_applies(const IpAddress& ip) {
  if (ip.is_v4()) {
    auto a = ip.data();
    return !(a[0] == 10 || a[0] == 127 || (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
             (a[0] == 169 && a[1] == 254));
  }
  auto a = ip.data();
  bool loopback = std::all_of(a, a + 15, [](std::uint8_t b) { return b == 0; }) && a[15] == 1;
  bool ula = (a[0] & 0xfe) == 0xfc;
  bool link_local = a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
  return !(loopback || ula || link_local);
}

}  // namespace p2pscope
