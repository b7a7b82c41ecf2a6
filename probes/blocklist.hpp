// Blocklist writers: the formats real clients and firewalls load.
//   p2p    PeerGuardian "label:a.b.c.d-e.f.g.h" (Transmission, qBittorrent,
//          Deluge); IPv4 only. Labels lose ':' (Transmission splits at the
//          first colon) and line breaks.
//   dat    eMule "a.b.c.d - e.f.g.h , 000 , label", the portable form;
//          IPv4 only (Transmission 3 reads no IPv6 here).
//   cidr   one prefix per line, IPv4 and IPv6.
//   nft    an nftables script (`nft -f`) defining interval sets
//          blocklist_v4 and blocklist_v6 in table inet NAME.
//   ipset  an `ipset restore` file: hash:net sets NAME-v4 and NAME-v6.
// Ranges are merged first, so a rule count is the count of merged ranges
// (or of CIDR blocks where the format needs prefixes). Pure; thread-safe.
#pragma once

#include "core/ip_range.hpp"
#include "core/names.hpp"


namespace p2pscope::probes {

enum class BlocklistFormat : std::uint8_t { p2p, dat, cidr, nft, ipset };
constexpr auto enum_names(BlocklistFormat) noexcept {
  return std::to_array<std::pair<BlocklistFormat, std::string_view>>({
      {BlocklistFormat::p2p, "p2p"}, {BlocklistFormat::dat, "dat"}, {BlocklistFormat::cidr, "cidr"},
      {BlocklistFormat::nft, "nft"}, {BlocklistFormat::ipset, "ipset"}});
}

std::string_view to_string(BlocklistFormat f) noexcept;
Result<BlocklistFormat> blocklist_format_from(std::string_view s);

struct Blocklist {
  std::string text;
  std::size_t rules = 0;         // lines/elements a loader will count
  std::size_t left_out_v6 = 0;   // IPv6 ranges the format cannot carry
};

// An nftables table / ipset name prefix: 1-28 of [A-Za-z0-9_-] (ipset names
// hold 31 bytes, and "-v4"/"-v6" is appended).
bool valid_list_name(std::string_view name) noexcept;
// name: the nftables table / ipset prefix (not valid_list_name: "p2pscope").
Blocklist format_blocklist(std::vector<IpRange> ranges, BlocklistFormat f, std::string_view name = "p2pscope");

}  // namespace p2pscope::probes
