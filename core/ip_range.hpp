// Inclusive address ranges of one family, the unit blocklists and known
// lists speak in, plus CIDR text and the arithmetic to merge ranges and to
// cut them into CIDR blocks. Values only; thread-safe.
#pragma once

#include "core/ip.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace p2pscope {

// An address as an unsigned integer of its family's width (IPv4 in the low
// 32 bits), so ranges can be compared, extended and split.
__extension__ typedef unsigned __int128 AddressValue;
AddressValue value_of(const IpAddress& a) noexcept;
IpAddress address_of(Family f, AddressValue v) noexcept;

struct IpRange {
  IpAddress first, last;  // same family, first <= last
  std::string label;      // where it came from; empty when unnamed

  Family family() const noexcept { return first.family(); }
  bool contains(const IpAddress& a) const noexcept {
    return a.family() == first.family() && !(a < first) && !(last < a);
  }
  friend bool operator==(const IpRange&, const IpRange&) = default;
};

struct Cidr {
  IpAddress network;
  int length = 32;
  std::string to_string() const;  // "1.2.3.0/24", "2001:db8::/32"
  friend bool operator==(const Cidr&, const Cidr&) = default;
};

// "1.2.3.0/24", "2001:db8::/32" or a bare address (a /32 or /128). Host bits
// set below the prefix are errc::bad_address, as is anything else malformed.
Result<Cidr> parse_cidr(std::string_view text);
IpRange range_of(const Cidr& c, std::string label = {});
// Two addresses of one family, first <= last; else errc::bad_address.
Result<IpRange> make_range(const IpAddress& first, const IpAddress& last, std::string label = {});

// The fewest CIDR blocks that cover r exactly (at most 62 for IPv4, 254 for IPv6).
std::vector<Cidr> to_cidrs(const IpRange& r);

// Sorts by family and start, and joins ranges that overlap or touch. A joined
// range keeps the label of its first part, plus " (+N more)" when N other
// labelled parts were folded in, so a blocklist stays one line per range.
std::vector<IpRange> merge_ranges(std::vector<IpRange> ranges);

}  // namespace p2pscope
