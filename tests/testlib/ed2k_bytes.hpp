// Byte-building helpers for the eDonkey/eMule/KAD codec tests. Header-only;
// for tests only.
#pragma once

#include "core/ed2k.hpp"

#include <initializer_list>
#include <string>

namespace p2pscope::test {

inline std::string bytes(std::initializer_list<int> b) {
  std::string out;
  for (int x : b) out.push_back(static_cast<char>(x));
  return out;
}
inline std::string le16(std::uint16_t v) { return bytes({v & 0xff, v >> 8}); }
inline std::string le32(std::uint32_t v) {
  return bytes({int(v & 0xff), int(v >> 8 & 0xff), int(v >> 16 & 0xff), int(v >> 24)});
}
inline std::string le64(std::uint64_t v) { return le32(static_cast<std::uint32_t>(v)) + le32(static_cast<std::uint32_t>(v >> 32)); }
// 16 bytes first, first + 1, ...
inline ed2k::Md4 md4(std::uint8_t first) {
  ed2k::Md4 h;
  for (std::size_t i = 0; i < 16; ++i) h.bytes[i] = static_cast<std::uint8_t>(first + i);
  return h;
}
inline std::string raw(const ed2k::Md4& h) { return std::string(reinterpret_cast<const char*>(h.bytes.data()), 16); }
inline ed2k::Tag u32_tag(std::uint8_t id, std::uint32_t v) { return ed2k::number_tag(id, ed2k::TagType::uint32, v); }

}  // namespace p2pscope::test
