#include "lab/dht_responder.hpp"

#include "core/krpc.hpp"
#include "lab/addressed_udp.hpp"

#include <algorithm>
#include <cstring>
#include <random>

namespace p2pscope::lab {
namespace {

std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

const std::string kVersion = std::string("PL") + '\0' + '\1';

}  // namespace

namespace {

std::vector<DhtNodeSpec> honest_specs(const std::vector<Endpoint>& nodes) {
  std::vector<DhtNodeSpec> out;
  for (const auto& ep : nodes) out.push_back({ep, DhtBehaviour::honest, std::nullopt, {}, {}, Bep51::supported});
  return out;
}

}  // namespace

DhtSwarm::DhtSwarm(const std::vector<Endpoint>& nodes, std::uint64_t seed, DhtLimits lim)
    : DhtSwarm(honest_specs(nodes), seed, lim) {}

DhtSwarm::DhtSwarm(const std::vector<DhtNodeSpec>& nodes, std::uint64_t seed, DhtLimits lim)
    : lim_(lim), secret_(mix(seed ^ 0x5eed)), specs_(nodes), values_(nodes.size()) {
  std::mt19937_64 rng(seed);
  for (const auto& n : nodes) {
    std::string rest(20, '\0');
    for (auto& c : rest) c = static_cast<char>(rng());
    auto r = static_cast<std::uint8_t>(rng());  // drawn for every node: honest ids do not depend on the bogus ones
    nodes_.push_back({n.id ? *n.id : bep42_node_id(n.endpoint.address, r, rest), n.endpoint});
    by_endpoint_.emplace(n.endpoint, nodes_.size() - 1);
    (n.endpoint.address.is_v4() ? by_id4_ : by_id6_).emplace_back(nodes_.back().id, nodes_.size() - 1);
  }
  std::sort(by_id4_.begin(), by_id4_.end());
  std::sort(by_id6_.begin(), by_id6_.end());
}

std::optional<std::size_t> DhtSwarm::node_at(const Endpoint& ep) const {
  auto it = by_endpoint_.find(ep);
  if (it == by_endpoint_.end()) return std::nullopt;
  return it->second;
}

namespace {

// The lowest and highest ids that share the first `bits` bits with target.
std::pair<NodeId, NodeId> prefix_bounds(const NodeId& target, std::size_t bits) {
  std::string lo(target.raw()), hi(target.raw());
  for (std::size_t i = bits; i < 160; ++i) {
    auto mask = static_cast<char>(0x80 >> (i % 8));
    lo[i / 8] = static_cast<char>(lo[i / 8] & ~mask);
    hi[i / 8] = static_cast<char>(hi[i / 8] | mask);
  }
  return {NodeId::from_bytes(lo).value(), NodeId::from_bytes(hi).value()};
}

}  // namespace

std::vector<NodeEntry> DhtSwarm::closest(const NodeId& target, const Endpoint& from, std::size_t self, Family fam) const {
  const auto& by_id = fam == Family::v4 ? by_id4_ : by_id6_;
  // Ids sharing a longer prefix with target are closer by XOR than any id
  // outside that prefix, and share a contiguous range of the sorted ids: find
  // the longest prefix whose range still holds k nodes besides the two left
  // out, and sort only that range.
  using It = ById::const_iterator;
  auto range = [&](std::size_t bits) {
    auto [lo, hi] = prefix_bounds(target, bits);
    auto cmp_lo = [](const auto& e, const NodeId& v) { return e.first < v; };
    auto cmp_hi = [](const NodeId& v, const auto& e) { return v < e.first; };
    return std::pair<It, It>{std::lower_bound(by_id.begin(), by_id.end(), lo, cmp_lo),
                             std::upper_bound(by_id.begin(), by_id.end(), hi, cmp_hi)};
  };
  auto wanted = static_cast<std::ptrdiff_t>(lim_.k + 2);
  std::size_t short_bits = 0, long_bits = 160;  // range(short_bits) is big enough; find the longest such
  while (short_bits < long_bits) {
    auto mid = (short_bits + long_bits + 1) / 2;
    auto [b, e] = range(mid);
    if (e - b >= wanted) short_bits = mid;
    else long_bits = mid - 1;
  }
  auto [b, e] = range(short_bits);
  const auto& me = nodes_[self].endpoint;
  std::vector<std::pair<NodeId, NodeEntry>> all;
  for (auto it = b; it != e; ++it) {
    const auto& n = nodes_[it->second];
    if (n.endpoint != from && n.endpoint != me) all.push_back({n.id ^ target, {n.id, n.endpoint}});
  }
  // A learned node outside the prefix is farther than the k+ nodes inside it.
  auto [lo, hi] = prefix_bounds(target, short_bits);
  const auto& learned = fam == Family::v4 ? learned_by_id4_ : learned_by_id6_;
  for (auto it = learned.lower_bound(lo); it != learned.end() && !(hi < it->first); ++it) {
    if (it->second != from) all.push_back({it->first ^ target, {it->first, it->second}});
  }
  auto k = std::min(lim_.k, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k), all.end(),
                    [](const auto& a, const auto& x) { return a.first < x.first; });
  std::vector<NodeEntry> out;
  out.reserve(k);
  for (std::size_t i = 0; i < k; ++i) out.push_back(all[i].second);
  return out;
}

