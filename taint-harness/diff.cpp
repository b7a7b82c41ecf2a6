#include "taint-harness/diff.hpp"

#include "core/compact.hpp"
#include "core/ed2k.hpp"
#include "core/special_ranges.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace p2pscope::harness {
namespace {

// What the client gave out, by route, from the capture.
std::map<Route, std::set<Endpoint>> outgoing(const Capture& c) {
  std::map<Route, std::set<Endpoint>> out;
  for (const auto& a : c.sx) out[Route::sx].insert(a.sources.begin(), a.sources.end());
  // An offer names the client by the self markers (the ID and port it
  // logged in with) or by an ID and port of its own choosing.
  for (const auto& o : c.offers) {
    bool self = o.id == 0xFBFBFBFBu || o.id == 0xFCFCFCFCu;
    auto id = self ? o.login_id : o.id;
    if (ed2k::is_low_id(id)) continue;
    out[Route::server].insert({ed2k::ip_of_ed2k_id(id), self ? o.login_port : o.port});
  }
  for (const auto* list : {&c.pex, &c.partner_pex}) {
    for (const auto& p : *list)
      for (const auto& a : p.added) out[Route::pex].insert(a.endpoint);
  }
  for (const auto& d : c.dht) {
    out[Route::dht].insert(d.values.begin(), d.values.end());
    out[Route::dht_node].insert(d.nodes.begin(), d.nodes.end());
  }
  // An announce lists the client at its "ip" (when sent) or at its source
  // address, with the announced port; ipv4= and ipv6= are more addresses.
  for (const auto& a : c.announces) {
    auto at = a.ip ? IpAddress::parse(*a.ip) : Result<IpAddress>(a.from);
    if (at) out[Route::tracker].insert({at.value(), a.port});
    for (const auto* extra : {&a.ipv4, &a.ipv6}) {
      if (!*extra) continue;
      // "ipv4=1.2.3.4" or "ipv4=1.2.3.4:6881" (BEP 7 allows both).
      if (auto ep = Endpoint::parse(**extra)) out[Route::tracker].insert(ep.value());
      else if (auto ip = IpAddress::parse(**extra)) out[Route::tracker].insert({ip.value(), a.port});
    }
  }
  return out;
}

// The three IPv4 peers an IPv6 compact peer (18 bytes) reads as with the
// IPv4 stride (6 bytes).
std::vector<Endpoint> read_as_ipv4(const Endpoint& v6) {
  auto r = decode_compact_peers(encode_compact_peer(v6), Family::v4, 3);
  return r ? r.value() : std::vector<Endpoint>{};
}

std::optional<std::pair<Endpoint, ByteOrder>> explain(const Endpoint& o, const std::set<Endpoint>& incoming) {
  for (const auto& i : incoming) {
    if (i.address.is_v6() && o.address.is_v4()) {
      auto three = read_as_ipv4(i);
      if (std::find(three.begin(), three.end(), o) != three.end()) return std::pair{i, ByteOrder::ipv6_read_as_ipv4};
    }
    if (i.address.family() != o.address.family()) continue;
    bool reversed = (o.address.is_v4() ? reverse_v4(i.address) : reverse_v6_whole(i.address)) == o.address;
    if (o.address.is_v6() && reverse_v6_words(i.address) == o.address && o.port == i.port)
      return std::pair{i, ByteOrder::ipv6_words_swapped};
    if (reversed && o.port == i.port) return std::pair{i, ByteOrder::address_reversed};
    if (reversed && o.port == reverse_port(i.port)) return std::pair{i, ByteOrder::both};
    if (i.address == o.address && o.port == reverse_port(i.port)) return std::pair{i, ByteOrder::port_swapped};
  }
  return std::nullopt;
}

std::vector<KindRow> kinds(const HarnessPlan& plan, const Capture& c, const std::set<Endpoint>& advertised) {
  const auto first = plan.network == Network::emule ? FedKind::emule : FedKind::bittorrent;
  std::set<Endpoint> contacted, handshaken;
  for (const auto& k : c.contacts) {
    contacted.insert(k.at);
    if (k.handshake) handshaken.insert(k.at);
  }
  std::vector<KindRow> rows;
  for (auto kind : {first, FedKind::open_port, FedKind::unreachable}) {
    KindRow r;
    r.kind = kind;
    for (const auto& p : plan.fed) {
      if (p.hub || p.kind != kind) continue;
      ++r.fed;
      r.contacted += contacted.count(p.endpoint);
      r.handshaken += handshaken.count(p.endpoint);
      r.advertised += advertised.count(p.endpoint);
    }
    rows.push_back(r);
  }
  return rows;
}

Policy policy_of(const std::vector<KindRow>& rows) {
  auto advertised = [&](FedKind k) {
    return std::any_of(rows.begin(), rows.end(), [k](const KindRow& r) { return r.kind == k && r.advertised > 0; });
  };
  if (advertised(FedKind::unreachable)) return Policy::unchecked;
  if (advertised(FedKind::open_port)) return Policy::after_connect;
  if (advertised(FedKind::bittorrent) || advertised(FedKind::emule)) return Policy::after_handshake;
  return Policy::none_observed;
}

}  // namespace

