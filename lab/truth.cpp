#include "lab/truth.hpp"

#include <algorithm>
#include <map>

namespace p2pscope::lab {
namespace {

using json = nlohmann::json;

bool bogus_role(Role r) {
  switch (r) {
    case Role::anti_p2p: case Role::bogus_unroutable: case Role::bogus_dead: case Role::bogus_open_port:
    case Role::anti_p2p_fake: case Role::emule_anti_p2p: case Role::emule_fake:
      return true;
    default: return false;
  }
}

class Truth {
 public:
  explicit Truth(const TruthInputs& in) : in_(in) {
    for (const auto& p : in.plan.parties) {
      json a{{"ip", p.endpoint.address.to_string()}, {"role", to_string(p.role)}, {"name", p.name},
             {"implementation", to_string(p.impl)}, {"bogus", bogus_role(p.role)}};
      if (p.endpoint.port != 0) a["port"] = p.endpoint.port;
      if (p.farm >= 0) a["farm"] = p.farm;
      if (p.group >= 0) a["group"] = p.group;
      if (p.utp_only) a["carrier"] = "utp";
      if (emule_role(p.role)) a["network"] = "emule";
      if (p.role == Role::byte_order && p.endpoint.address.is_v6())
        a["reversal"] = to_string(static_cast<V6Reversal>(p.variant));
      std::optional<json> six;
      if (p.v6) {  // a dual-stack party: a row for each address
        a["dual_stack"] = true;
        six = a;
        (*six)["ip"] = p.v6->to_string();
      }
      add(p.endpoint, std::move(a));
      if (six) add({*p.v6, p.endpoint.port}, std::move(*six));
    }
  }

  // A new address (a byte-order reversal) is added as a row of `network`
  // ("" for BitTorrent).
  void introduce(const Endpoint& ep, std::string actor, std::string route, json extra = json::object(),
                 std::string_view network = "") {
    auto it = index_.find(ep);
    if (it == index_.end()) {
      json row{{"ip", ep.address.to_string()}, {"role", "byte_order_reversed"}, {"implementation", "none"},
               {"bogus", true}};
      if (!network.empty()) row["network"] = network;
      if (ep.port != 0) row["port"] = ep.port;
      add(ep, std::move(row));
      it = index_.find(ep);
    }
    extra["actor"] = std::move(actor);
    extra["route"] = std::move(route);
    auto& list = rows_[it->second]["introduced_by"];
    if (std::find(list.begin(), list.end(), extra) == list.end()) list.push_back(std::move(extra));
  }

  json* row(const Endpoint& ep) {
    auto it = index_.find(ep);
    return it == index_.end() ? nullptr : &rows_[it->second];
  }

  json finish() {
    for (auto& row : rows_) {
      auto ip = IpAddress::parse(row["ip"].get<std::string>()).value();
      const auto* a = announced(in_.announcements, ip);
      row["announced"] = a != nullptr;
      if (a) row["asn"] = a->asn;
    }
    return rows_;
  }

  std::vector<Endpoint> bogus_endpoints() const {
    std::vector<Endpoint> out;
    for (const auto& [ep, i] : index_) {
      if (rows_[i]["bogus"].get<bool>()) out.push_back(ep);
    }
    return out;
  }

 private:
  void add(const Endpoint& ep, json row) {
    index_.emplace(ep, rows_.size());
    rows_.push_back(std::move(row));
  }

