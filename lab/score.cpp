#include "lab/score.hpp"

#include <map>
#include <optional>
#include <set>

namespace p2pscope::lab {
namespace {

using json = nlohmann::json;
constexpr std::size_t kMaxListed = 300;

bool speaks_bittorrent(const std::string& role) {
  return role == "seed" || role == "leecher" || role == "anti_p2p" || role == "byte_order" || role == "propagator";
}

// A node of the lab's DHT responder, honest or bogus.
bool dht_role(const std::string& role) { return role.starts_with("dht_") && role != "dht_phantom_neighbour"; }

bool direct_route(const std::string& route) { return route == "tracker-reply" || route == "pex" || route == "pex-relay"; }

class Truth {
 public:
  explicit Truth(const json& t) {
    for (const auto& row : t.at("addresses")) {
      if (row.contains("network")) continue;  // the eMule side: score_emule_crawl
      auto ip = IpAddress::parse(row.at("ip").get<std::string>());
      if (!ip) continue;
      if (row.contains("port")) by_endpoint_[{ip.value(), row.at("port").get<std::uint16_t>()}] = &row;
      else by_ip_[ip.value()] = &row;
      if (row.value("role", "") == "tracker") tracker_by_ip_[ip.value()] = row.value("name", "");
      for (const auto& e : row.value("introduced_by", json::array())) {
        if (direct_route(e.value("route", ""))) direct_actors_.insert(e.value("actor", ""));
      }
    }
    for (const auto& h : t.at("info_hashes")) hashes_.insert(h.get<std::string>());
  }

  const json* row(const Endpoint& ep) const {
    if (auto it = by_endpoint_.find(ep); it != by_endpoint_.end()) return it->second;
    if (auto it = by_ip_.find(ep.address); it != by_ip_.end()) return it->second;
    return nullptr;
  }
  // The tracker an announce URL points at, by the address in its host part.
  std::optional<std::string> tracker(const std::string& url) const {
    auto start = url.find("//");
    if (start == std::string::npos) return std::nullopt;
    auto authority = std::string_view(url).substr(start + 2);
    authority = authority.substr(0, authority.find('/'));
    auto parts = split_host_port(authority);  // [2001:db8::1]:6969 too
    auto ip = IpAddress::parse(parts ? parts.value().host : authority);
    if (!ip) return std::nullopt;
    auto it = tracker_by_ip_.find(ip.value());
    if (it == tracker_by_ip_.end()) return std::nullopt;
    return it->second;
  }
  bool wanted(const InfoHash& ih) const { return hashes_.count(ih.hex()) != 0; }
  const std::map<Endpoint, const json*>& with_port() const { return by_endpoint_; }
  const std::set<std::string>& direct_actors() const { return direct_actors_; }

