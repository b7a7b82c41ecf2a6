// Small helpers for line-oriented text formats (scenario files, known lists,
// routing data). Views into the caller's text; no allocation but split's
// vector. Thread-safe.
#pragma once

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

}  // namespace p2pscope
