#include "report/sections.hpp"

#include "core/special_ranges.hpp"
#include "report/svg.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

namespace p2pscope::report {
namespace {

using nlohmann::json;

std::string run_label(const json& r) {
  std::string mode = text_field(r, "mode", "taint");
  return text_field(r, "client", "?") + (mode == "taint" ? "" : " (" + mode + ")");
}

std::string verdict_cell(const std::string& v) {
  return badge(v, v == "clean" ? "normal" : v == "creates_bogus_peers" ? "anti_p2p" : "unknown");
}

std::vector<std::string> table5_row(const json& r, const std::string& route, const json& row, double out_unroutable) {
  return {escape(run_label(r)), escape(route), number(num_field(row, "incoming")), number(num_field(row, "outgoing")),
          number(num_field(row, "outgoing_unroutable", out_unroutable)), number(num_field(row, "created")),
          number(num_field(row, "created_unroutable"))};
}

// The study's Table V for one client run, one row per route and one for all
// of them. A report.json written before the harness counted the outgoing
// peers in special-purpose space gets them counted here from its outgoing list.
void table5_rows(const json& r, std::vector<std::vector<std::string>>& rows) {
  const auto& diff = object_field(r, "diff");
  std::map<std::string, double> out_unroutable;
  for (const auto& o : array_field(diff, "outgoing")) {
    auto peer = Endpoint::parse(text_field(o, "peer"));
    if (peer && is_bogon(peer.value().address)) ++out_unroutable[text_field(o, "route")];
  }
  for (const auto& row : array_field(diff, "routes")) {
    auto route = text_field(row, "route");
    rows.push_back(table5_row(r, route, row, out_unroutable[route]));
  }
  if (diff.contains("all_routes")) rows.push_back(table5_row(r, "all routes", object_field(diff, "all_routes"), 0));
}

std::string policy_rows(const std::vector<const json*>& runs) {
  std::vector<std::vector<std::string>> rows;
  for (const auto* r : runs) {
    const auto& diff = object_field(*r, "diff");
    for (const auto& k : array_field(diff, "policy_evidence"))
      rows.push_back({escape(run_label(*r)), escape(text_field(diff, "propagation_policy")), escape(text_field(k, "kind")),
                      number(num_field(k, "fed")), number(num_field(k, "contacted")), number(num_field(k, "handshaken")),
                      number(num_field(k, "advertised_by_pex"))});
  }
  if (rows.empty()) return "";
  return "<h3>PEX propagation policy and its evidence</h3>\n<p class=\"note\">Which kinds of fed peer each client passed on "
         "by ut_pex: an unreachable one means it checks nothing (unchecked), one with an open port but no BitTorrent means "
         "a TCP connect is enough (after_tcp_connect), BitTorrent peers only means it waits for a handshake "
         "(after_handshake).</p>\n" +
         html_table({"client", "policy", "fed peer kind", "fed", "contacted", "handshaken", "advertised by PEX"}, rows, "policy");
}

std::string byte_order_rows(const std::vector<const json*>& runs) {
  std::vector<std::vector<std::string>> rows;
  for (const auto* r : runs) {
    std::size_t listed = 0;
    const auto& pairs = array_field(object_field(*r, "diff"), "byte_order");
    for (const auto& p : pairs) {
      if (++listed > 20) break;
      rows.push_back({escape(run_label(*r)), escape(text_field(p, "route")), escape(text_field(p, "incoming")),
                      escape(text_field(p, "outgoing")), escape(text_field(p, "how"))});
    }
    if (pairs.size() > 20)
      rows.push_back({escape(run_label(*r)), "", "", "and " + number(static_cast<double>(pairs.size() - 20)) + " more", ""});
  }
  if (rows.empty()) return "";
  return "<h3>Byte-order findings (the first 20 per client)</h3>\n" +
         html_table({"client", "route", "fed to it", "given out", "how"}, rows, "byte-order");
}

Bar given_out_bar(const json& r) {
  Bar b;
  b.label = run_label(r);
  const auto& diff = object_field(r, "diff");
  double outgoing = static_cast<double>(array_field(diff, "outgoing").size());
  double created = static_cast<double>(array_field(diff, "created").size());
  b.parts = {{"passed on", std::max(0.0, outgoing - created)}, {"created", created}};
  b.highlight = created > 0;
  return b;
}

}  // namespace

std::string harness_section(const ReportInputs& in) {
  std::vector<const json*> runs;
  for (const auto& r : in.harness_runs)
    if (r.is_object()) runs.push_back(&r);
  if (runs.empty()) return "";
  std::vector<std::vector<std::string>> summary, table5, errors;
  BarChart given{"Distinct peers each client gave out: passed on, and created (never fed to it)", "peers", {}};
  for (const auto* r : runs) {
    const auto& diff = object_field(*r, "diff");
    summary.push_back({escape(run_label(*r)), escape(text_field(*r, "version", "-")), verdict_cell(text_field(*r, "verdict")),
                       escape(text_field(diff, "propagation_policy", "-")),
                       number(static_cast<double>(array_field(diff, "outgoing").size())), number(num_field(diff, "bogus")),
                       number(static_cast<double>(array_field(diff, "byte_order").size())),
                       number(std::round(num_field(*r, "client_seconds")))});
    table5_rows(*r, table5);
    if (diff.contains("outgoing")) given.bars.push_back(given_out_bar(*r));
    if (r->contains("error")) errors.push_back({escape(run_label(*r)), escape(text_field(*r, "error"))});
  }
  std::ostringstream s;
  s << "<h2>Taint harness (" << number(static_cast<double>(runs.size())) << " client runs)</h2>\n"
    << "<p class=\"note\">Each client ran in a sandbox of its own and was fed peers by every route (the total); "
       "outgoing is every distinct peer it gave out, outgoing − incoming every one it was never given (a byte-order bug when a fed peer "
       "explains it, else made up), and unroutable the ones in special-purpose address space. \"All routes\" counts "
       "each peer once, and its total also holds the client's own addresses and the harness's DHT nodes.</p>\n"
    << html_table({"client", "version", "verdict", "propagation policy", "outgoing", "outgoing − incoming", "byte order",
                   "seconds"},
                  summary, "harness");
  if (!given.bars.empty()) s << bar_chart(given);
  if (!table5.empty())
    s << "<h3>The study's Table V, per client and route</h3>\n"
      << html_table({"client", "route", "total fed (incoming)", "outgoing", "outgoing unroutable", "outgoing − incoming",
                     "of those unroutable"},
                    table5, "table5");
  s << policy_rows(runs) << byte_order_rows(runs);
  if (!errors.empty()) s << "<h3>Runs that failed</h3>\n" << html_table({"client", "error"}, errors, "harness-errors");
  return s.str();
}

}  // namespace p2pscope::report
