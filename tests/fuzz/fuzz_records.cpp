#include "store/record_json.hpp"
#include "tests/fuzz/fuzz_util.hpp"

using namespace p2pscope;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto r = parse_record(fuzz::as_view(data, size), {});
  if (r) {
    fuzz::check_canonical(
        r.value(), [](std::string_view b) { return parse_record(b); },
        [](const Record& x) { return to_json_line(x); }, "record JSON");
  } else if (r.error().message() == r.error().code().message()) {
    fuzz::property_failed("record error without detail");
  }
  return 0;
}
