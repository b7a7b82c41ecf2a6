#include "lab/truth.hpp"

#include <algorithm>
#include <map>

namespace p2pscope::lab {
namespace {

using json = nlohmann::json;

bool bogus_role(Role r) {
  switch (r) {
    case Role::anti_p2p: case Role::bogus_unroutable: case Role::bogus_dead: case Role::bogus_open_port:
    case Role::anti_p2p_fake:
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
      add(p.endpoint, std::move(a));
    }
  }

  void introduce(const Endpoint& ep, std::string actor, std::string route, json extra = json::object()) {
    auto it = index_.find(ep);
    if (it == index_.end()) {
      json row{{"ip", ep.address.to_string()}, {"role", "byte_order_reversed"}, {"implementation", "none"},
               {"bogus", true}};
      if (ep.port != 0) row["port"] = ep.port;
      add(ep, std::move(row));
      it = index_.find(ep);
    }
    extra["actor"] = std::move(actor);
    extra["route"] = std::move(route);
    auto& list = rows_[it->second]["introduced_by"];
    if (std::find(list.begin(), list.end(), extra) == list.end()) list.push_back(std::move(extra));
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

std::vector<Endpoint> endpoints(const std::vector<const Party*>& ps) {
  std::vector<Endpoint> out;
  for (const auto* p : ps) out.push_back(p->endpoint);
  return out;
}

void add_tracker_routes(Truth& t, const LabPlan& plan) {
  for (const auto* tr : plan.with_role(Role::tracker)) {
    if (!plan.poisoned(*tr)) continue;
    for (auto r : {Role::bogus_unroutable, Role::bogus_dead, Role::bogus_open_port}) {
      for (const auto* p : plan.with_role(r)) t.introduce(p->endpoint, tr->name, "tracker-reply");
    }
    // The farm heads plant their fakes through the announce "ip" field.
    for (const auto* f : plan.with_role(Role::anti_p2p_fake)) {
      auto head = "anti-p2p-" + std::to_string(f->farm) + "-0";
      t.introduce(f->endpoint, head, "tracker-announce-ip", {{"via", tr->name}});
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

// A byte-order actor reverses whatever it learns: every announcing peer,
// whatever the poisoned trackers inject, and the lab's client addresses
// once a tool run from them connects.
void add_byte_order_routes(Truth& t, const LabPlan& plan) {
  std::vector<Endpoint> learnable = endpoints(plan.announcing_peers());
  for (auto r : {Role::bogus_unroutable, Role::bogus_dead, Role::bogus_open_port, Role::anti_p2p_fake}) {
    auto e = endpoints(plan.with_role(r));
    learnable.insert(learnable.end(), e.begin(), e.end());
  }
  // Tools choose their own ports: their reversals are listed with port 0,
  // which the file writes as "any port" (no "port" key).
  for (const auto& ip : plan.client_addresses()) learnable.push_back({ip, 0});
  for (const auto* b : plan.with_role(Role::byte_order)) {
    for (const auto& ep : learnable) {
      if (ep == b->endpoint || !ep.address.is_v4()) continue;
      Endpoint rev{reverse_v4(ep.address), ep.port};
      t.introduce(rev, b->name, "pex", {{"reverse_of", ep.port ? ep.to_string() : ep.address.to_string()}});
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
  json j;
  j["scenario"] = plan.scenario.name;
  j["seed"] = plan.scenario.seed;
  j["info_hashes"] = json::array();
  for (const auto& tor : in.torrents) j["info_hashes"].push_back(tor.info_hash.hex());
  j["trackers"] = plan.tracker_urls();
  j["routability"] = {{"pfx2as", in.pfx2as.string()}, {"asn_mmdb", in.mmdb.string()}};
  j["addresses"] = t.finish();
  return j;
}

}  // namespace p2pscope::lab
