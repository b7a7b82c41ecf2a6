#include "probes/cluster.hpp"

#include <gtest/gtest.h>

namespace p2pscope::probes {
namespace {

std::vector<IpAddress> ips(std::initializer_list<const char*> texts) {
  std::vector<IpAddress> out;
  for (auto t : texts) out.push_back(IpAddress::parse(t).value());
  return out;
}

TEST(Cluster, AFarmOfFakePeersGivesALowU) {
  // 8 peers in one /24 plus 2 elsewhere: 3 subnets / 10 IPs.
  auto set = ips({"5.6.7.1", "5.6.7.2", "5.6.7.3", "5.6.7.4", "5.6.7.5", "5.6.7.6", "5.6.7.7", "5.6.7.8", "8.8.4.4",
                  "9.9.9.9", "5.6.7.1"});
  auto s = cluster(set);
  EXPECT_EQ(s.unique_ips, 10u) << "duplicates count once";
  EXPECT_EQ(s.unique_subnets, 3u);
  EXPECT_DOUBLE_EQ(s.u, 0.3);
  EXPECT_TRUE(s.anti_p2p_event);
  ASSERT_EQ(s.farms.size(), 1u);
  EXPECT_EQ(s.farms[0].subnet.to_string(), "5.6.7.0/24");
  EXPECT_EQ(s.farms[0].unique_ips, 8u);
}

TEST(Cluster, AnHonestSwarmSpreadsAndTheThresholdIsConfigurable) {
  auto set = ips({"1.1.1.1", "2.2.2.2", "3.3.3.3", "3.3.3.4", "2001:db8:1::1", "2001:db8:1::2", "2001:db8:2::1"});
  auto s = cluster(set);
  EXPECT_EQ(s.unique_subnets, 5u) << "IPv6 groups by /64";
  EXPECT_FALSE(s.anti_p2p_event);
  EXPECT_TRUE(s.farms.empty());
  ClusterConfig strict;
  strict.u_threshold = 0.9;
  strict.farm_min = 1;
  auto t = cluster(set, strict);
  EXPECT_TRUE(t.anti_p2p_event);
  EXPECT_EQ(t.farms.size(), 2u);
  EXPECT_FALSE(cluster(std::vector<IpAddress>{}).anti_p2p_event);
}

}  // namespace
}  // namespace p2pscope::probes
