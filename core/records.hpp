// The records that pass between stages (crawl -> probe -> diagnose ->
// blocklist). Each maps field for field to one JSON Lines object and one
// PostgreSQL table row; docs/records.md is the schema. Plain values.
#pragma once

#include "core/ed2k.hpp"
#include "core/error.hpp"
#include "core/extension.hpp"
#include "core/hash.hpp"
#include "core/ip.hpp"
#include "core/kad.hpp"
#include "core/names.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace p2pscope {

// UTC, microsecond resolution.
using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

// The route by which a peer was handed out. The first five are
// BitTorrent's; ed2k_server (an index server over TCP), ed2k_server_udp (its
// global get-sources over UDP), kad and sx (source exchange) are eMule's.
enum class Via : std::uint8_t { tracker_http, tracker_udp, dht, pex, incoming, ed2k_server, ed2k_server_udp, kad, sx };
constexpr auto enum_names(Via) noexcept {
  return std::to_array<std::pair<Via, std::string_view>>({
      {Via::tracker_http, "tracker_http"}, {Via::tracker_udp, "tracker_udp"}, {Via::dht, "dht"}, {Via::pex, "pex"},
      {Via::incoming, "incoming"}, {Via::ed2k_server, "ed2k_server"}, {Via::ed2k_server_udp, "ed2k_server_udp"},
      {Via::kad, "kad"}, {Via::sx, "sx"}});
}

std::string_view to_string(Via v) noexcept;
Result<Via> via_from(std::string_view s);

enum class Network : std::uint8_t { bittorrent, emule };
constexpr auto enum_names(Network) noexcept {
  return std::to_array<std::pair<Network, std::string_view>>(
      {{Network::bittorrent, "bittorrent"}, {Network::emule, "emule"}});
}
// What carried a peer-wire session: TCP, or uTP (BEP 29) over UDP.
enum class Carrier : std::uint8_t { tcp, utp };
constexpr auto enum_names(Carrier) noexcept {
  return std::to_array<std::pair<Carrier, std::string_view>>({{Carrier::tcp, "tcp"}, {Carrier::utp, "utp"}});
}

constexpr Network network_of(Via v) noexcept { return v >= Via::ed2k_server ? Network::emule : Network::bittorrent; }

// "Source S, asked by route V, said peer P has infohash H, at time T."
// The source fields that must be present depend on via:
//   tracker_http, tracker_udp: source_url (source_endpoint optional: the address it resolved to)
//   dht:                       source_endpoint and source_node_id
//   pex, incoming:             source_endpoint
struct Observation {
  Timestamp time{};
  std::string run;  // crawl run id; empty outside a run
  InfoHash info_hash;
  Endpoint peer;
  Via via = Via::dht;
  std::optional<std::string> source_url;
  std::optional<Endpoint> source_endpoint;
  std::optional<NodeId> source_node_id;
  std::optional<PexFlags> pex_flags;  // ut_pex added.f byte, when sent
  // The peer's encoding anomalies (port 0, v4-mapped) are not stored: they
  // follow from peer through endpoint_flags(), and the JSON form writes them
  // out as "peer_flags".

  // errc::missing_key when a source field that via requires is absent;
  // errc::bad_value for an eMule route (those are EmuleObservations).
  Result<void> validate() const;
  friend bool operator==(const Observation&, const Observation&) = default;
};

// "Source S, asked by eMule route V, said the client with ID I and port P
// has file F, at time T." The ID is kept as its four wire bytes (`raw_id`
// read little-endian) together with the form the route gives it, so the
// address in the other byte order can be tested later. Sources:
//   ed2k_server, ed2k_server_udp: the index server (the address asked)
//   kad:                          the answering node, with source_node_id
//   sx:                           the peer that answered, with sx_version
struct EmuleObservation {
  Timestamp time{};
  std::string run;
  ed2k::Md4 file;
  Via via = Via::ed2k_server;
  Endpoint source;
  std::optional<kad::KadId> source_node_id;
  std::uint32_t raw_id = 0;
  ed2k::IdForm id_form = ed2k::IdForm::ed2k;  // ed2k for servers and SX v1-2, hybrid for KAD and SX v3-4
  std::uint16_t peer_port = 0;
  std::optional<std::uint8_t> sx_version;
  std::optional<ed2k::Md4> user_hash;          // SX v2+, KAD, FOUNDSOURCES_OBFU
  std::optional<std::uint8_t> source_type;     // KAD's 0xFF tag
  std::optional<std::uint8_t> crypt;           // SX v4, KAD, FOUNDSOURCES_OBFU
  std::optional<Endpoint> server;              // SX: the server the client said it is on

