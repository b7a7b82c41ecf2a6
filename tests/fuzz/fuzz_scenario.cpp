#include "lab/scenario.hpp"
#include "tests/fuzz/fuzz_util.hpp"

using namespace p2pscope;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  lab::ScenarioError err;
  auto s = lab::parse_scenario(fuzz::as_view(data, size), &err);
  if (!s && err.message.empty()) fuzz::property_failed("scenario error without a message");
  if (s && s.value().name.empty()) fuzz::property_failed("scenario accepted without a name");
  return 0;
}
