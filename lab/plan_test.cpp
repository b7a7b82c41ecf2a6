#include "lab/plan.hpp"

#include "core/special_ranges.hpp"

#include <gtest/gtest.h>

#include <set>

namespace p2pscope::lab {
namespace {

Scenario scenario(int seeds, int leechers) {
  Scenario s;
  s.name = "t";
  s.seeds = seeds;
  s.leechers = leechers;
  return s;
}

TEST(LabPlan, IsDeterministicForASeed) {
  auto a = make_plan(scenario(4, 12)), b = make_plan(scenario(4, 12));
  EXPECT_EQ(a.addresses(), b.addresses());
  auto other = scenario(4, 12);
  other.seed = 99;
  EXPECT_NE(make_plan(other).addresses(), a.addresses());
}

TEST(LabPlan, GivesEveryPartyItsOwnPublicLookingSlash24) {
  auto plan = make_plan(scenario(16, 200));
  std::set<std::uint32_t> nets;
  std::set<std::uint8_t> first_octets;
  for (const auto& ip : plan.addresses()) {
    EXPECT_FALSE(is_bogon(ip)) << ip.to_string();
    EXPECT_TRUE(nets.insert(ip.v4_value() >> 8).second) << "shared /24: " << ip.to_string();
    first_octets.insert(static_cast<std::uint8_t>(ip.v4_value() >> 24));
  }
  EXPECT_GE(first_octets.size(), 8u);
}

TEST(LabPlan, CountsRolesAndTracker) {
  auto plan = make_plan(scenario(3, 5));
  EXPECT_EQ(plan.with_role(Role::seed).size(), 3u);
  EXPECT_EQ(plan.with_role(Role::leecher).size(), 5u);
  EXPECT_EQ(plan.with_role(Role::tracker).size(), 1u);
  EXPECT_FALSE(plan.client_addresses().empty());
  EXPECT_EQ(plan.http_announce_url(), "http://" + plan.find("opentracker")->endpoint.to_string() + "/announce");
  auto no_tracker = scenario(1, 0);
  no_tracker.opentracker = false;
  EXPECT_EQ(make_plan(no_tracker).http_announce_url(), "");
}

}  // namespace
}  // namespace p2pscope::lab
