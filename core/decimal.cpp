#include "core/decimal.hpp"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>

namespace p2pscope {
namespace {

// Why the fast path is exact. Let t = v, in [1, 2^32), and D the nearest
// multiple of 1e-6 to it. If D lies strictly within half an ulp of t, D
// reads back as t. Any other decimal with at most six fraction digits is a
// multiple of 1e-6 other than D, so at least 1e-6 - ulp/2 from t; an ulp
// below 2^32 is at most 2^-21 s (0.48 us), so that is more than half an
// ulp and it does not read back as t. Hence D, with trailing zeros
// dropped, is the shortest text that does, which is what to_chars picks.
// The margin covers the rounding of frac * 1e6 (below 1e-10 us).
bool append_microseconds(double v, std::string& out) {
  if (!(v >= 1.0 && v < 4294967296.0)) return false;
  auto sec = static_cast<std::uint64_t>(v);                   // floor, v being positive
  double us = (v - static_cast<double>(sec)) * 1e6;          // v - sec is exact
  auto frac = static_cast<std::uint32_t>(us + 0.5);          // the nearest whole microsecond
  // ulp(v) = 2^(exponent - 52), built from v's exponent bits (v >= 1 is normal).
  auto ulp = std::bit_cast<double>((std::bit_cast<std::uint64_t>(v) & 0x7ff0000000000000ULL) - (52ULL << 52));
  double off = us - static_cast<double>(frac);
  if (!((off < 0 ? -off : off) < ulp * 1e6 / 2 - 1e-6) || frac >= 1000000) return false;
  char buf[24];
  auto end = std::to_chars(buf, buf + sizeof buf, sec).ptr;
  if (frac != 0) {
    *end++ = '.';
    char digits[6];
    for (int i = 5; i >= 0; --i) {
      digits[i] = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    int n = 6;
    while (digits[n - 1] == '0') --n;
    for (int i = 0; i < n; ++i) *end++ = digits[i];
  }
  out.append(buf, end);
  return true;
}

}  // namespace

void append_fixed(double v, std::string& out) {
  if (append_microseconds(v, out)) return;
  char buf[400];  // the longest fixed text of a double (DBL_MAX) is 309 digits
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  out.append(buf, r.ptr);
}

}  // namespace p2pscope
