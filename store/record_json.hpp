// JSON form of the records (docs/records.md): one flat object per record,
// field names equal to the PostgreSQL columns. Absent optionals are omitted
// on output; on input a field may be absent or null.
#pragma once

#include "core/records.hpp"

#include <string>
#include <string_view>

namespace p2pscope {

std::string format_time(Timestamp t);                  // 2026-11-21T12:00:00.000123Z
Result<Timestamp> parse_time(std::string_view text);   // the same form; errc::bad_value

std::string to_json_line(const Record& r);  // no trailing newline

struct JsonLimits {
  std::size_t max_line = 1 << 20;  // bytes
  int max_depth = 8;               // nesting of arrays and objects
};

// Parses one line. On failure the code says what kind of problem, and the
// message names the field (e.g. "field \"peer_ip\": malformed IP address").
StatusOr<Record> parse_record(std::string_view line, const JsonLimits& lim = {});

}  // namespace p2pscope
