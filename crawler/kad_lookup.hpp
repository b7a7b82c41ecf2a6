// An iterative KAD (Kademlia 2) lookup toward a file's target, as a pure
// state machine, and the per-IP budget aMule enforces. The caller sends the
// KADEMLIA2_REQs it is told to (each naming the receiving node's id, or
// aMule ignores it), feeds back replies and timeouts, and when done() asks
// the nodes within search tolerance for sources (SEARCH_SOURCE_REQ).
//
// Like aMule's CSearch, a reply's contacts are taken only from nodes that
// were asked, one contact per IP and at most two per /24; candidates are
// capped, so a node that returns a flood cannot grow memory without bound.
// Termination is Kademlia's: nothing in flight and the k closest that
// answered all asked, or the query budget spent.
//
// Threads: none; one lookup or budget belongs to one caller.
#pragma once

#include "core/kad.hpp"

#include <chrono>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace p2pscope::crawler {

struct KadLookupConfig {
  std::size_t k = 10;                // the closest answered nodes that end the lookup
  std::size_t alpha = 3;             // requests in flight at once
  std::size_t max_queries = 200;     // budget per lookup
  std::size_t max_candidates = 512;  // contacts remembered per lookup
  std::size_t max_seeds = 50;        // the seeds closest to the target taken, as aMule's CSearch starts from its 50
  std::size_t per_slash24 = 2;       // contacts from one IPv4 /24, as aMule allows
  std::size_t search_nodes = 10;     // answered nodes within tolerance asked for sources
  std::uint8_t wanted = 11;          // contacts asked for per request (KADEMLIA_FIND_NODE)
  bool distinct_ips = true;          // one contact per IP, per_slash24 per /24 (off only for loopback tests)
};

struct KadLookupStats {
  std::size_t queries = 0, replies = 0, timeouts = 0, unsolicited = 0, dropped_contacts = 0;
};

class KadLookup {
 public:
  // Seeds must carry real node ids (from nodes.dat or a bootstrap answer);
  // the max_seeds closest to the target that pass the address rules are
  // taken, so a crawl's whole contact list does not enter every lookup.
  KadLookup(const kad::KadId& target, const std::vector<kad::Contact>& seeds, KadLookupConfig cfg = {});

  // The contacts to send KADEMLIA2_REQ to now; each is in flight until a
  // reply or timeout.
  std::vector<kad::Contact> next_queries();
  // A KADEMLIA2_RES that came from `from`; false (and counted) when no
  // request to `from` is in flight, or the reply names another target.
  bool on_reply(const Endpoint& from, const kad::NodeResponse& r);
  void on_timeout(const Endpoint& from);
  bool done() const;

  // The answered nodes within kad::kSearchTolerance of the target, closest
  // first, at most search_nodes: where to ask for sources.
  std::vector<kad::Contact> source_nodes() const;
  const KadLookupStats& stats() const noexcept { return stats_; }
  std::size_t candidates() const noexcept { return by_distance_.size(); }
  const kad::KadId& target() const noexcept { return target_; }

 private:
  enum class State : std::uint8_t { fresh, in_flight, answered, failed };
  struct Candidate {
    kad::Contact contact;
    State state = State::fresh;
  };
  void add(const kad::Contact& c);

  kad::KadId target_;
  KadLookupConfig cfg_;
  std::map<kad::KadId, Candidate> by_distance_;  // keyed by XOR distance to target
  // Looked up for every contact of every reply: hashed, not ordered.
  std::unordered_map<Endpoint, kad::KadId> distance_of_;
  std::unordered_set<IpAddress> ips_;  // these two only with distinct_ips
  std::unordered_map<std::uint32_t, std::size_t> per_slash24_;
  KadLookupStats stats_;
  std::size_t in_flight_ = 0;  // candidates in State::in_flight
};

// What aMule lets one IP send it per minute (kademlia/net/
// KademliaUDPListener.cpp, InTrackListIsAllowedPacket): 10 requests, 3
// source searches, 2 bootstraps, 3 hellos, 2 pings. try_take() says
// whether a packet of that opcode may go to that IP now, and books it.
class KadBudget {
 public:
  using Clock = std::chrono::steady_clock;
  explicit KadBudget(std::size_t max_tracked_ips = 1 << 16) : max_tracked_(max_tracked_ips) {}
  bool try_take(const IpAddress& ip, std::uint8_t opcode, Clock::time_point now);
  // The per-minute allowance of an opcode (0: not limited here).
  static std::size_t allowance(std::uint8_t opcode) noexcept;

 private:
  struct Window {
    Clock::time_point start;
    std::map<std::uint8_t, std::size_t> sent;
  };
  std::size_t max_tracked_;
  std::map<IpAddress, Window> windows_;
};

}  // namespace p2pscope::crawler
