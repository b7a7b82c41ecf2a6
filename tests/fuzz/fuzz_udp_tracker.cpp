#include "core/udp_tracker.hpp"
#include "tests/fuzz/fuzz_util.hpp"

using namespace p2pscope;

// First byte: bit 0 selects request (0) or response (1); bit 1 the peer family.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  auto body = fuzz::as_view(data + 1, size - 1);
  Family f = (data[0] & 2) ? Family::v6 : Family::v4;
  if (data[0] & 1) {
    auto decode = [f](std::string_view b) { return decode_udp_tracker_response(b, f); };
    auto encode = [](const UdpTrackerResponse& x) { return encode_udp_tracker(x); };
    if (auto r = decode(body)) {
      if (encode(r.value()) != body) fuzz::property_failed("udp response not byte-exact");
      fuzz::check_canonical(r.value(), decode, encode, "udp response");
    }
  } else {
    auto decode = [](std::string_view b) { return decode_udp_tracker_request(b); };
    auto encode = [](const UdpTrackerRequest& x) { return encode_udp_tracker(x); };
    if (auto r = decode(body)) {
      if (encode(r.value()) != body) fuzz::property_failed("udp request not byte-exact");
    }
  }
  return 0;
}
