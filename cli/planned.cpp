#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"

#include <iostream>

namespace p2pscope::cli {
namespace {

struct Planned {
  const char* name;
  const char* summary;
  int issue;
};

// Subcommands from DESIGN.md that are not built yet. Each is listed so users
// see the whole tool, and each refuses to run with exit code 3.
constexpr Planned kPlanned[] = {
    {"schedule", "Add, list, pause and remove scheduled crawls", 8},
    {"worker", "Lease and run scheduled crawl jobs from PostgreSQL", 8},
};

}  // namespace

void add_planned(CLI::App& app, int* exit_code) {
  for (const auto& p : kPlanned) {
    std::string description = std::string(p.summary) + " [not available yet: issue #" + std::to_string(p.issue) + "]";
    auto* sub = app.add_subcommand(p.name, description);
    sub->allow_extras();
    sub->group("Planned (not available yet)");
    sub->callback([exit_code, name = std::string(p.name), issue = p.issue] {
      std::cerr << "p2pscope " << name << ": not available in this build yet (planned in issue #" << issue << ")\n";
      *exit_code = kNotAvailable;
    });
  }
}

}  // namespace p2pscope::cli
