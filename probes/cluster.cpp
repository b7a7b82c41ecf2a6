#include "probes/cluster.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace p2pscope::probes {

Cidr cluster_subnet(const IpAddress& a) {
  auto len = a.is_v4() ? 24 : 64;
  auto host_bits = (a.is_v4() ? 32 : 128) - len;
  auto v = value_of(a) >> host_bits << host_bits;
  return {address_of(a.family(), v), len};
}

ClusterStats cluster(std::span<const IpAddress> addresses, const ClusterConfig& cfg) {
  std::set<IpAddress> ips(addresses.begin(), addresses.end());
  std::map<IpAddress, std::size_t> per_subnet;
  for (const auto& ip : ips) ++per_subnet[cluster_subnet(ip).network];
  ClusterStats s;
  s.unique_ips = ips.size();
  s.unique_subnets = per_subnet.size();
  if (s.unique_ips > 0) s.u = static_cast<double>(s.unique_subnets) / static_cast<double>(s.unique_ips);
  s.anti_p2p_event = s.unique_ips > 0 && s.u < cfg.u_threshold;
  for (const auto& [net, n] : per_subnet)
    if (n > cfg.farm_min) s.farms.push_back({Cidr{net, net.is_v4() ? 24 : 64}, n});
  std::stable_sort(s.farms.begin(), s.farms.end(), [](const Farm& a, const Farm& b) { return a.unique_ips > b.unique_ips; });
  return s;
}

}  // namespace p2pscope::probes
