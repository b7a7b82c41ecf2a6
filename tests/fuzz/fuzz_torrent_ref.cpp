#include "core/torrent_ref.hpp"
#include "tests/fuzz/fuzz_util.hpp"

#include <libtorrent/torrent_info.hpp>

#include <optional>

using namespace p2pscope;

namespace {

// libtorrent's torrent_info, built straight from the bytes, is the oracle
// for .torrent contents: it must accept exactly what we accept, and name the
// same swarm, name and trackers.
void check_against_torrent_info(std::string_view body) {
  auto ours = parse_torrent_file(body);
  TorrentFileLimits lim;
  if (body.size() > static_cast<std::size_t>(lim.max_size)) return;
  lt::load_torrent_limits cfg;
  cfg.max_buffer_size = lim.max_size;
  cfg.max_pieces = lim.max_pieces;
  cfg.max_decode_depth = lim.max_depth;
  cfg.max_decode_tokens = lim.max_tokens;
  std::optional<lt::torrent_info> ti;
  try {
    ti.emplace(lt::span<char const>(body.data(), static_cast<std::ptrdiff_t>(body.size())), cfg, lt::from_span);
  } catch (const std::exception&) {
  }
  if (static_cast<bool>(ours) != ti.has_value()) fuzz::property_failed("accepts what torrent_info refuses, or refuses what it takes");
  if (!ours) return;
  const auto& ih = ti->info_hashes();
  auto want = ih.has_v1() ? ih.v1 : lt::sha1_hash(ih.v2.data());
  if (ours.value().info_hash.raw() != std::string_view(want.data(), want.size())) fuzz::property_failed("infohash differs");
  if (ours.value().name.value_or("") != ti->name()) fuzz::property_failed("name differs");
  std::vector<std::string> urls;
  for (const auto& t : ti->trackers()) urls.push_back(t.url);
  if (ours.value().trackers != urls) fuzz::property_failed("trackers differ");
}

}  // namespace

// First byte: bit 0 selects text (hex, base32, magnet) or .torrent contents.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  auto body = fuzz::as_view(data + 1, size - 1);
  if (data[0] & 1) {
    check_against_torrent_info(body);
  } else if (auto ref = parse_torrent_text(body)) {
    // A parsed infohash must print and re-parse to itself.
    if (parse_torrent_text(ref.value().info_hash.hex()).value().info_hash != ref.value().info_hash)
      fuzz::property_failed("infohash text round trip");
  }
  return 0;
}
