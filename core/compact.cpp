#include "core/compact.hpp"

#include "core/bytes.hpp"

namespace p2pscope {
namespace {

Endpoint read_peer(ByteReader& r, Family f) {
  auto addr = IpAddress::from_bytes(r.bytes(f == Family::v4 ? 4 : 16));
  auto port = r.u16();
  return Endpoint{addr.value(), port};
}

Result<std::size_t> entry_count(std::string_view raw, std::size_t entry, std::size_t max_entries) {
  if (raw.size() % entry != 0) return errc::not_multiple;
  if (raw.size() / entry > max_entries) return errc::too_many_items;
  return raw.size() / entry;
}

}  // namespace

Result<Endpoint> decode_compact_peer(std::string_view raw) {
  if (raw.size() != 6 && raw.size() != 18) return errc::bad_length;
  ByteReader r(raw);
  return read_peer(r, raw.size() == 6 ? Family::v4 : Family::v6);
}

Result<std::vector<Endpoint>> decode_compact_peers(std::string_view raw, Family f, std::size_t max_entries) {
  auto n = entry_count(raw, compact_peer_size(f), max_entries);
  if (!n) return n.error();
  std::vector<Endpoint> out;
  out.reserve(n.value());
  ByteReader r(raw);
  for (std::size_t i = 0; i < n.value(); ++i) out.push_back(read_peer(r, f));
  return out;
}

Result<std::vector<NodeEntry>> decode_compact_nodes(std::string_view raw, Family f, std::size_t max_entries) {
  auto n = entry_count(raw, compact_node_size(f), max_entries);
  if (!n) return n.error();
  std::vector<NodeEntry> out;
  out.reserve(n.value());
  ByteReader r(raw);
  for (std::size_t i = 0; i < n.value(); ++i) {
    auto id = NodeId::from_bytes(r.bytes(20)).value();
    out.push_back(NodeEntry{id, read_peer(r, f)});
  }
  return out;
}

void append_compact_peer(std::string& out, const Endpoint& ep) {
  out.append(ep.address.raw());
  put_u16(out, ep.port);
}

void append_compact_node(std::string& out, const NodeEntry& n) {
  out.append(n.id.raw());
  append_compact_peer(out, n.endpoint);
}

std::string encode_compact_peer(const Endpoint& ep) {
  std::string out;
  append_compact_peer(out, ep);
  return out;
}

std::string encode_compact_peers(std::span<const Endpoint> peers) {
  std::string out;
  for (const auto& p : peers) append_compact_peer(out, p);
  return out;
}

std::string encode_compact_nodes(std::span<const NodeEntry> nodes) {
  std::string out;
  for (const auto& n : nodes) append_compact_node(out, n);
  return out;
}

}  // namespace p2pscope
