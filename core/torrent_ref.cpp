#include "core/torrent_ref.hpp"

#include <libtorrent/add_torrent_params.hpp>
#include <libtorrent/load_torrent.hpp>
#include <libtorrent/magnet_uri.hpp>
#include <libtorrent/torrent_info.hpp>

#include <cctype>

namespace p2pscope {
namespace {

InfoHash to_info_hash(const lt::sha1_hash& h) {
  return InfoHash::from_bytes(std::string_view(h.data(), h.size())).value();
}

Result<TorrentRef> from_params(const lt::add_torrent_params& p, errc missing) {
  const auto& ih = p.ti ? p.ti->info_hashes() : p.info_hashes;
  if (!ih.has_v1() && !ih.has_v2()) return missing;
  TorrentRef ref;
  ref.info_hash = to_info_hash(ih.has_v1() ? ih.v1 : lt::sha1_hash(ih.v2.data()));
  if (ih.has_v1() && ih.has_v2()) ref.v2_truncated = to_info_hash(lt::sha1_hash(ih.v2.data()));
  ref.trackers = p.trackers;
  if (p.ti && ref.trackers.empty()) {
    for (const auto& t : p.ti->trackers()) ref.trackers.push_back(t.url);
  }
  auto name = p.ti ? p.ti->name() : p.name;
  if (!name.empty()) ref.name = name;
  ref.dht_nodes = p.dht_nodes;
  if (p.ti) {
    for (const auto& n : p.ti->nodes()) ref.dht_nodes.push_back(n);
  }
  for (const auto& ep : p.peers) {
    auto addr = IpAddress::parse(ep.address().to_string());
    if (addr) ref.peers.push_back(Endpoint{addr.value(), ep.port()});
  }
  return ref;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

}  // namespace

Result<TorrentRef> parse_torrent_text(std::string_view text) {
  if (starts_with_ci(text, "magnet:")) {
    lt::error_code ec;
    auto params = lt::parse_magnet_uri(lt::string_view(text.data(), text.size()), ec);
    if (ec) return errc::bad_magnet;
    return from_params(params, errc::bad_magnet);
  }
  auto h = text.size() == 40 ? InfoHash::from_hex(text) : InfoHash::from_base32(text);
  if (!h) return h.error();
  TorrentRef ref;
  ref.info_hash = h.value();
  return ref;
}

Result<TorrentRef> parse_torrent_file(std::string_view contents, const TorrentFileLimits& lim) {
  if (contents.size() > static_cast<std::size_t>(lim.max_size)) return errc::oversized;
  lt::load_torrent_limits cfg;
  cfg.max_buffer_size = lim.max_size;
  cfg.max_pieces = lim.max_pieces;
  cfg.max_decode_depth = lim.max_depth;
  cfg.max_decode_tokens = lim.max_tokens;
  try {
    auto params = lt::load_torrent_buffer({contents.data(), static_cast<std::ptrdiff_t>(contents.size())}, cfg);
    return from_params(params, errc::bad_torrent);
  } catch (const std::exception&) {
    // libtorrent reports every malformed-torrent case by throwing system_error.
    return errc::bad_torrent;
  }
}

}  // namespace p2pscope
