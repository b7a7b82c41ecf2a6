// Known-list parsing (all three formats, gzip) and the blocklist writers:
// whatever parses, written back out in a format that carries it, must parse
// again to the same merged coverage.
#include "probes/blocklist.hpp"
#include "probes/known_lists.hpp"
#include "tests/fuzz/fuzz_util.hpp"

using namespace p2pscope;
using namespace p2pscope::probes;

namespace {

std::vector<IpRange> coverage(std::vector<IpRange> r, bool v4_only) {
  std::erase_if(r, [&](const IpRange& x) { return v4_only && !x.first.is_v4(); });
  for (auto& x : r) x.label.clear();
  return merge_ranges(std::move(r));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ListLimits lim;
  lim.max_bytes = 1 << 20;
  lim.max_entries = 4096;
  auto list = parse_known_list(fuzz::as_view(data, size), ListFormat::automatic, lim);
  if (!list) {
    if (list.error().message() == list.error().code().message()) fuzz::property_failed("an error that does not say where");
    return 0;
  }
  for (auto [out, in] : {std::pair{BlocklistFormat::p2p, ListFormat::p2p}, std::pair{BlocklistFormat::dat, ListFormat::dat},
                         std::pair{BlocklistFormat::cidr, ListFormat::cidr}}) {
    auto written = format_blocklist(list.value().ranges, out);
    auto back = parse_known_list(written.text, in, {});
    if (!back) fuzz::property_failed("a written blocklist does not parse");
    bool v4_only = out != BlocklistFormat::cidr;
    if (coverage(back.value().ranges, false) != coverage(list.value().ranges, v4_only))
      fuzz::property_failed("a written blocklist covers other addresses");
  }
  return 0;
}
