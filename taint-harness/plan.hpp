// The harness's test world for one client run, decided before anything
// starts (pure, deterministic from a seed): the client's address, the
// tracker, the hub peers that feed PEX and run DHT nodes, and every peer the
// feeders hand out, each tagged with the route that hands it out and what
// answers at its address.
//
// Addresses are chosen so that a finding cannot be ambiguous: every address
// is public-looking (no IANA special range, none of the /8s libtorrent's DHT
// ignores, not 127/8 which Transmission drops), sits in a /24 of its own
// (libtorrent keeps one DHT node per /24), has an IPv4 byte reversal that is
// a different address nobody in the plan uses, and every port differs from
// its own byte swap.
#pragma once

#include "core/ip.hpp"
#include "core/names.hpp"

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace p2pscope::harness {

// Which network a run's client speaks: BitTorrent (tracker, PEX, DHT) or
// eMule (an index server and source exchange).
enum class Network : std::uint8_t { bittorrent, emule };
constexpr auto enum_names(Network) noexcept {
  return std::to_array<std::pair<Network, std::string_view>>({{Network::bittorrent, "bittorrent"}, {Network::emule, "emule"}});
}

std::string_view to_string(Network n) noexcept;

// What the hubs have: every piece (seeds, like every other fed peer), or
// none (leechers). Azureus's PEX never names a seed to a seed
// (PeerDatabase.registerPeerConnection), so BiglyBT's runs need leeching hubs.
enum class Hubs : std::uint8_t { seeds, leechers };
constexpr auto enum_names(Hubs) noexcept {
  return std::to_array<std::pair<Hubs, std::string_view>>({{Hubs::seeds, "seeds"}, {Hubs::leechers, "leechers"}});
}

std::string_view to_string(Hubs h) noexcept;

// The routes a client is fed by, and gives peers out by: tracker, pex and
// dht for BitTorrent; server (the index server's source answers in, the
// client's own offers out) and sx (source exchange) for eMule. dht_node is
// the DHT's other list: the nodes (BEP 5 "nodes", BEP 32 "nodes6") a
// client names in its answers, against the DHT nodes the harness runs.
enum class Route : std::uint8_t { tracker, pex, dht, server, sx, dht_node };
constexpr auto enum_names(Route) noexcept {
  return std::to_array<std::pair<Route, std::string_view>>({{Route::tracker, "tracker"}, {Route::pex, "pex"},
                                                            {Route::dht, "dht"}, {Route::server, "server"},
                                                            {Route::sx, "sx"}, {Route::dht_node, "dht_node"}});
}

std::string_view to_string(Route r) noexcept;

// What answers at a fed peer's address; the propagation policy is read off
// which kinds a client passes on.
enum class FedKind : std::uint8_t {
  bittorrent,   // completes the BitTorrent handshake (claims every piece, never unchokes)
  open_port,    // accepts TCP, answers like an SSH server, not BitTorrent
  unreachable,  // not on any interface: connect() fails
  emule,        // answers the eMule hello and file requests as a source with part of the file, never uploads
};
constexpr auto enum_names(FedKind) noexcept {
  return std::to_array<std::pair<FedKind, std::string_view>>({
      {FedKind::bittorrent, "bittorrent"}, {FedKind::open_port, "open_port"}, {FedKind::unreachable, "unreachable"},
      {FedKind::emule, "emule"}});
}

std::string_view to_string(FedKind k) noexcept;

struct FedPeer {
  Endpoint endpoint;
  Route route = Route::tracker;
  FedKind kind = FedKind::bittorrent;
  bool hub = false;  // a hub: sends ut_pex and the PORT message, runs a DHT node at the same ip:port
  // eMule: a hub answers source exchange in this version (1-4; see
  // hub_sx1_advertised); a peer fed by route sx is handed out by the hub
  // of this version.
  std::uint8_t sx = 0;
  friend bool operator==(const FedPeer&, const FedPeer&) = default;
};

struct PlanOptions {
  std::uint64_t seed = 1;
  std::size_t hubs = 3;              // handed out by the tracker
  std::size_t per_kind_per_route = 2;  // fed peers of each kind on each route
  std::size_t dht_only = 6;          // DHT nodes that are not peers: clients want several before they look up
  // IPv6 feeding: the client and the tracker get an IPv6 address too;
  // every route gets per_kind_per_route IPv6 peers of each kind (the
  // tracker's go to IPv6 announces: BEP 15 replies and HTTP peers6 carry
  // the asker's family; the hubs list theirs in ut_pex added6; the IPv6 DHT
  // nodes answer IPv6 askers with them, BEP 32), and dht_only6 DHT nodes
  // run on IPv6 addresses. Off, the plan is exactly the IPv4 one.
  bool ipv6 = false;
  std::size_t dht_only6 = 4;
  // A partner: a second instance of the client under test, in the same
  // swarm (the tracker lists each to the other), for what a client speaks
  // only with its own kind (Azureus's PEX, the Vuze DHT). Off, the plan is
  // exactly the one without it.
  bool partner = false;
};

// The partner listens here (TCP, and UDP for its DHT): the Vuze DHT's
// well-known port, where BiglyBT looks for its bootstrap node (named in the
// run's /etc/hosts).
inline constexpr std::uint16_t kPartnerPort = 6881;

struct HarnessPlan {
  Network network = Network::bittorrent;
  Endpoint client;   // the client's address and listen port (TCP, and UDP for the DHT)
  Endpoint tracker;  // HTTP and BEP 15 on the same port; eMule: the index server (TCP, UDP at port + 4)
  // With PlanOptions::ipv6: the client's and the tracker's IPv6 addresses
  // (same ports as above), each in a /48 of its own.
  std::optional<IpAddress> client6, tracker6;
  std::vector<FedPeer> fed;  // hubs first (route tracker, kind bittorrent)
  std::vector<Endpoint> dht_only;  // more DHT nodes (UDP only), each in a /24 (IPv6: a /48) of its own
  // Where our connections to the client's listen port come from (the
  // anonymity audit's "does it accept incoming peers?"). The port is the one
  // its extended handshake announces; the source port is ephemeral, so a
  // client that passes this peer on by any port made up nothing.
  Endpoint prober;
  // eMule: a real aMule that shares the whole file and uploads it slowly,
  // so that the client completes a part (aMule shares a part file, and so
  // answers source exchange for it, only from then on). Listed by the server.
  std::optional<Endpoint> seeder;
  // eMule: where the harness asks the client for its sources, round by
  // round, one address per SX version (1-4) in each round. aMule answers one
  // client once per 40 minutes, and a client that changes its user hash is
  // banned, so every ask has an address of its own.
  std::vector<Endpoint> askers;
  // A port nobody else in the plan uses (nor its byte swap), for a client
  // that keeps a second UDP port: KTorrent's DHT, apart from its uTP.
  std::uint16_t spare_port = 0;
  // With PlanOptions::partner: where the partner listens (kPartnerPort).
  // It is no feeder: the world's peers and open ports hang up on it, and
  // its announces are not the client's. What the client learns from it and
  // gives it is audited from the pcap (wire_check.hpp).
  std::optional<Endpoint> partner;
  std::optional<IpAddress> partner6;  // with IPv6 feeding (same port): an unbound IPv6 socket of its would otherwise pass for a feeder

  // The routes of the plan's network, in report order.
  std::vector<Route> routes() const;
  // Every DHT node: the hubs', then dht_only. Each announces itself to the
  // client's DHT node at its own ip:port, so these are incoming by the DHT.
  std::vector<Endpoint> dht_nodes() const;

  std::vector<FedPeer> hubs() const;
  std::vector<FedPeer> fed_by(Route r) const;
  // Every address that must be on the sandbox's loopback: client, tracker,
  // each fed peer that is not unreachable, the DHT-only nodes, the prober,
  // the seeder, the askers and the partner (and the IPv6 ones of those).
  std::vector<IpAddress> local_addresses() const;
  // Whether a is one of the partner's addresses.
  bool is_partner(const IpAddress& a) const noexcept {
    return (partner && a == partner->address) || (partner6 && a == *partner6);
  }
  // The client's own addresses with its port: what it may announce.
  std::vector<Endpoint> client_endpoints() const;
  // The partner's addresses with its port (none without a partner).
  std::vector<Endpoint> partner_endpoints() const;
};

HarnessPlan make_plan(const PlanOptions& opt);
// The eMule world from the same seed rules: the client, the index server,
// four hubs (listed by the server) that answer source exchange in versions
// 1, 2, 3 and 4, the seeder, per route one fed peer of each kind on the
// server and, through each hub, an eMule peer and an open or unreachable
// one, and kEmuleAskRounds rounds of askers.
inline constexpr std::size_t kEmuleAskRounds = 4;
HarnessPlan make_emule_plan(const PlanOptions& opt);
// The SX1 version a hub answering in `version` advertises in its hello: the
// version itself (the v4 hub is an eMule 0.50a: SX1 4 and SX2). aMule 2.3.3
// asks only peers that advertise SX1 > 1 or SX2, and drops 12-byte entries
// from any sender that does not advertise 1, so no version-1 answer ever
// reaches it; older clients (the eMule reference peer) take them.
constexpr std::uint8_t hub_sx1_advertised(std::uint8_t version) noexcept { return version; }

// True when a is a usable harness address: see the header comment.
bool harness_address_ok(const IpAddress& a) noexcept;

}  // namespace p2pscope::harness
