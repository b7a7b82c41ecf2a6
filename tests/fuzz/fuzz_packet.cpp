#include "core/packet.hpp"
#include "tests/fuzz/fuzz_util.hpp"

using namespace p2pscope;

// Every link type over the same bytes: decoding returns a packet or an
// error, and a packet's payload view stays inside the input.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto raw = fuzz::as_view(data, size);
  for (auto link : {LinkType::null, LinkType::ethernet, LinkType::raw, LinkType::loop, LinkType::linux_sll,
                    LinkType::linux_sll2}) {
    auto p = decode_frame(link, raw);
    if (!p) continue;
    const auto& v = p.value().payload;
    if (!v.empty() && (v.data() < raw.data() || v.data() + v.size() > raw.data() + raw.size()))
      fuzz::property_failed("payload outside the frame");
  }
  return 0;
}
