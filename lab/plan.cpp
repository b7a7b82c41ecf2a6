#include "lab/plan.hpp"

#include "core/special_ranges.hpp"

#include <random>
#include <set>

namespace p2pscope::lab {
namespace {

// First octets of ordinary unicast space, spread over registries, so that
// /24 and /8 statistics in the lab look like a real swarm's.
constexpr std::uint8_t kFirstOctets[] = {23, 31, 37, 45, 62, 77, 81, 93, 109, 151, 176, 188, 193, 212};
constexpr int kClientAddresses = 8;

class Allocator {
 public:
  explicit Allocator(std::uint64_t seed) : rng_(seed) {}

  // A fresh address in a /24 no other party uses.
  IpAddress next() {
    for (;;) {
      std::uint32_t first = kFirstOctets[rng_() % std::size(kFirstOctets)];
      std::uint32_t net = first << 24 | static_cast<std::uint32_t>(rng_() % 0xffff) << 8;
      auto a = IpAddress::v4(net | static_cast<std::uint32_t>(1 + rng_() % 254));
      if (is_bogon(a) || !used_24s_.insert(net).second) continue;
      return a;
    }
  }

 private:
  std::mt19937_64 rng_;
  std::set<std::uint32_t> used_24s_;
};

}  // namespace

std::string_view to_string(Role r) noexcept {
  switch (r) {
    case Role::tracker: return "tracker";
    case Role::seed: return "seed";
    case Role::leecher: return "leecher";
    case Role::client: return "client";
  }
  return "unknown";
}

LabPlan make_plan(const Scenario& s) {
  LabPlan plan;
  plan.scenario = s;
  Allocator alloc(s.seed);
  if (s.opentracker) plan.parties.push_back({Role::tracker, "opentracker", {alloc.next(), kTrackerPort}});
  for (int i = 0; i < s.seeds; ++i)
    plan.parties.push_back({Role::seed, "seed-" + std::to_string(i), {alloc.next(), kPeerPort}});
  for (int i = 0; i < s.leechers; ++i)
    plan.parties.push_back({Role::leecher, "leecher-" + std::to_string(i), {alloc.next(), kPeerPort}});
  for (int i = 0; i < kClientAddresses; ++i)
    plan.parties.push_back({Role::client, "client-" + std::to_string(i), {alloc.next(), 0}});
  return plan;
}

std::vector<IpAddress> LabPlan::client_addresses() const {
  std::vector<IpAddress> out;
  for (const auto* p : with_role(Role::client)) out.push_back(p->endpoint.address);
  return out;
}

const Party* LabPlan::find(std::string_view name) const {
  for (const auto& p : parties) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::vector<const Party*> LabPlan::with_role(Role r) const {
  std::vector<const Party*> out;
  for (const auto& p : parties) {
    if (p.role == r) out.push_back(&p);
  }
  return out;
}

std::vector<IpAddress> LabPlan::addresses() const {
  std::vector<IpAddress> out;
  for (const auto& p : parties) out.push_back(p.endpoint.address);
  return out;
}

std::string LabPlan::http_announce_url() const {
  const auto* t = find("opentracker");
  return t ? "http://" + t->endpoint.to_string() + "/announce" : std::string();
}

std::string LabPlan::udp_announce_url() const {
  const auto* t = find("opentracker");
  return t ? "udp://" + t->endpoint.to_string() + "/announce" : std::string();
}

}  // namespace p2pscope::lab
