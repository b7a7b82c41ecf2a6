// Small helpers for line-oriented text formats (scenario files, known lists,
// routing data). Views into the caller's text; no allocation but split's
// vector. Thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace p2pscope {

// s without leading and trailing spaces, tabs and carriage returns.
inline std::string_view trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// The fields between separators (an empty s gives one empty field).
inline std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    auto at = s.find(sep);
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + 1);
  }
}

// Bytes off the wire as printable ASCII: printable characters as they are,
// every other byte (and '%') as %XX. Safe to put in JSON, which takes only
// UTF-8.
inline std::string printable(std::string_view bytes) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : bytes) {
    auto b = static_cast<unsigned char>(c);
    if (b >= 0x20 && b < 0x7f && b != '%') out.push_back(c);
    else out += {'%', hex[b >> 4], hex[b & 15]};
  }
  return out;
}

}  // namespace p2pscope
