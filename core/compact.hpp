// Compact peer and node formats (BEP 23, BEP 5, BEP 32, BEP 7):
//   peer: address (4 or 16 bytes) + port (2), network order -> 6 or 18 bytes
//   node: node id (20) + compact peer -> 26 or 38 bytes
// A list whose length is not a whole number of entries is errc::not_multiple,
// never silently truncated; more than max_entries is errc::too_many_items.
#pragma once

#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/ip.hpp"

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace p2pscope {

struct NodeEntry {
  NodeId id;
  Endpoint endpoint;
  friend auto operator<=>(const NodeEntry&, const NodeEntry&) = default;
};

constexpr std::size_t compact_peer_size(Family f) noexcept { return f == Family::v4 ? 6 : 18; }
constexpr std::size_t compact_node_size(Family f) noexcept { return 20 + compact_peer_size(f); }

// One 6- or 18-byte peer; the family follows from the length.
Result<Endpoint> decode_compact_peer(std::string_view raw);
Result<std::vector<Endpoint>> decode_compact_peers(std::string_view raw, Family f, std::size_t max_entries);
Result<std::vector<NodeEntry>> decode_compact_nodes(std::string_view raw, Family f, std::size_t max_entries);

// Appends ep in its own family's compact form.
void append_compact_peer(std::string& out, const Endpoint& ep);
void append_compact_node(std::string& out, const NodeEntry& n);
std::string encode_compact_peer(const Endpoint& ep);
// Concatenates the entries; callers pass a single family (peers vs peers6).
std::string encode_compact_peers(std::span<const Endpoint> peers);
std::string encode_compact_nodes(std::span<const NodeEntry> nodes);

}  // namespace p2pscope
