#include "core/ip.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

namespace p2pscope {

IpAddress IpAddress::v4(const V4Bytes& b) noexcept {
  IpAddress a;
  a.family_ = Family::v4;
  std::copy(b.begin(), b.end(), a.bytes_.begin());
  return a;
}

IpAddress IpAddress::v4(std::uint32_t host_order) noexcept {
  return v4(V4Bytes{static_cast<std::uint8_t>(host_order >> 24),
                    static_cast<std::uint8_t>(host_order >> 16),
                    static_cast<std::uint8_t>(host_order >> 8),
                    static_cast<std::uint8_t>(host_order)});
}

IpAddress IpAddress::v6(const V6Bytes& b) noexcept {
  IpAddress a;
  a.family_ = Family::v6;
  a.bytes_ = b;
  return a;
}

Result<IpAddress> IpAddress::parse(std::string_view text) {
  // inet_pton needs a NUL-terminated string; longest IPv6 text is 45 chars.
  if (text.empty() || text.size() > 45) return errc::bad_address;
  std::string s(text);
  V6Bytes b{};
  if (s.find(':') == std::string::npos) {
    if (inet_pton(AF_INET, s.c_str(), b.data()) != 1) return errc::bad_address;
    return v4(V4Bytes{b[0], b[1], b[2], b[3]});
  }
  if (inet_pton(AF_INET6, s.c_str(), b.data()) != 1) return errc::bad_address;
  return v6(b);
}

Result<IpAddress> IpAddress::from_bytes(std::string_view raw) {
  V6Bytes b{};
  if (raw.size() != 4 && raw.size() != 16) return errc::bad_address;
  std::memcpy(b.data(), raw.data(), raw.size());
  if (raw.size() == 4) return v4(V4Bytes{b[0], b[1], b[2], b[3]});
  return v6(b);
}

std::string_view IpAddress::raw() const noexcept {
  return {reinterpret_cast<const char*>(bytes_.data()), size()};
}

std::uint32_t IpAddress::v4_value() const noexcept {
  return std::uint32_t{bytes_[0]} << 24 | std::uint32_t{bytes_[1]} << 16 |
         std::uint32_t{bytes_[2]} << 8 | bytes_[3];
}

bool IpAddress::is_v4_mapped() const noexcept {
  static constexpr std::uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return is_v6() && std::memcmp(bytes_.data(), prefix, sizeof prefix) == 0;
}

IpAddress IpAddress::unmapped() const noexcept {
  if (!is_v4_mapped()) return *this;
  return v4(V4Bytes{bytes_[12], bytes_[13], bytes_[14], bytes_[15]});
}

std::string IpAddress::to_string() const {
  std::string s;
  append_to(s);
  return s;
}

namespace {
// Records print addresses by the million: IPv4 without inet_ntop's printf.
// Writes "a.b.c.d." (with a last '.') at out, which has room for 16; returns
// the length.
std::size_t write_v4_dotted(const std::uint8_t* bytes, char* out) noexcept {
  std::size_t n = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    unsigned b = bytes[i];
    if (b >= 100) out[n++] = static_cast<char>('0' + b / 100);
    if (b >= 10) out[n++] = static_cast<char>('0' + b / 10 % 10);
    out[n++] = static_cast<char>('0' + b % 10);
    out[n++] = '.';
  }
  return n;
}
}  // namespace

void IpAddress::append_to(std::string& out) const {
  if (is_v6()) {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(AF_INET6, bytes_.data(), buf, sizeof buf);
    out += buf;
    return;
  }
  std::array<char, 16> text;
  out.append(text.data(), write_v4_dotted(bytes_.data(), text.data()) - 1);  // without the last '.'
}

Result<HostPortText> split_host_port(std::string_view text) {
  if (!text.empty() && text.front() == '[') {
    auto close = text.find("]:");
    if (close == std::string_view::npos) return errc::bad_address;
    return HostPortText{text.substr(1, close - 1), text.substr(close + 2)};
  }
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || text.find(':') != colon) return errc::bad_address;
  return HostPortText{text.substr(0, colon), text.substr(colon + 1)};
}

Result<std::uint16_t> parse_port(std::string_view text) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value > 65535) return errc::bad_value;
  return static_cast<std::uint16_t>(value);
}

Result<Endpoint> Endpoint::parse(std::string_view text) {
  P2PSCOPE_TRY(parts, split_host_port(text));
  P2PSCOPE_TRY(addr, IpAddress::parse(parts.host));
  P2PSCOPE_TRY(port, parse_port(parts.port));
  return Endpoint{addr, port};
}

std::string Endpoint::to_string() const {
  std::string s;
  append_to(s);
  return s;
}

void Endpoint::append_to(std::string& out) const {
  if (address.is_v6()) {
    out += '[';
    address.append_to(out);
    out += "]:";
    char buf[8];
    out.append(buf, std::to_chars(buf, buf + sizeof buf, port).ptr);
    return;
  }
  // "a.b.c.d:port" built whole and appended once.
  std::array<char, 24> text;
  std::size_t n = write_v4_dotted(address.data(), text.data());
  text[n - 1] = ':';
  n = static_cast<std::size_t>(std::to_chars(text.data() + n, text.data() + text.size(), port).ptr - text.data());
  out.append(text.data(), n);
}

EndpointFlags endpoint_flags(const Endpoint& ep) noexcept {
  EndpointFlags f;
  f.set(EndpointFlag::port_zero, ep.port == 0);
  f.set(EndpointFlag::v4_mapped, ep.address.is_v4_mapped());
  return f;
}

IpAddress reverse_v4(const IpAddress& a) noexcept {
  const auto* p = a.data();
  return IpAddress::v4(IpAddress::V4Bytes{p[3], p[2], p[1], p[0]});
}

IpAddress reverse_v6_whole(const IpAddress& a) noexcept {
  IpAddress::V6Bytes b{};
  std::reverse_copy(a.data(), a.data() + 16, b.begin());
  return IpAddress::v6(b);
}

IpAddress reverse_v6_words(const IpAddress& a) noexcept {
  IpAddress::V6Bytes b{};
  for (std::size_t w = 0; w < 16; w += 4) std::reverse_copy(a.data() + w, a.data() + w + 4, b.begin() + static_cast<long>(w));
  return IpAddress::v6(b);
}

std::vector<IpAddress> byte_order_variants(const IpAddress& a) {
  std::vector<IpAddress> out;
  auto add = [&](const IpAddress& v) {
    if (v != a && std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  };
  if (a.is_v4()) {
    add(reverse_v4(a));
  } else {
    add(reverse_v6_whole(a));
    add(reverse_v6_words(a));
  }
  return out;
}

}  // namespace p2pscope

std::size_t std::hash<p2pscope::IpAddress>::operator()(const p2pscope::IpAddress& a) const noexcept {
  std::size_t h = static_cast<std::size_t>(a.family());
  for (std::size_t i = 0; i < a.size(); ++i) h = h * 1099511628211ULL ^ a.data()[i];
  return h;
}
