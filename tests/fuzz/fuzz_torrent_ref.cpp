#include "core/torrent_ref.hpp"
#include "tests/fuzz/fuzz_util.hpp"

using namespace p2pscope;

// First byte: bit 0 selects text (hex, base32, magnet) or .torrent contents.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  auto body = fuzz::as_view(data + 1, size - 1);
  if (data[0] & 1) {
    (void)parse_torrent_file(body);
  } else if (auto ref = parse_torrent_text(body)) {
    // A parsed infohash must print and re-parse to itself.
    if (parse_torrent_text(ref.value().info_hash.hex()).value().info_hash != ref.value().info_hash)
      fuzz::property_failed("infohash text round trip");
  }
  return 0;
}
