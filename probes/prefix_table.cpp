#include "probes/prefix_table.hpp"

#include <algorithm>
#include <bit>
#include <map>
#include <tuple>
#include <type_traits>

namespace p2pscope::probes {
namespace {

struct Span {
  AddressValue first, last;
  std::uint32_t info;
};

int width_of(AddressValue v) noexcept {
  auto hi = static_cast<std::uint64_t>(v >> 64);
  return static_cast<int>(hi ? 64 + std::bit_width(hi) : std::bit_width(static_cast<std::uint64_t>(v)));
}

template <class E, class K>
E make_entry(K start, std::uint32_t info) {
  if constexpr (std::is_same_v<K, std::uint64_t>) {
    return E{static_cast<std::uint32_t>(start >> 32), static_cast<std::uint32_t>(start), info};
  } else {
    return E{start, info};
  }
}

// Disjoint intervals from possibly nested spans over [0, top]: each point
// gets the innermost span containing it.
template <class E, class K>
std::vector<E> flatten(std::vector<Span> spans, AddressValue top, std::uint32_t none) {
  std::vector<E> out;
  // Outer spans before the inner ones they contain; duplicates keep the first added.
  std::stable_sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
    return a.first != b.first ? a.first < b.first : a.last > b.last;
  });
  auto emit = [&](AddressValue start, std::uint32_t value) {
    if (!out.empty() && out.back().key() == static_cast<K>(start)) {
      out.back().info = value;  // a more specific span starts at the same place
      return;
    }
    if (!out.empty() && out.back().info == value) return;  // no change
    out.push_back(make_entry<E>(static_cast<K>(start), value));
  };
  std::vector<Span> open;  // the spans containing the current point, outermost first
  auto close_until = [&](AddressValue point, bool all) {
    while (!open.empty() && (all || open.back().last < point)) {
      auto end = open.back().last;
      open.pop_back();
      if (end != top) emit(end + 1, open.empty() ? none : open.back().info);
    }
  };
  for (const auto& s : spans) {
    close_until(s.first, false);
    if (!open.empty() && open.back().first == s.first && open.back().last == s.last) continue;
    emit(s.first, s.info);
    open.push_back(s);
  }
  close_until(0, true);
  out.shrink_to_fit();
  return out;
}

}  // namespace

template <class K>
void PrefixTable::Intervals<K>::index() {
  buckets.clear();
  if (entries.size() < 64 || sizeof(K) > 8) return;  // a plain binary search is as good
  base = entries.front().key();
  // About four to eight intervals per bucket where they are spread evenly: a
  // few more comparisons in one cache line, a quarter of the index memory.
  int bits = static_cast<int>(std::bit_width(entries.size())) - 3;
  int span = width_of(AddressValue{entries.back().key() - base});
  shift = std::max(0, span - bits);
  auto slots = static_cast<std::size_t>((entries.back().key() - base) >> shift) + 1;
  buckets.assign(slots + 1, 0);
  std::size_t i = 0;
  for (std::size_t b = 0; b <= slots; ++b) {
    while (i < entries.size() && static_cast<std::size_t>((entries[i].key() - base) >> shift) < b) ++i;
    buckets[b] = static_cast<std::uint32_t>(i);
  }
}

template <class K>
std::uint32_t PrefixTable::Intervals<K>::find(K key) const noexcept {
  if (entries.empty() || key < entries.front().key()) return kNone;
  const Entry<K>* lo = entries.data();
  std::size_t n = entries.size();
  if (!buckets.empty()) {
    auto b = static_cast<std::size_t>((key - base) >> shift);
    if (b + 1 < buckets.size()) {
      lo = entries.data() + buckets[b];
      n = buckets[b + 1] - buckets[b];
    } else {
      lo = entries.data() + entries.size();
      n = 0;
    }
  }
  // The last entry starting at or before key. Branch-free halving: which
  // half holds it is a coin toss to the branch predictor, and a select costs
  // less than the mispredictions. Everything before lo starts at or before key.
  if (n == 0) return lo[-1].info;
  while (n > 1) {
    auto half = n / 2;
    lo = lo[half].key() <= key ? lo + half : lo;
    n -= half;
  }
  return lo->key() <= key ? lo->info : lo[-1].info;
}

std::uint32_t PrefixTable::origin_of(std::uint32_t asn, std::string org) {
  auto next = static_cast<std::uint32_t>(origins_.size());
  auto [it, fresh] = origin_index_.try_emplace({asn, std::move(org)}, next);
  if (!fresh) return it->second;
  if (origins_.size() >= (1u << 24)) {
    too_many_origins_ = true;
    origin_index_.erase(it);
    return 0;
  }
  const auto& text = it->first.second;
  origins_.push_back({asn, static_cast<std::uint32_t>(org_text_.size()), static_cast<std::uint32_t>(text.size())});
  org_text_ += text;
  return next;
}

