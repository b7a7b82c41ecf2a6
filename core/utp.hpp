// uTP (BEP 29) packet headers: type, connection id, timestamps, window,
// sequence and ack numbers, the extension chain, and the payload. Pure:
// one UDP payload in, a header or an error out. Decoding is also how a
// passive reader tells uTP from other UDP (KRPC starts with 'd', BEP 15
// with a zero byte; neither is version 1 with a known type).
#pragma once

#include "core/error.hpp"
#include "core/names.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace p2pscope {

enum class UtpType : std::uint8_t { data = 0, fin = 1, state = 2, reset = 3, syn = 4 };
constexpr auto enum_names(UtpType) noexcept {
  return std::to_array<std::pair<UtpType, std::string_view>>({
      {UtpType::data, "data"}, {UtpType::fin, "fin"}, {UtpType::state, "state"}, {UtpType::reset, "reset"},
      {UtpType::syn, "syn"}});
}

std::string_view to_string(UtpType t) noexcept;

struct UtpHeader {
  UtpType type = UtpType::data;
  std::uint16_t connection_id = 0;
  std::uint32_t timestamp = 0;             // microseconds, sender's clock
  std::uint32_t timestamp_difference = 0;  // microseconds
  std::uint32_t wnd_size = 0;
  std::uint16_t seq_nr = 0;
  std::uint16_t ack_nr = 0;
  std::size_t extensions = 0;   // how many extension headers were skipped
  bool selective_ack = false;   // extension 1 present
  std::string_view payload;     // views the caller's buffer
};

// errc::truncated when the 20-byte header or an extension is cut short;
// errc::bad_value when the version is not 1 or the type is unknown;
// errc::too_many_items past max_extensions in the chain.
Result<UtpHeader> decode_utp(std::string_view datagram, std::size_t max_extensions = 8);
std::string encode_utp(const UtpHeader& h);  // no extensions; for tests and the lab

}  // namespace p2pscope
