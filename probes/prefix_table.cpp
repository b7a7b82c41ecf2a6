#include "probes/prefix_table.hpp"

#include <algorithm>

namespace p2pscope::probes {

void PrefixTable::add(const Cidr& prefix, std::uint32_t asn, std::string org) {
  prefixes_.push_back({prefix, asn, std::move(org)});
  built_ = false;
}

template <class T>
void PrefixTable::flatten(Family f, Intervals<T>& out) {
  struct Span {
    AddressValue first, last;
    std::uint32_t index;
  };
  std::vector<Span> spans;
  for (std::uint32_t i = 0; i < prefixes_.size(); ++i) {
    if (prefixes_[i].prefix.network.family() != f) continue;
    auto r = range_of(prefixes_[i].prefix);
    spans.push_back({value_of(r.first), value_of(r.last), i});
  }
  // Outer prefixes before the inner ones they contain.
  std::stable_sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
    return a.first != b.first ? a.first < b.first : a.last > b.last;
  });
  out = {};
  auto emit = [&](AddressValue start, std::uint32_t index) {
    if (!out.starts.empty() && out.starts.back() == static_cast<T>(start)) {
      out.prefix.back() = index;  // a more specific prefix starts at the same place
      return;
    }
    if (!out.prefix.empty() && out.prefix.back() == index) return;  // no change
    out.starts.push_back(static_cast<T>(start));
    out.prefix.push_back(index);
  };
  std::vector<Span> open;  // the prefixes containing the current point, outermost first
  auto close_until = [&](AddressValue point, bool all) {
    while (!open.empty() && (all || open.back().last < point)) {
      auto end = open.back().last;
      open.pop_back();
      bool at_top = end == (f == Family::v4 ? AddressValue{0xffffffffu} : ~AddressValue{0});
      if (!at_top) emit(end + 1, open.empty() ? kNone : open.back().index);
    }
  };
  for (const auto& s : spans) {
    close_until(s.first, false);
    if (!open.empty() && open.back().first == s.first && open.back().last == s.last) continue;  // duplicate: first wins
    emit(s.first, s.index);
    open.push_back(s);
  }
  close_until(0, true);
}

void PrefixTable::build() {
  flatten(Family::v4, v4_);
  flatten(Family::v6, v6_);
  built_ = true;
}

const Announced* PrefixTable::lookup(const IpAddress& a) const noexcept {
  if (!built_) return nullptr;
  auto find = [this](const auto& iv, auto key) -> const Announced* {
    auto it = std::upper_bound(iv.starts.begin(), iv.starts.end(), key);
    if (it == iv.starts.begin()) return nullptr;
    auto idx = iv.prefix[static_cast<std::size_t>(it - iv.starts.begin() - 1)];
    return idx == kNone ? nullptr : &prefixes_[idx];
  };
  auto ip = a.unmapped();
  if (ip.is_v4()) return find(v4_, ip.v4_value());
  return find(v6_, value_of(ip));
}

std::size_t PrefixTable::memory_bytes() const noexcept {
  std::size_t n = prefixes_.capacity() * sizeof(Announced);
  for (const auto& p : prefixes_) n += p.org.capacity() > 15 ? p.org.capacity() : 0;
  n += v4_.starts.capacity() * 4 + v4_.prefix.capacity() * 4;
  n += v6_.starts.capacity() * 16 + v6_.prefix.capacity() * 4;
  return n;
}

}  // namespace p2pscope::probes
