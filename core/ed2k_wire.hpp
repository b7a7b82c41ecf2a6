// Reading helpers shared by the eDonkey/eMule/KAD codec files (ed2k*.cpp,
// kad.cpp). Internal to core: callers outside it use the typed decoders.
#pragma once

#include <algorithm>

#include "core/ed2k.hpp"
#include "core/le_bytes.hpp"

namespace p2pscope::ed2k::wire {

inline Md4 read_md4(LeReader& r) noexcept { return Md4{r.raw16()}; }
inline void put_md4(std::string& out, const Md4& h) { put_raw16(out, h.bytes); }

// The end of a fixed message: errc::truncated after a short read,
// errc::trailing_bytes when bytes are left.
inline Result<void> finish(const LeReader& r) {
  if (r.failed()) return errc::truncated;
  if (r.remaining() != 0) return errc::trailing_bytes;
  return success();
}

// <len u16><bytes>
inline std::string read_string(LeReader& r) { return std::string(r.bytes(r.u16())); }
inline void put_string(std::string& out, std::string_view s) {
  auto n = std::min<std::size_t>(s.size(), 0xffff);
  put_le(out, n, 2);
  out.append(s.substr(0, n));
}

// A tag list at the reader's position; the reader moves past it.
inline Result<std::vector<Tag>> read_tags(LeReader& r, TagList list, const Limits& lim) {
  auto d = decode_tags(r.peek_rest(), list, lim);
  if (!d) return d.error();
  r.bytes(d.value().size);
  return std::move(d.value().tags);
}

}  // namespace p2pscope::ed2k::wire
