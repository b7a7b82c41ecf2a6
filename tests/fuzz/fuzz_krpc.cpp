#include "core/krpc.hpp"
#include "passive/krpc_salvage.hpp"
#include "tests/fuzz/fuzz_util.hpp"

#include <cstdlib>

using namespace p2pscope;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto bytes = fuzz::as_view(data, size);
  auto m = decode_krpc(bytes);
  if (m) {
    fuzz::check_canonical(
        m.value(), [](std::string_view b) { return decode_krpc(b); },
        [](const KrpcMessage& x) { return encode_krpc(x); }, "krpc decode/encode not canonical");
    return 0;
  }
  // What the strict decoder refuses, passive salvages: it must name a
  // defect and keep within the limits.
  KrpcLimits lim;
  if (auto s = passive::salvage_krpc({}, bytes, m.error(), lim)) {
    if (s->defect.empty() || s->nodes.size() > 2 * lim.max_nodes || s->values.size() > lim.max_values ||
        s->samples.size() > lim.max_samples || s->transaction_id.size() > lim.max_transaction_id)
      std::abort();
  }
  return 0;
}
