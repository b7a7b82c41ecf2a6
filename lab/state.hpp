// The files of a running lab's state directory, shared by lab_up(),
// lab_down(), the node process and `p2pscope lab exec`.
#pragma once

#include "core/ed2k.hpp"
#include "lab/plan.hpp"
#include "lab/scenario.hpp"
#include "lab/torrents.hpp"

#include <filesystem>
#include <optional>

namespace p2pscope::lab {

inline constexpr const char* kScenarioFile = "scenario";          // the scenario text the lab runs
inline constexpr const char* kNodeReadyFile = "node.ready";
inline constexpr const char* kActorsReadyFile = "actors.ready";
inline constexpr const char* kPfx2asFile = "routability/lab.pfx2as";
inline constexpr const char* kAsnMmdbFile = "routability/lab-asn.mmdb";
inline constexpr const char* kGroundTruthFile = "ground-truth.json";
// The lab's own trackers log every announce that carries an event here
// (lab/actors.cpp says the format).
inline constexpr const char* kTrackerEventsFile = "tracker-events.tsv";

// $XDG_RUNTIME_DIR/p2pscope-lab, else /tmp/p2pscope-lab-UID.
std::filesystem::path default_state_dir();

Result<Scenario> load_state_scenario(const std::filesystem::path& state_dir);

// What the processes lab_up() starts inside read at start: the running
// lab's plan and torrents, and the real eMule file's hash when the lab has
// one (kRealFileLink). The error says what could not be read.
struct LabFiles {
  LabPlan plan;
  std::vector<LabTorrent> torrents;
  std::optional<ed2k::Md4> real_emule_file;
};
StatusOr<LabFiles> load_lab_files(const std::filesystem::path& state_dir);

}  // namespace p2pscope::lab
