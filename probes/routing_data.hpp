// Loads announced address space into a PrefixTable from the formats it is
// published in:
//   pfx2as   CAIDA RouteViews prefix-to-AS ("net<TAB>len<TAB>asn", the asn
//            field may be "a_b" (multi-origin) or "a,b" (AS set): the first
//            counts); plain or .gz
//   bgpdump  `bgpdump -m` lines of an MRT RIB dump (TABLE_DUMP/TABLE_DUMP2
//            "B" entries) or update file ("BGP4MP" "A" entries; withdrawals
//            are skipped): prefix in field 6, the origin is the last AS of
//            the path in field 7; plain or .gz
//   mmdb     an ASN database (GeoLite2-ASN, DB-IP ASN-lite) read through
//            libmaxminddb by walking its search tree
// Text is read line by line (gzip through zlib), so a multi-gigabyte RIB dump
// never sits in memory. The first malformed line stops the load with an
// error that names it; so does a corrupt .mmdb (naming the tree node or the
// data record). A file that yields no prefix at all is an error
// (errc::no_data): with no announced space every peer would look
// unroutable.
#pragma once

#include "core/names.hpp"
#include "probes/prefix_table.hpp"

#include <filesystem>
#include <istream>
#include <optional>

namespace p2pscope::probes {

enum class RoutingFormat : std::uint8_t { automatic, pfx2as, bgpdump, mmdb };
constexpr auto enum_names(RoutingFormat) noexcept {
  return std::to_array<std::pair<RoutingFormat, std::string_view>>({
      {RoutingFormat::automatic, "auto"}, {RoutingFormat::pfx2as, "pfx2as"}, {RoutingFormat::bgpdump, "bgpdump"},
      {RoutingFormat::mmdb, "mmdb"}});
}

std::string_view to_string(RoutingFormat f) noexcept;

struct RoutingLimits {
  std::size_t max_line = 1 << 16;          // bgpdump lines carry whole AS paths and communities
  std::size_t max_prefixes = 4'000'000;    // distinct; today's global table holds about 1.3M
};

struct RoutingLoad {
  RoutingFormat format = RoutingFormat::automatic;
  std::size_t lines = 0, prefixes = 0;  // prefixes: announcements read, duplicates included
  std::size_t skipped = 0;              // withdrawals and state lines; .mmdb records without an AS number
  std::size_t blank = 0;                // blank and comment lines
  // "12 blank or comment lines, 3 withdrawals" and the like; empty when nothing was skipped.
  std::string skipped_text() const;
};

// Adds what `file` announces to `table` (call table.build() afterwards).
// The error names the file and the line or node; a file that announces
// nothing is errc::no_data, and the message says what it held instead.
StatusOr<RoutingLoad> load_routing(const std::filesystem::path& file, RoutingFormat format, PrefixTable& table,
                                   const RoutingLimits& lim);

// One text line of each format: the prefix and origin, nullopt for a line
// that announces nothing (a withdrawal), or errc::malformed_line.
Result<std::optional<Announced>> parse_pfx2as_line(std::string_view line);
Result<std::optional<Announced>> parse_bgpdump_line(std::string_view line);

}  // namespace p2pscope::probes
