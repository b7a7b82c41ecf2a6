#include "report/explain.hpp"

#include "core/text.hpp"
#include "store/record_json.hpp"

#include <algorithm>
#include <set>
#include <cstdio>
#include <sstream>

namespace p2pscope::report {
namespace {

using nlohmann::json;

template <class T>
void oldest_first(std::vector<const T*>& v) {
  std::stable_sort(v.begin(), v.end(), [](const T* a, const T* b) { return a->time < b->time; });
}

std::string percent(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100 * x);
  return buf;
}

std::string swarm_of(const std::optional<InfoHash>& ih, const std::optional<ed2k::Md4>& file) {
  if (ih) return " infohash " + ih->hex();
  if (file) return " file " + file->hex();
  return "";
}

json record_json(const Record& r) { return json::parse(to_json_line(r)); }

std::string probe_line(const ProbeResult& p) {
  std::ostringstream r;
  r << "  " << format_time(p.time) << " " << to_string(p.probe) << " " << to_string(p.outcome);
  if (p.rtt_ms) r << " (" << static_cast<long>(*p.rtt_ms) << " ms)";
  if (p.info_hash || p.file_hash) r << swarm_of(p.info_hash, p.file_hash);
  for (const auto& [k, v] : p.evidence) r << "; " << printable(k) << "=" << printable(v);
  return r.str() + "\n";
}

std::string source_line(const probes::SourceReport& s) {
  std::ostringstream r;
  r << "  " << to_string(s.via) << " " << printable(s.source) << ": handed out " << s.peers << " peer(s), "
    << percent(s.lower_share()) << " .. " << percent(s.upper_share()) << " bogus, U " << s.cluster.u;
  if (s.looks_like != probes::SourceLooks::unremarkable) r << ", looks like: " << to_string(s.looks_like);
  if (s.hops_from_anti_p2p) r << ", " << *s.hops_from_anti_p2p << " hop(s) from anti-P2P";
  if (!s.by_verdict.empty()) {
    r << " (";
    const char* sep = "";
    for (const auto& [k, n] : s.by_verdict) {
      r << sep << to_string(k) << " " << n;
      sep = ", ";
    }
    r << ")";
  }
  return r.str() + "\n";
}

}  // namespace

Result<Subject> parse_subject(std::string_view text) {
  if (auto ip = IpAddress::parse(text)) return Subject{ip.value(), std::nullopt};
  if (auto e = Endpoint::parse(text)) return Subject{e.value().address, e.value().port};
  return errc::bad_value;
}

std::string source_text(const Observation& o) {
  std::string from = o.source_url ? *o.source_url : o.source_endpoint ? o.source_endpoint->to_string() : "?";
  return std::string(to_string(o.via)) + " from " + printable(from);
}

std::string source_text(const EmuleObservation& o) {
  return std::string(to_string(o.via)) + " from " + o.source.to_string();
}

Explainer::Explainer(const Records& r, const probes::Diagnosis& d) {
  for (const auto& o : r.observations) {
    seen_[o.peer.address].push_back(&o);
    if (o.source_endpoint) handed_out_[o.source_endpoint->address].push_back(&o);
  }
  for (const auto& o : r.emule_observations)
    if (auto p = o.peer()) emule_seen_[p->address].push_back(&o);
  for (const auto& p : r.probes) probes_[p.peer.address].push_back(&p);
  for (const auto& n : r.dht_nodes) nodes_[n.node.address].push_back(&n);
  for (const auto& v : d.verdicts) verdicts_[v.peer.address].push_back(&v);
  // A tracker is named by its URL; explain finds it by the addresses that answered.
  std::map<std::string, std::set<Endpoint>, std::less<>> tracker_at;
  for (const auto& o : r.observations)
    if (o.source_url && o.source_endpoint) tracker_at[*o.source_url].insert(*o.source_endpoint);
  for (const auto& src : d.sources) {
    if (auto e = Endpoint::parse(src.source)) sources_[e.value().address].emplace_back(e.value(), &src);
    if (auto it = tracker_at.find(src.source); it != tracker_at.end())
      for (const auto& at : it->second) sources_[at.address].emplace_back(at, &src);
  }
}

