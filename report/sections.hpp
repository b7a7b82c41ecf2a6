// The report's sections, one function each (report.cpp assembles them).
// Each returns "" when its records are absent. Internal to report/.
#pragma once

#include "report/report.hpp"

#include <string>
#include <vector>

namespace p2pscope::report {

// A table of already-escaped cells; cls names the table's CSS class.
std::string html_table(const std::vector<std::string>& head, const std::vector<std::vector<std::string>>& rows,
                       const std::string& cls = "");
std::string percent_text(double share);  // "12.5%"
// A link to a peer's explanation when the source is an endpoint, else the text.
std::string source_cell(const std::string& source);

std::string crawl_section(const ReportInputs& in, const ReportOptions& opt);      // crawl_section.cpp
std::string breakdown_section(const ReportInputs& in);                             // crawl_section.cpp
std::string origins_section(const ReportInputs& in);                               // origins_section.cpp

}  // namespace p2pscope::report
