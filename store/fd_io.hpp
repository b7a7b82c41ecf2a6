// Internal to store/: errno as an error_code, and write(2) until everything
// is out, retrying on EINTR. On failure `pending` holds exactly what did
// not reach the file, so a caller can keep it for a retry or cut the file
// back.
#pragma once

#include "core/error.hpp"

#include <cerrno>
#include <string_view>
#include <unistd.h>

namespace p2pscope {

inline std::error_code last_errno() { return {errno, std::generic_category()}; }

inline Status write_fully(int fd, std::string_view& pending) {
  while (!pending.empty()) {
    auto n = ::write(fd, pending.data(), pending.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return last_errno();
    pending.remove_prefix(static_cast<std::size_t>(n));
  }
  return success();
}

}  // namespace p2pscope
