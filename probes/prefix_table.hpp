// Announced address space: longest-prefix match over BGP prefixes with
// their origin AS, for IPv4 and IPv6.
//
// Prefixes are flattened at build() into disjoint intervals, each naming the
// most specific prefix that covers it, so a lookup is one binary search over
// a flat array of interval starts (4 bytes each for IPv4) with no pointer
// chasing. Fill with add(), call build() once, then look up from any number
// of threads (lookups are const and touch no shared mutable state).
#pragma once

#include "probes/ip_range.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace p2pscope::probes {

struct Announced {
  Cidr prefix;
  std::uint32_t asn = 0;  // the origin AS (the first, for multi-origin prefixes and AS sets)
  std::string org;        // the AS's name where the source has one (ASN .mmdb)
};

class PrefixTable {
 public:
  // Duplicate prefixes keep the first origin added.
  void add(const Cidr& prefix, std::uint32_t asn, std::string org = {});
  void build();

  // The most specific announced prefix covering a, or nullptr. IPv4-mapped
  // IPv6 addresses are looked up as IPv4. Only valid after build().
  const Announced* lookup(const IpAddress& a) const noexcept;

  std::size_t prefixes() const noexcept { return prefixes_.size(); }
  std::size_t memory_bytes() const noexcept;

 private:
  static constexpr std::uint32_t kNone = 0xffffffff;
  template <class T>
  struct Intervals {
    std::vector<T> starts;
    std::vector<std::uint32_t> prefix;  // index into prefixes_, or kNone
  };
  template <class T>
  void flatten(Family f, Intervals<T>& out);

  std::vector<Announced> prefixes_;
  Intervals<std::uint32_t> v4_;
  Intervals<AddressValue> v6_;
  bool built_ = false;
};

}  // namespace p2pscope::probes
