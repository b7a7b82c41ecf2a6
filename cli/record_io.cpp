#include "cli/record_io.hpp"

#include "probes/blocklist.hpp"
#include "store/jsonl.hpp"

#include <iostream>

namespace p2pscope::cli {

bool read_records(const std::vector<std::string>& files, RecordInputs& in, const char* cmd) {
  for (const auto& f : files) {
    auto r = JsonlReader::open(f);
    if (!r) {
      std::cerr << "p2pscope " << cmd << ": " << f << ": " << r.error().message() << "\n";
      return false;
    }
    for (;;) {
      auto rec = r.value()->next();
      if (!rec) {
        if (in.bad_lines++ < 5) std::cerr << "p2pscope " << cmd << ": " << f << ":" << r.value()->line() << ": skipped: " << r.value()->detail() << "\n";
        continue;
      }
      if (!rec.value()) break;
      auto& v = *rec.value();
      if (auto* o = std::get_if<Observation>(&v)) in.observations.push_back(std::move(*o));
      else if (auto* p = std::get_if<ProbeResult>(&v)) in.probes.push_back(std::move(*p));
      else if (auto* d = std::get_if<Verdict>(&v)) in.verdicts.push_back(std::move(*d));
      else ++in.other;
    }
  }
  if (in.bad_lines > 0) std::cerr << "p2pscope " << cmd << ": skipped " << in.bad_lines << " malformed line(s)\n";
  return true;
}

bool write_output(const std::string& path, const std::string& text, const char* cmd) {
  if (path == "-") {
    std::cout << text << std::flush;
    return static_cast<bool>(std::cout);
  }
  if (auto st = probes::write_file_atomically(path, text); !st) {
    std::cerr << "p2pscope " << cmd << ": writing " << path << ": " << st.error().message() << "\n";
    return false;
  }
  return true;
}

}  // namespace p2pscope::cli
