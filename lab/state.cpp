#include "lab/state.hpp"

#include <unistd.h>

#include <cstdlib>

namespace p2pscope::lab {

std::filesystem::path default_state_dir() {
  if (const char* run = std::getenv("XDG_RUNTIME_DIR"); run && *run) return std::filesystem::path(run) / "p2pscope-lab";
  return std::filesystem::temp_directory_path() / ("p2pscope-lab-" + std::to_string(::getuid()));
}

Result<Scenario> load_state_scenario(const std::filesystem::path& state_dir) {
  return load_scenario_file(state_dir / kScenarioFile);
}

StatusOr<LabFiles> load_lab_files(const std::filesystem::path& state_dir) {
  auto scenario = load_state_scenario(state_dir);
  if (!scenario) return Error(scenario.error()).within("cannot read " + (state_dir / kScenarioFile).string());
  LabFiles f{make_plan(scenario.value()), {}};
  auto torrents = load_torrents(f.plan, state_dir);
  if (!torrents) return Error(torrents.error()).within("cannot read the lab's torrents");
  f.torrents = std::move(torrents).value();
  return f;
}

}  // namespace p2pscope::lab
