// IANA special-purpose address classification (RFC 6890 registries for IPv4
// and IPv6, as updated through RFC 9780), plus multicast and, for IPv6, the
// space IANA keeps "Reserved by IETF" outside 2000::/3, fc00::/7, fe80::/10
// and ff00::/8. classify() returns the most specific matching entry, so
// 192.0.0.9 reports the PCP anycast entry, not 192.0.0.0/24.
//
// A match is not the same as "unroutable": several entries (AS112, AMT, the
// anycast /32s, 64:ff9b::/96) are globally reachable. Callers decide with
// SpecialRange::reachable. The table is static and immutable; thread-safe.
#pragma once

#include "core/ip.hpp"
#include "core/names.hpp"

#include <span>
#include <string_view>

namespace p2pscope {

enum class RangeKind : std::uint8_t {
  this_network, private_use, shared_address, loopback, link_local, protocol_assignment,
  documentation, benchmarking, reserved, broadcast, multicast, unspecified, translation,
  discard, tunnel, anycast, as112, amt, orchid, unique_local, segment_routing, deprecated,
};
constexpr auto enum_names(RangeKind) noexcept {
  return std::to_array<std::pair<RangeKind, std::string_view>>({
      {RangeKind::this_network, "this_network"}, {RangeKind::private_use, "private_use"},
      {RangeKind::shared_address, "shared_address"}, {RangeKind::loopback, "loopback"},
      {RangeKind::link_local, "link_local"}, {RangeKind::protocol_assignment, "protocol_assignment"},
      {RangeKind::documentation, "documentation"}, {RangeKind::benchmarking, "benchmarking"},
      {RangeKind::reserved, "reserved"}, {RangeKind::broadcast, "broadcast"}, {RangeKind::multicast, "multicast"},
      {RangeKind::unspecified, "unspecified"}, {RangeKind::translation, "translation"},
      {RangeKind::discard, "discard"}, {RangeKind::tunnel, "tunnel"}, {RangeKind::anycast, "anycast"},
      {RangeKind::as112, "as112"}, {RangeKind::amt, "amt"}, {RangeKind::orchid, "orchid"},
      {RangeKind::unique_local, "unique_local"}, {RangeKind::segment_routing, "segment_routing"},
      {RangeKind::deprecated, "deprecated"}});
}

std::string_view to_string(RangeKind k) noexcept;

// The registry's "Globally Reachable" column; not_applicable where it says N/A.
enum class Reachability : std::uint8_t { not_reachable, reachable, not_applicable };

struct SpecialRange {
  std::string_view prefix;  // CIDR text, e.g. "100.64.0.0/10"
  std::string_view name;    // the registry's name, e.g. "Shared Address Space"
  std::string_view rfc;     // defining document, e.g. "RFC 6598"
  RangeKind kind;
  Reachability reachable;
  IpAddress network;
  int length;
};

// Most specific special-purpose entry containing a, or nullptr. An IPv4-mapped
// address is classified as ::ffff:0:0/96, not as its embedded IPv4 address.
const SpecialRange* classify(const IpAddress& a) noexcept;

// True when no BitTorrent peer can be reached at a: its entry is not globally
// reachable, or it is multicast or a deprecated block. The other "N/A"
// entries, Teredo and 6to4, are tunnels that real peers do use.
bool is_bogon(const IpAddress& a) noexcept;

// All entries, IPv4 first; for documentation and tests.
std::span<const SpecialRange> special_ranges() noexcept;

// True when a lies within network/length (families must match).
bool in_prefix(const IpAddress& a, const IpAddress& network, int length) noexcept;

}  // namespace p2pscope
