#include "tests/testlib/fixtures.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace p2pscope::testlib {

std::string fixture_path(const std::string& name) { return std::string(P2PSCOPE_FIXTURE_DIR) + "/" + name; }

std::string read_fixture(const std::string& name) {
  std::ifstream f(fixture_path(name), std::ios::binary);
  if (!f) throw std::runtime_error("missing fixture " + fixture_path(name));
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace p2pscope::testlib
