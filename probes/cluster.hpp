// Subnet clustering (Approach I of the P2PScope study): anti-P2P companies
// run their fake peers from a few hosting subnets, so the peers a source
// hands out for an event crowd into few /24s while honest swarms spread.
//   U = unique /24s / unique IPs over a set of addresses;
//   U < threshold (0.5 in the study) marks an anti-P2P event;
//   a /24 with more than `farm_min` (5) unique IPs is a server farm.
// IPv6 addresses are grouped by /64 (one subnet). Pure; thread-safe.
#pragma once

#include "core/ip_range.hpp"

#include <span>

namespace p2pscope::probes {

struct ClusterConfig {
  double u_threshold = 0.5;
  std::size_t farm_min = 5;  // more than this many unique IPs makes a farm
};

struct Farm {
  Cidr subnet;
  std::size_t unique_ips = 0;
};

struct ClusterStats {
  std::size_t unique_ips = 0, unique_subnets = 0;
  double u = 1.0;  // 1.0 for an empty set: nothing clusters
  bool anti_p2p_event = false;
  std::vector<Farm> farms;  // most populated first
};

// The /24 (IPv4) or /64 (IPv6) that holds a.
Cidr cluster_subnet(const IpAddress& a);

ClusterStats cluster(std::span<const IpAddress> addresses, const ClusterConfig& cfg = {});

}  // namespace p2pscope::probes
