// Output files that a command writes whole (verdicts, probe results,
// reports, blocklists), and the start-of-run check that they can be written.
//
// A regular file (or a path that does not exist yet) is replaced atomically:
// the text goes to a temporary file beside it, is synced, takes the old
// file's permission bits and is renamed over it, so a reader sees the old
// list or the new one, never half of either. Anything else is written
// through and never replaced: a symbolic link's target is what gets
// replaced (the link stays), and a device or FIFO (/dev/null, /dev/stdout,
// a pipe a loader reads) is opened and written in place.
//
// Errors carry errno codes (std::generic_category) and a message naming the
// path and what was being done. Thread-safe: no shared state.
#pragma once

#include "core/error.hpp"

#include <filesystem>
#include <string>
#include <string_view>

namespace p2pscope {

// What a path names once symbolic links are followed.
enum class OutputKind : std::uint8_t { absent, regular, special, directory };

struct OutputTarget {
  std::filesystem::path resolved;  // the path after following every link
  OutputKind kind = OutputKind::absent;
};

// Follows links (a dangling one resolves to the path it points at).
StatusOr<OutputTarget> resolve_output(const std::filesystem::path& path);

// Checks, before hours of work, that write_output_file(path, ...) can
// succeed: a regular or absent target's directory must take a new file (one
// is created and removed again); a special file must be writable; a
// directory is refused (EISDIR).
Status check_output_file(const std::filesystem::path& path);

// Writes `text` to `path` as described above.
Status write_output_file(const std::filesystem::path& path, std::string_view text);

}  // namespace p2pscope
