// Runs GetPeersLookup over a KrpcClient: the socket side of a DHT lookup.
//
// Threads: one io_context thread; the client must outlive the lookup.
#pragma once

#include "crawler/dht_lookup.hpp"
#include "crawler/krpc_client.hpp"
#include "net/krpc_ask.hpp"
#include "net/stop_signal.hpp"

#include <functional>
#include <string>
#include <vector>

namespace p2pscope::crawler {

// Every peer found, with its source, as the reply arrives.
using FoundFn = std::function<void(const FoundPeer&)>;
// Anomalies the lookup saw in one reply (bogus node entries, self-references).
using LookupAnomalyFn = std::function<void(const Endpoint& source, LookupAnomaly, std::size_t count)>;

// A node a reply named (source: the replying node), or a node that answered
// (source: none, the node with the id it answered with).
using NodeSeenFn = std::function<void(const NodeEntry& node, const std::optional<NodeEntry>& source)>;

// What one node offered in its BEP 51 reply: the node (with the id it
// answered with) and its samples, "num" and "interval".
struct SampleSeen {
  NodeEntry source;
  std::vector<InfoHash> samples;
  std::optional<std::int64_t> num, interval;
};
using SamplesFn = std::function<void(const SampleSeen&)>;

// What a lookup reports as replies arrive; on_node and on_samples may be
// empty (on_samples is for sample walks only).
struct LookupEvents {
  FoundFn on_found;
  LookupAnomalyFn on_anomaly;
  NodeSeenFn on_node;
  SamplesFn on_samples;
};

struct LookupResult {
  LookupStats stats;
  std::vector<NodeEntry> closest;  // the k closest nodes that answered, closest first
  std::size_t without_bep51 = 0;   // sample walks: nodes walked through with find_node
};

// One lookup from `seeds`, each query through `ask`. When `stop` is
// requested the lookup sends no further queries and returns at once;
// queries in flight end by their own timeout (what `ask` uses must outlive
// them).
net::awaitable<LookupResult> dht_get_peers(net::KrpcAsk ask, const InfoHash& target, std::vector<NodeEntry> seeds,
                                           LookupConfig cfg, LookupEvents events, net::StopSignal* stop = nullptr);
net::awaitable<LookupResult> dht_get_peers(KrpcClient& krpc, const InfoHash& target, std::vector<NodeEntry> seeds,
                                           LookupConfig cfg, LookupEvents events, net::StopSignal* stop = nullptr);

// A BEP 51 walk: the same iterative lookup toward `target`, asking each
// node sample_infohashes instead of get_peers, and reporting each node's
// samples through on_samples. Each node is asked once per walk, so its
// "interval" holds within one; a caller that walks again honours it. A
// node that does not know BEP 51 answers with a KRPC error ("204 Method
// Unknown"): it is asked find_node toward the target instead, so the walk
// goes on through the nodes it names (counted in without_bep51).
net::awaitable<LookupResult> dht_sample_infohashes(net::KrpcAsk ask, const NodeId& target, std::vector<NodeEntry> seeds,
                                                   LookupConfig cfg, LookupEvents events,
                                                   net::StopSignal* stop = nullptr);
net::awaitable<LookupResult> dht_sample_infohashes(KrpcClient& krpc, const NodeId& target, std::vector<NodeEntry> seeds,
                                                   LookupConfig cfg, LookupEvents events,
                                                   net::StopSignal* stop = nullptr);

// Resolves "host:port" / "[v6]:port" / "a.b.c.d:port" bootstrap entries to
// nodes with unknown (zero) ids; names that do not resolve are reported
// through `failed` and skipped.
net::awaitable<std::vector<NodeEntry>> resolve_bootstrap(const std::vector<std::string>& entries,
                                                         std::vector<std::string>& failed);

// "host:port", "[v6]:port" or "a.b.c.d:port" with a port of 1-65535;
// errc::bad_address without a host or port, errc::bad_value for a port
// out of range.
struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};
Result<HostPort> parse_host_port(std::string_view entry);

// The well-known public routers, used when no bootstrap list is given.
std::vector<std::string> default_bootstrap();

}  // namespace p2pscope::crawler
