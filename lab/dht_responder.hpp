// The many-nodes Mainline DHT responder: thousands of DHT nodes, each at its
// own lab address, answered by one process through one UDP socket (the
// destination address of each datagram says which node was asked).
//
// DhtSwarm is the pure part: KRPC bytes in, reply bytes out (BEP 5 ping,
// find_node, get_peers, announce_peer; BEP 32 "want"; BEP 42 node ids and
// "ip"; BEP 51 sample_infohashes). Nodes answer from perfect knowledge of
// the responder's nodes plus the outside nodes (libtorrent sessions,
// crawlers) that queried them, so lookups converge the way they do on a
// healthy DHT. Nodes at IPv6 addresses form the IPv6 DHT (BEP 32): `nodes`
// names IPv4 nodes only, `nodes6` IPv6 ones, and values are the querier's
// family. Values are stored per node: only the nodes an announce
// reached hand the peer out, which keeps per-source attribution honest.
// Some nodes may be bogus on purpose (DhtBehaviour): the honest ones name
// them like any other node, which is how a crawler meets them.
//
// Threads: one io_context thread; nothing here is thread-safe.
#pragma once

#include "core/bep42.hpp"
#include "core/compact.hpp"
#include "core/hash.hpp"
#include "core/ip.hpp"
#include "core/krpc.hpp"
#include "lab/asio.hpp"

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace p2pscope::lab {

struct DhtLimits {
  std::size_t max_learned = 4096;        // outside nodes remembered
  std::size_t max_values = 200;          // peers stored per infohash per node
  std::size_t max_infohashes = 1024;     // infohashes stored per node
  std::size_t k = 8;                     // nodes per reply
};

enum class DhtBehaviour : std::uint8_t {
  honest,
  // get_peers for any infohash: `values` (a maintained DHT indexer answers
  // scanners with DHT nodes' addresses, to confuse them)
  fake_values,
  // every reply names `neighbours`, which do not exist, with ids next to the
  // target asked about (closer than any real node, so a lookup asks them)
  phantom,
};

// unknown_method: an honest node from before BEP 51 (many real ones are):
// it answers sample_infohashes with "204 Method Unknown".
enum class Bep51 : std::uint8_t { supported, unknown_method };

struct DhtNodeSpec {
  Endpoint endpoint;
  DhtBehaviour behaviour = DhtBehaviour::honest;
  std::optional<NodeId> id;          // none: a BEP 42 id for the address
  std::vector<Endpoint> values;      // fake_values
  std::vector<Endpoint> neighbours;  // phantom
  Bep51 bep51 = Bep51::supported;
};

class DhtSwarm {
 public:
  struct Node {
    NodeId id;
    Endpoint endpoint;
  };
  // Honest nodes at `nodes`, each with a BEP 42 id.
  DhtSwarm(const std::vector<Endpoint>& nodes, std::uint64_t seed, DhtLimits lim = {});
  DhtSwarm(const std::vector<DhtNodeSpec>& nodes, std::uint64_t seed, DhtLimits lim = {});

  const std::vector<Node>& nodes() const noexcept { return nodes_; }
  // The responder node at ep, if any.
  std::optional<std::size_t> node_at(const Endpoint& ep) const;
  // One datagram sent to node self by from; the reply, if one is due.
  std::optional<std::string> handle(std::size_t self, std::string_view datagram, const Endpoint& from);

 private:
  // The k closest known nodes of family `fam` to target, leaving out the
  // asking node and self. O(log n + k log k) over the responder's nodes (a
  // sorted-id range per family), plus a scan of the few learned outside nodes.
  std::vector<NodeEntry> closest(const NodeId& target, const Endpoint& from, std::size_t self, Family fam) const;
  std::string token(std::size_t self, const IpAddress& ip) const;
  // What self names for target in family `fam` (BEP 32: `nodes` IPv4,
  // `nodes6` IPv6): its closest nodes, or a phantom's made-up ones (IPv4).
  std::vector<NodeEntry> named(const NodeId& target, const Endpoint& from, std::size_t self, Family fam) const;
  // Fills r.nodes and r.nodes6 as BEP 32 says: the families `want` asks for,
  // else the query's own.
  void name_nodes(KrpcResponse& r, const NodeId& target, const KrpcQuery& q, const Endpoint& from, std::size_t self) const;
  void learn(const NodeId& id, const Endpoint& from);

  DhtLimits lim_;
  std::uint64_t secret_;
  std::vector<Node> nodes_;
  std::vector<DhtNodeSpec> specs_;  // per node: how it behaves
  using ById = std::vector<std::pair<NodeId, std::size_t>>;
  ById by_id4_, by_id6_;  // nodes_ of each family sorted by id, for closest()
  std::map<Endpoint, std::size_t> by_endpoint_;
  std::map<Endpoint, NodeId> learned_;
  // learned_ of each family sorted by id: closest() reads only the prefix
  // range it picked (a scan of all 4,096 per query once took 3/4 of the
  // responder's time in the large lab).
  std::multimap<NodeId, Endpoint> learned_by_id4_, learned_by_id6_;
  std::vector<std::map<InfoHash, std::vector<Endpoint>>> values_;  // per node
};

// Answers for every node of swarm on socket (bound to the wildcard address
// and a port of the nodes; one socket per port in use) until the socket is
// closed.
awaitable<void> serve_dht(udp::socket& socket, DhtSwarm& swarm);

}  // namespace p2pscope::lab
