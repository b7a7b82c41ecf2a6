// The lab's address plan: which party sits at which address, derived
// deterministically from a Scenario (same scenario, same plan).
//
// Every party gets its own IP (libtorrent and Transmission key peers by IP
// alone) and, except the members of an anti-P2P server farm, its own /24
// (libtorrent's DHT keeps one node per /24). Addresses are public-looking,
// from several /8s, never special-purpose -- except the bogus "unroutable"
// entries, which are special-purpose or outside every announced prefix on
// purpose.
#pragma once

#include "core/ip.hpp"
#include "core/names.hpp"
#include "lab/scenario.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace p2pscope::lab {

enum class Role : std::uint8_t {
  tracker,           // opentracker or a lab tracker
  seed,              // has the whole content
  leecher,           // downloads it
  client,            // a free address for tools run inside the lab
  dht_node,          // a node of the many-nodes DHT responder
  anti_p2p,          // accepts any infohash, claims every piece, hands out bogus peers
  byte_order,        // re-advertises learned addresses byte-reversed through ut_pex
  propagator,        // re-advertises every address it hears, unchecked
  bogus_unroutable,  // handed out, but special-purpose or in no announced prefix
  bogus_dead,        // handed out, routable, nothing listening
  bogus_open_port,   // handed out, a TCP port that answers but does not speak BitTorrent
  anti_p2p_fake,     // made up by an anti-P2P farm, inside its /24, nothing there
  // Bogus DHT nodes (issue 26), all answered by the DHT responder:
  dht_fake_values,   // answers get_peers for any infohash with honest DHT nodes' addresses as values
  dht_phantom,       // names neighbours that do not exist (dht_phantom_neighbour), next to any target
  dht_phantom_neighbour,  // named by a phantom node (group: the phantom's index); nothing there
  dht_sybil,         // one of dht_sybil_ids node ids on one address (group: the address's index)
  dht_sybil_near,    // a node id next to a lab torrent's infohash (48 bits shared)
  // eMule (issue 24)
  ed2k_server,       // an eDonkey index server (the lab's own), TCP and UDP at port + 4
  kad_node,          // a node of the many-nodes KAD responder
  emule_peer,        // an honest eMule peer: a scripted one, or a real amuled
  emule_byte_order,  // a source-exchange peer with one of aMule's historical byte-order defects
  emule_anti_p2p,    // claims any file, hands out its farm and made-up sources
  emule_fake,        // made up by the eMule anti-P2P farm, inside its /24, nothing there
};
constexpr auto enum_names(Role) noexcept {
  return std::to_array<std::pair<Role, std::string_view>>({
      {Role::tracker, "tracker"}, {Role::seed, "seed"}, {Role::leecher, "leecher"}, {Role::client, "client"},
      {Role::dht_node, "dht_node"}, {Role::anti_p2p, "anti_p2p"}, {Role::byte_order, "byte_order"},
      {Role::propagator, "propagator"}, {Role::bogus_unroutable, "bogus_unroutable"},
      {Role::bogus_dead, "bogus_dead"}, {Role::bogus_open_port, "bogus_open_port"},
      {Role::anti_p2p_fake, "anti_p2p_fake"}, {Role::dht_fake_values, "dht_fake_values"},
      {Role::dht_phantom, "dht_phantom"}, {Role::dht_phantom_neighbour, "dht_phantom_neighbour"},
      {Role::dht_sybil, "dht_sybil"}, {Role::dht_sybil_near, "dht_sybil_near"},
      {Role::ed2k_server, "ed2k_server"}, {Role::kad_node, "kad_node"},
      {Role::emule_peer, "emule_peer"}, {Role::emule_byte_order, "emule_byte_order"},
      {Role::emule_anti_p2p, "emule_anti_p2p"}, {Role::emule_fake, "emule_fake"}});
}

std::string_view to_string(Role r) noexcept;
// Whether the role belongs to the eMule side of the lab.
bool emule_role(Role r) noexcept;
// A node of the DHT responder that is not honest (every role from
// dht_fake_values to dht_sybil_near but the phantom neighbours, which are
// nothing).
bool bogus_dht_role(Role r) noexcept;

// What runs at an address.
enum class Impl : std::uint8_t { none, opentracker, libtorrent, lab_actor, amule };
constexpr auto enum_names(Impl) noexcept {
  return std::to_array<std::pair<Impl, std::string_view>>({
      {Impl::none, "none"}, {Impl::opentracker, "opentracker"}, {Impl::libtorrent, "libtorrent"},
      {Impl::lab_actor, "p2pscope-lab"}, {Impl::amule, "amuled"}});
}

std::string_view to_string(Impl i) noexcept;

