#include "taint-harness/plan.hpp"

#include "core/special_ranges.hpp"

#include <algorithm>
#include <random>
#include <set>
#include <string>

namespace p2pscope::harness {
namespace {

// libtorrent's dht_ignore_dark_internet drops these /8s (libtorrent 2.0,
// src/kademlia/dht_tracker.cpp); Transmission rejects 127/8.
constexpr std::uint8_t kDarkOctets[] = {3, 6, 7, 9, 11, 19, 21, 22, 25, 26, 28, 29, 30, 33, 34, 48, 56, 127};

bool octet_ok(std::uint8_t o) {
  return o >= 1 && o <= 223 && std::find(std::begin(kDarkOctets), std::end(kDarkOctets), o) == std::end(kDarkOctets);
}

std::uint32_t prefix24(const IpAddress& a) { return a.v4_value() >> 8; }

class Picker {
 public:
  explicit Picker(std::uint64_t seed) : rng_(seed) {}

  // A public-looking IPv6 address in a /48 of its own, outside every
  // special-purpose range (first hextets as the lab's, lab/plan.cpp). Unlike
  // the lab's readable ones (2a01:x:y::z), every byte after the first two is
  // drawn: an IPv6 peer read as three IPv4 ones must give three distinct
  // addresses, and ::z would read as 0.0.0.0:0 for every peer.
  IpAddress next6() {
    static constexpr std::uint16_t kTop[] = {0x2400, 0x2600, 0x2800, 0x2a00, 0x2a01, 0x2a02, 0x2c0f};
    for (;;) {
      std::array<std::uint8_t, 16> b{};
      auto top = kTop[rng_() % std::size(kTop)];
      b[0] = static_cast<std::uint8_t>(top >> 8);
      b[1] = static_cast<std::uint8_t>(top);
      for (std::size_t i = 2; i < 16; ++i) b[i] = static_cast<std::uint8_t>(rng_());
      auto a = IpAddress::v6(b);
      if (classify(a) != nullptr || !taken6_.insert(std::string(a.raw().substr(0, 6))).second) continue;
      return a;
    }
  }

  Endpoint next() {
    for (;;) {
      auto v = static_cast<std::uint32_t>(rng_());
      auto a = IpAddress::v4(v);
      if (!harness_address_ok(a) || taken_.count(prefix24(a)) || taken_.count(prefix24(reverse_v4(a)))) continue;
      taken_.insert(prefix24(a));
      taken_.insert(prefix24(reverse_v4(a)));
      return {a, port()};
    }
  }

  // A port not used before, whose byte swap is not used either.
  std::uint16_t port() {
    for (;;) {
      auto p = static_cast<std::uint16_t>(10000 + rng_() % 50000);
      if (reverse_port(p) != p && ports_.insert(p).second && ports_.insert(reverse_port(p)).second) return p;
    }
  }

