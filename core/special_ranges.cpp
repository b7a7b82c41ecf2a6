#include "core/special_ranges.hpp"

#include <array>
#include <cstring>
#include <stdexcept>

namespace p2pscope {
namespace {

using K = RangeKind;
using R = Reachability;

struct Row {
  const char* prefix;
  const char* name;
  const char* rfc;
  K kind;
  R reachable;
};

// Transcribed from IANA's iana-ipv4-special-registry and
// iana-ipv6-special-registry, plus multicast (RFC 5771, RFC 4291) and the
// IPv6 address-space registry's "Reserved by IETF" blocks.
constexpr Row kRows[] = {
    {"0.0.0.0/8", "This network", "RFC 791", K::this_network, R::not_reachable},
    {"0.0.0.0/32", "This host on this network", "RFC 1122", K::this_network, R::not_reachable},
    {"10.0.0.0/8", "Private-Use", "RFC 1918", K::private_use, R::not_reachable},
    {"100.64.0.0/10", "Shared Address Space (carrier-grade NAT)", "RFC 6598", K::shared_address, R::not_reachable},
    {"127.0.0.0/8", "Loopback", "RFC 1122", K::loopback, R::not_reachable},
    {"169.254.0.0/16", "Link Local", "RFC 3927", K::link_local, R::not_reachable},
    {"172.16.0.0/12", "Private-Use", "RFC 1918", K::private_use, R::not_reachable},
    {"192.0.0.0/24", "IETF Protocol Assignments", "RFC 6890", K::protocol_assignment, R::not_reachable},
    {"192.0.0.0/29", "IPv4 Service Continuity Prefix", "RFC 7335", K::protocol_assignment, R::not_reachable},
    {"192.0.0.8/32", "IPv4 dummy address", "RFC 7600", K::protocol_assignment, R::not_reachable},
    {"192.0.0.9/32", "Port Control Protocol Anycast", "RFC 7723", K::anycast, R::reachable},
    {"192.0.0.10/32", "Traversal Using Relays around NAT Anycast", "RFC 8155", K::anycast, R::reachable},
    {"192.0.0.170/32", "NAT64/DNS64 Discovery", "RFC 8880", K::protocol_assignment, R::not_reachable},
    {"192.0.0.171/32", "NAT64/DNS64 Discovery", "RFC 8880", K::protocol_assignment, R::not_reachable},
    {"192.0.2.0/24", "Documentation (TEST-NET-1)", "RFC 5737", K::documentation, R::not_reachable},
    {"192.31.196.0/24", "AS112-v4", "RFC 7535", K::as112, R::reachable},
    {"192.52.193.0/24", "AMT", "RFC 7450", K::amt, R::reachable},
    {"192.88.99.0/24", "Deprecated (6to4 Relay Anycast)", "RFC 7526", K::deprecated, R::not_applicable},
    {"192.168.0.0/16", "Private-Use", "RFC 1918", K::private_use, R::not_reachable},
    {"192.175.48.0/24", "Direct Delegation AS112 Service", "RFC 7534", K::as112, R::reachable},
    {"198.18.0.0/15", "Benchmarking", "RFC 2544", K::benchmarking, R::not_reachable},
    {"198.51.100.0/24", "Documentation (TEST-NET-2)", "RFC 5737", K::documentation, R::not_reachable},
    {"203.0.113.0/24", "Documentation (TEST-NET-3)", "RFC 5737", K::documentation, R::not_reachable},
    {"224.0.0.0/4", "Multicast", "RFC 5771", K::multicast, R::not_applicable},
    {"240.0.0.0/4", "Reserved", "RFC 1112", K::reserved, R::not_reachable},
    {"255.255.255.255/32", "Limited Broadcast", "RFC 919", K::broadcast, R::not_reachable},

    {"::/128", "Unspecified Address", "RFC 4291", K::unspecified, R::not_reachable},
    {"::1/128", "Loopback Address", "RFC 4291", K::loopback, R::not_reachable},
    {"::ffff:0:0/96", "IPv4-mapped Address", "RFC 4291", K::translation, R::not_reachable},
    {"64:ff9b::/96", "IPv4-IPv6 Translation", "RFC 6052", K::translation, R::reachable},
    {"64:ff9b:1::/48", "IPv4-IPv6 Translation (local use)", "RFC 8215", K::translation, R::not_reachable},
    {"100::/64", "Discard-Only Address Block", "RFC 6666", K::discard, R::not_reachable},
    {"100:0:0:1::/64", "Dummy IPv6 Prefix", "RFC 9780", K::discard, R::not_reachable},
    {"2001::/23", "IETF Protocol Assignments", "RFC 2928", K::protocol_assignment, R::not_reachable},
    {"2001::/32", "TEREDO", "RFC 4380", K::tunnel, R::not_applicable},
    {"2001:1::1/128", "Port Control Protocol Anycast", "RFC 7723", K::anycast, R::reachable},
    {"2001:1::2/128", "Traversal Using Relays around NAT Anycast", "RFC 8155", K::anycast, R::reachable},
    {"2001:1::3/128", "DNS-SD Service Registration Protocol Anycast", "RFC 9665", K::anycast, R::reachable},
    {"2001:2::/48", "Benchmarking", "RFC 5180", K::benchmarking, R::not_reachable},
    {"2001:3::/32", "AMT", "RFC 7450", K::amt, R::reachable},
    {"2001:4:112::/48", "AS112-v6", "RFC 7535", K::as112, R::reachable},
    {"2001:10::/28", "Deprecated (previously ORCHID)", "RFC 4843", K::deprecated, R::not_applicable},
    {"2001:20::/28", "ORCHIDv2", "RFC 7343", K::orchid, R::reachable},
    {"2001:30::/28", "Drone Remote ID Protocol Entity Tags (DETs) Prefix", "RFC 9374", K::orchid, R::reachable},
    {"2001:db8::/32", "Documentation", "RFC 3849", K::documentation, R::not_reachable},
    {"2002::/16", "6to4", "RFC 3056", K::tunnel, R::not_applicable},
    {"2620:4f:8000::/48", "Direct Delegation AS112 Service", "RFC 7534", K::as112, R::reachable},
    {"3fff::/20", "Documentation", "RFC 9637", K::documentation, R::not_reachable},
    {"5f00::/16", "Segment Routing (SRv6) SIDs", "RFC 9602", K::segment_routing, R::not_reachable},
    {"fc00::/7", "Unique-Local", "RFC 4193", K::unique_local, R::not_reachable},
    {"fe80::/10", "Link-Local Unicast", "RFC 4291", K::link_local, R::not_reachable},
    {"ff00::/8", "Multicast", "RFC 4291", K::multicast, R::not_applicable},
    // Outside 2000::/3 and the blocks above, IANA has allocated nothing.
    {"::/3", "Reserved by IETF (outside global unicast 2000::/3)", "RFC 4291", K::reserved, R::not_reachable},
    {"4000::/2", "Reserved by IETF (outside global unicast 2000::/3)", "RFC 4291", K::reserved, R::not_reachable},
    {"8000::/2", "Reserved by IETF (outside global unicast 2000::/3)", "RFC 4291", K::reserved, R::not_reachable},
    {"c000::/3", "Reserved by IETF (outside global unicast 2000::/3)", "RFC 4291", K::reserved, R::not_reachable},
    {"e000::/4", "Reserved by IETF (outside global unicast 2000::/3)", "RFC 4291", K::reserved, R::not_reachable},
    {"f000::/5", "Reserved by IETF (outside global unicast 2000::/3)", "RFC 4291", K::reserved, R::not_reachable},
    {"f800::/6", "Reserved by IETF (outside global unicast 2000::/3)", "RFC 4291", K::reserved, R::not_reachable},
    {"fe00::/9", "Reserved by IETF (outside global unicast 2000::/3)", "RFC 4291", K::reserved, R::not_reachable},
    {"fec0::/10", "Reserved by IETF (deprecated site-local)", "RFC 3879", K::reserved, R::not_reachable},
};

constexpr std::size_t kCount = std::size(kRows);

std::array<SpecialRange, kCount> build() {
  std::array<SpecialRange, kCount> out{};
  for (std::size_t i = 0; i < kCount; ++i) {
    std::string_view prefix = kRows[i].prefix;
    auto slash = prefix.find('/');
    auto net = IpAddress::parse(prefix.substr(0, slash));
    if (!net) throw std::logic_error("bad special-range prefix");
    int len = std::stoi(std::string(prefix.substr(slash + 1)));
    out[i] = SpecialRange{prefix, kRows[i].name, kRows[i].rfc, kRows[i].kind, kRows[i].reachable, net.value(), len};
  }
  return out;
}

const std::array<SpecialRange, kCount>& table() {
  static const auto t = build();
  return t;
}

}  // namespace

bool in_prefix(const IpAddress& a, const IpAddress& network, int length) noexcept {
  if (a.family() != network.family() || length < 0 || static_cast<std::size_t>(length) > 8 * a.size()) return false;
  auto full = static_cast<std::size_t>(length / 8);
  if (std::memcmp(a.data(), network.data(), full) != 0) return false;
  int rem = length % 8;
  if (rem == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xff << (8 - rem));
  return (a.data()[full] & mask) == (network.data()[full] & mask);
}

const SpecialRange* classify(const IpAddress& a) noexcept {
  const SpecialRange* best = nullptr;
  for (const auto& r : table()) {
    if (in_prefix(a, r.network, r.length) && (!best || r.length > best->length)) best = &r;
  }
  return best;
}

bool is_bogon(const IpAddress& a) noexcept {
  const auto* r = classify(a);
  if (!r) return false;
  return r->reachable == Reachability::not_reachable || r->kind == K::multicast || r->kind == K::deprecated;
}

std::span<const SpecialRange> special_ranges() noexcept { return table(); }

std::string_view to_string(RangeKind k) noexcept { return name_of(k); }

}  // namespace p2pscope
