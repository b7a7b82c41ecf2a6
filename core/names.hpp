// Enumerations that are written as text (records, logs, reports, the wire):
// each has one table of (enumerator, name), a constexpr function
// `enum_names(E)` next to its declaration, found by argument-dependent
// lookup; these functions read it both ways, so a name is spelled in one
// place.
//
//   enum class Colour : std::uint8_t { red, green };
//   constexpr auto enum_names(Colour) noexcept {
//     return std::to_array<std::pair<Colour, std::string_view>>({{Colour::red, "red"}, {Colour::green, "green"}});
//   }
//
// Values only; thread-safe.
#pragma once

#include "core/error.hpp"

#include <array>
#include <cstddef>
#include <string_view>
#include <utility>

namespace p2pscope {

// The name of e; `fallback` when the table lacks it (a value cast from a
// number that no enumerator has).
template <class E>
constexpr std::string_view name_of(E e, std::string_view fallback = "unknown") noexcept {
  for (const auto& [v, name] : enum_names(E{})) {
    if (v == e) return name;
  }
  return fallback;
}

// The enumerator named s; errc::bad_value for any other text.
template <class E>
Result<E> from_name(std::string_view s) noexcept {
  for (const auto& [v, name] : enum_names(E{})) {
    if (name == s) return v;
  }
  return errc::bad_value;
}

// True when the table names `count` enumerators, each once and none empty:
// static_assert(names_complete<E>(N)) where N is the number of enumerators.
template <class E>
constexpr bool names_complete(std::size_t count) noexcept {
  const auto t = enum_names(E{});
  if (t.size() != count) return false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i].second.empty()) return false;
    for (std::size_t j = 0; j < i; ++j) {
      if (t[j].first == t[i].first || t[j].second == t[i].second) return false;
    }
  }
  return true;
}

}  // namespace p2pscope
