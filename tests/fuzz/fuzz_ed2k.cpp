#include "core/ed2k.hpp"
#include "tests/fuzz/fuzz_util.hpp"

using namespace p2pscope;
using namespace p2pscope::ed2k;

// First byte: which parser. Every accepted input must re-encode to bytes
// that decode to the same value (the encoders canonicalise: old tag form,
// zlib at the default level).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  auto body = fuzz::as_view(data + 1, size - 1);
  Limits lim;
  lim.max_frame = lim.max_unpacked = 1 << 16;
  switch (data[0] % 7) {
    case 0:
      if (auto r = decode_tcp_frame(body, lim)) {
        if (r.value().size > body.size()) fuzz::property_failed("ed2k frame longer than its input");
        auto again = decode_tcp_frame(encode_tcp_frame(r.value().frame), lim);
        if (!again || again.value().frame != r.value().frame) fuzz::property_failed("ed2k tcp frame round trip");
      }
      break;
    case 1:
      if (auto r = decode_udp_frame(body, lim)) {
        auto again = decode_udp_frame(encode_udp_frame(r.value()), lim);
        if (!again || again.value() != r.value()) fuzz::property_failed("ed2k udp frame round trip");
      }
      break;
    case 2:
    case 3: {
      auto list = data[0] % 7 == 2 ? TagList::ed2k : TagList::kad;
      if (auto r = decode_tags(body, list, lim)) {
        auto again = decode_tags(encode_tags(r.value().tags, list), list, lim);
        if (!again || again.value().tags != r.value().tags) fuzz::property_failed("ed2k tags round trip");
      }
      break;
    }
    case 4:
      if (auto r = decode_get_sources(body, lim)) {
        // A small size in the 64-bit form is accepted and written back in the 32-bit one.
        auto again = decode_get_sources(encode_get_sources(r.value()), lim);
        if (!again || again.value() != r.value()) fuzz::property_failed("ed2k get_sources round trip");
      }
      break;
    default: {
      auto form = data[0] % 7 == 5 ? SourceForm::plain : SourceForm::obfuscation;
      if (auto r = decode_found_sources(body, form)) {
        if (encode_found_sources(r.value(), form) != body) fuzz::property_failed("ed2k found_sources not byte-exact");
      }
    }
  }
  return 0;
}
