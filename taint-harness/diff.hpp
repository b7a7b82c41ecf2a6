// Outgoing minus incoming: the pure judgement of one client run. Incoming
// is everything the harness handed the client (its plan, plus the client's
// own address; for eMule also the seeder and the askers; its partner, which
// the tracker lists); outgoing is every peer the client gave out, by route
// (BitTorrent: the ut_pex lists it sent our peers and the peer exchange it
// sent its partner, the get_peers values and the nodes it gave our DHT nodes, and
// the address it announced for itself; eMule: every source in its source exchange answers,
// and the address its offers to the index server name). An outgoing peer that was
// never incoming was created by the client: a byte-order finding when a
// reversal of an incoming address explains it, otherwise made up.
#pragma once

#include "core/names.hpp"
#include "taint-harness/capture.hpp"
#include "taint-harness/plan.hpp"

#include <optional>
#include <string_view>
#include <vector>

namespace p2pscope::harness {

// The P2PScope study's Table V, one row per route the client gave peers out by.
// "Total" is what went in (the peers fed), the other columns what came out.
struct RouteRow {
  Route route = Route::pex;
  std::size_t incoming = 0;             // distinct peers the harness fed by this route (the study's "total")
  std::size_t outgoing = 0;             // distinct peers the client gave out by it
  std::size_t created = 0;              // outgoing, never incoming
  std::size_t created_unroutable = 0;   // of those, in a special-purpose range
  std::size_t outgoing_unroutable = 0;  // outgoing in a special-purpose range (created or passed on)
};

enum class ByteOrder : std::uint8_t {
  address_reversed,  // 1.2.3.4:p -> 4.3.2.1:p; IPv6: all 16 bytes reversed
  port_swapped,      // 1.2.3.4:p -> 1.2.3.4:swap(p)
  both,              // 1.2.3.4:p -> 4.3.2.1:swap(p)
  // An 18-byte IPv6 compact peer read as three 6-byte IPv4 ones (a BEP 15
  // IPv6 announce reply parsed with the IPv4 stride): one of those three.
  ipv6_read_as_ipv4,
  // IPv6 with each 32-bit word byte-swapped in place (ntohl word by word),
  // the port as it was.
  ipv6_words_swapped,
};
constexpr auto enum_names(ByteOrder) noexcept {
  return std::to_array<std::pair<ByteOrder, std::string_view>>({
      {ByteOrder::address_reversed, "address_reversed"}, {ByteOrder::port_swapped, "port_swapped"},
      {ByteOrder::both, "address_reversed_and_port_swapped"},
      {ByteOrder::ipv6_read_as_ipv4, "ipv6_peer_read_as_ipv4"},
      {ByteOrder::ipv6_words_swapped, "ipv6_words_swapped"}});
}

std::string_view to_string(ByteOrder b) noexcept;

struct Created {
  Route route = Route::pex;
  Endpoint advertised;
  bool unroutable = false;
  std::optional<Endpoint> original;    // the incoming peer a byte-order bug explains it by
  std::optional<ByteOrder> byte_order;
  friend bool operator==(const Created&, const Created&) = default;
};

// How a client decides whom to pass on by PEX, read off which kinds of fed
// peer it advertised: unreachable ones mean it checks nothing; open ports
// without BitTorrent mean a TCP connect is enough.
enum class Policy : std::uint8_t { none_observed, after_handshake, after_connect, unchecked };
constexpr auto enum_names(Policy) noexcept {
  return std::to_array<std::pair<Policy, std::string_view>>({
      {Policy::none_observed, "none_observed"}, {Policy::after_handshake, "after_handshake"},
      {Policy::after_connect, "after_tcp_connect"}, {Policy::unchecked, "unchecked"}});
}

std::string_view to_string(Policy p) noexcept;

struct KindRow {
  FedKind kind = FedKind::bittorrent;
  std::size_t fed = 0;         // non-hub peers of this kind, all routes
  std::size_t contacted = 0;   // the client reached them (TCP accepted)
  std::size_t handshaken = 0;  // ... and completed a BitTorrent handshake
  std::size_t advertised = 0;  // the client listed them in ut_pex
};

// One distinct peer the client gave out by one route.
struct Outgoing {
  Route route = Route::pex;
  Endpoint peer;
  friend bool operator==(const Outgoing&, const Outgoing&) = default;
};

struct Diff {
  std::vector<RouteRow> routes;  // the plan's routes(): pex, dht, dht_node, tracker; or server, sx
  // Every route together, each peer once (a peer fed or given out by two
  // routes counts once); route is unused. incoming includes the client's
  // own addresses and what the world holds besides the fed peers (the
  // seeder, the askers), which the diff also takes as incoming.
  RouteRow all;
  std::vector<Outgoing> outgoing;  // sorted by route, then address
  std::vector<Created> created;  // sorted by route, then address
  std::vector<KindRow> kinds;    // bittorrent, open_port, unreachable
  Policy policy = Policy::none_observed;
  std::size_t bogus() const noexcept { return created.size(); }
};

Diff diff(const HarnessPlan& plan, const Capture& capture);

}  // namespace p2pscope::harness
