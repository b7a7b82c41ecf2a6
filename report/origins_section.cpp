#include "report/sections.hpp"

#include "probes/cluster.hpp"
#include "report/svg.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

namespace p2pscope::report {
namespace {

struct Group {
  std::map<VerdictKind, std::size_t> by_verdict;
  std::set<IpAddress> addresses;
  std::size_t flagged = 0;
  std::optional<Endpoint> first_flagged;
};

// Verdicts on peers (not DHT nodes), one per address: a peer judged for
// several swarms counts once, by its most telling verdict.
std::map<IpAddress, VerdictKind> peer_verdicts(const probes::Diagnosis& d, std::map<IpAddress, Endpoint>& endpoint) {
  std::map<IpAddress, VerdictKind> out;
  for (const auto& v : d.verdicts) {
    if (dht_node_verdict(v.verdict)) continue;
    auto [it, fresh] = out.emplace(v.peer.address, v.verdict);
    if (fresh) endpoint.emplace(v.peer.address, v.peer);
    else if (it->second == VerdictKind::normal) it->second = v.verdict;
  }
  return out;
}

std::vector<Bar> top_bars(const std::map<std::string, Group>& groups, std::size_t n, std::size_t farm_min) {
  std::vector<std::pair<std::string, const Group*>> order;
  for (const auto& [k, g] : groups)
    if (g.flagged) order.emplace_back(k, &g);
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.second->flagged > b.second->flagged; });
  std::vector<Bar> bars;
  for (std::size_t i = 0; i < order.size() && i < n; ++i) {
    const auto& g = *order[i].second;
    Bar b;
    b.label = order[i].first;
    for (const auto& [k, c] : g.by_verdict) b.parts.emplace_back(std::string(to_string(k)), static_cast<double>(c));
    auto anti = g.by_verdict.find(VerdictKind::anti_p2p);
    b.highlight = anti != g.by_verdict.end() && g.addresses.size() > farm_min;
    if (g.first_flagged) b.link = "#" + anchor_of(*g.first_flagged);
    bars.push_back(std::move(b));
  }
  return bars;
}

std::string u_histogram(const probes::Diagnosis& d) {
  std::vector<double> us;
  for (const auto& s : d.sources)
    if (s.cluster.unique_ips >= 2) us.push_back(s.cluster.u);  // one address says nothing about clustering
  if (us.empty()) return "";
  return histogram({"U metric of the sources that handed out two or more addresses (" + number(static_cast<double>(us.size())) +
                        ")",
                    "U = unique /24s (IPv6: /64s) / unique addresses; below 0.5 the study calls an anti-P2P event",
                    u_bins(us)});
}

}  // namespace

std::string origins_section(const ReportInputs& in) {
  std::map<IpAddress, Endpoint> endpoint;
  auto verdicts = peer_verdicts(*in.diagnosis, endpoint);
  if (verdicts.empty()) return "";
  std::map<std::string, Group> by_as, by_subnet;
  for (const auto& entry : verdicts) {
    const IpAddress& ip = entry.first;
    VerdictKind kind = entry.second;
    bool flagged = kind != VerdictKind::normal;
    auto add = [&](Group& g) {
      ++g.by_verdict[kind];
      g.addresses.insert(ip);
      g.flagged += flagged;
      if (flagged && !g.first_flagged) g.first_flagged = endpoint.at(ip);
    };
    add(by_subnet[probes::cluster_subnet(ip).to_string()]);
    if (in.routing) {
      auto m = in.routing->lookup(ip);
      std::string label = m ? "AS" + std::to_string(m->asn) + (m->org.empty() ? "" : " " + std::string(m->org)) : "no route";
      add(by_as[label]);
    }
  }
  std::ostringstream r;
  r << "<h2>Where the flagged peers live</h2>\n<p class=\"note\">Peers with any verdict but normal, one per address, "
    << "coloured by verdict; a heavy outline marks a group of more than " << in.cluster.farm_min
    << " addresses holding anti-P2P peers (a server farm). Each bar links to one of its flagged peers.</p>\n";
  if (in.routing)
    r << bar_chart({"Flagged peers by origin AS (top 15)", "peers judged", top_bars(by_as, 15, in.cluster.farm_min)});
  else
    r << "<p class=\"note\">No routing data was given (--routing): no origin AS chart.</p>\n";
  r << bar_chart({"Flagged peers by /24 (IPv6: /64), top 20", "peers judged", top_bars(by_subnet, 20, in.cluster.farm_min)})
    << u_histogram(*in.diagnosis);
  return r.str();
}

}  // namespace p2pscope::report
