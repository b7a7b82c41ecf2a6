#include "probes/routing_age.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <fstream>

namespace p2pscope::probes {
namespace {

std::optional<long long> number(std::string_view s) {
  long long v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<std::string> newest_in_creation_log(std::string_view log) {
  std::optional<std::string> best;
  long long best_time = -1;
  while (!log.empty()) {
    auto nl = log.find('\n');
    auto line = log.substr(0, nl);
    log = nl == std::string_view::npos ? std::string_view() : log.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    auto t1 = line.find('\t'), t2 = line.find('\t', t1 == std::string_view::npos ? t1 : t1 + 1);
    if (t1 == std::string_view::npos || t2 == std::string_view::npos) continue;
    auto when = number(line.substr(t1 + 1, t2 - t1 - 1));
    auto path = line.substr(t2 + 1);
    // A path that climbs out of the log's directory is not CAIDA's.
    if (!when || path.empty() || path.find("..") != std::string_view::npos || path.front() == '/') continue;
    if (*when > best_time) best_time = *when, best = std::string(path);
  }
  return best;
}

std::optional<DataTime> date_in_name(std::string_view name) {
  for (std::size_t i = 0; i + 8 <= name.size(); ++i) {
    auto digits = name.substr(i, 8);
    if (digits.find_first_not_of("0123456789") != std::string_view::npos) continue;
    bool bounded = (i == 0 || !std::isdigit(static_cast<unsigned char>(name[i - 1]))) &&
                   (i + 8 == name.size() || !std::isdigit(static_cast<unsigned char>(name[i + 8])));
    if (!bounded) continue;
    auto y = static_cast<int>(*number(digits.substr(0, 4)));
    auto m = static_cast<unsigned>(*number(digits.substr(4, 2))), d = static_cast<unsigned>(*number(digits.substr(6, 2)));
    std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(m), std::chrono::day(d)};
    if (y < 1990 || y > 2100 || !ymd.ok()) continue;
    return DataTime(std::chrono::sys_days(ymd));
  }
  return std::nullopt;
}

std::filesystem::path meta_path_of(const std::filesystem::path& file) {
  auto p = file;
  p += ".meta.json";
  return p;
}

Result<RoutingAge> routing_data_time(const std::filesystem::path& file) {
  std::ifstream meta(meta_path_of(file));
  if (meta) {
    auto j = nlohmann::json::parse(meta, nullptr, false);
    if (!j.is_discarded() && j.contains("data_time") && j["data_time"].is_number_integer())
      return RoutingAge{DataTime(std::chrono::seconds(j["data_time"].get<long long>())), RoutingAge::From::meta};
  }
  if (auto d = date_in_name(file.filename().string())) return RoutingAge{*d, RoutingAge::From::name};
  std::error_code ec;
  auto t = std::filesystem::last_write_time(file, ec);
  if (ec) return errc::no_data;
  auto sys = std::chrono::file_clock::to_sys(t);
  return RoutingAge{std::chrono::floor<std::chrono::seconds>(sys), RoutingAge::From::mtime};
}

}  // namespace p2pscope::probes
