// An iterative Mainline DHT get_peers lookup (BEP 5), as a pure state
// machine: it says which nodes to query next; the caller sends the queries,
// feeds back each reply or timeout, and gets every peer found together with
// the node that handed it out (endpoint and node id) -- the attribution
// p2pscope exists for.
//
// Termination is Kademlia's, per address family (the IPv4 and IPv6 DHTs
// are separate networks, BEP 32; `nodes6` feed the IPv6 one): the lookup is
// done when nothing is in flight and, in each family, every node closer
// than that family's k closest that answered has been queried, or when the
// query budget is spent. Candidate nodes are capped, so a node
// that returns thousands of nodes cannot grow memory without bound.
//
// Threads: none; one lookup belongs to one caller.
#pragma once

#include "core/compact.hpp"
#include "core/hash.hpp"
#include "core/krpc.hpp"

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace p2pscope::crawler {

struct LookupConfig {
  std::size_t k = 8;                 // the closest nodes that must have answered
  std::size_t alpha = 3;             // queries in flight at once
  std::size_t max_queries = 256;     // budget per lookup
  std::size_t max_candidates = 512;  // nodes remembered per lookup
  // A query unanswered this long stops holding up the lookup (its slot is
  // reused and done() no longer waits for it) but its reply, if it comes
  // before the KRPC timeout, still counts. libtorrent does the same.
  std::chrono::milliseconds slow_after{1000};
};

// A peer from a "values" list and who gave it.
struct FoundPeer {
  Endpoint peer;
  Endpoint source;
  NodeId source_id;
};

enum class LookupAnomaly : std::uint8_t {
  unsolicited,      // a reply from a node we did not ask
  bogus_node,       // a returned node with port 0 or a special-purpose address
  self_reference,   // a node listing itself
};

// What one reply gave. `nodes` are the well-formed entries it named (bogus
// ones and self-references are counted as anomalies instead), whether or
// not the lookup keeps them as candidates. A reply from a node not asked
// is not solicited and gives nothing.
struct LookupReply {
  bool solicited = false;
  NodeId id;  // the replying node's
  std::vector<FoundPeer> peers;
  std::vector<NodeEntry> nodes;
};

struct LookupStats {
  std::size_t queries = 0, replies = 0, timeouts = 0, values = 0;
  std::map<LookupAnomaly, std::size_t> anomalies;
};

class GetPeersLookup {
 public:
  // Bootstrap nodes whose id is unknown (a router's name resolved to an
  // address) may be given with a zero id; their reply tells the real one.
  GetPeersLookup(const InfoHash& target, const std::vector<NodeEntry>& bootstrap, LookupConfig cfg = {});

  // The nodes to query now (each is then in flight until a reply or timeout).
  std::vector<NodeEntry> next_queries();
  // A get_peers reply that came from `from`: the peers and nodes it listed.
  LookupReply on_reply(const Endpoint& from, const KrpcResponse& r);
  void on_timeout(const Endpoint& from);
  // The query to `from` has taken slow_after; returns false when it was no
  // longer in flight (answered or failed already).
  bool on_slow(const Endpoint& from);
  // Nothing is in flight (slow queries aside) and nothing is left worth asking.
  bool done() const;

  // The k closest nodes that answered in each family, closest first, with
  // their tokens.
  std::vector<std::pair<NodeEntry, std::string>> closest_answered() const;
  const LookupStats& stats() const noexcept { return stats_; }
  std::size_t candidates() const noexcept { return by_distance_.size(); }
  const NodeId& target() const noexcept { return target_; }

 private:
  enum class State : std::uint8_t { fresh, in_flight, slow, answered, failed };
  struct Candidate {
    NodeEntry node;
    State state = State::fresh;
    std::string token;
  };
  // False for an entry no node can be at (port 0, special-purpose address).
  bool add_candidate(const NodeEntry& n);
  std::size_t in_flight() const;

  NodeId target_;
  LookupConfig cfg_;
  std::map<NodeId, Candidate> by_distance_;  // keyed by XOR distance to target
  std::map<Endpoint, NodeId> distance_of_;
  LookupStats stats_;
};

}  // namespace p2pscope::crawler
