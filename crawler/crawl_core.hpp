// The crawl's decisions, without its I/O: which observations are new, which
// peers get a PEX session, how anomalies fold, and when the crawl is done.
// The Asio shell (crawl.cpp) feeds it what the network said and acts on
// what it answers; every time is passed in, so tests drive it without a
// clock or a socket.
//
// Threads: none; one core belongs to one crawl.
#pragma once

#include "crawler/tally.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace p2pscope::crawler {

struct CoreConfig {
  std::chrono::seconds stable_for{1800};
  std::chrono::seconds max_duration{0};  // 0: no limit
  bool use_pex = true;
  IpAddress bind_v4 = IpAddress::v4(0);
  std::optional<IpAddress> bind_v6;      // unset: IPv6 peers are recorded, never contacted
  std::size_t max_anomaly_keys = 100000;
};

class CrawlCore {
 public:
  using Clock = std::chrono::steady_clock;

  CrawlCore(CoreConfig cfg, Clock::time_point start) : cfg_(std::move(cfg)), started_(start), last_growth_(start) {}

  struct Admitted {
    bool record = false;   // first time this source handed out this peer: write the observation
    bool contact = false;  // open a PEX session to the peer: see observe()
  };
  // One peer handed out by one source. contact is true once per (infohash,
  // peer): for a peer no source had handed out before, that is contactable,
  // while PEX is on and no stop was requested.
  Admitted observe(const Observation& o, Clock::time_point now);

  // Whether the crawler may connect to ep: a port, a globally reachable
  // address (no special-purpose range), a family it has an address for,
  // and not itself.
  bool contactable(const Endpoint& ep) const;

  // Folds a into one record per (route, source, kind); a.count starts at 1.
  // Past max_anomaly_keys distinct keys, new keys are only counted.
  void anomaly(Anomaly a);
  std::uint64_t anomaly_count() const noexcept { return anomaly_count_; }
  const std::map<std::string, Anomaly>& anomalies() const noexcept { return anomalies_; }

  // The first round of every tracker and DHT loop holds the stop rule off:
  // first_round_started() when a loop starts, first_round_done() when its
  // first round has answered (or failed).
  void first_round_started() { ++startup_pending_; }
  void first_round_done() {
    if (startup_pending_ > 0) --startup_pending_;
  }

  // Why the crawl should stop now, or nullopt: max_duration has passed; or
  // every first round is done, no PEX session is open or waiting
  // (pex_busy == 0), and no new peer came for stable_for.
  std::optional<std::string> stop_due(Clock::time_point now, std::size_t pex_busy) const;
  // The crawl proper starts (after name resolution): the clocks of both
  // stop rules start over.
  void restart(Clock::time_point now) { started_ = last_growth_ = now; }
  // After this, observe() contacts nobody.
  void stopping() { stopping_ = true; }

  const SourceTally& tally() const noexcept { return tally_; }
  Clock::time_point started() const noexcept { return started_; }

 private:
  CoreConfig cfg_;
  SourceTally tally_;
  std::set<std::pair<InfoHash, Endpoint>> contacted_;
  std::map<std::string, Anomaly> anomalies_;
  std::uint64_t anomaly_count_ = 0;
  Clock::time_point started_, last_growth_;
  std::size_t startup_pending_ = 0;
  bool stopping_ = false;
};

}  // namespace p2pscope::crawler
