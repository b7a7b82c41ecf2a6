// How hard the crawler may lean on the network, and the gate that enforces
// it. The defaults are safe to point at the real network: about two queries
// per second to any one remote IP, a global packet cap, a session cap.
//
// RateGate is pure: it books send slots against times passed in, so tests
// drive it without a clock. Threads: none; one gate per crawl.
#pragma once

#include "core/ip.hpp"

#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>

namespace p2pscope::net {

struct Politeness {
  double per_ip_rate = 2.0;        // queries (datagrams, connects, requests) per second to one IP
  double global_rate = 300.0;      // the same, all remote IPs together
  std::size_t max_sessions = 200;  // concurrent PEX sessions (TCP)
  std::size_t max_lookups = 16;    // concurrent DHT lookups

  // "per-IP 2/s, global 300/s, 200 sessions, 16 lookups"
  std::string describe() const;

  // No rate limits (the defaults' caps on sessions and lookups stay): for
  // benchmarks and tests that talk only to loopback or a lab namespace.
  static Politeness unlimited() {
    Politeness p;
    p.per_ip_rate = 1e9;
    p.global_rate = 1e9;
    return p;
  }
};

class RateGate {
 public:
  using Clock = std::chrono::steady_clock;

  explicit RateGate(const Politeness& p, std::size_t max_tracked_ips = 1 << 16);

  // Books the next slot to send to ip at or after now, and returns it. The
  // slot respects both the per-IP and the global rate.
  Clock::time_point reserve(const IpAddress& ip, Clock::time_point now);
  std::size_t tracked_ips() const noexcept { return next_.size(); }

 private:
  void prune(Clock::time_point now);

  Clock::duration per_ip_gap_, global_gap_;
  std::size_t max_tracked_;
  Clock::time_point global_next_{};
  std::unordered_map<IpAddress, Clock::time_point> next_;
};

}  // namespace p2pscope::net
