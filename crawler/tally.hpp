// Per-source bookkeeping of a crawl: which source handed out which peers,
// how often, and how much of that overlaps with other sources. Pure.
// Threads: none.
#pragma once

#include "core/records.hpp"

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace p2pscope::crawler {

struct SourceRow {
  Via via = Via::dht;
  std::string source;           // tracker URL, or the node's / peer's ip:port
  std::uint64_t returned = 0;   // peers handed out, repeats included
  std::uint64_t unique = 0;     // distinct (infohash, peer) pairs
  std::uint64_t overlap = 0;    // of those, how many another source also handed out
};

// "tracker_udp udp://t:6969/announce", "dht 1.2.3.4:6881", "pex 1.2.3.4:51413"
std::string source_key(const Observation& o);

class SourceTally {
 public:
  struct Added {
    bool new_observation = false;  // this source had not handed out this peer before
    bool new_peer = false;         // no source had handed out this peer for this infohash
  };
  Added add(const Observation& o);

  std::size_t unique_peers() const noexcept { return peer_ids_.size(); }
  std::uint64_t handed_out() const noexcept { return handed_out_; }      // every add(), repeats included
  std::uint64_t observations() const noexcept { return observations_; }  // adds that were new for their source
  // Every source, most unique peers first.
  std::vector<SourceRow> rows() const;

 private:
  struct PeerKey {
    InfoHash ih;
    Endpoint peer;
    friend bool operator==(const PeerKey&, const PeerKey&) = default;
  };
  struct PeerKeyHash {
    std::size_t operator()(const PeerKey& k) const noexcept;
  };
  struct Source {
    Via via;
    std::string name;
    std::uint64_t returned = 0;
    std::unordered_set<std::uint32_t> peers;
  };
  std::unordered_map<PeerKey, std::uint32_t, PeerKeyHash> peer_ids_;
  std::vector<std::uint32_t> sources_per_peer_;
  std::unordered_map<std::string, Source> sources_;
  std::uint64_t handed_out_ = 0, observations_ = 0;
};

}  // namespace p2pscope::crawler
