// The lab's ground truth: every address the lab configures or hands out,
// what is really there, and, for each bogus one, which actor introduced it
// and by which route. docs/lab-ground-truth.md describes the format; the
// demo, the integration tests and the benchmarks score against it.
#pragma once

#include "lab/emule.hpp"
#include "lab/plan.hpp"
#include "lab/routability.hpp"
#include "lab/torrents.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>

namespace p2pscope::lab {

struct TruthInputs {
  const LabPlan& plan;
  const std::vector<LabTorrent>& torrents;
  const std::vector<Announcement>& announcements;
  std::filesystem::path pfx2as, mmdb;
  std::vector<EmuleLabFile> ed2k_files = {};  // the eMule lab's files, the real one's hash computed
};

nlohmann::json ground_truth(const TruthInputs& in);

}  // namespace p2pscope::lab
