// What the harness's feeders saw a client do: every peer it gave out, by
// route, and every contact it made with a fed peer. Filled on the world's
// io_context thread, then written as JSON by the in-sandbox process and read
// back by the parent (the two live in different processes). Plain values.
#pragma once

#include "core/extension.hpp"
#include "core/hash.hpp"
#include "core/ip.hpp"
#include "core/names.hpp"
#include "core/records.hpp"
#include "core/text.hpp"
#include "taint-harness/plan.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace p2pscope::harness {

// One peer exchange message the client sent to one of our peers, or to its
// partner (Capture::partner_pex).
struct PexSeen {
  double t = 0;   // seconds since the world started
  Endpoint to;    // our peer (or the partner) that received it
  std::vector<PexPeer> added;
  std::vector<Endpoint> dropped;
  PexDialect dialect = PexDialect::ut_pex;  // az_pex only to a partner
};

// One answer (get_peers, find_node) the client gave one of our DHT nodes.
struct DhtSeen {
  double t = 0;
  Endpoint node;
  std::vector<Endpoint> values;
  std::vector<Endpoint> nodes;  // its "nodes" and "nodes6"
};

// One announce the client made to our tracker.
struct AnnounceRecord {
  double t = 0;
  bool udp = false;
  IpAddress from;
  std::uint16_t port = 0;
  std::optional<std::string> ip, ipv4, ipv6;  // as the client sent them
  std::optional<std::uint32_t> key;
  std::string event;
  std::string peer_id;  // printable form
  std::optional<std::string> user_agent;  // HTTP announces: the User-Agent header
};

// The client reached one of our fed peers.
struct ContactSeen {
  double t = 0;
  Endpoint at;
  FedKind kind = FedKind::bittorrent;
  bool handshake = false;        // a BitTorrent handshake for our infohash arrived
  std::string peer_id;           // printable, when handshake
  bool extended = false;         // its extended handshake (BEP 10) arrived
  std::optional<std::string> v;  // from its extended handshake
  std::optional<std::uint16_t> p;
  std::optional<std::string> ipv4, ipv6, yourip;
  bool sent_port = false;        // the DHT PORT message (BEP 5)
  // What carried it: a fed BitTorrent peer takes TCP and uTP (BEP 29) at
  // its port; open ports take TCP only.
  Carrier carrier = Carrier::tcp;
};

// One of our connections to the client's listen port (is it accepting
// incoming peers?).
enum class IncomingOutcome : std::uint8_t {
  accepted,  // it answered our handshake with its own
  refused,   // connect() failed: nothing listening, or a reset
  closed,    // it took the connection but closed it without a handshake
  timeout,   // no answer within the deadline
};
constexpr auto enum_names(IncomingOutcome) noexcept {
  return std::to_array<std::pair<IncomingOutcome, std::string_view>>({
      {IncomingOutcome::accepted, "accepted"}, {IncomingOutcome::refused, "refused"},
      {IncomingOutcome::closed, "closed"}, {IncomingOutcome::timeout, "timeout"}});
}

std::string_view to_string(IncomingOutcome o) noexcept;

struct IncomingAttempt {
  double t = 0;
  IncomingOutcome outcome = IncomingOutcome::refused;
  std::string peer_id;  // printable, when accepted
};

// eMule: one ask of the harness for the client's sources (an asker's
// source exchange session) and what came of it.
struct SxAsk {
  double t = 0;
  Endpoint asker;
  std::uint8_t asked = 0;                // the version asked for: 1-3 by SX1, 4 by SX2
  std::string end;                       // how the session ended (crawler::SxEnd's names)
  std::optional<std::uint8_t> version;   // of the answer
  std::vector<Endpoint> sources;         // its HighID entries, read in the answer's ID form
  std::size_t low_ids = 0;               // LowID entries (no address to judge)
  std::optional<std::string> software;   // from the client's hello answer
  std::optional<std::string> anomaly;    // what was wrong with a bad answer
};

// eMule: one file entry of an OFFERFILES the client sent our index server:
// who it says has the file (its own address, or the self markers).
struct OfferSeen {
  double t = 0;
  std::uint32_t login_id = 0;  // the ID our server gave it (ED2K form)
  std::uint16_t login_port = 0;  // the TCP port its login named
  std::uint32_t id = 0;        // as offered
  std::uint16_t port = 0;
};

struct Capture {
  double duration = 0;  // seconds the client ran
  std::vector<AnnounceRecord> announces;
  std::vector<PexSeen> pex;
  // What the client told its partner (HarnessPlan::partner) by peer
  // exchange: no feeder of ours reads that, so it is read from the run's
  // pcap after the run (wire_check.hpp) and counted as the pex route.
  std::vector<PexSeen> partner_pex;
  std::vector<DhtSeen> dht;
  std::vector<ContactSeen> contacts;
  std::uint64_t dht_queries = 0;  // KRPC queries the client sent our nodes
  std::uint64_t dht_replies = 0;  // answers to our nodes' queries
  std::vector<std::string> dht_versions;  // distinct KRPC "v" values the client sent (printable)
  std::vector<IncomingAttempt> incoming;
  std::vector<SxAsk> sx;           // eMule
  std::vector<OfferSeen> offers;   // eMule
  std::size_t logins = 0;          // eMule: logins to our index server
};

nlohmann::json to_json(const Capture& c);
Result<Capture> capture_from_json(const nlohmann::json& j);

// A peer id in printable form (core/text.hpp's printable).
std::string printable_peer_id(const PeerId& id);

}  // namespace p2pscope::harness
