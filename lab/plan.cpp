#include "lab/plan.hpp"

#include "core/special_ranges.hpp"

#include <algorithm>
#include <random>
#include <set>

namespace p2pscope::lab {
namespace {

// First octets of ordinary unicast space, spread over registries, so that
// /24 and /8 statistics in the lab look like a real swarm's. None is in
// libtorrent's dht_ignore_dark_internet list.
constexpr std::uint8_t kFirstOctets[] = {23, 31, 37, 45, 62, 77, 81, 93, 109, 151, 176, 188, 193, 212};
// Public-looking /8s the lab never announces: addresses there are unroutable
// by the lab's routability data alone.
constexpr std::uint8_t kUnannouncedOctets[] = {41, 102, 154, 196, 197};
// Special-purpose networks (first three octets' worth) for unroutable entries.
constexpr std::uint32_t kSpecialNets[] = {0x0a000000, 0xc0a80000, 0x64400000, 0xc6120000, 0xf0000000};
constexpr int kClientAddresses = 8;
// First 16 bits of IPv6 space the lab takes its /48s from: RIR blocks
// (APNIC, ARIN, LACNIC, RIPE, AFRINIC) in 2000::/3, none special-purpose.
constexpr std::uint16_t kFirstHextets[] = {0x2400, 0x2600, 0x2800, 0x2a00, 0x2a01, 0x2a02, 0x2c0f};

class Allocator {
 public:
  explicit Allocator(std::uint64_t seed) : rng_(seed) {}

  std::uint32_t pick(std::uint32_t n) { return static_cast<std::uint32_t>(rng_() % n); }

  // A fresh /24 (as its network address) that no other party uses.
  std::uint32_t next_net() {
    for (;;) {
      std::uint32_t first = kFirstOctets[pick(std::size(kFirstOctets))];
      std::uint32_t net = first << 24 | pick(0xffff) << 8;
      if (!is_bogon(IpAddress::v4(net | 1)) && used_24s_.insert(net).second) return net;
    }
  }
  IpAddress next() { return IpAddress::v4(next_net() | (1 + pick(254))); }

  // Two fresh addresses, each the byte-reversal of the other, both public.
  std::pair<IpAddress, IpAddress> mirrored() {
    for (;;) {
      std::uint32_t first = kFirstOctets[pick(std::size(kFirstOctets))];
      std::uint32_t last = kFirstOctets[pick(std::size(kFirstOctets))];
      auto a = IpAddress::v4(first << 24 | pick(0xffff) << 8 | last);
      auto b = reverse_v4(a);
      auto na = a.v4_value() & ~0xffu, nb = b.v4_value() & ~0xffu;
      if (na == nb || is_bogon(a) || is_bogon(b) || used_24s_.count(na) || used_24s_.count(nb)) continue;
      used_24s_.insert(na);
      used_24s_.insert(nb);
      return {a, b};
    }
  }

  // An IPv6 address in a fresh /48 that no other party uses.
  IpAddress next6() {
    for (;;) {
      IpAddress::V6Bytes b{};
      auto put = [&](int at, std::uint32_t hextet) {
        b[static_cast<std::size_t>(at * 2)] = static_cast<std::uint8_t>(hextet >> 8);
        b[static_cast<std::size_t>(at * 2 + 1)] = static_cast<std::uint8_t>(hextet);
      };
      put(0, kFirstHextets[pick(std::size(kFirstHextets))]);
      put(1, pick(0x10000));
      put(2, pick(0x10000));
      put(7, 1 + pick(0xfffe));
      auto ip = IpAddress::v6(b);
      if (!is_bogon(ip) && used_48s_.insert(std::string(ip.raw().substr(0, 6))).second) return ip;
    }
  }

