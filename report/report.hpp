// `p2pscope report`: one self-contained HTML page (inline CSS and SVG, no
// script, a Content-Security-Policy that forbids every request) drawn from
// the records and the diagnosis made of them. Every number on the page is
// computed here from the inputs; nothing is typed in.
//
// Sections, each present only when its records are (ids in parentheses):
//   summary   what went in, verdicts per class                    (summary)
//   crawl     unique peers over time per route; the source table  (crawl)
//   Fig. 4    the breakdown tree per network                      (breakdown)
//   origins   flagged peers by origin AS and by /24 (/64), U      (origins)
//   DHT nodes the bogus nodes with their evidence                 (dht-nodes)
//   honeynet  events: unique sources per interval with the end    (honeynet)
//             rule, U over events (the study's Fig. 6), client
//             and protocol mix per event
//   harness   the study's Table V per client run, the propagation (harness)
//             policy and its evidence, byte-order pairs
//   flagged   every flagged peer, each linked to its explanation  (flagged)
//
// Pure and single-threaded; the inputs are only read.
#pragma once

#include "probes/diagnose.hpp"
#include "probes/prefix_table.hpp"
#include "report/explain.hpp"

#include <nlohmann/json.hpp>

#include <span>
#include <string>

namespace p2pscope::report {

struct ReportInputs {
  Records records;
  const probes::Diagnosis* diagnosis = nullptr;  // required (empty when only events or harness runs are drawn)
  // passive_honeynet_event records (docs/records.md) and the client run
  // objects of a harness report.json (taint-harness/report.hpp). Read
  // defensively: a field missing or of the wrong type counts as absent.
  std::span<const nlohmann::json> honeynet_events;
  std::span<const nlohmann::json> harness_runs;
  const probes::PrefixTable* routing = nullptr;  // null: no origin-AS chart
  probes::ClusterConfig cluster;                 // the farm size the diagnosis used
  std::string title = "p2pscope report";
  std::string generated;                         // when, as text (the caller's clock)
  std::string inputs;                            // what was read, as text
};

struct ReportOptions {
  std::string only;                    // one section id; empty: all
  std::size_t sources_listed = 40;     // rows of the source table
  std::size_t flagged_listed = 5000;   // flagged peers listed and explained
  std::size_t events_charted = 6;      // honeynet events drawn per interval, the largest first
};

std::string render_report(const ReportInputs& in, const ReportOptions& opt = {});

// The section ids, in page order.
std::vector<std::string> section_ids();

// The id of a peer's explanation on the page ("peer-1-2-3-4-6881").
std::string anchor_of(const Endpoint& e);

}  // namespace p2pscope::report
