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

}  // namespace p2pscope::lab
