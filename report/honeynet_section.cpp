#include "report/sections.hpp"

#include "report/svg.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace p2pscope::report {
namespace {

using nlohmann::json;

// "tcp 1,204, utp 310": a count map, largest first, at most `n` names.
std::string counts_text(const json& counts, std::size_t n) {
  std::vector<std::pair<std::string, double>> v;
  for (const auto& [k, c] : counts.items())
    if (c.is_number()) v.emplace_back(k, c.get<double>());
  std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string out;
  for (std::size_t i = 0; i < v.size() && i < n; ++i) out += (out.empty() ? "" : ", ") + v[i].first + " " + number(v[i].second);
  if (v.size() > n) out += ", …";
  return out;
}

std::string event_label(const json& e) {
  return text_field(e, "target") + " " + utc_text(num_field(e, "start")).substr(0, 16);
}

std::string event_anchor(const json& e) { return html_id("event-", text_field(e, "event")); }

std::string classification_badge(const std::string& c) {
  // The event classes take the colours of the verdicts they correspond to.
  return badge(c, c == "anti_p2p" ? "anti_p2p" : c == "forged_sources" ? "bogus_unroutable" : "byte_order");
}

std::vector<std::string> event_row(const json& e) {
  const auto& farms = array_field(e, "farms");
  return {"<a id=\"" + event_anchor(e) + "\"></a>" + escape(text_field(e, "target")),
          escape(utc_text(num_field(e, "start"))),
          number(std::round(num_field(e, "duration"))),
          classification_badge(text_field(e, "classification")),
          escape(text_field(e, "application")),
          escape(counts_text(object_field(e, "protocols"), 5)),
          number(num_field(e, "unique_sources")),
          number(num_field(e, "peak_per_interval")),
          number(num_field(e, "u")),
          number(static_cast<double>(farms.size())),
          escape(counts_text(object_field(e, "clients"), 4))};
}

// Unique sources per interval of one event, the end rule, and the event's span.
std::string interval_chart(const json& e) {
  Series s{"sources per interval", {}};
  for (const auto& p : array_field(e, "per_interval"))
    if (p.is_array() && p.size() == 2 && p[0].is_number() && p[1].is_number())
      s.xy.emplace_back(p[0].get<double>(), p[1].get<double>());
  if (s.xy.empty()) return "";
  LineChart c;
  c.title = event_label(e) + ": " + number(num_field(e, "unique_sources")) + " unique sources, " +
            text_field(e, "classification");
  c.x_label = "time since the event's first interval (intervals of " + number(num_field(e, "interval")) + " s)";
  c.y_label = "unique sources";
  c.series.push_back(std::move(s));
  c.x_spans.emplace_back(num_field(e, "start"), num_field(e, "end"));
  c.y_rule = num_field(e, "end_threshold");
  c.height = 220;
  std::string note;
  auto cut = e.find("per_interval_cut");
  if (cut != e.end() && cut->is_boolean() && cut->get<bool>())
    note = "<p class=\"note\">The series of this event was cut at its bound; its counts above hold every source.</p>\n";
  return line_chart(c) + note;
}

std::string u_over_events(const std::vector<const json*>& events) {
  std::vector<double> us;
  for (const auto* e : events) us.push_back(num_field(*e, "u"));
  return histogram({"U metric over the events (the study's Fig. 6), " + number(static_cast<double>(events.size())) + " events",
                    "U = unique /24s / unique sources; the study reads U below 0.5 as anti-P2P", u_bins(us)});
}

std::string mix_chart(const std::vector<const json*>& events, const char* field, const std::string& title,
                      const std::string& unit) {
  BarChart c{title, unit, {}};
  for (const auto* e : events) {
    Bar b;
    b.label = event_label(*e);
    b.link = "#" + event_anchor(*e);
    for (const auto& [k, v] : object_field(*e, field).items())
      if (v.is_number()) b.parts.emplace_back(k, v.get<double>());
    b.highlight = text_field(*e, "classification") == "anti_p2p";
    if (!b.parts.empty()) c.bars.push_back(std::move(b));
  }
  return c.bars.empty() ? "" : bar_chart(c);
}

}  // namespace

std::string honeynet_section(const ReportInputs& in, const ReportOptions& opt) {
  std::vector<const json*> events;
  for (const auto& e : in.honeynet_events)
    if (e.is_object()) events.push_back(&e);
  if (events.empty()) return "";
  std::stable_sort(events.begin(), events.end(),
                   [](const json* a, const json* b) { return num_field(*a, "start") < num_field(*b, "start"); });
  std::vector<std::vector<std::string>> rows;
  for (const auto* e : events) rows.push_back(event_row(*e));
  auto largest = events;
  std::stable_sort(largest.begin(), largest.end(), [](const json* a, const json* b) {
    return num_field(*a, "unique_sources") > num_field(*b, "unique_sources");
  });
  if (largest.size() > opt.events_charted) largest.resize(opt.events_charted);
  std::ostringstream r;
  r << "<h2>Honeynet events (" << number(static_cast<double>(events.size())) << ")</h2>\n"
    << "<p class=\"note\">Traffic to addresses that never ran a client, per target address: an event grows while each "
       "interval's unique sources stay at or above the end rule (the dashed line, a third of its peak by default) and ends "
       "at the first interval below it; the shaded span runs from its first packet to its last. U is unique /24s over "
       "unique sources; a heavy outline marks an anti-P2P event.</p>\n"
    << html_table({"target", "start (UTC)", "seconds", "classification", "application", "packets by protocol",
                   "unique sources", "peak per interval", "U", "farms", "sources by client"},
                  rows, "events")
    << "<h3>Unique sources per interval, the " << largest.size() << " largest events</h3>\n";
  for (const auto* e : largest) r << interval_chart(*e);
  r << u_over_events(events)
    << mix_chart(largest, "clients", "Sources by client (peer id prefix), the largest events", "sources")
    << mix_chart(largest, "protocols", "Packets by protocol, the largest events", "packets");
  return r.str();
}

}  // namespace p2pscope::report