  // A LowID (the value below 2^24 in its form) names no address: only the
  // source server can reach that client.
  bool low_id() const noexcept { return raw_id < ed2k::kHighestLowId; }
  // The address raw_id names in id_form, or nothing for a LowID.
  std::optional<Endpoint> peer() const;
  // The address it names in the other form: the byte-order bug's reading.
  IpAddress other_form_address() const noexcept;
  // errc::bad_value for a BitTorrent route, an id_form the route does not
  // use, or an sx_version outside 1-4; errc::missing_key when kad lacks
  // source_node_id or sx lacks sx_version.
  Result<void> validate() const;
  friend bool operator==(const EmuleObservation&, const EmuleObservation&) = default;
};

enum class ProbeKind : std::uint8_t {
  routability, reverse_byte_order, tcp_connect, handshake, fake_infohash, known_list, cluster,
  ed2k_hello,  // eMule: answered a hello (probes/emule_probe.hpp)
  fake_file,   // eMule: claimed a random file hash
  utp_connect, // a uTP (BEP 29) connection set up
  // A DHT node (issue 26), its record's peer the node's address:
  dht_fake_infohash,  // get_peers for a random infohash; positive: it gave values for it
  dht_neighbours,     // pings to the nodes it named; positive: at least one answered
};
constexpr auto enum_names(ProbeKind) noexcept {
  return std::to_array<std::pair<ProbeKind, std::string_view>>({
      {ProbeKind::routability, "routability"}, {ProbeKind::reverse_byte_order, "reverse_byte_order"},
      {ProbeKind::tcp_connect, "tcp_connect"}, {ProbeKind::handshake, "handshake"},
      {ProbeKind::fake_infohash, "fake_infohash"}, {ProbeKind::known_list, "known_list"},
      {ProbeKind::cluster, "cluster"}, {ProbeKind::ed2k_hello, "ed2k_hello"}, {ProbeKind::fake_file, "fake_file"},
      {ProbeKind::utp_connect, "utp_connect"}, {ProbeKind::dht_fake_infohash, "dht_fake_infohash"},
      {ProbeKind::dht_neighbours, "dht_neighbours"}});
}

std::string_view to_string(ProbeKind k) noexcept;
Result<ProbeKind> probe_kind_from(std::string_view s);

// positive: the probe found what it looks for (routable, connected, accepted
// the fake hash, listed...); negative: it did not; timeout/error: no answer.
enum class ProbeOutcome : std::uint8_t { positive, negative, timeout, error };
constexpr auto enum_names(ProbeOutcome) noexcept {
  return std::to_array<std::pair<ProbeOutcome, std::string_view>>({
      {ProbeOutcome::positive, "positive"}, {ProbeOutcome::negative, "negative"}, {ProbeOutcome::timeout, "timeout"},
      {ProbeOutcome::error, "error"}});
}

std::string_view to_string(ProbeOutcome o) noexcept;
Result<ProbeOutcome> probe_outcome_from(std::string_view s);

// A probe result or verdict is about one peer, in a BitTorrent swarm
// (info_hash), an eMule file's sources (file_hash), or in none.
struct ProbeResult {
  Timestamp time{};
  std::string run;
  Endpoint peer;
  std::optional<InfoHash> info_hash;
  std::optional<ed2k::Md4> file_hash;
  ProbeKind probe = ProbeKind::routability;
  ProbeOutcome outcome = ProbeOutcome::negative;
  std::optional<double> rtt_ms;
  std::map<std::string, std::string> evidence;  // e.g. {"prefix": "1.2.3.0/24", "asn": "64500"}
  friend bool operator==(const ProbeResult&, const ProbeResult&) = default;
};

