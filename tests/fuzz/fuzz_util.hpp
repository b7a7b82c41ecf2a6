// Helpers shared by the libFuzzer targets. A failed property aborts, which
// libFuzzer reports as a crash with the reproducing input saved.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace p2pscope::fuzz {

inline std::string_view as_view(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

[[noreturn]] inline void property_failed(const char* what) {
  std::fprintf(stderr, "fuzz property violated: %s\n", what);
  std::abort();
}

// Canonical-form stability: for any input that decodes to y, encode(y) must
// decode again, and re-encoding that must give the same bytes. (Plain
// decode(encode(y)) == y does not hold for inputs with duplicate or unsorted
// dictionary keys, which bencode canonicalises.)
template <class Decode, class Encode>
void check_canonical(const auto& decoded, Decode decode, Encode encode, const char* what) {
  auto e1 = encode(decoded);
  auto again = decode(e1);
  if (!again) property_failed(what);
  if (encode(again.value()) != e1) property_failed(what);
}

// decode(encode(v)) == v for every value v that decode accepts from body.
template <class Decode, class Encode>
void check_round_trip(std::string_view body, Decode decode, Encode encode, const char* what) {
  auto r = decode(body);
  if (!r) return;
  auto again = decode(encode(r.value()));
  if (!again || !(again.value() == r.value())) property_failed(what);
}

}  // namespace p2pscope::fuzz
