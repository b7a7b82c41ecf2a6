#include "crawler/dht_lookup.hpp"

#include "core/special_ranges.hpp"

#include <array>

namespace p2pscope::crawler {
namespace {

NodeId as_node_id(const InfoHash& ih) { return NodeId::from_bytes(ih.raw()).value(); }

// The IPv4 and the IPv6 DHT are separate networks (BEP 32): each has its own
// k closest nodes, and a lookup ends when both have answered.
using PerFamily = std::array<std::size_t, 2>;
std::size_t family_index(const NodeEntry& n) { return n.endpoint.address.is_v6() ? 1 : 0; }

}  // namespace

GetPeersLookup::GetPeersLookup(const InfoHash& target, const std::vector<NodeEntry>& bootstrap, LookupConfig cfg)
    : target_(as_node_id(target)), cfg_(cfg) {
  for (auto n : bootstrap) {
    if (n.id.is_zero()) {
      // Unknown ids must not collide: file each far away, unique by endpoint.
      std::string id(20, '\xff');
      auto key = n.endpoint.to_string();
      for (std::size_t i = 0; i < key.size(); ++i) id[8 + i % 12] = static_cast<char>(id[8 + i % 12] ^ key[i]);
      n.id = NodeId::from_bytes(id).value() ^ target_;  // so its distance is that far-away id
    }
    add_candidate(n);
  }
}

bool GetPeersLookup::add_candidate(const NodeEntry& n) {
  if (n.endpoint.port == 0 || is_bogon(n.endpoint.address)) {
    ++stats_.anomalies[LookupAnomaly::bogus_node];
    return false;
  }
  if (distance_of_.count(n.endpoint)) return true;
  auto d = n.id ^ target_;
  if (by_distance_.count(d)) return true;  // another endpoint claims this id: keep the first
  if (by_distance_.size() >= cfg_.max_candidates) {
    // Full: make room only by forgetting the farthest node not yet asked.
    auto victim = by_distance_.end();
    for (auto it = by_distance_.rbegin(); it != by_distance_.rend(); ++it) {
      if (it->second.state == State::fresh || it->second.state == State::failed) {
        victim = std::prev(it.base());
        break;
      }
    }
    if (victim == by_distance_.end() || !(d < victim->first)) return true;
    distance_of_.erase(victim->second.node.endpoint);
    by_distance_.erase(victim);
  }
  by_distance_.emplace(d, Candidate{n, State::fresh, {}});
  distance_of_.emplace(n.endpoint, d);
  return true;
}

std::size_t GetPeersLookup::in_flight() const {
  std::size_t n = 0;
  for (const auto& [d, c] : by_distance_) n += c.state == State::in_flight;
  return n;
}

std::vector<NodeEntry> GetPeersLookup::next_queries() {
  std::vector<NodeEntry> out;
  auto flying = in_flight();
  PerFamily answered{};
  for (auto& [d, c] : by_distance_) {
    if (flying >= cfg_.alpha || stats_.queries >= cfg_.max_queries) break;
    auto& done_here = answered[family_index(c.node)];
    if (done_here >= cfg_.k) continue;  // this family's k closest have answered
    if (c.state == State::answered) ++done_here;
    if (c.state != State::fresh) continue;
    c.state = State::in_flight;
    ++flying;
    ++stats_.queries;
    out.push_back(c.node);
  }
  return out;
}

LookupReply GetPeersLookup::on_reply(const Endpoint& from, const KrpcResponse& r) {
  auto where = distance_of_.find(from);
  auto asked = [&] {
    auto st = by_distance_.at(where->second).state;
    return st == State::in_flight || st == State::slow;
  };
  if (where == distance_of_.end() || !asked()) {
    ++stats_.anomalies[LookupAnomaly::unsolicited];
    return {};
  }
  ++stats_.replies;
  LookupReply out{true, r.id, {}, {}};
  auto it = by_distance_.find(where->second);
  // A bootstrap node's id is learned from its reply: file it at its real distance.
  if (it->second.node.id != r.id) {
    auto c = std::move(it->second);
    by_distance_.erase(it);
    c.node.id = r.id;
    auto d = r.id ^ target_;
    auto [pos, inserted] = by_distance_.emplace(d, std::move(c));
    if (inserted) {
      where->second = d;
      it = pos;
    } else {
      distance_of_.erase(where);  // its id is another node's: use what it said, keep the other
      it = by_distance_.end();
    }
  }
  if (it != by_distance_.end()) {
    it->second.state = State::answered;
    it->second.token = r.token.value_or("");
  }
  for (const auto* list : {&r.nodes, &r.nodes6}) {
    for (const auto& n : *list) {
      if (n.endpoint == from) {
        ++stats_.anomalies[LookupAnomaly::self_reference];
        continue;
      }
      if (add_candidate(n)) out.nodes.push_back(n);
    }
  }
  for (const auto& p : r.values) out.peers.push_back({p, from, r.id});
  stats_.values += out.peers.size();
  return out;
}

void GetPeersLookup::on_timeout(const Endpoint& from) {
  auto where = distance_of_.find(from);
  if (where == distance_of_.end()) return;
  auto& c = by_distance_.at(where->second);
  if (c.state != State::in_flight && c.state != State::slow) return;
  c.state = State::failed;
  ++stats_.timeouts;
}

bool GetPeersLookup::on_slow(const Endpoint& from) {
  auto where = distance_of_.find(from);
  if (where == distance_of_.end()) return false;
  auto& c = by_distance_.at(where->second);
  if (c.state != State::in_flight) return false;
  c.state = State::slow;
  return true;
}

bool GetPeersLookup::done() const {
  if (in_flight() > 0) return false;
  if (stats_.queries >= cfg_.max_queries) return true;
  PerFamily answered{};
  for (const auto& [d, c] : by_distance_) {
    auto& done_here = answered[family_index(c.node)];
    if (done_here >= cfg_.k) continue;
    if (c.state == State::answered) ++done_here;
    if (c.state == State::fresh) return false;
  }
  return true;
}

std::vector<std::pair<NodeEntry, std::string>> GetPeersLookup::closest_answered() const {
  std::vector<std::pair<NodeEntry, std::string>> out;
  PerFamily taken{};
  for (const auto& [d, c] : by_distance_) {
    auto& n = taken[family_index(c.node)];
    if (c.state == State::answered && n < cfg_.k) {
      out.emplace_back(c.node, c.token);
      ++n;
    }
  }
  return out;
}

}  // namespace p2pscope::crawler
