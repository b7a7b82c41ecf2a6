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
  } else {
    auto h = decode_extended_handshake(body);
    // The passive hot path's summary must agree with the full decode.
    auto s = summarize_extended_handshake(body, "ut_pex");
    if (h.has_value() != s.has_value()) fuzz::property_failed("summary accepts what the decode does not, or back");
    if (!h) {
      if (h.error() != s.error()) fuzz::property_failed("summary fails with another error");
      return 0;
    }
    const auto& x = h.value();
    const auto& y = s.value();
    if (y.extension_id != x.extension_id("ut_pex") || y.v != x.v || y.p != x.p || y.yourip != x.yourip)
      fuzz::property_failed("summary reads other values");
    fuzz::check_canonical(
        x, [](std::string_view b) { return decode_extended_handshake(b); },
        [](const ExtendedHandshake& e) { return encode_extended_handshake(e); }, "extended handshake");
  }
  return 0;
}
