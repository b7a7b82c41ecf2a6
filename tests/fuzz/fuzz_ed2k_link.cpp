#include "core/ed2k_link.hpp"
#include "tests/fuzz/fuzz_util.hpp"

#include <variant>

using namespace p2pscope;
using namespace p2pscope::ed2k;

// Every link that parses formats back to text that parses to the same link;
// the hasher takes any bytes.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto text = fuzz::as_view(data, size);
  auto link = parse_link(text);
  if (link) {
    if (const auto* f = std::get_if<FileLink>(&link.value())) {
      auto again = parse_link(format_link(*f));
      if (!again || std::get<FileLink>(again.value()) != *f) fuzz::property_failed("ed2k file link round trip");
    }
    if (const auto* s = std::get_if<ServerLink>(&link.value())) {
      auto again = parse_link(format_link(*s));
      if (!again || std::get<ServerLink>(again.value()) != *s) fuzz::property_failed("ed2k server link round trip");
    }
  }
  FileHasher h;
  h.update(text);
  auto set = std::move(h).finish();
  if (set.size != size || set.parts.size() != part_hash_count(size)) fuzz::property_failed("ed2k hash set shape");
  return 0;
}
