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
#include <string_view>
#include <vector>

namespace p2pscope::harness {

// The routes a client is fed by, and gives peers out by.
enum class Route : std::uint8_t { tracker, pex, dht };
constexpr auto enum_names(Route) noexcept {
  return std::to_array<std::pair<Route, std::string_view>>({
      {Route::tracker, "tracker"}, {Route::pex, "pex"}, {Route::dht, "dht"}});
}

std::string_view to_string(Route r) noexcept;

// What answers at a fed peer's address; the propagation policy is read off
// which kinds a client passes on.
enum class FedKind : std::uint8_t {
  bittorrent,   // completes the BitTorrent handshake (claims every piece, never unchokes)
  open_port,    // accepts TCP, answers like an SSH server, not BitTorrent
  unreachable,  // not on any interface: connect() fails
};
constexpr auto enum_names(FedKind) noexcept {
  return std::to_array<std::pair<FedKind, std::string_view>>({
      {FedKind::bittorrent, "bittorrent"}, {FedKind::open_port, "open_port"}, {FedKind::unreachable, "unreachable"}});
}

std::string_view to_string(FedKind k) noexcept;

struct FedPeer {
  Endpoint endpoint;
  Route route = Route::tracker;
  FedKind kind = FedKind::bittorrent;
  bool hub = false;  // a hub: sends ut_pex and the PORT message, runs a DHT node at the same ip:port
  friend bool operator==(const FedPeer&, const FedPeer&) = default;
};

struct PlanOptions {
  std::uint64_t seed = 1;
  std::size_t hubs = 3;              // handed out by the tracker
  std::size_t per_kind_per_route = 2;  // fed peers of each kind on each route
  std::size_t dht_only = 6;          // DHT nodes that are not peers: clients want several before they look up
};

struct HarnessPlan {
  Endpoint client;   // the client's address and listen port (TCP, and UDP for the DHT)
  Endpoint tracker;  // HTTP and BEP 15 on the same port
  std::vector<FedPeer> fed;  // hubs first (route tracker, kind bittorrent)
  std::vector<Endpoint> dht_only;  // more DHT nodes (UDP only), each in a /24 of its own
  // Where our connections to the client's listen port come from (the
  // anonymity audit's "does it accept incoming peers?"). The port is the one
  // its extended handshake announces; the source port is ephemeral, so a
  // client that passes this peer on by any port made up nothing.
  Endpoint prober;

  // Every DHT node: the hubs', then dht_only. Each announces itself to the
  // client's DHT node at its own ip:port, so these are incoming by the DHT.
  std::vector<Endpoint> dht_nodes() const;

  std::vector<FedPeer> hubs() const;
  std::vector<FedPeer> fed_by(Route r) const;
  // Every address that must be on the sandbox's loopback: client, tracker,
  // each fed peer that is not unreachable, the DHT-only nodes and the prober.
  std::vector<IpAddress> local_addresses() const;
};

HarnessPlan make_plan(const PlanOptions& opt);

// True when a is a usable harness address: see the header comment.
bool harness_address_ok(const IpAddress& a) noexcept;

}  // namespace p2pscope::harness
