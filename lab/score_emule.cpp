#include "lab/score.hpp"

#include <optional>
#include <set>

namespace p2pscope::lab {
namespace {

using json = nlohmann::json;
constexpr std::size_t kMaxListed = 300;

bool direct_route(const std::string& route) { return route == "sx" || route == "ed2k-server-reply"; }

class EmuleTruth {
 public:
  explicit EmuleTruth(const json& t) {
    for (const auto& row : t.at("addresses")) {
      if (row.value("role", "") == "client")
        if (auto ip = IpAddress::parse(row.value("ip", ""))) clients_.insert(ip.value());
      if (row.value("network", "") != "emule") continue;
      auto ip = IpAddress::parse(row.value("ip", ""));
      if (!ip || !row.contains("port")) continue;
      Endpoint ep{ip.value(), row.at("port").get<std::uint16_t>()};
      by_endpoint_[ep] = &row;
      if (row.value("role", "") == "ed2k_server") {
        servers_[ip.value()] = &row;
        for (const auto& id : row.value("low_ids", json::array())) low_ids_.insert(id.get<std::uint32_t>());
      }
      for (const auto& e : row.value("introduced_by", json::array()))
        if (direct_route(e.value("route", "")) && row.value("bogus", false)) direct_actors_.insert(e.value("actor", ""));
    }
    for (const auto& f : t.value("ed2k_files", json::array())) files_.insert(f.value("hash", ""));
  }
  const json* row(const Endpoint& ep) const {
    auto it = by_endpoint_.find(ep);
    return it == by_endpoint_.end() ? nullptr : it->second;
  }
  // Servers answer UDP at port + 4: a server is known by its address.
  const json* server(const IpAddress& ip) const {
    auto it = servers_.find(ip);
    return it == servers_.end() ? nullptr : it->second;
  }
  // The lab's tool addresses: real aMule takes whoever asks it about a
  // file it downloads for a source, and may name it.
  bool client(const IpAddress& ip) const { return clients_.count(ip) != 0; }
  bool wanted(const ed2k::Md4& f) const { return files_.count(f.hex()) != 0; }
  bool listed_low_id(std::uint32_t id) const { return low_ids_.count(id) != 0; }
  const std::set<std::uint32_t>& low_ids() const { return low_ids_; }
  const std::map<Endpoint, const json*>& rows() const { return by_endpoint_; }
  const std::set<std::string>& direct_actors() const { return direct_actors_; }

 private:
  std::map<Endpoint, const json*> by_endpoint_;
  std::map<IpAddress, const json*> servers_;
  std::set<std::uint32_t> low_ids_;
  std::set<IpAddress> clients_;
  std::set<std::string> files_, direct_actors_;
};

struct Judgement {
  bool ok = false;
  std::string why;
  std::optional<std::string> direct_actor;
};
Judgement confirmed(std::optional<std::string> actor = std::nullopt) { return {true, {}, std::move(actor)}; }
Judgement rejected(std::string why) { return {false, std::move(why), std::nullopt}; }

bool speaks_emule(const std::string& role) {
  return role == "emule_peer" || role == "emule_byte_order" || role == "emule_anti_p2p";
}

// The lab party that said it (its name), or why the source is not one.
Judgement source_of(const EmuleTruth& t, const EmuleObservation& o, std::string& name) {
  const json* src = o.via == Via::ed2k_server || o.via == Via::ed2k_server_udp ? t.server(o.source.address) : t.row(o.source);
  if (!src) return rejected("source unknown to the lab");
  name = src->value("name", "");
  auto role = src->value("role", "");
  if (o.via == Via::kad && role != "kad_node") return rejected("KAD source is not a KAD node");
  if (o.via == Via::sx && !speaks_emule(role)) return rejected("source-exchange source is not an eMule peer");
  return confirmed();
}

Judgement judge(const EmuleTruth& t, const EmuleObservation& o) {
  std::string source;
  if (auto v = source_of(t, o, source); !v.ok) return v;
  auto peer = o.peer();
  if (!peer) {
    bool server = o.via == Via::ed2k_server || o.via == Via::ed2k_server_udp;
    return server && t.listed_low_id(o.raw_id) ? confirmed() : rejected("a LowID no lab server lists");
  }
  const json* row = t.row(*peer);
  if (!row && o.via == Via::sx && t.client(peer->address)) return confirmed();
  if (!row) return rejected("peer unknown to the lab");
  if (!row->value("bogus", false)) return confirmed();
  for (const auto& e : row->value("introduced_by", json::array())) {
    auto route = e.value("route", "");
    auto actor = e.value("actor", "");
    bool server = o.via == Via::ed2k_server || o.via == Via::ed2k_server_udp;
    if (route == "ed2k-server-reply" && server && actor == source) return confirmed(actor);
    if (route == "ed2k-offer" && server) return confirmed();
    if (route == "kad-publish" && o.via == Via::kad) return confirmed();
    if (route == "sx" && o.via == Via::sx && actor == source) return confirmed(actor);
  }
  if (row->value("role", "") == "emule_anti_p2p" && o.via == Via::sx) return confirmed();  // a live peer, relayed
  return rejected("the truth does not name this source and route for this bogus peer");
}

std::string describe(const EmuleObservation& o) {
  auto peer = o.peer();
  return std::string(to_string(o.via)) + " " + o.source.to_string() + " -> " +
         (peer ? peer->to_string() : "LowID " + std::to_string(o.raw_id));
}

}  // namespace

CrawlScore score_emule_crawl(const json& truth, const std::vector<EmuleObservation>& observations) {
  EmuleTruth t(truth);
  CrawlScore s;
  std::set<Endpoint> seen;
  std::set<std::uint32_t> low_ids_seen;
  std::set<std::string> actors;
  for (const auto& o : observations) {
    if (!t.wanted(o.file)) continue;
    ++s.observations;
    if (auto p = o.peer()) seen.insert(*p);
    else low_ids_seen.insert(o.raw_id);
    auto v = judge(t, o);
    if (v.ok) {
      ++s.confirmed;
      if (v.direct_actor) actors.insert(*v.direct_actor);
      const json* src = o.via == Via::sx ? t.row(o.source) : nullptr;
      if (src && src->value("implementation", "") == "amuled") actors.insert(src->value("name", ""));
    } else if (s.unconfirmed.size() < kMaxListed) {
      s.unconfirmed.push_back(describe(o) + ": " + v.why);
    }
  }
  for (const auto& [ep, row] : t.rows()) {
    auto role = row->value("role", "");
    if (role == "ed2k_server" || role == "kad_node") continue;
    ++s.expected;
    if (seen.count(ep)) ++s.found;
    else if (s.missed.size() < kMaxListed) s.missed.push_back(ep.to_string() + " (" + role + ")");
  }
  for (auto id : t.low_ids()) {
    ++s.expected;
    if (low_ids_seen.count(id)) ++s.found;
    else if (s.missed.size() < kMaxListed) s.missed.push_back("LowID " + std::to_string(id));
  }
  for (const auto& a : t.direct_actors()) (actors.count(a) ? s.actors_seen : s.actors_missing).push_back(a);
  for (const auto& a : actors)
    if (!t.direct_actors().count(a)) s.actors_seen.push_back(a);
  return s;
}

}  // namespace p2pscope::lab

