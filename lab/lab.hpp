// Bringing the lab up and down. lab_up() creates the sandbox, the torrents,
// the trackers and the peers, waits until they answer, and writes the ground
// truth; lab_down() ends every process in the lab and removes its state.
// One lab per state directory; a lab left there by a crash is torn down by
// the next lab_up().
#pragma once

#include "lab/emule.hpp"
#include "lab/plan.hpp"
#include "lab/sandbox.hpp"
#include "lab/torrents.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <string_view>

namespace p2pscope::lab {

struct LabOptions {
  std::filesystem::path state_dir;
  std::filesystem::path self_exe;  // the p2pscope binary, run inside as `lab node`
  std::chrono::seconds ready_timeout{120};  // `large` forms in about a minute
  std::function<void(std::string_view)> progress;  // one line per step; may be empty
};

struct LabUp {
  Sandbox sandbox;
  LabPlan plan;
  std::vector<LabTorrent> torrents;
  std::filesystem::path ground_truth;
  std::filesystem::path pfx2as;    // CAIDA-style prefix-to-AS file of the lab's announced prefixes
  std::filesystem::path asn_mmdb;  // the same as a GeoLite2-ASN-shaped .mmdb
  // eMule scenarios: the files (scripted, then the real one), and the
  // crawler's inputs: STATE/emule/{links.txt,server.met,nodes.dat}.
  std::vector<EmuleLabFile> ed2k_files;
  std::filesystem::path ed2k_links, server_met, nodes_dat;
};

// On failure the lab is torn down again and the error says which step failed.
StatusOr<LabUp> lab_up(const Scenario& s, const LabOptions& opt);
Status lab_down(const std::filesystem::path& state_dir);

}  // namespace p2pscope::lab
