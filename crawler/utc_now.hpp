// The time a record is stamped with: now, UTC, at the records' microsecond
// resolution. Internal to crawler/.
#pragma once

#include "core/records.hpp"

#include <chrono>

namespace p2pscope::crawler {

inline Timestamp utc_now() {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

}  // namespace p2pscope::crawler
