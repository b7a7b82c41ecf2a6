// p2pscope's process exit codes (documented in README and `p2pscope --help`).
#pragma once

namespace p2pscope::cli {

enum ExitCode : int {
  kOk = 0,             // the command did what it was asked
  kFailure = 1,        // a run-time failure: I/O error, unreachable resource
  kBadInput = 2,       // bad command line or malformed input (a file, an infohash)
};

}  // namespace p2pscope::cli
