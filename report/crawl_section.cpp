#include "report/sections.hpp"

#include "report/svg.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <unordered_set>

namespace p2pscope::report {
namespace {

struct FirstSeen {
  Timestamp t;
  std::string route, key;
};

std::vector<FirstSeen> handed_out(const Records& r) {
  std::vector<FirstSeen> out;
  out.reserve(r.observations.size() + r.emule_observations.size());
  for (const auto& o : r.observations)
    out.push_back({o.time, std::string(to_string(o.via)), o.info_hash.hex() + o.peer.to_string()});
  for (const auto& o : r.emule_observations) {
    auto p = o.peer();  // a LowID names no address: the server's handle stands for it
    auto who = p ? p->to_string() : o.source.to_string() + "/" + std::to_string(o.peer_port);
    out.push_back({o.time, std::string(to_string(o.via)), o.file.hex() + who});
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.t < b.t; });
  return out;
}

// Keeps at most n points of a rising curve, the last one always.
void thin(std::vector<std::pair<double, double>>& xy, std::size_t n) {
  if (xy.size() <= n) return;
  std::vector<std::pair<double, double>> out;
  double step = static_cast<double>(xy.size()) / static_cast<double>(n);
  for (double i = 0; i < static_cast<double>(xy.size()); i += step) out.push_back(xy[static_cast<std::size_t>(i)]);
  if (out.back() != xy.back()) out.push_back(xy.back());
  xy = std::move(out);
}

std::string growth_chart(const Records& r) {
  auto events = handed_out(r);
  if (events.empty()) return "";
  auto t0 = events.front().t;
  std::map<std::string, std::unordered_set<std::string>> per_route;
  std::unordered_set<std::string> all;
  std::map<std::string, Series> series;
  Series total{"all routes", {}};
  for (const auto& e : events) {
    double x = std::chrono::duration<double>(e.t - t0).count();
    auto& seen = per_route[e.route];
    if (seen.insert(e.key).second) {
      auto& s = series[e.route];
      s.name = e.route;
      s.xy.emplace_back(x, static_cast<double>(seen.size()));
    }
    if (all.insert(e.key).second) total.xy.emplace_back(x, static_cast<double>(all.size()));
  }
  LineChart c{"Unique peers over time, per route", "time since the first observation",
              "unique (swarm, peer) pairs", {}, {}, {}, std::nullopt};
  for (auto& [_, s] : series) {
    thin(s.xy, 400);
    c.series.push_back(std::move(s));
  }
  thin(total.xy, 400);
  c.series.push_back(std::move(total));
  return line_chart(c);
}

std::string sources_table(const probes::Diagnosis& d, std::size_t listed) {
  std::vector<std::vector<std::string>> rows;
  for (std::size_t i = 0; i < d.sources.size() && i < listed; ++i) {
    const auto& s = d.sources[i];
    rows.push_back({std::string(to_string(s.via)), source_cell(s.source), number(static_cast<double>(s.peers)),
                    percent_text(s.lower_share()), percent_text(s.upper_share()), number(s.cluster.u),
                    escape(to_string(s.looks_like)), s.hops_from_anti_p2p ? number(static_cast<double>(*s.hops_from_anti_p2p)) : ""});
  }
  std::ostringstream r;
  r << "<h3>Sources, most definitely-bogus peers first (" << std::min(listed, d.sources.size()) << " of "
    << number(static_cast<double>(d.sources.size())) << ")</h3>\n<p class=\"note\">Definitely bogus: unroutable, byte "
    << "order or anti-P2P (the lower bound). Possibly bogus adds unreachable and unknown (the upper bound). U: unique "
    << "/24s (IPv6: /64s) over unique addresses among the peers the source handed out.</p>\n"
    << html_table({"route", "source", "peers", "definitely bogus", "possibly bogus", "U", "looks like", "hops from anti-P2P"},
                  rows, "sources");
  return r.str();
}

// One box of the Fig. 4 tree.
struct Node {
  std::string label, cls;
  std::size_t n = 0;
  std::vector<Node> children;
};

void draw(std::ostringstream& r, const Node& node, int depth, double y_top, double y_bottom, double total) {
  constexpr double kWidth = 250, kGap = 40, kHeight = 26;
  double x = 10 + depth * (kWidth + kGap), y = (y_top + y_bottom) / 2 - kHeight / 2;
  std::size_t leaves = 0;
  auto count = [](auto&& self, const Node& n) -> std::size_t {
    if (n.children.empty()) return 1;
    std::size_t c = 0;
    for (const auto& k : n.children) c += self(self, k);
    return c;
  };
  leaves = count(count, node);
  double row = (y_bottom - y_top) / static_cast<double>(leaves), at = y_top;
  for (const auto& k : node.children) {
    double span = row * static_cast<double>(count(count, k));
    double ky = at + span / 2;
    r << "<path class=\"edge\" d=\"M" << x + kWidth << "," << y + kHeight / 2 << " C" << x + kWidth + kGap / 2 << ","
      << y + kHeight / 2 << " " << x + kWidth + kGap / 2 << "," << ky << " " << x + kWidth + kGap << "," << ky << "\"/>\n";
    draw(r, k, depth + 1, at, at + span, total);
    at += span;
  }
  r << "<rect class=\"box " << node.cls << "\" x=\"" << x << "\" y=\"" << y << "\" width=\"" << kWidth << "\" height=\""
    << kHeight << "\" rx=\"4\"/><text class=\"boxlabel\" x=\"" << x + 8 << "\" y=\"" << y + 17 << "\">" << escape(node.label)
    << "</text><text class=\"boxvalue\" x=\"" << x + kWidth - 8 << "\" y=\"" << y + 17 << "\" text-anchor=\"end\">"
    << number(static_cast<double>(node.n)) << " <tspan class=\"share\">("
    << percent_text(total > 0 ? static_cast<double>(node.n) / total : 0) << ")</tspan></text>\n";
}

std::string tree_svg(const Node& root) {
  constexpr double kRow = 32;
  std::size_t leaves = 0;
  for (const auto& k : root.children) leaves += std::max<std::size_t>(1, k.children.size());
  double h = kRow * static_cast<double>(leaves) + 10;
  std::ostringstream r;
  r << "<svg class=\"chart tree\" viewBox=\"0 0 860 " << h << "\" role=\"img\" aria-label=\"" << escape(root.label)
    << "\">\n";
  draw(r, root, 0, 5, h - 5, static_cast<double>(root.n));
  r << "</svg>\n";
  return r.str();
}

Node bittorrent_tree(const probes::Breakdown& b) {
  Node unroutable{"unroutable", "bogus", 0,
                  {{"reverse is a peer", "byte_order", b.unroutable_reverse_is_peer, {}},
                   {"reverse unroutable", "bogus_unroutable", b.unroutable_reverse_unroutable, {}},
                   {"other", "bogus_unroutable", b.unroutable_other, {}}}};
  Node routable{"routable", "", 0,
                {{"anti-P2P", "anti_p2p", b.routable_anti_p2p, {}},
                 {"BitTorrent", "normal", b.routable_bittorrent, {}},
                 {"byte order", "byte_order", b.routable_byte_order, {}},
                 {"open port only", "unreachable", b.routable_open_port, {}},
                 {"no answer", "unreachable", b.routable_no_answer, {}},
                 {"not probed", "unknown", b.routable_unprobed, {}}}};
  for (const auto& k : unroutable.children) unroutable.n += k.n;
  for (const auto& k : routable.children) routable.n += k.n;
  return {"handed out", "", unroutable.n + routable.n, {unroutable, routable}};
}

std::string emule_tree_table(const char* route, const probes::EmuleTree& t) {
  using probes::EmuleClass;
  std::vector<std::vector<std::string>> rows;
  for (auto peer : {EmuleClass::unroutable, EmuleClass::emule, EmuleClass::other}) {
    std::vector<std::string> row{escape(name_of(peer)), number(static_cast<double>(t.of(peer)))};
    for (auto rev : {EmuleClass::emule, EmuleClass::unroutable, EmuleClass::other})
      row.push_back(number(static_cast<double>(t.at(peer, rev))));
    rows.push_back(std::move(row));
  }
  double n = static_cast<double>(std::max<std::size_t>(t.total(), 1));
  std::ostringstream r;
  r << "<h4>" << route << ": " << number(static_cast<double>(t.total())) << " peers; bogus from byte order "
    << number(static_cast<double>(t.lower())) << " .. " << number(static_cast<double>(t.upper())) << " ("
    << percent_text(static_cast<double>(t.lower()) / n) << " .. " << percent_text(static_cast<double>(t.upper()) / n)
    << ")</h4>\n"
    << html_table({"peer", "peers", "reverse runs eMule", "reverse unroutable", "reverse other"}, rows, "tree");
  return r.str();
}

}  // namespace

std::string crawl_section(const ReportInputs& in, const ReportOptions& opt) {
  if (in.records.observations.empty() && in.records.emule_observations.empty()) return "";
  return "<h2>The crawl</h2>\n" + growth_chart(in.records) + sources_table(*in.diagnosis, opt.sources_listed);
}

std::string breakdown_section(const ReportInputs& in) {
  const auto& d = *in.diagnosis;
  std::string out;
  bool bittorrent = !in.records.observations.empty();
  if (bittorrent) {
    auto root = bittorrent_tree(d.breakdown);
    out += "<h3>BitTorrent</h3>\n" + tree_svg(root);
  }
  if (d.emule) {
    out += "<h3>eMule (each peer, then the other byte order of its ID; " +
           number(static_cast<double>(d.emule->low_ids)) + " LowID observations name no address)</h3>\n" +
           emule_tree_table("from index servers", d.emule->servers) + emule_tree_table("from source exchange", d.emule->sx) +
           emule_tree_table("from KAD", d.emule->kad) + emule_tree_table("overall", d.emule->overall);
  }
  if (out.empty()) return "";
  return "<h2>Where the bogus peers are (the study's Fig. 4)</h2>\n" + out;
}

}  // namespace p2pscope::report
