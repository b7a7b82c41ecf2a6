// The lab's address plan: which party sits at which address, derived
// deterministically from a Scenario (same scenario, same plan). Every party
// gets its own IP (libtorrent and Transmission key peers by IP alone), peers
// get distinct /24s (libtorrent's DHT keeps one node per /24), and addresses
// are public-looking, from several /8s, never special-purpose.
#pragma once

#include "core/ip.hpp"
#include "lab/scenario.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace p2pscope::lab {

enum class Role : std::uint8_t { tracker, seed, leecher, client };
std::string_view to_string(Role r) noexcept;

struct Party {
  Role role;
  std::string name;  // "seed-0", "leecher-3", "opentracker", "client-1"
  Endpoint endpoint;
};

inline constexpr std::uint16_t kTrackerPort = 6969;
inline constexpr std::uint16_t kPeerPort = 6881;

struct LabPlan {
  Scenario scenario;
  std::vector<Party> parties;

  // Addresses kept free for tools run inside the lab (crawler, test
  // clients): nothing listens there, nothing hands them out.
  std::vector<IpAddress> client_addresses() const;
  const Party* find(std::string_view name) const;
  std::vector<const Party*> with_role(Role r) const;
  std::vector<IpAddress> addresses() const;  // every party's IP, for the sandbox
  std::string http_announce_url() const;     // empty without a tracker
  std::string udp_announce_url() const;
};

LabPlan make_plan(const Scenario& s);

}  // namespace p2pscope::lab
