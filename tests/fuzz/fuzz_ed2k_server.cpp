#include "core/ed2k_server.hpp"
#include "tests/fuzz/fuzz_util.hpp"

using namespace p2pscope;
using namespace p2pscope::ed2k;

using fuzz::check_round_trip;

// First byte: which parser.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  auto body = fuzz::as_view(data + 1, size - 1);
  Limits lim;
  switch (data[0] % 11) {
    case 10:
      check_round_trip(body, [](auto b) { return decode_offer_files(b); }, encode_offer_files, "ed2k offer files");
      break;
    case 0: check_round_trip(body, [&](auto b) { return decode_login(b, lim); }, encode_login, "ed2k login"); break;
    case 1: check_round_trip(body, decode_id_change, encode_id_change, "ed2k id change"); break;
    case 2:
      check_round_trip(body, decode_server_message, [](const std::string& t) { return encode_server_message(t); },
                 "ed2k server message");
      break;
    case 3: check_round_trip(body, decode_server_status, encode_server_status, "ed2k server status"); break;
    case 4: check_round_trip(body, decode_server_list, encode_server_list, "ed2k server list"); break;
    case 5: check_round_trip(body, decode_udp_status, encode_udp_status, "ed2k udp status"); break;
    case 6:
      check_round_trip(body, [&](auto b) { return decode_server_description(b, lim); }, encode_server_description,
                 "ed2k server description");
      break;
    case 7:
      check_round_trip(body, [&](auto b) { return decode_glob_get_sources(b, lim); }, encode_glob_get_sources,
                 "ed2k glob get sources");
      break;
    case 8:
      check_round_trip(body, [&](auto b) { return decode_glob_found_sources(b, lim); }, encode_glob_found_sources,
                 "ed2k glob found sources");
      break;
    default:
      check_round_trip(body, [](auto b) { return decode_server_met(b); }, encode_server_met, "server.met");
  }
  return 0;
}
