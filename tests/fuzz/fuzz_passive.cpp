#include "passive/extractor.hpp"
#include "tests/fuzz/fuzz_util.hpp"

using namespace p2pscope;

// The input is a run of frames, each a 2-byte big-endian length then raw IP
// bytes, all handed to one extractor: flows, reassembly, peer-wire, HTTP and
// KRPC recognisers see hostile packet sequences. Every event must turn into
// JSON (printable strings only).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto raw = fuzz::as_view(data, size);
  passive::ExtractorLimits lim;
  lim.max_flows = 16;
  lim.reassembly.max_held = 4096;
  lim.max_http_body = 8192;
  passive::Extractor x([](const passive::Event& e) { (void)passive::to_json(e).dump(); }, lim);
  double t = 0;
  while (raw.size() >= 2) {
    auto len = static_cast<std::size_t>(static_cast<std::uint8_t>(raw[0]) << 8 | static_cast<std::uint8_t>(raw[1]));
    raw.remove_prefix(2);
    auto frame = raw.substr(0, len);
    raw.remove_prefix(frame.size());
    if (auto p = decode_ip(frame)) x.packet(t += 0.001, p.value());
  }
  x.finish();
  return 0;
}
