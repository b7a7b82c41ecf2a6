#include "net/rate_gate.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace p2pscope::net {
namespace {

RateGate::Clock::duration gap(double rate) {
  using namespace std::chrono;
  if (!(rate > 0)) return RateGate::Clock::duration::zero();  // 0 or less: unlimited
  return duration_cast<RateGate::Clock::duration>(duration<double>(1.0 / rate));
}

std::string rate_text(double r) {
  if (!(r > 0)) return "unlimited";
  std::ostringstream s;
  s << r << "/s";
  return s.str();
}

}  // namespace

std::string Politeness::describe() const {
  return "per-IP " + rate_text(per_ip_rate) + ", global " + rate_text(global_rate) + ", " +
         std::to_string(max_sessions) + " sessions, " + std::to_string(max_lookups) + " lookups";
}

RateGate::RateGate(const Politeness& p, std::size_t max_tracked_ips)
    : per_ip_gap_(gap(p.per_ip_rate)), global_gap_(gap(p.global_rate)), max_tracked_(max_tracked_ips) {}

RateGate::Clock::time_point RateGate::reserve(const IpAddress& ip, Clock::time_point now) {
  // The global slot is taken at once even when the per-IP slot is later,
  // so one slow IP never holds back the others (at a small loss of rate).
  auto g = std::max(now, global_next_);
  global_next_ = g + global_gap_;
  if (per_ip_gap_ == Clock::duration::zero()) return g;
  if (next_.size() >= max_tracked_) prune(now);
  auto& ip_next = next_[ip];
  auto slot = std::max(g, ip_next);
  ip_next = slot + per_ip_gap_;
  return slot;
}

void RateGate::prune(Clock::time_point now) {
  std::erase_if(next_, [&](const auto& kv) { return kv.second <= now; });
  // Every tracked IP still has a future slot: forgetting the earliest ones
  // costs at most one early packet each, and bounds memory.
  while (next_.size() >= max_tracked_) next_.erase(next_.begin());
}

}  // namespace p2pscope::net
