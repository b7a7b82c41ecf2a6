// Shared by `p2pscope lab` and `p2pscope demo`: starting a lab and
// printing scores against the lab's ground truth (on standard output).
#pragma once

#include "core/records.hpp"
#include "lab/lab.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace p2pscope::cli {

// How `lab up` and `demo` start a lab.
struct LabStart {
  std::string scenario;                 // a scenario file if one exists there, else a built-in name
  std::optional<std::uint64_t> seed;    // overrides the scenario's
  std::filesystem::path state_dir;      // absolute
  unsigned timeout = 120;               // seconds for the swarm to form
  std::function<void(std::string_view)> progress;
};
// Loads the scenario and brings the lab up into *up. On failure says why on
// standard error ("p2pscope CMD: ...") and returns kBadInput (the scenario)
// or kFailure (the lab); kOk otherwise.
int start_lab(const LabStart& s, const char* cmd, std::optional<lab::LabUp>& up);

// Each prints its score and returns whether it meets the bar: the crawl's
// (recall >= 99%, attribution 100%, every actor seen) and the verdicts'
// (issue #5: anti_p2p and byte_order precision 1.0 and recall >= 0.95).
bool print_crawl_score(const nlohmann::json& truth, const std::vector<Observation>& obs);
bool print_emule_crawl_score(const nlohmann::json& truth, const std::vector<EmuleObservation>& obs);
// Verdicts of `net` only (eMule: those with a file hash).
bool print_verdict_score(const nlohmann::json& truth, const std::vector<Verdict>& verdicts,
                         Network net = Network::bittorrent);

// Verdicts on the DHT nodes the crawl recorded (issue 26): for each kind of
// bogus node the truth has, precision 1.0 and recall >= 0.95 (each Sybil
// role apart), and no honest node judged bogus. True when the truth has no
// bogus DHT node (nothing to score).
bool print_dht_node_score(const nlohmann::json& truth, const std::vector<DhtNodeSeen>& seen,
                          const std::vector<Verdict>& verdicts);

}  // namespace p2pscope::cli
