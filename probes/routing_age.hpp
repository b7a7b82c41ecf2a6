// How old routing data is, and where CAIDA's newest prefix-to-AS file is.
// `p2pscope routing fetch` writes NAME.meta.json beside each file it
// caches; diagnose reads the age from there, else from a date in the file's
// name (CAIDA's routeviews-rv2-20261201-1200.pfx2as.gz, RouteViews'
// rib.20261201.0000.bz2), else from the file's modification time.
//
// The parsing functions are pure; routing_data_time reads the file system.
#pragma once

#include "core/error.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace p2pscope::probes {

using DataTime = std::chrono::sys_seconds;

// The path of the newest file a CAIDA pfx2as-creation.log lists (lines
// "SEQ<TAB>UNIXTIME<TAB>PATH", '#' comments), or nullopt when it lists none.
std::optional<std::string> newest_in_creation_log(std::string_view log);

// The first YYYYMMDD in name that is a real date between 1990 and 2100.
std::optional<DataTime> date_in_name(std::string_view name);

struct RoutingAge {
  DataTime when;
  enum class From : std::uint8_t { meta, name, mtime } from = From::mtime;
};
// errc::no_data when the file cannot be read at all.
Result<RoutingAge> routing_data_time(const std::filesystem::path& file);

// The sidecar routing fetch writes: FILE.meta.json.
std::filesystem::path meta_path_of(const std::filesystem::path& file);

}  // namespace p2pscope::probes
