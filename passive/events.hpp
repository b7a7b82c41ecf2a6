// What the passive recognisers extract from a capture: one event per
// BitTorrent handshake, extended handshake, ut_pex message, KRPC message,
// tracker announce and tracker reply, each with when, who sent it to whom,
// and over what. Plain values; to_json gives the JSON Lines record
// (docs/records.md, "passive_*" types).
#pragma once

#include "core/extension.hpp"
#include "core/hash.hpp"
#include "core/ip.hpp"
#include "core/krpc.hpp"
#include "core/names.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace p2pscope::passive {

enum class Carrier : std::uint8_t { tcp, utp, udp };
constexpr auto enum_names(Carrier) noexcept {
  return std::to_array<std::pair<Carrier, std::string_view>>({
      {Carrier::tcp, "tcp"}, {Carrier::utp, "utp"}, {Carrier::udp, "udp"}});
}

std::string_view to_string(Carrier c) noexcept;

struct Hop {
  double t = 0;  // capture time, seconds since the epoch
  Endpoint from, to;
  Carrier carrier = Carrier::tcp;
};

struct HandshakeEvent {
  Hop hop;
  InfoHash info_hash;
  PeerId peer_id;
  bool extension_protocol = false;
  bool dht = false;
};

struct ExtendedHandshakeEvent {
  Hop hop;
  std::optional<std::string> v;
  std::optional<std::uint16_t> p;
  std::optional<IpAddress> yourip;
  std::optional<std::uint8_t> ut_pex;  // the id this side wants ut_pex sent to it with
};

struct PexEvent {
  Hop hop;
  PexMessage pex;
  // The stream began before the capture, so the receiver's choice of ut_pex
  // id was never seen: the id was taken from its messages' keys instead.
  bool id_inferred = false;
};

enum class KrpcKind : std::uint8_t { query, response, error };
constexpr auto enum_names(KrpcKind) noexcept {
  return std::to_array<std::pair<KrpcKind, std::string_view>>(
      {{KrpcKind::query, "query"}, {KrpcKind::response, "response"}, {KrpcKind::error, "error"}});
}

struct KrpcEvent {
  Hop hop;
  KrpcKind kind = KrpcKind::query;
  std::string method;              // queries
  std::optional<InfoHash> info_hash;
  std::vector<Endpoint> values;
  std::vector<NodeEntry> nodes;    // nodes and nodes6
  std::vector<InfoHash> samples;   // BEP 51 sample_infohashes responses
  std::optional<std::string> version;
};

struct TrackerAnnounceEvent {
  Hop hop;  // client to tracker
  InfoHash info_hash;
  PeerId peer_id;
  std::uint16_t port = 0;
  std::string event;
  std::optional<std::string> ip;
};

struct TrackerPeersEvent {
  Hop hop;  // tracker to client
  std::optional<InfoHash> info_hash;  // from the request on the same connection, when seen
  std::vector<Endpoint> peers;        // peers and peers6, compact or dictionary
  std::optional<std::string> failure;
};

using Event = std::variant<HandshakeEvent, ExtendedHandshakeEvent, PexEvent, KrpcEvent, TrackerAnnounceEvent,
                           TrackerPeersEvent>;

nlohmann::json to_json(const Event& e);

// The same record as to_json(e), written as one line (no newline) straight
// onto out without building a JSON tree: the hot path of `p2pscope
// passive`. Parses to a value equal to to_json(e); the key order differs.
void append_json(const Event& e, std::string& out);
// Its "type": "passive_handshake", ...
std::string_view record_type(const Event& e) noexcept;

}  // namespace p2pscope::passive
