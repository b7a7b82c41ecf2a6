#include "lab/scenario.hpp"
#include "tests/fuzz/fuzz_util.hpp"

using namespace p2pscope;

// A scenario accepted must format and parse back to itself: the lab writes
// the scenario it runs with format_scenario() and reads it again.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  lab::ScenarioError err;
  auto s = lab::parse_scenario(fuzz::as_view(data, size), &err);
  if (!s && err.message.empty()) fuzz::property_failed("scenario error without a message");
  if (!s) return 0;
  if (s.value().name.empty()) fuzz::property_failed("scenario accepted without a name");
  auto text = lab::format_scenario(s.value());
  auto again = lab::parse_scenario(text, &err);
  if (!again) fuzz::property_failed("a formatted scenario does not parse");
  if (!(again.value() == s.value())) fuzz::property_failed("format then parse is not the identity");
  return 0;
}
