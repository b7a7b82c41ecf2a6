#include "core/compact.hpp"
#include "tests/fuzz/fuzz_util.hpp"

using namespace p2pscope;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto raw = fuzz::as_view(data, size);
  for (Family f : {Family::v4, Family::v6}) {
    if (auto peers = decode_compact_peers(raw, f, 1 << 16)) {
      if (encode_compact_peers(peers.value()) != raw) fuzz::property_failed("compact peers");
    }
    if (auto nodes = decode_compact_nodes(raw, f, 1 << 16)) {
      if (encode_compact_nodes(nodes.value()) != raw) fuzz::property_failed("compact nodes");
    }
  }
  if (auto p = decode_compact_peer(raw)) {
    if (encode_compact_peer(p.value()) != raw) fuzz::property_failed("compact peer");
  }
  return 0;
}
