#include "core/ed2k_client.hpp"
#include "tests/fuzz/fuzz_util.hpp"

using namespace p2pscope;
using namespace p2pscope::ed2k;

using fuzz::check_round_trip;

// First byte: which parser, and (bits 4-7) the sender's advertised level
// where the layout depends on it.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  auto body = fuzz::as_view(data + 1, size - 1);
  auto level = static_cast<std::uint8_t>(data[0] >> 4);
  Limits lim;
  switch (data[0] % 11) {
    case 0:
    case 1: {
      auto kind = data[0] % 11 == 0 ? HelloKind::hello : HelloKind::answer;
      check_round_trip(body, [&](auto b) { return decode_hello(b, kind, lim); },
                 [&](const Hello& h) { return encode_hello(h, kind); }, "ed2k hello");
      if (auto h = decode_hello(body, kind, lim)) (void)client_info(h.value()).software();
      break;
    }
    case 2:
      check_round_trip(body, [&](auto b) { return decode_file_name_request(b, level % 3); }, encode_file_name_request,
                 "ed2k file name request");
      break;
    case 3: check_round_trip(body, decode_file_name_answer, encode_file_name_answer, "ed2k file name answer"); break;
    case 4: check_round_trip(body, decode_file_status, encode_file_status, "ed2k file status"); break;
    case 5:
      check_round_trip(body, decode_hash_only, encode_hash_only, "ed2k hash");
      check_round_trip(body, [](auto b) { return decode_hashset_answer(b, 64); }, encode_hashset_answer,
                       "ed2k hashset answer");
      check_round_trip(body, decode_queue_ranking, encode_queue_ranking, "ed2k queue ranking");
      break;
    case 6:
    case 7: {
      auto kind = data[0] % 11 == 6 ? MultiKind::plain : MultiKind::extended;
      check_round_trip(body, [&](auto b) { return decode_multipacket(b, kind, level % 3, lim); },
                 [&](const MultiRequest& m) { return encode_multipacket(m, kind); }, "ed2k multipacket");
      break;
    }
    case 8:
      check_round_trip(body, decode_multipacket_answer, encode_multipacket_answer, "ed2k multipacket answer");
      break;
    case 9:
      check_round_trip(body, [&](auto b) { return decode_answer_sources(b, level % 5); }, encode_answer_sources,
                 "ed2k answer sources");
      break;
    default:
      check_round_trip(body, [](auto b) { return decode_answer_sources2(b); }, encode_answer_sources2,
                 "ed2k answer sources2");
      check_round_trip(body, decode_sources_request2, encode_sources_request2, "ed2k request sources2");
  }
  return 0;
}
