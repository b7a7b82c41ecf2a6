#include "crawler/kad_lookup.hpp"

#include <algorithm>

namespace p2pscope::crawler {
namespace {

Endpoint endpoint_of(const kad::Contact& c) { return Endpoint{c.address(), c.udp_port}; }
std::uint32_t slash24(const kad::Contact& c) { return c.ip >> 8; }  // hybrid form: a.b.c is the top 24 bits

}  // namespace

KadLookup::KadLookup(const kad::KadId& target, const std::vector<kad::Contact>& seeds, KadLookupConfig cfg)
    : target_(target), cfg_(cfg) {
  std::vector<std::pair<kad::KadId, const kad::Contact*>> order;
  order.reserve(seeds.size());
  for (const auto& c : seeds) order.emplace_back(kad::distance(c.id, target_), &c);
  auto by_first = [](const auto& a, const auto& b) { return a.first < b.first; };
  // Sorting only a head twice the size wanted: most of a crawl's contacts are far.
  auto head = std::min(order.size(), 2 * cfg_.max_seeds);
  std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(head), order.end(), by_first);
  std::sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(head), by_first);
  for (std::size_t i = 0; i < order.size() && by_distance_.size() < cfg_.max_seeds; ++i) {
    if (i == head) std::sort(order.begin() + static_cast<std::ptrdiff_t>(head), order.end(), by_first);
    add(*order[i].second);
  }
}

void KadLookup::add(const kad::Contact& c) {
  auto ip = c.address();
  bool crowded = cfg_.distinct_ips && (ips_.contains(ip) || per_slash24_[slash24(c)] >= cfg_.per_slash24);
  auto to = endpoint_of(c);
  if (c.udp_port == 0 || crowded || distance_of_.contains(to)) {
    ++stats_.dropped_contacts;
    return;
  }
  auto d = kad::distance(c.id, target_);
  if (by_distance_.contains(d)) {
    ++stats_.dropped_contacts;
    return;
  }
  if (by_distance_.size() >= cfg_.max_candidates) {
    // Full: a closer contact replaces the farthest one not yet asked.
    auto far = std::find_if(by_distance_.rbegin(), by_distance_.rend(),
                            [](const auto& kv) { return kv.second.state == State::fresh; });
    if (far == by_distance_.rend() || !(d < far->first)) {
      ++stats_.dropped_contacts;
      return;
    }
    auto& gone = far->second.contact;
    distance_of_.erase(endpoint_of(gone));
    if (cfg_.distinct_ips) {
      ips_.erase(gone.address());
      --per_slash24_[slash24(gone)];
    }
    by_distance_.erase(std::next(far).base());
  }
  by_distance_.emplace(d, Candidate{c, State::fresh});
  distance_of_.emplace(to, d);
  if (cfg_.distinct_ips) {
    ips_.insert(ip);
    ++per_slash24_[slash24(c)];
  }
}

std::vector<kad::Contact> KadLookup::next_queries() {
  std::vector<kad::Contact> out;
  for (auto& [d, c] : by_distance_) {
    if (in_flight_ >= cfg_.alpha || stats_.queries >= cfg_.max_queries) break;
    if (c.state != State::fresh) continue;
    c.state = State::in_flight;
    ++in_flight_;
    ++stats_.queries;
    out.push_back(c.contact);
  }
  return out;
}

bool KadLookup::on_reply(const Endpoint& from, const kad::NodeResponse& r) {
  auto it = distance_of_.find(from);
  auto* c = it == distance_of_.end() ? nullptr : &by_distance_.at(it->second);
  if (c == nullptr || c->state != State::in_flight || r.target != target_) {
    ++stats_.unsolicited;
    return false;
  }
  c->state = State::answered;
  --in_flight_;
  ++stats_.replies;
  for (const auto& contact : r.contacts) add(contact);
  return true;
}

void KadLookup::on_timeout(const Endpoint& from) {
  auto it = distance_of_.find(from);
  if (it == distance_of_.end()) return;
  auto& c = by_distance_.at(it->second);
  if (c.state != State::in_flight) return;
  c.state = State::failed;
  --in_flight_;
  ++stats_.timeouts;
}

bool KadLookup::done() const {
  if (in_flight_ > 0) return false;
  if (stats_.queries >= cfg_.max_queries) return true;
  std::size_t answered = 0;
  for (const auto& [d, c] : by_distance_) {
    if (c.state == State::fresh) return false;  // a closer node than the k-th answered is left to ask
    if (c.state == State::answered && ++answered >= cfg_.k) return true;
  }
  return true;
}

std::vector<kad::Contact> KadLookup::source_nodes() const {
  std::vector<kad::Contact> out;
  for (const auto& [d, c] : by_distance_) {
    if (out.size() >= cfg_.search_nodes) break;
    if (c.state == State::answered && kad::distance_prefix(c.contact.id, target_) <= kad::kSearchTolerance)
      out.push_back(c.contact);
  }
  return out;
}

std::size_t KadBudget::allowance(std::uint8_t opcode) noexcept {
  switch (opcode) {
    case kad::op::req: return 10;
    case kad::op::search_source_req: return 3;
    case kad::op::bootstrap_req: return 2;
    case kad::op::hello_req: return 3;
    case kad::op::ping: return 2;
    default: return 0;
  }
}

bool KadBudget::try_take(const IpAddress& ip, std::uint8_t opcode, Clock::time_point now) {
  auto allowed = allowance(opcode);
  if (allowed == 0) return true;
  auto it = windows_.find(ip);
  if (it == windows_.end()) {
    if (windows_.size() >= max_tracked_)
      std::erase_if(windows_, [&](const auto& kv) { return now - kv.second.start >= std::chrono::minutes(1); });
    if (windows_.size() >= max_tracked_) return false;  // every tracked IP is in its minute: wait
    it = windows_.emplace(ip, Window{now, {}}).first;
  }
  auto& w = it->second;
  if (now - w.start >= std::chrono::minutes(1)) w = Window{now, {}};
  auto& n = w.sent[opcode];
  if (n >= allowed) return false;
  ++n;
  return true;
}

}  // namespace p2pscope::crawler
