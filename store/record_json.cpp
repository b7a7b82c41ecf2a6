#include "store/record_json.hpp"

#include "store/json_fields.hpp"
#include "store/record_types.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <vector>
#include <cstdio>
#include <limits>

namespace p2pscope {
namespace {

using json = nlohmann::json;
using namespace std::chrono;
using namespace json_fields;

// A parser callback that notes the first key repeated within one object:
// nlohmann keeps the last value, and which "peer_ip" a record means must
// not depend on that.
// nlohmann copies the callback, so its state lives with the caller.
struct DuplicateKeys {
  std::string* found;
  std::vector<std::vector<std::string>>* open;  // the keys of each object still open, outermost first
  bool operator()(int, json::parse_event_t event, json& parsed) const {
    switch (event) {
      case json::parse_event_t::object_start: open->emplace_back(); break;
      case json::parse_event_t::object_end:
        if (!open->empty()) open->pop_back();
        break;
      case json::parse_event_t::key: {
        if (open->empty() || !parsed.is_string()) break;
        auto& keys = open->back();
        const auto& k = parsed.get_ref<const std::string&>();
        if (std::find(keys.begin(), keys.end(), k) != keys.end()) {
          if (found->empty()) *found = k;
        } else {
          keys.push_back(k);
        }
        break;
      }
      default: break;
    }
    return true;
  }
};

// nlohmann's parser recurses per nesting level; bound it before parsing.
bool too_deep(std::string_view line, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

bool read_int(std::string_view s, std::size_t pos, std::size_t len, int& out) {
  if (pos + len > s.size()) return false;
  auto [end, ec] = std::from_chars(s.data() + pos, s.data() + pos + len, out);
  return ec == std::errc{} && end == s.data() + pos + len;
}

}  // namespace

std::string format_time(Timestamp t) {
  auto day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss hms{t - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06lldZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                static_cast<long long>(hms.subseconds().count()));
  return buf;
}

Result<Timestamp> parse_time(std::string_view s) {
  // Exactly YYYY-MM-DDTHH:MM:SS.ffffffZ, as format_time writes.
  int y, mo, d, h, mi, sec, us;
  if (s.size() != 27 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
      s[19] != '.' || s[26] != 'Z')
    return errc::bad_value;
  if (!read_int(s, 0, 4, y) || !read_int(s, 5, 2, mo) || !read_int(s, 8, 2, d) || !read_int(s, 11, 2, h) ||
      !read_int(s, 14, 2, mi) || !read_int(s, 17, 2, sec) || !read_int(s, 20, 6, us))
    return errc::bad_value;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  // Nothing p2pscope records happened before the Unix epoch; year 0000 is damage.
  if (y < 1970 || !ymd.ok() || h > 23 || mi > 59 || sec > 59 || us < 0) return errc::bad_value;
  return Timestamp{sys_days{ymd}} + hours{h} + minutes{mi} + seconds{sec} + microseconds{us};
}

std::string to_json_line(const Record& r) {
  json j = record_type_of(r).to_json(r);
  // Replace invalid UTF-8 (e.g. a hostile tracker URL) rather than throw.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

StatusOr<Record> parse_record(std::string_view line, const JsonLimits& lim) {
  auto report = [&](std::error_code code, std::string message) -> StatusOr<Record> {
    return fail(code, std::move(message));
  };
  if (line.size() > lim.max_line) return report(errc::oversized, "line longer than " + std::to_string(lim.max_line) + " bytes");
  if (too_deep(line, lim.max_depth)) return report(errc::too_deep, "JSON nested deeper than " + std::to_string(lim.max_depth));
  // nlohmann's lexer takes a NUL byte for the end of the input: what follows it would go unread.
  if (auto nul = line.find('\0'); nul != std::string_view::npos)
    return report(errc::bad_value, "NUL byte at column " + std::to_string(nul + 1));
  std::string duplicate;
  std::vector<std::vector<std::string>> open_objects;
  json j = json::parse(line.begin(), line.end(), DuplicateKeys{&duplicate, &open_objects}, false);
  if (!duplicate.empty()) return report(errc::bad_value, "field \"" + duplicate + "\" appears twice");
  if (j.is_discarded()) return report(errc::bad_value, "not valid JSON");
  if (!j.is_object()) return report(errc::wrong_type, "record must be a JSON object");
  try {
    auto type = get_string(j, "type");
    const auto* t = record_type_named(type);
    if (!t) return report(errc::unknown_message_type, "unknown record type \"" + type + "\"");
    return t->from_json(std::move(j), type);
  } catch (const FieldError& e) {
    return report(e.code, e.message);
  }
}

}  // namespace p2pscope
