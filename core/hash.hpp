// 20-byte identifiers: InfoHash (v1 SHA-1 of the info dict, or a v2 hash
// truncated as BEP 52 puts it on the DHT and trackers), NodeId (BEP 5) and
// PeerId (BEP 3). Distinct tag types keep them from being mixed up.
// Plain values: copyable, comparable, hashable, no invariants beyond size.
#pragma once

#include "core/error.hpp"

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>

namespace p2pscope {

namespace detail {
std::string to_hex(const std::uint8_t* p, std::size_t n);
void append_hex(std::string& out, const std::uint8_t* p, std::size_t n);
bool from_hex(std::string_view text, std::uint8_t* out, std::size_t n);
std::string to_base32(const std::uint8_t* p, std::size_t n);
bool from_base32(std::string_view text, std::uint8_t* out, std::size_t n);
}  // namespace detail

template <class Tag>
class Hash20 {
 public:
  static constexpr std::size_t size = 20;
  using Bytes = std::array<std::uint8_t, size>;

  constexpr Hash20() noexcept = default;
  constexpr explicit Hash20(const Bytes& b) noexcept : bytes_(b) {}

  // Exactly 20 raw bytes, else errc::bad_hash.
  static Result<Hash20> from_bytes(std::string_view raw) {
    if (raw.size() != size) return errc::bad_hash;
    Hash20 h;
    std::memcpy(h.bytes_.data(), raw.data(), size);
    return h;
  }
  // 40 hex digits, either case.
  static Result<Hash20> from_hex(std::string_view text) {
    Hash20 h;
    if (!detail::from_hex(text, h.bytes_.data(), size)) return errc::bad_hash;
    return h;
  }
  // 32 base32 characters (RFC 4648 alphabet, either case, no padding).
  static Result<Hash20> from_base32(std::string_view text) {
    Hash20 h;
    if (!detail::from_base32(text, h.bytes_.data(), size)) return errc::bad_hash;
    return h;
  }

  std::string hex() const { return detail::to_hex(bytes_.data(), size); }
  void append_hex(std::string& out) const { detail::append_hex(out, bytes_.data(), size); }  // hex() onto out
  std::string base32() const { return detail::to_base32(bytes_.data(), size); }
  std::string_view raw() const noexcept {
    return {reinterpret_cast<const char*>(bytes_.data()), size};
  }
  const Bytes& bytes() const noexcept { return bytes_; }
  bool is_zero() const noexcept { return bytes_ == Bytes{}; }

  // Kademlia XOR distance (BEP 5), comparable as a big-endian number.
  friend Hash20 operator^(const Hash20& a, const Hash20& b) noexcept {
    Hash20 r;
    for (std::size_t i = 0; i < size; ++i) r.bytes_[i] = a.bytes_[i] ^ b.bytes_[i];
    return r;
  }
  friend auto operator<=>(const Hash20&, const Hash20&) = default;

 private:
  Bytes bytes_{};
};

struct InfoHashTag {};
struct NodeIdTag {};
struct PeerIdTag {};
using InfoHash = Hash20<InfoHashTag>;
using NodeId = Hash20<NodeIdTag>;
using PeerId = Hash20<PeerIdTag>;

}  // namespace p2pscope

template <class Tag>
struct std::hash<p2pscope::Hash20<Tag>> {
  std::size_t operator()(const p2pscope::Hash20<Tag>& h) const noexcept {
    std::size_t v;  // the bytes are already uniformly distributed
    std::memcpy(&v, h.bytes().data(), sizeof v);
    return v;
  }
};
