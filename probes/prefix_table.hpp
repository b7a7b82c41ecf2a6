// Announced address space: longest-prefix match over BGP prefixes with
// their origin AS, for IPv4 and IPv6.
//
// build() flattens the prefixes into disjoint intervals, each naming the
// most specific prefix that covers it (its length and origin), and indexes
// the interval starts by their leading bits, so a lookup reads one index
// slot and binary-searches a handful of neighbouring starts. Per interval
// that is 8 bytes for IPv4 and 12 for IPv6 prefixes up to /64 (keyed by the
// top 64 bits; longer ones sit in a small table of their own), plus one
// index slot; each distinct (AS, organisation) is stored once.
//
// Fill with add(), call build() once after the last add(), then look up from
// any number of threads (lookups are const and touch no shared mutable state).
// While filling, each announcement costs 32 bytes and duplicates (a RIB dump
// lists every prefix once per peer) are folded away as they pile up, so the
// memory follows the distinct prefixes, not the lines read.
#pragma once

#include "core/ip_range.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace p2pscope::probes {

struct Announced {
  Cidr prefix;
  std::uint32_t asn = 0;  // the origin AS (the first, for multi-origin prefixes and AS sets)
  std::string org;        // the AS's name where the source has one (ASN .mmdb)
};

// What lookup() found. org points into the table: valid while it lives.
struct RouteMatch {
  Cidr prefix;
  std::uint32_t asn = 0;
  std::string_view org;
};

class PrefixTable {
 public:
  // Duplicate prefixes keep the first origin added.
  void add(const Cidr& prefix, std::uint32_t asn, std::string org = {});
  // Folds duplicates away now; returns the distinct prefixes added so far.
  std::size_t compact();
  // An upper bound of the distinct prefixes added so far (exact after compact()).
  std::size_t pending() const noexcept { return pending_.size(); }
  // Builds the lookup structure and frees what add() collected; at most
  // 16M distinct (AS, organisation) pairs (more are errc::too_many_items).
  Status build();

  // The most specific announced prefix covering a, or nullopt. IPv4-mapped
  // IPv6 addresses are looked up as IPv4. Only valid after build().
  std::optional<RouteMatch> lookup(const IpAddress& a) const noexcept;

  std::size_t prefixes() const noexcept { return prefixes_; }  // distinct, after build()
  std::size_t memory_bytes() const noexcept;  // everything the built table holds

 private:
  static constexpr std::uint32_t kNone = 0xffffffff;
  // One interval: where it starts and its info, (origin << 8 | prefix
  // length) or kNone for a gap, side by side so that the search ends in the
  // cache line that holds the answer. 64-bit starts are two halves, so an
  // entry takes 12 bytes, not 16.
  struct Entry32 {
    std::uint32_t start, info;
    std::uint32_t key() const noexcept { return start; }
  };
  struct Entry64 {
    std::uint32_t hi, lo, info;
    std::uint64_t key() const noexcept { return std::uint64_t{hi} << 32 | lo; }
  };
  struct Entry128 {
    AddressValue start;
    std::uint32_t info;
    AddressValue key() const noexcept { return start; }
  };
  template <class K>
  using Entry = std::conditional_t<sizeof(K) == 4, Entry32, std::conditional_t<sizeof(K) == 8, Entry64, Entry128>>;
  // Disjoint intervals, by start. buckets[b] is the first interval whose
  // (start - base) >> shift is at least b; empty for a plain search.
  template <class K>
  struct Intervals {
    std::vector<Entry<K>> entries;
    std::vector<std::uint32_t> buckets;
    K base = 0;
    int shift = 0;
    std::uint32_t find(K key) const noexcept;
    void index();
    std::size_t bytes() const noexcept { return entries.capacity() * sizeof(Entry<K>) + buckets.capacity() * 4; }
  };
  struct Origin {
    std::uint32_t asn, org_offset, org_size;
  };
  std::optional<RouteMatch> match_v4(std::uint32_t key) const noexcept;
  std::optional<RouteMatch> match_v6(AddressValue key) const noexcept;

  struct Pending {
    AddressValue network;
    std::uint32_t origin;
    std::uint8_t length;
    bool v4;
  };
  std::uint32_t origin_of(std::uint32_t asn, std::string org);

  std::vector<Pending> pending_;
  std::size_t compact_at_ = std::size_t{1} << 20;
  std::map<std::pair<std::uint32_t, std::string>, std::uint32_t> origin_index_;
  bool too_many_origins_ = false;
  std::size_t prefixes_ = 0;
  std::vector<Origin> origins_;
  std::string org_text_;
  Intervals<std::uint32_t> v4_;
  Intervals<std::uint64_t> v6_;       // prefixes up to /64, by the top 64 bits
  Intervals<AddressValue> v6_long_;   // longer than /64
  bool built_ = false;
};

}  // namespace p2pscope::probes
