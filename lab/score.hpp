// Scores a crawl's observations against the lab's ground truth (issue #4's
// acceptance; the demo reuses it). Pure: JSON and records in, numbers out.
//
//   recall       of the peers the lab hands out (every truth address with a
//                port, except trackers, DHT nodes and the tools' own
//                addresses), the share the crawl observed
//   attribution  the share of observations whose (via, source) the truth
//                confirms: an honest peer from any lab tracker, DHT node or
//                BitTorrent-speaking peer; a bogus one only from the actor
//                and route its `introduced_by` names (an anti-P2P peer, which
//                does speak BitTorrent, may also be relayed by any peer)
//   completeness every actor named in `introduced_by` as a direct source
//                (a poisoned tracker's reply, a peer's PEX) was observed
//                handing out at least one bogus peer it introduced
#pragma once

#include "core/records.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace p2pscope::lab {

struct CrawlScore {
  std::size_t expected = 0, found = 0;
  std::size_t observations = 0, confirmed = 0;
  std::vector<std::string> missed;          // "ip:port (role)", the first few hundred
  std::vector<std::string> unconfirmed;     // "via source -> peer: why", the first few hundred
  std::vector<std::string> actors_missing;  // direct-source actors never seen handing out their peers
  std::vector<std::string> actors_seen;

  double recall() const { return expected ? static_cast<double>(found) / static_cast<double>(expected) : 1.0; }
  double attribution() const {
    return observations ? static_cast<double>(confirmed) / static_cast<double>(observations) : 1.0;
  }
};

// truth: the ground-truth document (docs/lab-ground-truth.md). Only
// observations for the truth's infohashes count.
CrawlScore score_crawl(const nlohmann::json& truth, const std::vector<Observation>& observations);

}  // namespace p2pscope::lab
