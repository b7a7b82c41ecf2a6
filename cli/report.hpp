// p2pscope report as a function, for its subcommand and for the demo, which
// draws the page from the files its stages wrote. Errors are printed,
// prefixed "p2pscope report:"; the return is an exit code (exit_codes.hpp).
#pragma once

#include "cli/verdicts.hpp"
#include "report/report.hpp"

#include <string>

namespace p2pscope::cli {

struct ReportArgs {
  DiagnoseArgs judge;  // the records and what they are judged with, as diagnose takes them
  std::vector<std::string> harness;  // harness report.json files
  std::string harness_session;       // with --db and no --harness: this session ("": the newest)
  std::string output = "report.html", title = "p2pscope report", only;
  report::ReportOptions opt;
};
int run_report(ReportArgs a);

// What render_report draws from a diagnosis made by diagnose_records with
// `judge` (and the honeynet events read with it): views into d, which must
// outlive the result. harness_runs is left empty.
report::ReportInputs report_inputs(const DiagnoseArgs& judge, const Diagnosed& d, std::string title, Timestamp now);

}  // namespace p2pscope::cli
