#include "core/krpc.hpp"
#include "tests/fuzz/fuzz_util.hpp"

using namespace p2pscope;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto m = decode_krpc(fuzz::as_view(data, size));
  if (m) {
    fuzz::check_canonical(
        m.value(), [](std::string_view b) { return decode_krpc(b); },
        [](const KrpcMessage& x) { return encode_krpc(x); }, "krpc decode/encode not canonical");
  }
  return 0;
}