// The last three are verdicts on DHT nodes (issue 26; probes/dht_nodes.hpp):
// a node that gave values for a random infohash, one whose named neighbours
// do not answer, and a member of a Sybil cluster (many ids on one address,
// or ids crowded next to a crawled infohash).
enum class VerdictKind : std::uint8_t {
  normal, bogus_unroutable, byte_order, anti_p2p, unreachable, unknown,
  dht_fake_values, dht_phantom_neighbours, dht_sybil
};
constexpr auto enum_names(VerdictKind) noexcept {
  return std::to_array<std::pair<VerdictKind, std::string_view>>({
      {VerdictKind::normal, "normal"}, {VerdictKind::bogus_unroutable, "bogus_unroutable"},
      {VerdictKind::byte_order, "byte_order"}, {VerdictKind::anti_p2p, "anti_p2p"},
      {VerdictKind::unreachable, "unreachable"}, {VerdictKind::unknown, "unknown"},
      {VerdictKind::dht_fake_values, "dht_fake_values"}, {VerdictKind::dht_phantom_neighbours, "dht_phantom_neighbours"},
      {VerdictKind::dht_sybil, "dht_sybil"}});
}
// A verdict on a DHT node rather than on a peer.
constexpr bool dht_node_verdict(VerdictKind k) noexcept { return k >= VerdictKind::dht_fake_values; }

std::string_view to_string(VerdictKind k) noexcept;
Result<VerdictKind> verdict_kind_from(std::string_view s);

struct Verdict {
  Timestamp time{};
  std::string run;
  Endpoint peer;
  std::optional<InfoHash> info_hash;
  std::optional<ed2k::Md4> file_hash;
  VerdictKind verdict = VerdictKind::unknown;
  double confidence = 0;               // [0, 1]
  std::vector<std::string> evidence;   // human-readable reasons, most decisive first
  friend bool operator==(const Verdict&, const Verdict&) = default;
};

// A source misbehaved. The crawl goes on; the record is the evidence.
enum class AnomalyKind : std::uint8_t {
  malformed,           // could not be decoded
  oversized,           // over a size or count limit (a body, a node list, a PEX flood)
  slow,                // below the minimum transfer rate, or past its deadline mid-reply
  unsolicited,         // a reply nobody asked for, or from another address
  bogus_node,          // a DHT node entry with port 0 or a special-purpose address
  handshake_mismatch,  // a peer answered for another infohash, or lied about itself
  protocol_violation,  // a message out of order or of the wrong shape
  tracker_failure,     // a tracker's failure reason or BEP 15 error
  http_error,          // a status other than 200, a redirect loop, a refused protocol
  silent,              // no answer at all: every UDP resend, or a connection that never carried a reply
};
constexpr auto enum_names(AnomalyKind) noexcept {
  return std::to_array<std::pair<AnomalyKind, std::string_view>>({
      {AnomalyKind::malformed, "malformed"}, {AnomalyKind::oversized, "oversized"}, {AnomalyKind::slow, "slow"},
      {AnomalyKind::unsolicited, "unsolicited"}, {AnomalyKind::bogus_node, "bogus_node"},
      {AnomalyKind::handshake_mismatch, "handshake_mismatch"},
      {AnomalyKind::protocol_violation, "protocol_violation"}, {AnomalyKind::tracker_failure, "tracker_failure"},
      {AnomalyKind::http_error, "http_error"}, {AnomalyKind::silent, "silent"}});
}

std::string_view to_string(AnomalyKind k) noexcept;
Result<AnomalyKind> anomaly_kind_from(std::string_view s);