  IpAddress unroutable(int i) {
    if (i % 2 == 0) {
      auto net = kSpecialNets[(i / 2) % std::size(kSpecialNets)];
      return IpAddress::v4(net | pick(0xffff) << 8 | (1 + pick(254)));
    }
    std::uint32_t first = kUnannouncedOctets[pick(std::size(kUnannouncedOctets))];
    return IpAddress::v4(first << 24 | pick(0xffff) << 8 | (1 + pick(254)));
  }

 private:
  std::mt19937_64 rng_;
  std::set<std::uint32_t> used_24s_;
  std::set<std::string> used_48s_;
};

void add(LabPlan& plan, Role role, Impl impl, std::string name, IpAddress ip, std::uint16_t port) {
  Party p{.role = role, .impl = impl, .name = std::move(name), .endpoint = {ip, port}, .v6 = std::nullopt};
  plan.parties.push_back(std::move(p));
}

std::string numbered(std::string_view prefix, int i) { return std::string(prefix) + std::to_string(i); }

void add_lite_peers(LabPlan& plan, Allocator& alloc) {
  const auto& s = plan.scenario;
  int n = 0;
  auto lite = [&](IpAddress ip) {
    add(plan, Role::leecher, Impl::lab_actor, numbered("lite-", n), ip, kLitePeerPort);
    plan.parties.back().lite_seed = n % 4 == 0;  // a quarter of them claim every piece
    ++n;
  };
  for (int i = 0; i < s.mirrored_pairs && n + 2 <= s.lite_peers; ++i) {
    auto [a, b] = alloc.mirrored();
    lite(a);
    lite(b);
  }
  while (n < s.lite_peers) lite(alloc.next());
}

void add_farms(LabPlan& plan, Allocator& alloc) {
  const auto& s = plan.scenario;
  for (int f = 0; f < s.anti_p2p_farms; ++f) {
    auto net = alloc.next_net();
    for (int i = 0; i < s.anti_p2p_per_farm; ++i) {
      add(plan, Role::anti_p2p, Impl::lab_actor, "anti-p2p-" + std::to_string(f) + "-" + std::to_string(i),
          IpAddress::v4(net | (10 + i)), kLitePeerPort);
      plan.parties.back().farm = f;
      plan.parties.back().utp_only = f == 0 && i >= s.anti_p2p_per_farm - s.anti_p2p_utp_only;
    }
    for (int i = 0; i < s.anti_p2p_fakes; ++i) {
      add(plan, Role::anti_p2p_fake, Impl::none, "fake-" + std::to_string(f) + "-" + std::to_string(i),
          IpAddress::v4(net | (100 + i % 150)), static_cast<std::uint16_t>(kPeerPort + i / 150));
      plan.parties.back().farm = f;
      plan.parties.back().on_lo = false;
    }
  }
}

void add_bogus(LabPlan& plan, Allocator& alloc) {
  const auto& s = plan.scenario;
  for (int i = 0; i < s.bogus_unroutable; ++i) {
    add(plan, Role::bogus_unroutable, Impl::none, numbered("unroutable-", i), alloc.unroutable(i), kPeerPort);
    plan.parties.back().on_lo = false;
  }
  for (int i = 0; i < s.bogus_dead; ++i)
    add(plan, Role::bogus_dead, Impl::none, numbered("dead-", i), alloc.next(), kPeerPort);
  for (int i = 0; i < s.bogus_open_port; ++i)
    add(plan, Role::bogus_open_port, Impl::lab_actor, numbered("open-port-", i), alloc.next(), kPeerPort);
}

// The eMule side: servers, real and scripted peers, the defect actors, the
// farm (one /24), KAD nodes.
void add_emule(LabPlan& plan, Allocator& alloc) {
  const auto& s = plan.scenario;
  for (int i = 0; i < s.ed2k_servers; ++i) {
    add(plan, Role::ed2k_server, Impl::lab_actor, numbered("ed2k-server-", i), alloc.next(), kEd2kServerPort);
    plan.parties.back().variant = i < s.poisoned_ed2k_servers ? 1 : 0;
  }
  for (int i = 0; i < s.amule_seeders; ++i) {
    add(plan, Role::emule_peer, Impl::amule, numbered("amule-seed-", i), alloc.next(), kEmulePort);
    plan.parties.back().lite_seed = true;
  }
  for (int i = 0; i < s.amule_downloaders; ++i)
    add(plan, Role::emule_peer, Impl::amule, numbered("amule-dl-", i), alloc.next(), kEmulePort);
  for (int i = 0; i < s.emule_peers; ++i) {
    add(plan, Role::emule_peer, Impl::lab_actor, numbered("emule-", i), alloc.next(), kEmulePort);
    plan.parties.back().variant = i % 2;
  }
  for (int i = 0; i < s.emule_byte_order_peers; ++i) {
    add(plan, Role::emule_byte_order, Impl::lab_actor, numbered("emule-byte-order-", i), alloc.next(), kEmulePort);
    plan.parties.back().variant = i % kEmuleDefects;
  }
  if (s.emule_anti_p2p + s.emule_anti_p2p_fakes > 0) {
    auto net = alloc.next_net();
    for (int i = 0; i < s.emule_anti_p2p; ++i) {
      add(plan, Role::emule_anti_p2p, Impl::lab_actor, numbered("emule-anti-p2p-", i), IpAddress::v4(net | (10 + i % 90)),
          static_cast<std::uint16_t>(kEmulePort + i / 90));
      plan.parties.back().farm = 0;
    }
    for (int i = 0; i < s.emule_anti_p2p_fakes; ++i) {
      add(plan, Role::emule_fake, Impl::none, numbered("emule-fake-", i), IpAddress::v4(net | (100 + i)), kEmulePort);
      plan.parties.back().farm = 0;
      plan.parties.back().on_lo = false;
    }
  }
  for (int i = 0; i < s.kad_nodes; ++i)
    add(plan, Role::kad_node, Impl::lab_actor, numbered("kad-", i), alloc.next(), kKadNodePort);
}

// Bogus DHT nodes, after everything else so that scenarios without them keep
// their addresses.
void add_bogus_dht(LabPlan& plan, Allocator& alloc) {
  const auto& s = plan.scenario;
  for (int i = 0; i < s.dht_fake_values; ++i) {
    add(plan, Role::dht_fake_values, Impl::lab_actor, numbered("dht-fake-values-", i), alloc.next(), kDhtNodePort);
    plan.parties.back().variant = i % s.torrents;
  }
  for (int i = 0; i < s.dht_phantom; ++i) {
    add(plan, Role::dht_phantom, Impl::lab_actor, numbered("dht-phantom-", i), alloc.next(), kDhtNodePort);
    plan.parties.back().group = i;
    plan.parties.back().variant = i % s.torrents;
    for (int j = 0; j < kPhantomNeighbours; ++j) {
      add(plan, Role::dht_phantom_neighbour, Impl::none, numbered("dht-phantom-" + std::to_string(i) + "-", j),
          alloc.next(), kDhtNodePort);
      plan.parties.back().group = i;
      plan.parties.back().on_lo = false;
    }
  }
  for (int h = 0; h < s.dht_sybil_hosts; ++h) {
    auto ip = alloc.next();
    for (int i = 0; i < s.dht_sybil_ids; ++i) {
      add(plan, Role::dht_sybil, Impl::lab_actor, numbered("dht-sybil-" + std::to_string(h) + "-", i), ip,
          static_cast<std::uint16_t>(kDhtNodePort + i));
      plan.parties.back().group = h;
      plan.parties.back().variant = h % s.torrents;
    }
  }
  for (int t = 0; t < s.torrents && s.dht_sybil_near > 0; ++t) {
    for (int i = 0; i < s.dht_sybil_near; ++i) {
      add(plan, Role::dht_sybil_near, Impl::lab_actor, numbered("dht-near-" + std::to_string(t) + "-", i),
          alloc.next(), kDhtNodePort);
      plan.parties.back().variant = t;
    }
  }
}

// The IPv6 anti-P2P farm: one /64 (a server's, as hosters hand them out)
// holding its members at ::10 up and its fakes at ::100 up, so the farm
// clusters as the IPv4 farms' /24s do.
void add_farm6(LabPlan& plan, const IpAddress& base) {
  const auto& s = plan.scenario;
  auto at = [&](int low) {
    IpAddress::V6Bytes b{};
    std::copy_n(base.data(), b.size(), b.begin());
    b[14] = static_cast<std::uint8_t>(low >> 8);
    b[15] = static_cast<std::uint8_t>(low);
    return IpAddress::v6(b);
  };
  const int farm = s.anti_p2p_farms;
  for (int i = 0; i < s.anti_p2p_v6_members; ++i) {
    add(plan, Role::anti_p2p, Impl::lab_actor, numbered("anti-p2p6-", i), at(0x10 + i), kLitePeerPort);
    plan.parties.back().farm = farm;
  }
  for (int i = 0; i < s.anti_p2p_v6_fakes; ++i) {
    add(plan, Role::anti_p2p_fake, Impl::none, numbered("fake6-", i), at(0x100 + i), kPeerPort);
    plan.parties.back().farm = farm;
    plan.parties.back().on_lo = false;
  }
}

// IPv6 (issue 26), after everything else so that scenarios without it keep
// their addresses: dual-stack trackers and clients, IPv6-only lite peers and
// byte-order actors (by turns, each kind of V6Reversal), the IPv6 farm, and
// IPv6-only libtorrent leechers.
void add_ipv6(LabPlan& plan, Allocator& alloc) {
  const auto& s = plan.scenario;
  if (!s.has_ipv6()) return;
  for (auto& p : plan.parties) {
    if ((p.role == Role::tracker && p.impl == Impl::lab_actor) || p.role == Role::client) p.v6 = alloc.next6();
  }
  for (int i = 0; i < s.lite_peers_v6; ++i) {
    add(plan, Role::leecher, Impl::lab_actor, numbered("lite6-", i), alloc.next6(), kLitePeerPort);
    plan.parties.back().lite_seed = i % 4 == 0;
  }
  for (int i = 0; i < s.dht_nodes_v6; ++i)
    add(plan, Role::dht_node, Impl::lab_actor, numbered("dht6-", i), alloc.next6(), kDhtNodePort);
  for (int i = 0; i < s.byte_order_v6_peers; ++i) {
    add(plan, Role::byte_order, Impl::lab_actor, numbered("byte-order6-", i), alloc.next6(), kLitePeerPort);
    plan.parties.back().variant = i % 2;
  }
  if (s.anti_p2p_v6_members > 0) add_farm6(plan, alloc.next6());
  // Each on a port of its own: two libtorrent sessions that dial each other
  // at once keep one connection by comparing listen ports, and on equal
  // ports each side drops one at random, so both may go; libtorrent then
  // waits min_reconnect_time (60 s) before trying again. An IPv6-only
  // leecher with no other peer sends no ut_pex at all (libtorrent's
  // ut_pex sends nothing while the torrent has one peer), and the crawl
  // would hear nothing from it.
  for (int i = 0; i < s.libtorrent_v6_leechers; ++i)
    add(plan, Role::leecher, Impl::libtorrent, numbered("leecher6-", i), alloc.next6(),
        static_cast<std::uint16_t>(kPeerPort + 1 + i));
}

}  // namespace

IpAddress reversed(V6Reversal how, const IpAddress& a) noexcept {
  return how == V6Reversal::whole ? reverse_v6_whole(a) : reverse_v6_words(a);
}

std::string_view to_string(V6Reversal how) noexcept { return how == V6Reversal::whole ? "whole" : "words"; }

std::string_view to_string(Role r) noexcept { return name_of(r); }

bool bogus_dht_role(Role r) noexcept {
  return r == Role::dht_fake_values || r == Role::dht_phantom || r == Role::dht_sybil || r == Role::dht_sybil_near;
}

std::vector<Endpoint> fake_values_of(const LabPlan& plan, const Party& node) {
  auto honest = plan.with_role(Role::dht_node);
  std::erase_if(honest, [](const Party* p) { return p->endpoint.address.is_v6(); });  // it answers IPv4 queries
  std::vector<Endpoint> out;
  if (honest.empty()) return out;
  std::size_t index = 0;
  for (const auto* p : plan.with_role(Role::dht_fake_values)) {
    if (p == &node) break;
    ++index;
  }
  for (std::size_t j = 0; j < 8 && j < honest.size(); ++j) out.push_back(honest[(index * 8 + j) % honest.size()]->endpoint);
  return out;
}

std::vector<Endpoint> phantom_neighbours_of(const LabPlan& plan, const Party& node) {
  std::vector<Endpoint> out;
  for (const auto* p : plan.with_role(Role::dht_phantom_neighbour)) {
    if (p->group == node.group) out.push_back(p->endpoint);
  }
  return out;
}

std::vector<Endpoint> byte_order_known(const LabPlan& plan, const Party& actor) {
  bool v6 = actor.endpoint.address.is_v6();
  std::vector<Endpoint> all;
  auto take = [&](const Party* p) {
    if (p->endpoint != actor.endpoint && p->endpoint.address.is_v6() == v6) all.push_back(p->endpoint);
  };
  for (const auto* p : plan.announcing_peers()) take(p);
  for (auto r : {Role::bogus_unroutable, Role::bogus_dead, Role::bogus_open_port, Role::anti_p2p_fake})
    for (const auto* p : plan.with_role(r)) take(p);
  auto n = static_cast<std::size_t>(std::max(plan.scenario.byte_order_neighbours, 0));
  if (n == 0 || all.size() <= n) return all;
  // A partial Fisher-Yates with the engine's own draws: the same list in
  // every process and build (std::shuffle's algorithm is the library's).
  std::uint64_t h = plan.scenario.seed * 0x9E3779B97F4A7C15ull;
  for (unsigned char c : actor.name) h = (h ^ c) * 0x100000001B3ull;  // FNV-1a over the actor's name
  std::mt19937_64 rng(h);
  for (std::size_t i = 0; i < n; ++i) std::swap(all[i], all[i + rng() % (all.size() - i)]);
  all.resize(n);
  // A propagator dials every peer it learns, so it may connect to the actor
  // whether drawn or not, and the actor lists whoever it is connected to.
  for (const auto* p : plan.with_role(Role::propagator))
    if (p->endpoint.address.is_v6() == v6 && std::find(all.begin(), all.end(), p->endpoint) == all.end())
      all.push_back(p->endpoint);
  return all;
}

const Party* farm_head(const LabPlan& plan, int farm) {
  for (const auto& p : plan.parties)
    if (p.role == Role::anti_p2p && p.farm == farm) return &p;
  return nullptr;
}

bool emule_role(Role r) noexcept { return r >= Role::ed2k_server; }

std::string_view to_string(EmuleDefect d) noexcept {
  switch (d) {
    case EmuleDefect::ed2k_in_v3: return "ed2k_in_v3";
    case EmuleDefect::hybrid_in_v2: return "hybrid_in_v2";
    case EmuleDefect::v4_stored_raw: return "v4_stored_raw";
  }
  return "?";
}

std::string_view to_string(Impl i) noexcept { return name_of(i); }

LabPlan make_plan(const Scenario& s) {
  LabPlan plan;
  plan.scenario = s;
  Allocator alloc(s.seed);
  if (s.opentracker) add(plan, Role::tracker, Impl::opentracker, "opentracker", alloc.next(), kTrackerPort);
  for (int i = 0; i < s.lab_trackers; ++i)
    add(plan, Role::tracker, Impl::lab_actor, numbered("lab-tracker-", i), alloc.next(), kTrackerPort);
  for (int i = 0; i < s.seeds; ++i) add(plan, Role::seed, Impl::libtorrent, numbered("seed-", i), alloc.next(), kPeerPort);
  for (int i = 0; i < s.leechers; ++i) {
    add(plan, Role::leecher, Impl::libtorrent, numbered("leecher-", i), alloc.next(), kPeerPort);
    plan.parties.back().utp_only = i < s.utp_only_leechers;
  }
  add_lite_peers(plan, alloc);
  add_farms(plan, alloc);
  for (int i = 0; i < s.byte_order_peers; ++i) {
    add(plan, Role::byte_order, Impl::lab_actor, numbered("byte-order-", i), alloc.next(), kLitePeerPort);
    plan.parties.back().utp_only = i >= s.byte_order_peers - s.byte_order_utp_only;
  }
  for (int i = 0; i < s.propagators; ++i)
    add(plan, Role::propagator, Impl::lab_actor, numbered("propagator-", i), alloc.next(), kLitePeerPort);
  add_bogus(plan, alloc);
  for (int i = 0; i < kClientAddresses; ++i) add(plan, Role::client, Impl::none, numbered("client-", i), alloc.next(), 0);
  for (int i = 0; i < s.dht_nodes; ++i)
    add(plan, Role::dht_node, Impl::lab_actor, numbered("dht-", i), alloc.next(), kDhtNodePort);
  add_emule(plan, alloc);
  add_bogus_dht(plan, alloc);
  add_ipv6(plan, alloc);
  return plan;
}

std::vector<IpAddress> LabPlan::client_addresses() const {
  std::vector<IpAddress> out;
  for (const auto* p : with_role(Role::client)) out.push_back(p->endpoint.address);
  return out;
}

std::vector<IpAddress> LabPlan::client_addresses6() const {
  std::vector<IpAddress> out;
  for (const auto* p : with_role(Role::client)) {
    if (p->v6) out.push_back(*p->v6);
  }
  return out;
}

std::vector<std::string> LabPlan::client_bind_flags(std::size_t i) const {
  std::vector<std::string> out{"--bind", client_addresses().at(i).to_string()};
  auto six = client_addresses6();
  if (i < six.size()) out.insert(out.end(), {"--bind6", six[i].to_string()});
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
  std::set<IpAddress> seen;  // a horizontal Sybil host holds several parties
  for (const auto& p : parties) {
    if (p.on_lo && seen.insert(p.endpoint.address).second) out.push_back(p.endpoint.address);
    if (p.on_lo && p.v6 && seen.insert(*p.v6).second) out.push_back(*p.v6);
  }
  return out;
}

std::vector<std::string> LabPlan::tracker_urls() const {
  std::vector<std::string> out;
  for (const auto* t : with_role(Role::tracker)) {
    for (const auto& ep : t->endpoints()) {
      out.push_back("http://" + ep.to_string() + "/announce");
      out.push_back("udp://" + ep.to_string() + "/announce");
    }
  }
  return out;
}

std::vector<const Party*> LabPlan::announcing_peers() const {
  std::vector<const Party*> out;
  for (const auto& p : parties) {
    switch (p.role) {
      case Role::seed: case Role::leecher: case Role::anti_p2p: case Role::byte_order: case Role::propagator:
        out.push_back(&p);
        break;
      default: break;
    }
  }
  return out;
}

bool LabPlan::poisoned(const Party& tracker) const {
  if (tracker.role != Role::tracker || tracker.impl != Impl::lab_actor) return false;
  for (int i = 0; i < scenario.poisoned_trackers; ++i) {
    if (tracker.name == numbered("lab-tracker-", i)) return true;
  }
  return false;
}

}  // namespace p2pscope::lab
