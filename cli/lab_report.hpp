// Shared by `p2pscope lab` and `p2pscope demo`: choosing a scenario and
// printing scores against the lab's ground truth (on standard output).
#pragma once

#include "core/records.hpp"
#include "lab/scenario.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace p2pscope::cli {

// A file path if one exists there, else a built-in scenario name; *why says
// what went wrong.
Result<lab::Scenario> load_scenario(const std::string& what, std::string& why);

// Each prints its score and returns whether it meets the bar: the crawl's
// (recall >= 99%, attribution 100%, every actor seen) and the verdicts'
// (issue #5: anti_p2p and byte_order precision 1.0 and recall >= 0.95).
bool print_crawl_score(const nlohmann::json& truth, const std::vector<Observation>& obs);
bool print_verdict_score(const nlohmann::json& truth, const std::vector<Verdict>& verdicts);

}  // namespace p2pscope::cli
