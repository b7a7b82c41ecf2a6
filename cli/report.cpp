// p2pscope report and p2pscope explain: the records (files or the database)
// diagnosed as `diagnose` does, then drawn as one HTML page, or told about
// one address.
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/record_io.hpp"
#include "cli/report.hpp"
#include "cli/verdicts.hpp"
#include "core/text.hpp"
#include "crawler/utc_now.hpp"
#include "report/explain.hpp"
#include "report/report.hpp"
#include "store/pg_reports.hpp"
#include "store/record_json.hpp"

#include <chrono>
#include <iostream>

namespace p2pscope::cli {
namespace {

report::Records records_of(const RecordInputs& in) {
  return {in.observations, in.emule_observations, in.probes, in.dht_nodes};
}

std::string inputs_text(const ReportArgs& a, const std::string& session) {
  std::string out;
  for (const auto& f : a.judge.records) out += (out.empty() ? "" : ", ") + f;
  if (a.judge.records.empty() && a.judge.io.db.conninfo)
    out = "the database" + (a.judge.io.from_run ? ", run " + *a.judge.io.from_run : std::string());
  for (const auto& f : a.harness) out += (out.empty() ? "" : ", ") + f;
  if (!session.empty()) out += (out.empty() ? "" : ", ") + std::string("harness session ") + session;
  return out;
}

// The client runs to draw: the --harness files, else with --db the session
// asked for (or the newest). kOk or an exit code after saying why.
int harness_runs(const ReportArgs& a, std::vector<nlohmann::json>& runs, std::string& session) {
  for (const auto& f : a.harness)
    if (!read_harness_report(f, "report", runs)) return kBadInput;
  if (!a.harness.empty() || !a.judge.io.db.conninfo) return kOk;
  if (a.judge.io.from_run && a.harness_session.empty()) {
    std::cerr << "p2pscope report: harness sessions belong to no crawl run: left out with --from-run (--harness-session "
                 "draws one)\n";
    return kOk;
  }
  int code = kFailure;
  auto c = open_db(a.judge.io.db, "report --db", SchemaCheck::current, &code);
  if (!c) return code;
  auto got = pg::load_harness_session(*c, a.harness_session, &session);
  if (!got) {
    std::cerr << "p2pscope report: reading harness runs from the database: " << got.error() << "\n";
    return kFailure;
  }
  if (!a.harness_session.empty() && got.value().empty()) {
    std::cerr << "p2pscope report: the database holds no harness session " << printable(a.harness_session) << "\n";
    return kBadInput;
  }
  runs = std::move(got).value();
  if (!session.empty())
    std::cerr << "p2pscope report: harness session " << printable(session) << ": " << runs.size() << " client runs\n";
  return kOk;
}

struct ExplainArgs {
  DiagnoseArgs judge;
  std::string subject;
  bool json = false;
  std::size_t listed = 20;
};

int run_explain(const ExplainArgs& a) {
  auto subject = report::parse_subject(a.subject);
  if (!subject) {
    std::cerr << "p2pscope explain: \"" << printable(a.subject) << "\" is not an IP address or IP:PORT ([IPv6]:PORT)\n";
    return kBadInput;
  }
  Diagnosed d;
  if (int code = diagnose_records(a.judge, "explain", d); code != kOk) return code;
  auto e = report::explain(subject.value(), records_of(d.in), d.diagnosis, {.handed_out_listed = a.listed});
  if (a.json) std::cout << report::explain_json(e).dump() << "\n";
  else std::cout << report::explain_text(e);
  if (e.empty()) {
    std::cerr << "p2pscope explain: no record names " << subject.value().to_string() << "\n";
    return kFailure;
  }
  return kOk;
}

void add_inputs(CLI::App* c, DiagnoseArgs& a, const std::string& what) {
  c->add_option("RECORDS", a.records, "Record files from crawl and probe (JSON Lines; '-' for standard input). With "
                                      "--db and none given: the database's records")
      ->check(CLI::ExistingFile | CLI::IsMember({"-"}));
  add_db_io(c, a.io, what, DbUse::connect);
  add_judging_options(c, a);
}

}  // namespace

report::ReportInputs report_inputs(const DiagnoseArgs& judge, const Diagnosed& d, std::string title, Timestamp now) {
  report::ReportInputs in;
  in.records = records_of(d.in);
  in.diagnosis = &d.diagnosis;
  in.routing = judge.routing.empty() ? nullptr : &d.routing;
  in.cluster.u_threshold = judge.u_threshold;
  in.cluster.farm_min = judge.farm_min;
  in.honeynet_events = d.in.honeynet_events;
  in.title = std::move(title);
  in.generated = format_time(now);
  return in;
}

int run_report(ReportArgs a) {
  if (!check_outputs({a.output}, "report")) return kFailure;
  if (a.judge.records.empty() && !a.judge.io.db.conninfo && a.harness.empty()) {
    std::cerr << "p2pscope report: give record files, --db, or --harness REPORT.json\n";
    return kBadInput;
  }
  Diagnosed d;
  if (!a.judge.records.empty() || a.judge.io.db.conninfo)
    if (int code = diagnose_records(a.judge, "report", d, Needs::anything); code != kOk) return code;
  std::vector<nlohmann::json> runs;
  std::string session;
  if (int code = harness_runs(a, runs, session); code != kOk) return code;
  if (d.in.observations.empty() && d.in.emule_observations.empty() && d.in.honeynet_events.empty() && runs.empty()) {
    if (d.in.valid() == 0)
      std::cerr << "p2pscope report: the input holds no valid record (" << d.in.bad_lines
                << " malformed line(s)); nothing written\n";
    else
      std::cerr << "p2pscope report: nothing to draw: the input holds no observation, honeynet event or harness run ("
                << d.in.valid() << " other records); nothing written\n";
    return kBadInput;
  }
  auto in = report_inputs(a.judge, d, a.title, crawler::utc_now());
  in.harness_runs = runs;
  in.inputs = inputs_text(a, session);
  a.opt.only = a.only;
  auto html = report::render_report(in, a.opt);
  if (!write_output(a.output, html, "report")) return kFailure;
  std::cerr << "p2pscope report: " << a.output << " (" << html.size() / 1024 + 1 << " KiB; " << d.diagnosis.verdicts.size()
            << " verdicts, " << d.diagnosis.sources.size() << " sources, " << d.in.honeynet_events.size()
            << " honeynet events, " << runs.size() << " harness client runs)\n";
  return kOk;
}

void add_report(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<ReportArgs>();
  auto* r = app.add_subcommand("report", "Draw the records and their diagnosis, honeynet events and harness runs as one "
                                         "self-contained HTML page");
  add_inputs(r, a->judge, "Read observations, probe results, honeynet events and (without --harness) the last harness "
                          "session from");
  r->add_option("--harness", a->harness, "A report.json of p2pscope harness (repeatable): draw its client runs, the "
                                         "study's Table V and each client's propagation policy")
      ->check(CLI::ExistingFile)
      ->allow_extra_args(false);
  r->add_option("--harness-session", a->harness_session,
                "With --db and no --harness: the harness session to draw (default: the one stored last; none with "
                "--from-run)");
  r->add_option("-o,--output", a->output, "The HTML file ('-': standard output); replaced atomically")->capture_default_str();
  r->add_option("--title", a->title, "The page's title")->capture_default_str();
  std::vector<std::string> ids = report::section_ids();
  r->add_option("--only", a->only, "Draw one section (for pictures): " + [&ids] {
     std::string s;
     for (const auto& id : ids) s += (s.empty() ? "" : ", ") + id;
     return s;
   }())
      ->check(CLI::IsMember(ids));
  r->add_option("--sources", a->opt.sources_listed, "Rows of the source table")->check(CLI::Range(1, 100000))->capture_default_str();
  r->add_option("--flagged", a->opt.flagged_listed, "Flagged peers listed and explained on the page")
      ->check(CLI::Range(0, 1000000))
      ->capture_default_str();
  r->footer("Record files may mix crawl, probe and passive output: passive_honeynet_event records (p2pscope passive "
            "--honeynet) draw the honeynet section. Without crawl records the report draws what it was given.\n"
            "Examples:\n  p2pscope report crawl.jsonl probes.jsonl -o report.html\n"
            "  p2pscope report --harness p2pscope-harness/report.json events.jsonl -o lab.html\n"
            "  p2pscope report --db '' --from-run 42 -o run42.html");
  r->callback([a, exit_code] { *exit_code = run_report(*a); });
}

void add_explain(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<ExplainArgs>();
  auto* e = app.add_subcommand("explain",
                               "Everything the records say about one address: who handed it out, by which route and "
                               "when, its probes, its verdict and why, and what it handed out as a source");
  e->add_option("ADDRESS", a->subject, "IP (every port) or IP:PORT, [IPv6]:PORT")->required();
  add_inputs(e, a->judge, "Read observations and probe results from");
  e->add_flag("--json", a->json, "One JSON object on standard output instead of text");
  e->add_option("--listed", a->listed, "Of what a source handed out, how many to list")
      ->check(CLI::Range(0, 1000000))
      ->capture_default_str();
  e->callback([a, exit_code] { *exit_code = run_explain(*a); });
}

}  // namespace p2pscope::cli
