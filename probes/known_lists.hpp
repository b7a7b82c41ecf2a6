// Known anti-P2P lists: PeerGuardian P2P ("label:a.b.c.d-e.f.g.h"), eMule
// DAT ("a.b.c.d - e.f.g.h , level , label") and CIDR lists (one prefix or
// address per line, IPv4 and IPv6), plain or gzip-compressed.
//
// DAT levels follow qBittorrent's loader: a range with a level above 127 is
// an "allow" entry and is counted, not loaded; no level means blocked.
// Parsing is pure and bounded: the decompressed size, the line length and the
// entry count have limits, and the first malformed line stops the load with
// an error naming it (a list half-understood is not a list to block with).
// Thread-safe: no shared state.
#pragma once

#include "core/ip_range.hpp"
#include "core/names.hpp"

#include <filesystem>

namespace p2pscope::probes {

enum class ListFormat : std::uint8_t { automatic, p2p, dat, cidr };
constexpr auto enum_names(ListFormat) noexcept {
  return std::to_array<std::pair<ListFormat, std::string_view>>({
      {ListFormat::automatic, "auto"}, {ListFormat::p2p, "p2p"}, {ListFormat::dat, "dat"}, {ListFormat::cidr, "cidr"}});
}

std::string_view to_string(ListFormat f) noexcept;

struct ListLimits {
  std::size_t max_bytes = std::size_t{1} << 30;  // after decompression
  std::size_t max_line = 4096;
  std::size_t max_entries = 4'000'000;           // the largest public lists hold about a million
  std::size_t max_kept_bytes = 256 << 20;        // ranges and labels held in memory
};

struct KnownList {
  ListFormat format = ListFormat::automatic;  // the one detected or given
  std::vector<IpRange> ranges;                // in file order, labels kept
  std::size_t lines = 0, allowed = 0;         // allowed: DAT entries with level > 127
};

// Parses a list already in memory (gzip is recognised by its magic bytes).
// The error's message says where: "line 12: ...". A leading UTF-8 byte-order
// mark is skipped; a NUL byte is a malformed line.
StatusOr<KnownList> parse_known_list(std::string_view bytes, ListFormat format, const ListLimits& lim);
// The same from a file, streamed line by line (plain or gzip): what is
// kept is bounded by max_entries and max_kept_bytes, never by the
// decompressed size. The message starts with the file's name.
StatusOr<KnownList> load_known_list(const std::filesystem::path& file, ListFormat format, const ListLimits& lim);

}  // namespace p2pscope::probes