struct Party {
  Role role;
  Impl impl;
  std::string name;  // "seed-0", "lite-17", "anti-p2p-1-2", "opentracker", "client-1"
  Endpoint endpoint;
  bool on_lo = true;  // the address is configured inside the lab (false: nothing routes to it)
  int farm = -1;      // anti-P2P farm index, for anti_p2p and anti_p2p_fake (anti-P2P farm members share it)
  int group = -1;     // bogus DHT nodes: a phantom node's index, shared with its made-up neighbours; a Sybil address's index
  bool lite_seed = false;  // lab_actor peers: claims every piece; amuled: shares the whole file
  bool utp_only = false;   // speaks BitTorrent over uTP only (no TCP listener, no TCP dialling)
  // emule_peer (scripted): 0 aMule 2.3.3, 1 eMule 0.50a. emule_byte_order:
  // which defect (EmuleDefect). ed2k_server: 1 when poisoned. A bogus DHT
  // node: the torrent whose lookups it places itself in.
  // A byte_order actor at an IPv6 address: how it garbles (V6Reversal).
  int variant = 0;
  // Dual-stack parties (lab trackers and client addresses, when the
  // scenario has IPv6): their IPv6 address, same port, same /48 rules.
  std::optional<IpAddress> v6;
  // endpoint, then {*v6, endpoint.port} when dual-stack.
  std::vector<Endpoint> endpoints() const {
    if (!v6) return {endpoint};
    return {endpoint, {*v6, endpoint.port}};
  }
};

// How an IPv6 byte-order actor garbles what it re-advertises (issue 26),
// the lab's byte_order actors at IPv6 addresses by turns.
enum class V6Reversal : std::uint8_t {
  whole,  // all 16 bytes reversed
  words,  // each 32-bit word byte-swapped (ntohl applied word by word)
};
IpAddress reversed(V6Reversal how, const IpAddress& a) noexcept;
std::string_view to_string(V6Reversal how) noexcept;

// aMule's historical source-exchange byte-order defects (emule.md §3), the
// lab's emule_byte_order actors by turns.
enum class EmuleDefect : std::uint8_t {
  ed2k_in_v3,      // aMule rc8-2.0.1 answering from its upload queue: ED2K IDs where v3/v4 want hybrid
  hybrid_in_v2,    // aMule <= 2.0.0-rc7: hybrid IDs where v1/v2 want ED2K
  v4_stored_raw,   // aMule 2.1.0-2.1.3: stores eMule's v4 (hybrid) entries unswapped, re-exports them
};
inline constexpr int kEmuleDefects = 3;
std::string_view to_string(EmuleDefect d) noexcept;

inline constexpr std::uint16_t kTrackerPort = 6969;
inline constexpr std::uint16_t kPeerPort = 6881;        // libtorrent peers, bogus entries
inline constexpr std::uint16_t kLitePeerPort = 51413;   // the lab's own peers and actors
inline constexpr std::uint16_t kDhtNodePort = 6890;     // the many-nodes DHT responder
inline constexpr std::uint16_t kEd2kServerPort = 4661;  // UDP at + 4
inline constexpr std::uint16_t kEmulePort = 4662;       // eMule peers' TCP port, scripted and real
inline constexpr std::uint16_t kKadPort = 4672;         // eMule peers' KAD UDP port (aMule's)
inline constexpr std::uint16_t kKadNodePort = 4673;     // the many-nodes KAD responder: one wildcard socket

struct LabPlan {
  Scenario scenario;
  std::vector<Party> parties;

  // Addresses kept free for tools run inside the lab (crawler, test
  // clients): nothing listens there, nothing hands them out.
  std::vector<IpAddress> client_addresses() const;
  // Their IPv6 addresses, when the scenario has IPv6 (else empty).
  std::vector<IpAddress> client_addresses6() const;
  // `--bind A` (and `--bind6 B` when the lab has IPv6) for a crawl or probe
  // from client address i: a tool bound to nothing would send from
  // whichever lab address the kernel picks.
  std::vector<std::string> client_bind_flags(std::size_t i) const;
  const Party* find(std::string_view name) const;
  std::vector<const Party*> with_role(Role r) const;
  std::vector<IpAddress> addresses() const;  // every on_lo party's IPs (v6 too), once, for the sandbox
  // Every tracker's announce URLs, HTTP then UDP per tracker, in plan order;
  // a dual-stack tracker's IPv6 URLs follow its IPv4 ones.
  std::vector<std::string> tracker_urls() const;
  // Peers that announce themselves to the trackers (and so can be learned).
  std::vector<const Party*> announcing_peers() const;
  // Lab trackers that inject bogus entries and honour the announce "ip" field.
  bool poisoned(const Party& tracker) const;
};

LabPlan make_plan(const Scenario& s);

// The values a dht_fake_values node gives for any infohash: eight honest
// IPv4 responder nodes' addresses (DHT port), by turns from the node's index.
std::vector<Endpoint> fake_values_of(const LabPlan& plan, const Party& node);
// The made-up neighbours a dht_phantom node names.
std::vector<Endpoint> phantom_neighbours_of(const LabPlan& plan, const Party& node);
// What a byte-order actor knows (and so lists reversed), besides the lab's
// client addresses once a tool connects from one: the addresses of its own
// family it could learn (every announcing peer, and what the poisoned
// trackers inject); all of them, or with byte_order_neighbours that many,
// drawn for the actor from the plan's seed, and then every propagator of
// its family (a propagator dials whatever it learns, so it may connect to
// any actor). The ground truth and the actors process both read this list.
std::vector<Endpoint> byte_order_known(const LabPlan& plan, const Party& actor);
inline constexpr int kPhantomNeighbours = 8;
// The BitTorrent anti-P2P farm's first member, which plants the farm's fakes
// at the poisoned trackers (the "ip" field for an IPv4 farm, BEP 7 "ipv6="
// for the IPv6 one); nullptr when the farm has no member.
const Party* farm_head(const LabPlan& plan, int farm);

}  // namespace p2pscope::lab
