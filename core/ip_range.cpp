#include "core/ip_range.hpp"

#include <algorithm>
#include <charconv>
#include <tuple>

namespace p2pscope {
namespace {

int width(Family f) noexcept { return f == Family::v4 ? 32 : 128; }

AddressValue low_mask(int bits) noexcept {  // the lowest `bits` bits set
  if (bits <= 0) return 0;
  if (bits >= 128) return ~AddressValue{0};
  return (AddressValue{1} << bits) - 1;
}

}  // namespace

AddressValue value_of(const IpAddress& a) noexcept {
  AddressValue v = 0;
  for (std::size_t i = 0; i < a.size(); ++i) v = (v << 8) | a.data()[i];
  return v;
}

IpAddress address_of(Family f, AddressValue v) noexcept {
  if (f == Family::v4) return IpAddress::v4(static_cast<std::uint32_t>(v));
  IpAddress::V6Bytes b{};
  for (int i = 15; i >= 0; --i, v >>= 8) b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v);
  return IpAddress::v6(b);
}

std::string Cidr::to_string() const { return network.to_string() + "/" + std::to_string(length); }

Result<Cidr> parse_cidr(std::string_view text) {
  auto slash = text.find('/');
  auto ip = IpAddress::parse(text.substr(0, slash));
  if (!ip) return errc::bad_address;
  Cidr c{ip.value(), width(ip.value().family())};
  if (slash != std::string_view::npos) {
    auto digits = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), c.length);
    if (ec != std::errc{} || end != digits.data() + digits.size() || digits.empty()) return errc::bad_address;
    if (c.length < 0 || c.length > width(ip.value().family())) return errc::bad_address;
  }
  if (value_of(c.network) & low_mask(width(c.network.family()) - c.length)) return errc::bad_address;
  return c;
}

IpRange range_of(const Cidr& c, std::string label) {
  auto f = c.network.family();
  auto v = value_of(c.network);
  return {c.network, address_of(f, v | low_mask(width(f) - c.length)), std::move(label)};
}

Result<IpRange> make_range(const IpAddress& first, const IpAddress& last, std::string label) {
  if (first.family() != last.family() || last < first) return errc::bad_address;
  return IpRange{first, last, std::move(label)};
}

std::vector<Cidr> to_cidrs(const IpRange& r) {
  auto f = r.family();
  auto w = width(f);
  auto lo = value_of(r.first), hi = value_of(r.last);
  std::vector<Cidr> out;
  for (;;) {
    // The largest block that starts at lo (alignment) and ends by hi.
    int host = 0;
    while (host < w && !(lo & (AddressValue{1} << host)) && (lo | low_mask(host + 1)) <= hi) ++host;
    out.push_back({address_of(f, lo), w - host});
    auto end = lo | low_mask(host);
    if (end >= hi) break;
    lo = end + 1;
  }
  return out;
}

std::vector<IpRange> merge_ranges(std::vector<IpRange> ranges) {
  std::sort(ranges.begin(), ranges.end(), [](const IpRange& a, const IpRange& b) {
    return std::tie(a.first, a.last) < std::tie(b.first, b.last);
  });
  std::vector<IpRange> out;
  std::size_t folded = 0;  // labelled parts joined into out.back()
  auto finish = [&] {
    if (!out.empty() && folded > 0) out.back().label += " (+" + std::to_string(folded) + " more)";
    folded = 0;
  };
  for (auto& r : ranges) {
    if (!out.empty() && out.back().family() == r.family()) {
      auto& cur = out.back();
      auto end = value_of(cur.last);
      bool touches = end == low_mask(width(r.family())) || value_of(r.first) <= end + 1;
      if (touches) {
        if (cur.last < r.last) cur.last = r.last;
        if (cur.label.empty()) cur.label = std::move(r.label);
        else if (!r.label.empty() && r.label != cur.label) ++folded;
        continue;
      }
    }
    finish();
    out.push_back(std::move(r));
  }
  finish();
  return out;
}

}  // namespace p2pscope
