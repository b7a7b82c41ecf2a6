#include "lab/state.hpp"

#include "core/ed2k_link.hpp"
#include "lab/emule.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>

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
  LabFiles f{make_plan(scenario.value()), {}, std::nullopt};
  auto torrents = load_torrents(f.plan, state_dir);
  if (!torrents) return Error(torrents.error()).within("cannot read the lab's torrents");
  f.torrents = std::move(torrents).value();
  if (std::ifstream in(state_dir / kRealFileLink); in) {
    std::string line;
    std::getline(in, line);
    auto link = ed2k::parse_link(line);
    const auto* file = link ? std::get_if<ed2k::FileLink>(&link.value()) : nullptr;
    if (!file) return fail(std::errc::invalid_argument, "cannot read " + (state_dir / kRealFileLink).string() + ": not an ed2k file link");
    f.real_emule_file = file->hash;
  }
  return f;
}

}  // namespace p2pscope::lab
