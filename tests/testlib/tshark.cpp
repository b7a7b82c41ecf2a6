#include "tests/testlib/tshark.hpp"

#include <cstdio>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace p2pscope::testlib {

std::vector<std::vector<std::string>> tshark_fields(const std::string& pcap, const std::vector<std::string>& options,
                                                    const std::string& filter, const std::vector<std::string>& fields) {
  std::string cmd = "tshark -r '" + pcap + "'";
  for (const auto& o : options) cmd += " '" + o + "'";
  cmd += " -Y '" + filter + "' -T fields";
  for (const auto& f : fields) cmd += " -e " + f;
  cmd += " 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> p(::popen(cmd.c_str(), "r"), ::pclose);
  if (!p) throw std::runtime_error("cannot run tshark");
  std::string text;
  char buf[4096];
  while (auto n = std::fread(buf, 1, sizeof buf, p.get())) text.append(buf, n);
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> row;
    std::istringstream cells(line);
    for (std::string cell; std::getline(cells, cell, '\t');) row.push_back(cell);
    if (!line.empty() && line.back() == '\t') row.emplace_back();
    rows.push_back(row);
  }
  return rows;
}

std::vector<std::string> cell_values(const std::string& cell) {
  std::vector<std::string> out;
  std::istringstream values(cell);
  for (std::string v; std::getline(values, v, ',');) out.push_back(v);
  return out;
}

std::string first_value(const std::string& cell) { return cell.substr(0, cell.find(',')); }

}  // namespace p2pscope::testlib