Explanation Explainer::explain(const Subject& s, const ExplainLimits& lim) const {
  Explanation e;
  e.subject = s;
  auto take = [&s](const auto& index, auto& out, auto endpoint_of) {
    auto it = index.find(s.ip);
    if (it == index.end()) return;
    for (const auto* x : it->second)
      if (auto ep = endpoint_of(*x); ep && s.matches(*ep)) out.push_back(x);
  };
  take(seen_, e.seen, [](const Observation& o) { return std::optional<Endpoint>(o.peer); });
  take(handed_out_, e.handed_out_first, [](const Observation& o) { return o.source_endpoint; });
  take(emule_seen_, e.emule_seen, [](const EmuleObservation& o) { return o.peer(); });
  take(probes_, e.probes, [](const ProbeResult& p) { return std::optional<Endpoint>(p.peer); });
  take(nodes_, e.named_as_node, [](const DhtNodeSeen& n) { return std::optional<Endpoint>(n.node); });
  take(verdicts_, e.verdicts, [](const Verdict& v) { return std::optional<Endpoint>(v.peer); });
  if (auto it = sources_.find(s.ip); it != sources_.end())
    for (const auto& [at, src] : it->second)
      if (s.matches(at) && std::find(e.as_source.begin(), e.as_source.end(), src) == e.as_source.end())
        e.as_source.push_back(src);
  e.handed_out = e.handed_out_first.size();
  oldest_first(e.seen);
  oldest_first(e.emule_seen);
  oldest_first(e.probes);
  oldest_first(e.named_as_node);
  oldest_first(e.handed_out_first);
  if (e.handed_out_first.size() > lim.handed_out_listed) e.handed_out_first.resize(lim.handed_out_listed);
  return e;
}

Explanation explain(const Subject& s, const Records& r, const probes::Diagnosis& d, const ExplainLimits& lim) {
  return Explainer(r, d).explain(s, lim);
}

std::string explain_text(const Explanation& e) {
  std::ostringstream r;
  r << e.subject.to_string() << "\n";
  if (e.empty()) {
    r << "  no record names it\n";
    return r.str();
  }
  r << "verdict:\n";
  if (e.verdicts.empty()) r << "  none (not diagnosed)\n";
  for (const auto* v : e.verdicts) {
    r << "  " << v->peer.to_string() << " " << to_string(v->verdict) << " (confidence " << v->confidence << ")"
      << swarm_of(v->info_hash, v->file_hash) << "\n";
    for (const auto& why : v->evidence) r << "    because: " << printable(why) << "\n";
  }
  r << "handed out by (" << e.seen.size() + e.emule_seen.size() << "):\n";
  for (const auto* o : e.seen)
    r << "  " << format_time(o->time) << " " << o->peer.to_string() << " " << source_text(*o) << swarm_of(o->info_hash, {})
      << "\n";
  for (const auto* o : e.emule_seen)
    r << "  " << format_time(o->time) << " " << source_text(*o) << swarm_of({}, o->file) << "\n";
  if (!e.named_as_node.empty()) {
    r << "named as a DHT node (" << e.named_as_node.size() << "):\n";
    for (const auto* n : e.named_as_node)
      r << "  " << format_time(n->time) << " " << n->node.to_string() << " id " << n->node_id.hex() << " by "
        << (n->source_endpoint ? n->source_endpoint->to_string() : std::string("(bootstrap)")) << "\n";
  }
  r << "probes (" << e.probes.size() << "):\n";
  for (const auto* p : e.probes) r << probe_line(*p);
  if (!e.as_source.empty() || e.handed_out) {
    r << "as a source:\n";
    for (const auto* s : e.as_source) r << source_line(*s);
    r << "  " << e.handed_out << " observation(s) name it as their source";
    if (e.handed_out_first.size() < e.handed_out) r << "; the first " << e.handed_out_first.size();
    r << ":\n";
    for (const auto* o : e.handed_out_first)
      r << "    " << format_time(o->time) << " " << to_string(o->via) << " -> " << o->peer.to_string() << "\n";
  }
  return r.str();
}

json explain_json(const Explanation& e) {
  json j{{"subject", e.subject.to_string()}, {"ip", e.subject.ip.to_string()}};
  if (e.subject.port) j["port"] = *e.subject.port;
  auto list = [](const auto& items) {
    json a = json::array();
    for (const auto* x : items) a.push_back(record_json(Record{*x}));
    return a;
  };
  j["verdicts"] = list(e.verdicts);
  j["seen"] = list(e.seen);
  j["emule_seen"] = list(e.emule_seen);
  j["probes"] = list(e.probes);
  j["named_as_node"] = list(e.named_as_node);
  j["handed_out"] = e.handed_out;
  j["handed_out_first"] = list(e.handed_out_first);
  json sources = json::array();
  for (const auto* s : e.as_source) {
    json by = json::object();
    for (const auto& [k, n] : s->by_verdict) by[std::string(to_string(k))] = n;
    json x{{"via", to_string(s->via)},      {"source", s->source},
           {"peers", s->peers},             {"definitely_bogus", s->definitely_bogus},
           {"possibly_bogus", s->possibly_bogus}, {"u", s->cluster.u},
           {"looks_like", to_string(s->looks_like)}, {"by_verdict", by}};
    if (s->hops_from_anti_p2p) x["hops_from_anti_p2p"] = *s->hops_from_anti_p2p;
    sources.push_back(std::move(x));
  }
  j["as_source"] = std::move(sources);
  return j;
}

}  // namespace p2pscope::report
