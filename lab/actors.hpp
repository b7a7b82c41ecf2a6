// The lab's actor process: its own trackers, the many-nodes DHT responder,
// its lightweight peers and every misbehaving actor of the plan, in one
// single-threaded Asio process. Started inside the lab by lab_up() as
// `p2pscope lab actors --state-dir DIR`; runs until SIGTERM/SIGINT. Writes
// DIR/actors.ready once every socket is bound and listening, and
// DIR/tracker-events.tsv as its trackers hear started/stopped/completed.
#pragma once

#include <filesystem>

namespace p2pscope::lab {

// Returns the process exit code: 0 after a clean stop, 1 on a setup failure
// (reason on stderr, which lab_up() sends to DIR/actors.log).
int run_actors(const std::filesystem::path& state_dir);

}  // namespace p2pscope::lab
