// The crawl: backtracking over trackers, the Mainline DHT and PEX for a set
// of targets, recording which source handed out which peer by which route.
//
// Schedule (the P2PScope study's defaults, all configurable): every
// `requery`, announce to every tracker (never sooner than its min interval,
// or its interval when it gives no min interval) and run a DHT get_peers
// lookup; open one PEX session to every newly seen peer; stop when the
// number of unique peers has not grown for `stable_for`, the first round has
// answered and no PEX session is open or waiting, or after `max_duration`.
//
// Politeness: every datagram, connect and request passes the RateGate;
// special-purpose addresses (private, loopback, ...) handed out as peers
// are recorded but never contacted, so a bogus list cannot make the
// crawler probe its own network.
//
// Stopping (the stop rule, stop(), a sink that fails) is clean: queued PEX
// sessions are dropped, open ones closed (each ends `stopped`), DHT lookups
// send nothing more, every tracker that answered an announce gets the BEP 3
// `stopped` announce it is owed (BEP 15 event 3), and run() returns once all
// of that is done, or after `stop_grace` at the latest. The decisions
// (de-duplication, the stop rule, anomaly folding, whom to contact) are the
// pure CrawlCore (crawl_core.hpp); DHT lookups after the first start from the
// closest nodes the last one kept (BEP 42-checked), and from the bootstrap
// routers only when those stop answering.
//
// Threads: run() drives the io_context it was given on the calling thread.
// stop() may be called from a signal handler set up on the same io_context.
#pragma once

#include "crawler/dht_lookup.hpp"
#include "crawler/http_client.hpp"
#include "crawler/pex_session.hpp"
#include "net/rate_gate.hpp"
#include "net/resolver.hpp"
#include "crawler/tally.hpp"
#include "crawler/targets.hpp"
#include "crawler/udp_tracker_client.hpp"
#include "core/record_sink.hpp"

#include <functional>

namespace p2pscope::crawler {

struct CrawlConfig {
  net::Politeness politeness;
  std::chrono::seconds requery{180};
  std::chrono::seconds stable_for{1800};
  std::chrono::seconds max_duration{0};  // 0: no limit
  std::chrono::seconds stop_grace{10};   // how long ending sessions and `stopped` announces may take
  bool use_trackers = true, use_dht = true, use_pex = true, scrape = true;
  bool use_utp = true;  // PEX sessions over uTP as well as TCP
  bool use_sx = true;  // eMule source exchange with the sources found
  // BEP 51: after each target's first DHT round, one walk toward its info
  // hash asking sample_infohashes, recording what the nodes near it offer
  // (dht_sample records): the swarms around a target.
  bool sample_infohashes = false;
  int numwant = 200;
  std::vector<std::string> bootstrap;     // host:port; empty: default_bootstrap()
  std::vector<std::string> extra_trackers;
  std::vector<std::string> ed2k_servers;   // eDonkey index servers HOST:PORT, besides the inputs' own
  std::vector<std::string> kad_nodes;      // KAD contacts HOST:PORT, besides nodes.dat inputs
  IpAddress bind_v4 = IpAddress::v4(0);
  std::optional<IpAddress> bind_v6;        // set: IPv6 DHT, trackers and peers too
  std::uint16_t port = 6881;               // the port announced to trackers and peers
  LookupConfig lookup;
  std::chrono::milliseconds krpc_timeout{3000};
  UdpTrackerTiming udp;
  HttpLimits http;
  PexConfig pex;
  std::string run_id;
  // Tracker names are resolved here (null: the system's resolver). Shared:
  // tests hand in a fixed table.
  std::shared_ptr<net::Resolver> resolver;

