// Test fixture files under tests/fixtures/ (and the shared captures in
// ../shared/pcaps). Paths are fixed at configure time.
#pragma once

#include <string>
#include <string_view>

namespace p2pscope::testlib {

// Whole contents of tests/fixtures/NAME; aborts the test run if missing.
std::string read_fixture(const std::string& name);
std::string fixture_path(const std::string& name);
// Recorded bytes written in a test as hex ("0000007a0000..."); throws
// std::invalid_argument on an odd length or a non-hex digit.
std::string bytes_from_hex(std::string_view hex);

}  // namespace p2pscope::testlib
