// KRPC, the Mainline DHT wire format: BEP 5 (ping, find_node, get_peers,
// announce_peer), BEP 32 (nodes6, want), BEP 42 (ip), BEP 43 (ro) and BEP 51
// (sample_infohashes: samples, interval, num). Pure: bytes in, typed message
// or error_code out; encode() produces canonical bencode through lt::entry.
//
// Responses do not name their method, so KrpcResponse carries every optional
// field and the caller matches it to its query by transaction id.
#pragma once

#include "core/bencode.hpp"
#include "core/compact.hpp"
#include "core/flags.hpp"
#include "core/hash.hpp"
#include "core/ip.hpp"
#include "core/names.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace p2pscope {

enum class KrpcMethod : std::uint8_t { ping, find_node, get_peers, announce_peer, sample_infohashes, unknown };
constexpr auto enum_names(KrpcMethod) noexcept {
  return std::to_array<std::pair<KrpcMethod, std::string_view>>({
      {KrpcMethod::ping, "ping"}, {KrpcMethod::find_node, "find_node"}, {KrpcMethod::get_peers, "get_peers"},
      {KrpcMethod::announce_peer, "announce_peer"}, {KrpcMethod::sample_infohashes, "sample_infohashes"},
      {KrpcMethod::unknown, "unknown"}});
}

std::string_view to_string(KrpcMethod m) noexcept;
KrpcMethod krpc_method_from(std::string_view name) noexcept;

enum class Want : std::uint8_t { n4 = 1, n6 = 2 };  // BEP 32 "want"
using WantFlags = FlagSet<Want>;

// BEP 5 error codes.
enum class KrpcErrorCode : int { generic = 201, server = 202, protocol = 203, method_unknown = 204 };

struct KrpcQuery {
  std::string transaction_id;
  std::string method_name;  // as sent; unknown names are kept so a server can answer 204
  NodeId id;
  std::optional<NodeId> target;        // find_node, sample_infohashes
  std::optional<InfoHash> info_hash;   // get_peers, announce_peer
  std::optional<std::uint16_t> port;   // announce_peer
  bool implied_port = false;           // announce_peer: use the UDP source port
  std::optional<std::string> token;    // announce_peer
  WantFlags want;                      // BEP 32
  bool read_only = false;              // BEP 43 "ro"
  std::optional<std::string> version;  // "v", client version

  KrpcMethod method() const noexcept { return krpc_method_from(method_name); }
  friend bool operator==(const KrpcQuery&, const KrpcQuery&) = default;

  // The queries p2pscope sends, from node `id`; the sender sets the
  // transaction id (and, for a crawler, BEP 43 "ro").
  static KrpcQuery ping(const NodeId& id);
  static KrpcQuery find_node(const NodeId& id, const NodeId& target);
  static KrpcQuery get_peers(const NodeId& id, const InfoHash& info_hash);
  static KrpcQuery announce_peer(const NodeId& id, const InfoHash& info_hash, std::uint16_t port, std::string token);
  // BEP 51: a sample of the info hashes the node stores, and its nodes
  // closest to `target` (as find_node).
  static KrpcQuery sample_infohashes(const NodeId& id, const NodeId& target);

  // BEP 32: the node lists a reply to this query carries, for an asker of
  // `asker`'s family: the families its "want" names, or, naming none, the
  // asker's own.
  WantFlags wanted_lists(Family asker) const noexcept {
    if (!want.empty()) return want;
    return asker == Family::v6 ? WantFlags{Want::n6} : WantFlags{Want::n4};
  }
};

struct KrpcResponse {
  std::string transaction_id;
  NodeId id;
  std::vector<NodeEntry> nodes;                // "nodes", IPv4
  std::vector<NodeEntry> nodes6;               // "nodes6", IPv6
  std::vector<Endpoint> values;                // get_peers peers, 6- or 18-byte strings
  std::optional<std::string> token;            // get_peers
  std::optional<std::vector<InfoHash>> samples;  // BEP 51
  std::optional<std::int64_t> interval;        // BEP 51, seconds
  std::optional<std::int64_t> num;             // BEP 51, infohashes the node holds
  std::optional<Endpoint> requester;           // BEP 42 "ip": how the responder sees us
  std::optional<std::string> version;

  friend bool operator==(const KrpcResponse&, const KrpcResponse&) = default;
};

struct KrpcError {
  std::string transaction_id;
  std::int64_t code = 0;
  std::string message;
  std::optional<std::string> version;

  friend bool operator==(const KrpcError&, const KrpcError&) = default;
};

using KrpcMessage = std::variant<KrpcQuery, KrpcResponse, KrpcError>;

struct KrpcLimits {
  BencodeLimits bencode{.max_size = 65536, .max_depth = 8, .max_tokens = 20000};
  std::size_t max_transaction_id = 64;  // bytes; real clients use 2-4
  std::size_t max_token = 256;          // bytes
  std::size_t max_version = 64;         // bytes of "v"
  std::size_t max_nodes = 512;          // per nodes / nodes6 list; BEP 5 sends 8
  std::size_t max_values = 4096;
  std::size_t max_samples = 4096;
};

Result<KrpcMessage> decode_krpc(std::string_view buf, const KrpcLimits& limits = {});
std::string encode_krpc(const KrpcMessage& m);

}  // namespace p2pscope
