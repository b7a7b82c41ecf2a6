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

std::string bytes_from_hex(std::string_view hex) {
  if (hex.size() % 2) throw std::invalid_argument("odd-length hex");
  auto digit = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::invalid_argument("not a hex digit");
  };
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) out.push_back(static_cast<char>(digit(hex[i]) * 16 + digit(hex[i + 1])));
  return out;
}

}  // namespace p2pscope::testlib
