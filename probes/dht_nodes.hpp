// DHT nodes as suspects (issue 26): the probes of a node a crawl met
// (dht_node records), and the verdicts on nodes.
//
// Probes, one coroutine per node, every query with the KRPC client's own
// deadline:
//   random infohash  get_peers for a freshly random infohash. Nobody has
//                    announced it, so an honest node has no values for it;
//                    a node that gives values anyway is a bogus source (the
//                    fake-infohash probe applied to the DHT).
//   neighbours       a ping to each node (up to max_pings) that reply named.
//                    An honest node names nodes it heard from; a node whose
//                    named neighbours never answer sends lookups into the
//                    void (indexer users report such nodes stalling crawls
//                    for hours).
// Verdicts (judge_dht_nodes, pure), the most decisive first, one per node:
//   values for a random infohash                         -> dht_fake_values
//   at least min_pinged neighbours pinged, none answered -> dht_phantom_neighbours
//   a Sybil cluster:                                     -> dht_sybil
//     horizontal: ids_per_address or more ids on one address, at least
//       half of them not BEP 42 ids for it (many users behind one NAT
//       each have a valid id for the shared address);
//     vertical: an id sharing near_bits or more leading bits with an
//       infohash the crawl looked up, when near_crowd such ids were met for
//       it or the id is not a BEP 42 id (an honest id does that once in
//       2^near_bits)
//   A node that did not answer its probe is left out of the clusters: a
//   made-up name is not a node (the node that named it is the suspect).
// Only nodes judged bogus get a verdict; the others get none (their probe
// records say what was seen).
//
// Threads: one io_context thread for the probe; the rest is pure.
#pragma once

#include "core/krpc.hpp"
#include "core/records.hpp"
#include "net/asio.hpp"
#include "net/krpc_ask.hpp"

#include <functional>
#include <span>

namespace p2pscope::probes {

using net::KrpcAsk;  // net/krpc_ask.hpp

struct DhtNodeProbeConfig {
  std::size_t max_pings = 8;              // named neighbours pinged per node
  bool contact_special_purpose = false;   // tests on loopback only
};

// What probing one node saw.
struct DhtNodeContact {
  Endpoint node;
  InfoHash random;                        // the infohash asked about
  ProbeOutcome answered = ProbeOutcome::error;  // the get_peers: positive when it answered
  std::string why;                        // when it did not
  std::optional<double> rtt_ms;
  std::optional<NodeId> id;               // the id it answered with
  std::vector<Endpoint> values;
  std::size_t named = 0;                  // nodes its reply named
  std::size_t pinged = 0, ping_answered = 0;
  std::vector<Endpoint> silent;           // named, pinged, no answer
};

// Probes node: get_peers for `random`, then pings to the nodes named
// (concurrently; a special-purpose address or port 0 is not pinged).
// `ask` and cfg must outlive the coroutine.
net::awaitable<DhtNodeContact> probe_dht_node(const KrpcAsk& ask, Endpoint node, InfoHash random,
                                              const DhtNodeProbeConfig& cfg);

// The records of one contact: dht_fake_infohash, and dht_neighbours when
// the node answered. run and time are filled in by the caller.
std::vector<ProbeResult> dht_node_results(const DhtNodeContact& c);

struct DhtJudgeConfig {
  std::size_t min_pinged = 4;
  std::size_t ids_per_address = 4;
  int near_bits = 32;
  std::size_t near_crowd = 2;
};

// The verdicts on the nodes in `seen`, from those records and the dht_*
// probe results among `probes` (other probe kinds are ignored). Sorted by
// node address.
std::vector<Verdict> judge_dht_nodes(std::span<const DhtNodeSeen> seen, std::span<const ProbeResult> probes,
                                     const DhtJudgeConfig& cfg = {});

// Leading bits two 160-bit ids share.
int common_prefix_bits(const NodeId& a, const NodeId& b) noexcept;

}  // namespace p2pscope::probes