  // For tests and the demo: finishes in about a minute on the lab.
  static CrawlConfig quick();
  // One paragraph for the start of a crawl: schedule and politeness.
  std::string describe() const;
};

struct CrawlProgress {
  std::chrono::seconds elapsed{};
  std::size_t unique_peers = 0;
  std::uint64_t observations = 0;  // records written: a source handing out a peer for the first time
  std::uint64_t handed_out = 0;    // every peer every source handed out, repeats included
  std::uint64_t anomalies = 0;
  std::size_t pex_active = 0, pex_waiting = 0, pex_done = 0, lookups_active = 0;
  std::uint64_t krpc_sent = 0;
};

// One DHT round over every target: how many lookups, how many of them
// started from the nodes the round before kept (not the bootstrap), and
// what they cost and found.
struct DhtRound {
  std::size_t lookups = 0, from_learned = 0;
  std::uint64_t queries = 0, replies = 0, values = 0;
};

struct CrawlSummary {
  CrawlProgress final;
  std::string stop_reason;
  std::vector<SourceRow> sources;
  std::map<std::string, std::size_t> pex_ends;  // by PexEnd name
  std::map<std::string, std::size_t> pex_carriers;  // sessions that connected, by carrier ("tcp", "utp")
  std::size_t pex_fallbacks = 0;  // sessions that connected over their second carrier
  std::size_t pex_asked_again = 0;  // peers that hung up at once, asked again (PexConfig::hung_up_retry)
  std::vector<std::string> warnings;           // e.g. bootstrap names that did not resolve
  std::vector<DhtRound> dht_rounds;             // by round, first round first
  // DHT nodes recorded (dht_node records: one per node address and id), and
  // sightings past the cap on them (kMaxDhtNodesRecorded) left unrecorded.
  std::size_t dht_nodes_seen = 0, dht_nodes_unrecorded = 0;
  // BEP 51 walks: dht_sample records written (one per info hash and node),
  // distinct info hashes among them, nodes that answered with samples, and
  // samples past the cap (kMaxDhtSamplesRecorded) left unrecorded; nodes
  // that knew no BEP 51 and were walked through with find_node.
  std::size_t dht_samples = 0, dht_sampled_infohashes = 0, dht_sample_nodes = 0, dht_samples_unrecorded = 0;
  std::size_t dht_sample_without_bep51 = 0;
  // Trackers that answered an announce (so are owed `stopped`), and how
  // many of those acknowledged the `stopped` announce.
  std::size_t trackers_owed_stopped = 0, trackers_told_stopped = 0;
  // Announce loops started, by the family of the tracker address they ask
  // (a name with both families is asked over each).
  std::size_t tracker_paths_v4 = 0, tracker_paths_v6 = 0;
  // Peers handed out that were this crawl itself (its bind address and the
  // port it announces: trackers list whoever announced), not recorded.
  std::size_t own_endpoint_handed_out = 0;
  // The sink refused a record (a full disk): the crawl stopped there.
  std::optional<Error> sink_error;
};

// dht_node records one crawl writes at most (memory: the set of nodes
// already recorded).
inline constexpr std::size_t kMaxDhtNodesRecorded = 1'000'000;
// dht_sample records one crawl writes at most (memory: the set of pairs
// already recorded).
inline constexpr std::size_t kMaxDhtSamplesRecorded = 1'000'000;

using ProgressFn = std::function<void(const CrawlProgress&)>;

class Crawler {
 public:
  // sink receives every record as it is made; it must outlive the crawler.
  Crawler(net::asio::io_context& io, CrawlConfig cfg, std::vector<Target> targets, RecordSink& sink,
          ProgressFn progress = {});
  ~Crawler();
  Crawler(const Crawler&) = delete;
  Crawler& operator=(const Crawler&) = delete;

  // Runs the crawl to its stop rule. Fails when a socket cannot be opened.
  // A sink that cannot take a record (a full disk) stops the crawl; the
  // summary then carries sink_error, and records already accepted are
  // flushed.
  Result<CrawlSummary> run();
  // Ends the crawl early (e.g. on SIGINT); run() then returns normally.
  void stop(std::string reason);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace p2pscope::crawler
