// IP addresses and endpoints (IPv4 and IPv6), plus the byte-reversal helpers
// that model clients with byte-order bugs (advertising 4.3.2.1 after learning
// 1.2.3.4). Values only: no sockets, no name resolution.
#pragma once

#include "core/error.hpp"
#include "core/flags.hpp"

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace p2pscope {

enum class Family : std::uint8_t { v4 = 4, v6 = 6 };

class IpAddress {
 public:
  using V4Bytes = std::array<std::uint8_t, 4>;
  using V6Bytes = std::array<std::uint8_t, 16>;

  IpAddress() noexcept = default;  // 0.0.0.0
  static IpAddress v4(const V4Bytes& b) noexcept;
  static IpAddress v4(std::uint32_t host_order) noexcept;
  static IpAddress v6(const V6Bytes& b) noexcept;
  // Dotted quad or RFC 4291 text (no brackets, no zone), else errc::bad_address.
  static Result<IpAddress> parse(std::string_view text);
  // 4 raw bytes (IPv4) or 16 (IPv6) in network order, else errc::bad_address.
  static Result<IpAddress> from_bytes(std::string_view raw);

  Family family() const noexcept { return family_; }
  bool is_v4() const noexcept { return family_ == Family::v4; }
  bool is_v6() const noexcept { return family_ == Family::v6; }
  // Network-order bytes: 4 for IPv4, 16 for IPv6.
  std::string_view raw() const noexcept;
  const std::uint8_t* data() const noexcept { return bytes_.data(); }
  std::size_t size() const noexcept { return is_v4() ? 4 : 16; }
  std::uint32_t v4_value() const noexcept;  // host order; IPv4 only

  // ::ffff:a.b.c.d. Peers that hand these out are flagged: the peer meant
  // an IPv4 address but sent it through an IPv6 field.
  bool is_v4_mapped() const noexcept;
  // The embedded IPv4 address of a v4-mapped address, else *this.
  IpAddress unmapped() const noexcept;

  std::string to_string() const;
  // Appends to_string()'s text to out, without a string of its own.
  void append_to(std::string& out) const;

  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;

 private:
  Family family_ = Family::v4;
  V6Bytes bytes_{};  // IPv4 uses the first four; the rest stay zero
};

struct Endpoint {
  IpAddress address;
  std::uint16_t port = 0;

  // "1.2.3.4:6881" or "[2001:db8::1]:6881".
  static Result<Endpoint> parse(std::string_view text);
  std::string to_string() const;
  void append_to(std::string& out) const;  // to_string()'s text onto out

  friend auto operator<=>(const Endpoint&, const Endpoint&) = default;
};

// "host:port" or "[host]:port" split into the host (brackets dropped) and
// the port text, neither checked; errc::bad_address in any other form (a
// bare IPv6 address has more than one ':').
struct HostPortText {
  std::string_view host, port;
};
Result<HostPortText> split_host_port(std::string_view text);
// A decimal port, 0-65535; errc::bad_value otherwise (empty text included).
Result<std::uint16_t> parse_port(std::string_view text);

// Encoding anomalies worth recording about a peer as it was handed out.
enum class EndpointFlag : std::uint8_t {
  port_zero = 1,  // port 0: nobody can listen there
  v4_mapped = 2,  // IPv4-mapped IPv6 address in an IPv6 field
};
using EndpointFlags = FlagSet<EndpointFlag>;
EndpointFlags endpoint_flags(const Endpoint& ep) noexcept;

// Byte-order bug models.
IpAddress reverse_v4(const IpAddress& a) noexcept;          // 1.2.3.4 -> 4.3.2.1 (IPv4 only)
IpAddress reverse_v6_whole(const IpAddress& a) noexcept;    // all 16 bytes reversed (IPv6 only)
IpAddress reverse_v6_words(const IpAddress& a) noexcept;    // each 32-bit word byte-swapped in place
// Every distinct byte-order variant of a, excluding a itself: one for IPv4
// (none for palindromes like 1.2.2.1), up to two for IPv6.
std::vector<IpAddress> byte_order_variants(const IpAddress& a);

// Port read as if its two bytes were swapped (6881 <-> 57626).
constexpr std::uint16_t reverse_port(std::uint16_t p) noexcept {
  return static_cast<std::uint16_t>((p >> 8) | (p << 8));
}

}  // namespace p2pscope

template <>
struct std::hash<p2pscope::IpAddress> {
  std::size_t operator()(const p2pscope::IpAddress& a) const noexcept;
};
template <>
struct std::hash<p2pscope::Endpoint> {
  std::size_t operator()(const p2pscope::Endpoint& e) const noexcept {
    return std::hash<p2pscope::IpAddress>{}(e.address) * 31 + e.port;
  }
};
