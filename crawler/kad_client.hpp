// KAD source search for a set of files over one UDP socket: bootstrap from
// contacts (a node whose id is unknown is asked for it with BOOTSTRAP_REQ;
// nodes.dat gives ids), a KadLookup per file toward its target (up to
// parallel_lookups files at once), then SEARCH_SOURCE_REQ to the answered
// nodes within search tolerance. Every
// source a node returns is reported as an EmuleObservation (via kad) with
// the node's endpoint and id, the source's user hash, type and address in
// the hybrid form the wire carries.
//
// Plain (unobfuscated) packets only, which aMule answers in kind. Every
// packet respects aMule's per-IP per-minute allowances (KadBudget) and the
// RateGate; a node over its allowance is skipped, not waited for. Replies
// are matched by source address, opcode and the target they answer for: a
// datagram nobody asked that address for (another target included), or one
// that does not decode, is an anomaly and is otherwise ignored. Open
// requests are a table swept every 20 ms, so a timeout may run up to 20 ms
// long; a stop ends them all at once.
//
// Threads: one io_context thread; the callbacks must stay valid until the
// coroutine completes.
#pragma once

#include "crawler/ed2k_server_client.hpp"
#include "crawler/kad_lookup.hpp"
#include "crawler/krpc_client.hpp"

namespace p2pscope::crawler {

struct KadConfig {
  IpAddress local = IpAddress::v4(0);
  std::chrono::milliseconds timeout{3000};        // per request
  std::chrono::milliseconds search_window{3000};  // results may come in several datagrams
  KadLookupConfig lookup;
  std::size_t parallel_lookups = 8;               // files looked up at once, alpha requests each
  kad::Limits limits;
  bool per_ip_budget = true;  // aMule's per-IP allowances (off only for loopback tests: one IP for every node)
};

struct KadEvents {
  std::function<void(EmuleObservation)> on_source;  // time set; run left empty
  AnomalyFn on_anomaly;                              // once per (node, kind)
};

struct KadReport {
  std::size_t bootstrapped = 0;  // nodes that answered a bootstrap
  std::size_t lookups = 0, find_nodes = 0, searches = 0, searches_answered = 0, sources = 0;  // requests sent
  std::size_t budget_skips = 0;  // packets not sent: the node's per-minute allowance was spent
  KadLookupStats lookup;         // summed over the lookups
};

// Fails only when no socket can be opened.
net::awaitable<StatusOr<KadReport>> crawl_kad(std::vector<kad::Contact> seeds, std::vector<Ed2kFile> files,
                                              const KadConfig& cfg, net::RateGate& gate, const KadEvents& ev,
                                              net::StopSignal* stop = nullptr);

}  // namespace p2pscope::crawler