std::vector<NodeEntry> DhtSwarm::named(const NodeId& target, const Endpoint& from, std::size_t self, Family fam) const {
  const auto& spec = specs_[self];
  if (spec.behaviour != DhtBehaviour::phantom) return closest(target, from, self, fam);
  if (fam != Family::v4) return {};  // its inventions are IPv4 addresses
  // Each made-up id keeps the target's first 16 bytes: nearer than any real node.
  std::vector<NodeEntry> out;
  for (std::size_t j = 0; j < spec.neighbours.size() && j < lim_.k; ++j) {
    std::string id(target.raw());
    auto h = mix(secret_ ^ (self << 8) ^ j);
    std::memcpy(id.data() + 16, &h, 4);
    out.push_back({NodeId::from_bytes(id).value(), spec.neighbours[j]});
  }
  return out;
}

void DhtSwarm::name_nodes(KrpcResponse& r, const NodeId& target, const KrpcQuery& q, const Endpoint& from,
                          std::size_t self) const {
  auto lists = q.wanted_lists(from.address.family());
  if (lists.has(Want::n4)) r.nodes = named(target, from, self, Family::v4);
  if (lists.has(Want::n6)) r.nodes6 = named(target, from, self, Family::v6);
}

std::string DhtSwarm::token(std::size_t self, const IpAddress& ip) const {
  auto h = mix(secret_ ^ self);
  for (std::size_t i = 0; i < ip.size(); ++i) h = mix(h ^ ip.data()[i]);
  std::string t(8, '\0');
  std::memcpy(t.data(), &h, 8);
  return t;
}

void DhtSwarm::learn(const NodeId& id, const Endpoint& from) {
  if (node_at(from)) return;
  auto& by_id = from.address.is_v4() ? learned_by_id4_ : learned_by_id6_;
  auto it = learned_.find(from);
  if (it == learned_.end()) {
    if (learned_.size() >= lim_.max_learned) return;
    learned_.emplace(from, id);
  } else {
    if (it->second == id) return;
    auto [b, e] = by_id.equal_range(it->second);
    for (auto j = b; j != e; ++j) {
      if (j->second == from) {
        by_id.erase(j);
        break;
      }
    }
    it->second = id;
  }
  by_id.emplace(id, from);
}

std::optional<std::string> DhtSwarm::handle(std::size_t self, std::string_view datagram, const Endpoint& from) {
  auto msg = decode_krpc(datagram);
  if (!msg) return std::nullopt;  // garbage gets no answer, as in BEP 5 practice
  auto* q = std::get_if<KrpcQuery>(&msg.value());
  if (!q) return std::nullopt;    // the responder sends no queries, so expects no replies
  const auto& me = nodes_[self];
  if (!q->read_only) learn(q->id, from);
  KrpcResponse r;
  r.transaction_id = q->transaction_id;
  r.id = me.id;
  r.requester = from;
  r.version = kVersion;
  auto to_node_id = [](const InfoHash& ih) { return NodeId::from_bytes(ih.raw()).value(); };
  switch (q->method()) {
    case KrpcMethod::ping: break;
    case KrpcMethod::find_node: name_nodes(r, *q->target, *q, from, self); break;
    case KrpcMethod::get_peers: {
      r.token = token(self, from.address);
      name_nodes(r, to_node_id(*q->info_hash), *q, from, self);
      const std::vector<Endpoint>* values = nullptr;
      if (specs_[self].behaviour == DhtBehaviour::fake_values) values = &specs_[self].values;
      else if (auto it = values_[self].find(*q->info_hash); it != values_[self].end()) values = &it->second;
      // A value list is one family, the querier's (BEP 32).
      for (std::size_t i = 0; values && i < values->size(); ++i) {
        if ((*values)[i].address.family() == from.address.family()) r.values.push_back((*values)[i]);
      }
      break;
    }
    case KrpcMethod::announce_peer: {
      if (q->token != token(self, from.address))
        return encode_krpc(KrpcError{q->transaction_id, 203, "bad token", kVersion});
      auto& store = values_[self];
      if (!store.count(*q->info_hash) && store.size() >= lim_.max_infohashes)
        return encode_krpc(KrpcError{q->transaction_id, 202, "storage full", kVersion});
      auto& peers = store[*q->info_hash];
      Endpoint peer{from.address, q->implied_port ? from.port : q->port.value_or(0)};
      if (std::find(peers.begin(), peers.end(), peer) == peers.end() && peers.size() < lim_.max_values)
        peers.push_back(peer);
      break;
    }
    case KrpcMethod::sample_infohashes: {
      if (specs_[self].bep51 == Bep51::unknown_method)
        return encode_krpc(KrpcError{q->transaction_id, 204, "Method Unknown", kVersion});
      name_nodes(r, *q->target, *q, from, self);
      std::vector<InfoHash> samples;
      for (const auto& [ih, peers] : values_[self]) {
        if (samples.size() < 20) samples.push_back(ih);
      }
      r.samples = std::move(samples);
      r.num = static_cast<std::int64_t>(values_[self].size());
      r.interval = 21600;
      break;
    }
    case KrpcMethod::unknown:
      return encode_krpc(KrpcError{q->transaction_id, 204, "Method Unknown", kVersion});
  }
  return encode_krpc(r);
}

awaitable<void> serve_dht(udp::socket& socket, DhtSwarm& swarm) {
  return serve_addressed(socket, [&swarm](std::string_view d, const Endpoint& from, const Endpoint& to) {
    auto self = swarm.node_at(to);
    return self ? swarm.handle(*self, d, from) : std::nullopt;  // else: an address that is no DHT node
  });
}

}  // namespace p2pscope::lab
