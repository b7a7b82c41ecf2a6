// The files of a running lab's state directory, shared by lab_up(),
// lab_down(), the node process and `p2pscope lab exec`.
#pragma once

#include "lab/scenario.hpp"

#include <filesystem>

namespace p2pscope::lab {

inline constexpr const char* kScenarioFile = "scenario";          // the scenario text the lab runs
inline constexpr const char* kNodeReadyFile = "node.ready";
inline constexpr const char* kActorsReadyFile = "actors.ready";
inline constexpr const char* kPfx2asFile = "routability/lab.pfx2as";
inline constexpr const char* kAsnMmdbFile = "routability/lab-asn.mmdb";
inline constexpr const char* kGroundTruthFile = "ground-truth.json";

// $XDG_RUNTIME_DIR/p2pscope-lab, else /tmp/p2pscope-lab-UID.
std::filesystem::path default_state_dir();

Result<Scenario> load_state_scenario(const std::filesystem::path& state_dir);

}  // namespace p2pscope::lab
