#include "report/report.hpp"

#include "core/text.hpp"
#include "report/sections.hpp"
#include "report/svg.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

namespace p2pscope::report {
namespace {

// No script, no request: the page draws itself from what is in it.
constexpr const char* kHead = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
)";

constexpr const char* kStyle = R"(<style>
body{font:14px/1.45 system-ui,sans-serif;color:#1c2833;margin:0 auto;max-width:1100px;padding:0 18px 40px}
h1{font-size:22px;margin:18px 0 4px}h2{font-size:18px;border-bottom:2px solid #d5d8dc;padding-bottom:3px;margin-top:34px}
h3{font-size:15px;margin:18px 0 6px}h4{font-size:14px;margin:12px 0 4px}.note{color:#566573;font-size:13px}
table{border-collapse:collapse;margin:6px 0 12px;font-size:13px}th,td{border:1px solid #d5d8dc;padding:3px 7px;text-align:left}
th{background:#f2f3f4}td.n{text-align:right;font-variant-numeric:tabular-nums}
table.sources,table.flagged,table.dht,table.events,table.harness,table.table5,table.byte-order{width:100%}td.n,td:first-child{white-space:nowrap}
table.sources td:nth-child(2),table.flagged td:nth-child(4),table.flagged td:nth-child(5),table.dht td:last-child,
table.byte-order td,table.events td:nth-child(6),table.events td:last-child,table.harness td:nth-child(2){overflow-wrap:anywhere}
svg.chart{width:100%;height:auto;max-width:900px;display:block;margin:8px 0 14px;font-size:11px}
svg .title{font-size:13px;font-weight:600}svg .grid{stroke:#eaeded}svg .tick,svg .axis{fill:#566573}
svg .legend{font-size:12px}svg .value{font-weight:600}svg .mark{stroke:#c0392b;stroke-dasharray:4 3}
svg .rule{stroke:#7d3c98;stroke-dasharray:6 3}svg .span{fill:#fdedec}svg .farm{fill:none;stroke:#1c2833;stroke-width:2}
svg .edge{fill:none;stroke:#aab7b8;stroke-width:1.5}svg .box{fill:#f8f9f9;stroke:#aab7b8}
svg .box.bogus{fill:#f5eef8}svg .box.anti_p2p{fill:#fadbd8}svg .box.byte_order{fill:#fdebd0}svg .box.normal{fill:#d5f5e3}
svg .box.bogus_unroutable{fill:#ebdef0}svg .box.unreachable{fill:#eaeded}svg .box.unknown{fill:#fbfcfc}
svg .boxvalue{font-weight:600}svg .share{font-weight:400;fill:#566573}
.verdict{display:inline-block;padding:0 6px;border-radius:3px;color:#fff;font-size:12px}
details{border:1px solid #d5d8dc;border-radius:4px;margin:4px 0;padding:2px 8px}details:target{border-color:#c0392b;background:#fdf2f1}
summary{cursor:pointer}pre{white-space:pre-wrap;font-size:12px;margin:4px 0}
</style></head><body>
)";

std::string verdict_badge(VerdictKind k) { return badge(to_string(k), to_string(k)); }

std::string summary_section(const ReportInputs& in) {
  std::map<VerdictKind, std::size_t> counts;
  for (const auto& v : in.diagnosis->verdicts) ++counts[v.verdict];
  std::vector<std::vector<std::string>> rows;
  for (const auto& [k, n] : counts) rows.push_back({verdict_badge(k), number(static_cast<double>(n))});
  const auto& r = in.records;
  auto n = [](std::size_t v) { return number(static_cast<double>(v)); };
  std::ostringstream s;
  s << "<h2>Summary</h2>\n<p>" << n(r.observations.size()) << " BitTorrent and " << n(r.emule_observations.size())
    << " eMule observations, " << n(r.probes.size()) << " probe results, " << n(r.dht_nodes.size())
    << " DHT node records; " << n(in.diagnosis->sources.size()) << " sources";
  if (!in.honeynet_events.empty()) s << "; " << n(in.honeynet_events.size()) << " honeynet events";
  if (!in.harness_runs.empty()) s << "; " << n(in.harness_runs.size()) << " harness client runs";
  s << ".</p>\n";
  if (!rows.empty()) s << html_table({"verdict", "judged"}, rows, "verdicts");
  return s.str();
}

std::string dht_nodes_section(const ReportInputs& in) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& v : in.diagnosis->verdicts) {
    if (!dht_node_verdict(v.verdict)) continue;
    std::string why;
    for (const auto& e : v.evidence) why += (why.empty() ? "" : "; ") + escape(printable(e));
    rows.push_back({"<a href=\"#" + anchor_of(v.peer) + "\">" + escape(v.peer.to_string()) + "</a>", verdict_badge(v.verdict),
                    why});
  }
  if (rows.empty()) return "";
  return "<h2>Bogus DHT nodes (" + number(static_cast<double>(rows.size())) + ")</h2>\n" +
         html_table({"node", "verdict", "evidence"}, rows, "dht");
}

std::string flagged_section(const ReportInputs& in, const ReportOptions& opt) {
  std::vector<const Verdict*> flagged;
  std::set<Endpoint> explained;
  for (const auto& v : in.diagnosis->verdicts)
    if (v.verdict != VerdictKind::normal) flagged.push_back(&v);
  if (flagged.empty()) return "";
  std::stable_sort(flagged.begin(), flagged.end(), [](const Verdict* a, const Verdict* b) { return a->verdict < b->verdict; });
  Explainer ex(in.records, *in.diagnosis);
  std::vector<std::vector<std::string>> rows;
  std::ostringstream details;
  for (const auto* v : flagged) {
    if (rows.size() >= opt.flagged_listed) break;
    auto e = ex.explain({v->peer.address, v->peer.port}, {.handed_out_listed = 10});
    std::string by = e.seen.empty() ? std::string() : escape(source_text(*e.seen.front()));
    if (e.seen.size() > 1) by += " and " + number(static_cast<double>(e.seen.size() - 1)) + " more";
    rows.push_back({"<a href=\"#" + anchor_of(v->peer) + "\">" + escape(v->peer.to_string()) + "</a>", verdict_badge(v->verdict),
                    number(v->confidence), v->evidence.empty() ? "" : escape(printable(v->evidence.front())), by});
    if (explained.insert(v->peer).second)
      details << "<details id=\"" << anchor_of(v->peer) << "\"><summary>" << escape(v->peer.to_string()) << " "
              << verdict_badge(v->verdict) << "</summary><pre>" << escape(explain_text(e)) << "</pre></details>\n";
  }
  std::ostringstream s;
  s << "<h2>Flagged peers (" << number(static_cast<double>(flagged.size())) << ")</h2>\n";
  if (flagged.size() > rows.size())
    s << "<p class=\"note\">The first " << number(static_cast<double>(rows.size())) << " are listed and explained.</p>\n";
  s << html_table({"peer", "verdict", "confidence", "the most decisive reason", "handed out by"}, rows, "flagged")
    << "<h3>Evidence per peer (p2pscope explain)</h3>\n" << details.str();
  return s.str();
}

}  // namespace

std::vector<std::string> section_ids() {
  return {"summary", "crawl", "breakdown", "origins", "dht-nodes", "honeynet", "harness", "flagged"};
}

double num_field(const nlohmann::json& j, std::string_view key, double fallback) {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : fallback;
}

std::string text_field(const nlohmann::json& j, std::string_view key, std::string fallback) {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? printable(it->get<std::string>()) : fallback;
}

namespace {
const nlohmann::json& field_of_type(const nlohmann::json& j, std::string_view key, nlohmann::json::value_t type) {
  static const nlohmann::json kObject = nlohmann::json::object(), kArray = nlohmann::json::array();
  const auto& empty = type == nlohmann::json::value_t::object ? kObject : kArray;
  if (!j.is_object()) return empty;
  auto it = j.find(key);
  return it != j.end() && it->type() == type ? *it : empty;
}
}  // namespace

const nlohmann::json& object_field(const nlohmann::json& j, std::string_view key) {
  return field_of_type(j, key, nlohmann::json::value_t::object);
}
const nlohmann::json& array_field(const nlohmann::json& j, std::string_view key) {
  return field_of_type(j, key, nlohmann::json::value_t::array);
}

std::string utc_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0 || seconds > 253402300799.0) return "-";
  auto t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string anchor_of(const Endpoint& e) { return html_id("peer-", e.to_string()); }

std::string html_id(std::string_view prefix, std::string_view text) {
  std::string out(prefix);
  for (char c : text) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  return out;
}

std::string badge(std::string_view text, std::string_view colour) {
  return "<span class=\"verdict\" style=\"background:" + std::string(colour_of(colour)) + "\">" + escape(text) + "</span>";
}

std::vector<std::pair<std::string, double>> u_bins(const std::vector<double>& us) {
  std::vector<std::pair<std::string, double>> bins;
  for (int i = 0; i < 10; ++i) {
    char label[16];
    std::snprintf(label, sizeof label, "%.1f-%.1f", i / 10.0, (i + 1) / 10.0);
    bins.emplace_back(label, 0);
  }
  for (double u : us) ++bins[std::min<std::size_t>(9, static_cast<std::size_t>(std::clamp(u, 0.0, 1.0) * 10))].second;
  return bins;
}

std::string percent_text(double share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100 * share);
  return buf;
}

std::string source_cell(const std::string& source) {
  if (auto e = Endpoint::parse(source)) return "<a href=\"#" + anchor_of(e.value()) + "\">" + escape(source) + "</a>";
  return escape(printable(source));
}

std::string html_table(const std::vector<std::string>& head, const std::vector<std::vector<std::string>>& rows,
                       const std::string& cls) {
  std::ostringstream r;
  r << "<table" << (cls.empty() ? "" : " class=\"" + cls + "\"") << "><thead><tr>";
  for (const auto& h : head) r << "<th>" << escape(h) << "</th>";
  r << "</tr></thead><tbody>\n";
  for (const auto& row : rows) {
    r << "<tr>";
    for (const auto& c : row) {
      bool numeric = !c.empty() && (std::isdigit(static_cast<unsigned char>(c.front())) || c.front() == '-') &&
                     c.find_first_not_of("0123456789,.%-") == std::string::npos;
      r << (numeric ? "<td class=\"n\">" : "<td>") << c << "</td>";
    }
    r << "</tr>\n";
  }
  r << "</tbody></table>\n";
  return r.str();
}

std::string render_report(const ReportInputs& in, const ReportOptions& opt) {
  std::vector<std::pair<std::string, std::string>> sections{
      {"summary", summary_section(in)},          {"crawl", crawl_section(in, opt)},
      {"breakdown", breakdown_section(in)},      {"origins", origins_section(in)},
      {"dht-nodes", dht_nodes_section(in)},      {"honeynet", honeynet_section(in, opt)},
      {"harness", harness_section(in)},          {"flagged", flagged_section(in, opt)}};
  std::ostringstream page;
  page << kHead << "<title>" << escape(in.title) << "</title>\n" << kStyle << "<h1>" << escape(in.title) << "</h1>\n"
       << "<p class=\"note\">Made by p2pscope report" << (in.generated.empty() ? "" : " at " + escape(in.generated))
       << (in.inputs.empty() ? "" : " from " + escape(in.inputs)) << ".</p>\n";
  for (const auto& [id, html] : sections) {
    if (html.empty() || (!opt.only.empty() && opt.only != id)) continue;
    page << "<section id=\"" << id << "\">\n" << html << "</section>\n";
  }
  page << "</body></html>\n";
  return page.str();
}

}  // namespace p2pscope::report
