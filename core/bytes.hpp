// Big-endian readers and writers over binary-safe string buffers.
//
// Wire buffers are std::string_view (input) and std::string (output), the
// same convention as libtorrent's span<char const>. ByteReader never reads
// past its view: a short read sets failed() and returns zero, so decoders
// check once after reading a fixed-size header. Not thread-safe; cheap to copy.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace p2pscope {

class ByteReader {
 public:
  explicit ByteReader(std::string_view buf) noexcept : buf_(buf) {}

  std::uint8_t u8() noexcept { return static_cast<std::uint8_t>(take_be(1)); }
  std::uint16_t u16() noexcept { return static_cast<std::uint16_t>(take_be(2)); }
  std::uint32_t u32() noexcept { return static_cast<std::uint32_t>(take_be(4)); }
  std::uint64_t u64() noexcept { return take_be(8); }

  // Returns the next n bytes, or an empty view (and failed()) if fewer remain.
  std::string_view bytes(std::size_t n) noexcept {
    if (n > buf_.size() - pos_) { failed_ = true; return {}; }
    auto out = buf_.substr(pos_, n);
    pos_ += n;
    return out;
  }

  std::string_view rest() noexcept { return bytes(remaining()); }
  std::size_t remaining() const noexcept { return buf_.size() - pos_; }
  std::size_t position() const noexcept { return pos_; }
  bool failed() const noexcept { return failed_; }

 private:
  std::uint64_t take_be(std::size_t n) noexcept {
    auto b = bytes(n);
    std::uint64_t v = 0;
    for (char c : b) v = (v << 8) | static_cast<std::uint8_t>(c);
    return v;
  }

  std::string_view buf_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

inline void put_be(std::string& out, std::uint64_t v, int width) {
  for (int i = width - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
inline void put_u8(std::string& out, std::uint8_t v) { put_be(out, v, 1); }
inline void put_u16(std::string& out, std::uint16_t v) { put_be(out, v, 2); }
inline void put_u32(std::string& out, std::uint32_t v) { put_be(out, v, 4); }
inline void put_u64(std::string& out, std::uint64_t v) { put_be(out, v, 8); }

}  // namespace p2pscope
