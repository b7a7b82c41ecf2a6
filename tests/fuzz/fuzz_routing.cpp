// Routing-data lines (pfx2as and bgpdump -m) into a PrefixTable: every
// accepted prefix's own network must then match a prefix at least as long.
#include "probes/routing_data.hpp"
#include "tests/fuzz/fuzz_util.hpp"

using namespace p2pscope;
using namespace p2pscope::probes;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto text = fuzz::as_view(data, size);
  PrefixTable table;
  std::vector<Cidr> added;
  while (!text.empty() && added.size() < 512) {
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    for (auto parse : {parse_pfx2as_line, parse_bgpdump_line}) {
      auto a = parse(line);
      if (a && a.value()) {
        table.add(a.value()->prefix, a.value()->asn);
        added.push_back(a.value()->prefix);
      }
    }
  }
  if (!table.build()) return 0;
  for (const auto& c : added) {
    auto hit = table.lookup(c.network);
    if (!hit || hit->prefix.length < c.length || !range_of(hit->prefix).contains(c.network.unmapped()))
      fuzz::property_failed("an added prefix does not match itself");
  }
  return 0;
}
