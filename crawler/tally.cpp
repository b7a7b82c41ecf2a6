#include "crawler/tally.hpp"

#include <algorithm>

namespace p2pscope::crawler {

std::string source_key(const Observation& o) {
  std::string key(to_string(o.via));
  key += ' ';
  if (o.source_url) key += *o.source_url;
  else if (o.source_endpoint) key += o.source_endpoint->to_string();
  return key;
}

std::size_t SourceTally::PeerKeyHash::operator()(const PeerKey& k) const noexcept {
  std::size_t h = std::hash<Endpoint>{}(k.peer);
  for (auto b : k.ih.raw().substr(0, 8)) h = h * 131 + static_cast<unsigned char>(b);
  return h;
}

SourceTally::Added SourceTally::add(const Observation& o) {
  Added out;
  ++handed_out_;
  auto [pit, new_peer] = peer_ids_.emplace(PeerKey{o.info_hash, o.peer}, static_cast<std::uint32_t>(peer_ids_.size()));
  if (new_peer) sources_per_peer_.push_back(0);
  out.new_peer = new_peer;
  auto key = source_key(o);
  auto [sit, fresh_source] = sources_.try_emplace(key);
  auto& src = sit->second;
  if (fresh_source) {
    src.via = o.via;
    src.name = key.substr(key.find(' ') + 1);
  }
  ++src.returned;
  out.new_observation = src.peers.insert(pit->second).second;
  if (out.new_observation) {
    ++sources_per_peer_[pit->second];
    ++observations_;
  }
  return out;
}

std::vector<SourceRow> SourceTally::rows() const {
  std::vector<SourceRow> out;
  out.reserve(sources_.size());
  for (const auto& [key, s] : sources_) {
    SourceRow r{s.via, s.name, s.returned, s.peers.size(), 0};
    for (auto id : s.peers) r.overlap += sources_per_peer_[id] > 1;
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(), [](const SourceRow& a, const SourceRow& b) {
    return a.unique != b.unique ? a.unique > b.unique : a.source < b.source;
  });
  return out;
}

}  // namespace p2pscope::crawler