namespace p2pscope::lab {

std::map<VerdictKind, ClassScore> score_emule_verdicts(const json& truth, const std::vector<Verdict>& verdicts) {
  EmuleTruth t(truth);
  std::map<VerdictKind, ClassScore> out;
  std::set<std::pair<ed2k::Md4, Endpoint>> judged;
  for (const auto& v : verdicts) {
    if (!v.file_hash || !t.wanted(*v.file_hash) || !judged.insert({*v.file_hash, v.peer}).second) continue;
    const json* row = t.row(v.peer);
    std::optional<VerdictKind> actual;
    if (row) actual = truth_class(row->value("role", ""), row->value("bogus", false));
    tally_verdict(out, v.peer, actual, v.verdict);
  }
  for (const auto& [ep, row] : t.rows()) {
    auto role = row->value("role", "");
    if (role != "ed2k_server" && role != "kad_node") ++out[truth_class(role, row->value("bogus", false))].in_truth;
  }
  return out;
}

std::vector<ActorFinding> score_emule_actors(const json& truth, const std::vector<Verdict>& verdicts,
                                             const std::map<std::string, std::string>& looks_like,
                                             const std::map<std::string, std::string>& reversed) {
  EmuleTruth t(truth);
  std::map<std::string, VerdictKind> verdict_of;  // "ip:port", any wanted file
  for (const auto& v : verdicts)
    if (v.file_hash && t.wanted(*v.file_hash)) verdict_of.emplace(v.peer.to_string(), v.verdict);
  auto find = [](const std::map<std::string, std::string>& m, const std::string& k) {
    auto it = m.find(k);
    return it == m.end() ? std::string() : it->second;
  };
  std::map<std::string, ActorFinding> actors;
  for (const auto& [ep, row] : t.rows()) {
    auto role = row->value("role", "");
    bool actor = role == "emule_byte_order" || role == "emule_anti_p2p" || (role == "ed2k_server" && row->value("poisoned", false));
    if (!actor) continue;
    ActorFinding f;
    f.name = row->value("name", "");
    f.role = role;
    f.address = ep.to_string();
    if (auto it = verdict_of.find(f.address); it != verdict_of.end()) f.own_verdict = to_string(it->second);
    f.looks_like = find(looks_like, f.address);
    f.reversed = find(reversed, f.address);
    actors.emplace(f.name, std::move(f));
  }
  for (const auto& [ep, row] : t.rows()) {
    if (!row->value("bogus", false)) continue;
    auto wanted_class = truth_class(row->value("role", ""), true);
    auto it = verdict_of.find(ep.to_string());
    std::set<std::string> counted;
    for (const auto& e : row->value("introduced_by", json::array())) {
      auto route = e.value("route", "");
      auto a = actors.find(e.value("actor", ""));
      if (a == actors.end() || !(route == "sx" || route == "ed2k-server-reply") || !counted.insert(a->first).second) continue;
      ++a->second.introduced;
      a->second.flagged += it != verdict_of.end() && it->second == wanted_class;
    }
  }
  std::vector<ActorFinding> out;
  for (auto& [name, f] : actors) out.push_back(std::move(f));
  return out;
}

}  // namespace p2pscope::lab
