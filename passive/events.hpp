// What the passive recognisers extract from a capture: one event per
// BitTorrent handshake, extended handshake, ut_pex message, KRPC message,
// tracker announce and tracker reply, and per eDonkey/eMule/KAD hello,
// message naming a file, and list of sources, each with when, who sent it
// to whom, and over what. Plain values; to_json gives the JSON Lines record
// (docs/records.md, "passive_*" types).
#pragma once

#include "core/ed2k.hpp"
#include "core/extension.hpp"
#include "core/vuze_dht.hpp"
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
  PexDialect dialect = PexDialect::ut_pex;
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
  std::string transaction_id;      // "t", bytes as sent
  std::optional<NodeId> node_id;   // "id": the asking node's (query) or the answering node's (response)
  std::optional<NodeId> target;    // find_node, sample_infohashes
  std::optional<std::string> token;       // get_peers answers, announce_peer queries; bytes
  std::optional<std::uint16_t> port;      // announce_peer
  bool implied_port = false;              // announce_peer: use the UDP source port
  std::optional<std::int64_t> error_code; // errors (BEP 5: 201-204)
  std::string error_message;
  // A message decode_krpc refused, recorded with what could be read
  // (krpc_salvage.hpp): the first rule it broke. Empty when well-formed.
  std::string defect;
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

// eDonkey, eMule and KAD (issue 25).

// A client's hello or hello answer, or a client's login to an index server.
enum class Ed2kHelloKind : std::uint8_t { hello, answer, login };
constexpr auto enum_names(Ed2kHelloKind) noexcept {
  return std::to_array<std::pair<Ed2kHelloKind, std::string_view>>(
      {{Ed2kHelloKind::hello, "hello"}, {Ed2kHelloKind::answer, "answer"}, {Ed2kHelloKind::login, "login"}});
}

struct Ed2kHelloEvent {
  Hop hop;
  Ed2kHelloKind kind = Ed2kHelloKind::hello;
  ed2k::Md4 user_hash;
  std::uint32_t client_id = 0;  // ED2K form; a LowID below 2^24, 0 off any server
  std::uint16_t port = 0;       // its TCP port
  std::string name;             // the nickname tag, as sent
  std::string software;         // "aMule 2.3.3" from the eMule version tag; "" without one
  std::uint8_t sx1_version = 0;
  bool sx2 = false;
  std::uint8_t crypt = 0;       // bit 0 supported, 1 requested, 2 required (as source exchange v4 and KAD)
};

// A message that names a file: a client's request ("set_req_file_id", ...)
// or answer ("no_such_file", ...), an index server asked for the file's
// sources ("get_sources", "glob_get_sources"), a KAD source search
// ("kad_search_source"). The hash is a suspect for the crawler, as an info
// hash is.
struct Ed2kFileEvent {
  Hop hop;
  std::string message;
  ed2k::Md4 file;
  // The file's size where the message says it (MULTIPACKET_EXT, GETSOURCES,
  // GLOBGETSOURCES2, a KAD source search); 0 where it does not.
  std::uint64_t size = 0;
  // An answer about the file (no_such_file, file_status, filename_answer,
  // multipacket_answer), not a request for it.
  bool is_answer() const noexcept;
};

// Where a list of sources came from; each route writes its IDs in one form:
// index servers (TCP FOUNDSOURCES, UDP GLOBFOUNDSOURCES) in the ED2K form,
// source exchange v1/v2 in the ED2K and v3/v4 in the hybrid form, KAD in
// the hybrid form.
enum class Ed2kRoute : std::uint8_t { server, server_udp, sx, kad };
constexpr auto enum_names(Ed2kRoute) noexcept {
  return std::to_array<std::pair<Ed2kRoute, std::string_view>>({{Ed2kRoute::server, "server"},
                                                                {Ed2kRoute::server_udp, "server_udp"},
                                                                {Ed2kRoute::sx, "sx"},
                                                                {Ed2kRoute::kad, "kad"}});
}

struct Ed2kSeenSource {
  std::uint32_t id = 0;  // as sent, in the route's form
  std::uint16_t port = 0;
  std::uint8_t crypt = 0;
  std::optional<ed2k::Md4> user_hash;  // source exchange v2+ and KAD
};

// The entries of a server's source list or a source exchange answer (both
// carry id, port, crypt and an optional user hash), as seen sources.
template <class Entries>
std::vector<Ed2kSeenSource> seen_sources(const Entries& entries) {
  std::vector<Ed2kSeenSource> out;
  out.reserve(entries.size());
  for (const auto& x : entries) out.push_back({x.id, x.port, x.crypt, x.user_hash});
  return out;
}

struct Ed2kSourcesEvent {
  Hop hop;
  Ed2kRoute route = Ed2kRoute::server;
  ed2k::Md4 file;
  std::uint8_t sx_version = 0;  // source exchange only
  std::vector<Ed2kSeenSource> sources;
  ed2k::IdForm form() const noexcept;
};

// One Vuze DHT datagram (core/vuze_dht.hpp): Azureus's and BiglyBT's own
// DHT. peers() are the values that announce peers (DHT tracker values: a
// TCP port at the originator's address).
struct VuzeDhtEvent {
  Hop hop;
  VuzeDhtPacket packet;
  std::vector<Endpoint> peers() const;
};

using Event = std::variant<HandshakeEvent, ExtendedHandshakeEvent, PexEvent, KrpcEvent, TrackerAnnounceEvent,
                           TrackerPeersEvent, Ed2kHelloEvent, Ed2kFileEvent, Ed2kSourcesEvent, VuzeDhtEvent>;

nlohmann::json to_json(const Event& e);

// The same record as to_json(e), written as one line (no newline) straight
// onto out without building a JSON tree: the hot path of `p2pscope
// passive`. Parses to a value equal to to_json(e); the key order differs.
void append_json(const Event& e, std::string& out);
// Its "type": "passive_handshake", ...
std::string_view record_type(const Event& e) noexcept;

}  // namespace p2pscope::passive