 private:
  std::map<Endpoint, const json*> by_endpoint_;
  std::map<IpAddress, const json*> by_ip_;
  std::map<IpAddress, std::string> tracker_by_ip_;
  std::set<std::string> hashes_, direct_actors_;
};

struct Judgement {
  bool ok = false;
  std::string why;
  std::optional<std::string> direct_actor;  // the actor this observation shows handing out its own peer
};
Judgement confirmed(std::optional<std::string> actor = std::nullopt) { return Judgement{true, {}, std::move(actor)}; }
Judgement rejected(std::string why) { return Judgement{false, std::move(why), std::nullopt}; }

// Which lab party said it, or why the source is not one.
Judgement source_of(const Truth& t, const Observation& o, std::string& name) {
  if (o.via == Via::tracker_http || o.via == Via::tracker_udp) {
    auto tr = o.source_url ? t.tracker(*o.source_url) : std::nullopt;
    if (!tr) return rejected("not a lab tracker");
    name = *tr;
    return confirmed();
  }
  const json* src = o.source_endpoint ? t.row(*o.source_endpoint) : nullptr;
  if (!src) return rejected("source unknown to the lab");
  name = src->value("name", "");
  auto role = src->value("role", "");
  if (o.via == Via::dht && !dht_role(role) && src->value("implementation", "") != "libtorrent")
    return rejected("DHT source is not a DHT node");
  if (o.via == Via::pex && !speaks_bittorrent(role)) return rejected("PEX source is not a BitTorrent peer");
  if (o.via == Via::incoming) return rejected("incoming connections are not crawled");
  return confirmed();
}

Judgement judge(const Truth& t, const Observation& o) {
  std::string source;
  if (auto v = source_of(t, o, source); !v.ok) return v;
  const json* peer = t.row(o.peer);
  if (!peer) return rejected("peer unknown to the lab");
  auto role = peer->value("role", "");
  if (!peer->value("bogus", false)) {
    if (o.via == Via::dht && role != "seed" && role != "leecher") return rejected("no such peer announced to the DHT");
    return confirmed();
  }
  bool tracker = o.via == Via::tracker_http || o.via == Via::tracker_udp;
  for (const auto& e : peer->value("introduced_by", json::array())) {
    auto route = e.value("route", "");
    auto actor = e.value("actor", "");
    if (route == "tracker-reply" && tracker && actor == source) return confirmed(actor);
    if (route == "tracker-announce" && tracker) return confirmed();
    bool planted = route == "tracker-announce-ip" || route == "tracker-announce-ipv6";
    if (planted && tracker && e.value("via", "") == source) return confirmed();
    if ((route == "pex" || route == "pex-relay") && o.via == Via::pex && actor == source) return confirmed(actor);
    if (route == "dht-values" && o.via == Via::dht && actor == source) return confirmed();
  }
  if (role == "anti_p2p" && o.via == Via::pex) return confirmed();  // a live peer, relayed honestly
  return rejected("the truth does not name this source and route for this bogus peer");
}

}  // namespace

CrawlScore score_crawl(const json& truth, const std::vector<Observation>& observations) {
  Truth t(truth);
  CrawlScore s;
  std::set<Endpoint> seen;
  std::set<std::string> actors;
  std::set<Endpoint> pex_sources;
  for (const auto& o : observations) {
    if (!t.wanted(o.info_hash)) continue;
    ++s.observations;
    seen.insert(o.peer);
    if (o.via == Via::pex && o.source_endpoint) pex_sources.insert(*o.source_endpoint);
    auto v = judge(t, o);
    if (v.ok) {
      ++s.confirmed;
      if (v.direct_actor) actors.insert(*v.direct_actor);
    } else if (s.unconfirmed.size() < kMaxListed) {
      s.unconfirmed.push_back(std::string(to_string(o.via)) + " " +
                              o.source_url.value_or(o.source_endpoint ? o.source_endpoint->to_string() : "?") + " -> " +
                              o.peer.to_string() + ": " + v.why);
    }
  }
  for (const auto& [ep, row] : t.with_port()) {
    auto role = row->value("role", "");
    if (role == "tracker" || role.starts_with("dht_") || role == "client") continue;
    ++s.expected;
    if (row->value("carrier", "") == "utp") {
      ++s.utp_only;
      s.utp_only_heard += pex_sources.count(ep);
    }
    bool unheard = !pex_sources.count(ep);
    if (ep.address.is_v6()) {
      ++s.ipv6_expected;
      s.ipv6_found += seen.count(ep);
      if (!row->value("bogus", false) && role != "byte_order_reversed" && !row->value("dual_stack", false)) {
        ++s.ipv6_only;
        s.ipv6_only_heard += pex_sources.count(ep);
        if (unheard && row->value("carrier", "") != "utp") s.unheard.push_back(ep.to_string() + " (" + role + ")");
      }
    }
    if (unheard && row->value("carrier", "") == "utp") s.unheard.push_back(ep.to_string() + " (" + role + ", uTP only)");
    if (seen.count(ep)) ++s.found;
    else if (s.missed.size() < kMaxListed) s.missed.push_back(ep.to_string() + " (" + role + ")");
  }
  for (const auto& a : t.direct_actors()) {
    (actors.count(a) ? s.actors_seen : s.actors_missing).push_back(a);
  }
  return s;
}

VerdictKind truth_class(const std::string& role, bool bogus) {
  if (!bogus) return VerdictKind::normal;
  if (role == "anti_p2p" || role == "anti_p2p_fake" || role == "emule_anti_p2p" || role == "emule_fake")
    return VerdictKind::anti_p2p;
  if (role == "byte_order_reversed") return VerdictKind::byte_order;
  if (role == "bogus_unroutable") return VerdictKind::bogus_unroutable;
  return VerdictKind::unreachable;
}

void tally_verdict(std::map<VerdictKind, ClassScore>& out, const Endpoint& peer, std::optional<VerdictKind> actual,
                   VerdictKind predicted) {
  auto& p = out[predicted];
  ++p.predicted;
  if (actual == predicted) {
    ++p.correct;
  } else if (p.wrong.size() < kMaxListed) {
    p.wrong.push_back(peer.to_string() + " (truth: " + (actual ? std::string(to_string(*actual)) : "unknown address") + ")");
  }
  if (!actual) return;
  auto& a = out[*actual];
  ++a.actual;
  if (actual != predicted && a.missed.size() < kMaxListed)
    a.missed.push_back(peer.to_string() + " (verdict: " + std::string(to_string(predicted)) + ")");
}

std::map<VerdictKind, ClassScore> score_verdicts(const json& truth, const std::vector<Verdict>& verdicts) {
  Truth t(truth);
  std::map<VerdictKind, ClassScore> out;
  std::set<std::pair<std::string, Endpoint>> judged;
  for (const auto& v : verdicts) {
    if (!v.info_hash || !t.wanted(*v.info_hash) || !judged.insert({v.info_hash->hex(), v.peer}).second) continue;
    const json* row = t.row(v.peer);
    std::optional<VerdictKind> actual;
    if (row) actual = truth_class(row->value("role", ""), row->value("bogus", false));
    tally_verdict(out, v.peer, actual, v.verdict);
  }
  // BitTorrent verdicts: the eMule lab's rows are scored by score_emule_verdicts.
  for (const auto& row : truth.at("addresses"))
    if (row.value("network", "") != "emule") ++out[truth_class(row.value("role", ""), row.value("bogus", false))].in_truth;
  return out;
}

namespace {
// The verdict a bogus DHT node's role calls for; normal for any other role.
VerdictKind dht_class(const std::string& role) {
  if (role == "dht_fake_values") return VerdictKind::dht_fake_values;
  if (role == "dht_phantom") return VerdictKind::dht_phantom_neighbours;
  if (role == "dht_sybil" || role == "dht_sybil_near") return VerdictKind::dht_sybil;
  return VerdictKind::normal;
}
}  // namespace

DhtNodeScore score_dht_nodes(const json& truth, const std::vector<DhtNodeSeen>& seen, const std::vector<Verdict>& verdicts) {
  Truth t(truth);
  DhtNodeScore s;
  std::map<Endpoint, VerdictKind> judged;
  for (const auto& v : verdicts) {
    if (dht_node_verdict(v.verdict)) judged.emplace(v.peer, v.verdict);
  }
  std::set<Endpoint> met;
  for (const auto& n : seen) {
    const json* row = t.row(n.node);
    if (!row || !met.insert(n.node).second) continue;
    auto role = row->value("role", "");
    auto actual = dht_class(role);
    auto it = judged.find(n.node);
    auto predicted = it == judged.end() ? VerdictKind::normal : it->second;
    tally_verdict(s.by_kind, n.node, actual, predicted);
    if (actual != VerdictKind::normal) {
      auto& r = s.by_role[role];
      ++r.actual;
      r.correct += predicted == actual;
      if (predicted != actual && r.missed.size() < kMaxListed)
        r.missed.push_back(n.node.to_string() + " (verdict: " + std::string(to_string(predicted)) + ")");
    }
  }
  // Verdicts on nodes the crawl never recorded cannot be right.
  for (const auto& [ep, kind] : judged) {
    if (!met.count(ep)) tally_verdict(s.by_kind, ep, std::nullopt, kind);
  }
  for (const auto& row : truth.at("addresses")) {
    auto role = row.value("role", "");
    if (auto k = dht_class(role); k != VerdictKind::normal) {
      ++s.by_kind[k].in_truth;
      ++s.by_role[role].in_truth;
    }
  }
  s.met = met.size();
  return s;
}

namespace {
// A truth row as Endpoint::to_string writes it; the bare ip when any port counts.
std::string key_of(const json& row) {
  auto ip = IpAddress::parse(row.value("ip", ""));
  if (!ip) return row.value("ip", "");
  if (!row.contains("port")) return ip.value().to_string();
  return Endpoint{ip.value(), row.at("port").get<std::uint16_t>()}.to_string();
}
}  // namespace

std::vector<ActorFinding> score_actors(const json& truth, const std::vector<Verdict>& verdicts,
                                       const std::map<std::string, std::string>& looks_like) {
  Truth t(truth);
  std::map<std::string, VerdictKind> verdict_by_peer;  // "ip:port"; any wanted infohash
  for (const auto& v : verdicts) {
    if (v.info_hash && t.wanted(*v.info_hash)) verdict_by_peer.emplace(v.peer.to_string(), v.verdict);
  }
  std::map<std::string, ActorFinding> actors;
  for (const auto& row : truth.at("addresses")) {
    auto role = row.value("role", "");
    bool actor_role = role == "anti_p2p" || role == "byte_order" || role == "propagator";
    if (!row.contains("port") || !(actor_role || role == "tracker")) continue;
    ActorFinding f;
    f.name = row.value("name", "");
    f.role = role;
    f.address = key_of(row);
    if (auto it = verdict_by_peer.find(f.address); it != verdict_by_peer.end()) f.own_verdict = to_string(it->second);
    for (const auto& [source, what] : looks_like) {
      bool same = role == "tracker" ? t.tracker(source) == f.name : source == f.address;
      if (same && !what.empty()) f.looks_like = what;
    }
    actors.emplace(f.name, std::move(f));
  }
  for (const auto& row : truth.at("addresses")) {
    auto it = verdict_by_peer.find(key_of(row));
    auto wanted_class = truth_class(row.value("role", ""), row.value("bogus", false));
    std::set<std::string> counted;
    for (const auto& e : row.value("introduced_by", json::array())) {
      auto route = e.value("route", "");
      auto a = actors.find(e.value("actor", ""));
      if (a == actors.end() || !(route == "pex" || route == "pex-relay" || route == "tracker-reply") || !counted.insert(a->first).second) continue;
      ++a->second.introduced;
      a->second.flagged += it != verdict_by_peer.end() && it->second == wanted_class;
    }
  }
  std::vector<ActorFinding> out;
  for (auto& [name, f] : actors) {
    if (f.role != "tracker" || f.introduced > 0) out.push_back(std::move(f));  // honest trackers are not actors
  }
  return out;
}

std::optional<ActorExpectation> expected_of_actor(std::string_view role) {
  if (role == "anti_p2p") return ActorExpectation{"anti-P2P peer", true};
  if (role == "byte_order") return ActorExpectation{"buggy client (byte order)", false};
  if (role == "propagator") return ActorExpectation{"propagator (relays peers unchecked)", false};
  if (role == "tracker") return ActorExpectation{"poisoned tracker", false};
  if (role == "emule_anti_p2p") return ActorExpectation{"anti-P2P peer", true};
  if (role == "emule_byte_order") return ActorExpectation{"old-aMule byte-order relay (source exchange)", false};
  if (role == "ed2k_server") return ActorExpectation{"poisoned index server", false};
  return std::nullopt;
}

}  // namespace p2pscope::lab
