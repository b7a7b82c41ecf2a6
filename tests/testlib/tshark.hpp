// Test-only: tshark's dissection of a capture, as rows of fields, for
// tests that check a decoder field by field against Wireshark's.
#pragma once

#include <string>
#include <vector>

namespace p2pscope::testlib {

// `tshark -r PCAP OPTIONS -Y FILTER -T fields -e F...`: one row per frame
// the display filter selects, its cells tab-separated (several values of
// one field stay comma-joined in their cell). tshark must be installed (CI
// installs it): throws when it cannot be run.
std::vector<std::vector<std::string>> tshark_fields(const std::string& pcap, const std::vector<std::string>& options,
                                                    const std::string& filter, const std::vector<std::string>& fields);
// The values of a cell with several (comma-joined), in order.
std::vector<std::string> cell_values(const std::string& cell);
// The first of them.
std::string first_value(const std::string& cell);

}  // namespace p2pscope::testlib
