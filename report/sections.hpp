// The report's sections, one function each (report.cpp assembles them).
// Each returns "" when its records are absent. Internal to report/.
#pragma once

#include "report/report.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace p2pscope::report {

// A table of already-escaped cells; cls names the table's CSS class.
std::string html_table(const std::vector<std::string>& head, const std::vector<std::vector<std::string>>& rows,
                       const std::string& cls = "");
std::string percent_text(double share);  // "12.5%"
// A link to a peer's explanation when the source is an endpoint, else the text.
std::string source_cell(const std::string& source);

// A field of a record read as JSON, or the fallback when it is missing or
// of another type (records are read, never trusted).
double num_field(const nlohmann::json& j, std::string_view key, double fallback = 0);
std::string text_field(const nlohmann::json& j, std::string_view key, std::string fallback = "");
const nlohmann::json& object_field(const nlohmann::json& j, std::string_view key);  // {} when missing
const nlohmann::json& array_field(const nlohmann::json& j, std::string_view key);   // [] when missing
// "2026-12-06 10:20:00" (UTC) for seconds since the epoch.
std::string utc_text(double seconds);
// A label on a coloured ground (colour_of(colour)): a verdict, an event's
// class, a client run's verdict. text is escaped here.
std::string badge(std::string_view text, std::string_view colour);
// An HTML id: prefix, then text with every character but letters and
// digits turned into '-' ("peer-1-2-3-4-6881").
std::string html_id(std::string_view prefix, std::string_view text);
// U values counted in tenths, labelled "0.0-0.1" ... "0.9-1.0" (a value
// outside [0, 1] counts at the nearer end): the histograms of U.
std::vector<std::pair<std::string, double>> u_bins(const std::vector<double>& us);

std::string crawl_section(const ReportInputs& in, const ReportOptions& opt);      // crawl_section.cpp
std::string breakdown_section(const ReportInputs& in);                             // crawl_section.cpp
std::string origins_section(const ReportInputs& in);                               // origins_section.cpp
std::string honeynet_section(const ReportInputs& in, const ReportOptions& opt);   // honeynet_section.cpp
std::string harness_section(const ReportInputs& in);                               // harness_section.cpp

}  // namespace p2pscope::report
