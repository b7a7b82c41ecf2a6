// Test fixture files under tests/fixtures/ (and the shared captures in
// ../shared/pcaps). Paths are fixed at configure time.
#pragma once

#include <string>

namespace p2pscope::testlib {

// Whole contents of tests/fixtures/NAME; aborts the test run if missing.
std::string read_fixture(const std::string& name);
std::string fixture_path(const std::string& name);

}  // namespace p2pscope::testlib