  const TruthInputs& in_;
  json rows_ = json::array();
  std::map<Endpoint, std::size_t> index_;
};

void add_tracker_routes(Truth& t, const LabPlan& plan) {
  for (const auto* tr : plan.with_role(Role::tracker)) {
    if (!plan.poisoned(*tr)) continue;
    for (auto r : {Role::bogus_unroutable, Role::bogus_dead, Role::bogus_open_port}) {
      for (const auto* p : plan.with_role(r)) t.introduce(p->endpoint, tr->name, "tracker-reply");
    }
    // The farm heads plant their fakes through the announce "ip" field, or
    // for the IPv6 farm through BEP 7 "ipv6=" (BEP 15's field is IPv4 only).
    for (const auto* f : plan.with_role(Role::anti_p2p_fake)) {
      const auto* head = farm_head(plan, f->farm);
      auto route = f->endpoint.address.is_v6() ? "tracker-announce-ipv6" : "tracker-announce-ip";
      if (head) t.introduce(f->endpoint, head->name, route, {{"via", tr->name}});
    }
  }
}

void add_farm_routes(Truth& t, const LabPlan& plan) {
  auto farm_peers = plan.with_role(Role::anti_p2p);
  for (const auto* a : farm_peers) {
    t.introduce(a->endpoint, a->name, "tracker-announce");
    for (const auto* b : farm_peers) {
      if (a != b && a->farm == b->farm) t.introduce(b->endpoint, a->name, "pex");
    }
    for (const auto* f : plan.with_role(Role::anti_p2p_fake)) {
      if (f->farm == a->farm) t.introduce(f->endpoint, a->name, "pex");
    }
  }
}

// A byte-order actor reverses whatever it knows (byte_order_known: every
// announcing peer and whatever the poisoned trackers inject, or its share of
// them) and the lab's client addresses once a tool run from them connects.
void add_byte_order_routes(Truth& t, const LabPlan& plan) {
  // Tools choose their own ports: their reversals are listed with port 0,
  // which the file writes as "any port" (no "port" key).
  std::vector<Endpoint> clients;
  for (const auto& ip : plan.client_addresses()) clients.push_back({ip, 0});
  for (const auto& ip : plan.client_addresses6()) clients.push_back({ip, 0});
  for (const auto* b : plan.with_role(Role::byte_order)) {
    bool v6 = b->endpoint.address.is_v6();
    auto how = static_cast<V6Reversal>(b->variant);
    auto known = byte_order_known(plan, *b);
    // Each actor learns addresses of its own family only (trackers answer a
    // BEP 15 announce with the asker's family; nothing else dials across).
    for (const auto& ep : clients)
      if (ep.address.is_v6() == v6) known.push_back(ep);
    for (const auto& ep : known) {
      Endpoint rev{v6 ? reversed(how, ep.address) : reverse_v4(ep.address), ep.port};
      json extra{{"reverse_of", ep.port ? ep.to_string() : ep.address.to_string()}};
      if (v6) extra["reversal"] = to_string(how);
      t.introduce(rev, b->name, "pex", std::move(extra));
    }
  }
}

// A fake-values DHT node hands out honest DHT nodes' addresses as peers of
// any infohash: nothing speaks BitTorrent there, so as peers they are bogus
// (the rows keep their dht_node role: as DHT nodes they are honest).
void add_dht_routes(Truth& t, const LabPlan& plan) {
  for (const auto* f : plan.with_role(Role::dht_fake_values)) {
    for (const auto& ep : fake_values_of(plan, *f)) {
      t.introduce(ep, f->name, "dht-values");
      (*t.row(ep))["bogus"] = true;
    }
  }
  for (const auto* p : plan.with_role(Role::dht_phantom)) {
    for (const auto& ep : phantom_neighbours_of(plan, *p)) t.introduce(ep, p->name, "dht-nodes");
  }
}

// The eMule side (lab/emule.hpp says who hands out what).
void add_emule_routes(Truth& t, const LabPlan& plan) {
  const std::string emule = "emule";
  auto low_ids = lab_low_ids(plan);
  for (const auto* s : plan.with_role(Role::ed2k_server)) {
    auto& row = *t.row(s->endpoint);
    row["poisoned"] = s->variant == 1;
    row["udp_port"] = s->endpoint.port + 4;
    row["low_ids"] = low_ids;
    if (s->variant != 1) continue;
    for (const auto& ep : emule_farm(plan)) t.introduce(ep, s->name, "ed2k-server-reply", json::object(), emule);
    for (const auto& ep : emule_fakes(plan)) t.introduce(ep, s->name, "ed2k-server-reply", json::object(), emule);
  }
  for (const auto* p : ed2k_offering(plan)) t.introduce(p->endpoint, p->name, "ed2k-offer", json::object(), emule);
  for (const auto* p : plan.with_role(Role::emule_peer))
    if (p->impl == Impl::amule) t.introduce(p->endpoint, p->name, "ed2k-offer", json::object(), emule);
  if (!plan.with_role(Role::kad_node).empty())
    for (const auto* p : kad_publishing(plan)) t.introduce(p->endpoint, p->name, "kad-publish", json::object(), emule);
  auto reversal = [](const Endpoint& ep, std::string_view defect) {
    return json{{"reverse_of", ep.to_string()}, {"defect", defect}};
  };
  for (const auto& p : plan.parties) {
    if (p.impl != Impl::lab_actor) continue;
    if (p.role == Role::emule_peer || p.role == Role::emule_anti_p2p) {
      auto cfg = sx_peer_config(plan, p);
      const auto* known = cfg.any_file ? &cfg.any_file_sources : cfg.sources.empty() ? nullptr : &cfg.sources.begin()->second;
      for (const auto& ep : known ? *known : std::vector<Endpoint>{}) t.introduce(ep, p.name, "sx", json::object(), emule);
    } else if (p.role == Role::emule_byte_order) {
      auto defect = static_cast<EmuleDefect>(p.variant);
      if (defect == EmuleDefect::v4_stored_raw) {
        const auto* teacher = emule_teacher(plan);
        for (const auto& ep : v4_stored_raw(plan)) {
          auto extra = reversal({reverse_v4(ep.address), ep.port}, to_string(defect));
          extra["learned_from"] = teacher->name;
          t.introduce(ep, p.name, "sx", extra, emule);
        }
      } else {
        for (const auto& ep : honest_sources(plan, p))
          t.introduce({reverse_v4(ep.address), ep.port}, p.name, "sx", reversal(ep, to_string(defect)), emule);
      }
    }
  }
}

}  // namespace

nlohmann::json ground_truth(const TruthInputs& in) {
  const auto& plan = in.plan;
  Truth t(in);
  add_tracker_routes(t, plan);
  add_farm_routes(t, plan);
  add_byte_order_routes(t, plan);
  // The propagator relays every bogus address it hears, unchecked.
  for (const auto* p : plan.with_role(Role::propagator)) {
    for (const auto& ep : t.bogus_endpoints()) t.introduce(ep, p->name, "pex-relay");
  }
  add_dht_routes(t, plan);  // after the propagator: nobody relays DHT values
  add_emule_routes(t, plan);
  json j;
  j["scenario"] = plan.scenario.name;
  j["seed"] = plan.scenario.seed;
  j["info_hashes"] = json::array();
  for (const auto& tor : in.torrents) j["info_hashes"].push_back(tor.info_hash.hex());
  j["trackers"] = plan.tracker_urls();
  if (!in.ed2k_files.empty()) {
    j["ed2k_files"] = json::array();
    for (const auto& f : in.ed2k_files)
      j["ed2k_files"].push_back({{"hash", f.link.hash.hex()}, {"size", f.link.size}, {"name", f.link.name},
                                 {"real", f.real}, {"link", ed2k::format_link(f.link)}});
  }
  j["routability"] = {{"pfx2as", in.pfx2as.string()}, {"asn_mmdb", in.mmdb.string()}};
  j["addresses"] = t.finish();
  return j;
}

}  // namespace p2pscope::lab