// "Source S, asked by route V, misbehaved in way K (count times)."
// Needs source_url or source_endpoint.
struct Anomaly {
  Timestamp time{};
  std::string run;
  Via via = Via::dht;
  std::optional<std::string> source_url;
  std::optional<Endpoint> source_endpoint;
  std::optional<InfoHash> info_hash;
  std::optional<ed2k::Md4> file_hash;  // an eMule file, on eMule routes
  AnomalyKind kind = AnomalyKind::malformed;
  std::string detail;       // one line, for people
  std::uint64_t count = 1;  // repeats folded into one record
  Result<void> validate() const;
  friend bool operator==(const Anomaly&, const Anomaly&) = default;
};

// What a tracker says about a swarm's size, from a scrape or an announce
// reply. A swarm with many seeders and almost no leechers is itself a
// poisoning signal.
struct SwarmCounts {
  Timestamp time{};
  std::string run;
  InfoHash info_hash;
  Via via = Via::tracker_udp;  // tracker_http or tracker_udp
  std::string source_url;
  bool scrape = false;  // from a scrape (else from an announce reply)
  std::optional<std::int64_t> seeders, leechers, completed;
  friend bool operator==(const SwarmCounts&, const SwarmCounts&) = default;
};

// What a peer says about itself in its handshakes (BEP 3 and BEP 10):
// anti-P2P fleets tend to look alike.
struct PeerHello {
  Timestamp time{};
  std::string run;
  InfoHash info_hash;
  Endpoint peer;
  PeerId peer_id;
  std::string reserved_hex;               // the 8 reserved handshake bytes
  std::optional<std::string> client;      // "v"
  std::optional<IpAddress> yourip;        // how it sees us
  std::optional<std::int64_t> reqq;
  std::optional<std::uint16_t> listen_port;  // "p"
  std::vector<std::string> extensions;    // names in "m" with a non-zero id, sorted
  std::optional<Carrier> carrier;         // absent in records written before issue 26
  friend bool operator==(const PeerHello&, const PeerHello&) = default;
};

// "Source S (a DHT node, at S's id) named node N with id I in its reply to
// our get_peers for H, at time T": the DHT's own attribution, one level
// below the peers. A crawl writes one per (node, id) per run, the first
// sighting. A node met first as a bootstrap node, asked before anyone named
// it, has no source.
struct DhtNodeSeen {
  Timestamp time{};
  std::string run;
  InfoHash info_hash;  // the lookup's target
  Endpoint node;
  NodeId node_id;
  std::optional<Endpoint> source_endpoint;
  std::optional<NodeId> source_node_id;  // present with source_endpoint
  friend bool operator==(const DhtNodeSeen&, const DhtNodeSeen&) = default;
};

// A record of `p2pscope passive` (docs/records.md: passive_* and
// suspect_infohash), kept whole: its fields vary by type and only passive/
// interprets them. `body` is the record as compact JSON with its keys sorted
// and without "run"; store/record_json.hpp reads and writes it.
struct PassiveRecord {
  std::optional<Timestamp> time;  // its "t" (or "start"), when it has one
  std::string run;                // empty when none
  std::string type;               // "passive_krpc", "suspect_infohash", ...
  std::string body;
  friend bool operator==(const PassiveRecord&, const PassiveRecord&) = default;
};

// "DHT node S (id I) offered info hash H in its BEP 51 sample_infohashes
// reply to our walk toward target T": the swarms around a target, and who
// named them. A crawl with sampling on writes one per (H, S) per run.
struct DhtSample {
  Timestamp time{};
  std::string run;
  InfoHash target;     // the walk's target: the crawl target it was made for
  InfoHash info_hash;  // the info hash the node offered
  Endpoint source;
  NodeId source_node_id;
  std::optional<std::int64_t> num;       // BEP 51 "num": how many info hashes the node says it stores
  std::optional<std::int64_t> interval;  // BEP 51 "interval": seconds before it wants to be asked again
  friend bool operator==(const DhtSample&, const DhtSample&) = default;
};

using Record =
    std::variant<Observation, ProbeResult, Verdict, Anomaly, SwarmCounts, PeerHello, PassiveRecord, EmuleObservation,
                 DhtNodeSeen, DhtSample>;

}  // namespace p2pscope
