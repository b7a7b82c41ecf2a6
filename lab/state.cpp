#include "lab/state.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace p2pscope::lab {

std::filesystem::path default_state_dir() {
  if (const char* run = std::getenv("XDG_RUNTIME_DIR"); run && *run) return std::filesystem::path(run) / "p2pscope-lab";
  return std::filesystem::temp_directory_path() / ("p2pscope-lab-" + std::to_string(::getuid()));
}

Result<Scenario> load_state_scenario(const std::filesystem::path& state_dir) {
  std::ifstream f(state_dir / kScenarioFile);
  if (!f) return std::make_error_code(std::errc::no_such_file_or_directory);
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_scenario(ss.str());
}

}  // namespace p2pscope::lab