void PrefixTable::add(const Cidr& prefix, std::uint32_t asn, std::string org) {
  pending_.push_back({value_of(prefix.network), origin_of(asn, std::move(org)), static_cast<std::uint8_t>(prefix.length),
                      prefix.network.is_v4()});
  built_ = false;
  if (pending_.size() >= compact_at_) compact_at_ = std::max(compact_at_, 2 * compact());
}

std::size_t PrefixTable::compact() {
  auto key = [](const Pending& p) { return std::tuple(!p.v4, p.network, p.length); };
  // Stable: of equal prefixes the first added stays first, and unique() keeps it.
  std::stable_sort(pending_.begin(), pending_.end(), [&](const Pending& a, const Pending& b) { return key(a) < key(b); });
  auto end = std::unique(pending_.begin(), pending_.end(), [&](const Pending& a, const Pending& b) { return key(a) == key(b); });
  pending_.erase(end, pending_.end());
  return pending_.size();
}

Status PrefixTable::build() {
  if (too_many_origins_) return errc::too_many_items;
  compact();
  std::vector<Span> v4, v6, v6_long;
  for (const auto& p : pending_) {
    auto r = range_of(Cidr{address_of(p.v4 ? Family::v4 : Family::v6, p.network), p.length});
    Span s{value_of(r.first), value_of(r.last), p.origin << 8 | p.length};
    if (p.v4) {
      v4.push_back(s);
    } else if (p.length <= 64) {
      v6.push_back({s.first >> 64, s.last >> 64, s.info});
    } else {
      v6_long.push_back(s);
    }
  }
  prefixes_ = pending_.size();
  std::vector<Pending>().swap(pending_);
  decltype(origin_index_)().swap(origin_index_);
  origins_.shrink_to_fit();
  org_text_.shrink_to_fit();
  v4_.entries = flatten<Entry<std::uint32_t>, std::uint32_t>(std::move(v4), 0xffffffffu, kNone);
  v6_.entries = flatten<Entry<std::uint64_t>, std::uint64_t>(std::move(v6), 0xffffffffffffffffu, kNone);
  v6_long_.entries = flatten<Entry<AddressValue>, AddressValue>(std::move(v6_long), ~AddressValue{0}, kNone);
  v4_.index();
  v6_.index();
  v6_long_.index();
  built_ = true;
  return success();
}

std::optional<RouteMatch> PrefixTable::match_v4(std::uint32_t key) const noexcept {
  auto info = v4_.find(key);
  if (info == kNone) return std::nullopt;
  const auto& o = origins_[info >> 8];
  int length = static_cast<int>(info & 0xff);
  auto net = length == 0 ? 0u : key & (0xffffffffu << (32 - length));
  return RouteMatch{{IpAddress::v4(net), length}, o.asn, std::string_view(org_text_).substr(o.org_offset, o.org_size)};
}

std::optional<RouteMatch> PrefixTable::match_v6(AddressValue key) const noexcept {
  auto info = v6_long_.find(key);
  if (info == kNone) info = v6_.find(static_cast<std::uint64_t>(key >> 64));
  if (info == kNone) return std::nullopt;
  const auto& o = origins_[info >> 8];
  int length = static_cast<int>(info & 0xff);
  auto net = length == 0 ? AddressValue{0} : key >> (128 - length) << (128 - length);
  return RouteMatch{{address_of(Family::v6, net), length}, o.asn, std::string_view(org_text_).substr(o.org_offset, o.org_size)};
}

// Straight from the bytes: lookups are the hot path of a diagnosis over
// millions of peers.
std::optional<RouteMatch> PrefixTable::lookup(const IpAddress& a) const noexcept {
  if (!built_) return std::nullopt;
  const std::uint8_t* b = a.data();
  auto be32 = [b](int at) {
    return std::uint32_t{b[at]} << 24 | std::uint32_t{b[at + 1]} << 16 | std::uint32_t{b[at + 2]} << 8 | b[at + 3];
  };
  if (a.is_v4()) return match_v4(be32(0));
  std::uint64_t hi = std::uint64_t{be32(0)} << 32 | be32(4), lo = std::uint64_t{be32(8)} << 32 | be32(12);
  if (hi == 0 && lo >> 32 == 0xffff) return match_v4(static_cast<std::uint32_t>(lo));  // IPv4-mapped
  return match_v6(AddressValue{hi} << 64 | lo);
}

std::size_t PrefixTable::memory_bytes() const noexcept {
  return sizeof(*this) + origins_.capacity() * sizeof(Origin) + org_text_.capacity() + v4_.bytes() + v6_.bytes() +
         v6_long_.bytes();
}

}  // namespace p2pscope::probes
