// Little-endian readers and writers for the eDonkey/eMule/KAD wire, the
// counterpart of bytes.hpp's big-endian ones for BitTorrent. LeReader never
// reads past its view: a short read sets failed() and yields zero (or an
// empty view), so a decoder checks once after a fixed-size part. Not
// thread-safe; cheap to copy; the view must outlive the reader.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace p2pscope {

class LeReader {
 public:
  explicit LeReader(std::string_view b) noexcept : b_(b) {}
  std::uint64_t le(std::size_t n) noexcept {
    auto s = bytes(n);
    std::uint64_t v = 0;
    for (std::size_t i = s.size(); i-- > 0;) v = v << 8 | static_cast<std::uint8_t>(s[i]);
    return v;
  }
  std::uint8_t u8() noexcept { return static_cast<std::uint8_t>(le(1)); }
  std::uint16_t u16() noexcept { return static_cast<std::uint16_t>(le(2)); }
  std::uint32_t u32() noexcept { return static_cast<std::uint32_t>(le(4)); }
  std::uint64_t u64() noexcept { return le(8); }
  std::string_view bytes(std::size_t n) noexcept {
    if (n > b_.size() - pos_) {
      failed_ = true;
      pos_ = b_.size();
      return {};
    }
    auto out = b_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  // 16 raw bytes (a hash), all zero after a short read.
  std::array<std::uint8_t, 16> raw16() noexcept {
    std::array<std::uint8_t, 16> h{};
    auto s = bytes(16);
    for (std::size_t i = 0; i < s.size(); ++i) h[i] = static_cast<std::uint8_t>(s[i]);
    return h;
  }
  std::string_view rest() noexcept { return bytes(remaining()); }
  std::string_view peek_rest() const noexcept { return b_.substr(pos_); }
  std::size_t position() const noexcept { return pos_; }
  std::size_t remaining() const noexcept { return b_.size() - pos_; }
  bool failed() const noexcept { return failed_; }

 private:
  std::string_view b_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

inline void put_le(std::string& out, std::uint64_t v, int width) {
  for (int i = 0; i < width; ++i) out.push_back(static_cast<char>(v >> (8 * i) & 0xff));
}
inline void put_raw16(std::string& out, const std::array<std::uint8_t, 16>& h) {
  out.append(reinterpret_cast<const char*>(h.data()), h.size());
}

}  // namespace p2pscope
