#include "net/rate_gate.hpp"

#include <gtest/gtest.h>

namespace p2pscope::net {
namespace {

using namespace std::chrono_literals;
using Clock = RateGate::Clock;

IpAddress ip(const char* s) { return IpAddress::parse(s).value(); }

TEST(RateGate, SpacesQueriesToOneIpByItsRate) {
  RateGate gate({.per_ip_rate = 2, .global_rate = 0});
  Clock::time_point t0{};
  EXPECT_EQ(gate.reserve(ip("1.2.3.4"), t0), t0);
  EXPECT_EQ(gate.reserve(ip("1.2.3.4"), t0), t0 + 500ms);
  EXPECT_EQ(gate.reserve(ip("1.2.3.4"), t0), t0 + 1000ms);
  EXPECT_EQ(gate.reserve(ip("5.6.7.8"), t0), t0);  // another IP is not held back
}

TEST(RateGate, GlobalRateSpacesAllIps) {
  RateGate gate({.per_ip_rate = 0, .global_rate = 100});
  Clock::time_point t0{};
  for (int i = 0; i < 5; ++i) {
    auto a = IpAddress::v4(0x01000000u + static_cast<std::uint32_t>(i));
    EXPECT_EQ(gate.reserve(a, t0), t0 + i * 10ms);
  }
}

TEST(RateGate, ASlowIpDoesNotDelayOthers) {
  RateGate gate({.per_ip_rate = 1, .global_rate = 1000});
  Clock::time_point t0{};
  for (int i = 0; i < 3; ++i) gate.reserve(ip("1.2.3.4"), t0);  // booked up to t0 + 2 s
  EXPECT_LT(gate.reserve(ip("5.6.7.8"), t0), t0 + 10ms);
}

TEST(RateGate, IdleTimeIsNotBankedAsBurst) {
  RateGate gate({.per_ip_rate = 2, .global_rate = 0});
  Clock::time_point t0{};
  gate.reserve(ip("1.2.3.4"), t0);
  auto later = t0 + 10s;
  EXPECT_EQ(gate.reserve(ip("1.2.3.4"), later), later);
  EXPECT_EQ(gate.reserve(ip("1.2.3.4"), later), later + 500ms);
}

TEST(RateGate, TrackedIpsStayBounded) {
  RateGate gate({.per_ip_rate = 2, .global_rate = 0}, 64);
  Clock::time_point t0{};
  for (std::uint32_t i = 0; i < 1000; ++i) gate.reserve(IpAddress::v4(0x01000000u + i), t0);
  EXPECT_LE(gate.tracked_ips(), 64u);
}

TEST(Politeness, DescribesEveryLimit) {
  EXPECT_EQ(Politeness{}.describe(), "per-IP 2/s, global 300/s, 200 sessions, 16 lookups");
  EXPECT_EQ(Politeness{.per_ip_rate = 0}.describe().substr(0, 16), "per-IP unlimited");
}

}  // namespace
}  // namespace p2pscope::net
