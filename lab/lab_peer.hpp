// The lab's own BitTorrent peers and misbehaving actors, many to a process.
//
// Each LabPeer sits at one plan address and speaks the real wire protocol
// (BEP 3 handshake, BEP 6 have_all, BEP 10 extended handshake, BEP 11
// ut_pex). What differs between kinds is policy:
//   honest      accepts lab infohashes only; PEX lists peers it completed a
//               handshake with (what libtorrent, Transmission and rtorrent do)
//   anti_p2p    accepts ANY infohash, claims every piece, PEX lists its fleet
//               and made-up addresses in its farm /24 (the IPv6 farm's /64)
//   byte_order  like honest, but PEX lists every address it knows (what
//               set_known gave it, and the tools that connect) with the
//               IPv4 bytes reversed; at an IPv6 address, the IPv6 ones
//               garbled as its V6Reversal says
//   propagator  re-advertises every address it heard (trackers, PEX),
//               unchecked, and dials every peer it learns to hear more
//
// A peer whose party is utp_only listens on uTP (BEP 29, a UDP socket on
// its port) and not on TCP; every other peer listens on TCP. Peers dial
// over TCP only.
//
// An honest peer at an IPv6 address also dials the peers trackers name
// (nothing else in the lab dials IPv6 peers) and announces itself to the
// IPv6 DHT nodes nearest each torrent (PeerWorld::dht_announce_v6).
//
// Threads: everything runs on one io_context thread. A LabPeer must outlive
// the coroutines started for it (run_lab_peer's caller keeps it alive until
// the io_context stops).
#pragma once

#include "core/hash.hpp"
#include "lab/asio.hpp"
#include "lab/plan.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <vector>

namespace p2pscope::lab {

enum class PeerKind : std::uint8_t { honest, anti_p2p, byte_order, propagator };

// What every lab peer knows about the lab.
struct PeerWorld {
  std::map<InfoHash, std::size_t> pieces;  // lab torrents and their piece counts
  std::vector<Endpoint> udp_trackers;      // every tracker face (both of a dual-stack one), announced to over BEP 15
  std::vector<Endpoint> poisoned_trackers; // where an anti-P2P farm head plants its fakes
  // Per torrent, the DHT nodes an honest IPv6 peer announces itself to (the
  // responder's IPv6 nodes closest to the infohash; lab/README.md).
  std::map<InfoHash, std::vector<Endpoint>> dht_announce_v6;
  std::chrono::seconds pex_interval{60};
  std::chrono::seconds announce_interval{300};
  std::set<IpAddress> clients;  // the lab's client addresses, where tools connect from
};

class LabPeer {
 public:
  LabPeer(const Party& party, PeerKind kind, const PeerWorld& world, std::uint64_t seed);

  const Party& party() const noexcept { return party_; }
  PeerKind kind() const noexcept { return kind_; }
  const PeerWorld& world() const noexcept { return world_; }
  const PeerId& peer_id() const noexcept { return peer_id_; }

  bool accepts(const InfoHash& ih) const;
  bool claims_all_pieces() const noexcept;
  // The addresses this peer's next ut_pex lists (before the 50-per-message cap).
  std::vector<Endpoint> pex_list() const;

  // Anti-P2P: the fleet and fakes it advertises; the head of a farm also
  // plants the fakes at the poisoned trackers.
  void set_fleet(std::vector<Endpoint> fleet, std::vector<Endpoint> fakes, bool farm_head);
  const std::vector<Endpoint>& fakes() const noexcept { return fakes_; }
  bool farm_head() const noexcept { return farm_head_; }

  // Byte-order: the peer knows `known` (byte_order_known) from the start
  // and afterwards learns only the addresses of world().clients, so what it
  // lists is what the ground truth says, all of it in its first messages.
  void set_known(std::vector<Endpoint> known);
  void learned(const Endpoint& ep);  // from a tracker reply or an incoming connection
  std::vector<Endpoint> learned_peers() const { return {learned_.begin(), learned_.end()}; }
  void heard(const Endpoint& ep);    // from a ut_pex message
  void connected(const Endpoint& ep) { connected_.insert(ep); }
  void disconnected(const Endpoint& ep) { connected_.erase(ep); }
  bool is_connected(const Endpoint& ep) const { return connected_.count(ep) != 0; }
  // Counts the peer's sessions. A session's ut_pex messages start this many
  // messages into pex_list(), so sessions open at once (one per torrent, a
  // crawler's) hear different slices of a long list first.
  std::size_t next_session() noexcept { return sessions_++; }
  // True once the first round of announces (to every tracker) is done.
  bool announced() const noexcept { return announced_; }
  void set_announced() noexcept { announced_ = true; }

 private:
  const Party& party_;
  PeerKind kind_;
  const PeerWorld& world_;
  PeerId peer_id_;
  std::set<Endpoint> learned_, heard_, connected_;
  std::vector<Endpoint> fleet_, fakes_;
  bool farm_head_ = false;
  bool announced_ = false;
  bool bounded_ = false;  // set_known was called
  std::size_t sessions_ = 0;
};

// Starts everything a lab peer does: listening, announcing, and (for the
// propagator) dialling. Listening starts before this returns: errors
// binding the address are returned, later errors end single sessions only.
Status start_lab_peer(asio::io_context& io, LabPeer& peer);

// An address that accepts TCP connections and answers like an SSH server:
// an open port that does not speak BitTorrent. on_accept, when given, is
// called on the io_context's thread for every connection accepted, with
// where it came from.
Status start_open_port(asio::io_context& io, const Endpoint& at, std::function<void(const Endpoint& from)> on_accept = {});

}  // namespace p2pscope::lab