 private:
  std::mt19937_64 rng_;
  std::set<std::uint32_t> taken_;
  std::set<std::string> taken6_;  // /48s
  std::set<std::uint16_t> ports_;
};

}  // namespace

std::string_view to_string(Network n) noexcept { return name_of(n); }

std::string_view to_string(Route r) noexcept { return name_of(r); }

std::string_view to_string(Hubs h) noexcept { return name_of(h); }

std::string_view to_string(FedKind k) noexcept { return name_of(k); }

bool harness_address_ok(const IpAddress& a) noexcept {
  if (!a.is_v4()) return false;
  auto r = reverse_v4(a);
  if (r == a) return false;
  const auto* b = a.data();
  return octet_ok(b[0]) && octet_ok(b[3]) && b[1] != 0 && b[2] != 0 && classify(a) == nullptr &&
         classify(r) == nullptr;
}

HarnessPlan make_plan(const PlanOptions& opt) {
  Picker pick(opt.seed);
  HarnessPlan plan;
  plan.client = pick.next();
  plan.tracker = pick.next();
  for (std::size_t i = 0; i < opt.hubs; ++i) plan.fed.push_back({pick.next(), Route::tracker, FedKind::bittorrent, true});
  for (std::size_t i = 0; i < opt.dht_only; ++i) plan.dht_only.push_back(pick.next());
  for (auto route : {Route::tracker, Route::pex, Route::dht}) {
    for (auto kind : {FedKind::bittorrent, FedKind::open_port, FedKind::unreachable}) {
      for (std::size_t i = 0; i < opt.per_kind_per_route; ++i) plan.fed.push_back({pick.next(), route, kind, false});
    }
  }
  plan.prober = pick.next();  // last, so that a seed's other addresses stay what they were
  if (opt.ipv6) {
    plan.client6 = pick.next6();
    plan.tracker6 = pick.next6();
    for (auto route : {Route::tracker, Route::pex, Route::dht}) {
      for (auto kind : {FedKind::bittorrent, FedKind::open_port, FedKind::unreachable}) {
        for (std::size_t i = 0; i < opt.per_kind_per_route; ++i)
          plan.fed.push_back({{pick.next6(), pick.port()}, route, kind, false});
      }
    }
    for (std::size_t i = 0; i < opt.dht_only6; ++i) plan.dht_only.push_back({pick.next6(), pick.port()});
  }
  plan.spare_port = pick.port();  // every other pick of a seed stays what it was
  if (opt.partner) {
    plan.partner = Endpoint{pick.next().address, kPartnerPort};
    if (opt.ipv6) plan.partner6 = pick.next6();
  }
  return plan;
}

HarnessPlan make_emule_plan(const PlanOptions& opt) {
  Picker pick(opt.seed);
  HarnessPlan plan;
  plan.network = Network::emule;
  plan.client = pick.next();
  plan.tracker = pick.next();
  for (std::uint8_t v = 1; v <= 4; ++v) plan.fed.push_back({pick.next(), Route::server, FedKind::emule, true, v});
  for (auto kind : {FedKind::emule, FedKind::open_port, FedKind::unreachable})
    plan.fed.push_back({pick.next(), Route::server, kind, false});
  // Two per hub keep the client's source count at or under aMule's "very
  // rare file" mark (10) while it asks the hubs, so it asks every one.
  for (std::uint8_t v = 1; v <= 4; ++v) {
    plan.fed.push_back({pick.next(), Route::sx, FedKind::emule, false, v});
    plan.fed.push_back({pick.next(), Route::sx, v % 2 ? FedKind::open_port : FedKind::unreachable, false, v});
  }
  plan.seeder = pick.next();
  for (std::size_t i = 0; i < kEmuleAskRounds * 4; ++i) plan.askers.push_back(pick.next());
  plan.prober = pick.next();
  return plan;
}

std::vector<Route> HarnessPlan::routes() const {
  if (network == Network::emule) return {Route::server, Route::sx};
  return {Route::pex, Route::dht, Route::dht_node, Route::tracker};
}

std::vector<FedPeer> HarnessPlan::hubs() const {
  std::vector<FedPeer> out;
  std::copy_if(fed.begin(), fed.end(), std::back_inserter(out), [](const FedPeer& p) { return p.hub; });
  return out;
}

std::vector<FedPeer> HarnessPlan::fed_by(Route r) const {
  std::vector<FedPeer> out;
  std::copy_if(fed.begin(), fed.end(), std::back_inserter(out), [r](const FedPeer& p) { return p.route == r; });
  return out;
}

std::vector<Endpoint> HarnessPlan::dht_nodes() const {
  std::vector<Endpoint> out;
  if (network == Network::emule) return out;
  for (const auto& h : hubs()) out.push_back(h.endpoint);
  out.insert(out.end(), dht_only.begin(), dht_only.end());
  return out;
}

std::vector<Endpoint> HarnessPlan::client_endpoints() const {
  std::vector<Endpoint> out{client};
  if (client6) out.push_back({*client6, client.port});
  return out;
}

std::vector<Endpoint> HarnessPlan::partner_endpoints() const {
  std::vector<Endpoint> out;
  if (!partner) return out;
  out.push_back(*partner);
  if (partner6) out.push_back({*partner6, partner->port});
  return out;
}

std::vector<IpAddress> HarnessPlan::local_addresses() const {
  std::vector<IpAddress> out{client.address, tracker.address, prober.address};
  for (const auto* a : {&client6, &tracker6}) {
    if (*a) out.push_back(**a);
  }
  if (seeder) out.push_back(seeder->address);
  if (partner) out.push_back(partner->address);
  if (partner6) out.push_back(*partner6);
  for (const auto& a : askers) out.push_back(a.address);
  for (const auto& n : dht_only) out.push_back(n.address);
  for (const auto& p : fed) {
    if (p.kind != FedKind::unreachable) out.push_back(p.endpoint.address);
  }
  return out;
}

}  // namespace p2pscope::harness
