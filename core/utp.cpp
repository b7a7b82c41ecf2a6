#include "core/utp.hpp"

#include "core/bytes.hpp"

namespace p2pscope {

std::string_view to_string(UtpType t) noexcept { return name_of(t); }

Result<UtpHeader> decode_utp(std::string_view d, std::size_t max_extensions) {
  ByteReader r(d);
  auto type_version = r.u8();
  auto next = r.u8();
  UtpHeader h;
  h.connection_id = r.u16();
  h.timestamp = r.u32();
  h.timestamp_difference = r.u32();
  h.wnd_size = r.u32();
  h.seq_nr = r.u16();
  h.ack_nr = r.u16();
  if (r.failed()) return errc::truncated;
  if ((type_version & 0x0f) != 1 || (type_version >> 4) > 4) return errc::bad_value;
  h.type = static_cast<UtpType>(type_version >> 4);
  while (next != 0) {
    if (h.extensions == max_extensions) return errc::too_many_items;
    if (next == 1) h.selective_ack = true;
    next = r.u8();
    auto len = r.u8();
    r.bytes(len);
    if (r.failed()) return errc::truncated;
    ++h.extensions;
  }
  h.payload = r.rest();
  return h;
}

std::string encode_utp(const UtpHeader& h) {
  std::string out;
  put_u8(out, static_cast<std::uint8_t>(static_cast<unsigned>(h.type) << 4 | 1));
  put_u8(out, 0);
  put_u16(out, h.connection_id);
  put_u32(out, h.timestamp);
  put_u32(out, h.timestamp_difference);
  put_u32(out, h.wnd_size);
  put_u16(out, h.seq_nr);
  put_u16(out, h.ack_nr);
  return out + std::string(h.payload);
}

}  // namespace p2pscope
