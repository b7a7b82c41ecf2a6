// The lab's peer process: one libtorrent session per seed and leecher of the
// plan, each listening on and connecting from its own lab address. Started
// inside the lab by lab_up() as `p2pscope lab node --state-dir DIR`; runs
// until SIGTERM/SIGINT. Writes DIR/node.ready once every session listens.
#pragma once

#include <filesystem>

namespace p2pscope::lab {

// Returns the process exit code: 0 after a clean stop, 1 on a setup failure
// (reason on stderr, which lab_up() sends to DIR/node.log).
int run_node(const std::filesystem::path& state_dir);

}  // namespace p2pscope::lab
