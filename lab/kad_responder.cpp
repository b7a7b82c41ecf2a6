#include "lab/kad_responder.hpp"

#include "core/ed2k.hpp"
#include "lab/addressed_udp.hpp"

#include <algorithm>

namespace p2pscope::lab {
namespace {

std::string reply(std::uint8_t opcode, std::string payload) {
  return ed2k::encode_udp_frame(ed2k::Frame{ed2k::Protocol::kad, opcode, std::move(payload)});
}

constexpr std::size_t kResultsPerDatagram = 50;  // aMule's cap

}  // namespace

KadResponderState::KadResponderState(std::vector<KadNode> nodes) : nodes_(std::move(nodes)) {
  for (std::size_t i = 0; i < nodes_.size(); ++i) by_endpoint_.emplace(nodes_[i].udp, i);
}

std::optional<std::size_t> KadResponderState::node_at(const Endpoint& ep) const {
  auto it = by_endpoint_.find(ep);
  if (it == by_endpoint_.end()) return std::nullopt;
  return it->second;
}

void KadResponderState::index(const ed2k::Md4& file, kad::SourceEntry source) {
  sources_[kad::KadId::of(file)].push_back(std::move(source));
}

kad::Contact KadResponderState::contact(std::size_t i) const {
  const auto& n = nodes_.at(i);
  return kad::Contact{n.id, ed2k::hybrid_id(n.udp.address), n.udp.port, n.tcp_port, kLabKadVersion};
}

std::vector<kad::Contact> KadResponderState::closest(const kad::KadId& target, std::size_t n,
                                                     std::size_t except) const {
  // Each node's distance once, then a selection: a sort comparing by
  // distance recomputed it for every comparison, and the responder stands
  // in for thousands of nodes answering at once.
  std::vector<std::pair<kad::KadId, std::size_t>> order;
  order.reserve(nodes_.size());
  for (std::size_t i = 0; i < nodes_.size(); ++i)
    if (i != except) order.emplace_back(kad::distance(nodes_[i].id, target), i);
  n = std::min(n, order.size());
  auto mid = order.begin() + static_cast<std::ptrdiff_t>(n);
  std::nth_element(order.begin(), mid, order.end());
  std::sort(order.begin(), mid);
  std::vector<kad::Contact> out;
  out.reserve(n);
  for (auto it = order.begin(); it != mid; ++it) out.push_back(contact(it->second));
  return out;
}

std::vector<std::string> KadResponderState::answer(std::size_t self, std::string_view datagram,
                                                   const Endpoint& from) {
  auto f = ed2k::decode_udp_frame(datagram);
  if (!f || f.value().protocol != ed2k::Protocol::kad) return {};
  const auto& me = nodes_.at(self);
  const auto& p = f.value().payload;
  switch (f.value().opcode) {
    case kad::op::bootstrap_req:
      return {reply(kad::op::bootstrap_res,
                    kad::encode_bootstrap_response({me.id, me.tcp_port, kLabKadVersion, closest(me.id, 20, self)}))};
    case kad::op::req: {
      auto q = kad::decode_node_request(p);
      if (!q || q.value().receiver != me.id) return {};  // aMule: not for me, no answer
      return {reply(kad::op::res,
                    kad::encode_node_response({q.value().target, closest(q.value().target, q.value().wanted, self)}))};
    }
    case kad::op::search_source_req: return search(self, p);
    case kad::op::publish_source_req: return publish(self, p, from);
    case kad::op::hello_req:
      if (!kad::decode_hello(p)) return {};
      return {reply(kad::op::hello_res, kad::encode_hello({me.id, me.tcp_port, kLabKadVersion, {}}))};
    case kad::op::ping: {
      std::string port;
      port.push_back(static_cast<char>(from.port & 0xff));
      port.push_back(static_cast<char>(from.port >> 8));
      return {reply(kad::op::pong, port)};
    }
    default: return {};
  }
}

std::vector<std::string> KadResponderState::search(std::size_t self, std::string_view payload) const {
  const auto& me = nodes_.at(self);
  auto q = kad::decode_source_search(payload);
  if (!q || kad::distance_prefix(me.id, q.value().target) > kad::kSearchTolerance) return {};
  kad::SearchResponse r{me.id, q.value().target, {}};
  std::vector<std::string> out;
  auto add = [&](const kad::SourceEntry& s) {
    r.results.push_back(kad::search_result_of(s));
    if (r.results.size() == kResultsPerDatagram) {
      out.push_back(reply(kad::op::search_res, kad::encode_search_response(r)));
      r.results.clear();
    }
  };
  if (auto it = sources_.find(q.value().target); it != sources_.end()) std::ranges::for_each(it->second, add);
  std::ranges::for_each(published(self, q.value().target), add);
  if (!r.results.empty()) out.push_back(reply(kad::op::search_res, kad::encode_search_response(r)));
  return out;
}

// As aMule's Process2PublishSourceRequest: only for a file within
// tolerance and an entry kad::published_entry accepts; silence otherwise.
std::vector<std::string> KadResponderState::publish(std::size_t self, std::string_view payload, const Endpoint& from) {
  const auto& me = nodes_.at(self);
  auto q = kad::decode_source_publish(payload);
  if (!q || kad::distance_prefix(me.id, q.value().file) > kad::kSearchTolerance) return {};
  const auto& pub = q.value();
  auto e = kad::published_entry(pub, from);
  if (!e) return {};
  auto key = std::make_tuple(self, pub.file, pub.source);
  if (published_.size() >= kMaxPublished && !published_.contains(key)) return {};
  published_[key] = e.value();
  return {reply(kad::op::publish_res, kad::encode_publish_response(pub.file, 0))};
}

std::vector<kad::SourceEntry> KadResponderState::published(std::size_t self, const kad::KadId& file) const {
  std::vector<kad::SourceEntry> out;
  for (auto it = published_.lower_bound({self, file, kad::KadId{}});
       it != published_.end() && std::get<0>(it->first) == self && std::get<1>(it->first) == file; ++it)
    out.push_back(it->second);
  return out;
}

awaitable<void> serve_kad(udp::socket& socket, KadResponderState& state) {
  return serve_addressed(socket, [&state](std::string_view d, const Endpoint& from, const Endpoint& to) {
    auto self = state.node_at(to);
    return self ? state.answer(*self, d, from) : std::vector<std::string>{};
  });
}

}  // namespace p2pscope::lab