std::string_view to_string(ByteOrder b) noexcept { return name_of(b); }

std::string_view to_string(Policy p) noexcept { return name_of(p); }

Diff diff(const HarnessPlan& plan, const Capture& capture) {
  auto own = plan.client_endpoints();
  std::set<Endpoint> incoming(own.begin(), own.end());
  std::map<Route, std::set<Endpoint>> fed_by;
  // The seeder is listed by the server; askers claim their ports in their hellos.
  if (plan.seeder) {
    incoming.insert(*plan.seeder);
    fed_by[Route::server].insert(*plan.seeder);
  }
  incoming.insert(plan.askers.begin(), plan.askers.end());
  // The partner announces to our tracker, which lists it to the client.
  for (const auto& p : plan.partner_endpoints()) {
    incoming.insert(p);
    fed_by[Route::tracker].insert(p);
  }
  for (const auto& p : plan.fed) {
    incoming.insert(p.endpoint);
    fed_by[p.route].insert(p.endpoint);
  }
  // Our DHT nodes announce themselves to the client's at their own ip:port,
  // and are the only DHT nodes the client can meet.
  for (const auto& n : plan.dht_nodes()) {
    incoming.insert(n);
    fed_by[Route::dht].insert(n);
    fed_by[Route::dht_node].insert(n);
  }

  Diff d;
  auto out = outgoing(capture);
  std::set<Endpoint> all_out, all_created;
  for (auto route : plan.routes()) {
    RouteRow row;
    row.route = route;
    row.incoming = fed_by[route].size();
    row.outgoing = out[route].size();
    for (const auto& o : out[route]) {
      d.outgoing.push_back({route, o});
      row.outgoing_unroutable += is_bogon(o.address);
      all_out.insert(o);
      if (incoming.count(o) || o.address == plan.prober.address) continue;
      all_created.insert(o);
      Created c;
      c.route = route;
      c.advertised = o;
      c.unroutable = is_bogon(o.address);
      if (auto why = explain(o, incoming)) {
        c.original = why->first;
        c.byte_order = why->second;
      }
      ++row.created;
      row.created_unroutable += c.unroutable;
      d.created.push_back(c);
    }
    d.routes.push_back(row);
  }
  d.all.incoming = incoming.size();
  d.all.outgoing = all_out.size();
  d.all.created = all_created.size();
  for (const auto& o : all_out) d.all.outgoing_unroutable += is_bogon(o.address);
  for (const auto& o : all_created) d.all.created_unroutable += is_bogon(o.address);
  d.kinds = kinds(plan, capture, out[plan.network == Network::emule ? Route::sx : Route::pex]);
  d.policy = policy_of(d.kinds);
  return d;
}

}  // namespace p2pscope::harness
