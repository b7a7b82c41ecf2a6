// What the session benchmarks (pex_bench, sx_bench) read about their own
// process: memory in use and the kernel's TCP buffers, and an open-file
// limit raised for N sessions. Linux only; header-only, for bench/ alone.
#pragma once

#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <fstream>
#include <string>

namespace p2pscope::bench {

// Resident set size, from /proc/self/statm.
inline std::size_t rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

// glibc's heap bytes in use (meaningless under ASan, which has its own allocator).
inline std::size_t heap_bytes() { return mallinfo2().uordblks; }

// /proc/net/sockstat's TCP "mem": pages of socket buffers, every socket of
// the network namespace; -1 when unreadable.
inline long tcp_mem_pages() {
  std::ifstream f("/proc/net/sockstat");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("TCP:", 0) != 0) continue;
    auto at = line.find(" mem ");
    return at == std::string::npos ? -1 : std::stol(line.substr(at + 5));
  }
  return -1;
}

// Raises the soft open-file limit to `wanted` if the hard limit allows;
// the limit in force afterwards.
inline rlim_t raise_open_files(rlim_t wanted) {
  rlimit fds{};
  ::getrlimit(RLIMIT_NOFILE, &fds);
  if (fds.rlim_cur < wanted) {
    fds.rlim_cur = std::min<rlim_t>(fds.rlim_max, wanted);
    ::setrlimit(RLIMIT_NOFILE, &fds);
  }
  return fds.rlim_cur;
}

}  // namespace p2pscope::bench
