#include "store/record_json.hpp"
#include "tests/fuzz/fuzz_util.hpp"

using namespace p2pscope;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string detail;
  auto r = parse_record(fuzz::as_view(data, size), {}, &detail);
  if (r) {
    fuzz::check_canonical(
        r.value(), [](std::string_view b) { return parse_record(b); },
        [](const Record& x) { return to_json_line(x); }, "record JSON");
  } else if (detail.empty()) {
    fuzz::property_failed("record error without detail");
  }
  return 0;
}
