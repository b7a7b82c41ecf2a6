// Record files in and out for the commands that chain stages (probe,
// diagnose, blocklist): read several files, skipping and counting lines that
// are not valid records; write a whole output through a temporary file.
#pragma once

#include "core/records.hpp"

#include <string>
#include <vector>

namespace p2pscope::cli {

struct RecordInputs {
  std::vector<Observation> observations;
  std::vector<ProbeResult> probes;
  std::vector<Verdict> verdicts;
  std::size_t bad_lines = 0, other = 0;
};

// False (after saying why, prefixed "p2pscope CMD: ") only when a file cannot
// be opened; the first few bad lines are named on standard error.
bool read_records(const std::vector<std::string>& files, RecordInputs& in, const char* cmd);

// Writes text to path ("-": standard output); renamed into place when complete.
bool write_output(const std::string& path, const std::string& text, const char* cmd);

}  // namespace p2pscope::cli
