#include "core/kad.hpp"
#include "tests/fuzz/fuzz_util.hpp"

using namespace p2pscope;
using namespace p2pscope::kad;

using fuzz::check_round_trip;

// First byte: which parser.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  auto body = fuzz::as_view(data + 1, size - 1);
  Limits lim;
  switch (data[0] % 9) {
    case 0:
      check_round_trip(body, [&](auto b) { return decode_bootstrap_response(b, lim); }, encode_bootstrap_response,
                 "kad bootstrap");
      break;
    case 1: check_round_trip(body, [&](auto b) { return decode_hello(b, lim); }, encode_hello, "kad hello"); break;
    case 2: check_round_trip(body, decode_node_request, encode_node_request, "kad node request"); break;
    case 3:
      check_round_trip(body, [&](auto b) { return decode_node_response(b, lim); }, encode_node_response,
                 "kad node response");
      if (auto r = decode_node_response(body, lim); r && answer_target(op::res, body) != r.value().target)
        fuzz::property_failed("kad answer target of a node response");
      break;
    case 4: check_round_trip(body, decode_source_search, encode_source_search, "kad source search"); break;
    case 5:
      check_round_trip(body, [&](auto b) { return decode_search_response(b, lim); }, encode_search_response,
                 "kad search response");
      if (auto r = decode_search_response(body, lim); r && answer_target(op::search_res, body) != r.value().target)
        fuzz::property_failed("kad answer target of a search response");
      if (auto r = decode_search_response(body, lim))
        for (const auto& res : r.value().results)
          if (auto e = source_entry(res); e && source_entry(search_result_of(e.value())).value() != e.value())
            fuzz::property_failed("kad source entry");
      break;
    case 6: check_round_trip(body, [&](auto b) { return decode_nodes_dat(b, lim); }, encode_nodes_dat, "nodes.dat"); break;
    case 7:
      check_round_trip(body, [&](auto b) { return decode_source_publish(b, lim); }, encode_source_publish,
                 "kad source publish");
      break;
    default: (void)decode_pong(body);
  }
  return 0;
}
