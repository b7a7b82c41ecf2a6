// What a user names a torrent by, reduced to what the crawler needs: the
// swarm's infohash plus trackers, name and DHT nodes where the input carries
// them. Accepts 40-digit hex, 32-character base32, magnet URIs (BEP 9) and
// .torrent contents; magnets and .torrents are parsed by libtorrent. Pure:
// the caller reads files.
#pragma once

#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/ip.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace p2pscope {

struct TorrentRef {
  // The v1 infohash; for a v2-only torrent, the v2 hash truncated to 20
  // bytes, which is what BEP 52 clients announce on the DHT and to trackers.
  InfoHash info_hash;
  // A hybrid torrent's second swarm (its truncated v2 hash), crawled too.
  std::optional<InfoHash> v2_truncated;
  std::vector<std::string> trackers;
  std::optional<std::string> name;
  std::vector<std::pair<std::string, int>> dht_nodes;  // host, port
  std::vector<Endpoint> peers;                          // magnet x.pe
};

struct TorrentFileLimits {
  int max_size = 10 << 20;  // bytes
  int max_pieces = 0x200000;
  int max_depth = 100;
  int max_tokens = 3000000;
};

// Hex, base32 or magnet (chosen by form). Errors: errc::bad_hash, errc::bad_magnet.
Result<TorrentRef> parse_torrent_text(std::string_view text);
// .torrent file contents. Errors: errc::oversized, errc::bad_torrent.
Result<TorrentRef> parse_torrent_file(std::string_view contents, const TorrentFileLimits& lim = {});

}  // namespace p2pscope
