#include "core/hash.hpp"

namespace p2pscope::detail {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr char kBase32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int base32_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

}  // namespace

std::string to_hex(const std::uint8_t* p, std::size_t n) {
  std::string s;
  append_hex(s, p, n);
  return s;
}

void append_hex(std::string& out, const std::uint8_t* p, std::size_t n) {
  auto at = out.size();
  out.resize(at + 2 * n);
  char* d = out.data() + at;  // once: a store through out[] could alias its own pointer
  for (std::size_t i = 0; i < n; ++i) {
    d[2 * i] = kHex[p[i] >> 4];
    d[2 * i + 1] = kHex[p[i] & 0xf];
  }
}

bool from_hex(std::string_view text, std::uint8_t* out, std::size_t n) {
  if (text.size() != 2 * n) return false;
  for (std::size_t i = 0; i < n; ++i) {
    int hi = hex_value(text[2 * i]);
    int lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return true;
}

std::string to_base32(const std::uint8_t* p, std::size_t n) {
  std::string s;
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < n; ++i) {
    acc = (acc << 8) | p[i];
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      s.push_back(kBase32[(acc >> bits) & 31]);
    }
  }
  if (bits > 0) s.push_back(kBase32[(acc << (5 - bits)) & 31]);
  return s;
}

bool from_base32(std::string_view text, std::uint8_t* out, std::size_t n) {
  if (text.size() != (n * 8 + 4) / 5) return false;
  std::uint32_t acc = 0;
  int bits = 0;
  std::size_t o = 0;
  for (char c : text) {
    int v = base32_value(c);
    if (v < 0) return false;
    acc = (acc << 5) | static_cast<std::uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = static_cast<std::uint8_t>((acc >> bits) & 0xff);
    }
  }
  // Leftover bits must be zero, so every hash has exactly one spelling.
  return o == n && (acc & ((1u << bits) - 1)) == 0;
}

}  // namespace p2pscope::detail
