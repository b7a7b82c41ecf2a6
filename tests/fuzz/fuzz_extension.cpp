#include "core/extension.hpp"
#include "tests/fuzz/fuzz_util.hpp"

using namespace p2pscope;

// First byte: bit 0 selects the extended handshake (0) or ut_pex (1).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  auto body = fuzz::as_view(data + 1, size - 1);
  if (data[0] & 1) {
    if (auto m = decode_pex(body)) {
      fuzz::check_canonical(
          m.value(), [](std::string_view b) { return decode_pex(b); },
          [](const PexMessage& x) { return encode_pex(x); }, "ut_pex");
    }
  } else if (auto h = decode_extended_handshake(body)) {
    fuzz::check_canonical(
        h.value(), [](std::string_view b) { return decode_extended_handshake(b); },
        [](const ExtendedHandshake& x) { return encode_extended_handshake(x); }, "extended handshake");
  }
  return 0;
}
